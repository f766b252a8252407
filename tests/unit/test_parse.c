// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libxlb parsers and formatters (no root): addresses, VIPs, ports, scheds,
 * states, and the round trip parse -> format -> parse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "xlb.h"

#include "unit.h"

static void test_addr(void)
{
	static const char *const good[] = { "198.18.0.1", "0.0.0.0", "255.255.255.255",
					    "fd00::1", "::1", "fd00:786c:6200::",
					    "2001:db8::a:b:c:d", NULL };
	static const char *const bad[] = { "", "198.18.0", "198.18.0.256", "198.18.0.1 ",
					   " 198.18.0.1", "fd00::1::2", "fd00:::1", "hello",
					   "198.18.0.1/24", "[fd00::1]", "::ffff:198.18.0.1",
					   "1.2.3.4.5", "fd00::g", NULL };
	static const __u8 v4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1 };
	struct xlb_addr a;
	char buf[64];
	int i;

	for (i = 0; good[i]; i++) {
		CHECK(xlb_parse_addr(good[i], &a) == 0, "good address '%s' rejected", good[i]);
		xlb_fmt_addr(&a, buf, sizeof(buf));
		CHECK(!strcmp(buf, good[i]), "'%s' formats as '%s'", good[i], buf);
	}
	for (i = 0; bad[i]; i++)
		CHECK(xlb_parse_addr(bad[i], &a) == -EINVAL, "bad address '%s' accepted", bad[i]);
	CHECK(xlb_parse_addr(NULL, &a) == -EINVAL, "NULL accepted");
	xlb_parse_addr("198.18.0.1", &a);
	CHECK(!memcmp(a.addr, v4, 16), "IPv4 is not stored as ::ffff:a.b.c.d");
	CHECK(xlb_addr_is_v4(&a), "IPv4 not recognised");
	xlb_parse_addr("fd00::1", &a);
	CHECK(!xlb_addr_is_v4(&a) && a.addr[0] == 0xfd && a.addr[15] == 1, "IPv6 layout");
}

static void test_vip(void)
{
	static const struct { const char *proto, *ap, *fmt; __u16 port; } good[] = {
		{ "tcp", "198.18.0.10:80", "tcp 198.18.0.10:80", 80 },
		{ "udp", "198.18.0.10:53", "udp 198.18.0.10:53", 53 },
		{ "tcp", "198.18.0.10:1", "tcp 198.18.0.10:1", 1 },
		{ "tcp", "198.18.0.10:65535", "tcp 198.18.0.10:65535", 65535 },
		{ "tcp", "[fd00::1]:443", "tcp [fd00::1]:443", 443 },
		{ "udp", "[fd00::10]:53", "udp [fd00::10]:53", 53 },
	};
	static const struct { const char *proto, *ap; } bad[] = {
		{ "tcp", "198.18.0.10" }, { "tcp", "198.18.0.10:" }, { "tcp", "198.18.0.10:0" },
		{ "tcp", "198.18.0.10:65536" }, { "tcp", "198.18.0.10:-1" },
		{ "tcp", "198.18.0.10:80x" }, { "tcp", "198.18.0.10:+80" },
		{ "tcp", "198.18.0.10: 80" }, { "tcp", "198.18.0.10:99999999999999999999" },
		{ "sctp", "198.18.0.10:80" }, { "TCP", "198.18.0.10:80" }, { "", "198.18.0.10:80" },
		{ "tcp", "fd00::1:443" }, { "tcp", "[fd00::1]443" }, { "tcp", "[fd00::1]:" },
		{ "tcp", "[198.18.0.10]:80" }, { "tcp", "[fd00::1:443" }, { "tcp", ":80" },
		{ "tcp", "" }, { "tcp", "host:80" },
	};
	struct xlb_vip_key k;
	char buf[80];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&k, 0xaa, sizeof(k));
		CHECK(xlb_parse_vip(good[i].proto, good[i].ap, &k) == 0, "good vip %s %s rejected",
		      good[i].proto, good[i].ap);
		CHECK(ntohs(k.port) == good[i].port, "%s: port %u", good[i].ap, ntohs(k.port));
		CHECK(k.proto == (!strcmp(good[i].proto, "tcp") ? IPPROTO_TCP : IPPROTO_UDP),
		      "%s: proto %u", good[i].ap, k.proto);
		CHECK(k.pad == 0, "%s: pad not zeroed", good[i].ap);
		xlb_fmt_vip(&k, buf, sizeof(buf));
		CHECK(!strcmp(buf, good[i].fmt), "%s formats as '%s'", good[i].ap, buf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(xlb_parse_vip(bad[i].proto, bad[i].ap, &k) == -EINVAL,
		      "bad vip '%s' '%s' accepted", bad[i].proto, bad[i].ap);
}

static void test_enums(void)
{
	enum xlb_backend_state st;
	enum xlb_sched s;
	int i;

	for (i = 0; i < XLB_SCHED_MAX; i++) {
		CHECK(xlb_parse_sched(xlb_sched_name(i), &s) == 0 && (int)s == i,
		      "sched %d round trip", i);
	}
	CHECK(xlb_parse_sched("maglev", &s) == 0 && s == XLB_SCHED_MAGLEV, "maglev");
	CHECK(xlb_parse_sched("rr", &s) == 0 && s == XLB_SCHED_RR, "rr");
	CHECK(xlb_parse_sched("sh", &s) == 0 && s == XLB_SCHED_SH, "sh");
	CHECK(xlb_parse_sched("random", &s) == 0 && s == XLB_SCHED_RANDOM, "random");
	CHECK(xlb_parse_sched("wrr", &s) == -EINVAL, "wrr accepted");
	CHECK(xlb_parse_sched("", &s) == -EINVAL, "empty sched accepted");
	CHECK(xlb_parse_sched("Maglev", &s) == -EINVAL, "Maglev accepted");
	for (i = 0; i < XLB_BACKEND_STATE_MAX; i++) {
		CHECK(xlb_parse_state(xlb_state_name(i), &st) == 0 && (int)st == i,
		      "state %d round trip", i);
	}
	CHECK(xlb_parse_state("active", &st) == 0 && st == XLB_BACKEND_ACTIVE, "active");
	CHECK(xlb_parse_state("draining", &st) == 0 && st == XLB_BACKEND_DRAINING, "draining");
	CHECK(xlb_parse_state("standby", &st) == 0 && st == XLB_BACKEND_STANDBY, "standby");
	CHECK(xlb_parse_state("up", &st) == -EINVAL, "up accepted");
	CHECK(xlb_parse_state("activ", &st) == -EINVAL, "prefix accepted");
	CHECK(!strcmp(xlb_stat_name(XLB_STAT_DROP_NO_BACKEND), "drop_no_backend"), "stat name");
	CHECK(!strcmp(xlb_stat_name(XLB_STAT_MAX), "unknown"), "stat name out of range");
	CHECK(!strcmp(xlb_sched_name(XLB_SCHED_MAX), "unknown"), "sched name out of range");
}

int main(void)
{
	test_addr();
	test_vip();
	test_enums();
	return UNIT_SUMMARY();
}
