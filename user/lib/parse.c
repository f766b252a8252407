// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Parsers and formatters shared by lbctl, xlbd, config files and tests.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const __u32 ring_sizes[] = XLB_RING_SIZES;

bool xlb_ring_size_valid(__u32 size)
{
	size_t i;

	for (i = 0; i < sizeof(ring_sizes) / sizeof(ring_sizes[0]); i++)
		if (ring_sizes[i] == size)
			return true;
	return false;
}

bool xlb_addr_is_v4(const struct xlb_addr *a)
{
	static const __u8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a->addr, prefix, sizeof(prefix));
}

int xlb_parse_addr(const char *s, struct xlb_addr *out)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &a4) == 1) {
		out->addr[10] = out->addr[11] = 0xff;
		memcpy(&out->addr[12], &a4, 4);
		return 0;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(out->addr, &a6, 16);
		/* "::ffff:1.2.3.4" would alias an IPv4 address: say it as IPv4 */
		if (xlb_addr_is_v4(out))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_port(const char *s, __u16 *port)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int xlb_parse_vip_msg(const char *proto, const char *addr_port, struct xlb_vip_key *out,
		      char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	bool bracketed, v6;
	const char *port_s, *colon, *close;
	struct xlb_addr a;
	size_t hlen;
	__u16 port;
	__u8 pr;

	if (!proto || !addr_port || !out)
		return fail(err, errlen, "missing VIP");
	if (!strcmp(proto, "tcp"))
		pr = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		pr = IPPROTO_UDP;
	else
		return fail(err, errlen, "bad VIP protocol '%s': must be tcp or udp", proto);

	bracketed = addr_port[0] == '[';
	if (bracketed) {
		close = strchr(addr_port, ']');
		if (!close || close[1] != ':')
			return fail(err, errlen, "bad VIP '%s': expected [IPV6]:PORT", addr_port);
		hlen = close - addr_port - 1;
		port_s = close + 2;
		addr_port++;
	} else {
		colon = strrchr(addr_port, ':');
		if (!colon)
			return fail(err, errlen, "bad VIP '%s': expected ADDR:PORT", addr_port);
		/* "fd00::1:80" is ambiguous: IPv6 needs brackets */
		if (memchr(addr_port, ':', colon - addr_port))
			return fail(err, errlen,
				    "bad VIP '%s': IPv6 addresses go in brackets, [ADDR]:PORT",
				    addr_port);
		hlen = colon - addr_port;
		port_s = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return fail(err, errlen, "bad VIP address '%.*s': %s",
			    (int)(hlen < 64 ? hlen : 64), addr_port, hlen ? "too long" : "missing");
	memcpy(host, addr_port, hlen);
	host[hlen] = '\0';
	if (xlb_parse_addr(host, &a))
		return fail(err, errlen, "bad VIP address '%s': not an IPv4 or IPv6 address", host);
	v6 = !xlb_addr_is_v4(&a);
	if (!v6 && bracketed)
		return fail(err, errlen, "bad VIP '[%s]': brackets are for IPv6 addresses only",
			    host);
	if (parse_port(port_s, &port))
		return fail(err, errlen, "bad VIP port '%s': must be an integer 1-65535", port_s);
	memset(out, 0, sizeof(*out));
	memcpy(out->addr, a.addr, 16);
	out->port = htons(port);
	out->proto = pr;
	return 0;
}

int xlb_parse_vip(const char *proto, const char *addr_port, struct xlb_vip_key *out)
{
	return xlb_parse_vip_msg(proto, addr_port, out, NULL, 0);
}

static const char *const sched_names[] = {
#define XLB_SCHED_STR(name, str) str,
	XLB_SCHEDS(XLB_SCHED_STR)
#undef XLB_SCHED_STR
};

static const char *const state_names[] = {
#define XLB_BSTATE_STR(name, str) str,
	XLB_BACKEND_STATES(XLB_BSTATE_STR)
#undef XLB_BSTATE_STR
};

static const char *const stat_names[] = {
#define XLB_STAT_STR(name, kind, str, desc) str,
	XLB_STATS(XLB_STAT_STR)
#undef XLB_STAT_STR
};

int xlb_parse_sched(const char *s, enum xlb_sched *out)
{
	int i;

	for (i = 0; s && i < XLB_SCHED_MAX; i++) {
		if (!strcmp(s, sched_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

int xlb_parse_state(const char *s, enum xlb_backend_state *out)
{
	int i;

	for (i = 0; s && i < XLB_BACKEND_STATE_MAX; i++) {
		if (!strcmp(s, state_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *xlb_sched_name(enum xlb_sched s)
{
	return (unsigned)s < XLB_SCHED_MAX ? sched_names[s] : "unknown";
}

const char *xlb_state_name(enum xlb_backend_state s)
{
	return (unsigned)s < XLB_BACKEND_STATE_MAX ? state_names[s] : "unknown";
}

const char *xlb_stat_name(enum xlb_stat s)
{
	return (unsigned)s < XLB_STAT_MAX ? stat_names[s] : "unknown";
}

const char *xlb_fmt_addr(const struct xlb_addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (xlb_addr_is_v4(a))
		inet_ntop(AF_INET, &a->addr[12], tmp, sizeof(tmp));
	else
		inet_ntop(AF_INET6, a->addr, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", tmp);
	return buf;
}

const char *xlb_fmt_vip(const struct xlb_vip_key *key, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	const char *proto;
	struct xlb_addr addr;

	memcpy(addr.addr, key->addr, 16);
	xlb_fmt_addr(&addr, a, sizeof(a));
	proto = key->proto == IPPROTO_TCP ? "tcp" : key->proto == IPPROTO_UDP ? "udp" : "proto?";
	if (xlb_addr_is_v4(&addr))
		snprintf(buf, len, "%s %s:%u", proto, a, ntohs(key->port));
	else
		snprintf(buf, len, "%s [%s]:%u", proto, a, ntohs(key->port));
	return buf;
}
