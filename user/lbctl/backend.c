// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl backend: the real servers of a VIP.
 */
#include "lbctl.h"

static const char backend_help[] =
	"Usage: lbctl backend add VIP ADDR [weight N] [state { active | standby }]\n"
	"       lbctl backend set VIP ADDR { weight N | state STATE }\n"
	"       lbctl backend drain VIP ADDR\n"
	"       lbctl backend del VIP ADDR\n"
	"       lbctl backend show [VIP]\n"
	"       lbctl backend help\n"
	"\n"
	"VIP := { tcp | udp } ADDR:PORT    (IPv6 in brackets: tcp [fd00::10]:443)\n"
	"ADDR := backend address, of the VIP's family (IPIP / IP6IP6 to it)\n"
	"N := weight 0-65535 (default 100; 0 keeps the backend out of the ring)\n"
	"STATE := { active | draining | standby }\n"
	"Only active backends are in the ring. \"drain\" is \"set ... state draining\":\n"
	"established flows stay, new flows go elsewhere. \"del\" moves its flows.\n";

json_t *lbctl_backend_json(const struct xlb_backend_info *b)
{
	char vip[LBCTL_VIP_LEN], addr[LBCTL_ADDR_LEN];
	json_t *o = json_object();

	lbctl_jset(o, "vip", json_string(lbctl_fmt_vip(&b->vip, vip, sizeof(vip))));
	lbctl_jset(o, "id", json_integer(b->id));
	lbctl_jset(o, "address", json_string(lbctl_fmt_addr(b->addr.addr, addr, sizeof(addr))));
	lbctl_jset(o, "weight", json_integer(b->weight));
	lbctl_jset(o, "state", json_string(xlb_state_name(b->state)));
	return o;
}

static void backend_plain(const struct xlb_backend_info *b)
{
	char vip[LBCTL_VIP_LEN], addr[LBCTL_ADDR_LEN];

	printf("%-28s id %-5u %-24s weight %-5u %s\n", lbctl_fmt_vip(&b->vip, vip, sizeof(vip)),
	       b->id, lbctl_fmt_addr(b->addr.addr, addr, sizeof(addr)), b->weight,
	       xlb_state_name(b->state));
}

static int backend_show_one(const struct xlb_backend_info *b, void *ctx)
{
	json_t *arr = ctx;

	if (arr)
		json_array_append_new(arr, lbctl_backend_json(b));
	else
		backend_plain(b);
	return 0;
}

/* -j result of a mutation: the backend as it is now. */
static int backend_result(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct xlb_backend_info b;
	int err;

	if (!c->out)
		return 0;
	err = xlb_backend_get(c->xlb, &a->vip, &a->addr, &b);
	if (err)
		return lbctl_fail_xlb(c, err, "read back backend");
	lbctl_jset(c->out, "backend", lbctl_backend_json(&b));
	return 0;
}

static int do_add(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	__u32 id;
	int err;

	err = xlb_backend_add(c->xlb, &a->vip, &a->addr, a->weight, a->state, &id);
	if (err)
		return lbctl_fail_xlb(c, err, "add backend");
	return backend_result(c, a);
}

static int do_set(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	int err;

	if (a->have & KW_WEIGHT) {
		err = xlb_backend_set_weight(c->xlb, &a->vip, &a->addr, a->weight);
		if (err)
			return lbctl_fail_xlb(c, err, "set backend weight");
	}
	if (a->have & KW_STATE) {
		err = xlb_backend_set_state(c->xlb, &a->vip, &a->addr, a->state);
		if (err)
			return lbctl_fail_xlb(c, err, "set backend state");
	}
	return backend_result(c, a);
}

static int do_drain(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	int err;

	err = xlb_backend_set_state(c->xlb, &a->vip, &a->addr, XLB_BACKEND_DRAINING);
	if (err)
		return lbctl_fail_xlb(c, err, "drain backend");
	return backend_result(c, a);
}

static int do_del(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	char vip[LBCTL_VIP_LEN], addr[LBCTL_ADDR_LEN];
	json_t *o;
	int err;

	err = xlb_backend_del(c->xlb, &a->vip, &a->addr);
	if (err)
		return lbctl_fail_xlb(c, err, "delete backend");
	if (c->out) {
		o = json_object();
		lbctl_jset(o, "vip", json_string(lbctl_fmt_vip(&a->vip, vip, sizeof(vip))));
		lbctl_jset(o, "address", json_string(lbctl_fmt_addr(a->addr.addr, addr,
								    sizeof(addr))));
		lbctl_jset(c->out, "deleted", o);
	}
	return 0;
}

static int do_show(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	json_t *arr = NULL;
	int err;

	if (c->out) {
		arr = json_array();
		lbctl_jset(c->out, "backends", arr);
	}
	err = xlb_backend_foreach(c->xlb, a->have_vip ? &a->vip : NULL, backend_show_one, arr);
	if (err)
		return lbctl_fail_xlb(c, err, "list backends");
	return 0;
}

static const struct lbctl_cmd backend_cmds[] = {
	{ "add", "VA", KW_WEIGHT | KW_STATE, CMD_CREATE, "add a backend", do_add, NULL },
	{ "set", "VA", KW_WEIGHT | KW_STATE, CMD_CREATE | CMD_REQ_WS, "change a backend", do_set, NULL },
	{ "drain", "VA", 0, CMD_CREATE, "drain a backend", do_drain, NULL },
	{ "del", "VA", 0, 0, "delete a backend", do_del, NULL },
	{ "show", "v", 0, 0, "show backends", do_show, NULL },
	{}
};

const struct lbctl_object lbctl_backend_obj = {
	.name = "backend",
	.help = backend_help,
	.cmds = backend_cmds,
	.default_cmd = "show",
};
