// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Command-line matching and typed argument parsers. Pure: no I/O besides
 * if_nametoindex(), no libxlb state, so tests/unit can include this file.
 * Every bad value gets a message naming the value and what is allowed.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "lbctl.h"

static const char *const sched_names[] = {
#define SCHED_NAME(name, str) str,
	XLB_SCHEDS(SCHED_NAME)
#undef SCHED_NAME
};

static const char *const state_names[] = {
#define STATE_NAME(name, str) str,
	XLB_BACKEND_STATES(STATE_NAME)
#undef STATE_NAME
};

static const __u32 ring_sizes[] = XLB_RING_SIZES;

int lbctl_match(const char *word, const char *const *names, size_t n,
		char *cands, size_t clen)
{
	size_t len = strlen(word), i, hits = 0, used = 0;
	int found = -ENOENT;

	if (clen)
		cands[0] = '\0';
	if (!len)
		return -ENOENT;
	for (i = 0; i < n; i++)
		if (!strcmp(word, names[i]))
			return i;
	/* "s" is short for "show" wherever show exists, as in iproute2. */
	if (!strcmp(word, "s"))
		for (i = 0; i < n; i++)
			if (!strcmp(names[i], "show"))
				return i;
	for (i = 0; i < n; i++) {
		if (strncmp(word, names[i], len))
			continue;
		if (used < clen)
			used += snprintf(cands + used, clen - used, "%s%s",
					 hits ? ", " : "", names[i]);
		hits++;
		found = i;
	}
	if (hits > 1)
		return -EAGAIN;
	return found;
}

