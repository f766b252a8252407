// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of lbctl's command matching and typed argument parsers. No
 * root, no BPF: args.c is pure, so it is compiled into this test directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../user/lbctl/lbctl.h"

#include "unit.h"

static void test_match(void)
{
	static const char *const bcmds[] = { "add", "set", "drain", "del", "show", "help" };
	static const char *const objs[] = { "prog", "vip", "backend", "stats", "conn",
					    "config", "decap", "help" };
	char cands[128];
	int i;

	CHECK(lbctl_match("show", bcmds, 6, cands, sizeof(cands)) == 4, "exact show");
	CHECK(lbctl_match("s", bcmds, 6, cands, sizeof(cands)) == 4, "s is show");
	CHECK(lbctl_match("sh", bcmds, 6, cands, sizeof(cands)) == 4, "sh prefix");
	CHECK(lbctl_match("se", bcmds, 6, cands, sizeof(cands)) == 1, "se is set");
	CHECK(lbctl_match("dr", bcmds, 6, cands, sizeof(cands)) == 2, "dr is drain");
	i = lbctl_match("d", bcmds, 6, cands, sizeof(cands));
	CHECK(i == -EAGAIN && !strcmp(cands, "drain, del"), "d ambiguous: %d '%s'", i, cands);
	CHECK(lbctl_match("x", bcmds, 6, cands, sizeof(cands)) == -ENOENT, "x unknown");
	CHECK(lbctl_match("", bcmds, 6, cands, sizeof(cands)) == -ENOENT, "empty");
	CHECK(lbctl_match("b", objs, 8, cands, sizeof(cands)) == 2, "b is backend");
	i = lbctl_match("c", objs, 8, cands, sizeof(cands));
	CHECK(i == -EAGAIN && !strcmp(cands, "conn, config"), "c ambiguous: '%s'", cands);
	CHECK(lbctl_match("con", objs, 8, cands, sizeof(cands)) == -EAGAIN, "con ambiguous");
	CHECK(lbctl_match("conf", objs, 8, cands, sizeof(cands)) == 5, "conf is config");
	CHECK(lbctl_match("showx", bcmds, 6, cands, sizeof(cands)) == -ENOENT, "longer word");
}

static void test_vip(void)
{
	struct xlb_vip_key k;
	char err[256];
	int ret;

	ret = lbctl_parse_vip("tcp", "198.18.0.10:80", &k, err, sizeof(err));
	CHECK(!ret && k.proto == IPPROTO_TCP && ntohs(k.port) == 80 && k.addr[10] == 0xff &&
	      k.addr[11] == 0xff && k.addr[12] == 198 && k.addr[15] == 10 && k.pad == 0 &&
	      !lbctl_vip_is_v6(&k), "v4 vip");
	ret = lbctl_parse_vip("udp", "[fd00::10]:443", &k, err, sizeof(err));
	CHECK(!ret && k.proto == IPPROTO_UDP && ntohs(k.port) == 443 && k.addr[0] == 0xfd &&
	      k.addr[15] == 0x10 && lbctl_vip_is_v6(&k), "v6 vip");
	ret = lbctl_parse_vip("udp", "198.18.0.10:65535", &k, err, sizeof(err));
	CHECK(!ret && ntohs(k.port) == 65535, "port 65535");

	ret = lbctl_parse_vip("tcp", "198.18.0.10:0", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "port '0'"), "port 0: %s", err);
	ret = lbctl_parse_vip("tcp", "198.18.0.10:65536", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "port '65536'"), "port 65536: %s", err);
	ret = lbctl_parse_vip("tcp", "198.18.0.10:-1", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "port"), "port -1: %s", err);
	ret = lbctl_parse_vip("tcp", "198.18.0.10:8x", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "port"), "port 8x: %s", err);
	ret = lbctl_parse_vip("tcp", "198.18.0.10", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "ADDR:PORT"), "no port: %s", err);
	ret = lbctl_parse_vip("tcp", "198.18.0.300:80", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "198.18.0.300"), "bad v4: %s", err);
	ret = lbctl_parse_vip("sctp", "198.18.0.1:80", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "sctp"), "bad proto: %s", err);
	ret = lbctl_parse_vip("tcp", "fd00::10:443", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "brackets"), "v6 without brackets: %s", err);
	ret = lbctl_parse_vip("tcp", "[198.18.0.1]:443", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "brackets"), "v4 in brackets: %s", err);
	ret = lbctl_parse_vip("tcp", "[fd00::10]443", &k, err, sizeof(err));
	CHECK(ret, "v6 missing colon: %s", err);
	ret = lbctl_parse_vip("tcp", "[fd00::10:443", &k, err, sizeof(err));
	CHECK(ret, "v6 missing bracket: %s", err);
	ret = lbctl_parse_vip("tcp", ":80", &k, err, sizeof(err));
	CHECK(ret && strstr(err, "missing"), "no address: %s", err);
}

