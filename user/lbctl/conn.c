// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl conn: the connection table (flow -> backend), read only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lbctl.h"

static const char conn_help[] =
	"Usage: lbctl conn show [VIP] [limit N]\n"
	"       lbctl conn table\n"
	"       lbctl conn resize ENTRIES\n"
	"       lbctl conn limit RATE\n"
	"       lbctl conn help\n"
	"\n"
	"VIP := { tcp | udp } ADDR:PORT    (IPv6 in brackets: tcp [fd00::10]:443)\n"
	"show lists flows (client, VIP, backend), at most N (default 100). The table\n"
	"is an LRU: idle flows are evicted by new ones. table prints its capacity and\n"
	"memory. resize replaces it by one of ENTRIES entries (1024-67108864) under\n"
	"traffic: flows are copied and the attached balancers switch in place. A\n"
	"table smaller than the flows it tracks keeps an arbitrary subset; a flow\n"
	"left out is placed again by its VIP's ring (the same backend with maglev\n"
	"and sh while the backends are unchanged). limit caps the new flows each CPU\n"
	"inserts per second (0: no cap): over it, new flows are forwarded by the\n"
	"ring without an entry, so a SYN flood cannot evict established flows.\n";

struct conn_walk {
	struct lbctl_ctx *c;
	json_t *arr;
	unsigned long limit, n;
	bool truncated;
	struct xlb_addr *be_addr;	/* by backend id */
	bool *be_known;
};

static int be_index(const struct xlb_backend_info *b, void *ctx)
{
	struct conn_walk *w = ctx;

	if (b->id < XLB_MAX_BACKENDS) {
		w->be_addr[b->id] = b->addr;
		w->be_known[b->id] = true;
	}
	return 0;
}

static int conn_one(const struct xlb_flow *f, const struct xlb_conn *cn, void *ctx)
{
	char client[LBCTL_ADDR_LEN], vip[LBCTL_VIP_LEN], be[LBCTL_ADDR_LEN];
	struct conn_walk *w = ctx;
	struct xlb_vip_key key = {};

	if (w->n >= w->limit) {
		w->truncated = true;
		return 1;	/* stop the walk */
	}
	w->n++;
	memcpy(key.addr, f->dst, sizeof(key.addr));
	key.port = f->dport;
	key.proto = f->proto;
	lbctl_fmt_vip(&key, vip, sizeof(vip));
	lbctl_fmt_addr(f->src, client, sizeof(client));
	if (cn->backend_id < XLB_MAX_BACKENDS && w->be_known[cn->backend_id])
		lbctl_fmt_addr(w->be_addr[cn->backend_id].addr, be, sizeof(be));
	else
		snprintf(be, sizeof(be), "(deleted)");

	if (w->arr) {
		json_t *o = json_object();

		lbctl_jset(o, "proto", json_string(lbctl_proto_name(f->proto)));
		lbctl_jset(o, "client_address", json_string(client));
		lbctl_jset(o, "client_port", json_integer(ntohs(f->sport)));
		lbctl_jset(o, "vip", json_string(vip));
		lbctl_jset(o, "vip_id", json_integer(cn->vip_id));
		lbctl_jset(o, "backend_id", json_integer(cn->backend_id));
		lbctl_jset(o, "backend", json_string(be));
		json_array_append_new(w->arr, o);
	} else {
		char cl[LBCTL_ADDR_LEN + 10];
		bool v6 = strchr(client, ':') != NULL;

		snprintf(cl, sizeof(cl), "%s%s%s:%u", v6 ? "[" : "", client, v6 ? "]" : "",
			 ntohs(f->sport));
		printf("%-30s -> %-30s backend %s (id %u)\n", cl, vip, be, cn->backend_id);
	}
	return 0;
}

