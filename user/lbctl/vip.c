// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl vip: virtual services. Fetching (libxlb) and rendering stay apart:
 * vip_json() and vip_plain() render the same struct xlb_vip_info.
 */
#include <arpa/inet.h>

#include "lbctl.h"

static const char vip_help[] =
	"Usage: lbctl vip add VIP [sched SCHED] [ring SIZE]\n"
	"       lbctl vip set VIP [sched SCHED] [ring SIZE]\n"
	"       lbctl vip del VIP\n"
	"       lbctl vip show [VIP]\n"
	"       lbctl vip help\n"
	"\n"
	"VIP := { tcp | udp } ADDR:PORT    (IPv6 in brackets: tcp [fd00::10]:443)\n"
	"SCHED := { maglev | sh | rr | random }    (default maglev)\n"
	"SIZE := { 1021 | 4093 | 16381 | 65537 | 131071 | 262139 | 524287 | 1048573 }\n"
	"        (Maglev ring slots, default 65537)\n"
	"A VIP can be configured before \"prog attach\". Deleting a VIP deletes its backends.\n"
	"\"set ... ring SIZE\" rebuilds the ring at a new size; flows keep their backends.\n";

json_t *lbctl_vip_json(const struct xlb_vip_info *v)
{
	char vip[LBCTL_VIP_LEN], addr[LBCTL_ADDR_LEN];
	json_t *o = json_object();

	lbctl_jset(o, "vip", json_string(lbctl_fmt_vip(&v->key, vip, sizeof(vip))));
	lbctl_jset(o, "proto", json_string(lbctl_proto_name(v->key.proto)));
	lbctl_jset(o, "address", json_string(lbctl_fmt_addr(v->key.addr, addr, sizeof(addr))));
	lbctl_jset(o, "port", json_integer(ntohs(v->key.port)));
	lbctl_jset(o, "sched", json_string(xlb_sched_name(v->sched)));
	lbctl_jset(o, "ring_size", json_integer(v->ring_size));
	lbctl_jset(o, "id", json_integer(v->id));
	lbctl_jset(o, "backends", json_integer(v->n_backends));
	lbctl_jset(o, "active", json_integer(v->n_active));
	return o;
}

static void vip_plain(const struct xlb_vip_info *v)
{
	char vip[LBCTL_VIP_LEN];

	printf("%-28s id %-4u sched %-7s ring %-8u backends %u (%u active)\n",
	       lbctl_fmt_vip(&v->key, vip, sizeof(vip)), v->id, xlb_sched_name(v->sched),
	       v->ring_size, v->n_backends, v->n_active);
}

static int vip_show_one(const struct xlb_vip_info *v, void *ctx)
{
	json_t *arr = ctx;

	if (arr)
		json_array_append_new(arr, lbctl_vip_json(v));
	else
		vip_plain(v);
	return 0;
}

/* -j result of a mutation: the VIP as it is now. */
static int vip_result(struct lbctl_ctx *c, const struct xlb_vip_key *key)
{
	struct xlb_vip_info v;
	int err;

	if (!c->out)
		return 0;
	err = xlb_vip_get(c->xlb, key, &v);
	if (err)
		return lbctl_fail_xlb(c, err, "read back VIP");
	lbctl_jset(c->out, "vip", lbctl_vip_json(&v));
	return 0;
}

static int do_add(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	int err;

	err = xlb_vip_add(c->xlb, &a->vip, a->sched, a->ring_size);
	if (err)
		return lbctl_fail_xlb(c, err, "add VIP");
	return vip_result(c, &a->vip);
}

static int do_set(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	int err;

	/* ring SIZE rebuilds the ring at the new size (flows keep their
	 * backends through the connection table). */
	if (a->have & KW_RING) {
		err = xlb_vip_set_ring_size(c->xlb, &a->vip, a->ring_size);
		if (err)
			return lbctl_fail_xlb(c, err, "set VIP ring size");
	}
	if (a->have & KW_SCHED) {
		err = xlb_vip_set_sched(c->xlb, &a->vip, a->sched);
		if (err)
			return lbctl_fail_xlb(c, err, "set VIP scheduler");
	}
	return vip_result(c, &a->vip);
}

static int do_del(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	char vip[LBCTL_VIP_LEN];
	int err;

	err = xlb_vip_del(c->xlb, &a->vip);
	if (err)
		return lbctl_fail_xlb(c, err, "delete VIP");
	if (c->out)
		lbctl_jset(c->out, "deleted",
			   json_string(lbctl_fmt_vip(&a->vip, vip, sizeof(vip))));
	return 0;
}

static int do_show(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	json_t *arr = NULL;
	struct xlb_vip_info v;
	int err;

	if (c->out) {
		arr = json_array();
		lbctl_jset(c->out, "vips", arr);
	}
	if (a->have_vip) {
		err = xlb_vip_get(c->xlb, &a->vip, &v);
		if (err)
			return lbctl_fail_xlb(c, err, "show VIP");
		return vip_show_one(&v, arr);
	}
	err = xlb_vip_foreach(c->xlb, vip_show_one, arr);
	if (err)
		return lbctl_fail_xlb(c, err, "list VIPs");
	return 0;
}

static const struct lbctl_cmd vip_cmds[] = {
	{ "add", "V", KW_SCHED | KW_RING, CMD_CREATE, "add a VIP", do_add, NULL },
	{ "set", "V", KW_SCHED | KW_RING, CMD_CREATE | CMD_REQ_SCHED, "change a VIP", do_set, NULL },
	{ "del", "V", 0, 0, "delete a VIP", do_del, NULL },
	{ "show", "v", 0, 0, "show VIPs", do_show, NULL },
	{}
};

const struct lbctl_object lbctl_vip_obj = {
	.name = "vip",
	.help = vip_help,
	.cmds = vip_cmds,
	.default_cmd = "show",
};