const char *lbctl_mode_name(enum xlb_attach_mode m)
{
	switch (m) {
	case XLB_ATTACH_NATIVE:
		return "native";
	case XLB_ATTACH_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

bool lbctl_vip_is_v6(const struct xlb_vip_key *key)
{
	struct xlb_addr a;

	memcpy(a.addr, key->addr, sizeof(a.addr));
	return !xlb_addr_is_v4(&a);
}

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

int lbctl_parse_u32(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d (abi.h). */
static int parse_addr(const char *s, struct xlb_addr *out, bool *v6)
{
	int err = xlb_parse_addr(s, out);

	if (!err)
		*v6 = !xlb_addr_is_v4(out);
	return err;
}

int lbctl_parse_vip(const char *proto, const char *addr_port, struct xlb_vip_key *key,
		    char *err, size_t errlen)
{
	return xlb_parse_vip_msg(proto, addr_port, key, err, errlen);
}

static int parse_name(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static void join(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
}

struct kw_def {
	const char *name;
	unsigned int bit;
	bool has_value;
};

static const struct kw_def kw_defs[] = {
	{ "sched", KW_SCHED, true },
	{ "ring", KW_RING, true },
	{ "weight", KW_WEIGHT, true },
	{ "state", KW_STATE, true },
	{ "mode", KW_MODE, true },
	{ "keep-pins", KW_KEEP_PINS, false },
	{ "interval", KW_INTERVAL, true },
	{ "count", KW_COUNT, true },
	{ "limit", KW_LIMIT, true },
	{ "addr", KW_ADDR, true },
	{ "dir", KW_DIR, true },
	{ "conns", KW_CONNS, true },
};

/* 0 with a connection-table size in *out, or the error. */
static int parse_entries(const char *v, __u32 *out, char *err, size_t errlen)
{
	unsigned long n;

	if (lbctl_parse_u32(v, XLB_CONNS_MIN, XLB_CONNS_MAX, &n))
		return fail(err, errlen, LBCTL_EXIT_ERROR,
			    "bad connection-table size '%s': must be an integer %u-%u", v,
			    XLB_CONNS_MIN, XLB_CONNS_MAX);
	*out = n;
	return 0;
}

static int parse_kw_value(const struct lbctl_cmd *cmd, const struct kw_def *k,
			  const char *v, struct lbctl_args *a, char *err, size_t errlen)
{
	char list[160];
	unsigned long n;
	bool v6;
	char *end;
	size_t i;
	int idx;

	switch (k->bit) {
	case KW_SCHED:
		idx = parse_name(v, sched_names, XLB_SCHED_MAX);
		if (idx < 0) {
			join(list, sizeof(list), sched_names, XLB_SCHED_MAX);
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "unknown scheduler '%s': must be one of %s", v, list);
		}
		a->sched = idx;
		return 0;
	case KW_RING:
		if (!lbctl_parse_u32(v, 1, UINT32_MAX, &n))
			for (i = 0; i < sizeof(ring_sizes) / sizeof(ring_sizes[0]); i++)
				if (ring_sizes[i] == n) {
					a->ring_size = n;
					return 0;
				}
		list[0] = '\0';
		for (i = 0, n = 0; i < sizeof(ring_sizes) / sizeof(ring_sizes[0]); i++)
			n += snprintf(list + n, sizeof(list) - n, "%s%u", i ? ", " : "",
				      ring_sizes[i]);
		return fail(err, errlen, LBCTL_EXIT_ERROR,
			    "bad ring size '%s': must be one of the primes %s", v, list);
	case KW_WEIGHT:
		if (lbctl_parse_u32(v, 0, XLB_WEIGHT_MAX, &n))
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "bad weight '%s': must be an integer 0-%u", v, XLB_WEIGHT_MAX);
		a->weight = n;
		return 0;
	case KW_STATE:
		idx = parse_name(v, state_names, XLB_BACKEND_STATE_MAX);
		/* A new backend cannot start out draining: it has no flows. */
		if (idx == XLB_BACKEND_DRAINING && !strcmp(cmd->name, "add"))
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "bad state '%s': a new backend is active or standby", v);
		if (idx < 0) {
			join(list, sizeof(list), state_names, XLB_BACKEND_STATE_MAX);
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "unknown backend state '%s': must be one of %s", v, list);
		}
		a->state = idx;
		return 0;
	case KW_MODE:
		if (!strcmp(v, "native"))
			a->mode = XLB_ATTACH_NATIVE;
		else if (!strcmp(v, "generic"))
			a->mode = XLB_ATTACH_GENERIC;
		else if (!strcmp(v, "auto"))
			a->mode = XLB_ATTACH_AUTO;
		else
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "unknown attach mode '%s': must be native, generic or auto", v);
		return 0;
	case KW_INTERVAL:
		errno = 0;
		a->interval = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(a->interval) ||
		    a->interval < 0.1 || a->interval > 3600)
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "bad interval '%s': must be 0.1-3600 seconds", v);
		return 0;
	case KW_COUNT:
		if (lbctl_parse_u32(v, 1, UINT32_MAX, &n))
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "bad count '%s': must be a positive integer", v);
		a->count = n;
		return 0;
	case KW_LIMIT:
		if (lbctl_parse_u32(v, 1, UINT32_MAX, &n))
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "bad limit '%s': must be a positive integer", v);
		a->limit = n;
		return 0;
	case KW_ADDR:
		if (a->n_decap_addrs >= LBCTL_MAX_DECAP_ADDRS)
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "too many addresses: at most %d", LBCTL_MAX_DECAP_ADDRS);
		if (parse_addr(v, &a->decap_addrs[a->n_decap_addrs], &v6))
			return fail(err, errlen, LBCTL_EXIT_ERROR,
				    "bad address '%s': not an IPv4 or IPv6 address", v);
		a->n_decap_addrs++;
		return 0;
	case KW_CONNS:
		return parse_entries(v, &a->entries, err, errlen);
	case KW_DIR:
		if (!*v)
			return fail(err, errlen, LBCTL_EXIT_ERROR, "bad dir '': empty path");
		a->dir = v;
		return 0;
	}
	return 0;
}

static bool is_proto(const char *s)
{
	return !strcmp(s, "tcp") || !strcmp(s, "udp");
}

int lbctl_parse_args(const struct lbctl_cmd *cmd, int argc, char **argv,
		     struct lbctl_args *a, char *err, size_t errlen)
{
	const char *p;
	unsigned long n;
	size_t i;
	bool v6;
	int ret, k = 0;

	memset(a, 0, sizeof(*a));
	a->interval = 1.0;
	a->limit = 100;
	a->weight = XLB_WEIGHT_DEFAULT;
	a->state = XLB_BACKEND_ACTIVE;
	a->sched = XLB_SCHED_MAGLEV;
	a->mode = XLB_ATTACH_AUTO;