static int do_show(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct conn_walk w = { .c = c, .limit = a->limit };
	int err;

	w.be_addr = calloc(XLB_MAX_BACKENDS, sizeof(*w.be_addr));
	w.be_known = calloc(XLB_MAX_BACKENDS, sizeof(*w.be_known));
	if (!w.be_addr || !w.be_known) {
		err = lbctl_fail(c, ENOMEM, "list flows: out of memory");
		goto out_free;
	}
	err = xlb_backend_foreach(c->xlb, NULL, be_index, &w);
	if (err) {
		err = lbctl_fail_xlb(c, err, "list backends");
		goto out_free;
	}
	if (c->out) {
		w.arr = json_array();
		lbctl_jset(c->out, "conns", w.arr);
	}
	err = xlb_conn_foreach(c->xlb, a->have_vip ? &a->vip : NULL, conn_one, &w);
	if (err < 0) {
		err = lbctl_fail_xlb(c, err, "list flows");
		goto out_free;
	}
	err = 0;
	if (c->out)
		lbctl_jset(c->out, "truncated", json_boolean(w.truncated));
	else if (w.truncated)
		printf("(stopped at limit %lu)\n", w.limit);
out_free:
	free(w.be_addr);
	free(w.be_known);
	return err;
}

static int do_table(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct xlb_conn_table_info t;
	struct xlb_config cfg;
	int err;

	(void)a;
	err = xlb_conn_table_info(c->xlb, &t);
	if (!err)
		err = xlb_config_get(c->xlb, &cfg);
	if (err)
		return lbctl_fail_xlb(c, err, "read the connection table");
	if (c->out) {
		lbctl_jset(c->out, "entries", json_integer(t.entries));
		lbctl_jset(c->out, "memlock", json_integer((json_int_t)t.memlock));
		lbctl_jset(c->out, "map_id", json_integer(t.map_id));
		lbctl_jset(c->out, "new_flow_limit", json_integer(cfg.new_flow_limit));
	} else {
		printf("connection table: %u entries, %.1f MiB of kernel memory, map id %u\n",
		       t.entries, t.memlock / 1048576.0, t.map_id);
		if (cfg.new_flow_limit)
			printf("new flows inserted: at most %u per second per CPU\n",
			       cfg.new_flow_limit);
		else
			printf("new flows inserted: no limit\n");
	}
	return 0;
}

static int do_limit(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct xlb_config cfg;
	int err;

	err = xlb_config_get(c->xlb, &cfg);
	if (!err) {
		cfg.new_flow_limit = a->rate;
		err = xlb_config_set(c->xlb, &cfg);
	}
	if (err)
		return lbctl_fail_xlb(c, err, "set the new-flow limit");
	if (c->out)
		lbctl_jset(c->out, "new_flow_limit", json_integer(a->rate));
	return 0;
}

static int do_resize(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct xlb_conn_table_info before;
	__u64 copied;
	int err;

	err = xlb_conn_table_info(c->xlb, &before);
	if (!err)
		err = xlb_conn_table_resize(c->xlb, a->entries, &copied);
	if (err)
		return lbctl_fail_xlb(c, err, "resize the connection table");
	if (c->out) {
		lbctl_jset(c->out, "entries", json_integer(a->entries));
		lbctl_jset(c->out, "previous_entries", json_integer(before.entries));
		lbctl_jset(c->out, "copied", json_integer((json_int_t)copied));
	} else if (before.entries == a->entries) {
		printf("connection table already has %u entries\n", a->entries);
	} else {
		printf("connection table resized from %u to %u entries, %llu flows in it\n",
		       before.entries, a->entries, (unsigned long long)copied);
	}
	return 0;
}

static const struct lbctl_cmd conn_cmds[] = {
	{ "show", "v", KW_LIMIT, 0, "read the connection table", do_show, NULL },
	{ "table", "", 0, 0, "read the connection table", do_table, NULL },
	{ "resize", "N", 0, 0, "resize the connection table", do_resize, NULL },
	{ "limit", "R", 0, CMD_CREATE, "set the new-flow limit", do_limit, NULL },
	{}
};

const struct lbctl_object lbctl_conn_obj = {
	.name = "conn",
	.help = conn_help,
	.cmds = conn_cmds,
	.default_cmd = "show",
};
