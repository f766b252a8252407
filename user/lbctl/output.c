// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Output helpers: error messages and JSON rendering shared by all objects.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lbctl.h"

int lbctl_fail(struct lbctl_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err > 0 ? -err : err;
}

int lbctl_fail_xlb(struct lbctl_ctx *c, int err, const char *what)
{
	const char *msg = c->xlb ? xlb_errmsg(c->xlb) : NULL;

	if (err > 0)
		err = -err;
	if (msg && *msg)
		return lbctl_fail(c, err, "%s", msg);
	return lbctl_fail(c, err, "%s: %s", what, strerror(-err));
}

void lbctl_json_print(const struct lbctl_opts *o, json_t *v)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15);

	flags |= o->pretty ? JSON_INDENT(2) : JSON_COMPACT;
	json_dumpf(v, stdout, flags);
	fputc('\n', stdout);
	fflush(stdout);
}

const char *lbctl_human(double v, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	int u = 0;

	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.2f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

json_t *lbctl_json_counter(__u64 packets, __u64 bytes)
{
	json_t *o = json_object();

	lbctl_jset(o, "packets", json_integer(packets));
	lbctl_jset(o, "bytes", json_integer(bytes));
	return o;
}

void lbctl_jset(json_t *obj, const char *key, json_t *v)
{
	if (obj && v)
		json_object_set_new(obj, key, v);
	else if (v)
		json_decref(v);
}

const char *lbctl_fmt_addr(const __u8 addr[16], char *buf, size_t len)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(addr, v4mapped, sizeof(v4mapped)))
		inet_ntop(AF_INET, addr + 12, buf, len);
	else
		inet_ntop(AF_INET6, addr, buf, len);
	return buf;
}

const char *lbctl_proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

/* "tcp 198.18.0.10:80" / "udp [fd00::10]:53", as the VIP is typed. */
const char *lbctl_fmt_vip(const struct xlb_vip_key *key, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	bool v6 = lbctl_vip_is_v6(key);

	lbctl_fmt_addr(key->addr, a, sizeof(a));
	snprintf(buf, len, "%s %s%s%s:%u", lbctl_proto_name(key->proto), v6 ? "[" : "",
		 a, v6 ? "]" : "", ntohs(key->port));
	return buf;
}
