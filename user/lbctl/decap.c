// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl decap: the backend-side program that strips IPIP / IP6IP6. It lives
 * on backends, pins nothing, and needs no balancer state.
 */
#include <string.h>

#include "lbctl.h"

static const char decap_help[] =
	"Usage: lbctl decap attach DEV [mode MODE] [addr ADDR]...\n"
	"       lbctl decap detach DEV\n"
	"       lbctl decap show DEV\n"
	"       lbctl decap help\n"
	"\n"
	"MODE := { native | generic | auto }    (default auto)\n"
	"ADDR: tunnel destination to accept (repeatable; default: every address\n"
	"      configured on DEV). Other tunnel packets are dropped.\n"
	"show prints the counters of the program attached to DEV.\n";

static const char *const decap_stat_names[XLB_DECAP_STAT_MAX] = {
#define DSTAT_NAME(n, kind, str, desc) [XLB_DECAP_STAT_##n] = str,
	XLB_DECAP_STATS(DSTAT_NAME)
#undef DSTAT_NAME
};

static int do_attach(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	char err[256] = "";
	int ret;

	ret = xlb_decap_attach(a->dev, a->mode, a->decap_addrs, a->n_decap_addrs, err,
			       sizeof(err));
	if (ret)
		return lbctl_fail(c, ret, "%s", err[0] ? err : "attach decap: failed");
	if (c->out) {
		lbctl_jset(c->out, "attached", json_string(a->dev));
		lbctl_jset(c->out, "addresses", json_integer(a->n_decap_addrs));
	}
	return 0;
}

static int do_detach(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	char err[256] = "";
	int ret;

	ret = xlb_decap_detach(a->dev, err, sizeof(err));
	if (ret)
		return lbctl_fail(c, ret, "%s", err[0] ? err : "detach decap: failed");
	if (c->out)
		lbctl_jset(c->out, "detached", json_string(a->dev));
	return 0;
}

static int do_show(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct xlb_counter st[XLB_DECAP_STAT_MAX];
	char err[256] = "";
	json_t *o;
	int ret, i;

	ret = xlb_decap_stats(a->dev, st, err, sizeof(err));
	if (ret)
		return lbctl_fail(c, ret, "%s", err[0] ? err : "read decap counters: failed");
	if (c->out) {
		o = json_object();
		for (i = 0; i < XLB_DECAP_STAT_MAX; i++)
			lbctl_jset(o, decap_stat_names[i],
				   lbctl_json_counter(st[i].packets, st[i].bytes));
		lbctl_jset(c->out, "dev", json_string(a->dev));
		lbctl_jset(c->out, "counters", o);
		return 0;
	}
	printf("decap on %s\n%-16s %14s %16s\n", a->dev, "counter", "packets", "bytes");
	for (i = 0; i < XLB_DECAP_STAT_MAX; i++)
		printf("%-16s %14llu %16llu\n", decap_stat_names[i],
		       (unsigned long long)st[i].packets, (unsigned long long)st[i].bytes);
	return 0;
}

static const struct lbctl_cmd decap_cmds[] = {
	{ "attach", "D", KW_MODE | KW_ADDR, CMD_NO_LIB, "attach the decap program", do_attach, NULL },
	{ "detach", "D", 0, CMD_NO_LIB, "detach the decap program", do_detach, NULL },
	{ "show", "D", 0, CMD_NO_LIB, "read decap counters", do_show, NULL },
	{}
};

const struct lbctl_object lbctl_decap_obj = {
	.name = "decap",
	.help = decap_help,
	.cmds = decap_cmds,
	.default_cmd = NULL,
};