static int parse(const struct lbctl_cmd *cmd, const char *line, struct lbctl_args *a,
		 char *err, size_t errlen)
{
	static char buf[512];
	char *argv[32], *tok;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok(buf, " "); tok && argc < 32; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	err[0] = '\0';
	return lbctl_parse_args(cmd, argc, argv, a, err, errlen);
}

static void test_args(void)
{
	static const struct lbctl_cmd vip_add = { "add", "V", KW_SCHED | KW_RING, 0, "", NULL, NULL };
	static const struct lbctl_cmd vip_set = { "set", "V", KW_SCHED, CMD_REQ_SCHED, "", NULL, NULL };
	static const struct lbctl_cmd vip_show = { "show", "v", 0, 0, "", NULL, NULL };
	static const struct lbctl_cmd be_add = { "add", "VA", KW_WEIGHT | KW_STATE, 0, "", NULL, NULL };
	static const struct lbctl_cmd be_set = { "set", "VA", KW_WEIGHT | KW_STATE, CMD_REQ_WS,
						 "", NULL, NULL };
	static const struct lbctl_cmd prog_attach = { "attach", "D", KW_MODE, 0, "", NULL, NULL };
	static const struct lbctl_cmd prog_detach = { "detach", "D", KW_KEEP_PINS, 0, "", NULL, NULL };
	static const struct lbctl_cmd watch = { "watch", "v", KW_INTERVAL | KW_COUNT, 0, "", NULL, NULL };
	static const struct lbctl_cmd save = { "save", "f", 0, 0, "", NULL, NULL };
	static const struct lbctl_cmd load = { "load", "F", 0, 0, "", NULL, NULL };
	static const struct lbctl_cmd decap = { "attach", "D", KW_MODE | KW_ADDR, 0, "", NULL, NULL };
	struct lbctl_args a;
	char err[256];
	int ret;

	ret = parse(&vip_add, "tcp 198.18.0.10:80", &a, err, sizeof(err));
	CHECK(!ret && a.have_vip && a.sched == XLB_SCHED_MAGLEV && a.ring_size == 0,
	      "vip add defaults: %d %s", ret, err);
	ret = parse(&vip_add, "udp [fd00::1]:53 sched rr ring 1021", &a, err, sizeof(err));
	CHECK(!ret && a.sched == XLB_SCHED_RR && a.ring_size == 1021, "vip add full: %s", err);
	ret = parse(&vip_add, "tcp 198.18.0.10:80 ring 1000", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "ring size '1000'") &&
	      strstr(err, "65537"), "ring 1000: %s", err);
	ret = parse(&vip_add, "tcp 198.18.0.10:80 ring 1019", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR, "ring 1019 (prime, not allowed): %s", err);
	ret = parse(&vip_add, "tcp 198.18.0.10:80 sched wlc", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "scheduler 'wlc'"), "sched: %s", err);
	ret = parse(&vip_add, "tcp 198.18.0.10:80 sched", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE, "sched without value: %s", err);
	ret = parse(&vip_add, "tcp 198.18.0.10:80 sched sh sched rr", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE && strstr(err, "twice"), "twice: %s", err);
	ret = parse(&vip_add, "tcp 198.18.0.10:80 weight 3", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE && strstr(err, "'weight'"), "foreign kw: %s", err);
	ret = parse(&vip_add, "", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE && strstr(err, "missing VIP"), "no vip: %s", err);
	ret = parse(&vip_add, "tcp", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE, "half vip: %s", err);
	ret = parse(&vip_set, "tcp 198.18.0.10:80", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE && strstr(err, "sched"), "set needs sched: %s", err);
	ret = parse(&vip_show, "", &a, err, sizeof(err));
	CHECK(!ret && !a.have_vip, "show all");
	ret = parse(&vip_show, "tcp 198.18.0.10:80", &a, err, sizeof(err));
	CHECK(!ret && a.have_vip, "show one");
	ret = parse(&vip_show, "bogus", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE, "show bogus: %s", err);

	ret = parse(&be_add, "tcp 198.18.0.10:80 198.18.1.10", &a, err, sizeof(err));
	CHECK(!ret && a.weight == XLB_WEIGHT_DEFAULT && a.state == XLB_BACKEND_ACTIVE &&
	      a.addr.addr[15] == 10 && a.addr.addr[11] == 0xff, "be add defaults: %s", err);
	ret = parse(&be_add, "tcp 198.18.0.10:80 198.18.1.10 weight 0 state standby", &a, err,
		    sizeof(err));
	CHECK(!ret && a.weight == 0 && a.state == XLB_BACKEND_STANDBY, "be add: %s", err);
	ret = parse(&be_add, "tcp 198.18.0.10:80 198.18.1.10 weight 65536", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "weight '65536'"), "weight: %s", err);
	ret = parse(&be_add, "tcp 198.18.0.10:80 198.18.1.10 weight -1", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "weight '-1'"), "weight -1: %s", err);
	ret = parse(&be_add, "tcp 198.18.0.10:80 198.18.1.10 state draining", &a, err,
		    sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "draining"), "add draining: %s", err);
	ret = parse(&be_add, "tcp 198.18.0.10:80 fd00::1", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "IPv4 VIP"), "v6 on v4: %s", err);
	ret = parse(&be_add, "tcp [fd00::10]:80 198.18.1.1", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "IPv6 VIP"), "v4 on v6: %s", err);
	ret = parse(&be_add, "tcp 198.18.0.10:80 198.18.1", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "'198.18.1'"), "bad addr: %s", err);
	ret = parse(&be_set, "tcp 198.18.0.10:80 198.18.1.10", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE, "set needs weight/state: %s", err);
	ret = parse(&be_set, "tcp 198.18.0.10:80 198.18.1.10 state draining", &a, err,
		    sizeof(err));
	CHECK(!ret && a.state == XLB_BACKEND_DRAINING && (a.have & KW_STATE), "set draining");
	ret = parse(&be_set, "tcp 198.18.0.10:80 198.18.1.10 state gone", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "'gone'"), "bad state: %s", err);

	ret = parse(&prog_attach, "lo mode native", &a, err, sizeof(err));
	CHECK(!ret && a.ifindex == 1 && a.mode == XLB_ATTACH_NATIVE, "attach lo: %s", err);
	ret = parse(&prog_attach, "nosuchdev0 mode native", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "unknown interface 'nosuchdev0'"),
	      "unknown dev: %s", err);
	ret = parse(&prog_attach, "lo mode fast", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "'fast'"), "bad mode: %s", err);
	ret = parse(&prog_detach, "lo keep-pins", &a, err, sizeof(err));
	CHECK(!ret && (a.have & KW_KEEP_PINS), "keep-pins");
	ret = parse(&watch, "interval 0.5 count 3", &a, err, sizeof(err));
	CHECK(!ret && a.interval == 0.5 && a.count == 3 && !a.have_vip, "watch: %s", err);
	ret = parse(&watch, "interval 0", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR, "interval 0: %s", err);
	ret = parse(&watch, "count 0", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR, "count 0: %s", err);
	ret = parse(&save, "", &a, err, sizeof(err));
	CHECK(!ret && !a.file, "save stdout");
	ret = parse(&save, "/tmp/x.conf", &a, err, sizeof(err));
	CHECK(!ret && a.file && !strcmp(a.file, "/tmp/x.conf"), "save file");
	ret = parse(&load, "", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_USAGE, "load needs file");
	ret = parse(&decap, "lo addr 198.18.1.1 addr fd00::1", &a, err, sizeof(err));
	CHECK(!ret && a.n_decap_addrs == 2 && a.decap_addrs[1].addr[0] == 0xfd, "decap: %s", err);
	ret = parse(&decap, "lo addr nope", &a, err, sizeof(err));
	CHECK(ret == LBCTL_EXIT_ERROR && strstr(err, "'nope'"), "decap bad addr: %s", err);
}

int main(void)
{
	test_match();
	test_vip();
	test_args();
	return UNIT_SUMMARY();
}