	for (p = cmd->pos; *p; p++) {
		switch (*p) {
		case 'v':
			if (k >= argc || !is_proto(argv[k]))
				break;
			/* fallthrough */
		case 'V':
			if (k >= argc)
				return fail(err, errlen, LBCTL_EXIT_USAGE, "missing VIP");
			if (k + 1 >= argc)
				return fail(err, errlen, LBCTL_EXIT_USAGE,
					    "missing ADDR:PORT after '%s'", argv[k]);
			ret = lbctl_parse_vip(argv[k], argv[k + 1], &a->vip, err, errlen);
			if (ret)
				return LBCTL_EXIT_ERROR;
			a->have_vip = true;
			k += 2;
			break;
		case 'A':
			if (k >= argc)
				return fail(err, errlen, LBCTL_EXIT_USAGE, "missing backend ADDR");
			if (parse_addr(argv[k], &a->addr, &v6))
				return fail(err, errlen, LBCTL_EXIT_ERROR,
					    "bad backend address '%s': not an IPv4 or IPv6 address",
					    argv[k]);
			if (a->have_vip && v6 != lbctl_vip_is_v6(&a->vip))
				return fail(err, errlen, LBCTL_EXIT_ERROR,
					    "bad backend address '%s': an %s VIP needs %s backends",
					    argv[k], v6 ? "IPv4" : "IPv6", v6 ? "IPv4" : "IPv6");
			k++;
			break;
		case 'D':
			if (k >= argc)
				return fail(err, errlen, LBCTL_EXIT_USAGE, "missing DEV");
			if (strlen(argv[k]) >= sizeof(a->dev))
				return fail(err, errlen, LBCTL_EXIT_ERROR,
					    "bad interface '%s': name too long", argv[k]);
			strcpy(a->dev, argv[k]);
			a->ifindex = if_nametoindex(a->dev);
			if (!a->ifindex)
				return fail(err, errlen, LBCTL_EXIT_ERROR,
					    "unknown interface '%s': no such device", a->dev);
			k++;
			break;
		case 'N':
			if (k >= argc)
				return fail(err, errlen, LBCTL_EXIT_USAGE, "missing ENTRIES");
			ret = parse_entries(argv[k++], &a->entries, err, errlen);
			if (ret)
				return ret;
			break;
		case 'R':
			if (k >= argc)
				return fail(err, errlen, LBCTL_EXIT_USAGE, "missing RATE");
			if (lbctl_parse_u32(argv[k], 0, XLB_NEW_FLOW_LIMIT_MAX, &n))
				return fail(err, errlen, LBCTL_EXIT_ERROR,
					    "bad new-flow limit '%s': must be an integer 0-%u "
					    "(new flows per second per CPU; 0: none)", argv[k],
					    XLB_NEW_FLOW_LIMIT_MAX);
			a->rate = n;
			k++;
			break;
		case 'f':
			if (k >= argc)
				break;
			/* fallthrough */
		case 'F':
			if (k >= argc)
				return fail(err, errlen, LBCTL_EXIT_USAGE, "missing FILE");
			a->file = argv[k++];
			break;
		}
	}

	while (k < argc) {
		const struct kw_def *kd = NULL;

		for (i = 0; i < sizeof(kw_defs) / sizeof(kw_defs[0]); i++)
			if ((cmd->kw & kw_defs[i].bit) && !strcmp(argv[k], kw_defs[i].name))
				kd = &kw_defs[i];
		if (!kd)
			return fail(err, errlen, LBCTL_EXIT_USAGE,
				    "unexpected argument '%s'", argv[k]);
		if ((a->have & kd->bit) && kd->bit != KW_ADDR)
			return fail(err, errlen, LBCTL_EXIT_USAGE,
				    "'%s' given twice", kd->name);
		a->have |= kd->bit;
		k++;
		if (!kd->has_value)
			continue;
		if (k >= argc)
			return fail(err, errlen, LBCTL_EXIT_USAGE,
				    "'%s' needs a value", kd->name);
		ret = parse_kw_value(cmd, kd, argv[k], a, err, errlen);
		if (ret)
			return ret;
		k++;
	}

	if ((cmd->flags & CMD_REQ_SCHED) && !(a->have & (KW_SCHED | KW_RING)))
		return fail(err, errlen, LBCTL_EXIT_USAGE, "missing 'sched SCHED' or 'ring SIZE'");
	if ((cmd->flags & CMD_REQ_WS) && !(a->have & (KW_WEIGHT | KW_STATE)))
		return fail(err, errlen, LBCTL_EXIT_USAGE,
			    "missing 'weight N' or 'state STATE'");
	return 0;
}
