// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl agent: the autoscaling agent's view, as xlbd publishes it in
 * <state dir>/agent.json (rewritten atomically every decision interval).
 * Read only; needs no BPF access.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "lbctl.h"

#define AGENT_DIR_DEFAULT	"/var/lib/xlbd"
/* xlbd counts as stopped when its view is older than this many intervals. */
#define AGENT_STALE_INTERVALS	3

static const char agent_help[] =
	"Usage: lbctl agent show [dir DIR]\n"
	"       lbctl agent help\n"
	"\n"
	"DIR := xlbd's state directory (default " AGENT_DIR_DEFAULT ")\n"
	"Shows what xlbd publishes in DIR/agent.json: per pool the load, active,\n"
	"booting and desired backends, the forecast, the last decision and its\n"
	"reason, and every backend's state and health. xlbd counts as not running\n"
	"when its pid is gone or the file is older than 3 decision intervals.\n";

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "-";
}

static void show_backend(json_t *b)
{
	json_t *healthy = json_object_get(b, "healthy");

	printf("    %-39s id %-4.0f %-9s weight %-5.0f %-9s %8.1f pkt/s",
	       str(b, "address"), num(b, "id"), str(b, "state"), num(b, "weight"),
	       json_is_true(healthy) ? "healthy" : json_is_false(healthy) ? "unhealthy" : "-",
	       num(b, "packets_per_s"));
	if (json_is_string(json_object_get(b, "phase")))
		printf("  (%s)", str(b, "phase"));
	printf("\n");
}

static void show_pool(json_t *p)
{
	json_t *dec = json_object_get(p, "last_decision");
	json_t *ev = json_object_get(p, "last_event");
	json_t *bes = json_object_get(p, "backends"), *b;
	size_t i;

	printf("pool %s  %s  signal %s  target %.0f/backend  load %.1f/s\n",
	       str(p, "name"), str(p, "vip"), str(p, "signal"), num(p, "target"),
	       num(p, "load"));
	printf("  active %.0f  booting %.0f  desired ", num(p, "active"), num(p, "booting"));
	if (json_is_number(json_object_get(p, "desired")))
		printf("%.0f", num(p, "desired"));
	else
		printf("-");
	printf("  (min %.0f, max %.0f)", num(p, "min"), num(p, "max"));
	if (json_is_number(json_object_get(p, "forecast")))
		printf("  forecast %.1f/s", num(p, "forecast"));
	printf("\n");
	if (json_is_true(json_object_get(p, "vip_missing")))
		printf("  VIP not configured: nothing to scale\n");
	if (json_is_object(dec))
		printf("  last decision: %s\n", str(dec, "text"));
	if (json_is_object(ev))
		printf("  last event: %s\n", str(ev, "text"));
	json_array_foreach(bes, i, b)
		show_backend(b);
}

static int do_show(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	const char *dir = a->dir ? a->dir : AGENT_DIR_DEFAULT;
	json_t *doc, *pools, *p;
	struct timespec now;
	double updated, interval, age, pid;
	json_error_t jerr;
	char path[4096];
	bool running;
	size_t i;

	snprintf(path, sizeof(path), "%s/agent.json", dir);
	doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		/* jansson's text carries the real reason (ENOENT, EACCES ...);
		 * errno after json_load_file() is not reliable. */
		if (strstr(jerr.text, "unable to open"))
			return lbctl_fail(c, -ENOENT,
					  "no agent view: %s (is xlbd running with state_dir %s?)",
					  jerr.text, dir);
		return lbctl_fail(c, -EINVAL, "agent view %s: line %d: %s", path, jerr.line,
				  jerr.text);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	updated = num(doc, "updated");
	interval = num(doc, "interval");
	if (!(interval > 0))
		interval = 1;
	age = now.tv_sec + now.tv_nsec / 1e9 - updated;
	/* Fresh view and a live pid: xlbd rewrites the file at exit too. */
	pid = num(doc, "pid");
	running = !isnan(updated) && age <= AGENT_STALE_INTERVALS * interval &&
		  pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);

	if (c->out) {
		lbctl_jset(c->out, "running", json_boolean(running));
		lbctl_jset(c->out, "age", json_real(isnan(age) ? -1 : age));
		lbctl_jset(c->out, "agent", doc);	/* steals the reference */
		return 0;
	}
	printf("xlbd pid %.0f, %s, updated %.1f s ago (interval %.1f s), metrics %s\n",
	       pid, running ? "running" : "NOT RUNNING (last view shown)", age,
	       interval, str(doc, "metrics"));
	pools = json_object_get(doc, "pools");
	json_array_foreach(pools, i, p)
		show_pool(p);
	if (!json_array_size(pools))
		printf("no pools configured\n");
	json_decref(doc);
	return 0;
}

static const struct lbctl_cmd agent_cmds[] = {
	{ "show", "", KW_DIR, CMD_NO_LIB | CMD_NO_ROOT, "show the agent's view", do_show, NULL },
	{}
};

const struct lbctl_object lbctl_agent_obj = {
	.name = "agent",
	.help = agent_help,
	.cmds = agent_cmds,
	.default_cmd = "show",
};
