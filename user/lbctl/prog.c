// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl prog: attach, detach and list the balancer program.
 */
#include <string.h>

#include "lbctl.h"

static const char prog_help[] =
	"Usage: lbctl prog attach DEV [mode MODE] [conns ENTRIES]\n"
	"       lbctl prog detach DEV [keep-pins]\n"
	"       lbctl prog show\n"
	"       lbctl prog help\n"
	"\n"
	"MODE := { native | generic | auto }    (default auto: native if the driver can)\n"
	"Attaching where xlb already runs replaces the program in place and keeps\n"
	"the connection table and counters. Detaching from the last interface\n"
	"removes the pins unless keep-pins is given. conns sizes the connection\n"
	"table (default 2097153 entries; an existing table is resized as by\n"
	"\"lbctl conn resize\").\n";

struct prog_list {
	json_t *arr;		/* -j: array to fill */
	const char *only;	/* only this device, or NULL */
	bool found;
	struct xlb_prog_info info;
};

static json_t *prog_json(const struct xlb_prog_info *p)
{
	json_t *o = json_object();

	lbctl_jset(o, "dev", json_string(p->dev));
	lbctl_jset(o, "ifindex", json_integer(p->ifindex));
	lbctl_jset(o, "prog_id", json_integer(p->prog_id));
	lbctl_jset(o, "mode", json_string(lbctl_mode_name(p->mode)));
	return o;
}

static int prog_collect(const struct xlb_prog_info *p, void *ctx)
{
	struct prog_list *l = ctx;

	if (l->only && strcmp(l->only, p->dev))
		return 0;
	l->found = true;
	l->info = *p;
	if (l->arr)
		json_array_append_new(l->arr, prog_json(p));
	else if (!l->only)
		printf("%-15s ifindex %-4d prog_id %-6u mode %s\n", p->dev, p->ifindex,
		       p->prog_id, lbctl_mode_name(p->mode));
	return 0;
}

static int do_attach(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct prog_list l = { .only = a->dev };
	__u64 copied;
	int err;

	err = xlb_prog_attach(c->xlb, a->dev, a->mode);
	if (err)
		return lbctl_fail_xlb(c, err, "attach xlb");
	/* After the attach, so a refused attach changes nothing; a no-op when
	 * the table was created at this size. */
	if (a->have & KW_CONNS) {
		err = xlb_conn_table_resize(c->xlb, a->entries, &copied);
		if (err)
			return lbctl_fail_xlb(c, err, "xlb is attached, but sizing its connection table");
	}
	/* Report what the kernel actually did (auto resolves to a mode). */
	if (xlb_prog_foreach(c->xlb, prog_collect, &l) || !l.found) {
		l.info.ifindex = a->ifindex;
		strcpy(l.info.dev, a->dev);
		l.info.mode = a->mode;
	}
	if (c->out)
		lbctl_jset(c->out, "attached", prog_json(&l.info));
	else
		printf("xlb attached to %s (%s)\n", a->dev, lbctl_mode_name(l.info.mode));
	return 0;
}

static int do_detach(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	bool keep = a->have & KW_KEEP_PINS;
	int err;

	err = xlb_prog_detach(c->xlb, a->dev, keep);
	if (err)
		return lbctl_fail_xlb(c, err, "detach xlb");
	if (c->out) {
		lbctl_jset(c->out, "detached", json_string(a->dev));
		lbctl_jset(c->out, "keep_pins", json_boolean(keep));
	}
	return 0;
}

static int do_show(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct prog_list l = {};
	int err;

	(void)a;
	if (c->out) {
		l.arr = json_array();
		lbctl_jset(c->out, "progs", l.arr);
	}
	err = xlb_prog_foreach(c->xlb, prog_collect, &l);
	if (err)
		return lbctl_fail_xlb(c, err, "list interfaces running xlb");
	return 0;
}

static const struct lbctl_cmd prog_cmds[] = {
	{ "attach", "D", KW_MODE | KW_CONNS, CMD_CREATE, "attach xlb", do_attach, NULL },
	{ "detach", "D", KW_KEEP_PINS, 0, "detach xlb", do_detach, NULL },
	{ "show", "", 0, 0, "list interfaces running xlb", do_show, NULL },
	{}
};

const struct lbctl_object lbctl_prog_obj = {
	.name = "prog",
	.help = prog_help,
	.cmds = prog_cmds,
	.default_cmd = "show",
};
