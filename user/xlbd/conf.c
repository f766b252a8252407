// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlbd's configuration: the file `lbctl config save` writes (settings,
 * vips: read by libxlb) plus two groups of its own, `agent` and `pools`
 * (see xlbd.conf.example for every key). Every key is checked: an unknown
 * key, a wrong type or a value out of range is an error naming the file and
 * line, and nothing is applied. Pure: no BPF, no daemon state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libconfig.h>

#include "xlbd.h"

static const char *const signal_names[XLBD_SIG_MAX] = { "new_flows", "packets", "bits" };

const char *xlbd_signal_name(enum xlbd_signal s)
{
	return s < XLBD_SIG_MAX ? signal_names[s] : "?";
}

struct pctx {
	const char *path;
	char *err;
	size_t errlen;
	struct xlbd_conf *c;
};

__attribute__((format(printf, 3, 4)))
static int perr(struct pctx *p, const config_setting_t *s, const char *fmt, ...)
{
	char msg[XLBD_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen) {
		int line = s ? config_setting_source_line(s) : 0;

		if (line > 0)
			snprintf(p->err, p->errlen, "%s:%d: %s", p->path, line, msg);
		else	/* the root group has no line */
			snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
	}
	return -EINVAL;
}

__attribute__((format(printf, 2, 3)))
static void pwarn(struct pctx *p, const char *fmt, ...)
{
	size_t n = strlen(p->c->warnings);
	va_list ap;

	if (n + 2 >= sizeof(p->c->warnings))
		return;
	va_start(ap, fmt);
	vsnprintf(p->c->warnings + n, sizeof(p->c->warnings) - n - 1, fmt, ap);
	va_end(ap);
	strcat(p->c->warnings, "\n");
}

static int check_keys(struct pctx *p, const config_setting_t *g, const char *what,
		      const char *const *keys)
{
	int i, n;

	if (!config_setting_is_group(g))
		return perr(p, g, "%s must be a group { ... }", what);
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);
		const char *const *k;

		for (k = keys; *k; k++)
			if (!strcmp(*k, config_setting_name(m)))
				break;
		if (!*k)
			return perr(p, m, "%s: unknown key '%s'", what, config_setting_name(m));
	}
	return 0;
}

/* A number (integer or float) in [lo, hi]; absent: *out untouched. */
static int get_num(struct pctx *p, const config_setting_t *g, const char *name, double lo,
		   double hi, double *out)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	double x;

	if (!m)
		return 0;
	switch (config_setting_type(m)) {
	case CONFIG_TYPE_INT:
		x = config_setting_get_int(m);
		break;
	case CONFIG_TYPE_INT64:
		x = (double)config_setting_get_int64(m);
		break;
	case CONFIG_TYPE_FLOAT:
		x = config_setting_get_float(m);
		break;
	default:
		return perr(p, m, "'%s' must be a number", name);
	}
	if (!isfinite(x) || x < lo || x > hi)
		return perr(p, m, "bad %s %g (allowed %g..%g)", name, x, lo, hi);
	*out = x;
	return 0;
}

static int get_uint(struct pctx *p, const config_setting_t *g, const char *name, unsigned lo,
		    unsigned hi, unsigned *out)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	double x = *out;
	int err;

	err = get_num(p, g, name, lo, hi, &x);
	if (err)
		return err;
	if (m && x != floor(x))
		return perr(p, m, "'%s' must be an integer", name);
	*out = (unsigned)x;
	return 0;
}

static int get_bool(struct pctx *p, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *m = config_setting_get_member(g, name);

	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL)
		return perr(p, m, "'%s' must be true or false", name);
	*out = config_setting_get_bool(m);
	return 0;
}

/* A string that fits in len; absent: out untouched, *found false. */
static int get_str(struct pctx *p, const config_setting_t *g, const char *name, char *out,
		   size_t len, bool *found)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	const char *s;

	if (found)
		*found = false;
	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return perr(p, m, "'%s' must be a string", name);
	s = config_setting_get_string(m);
	if (strlen(s) >= len)
		return perr(p, m, "'%s' longer than %zu characters", name, len - 1);
	strcpy(out, s);
	if (found)
		*found = true;
	return 0;
}

int xlbd_parse_listen(const char *s, struct sockaddr_storage *ss, unsigned *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char host[64], *end;
	const char *colon;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			return -EINVAL;
		hl = rb - s - 1;
		if (hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hl = colon - s;
		if (hl >= sizeof(host) || memchr(s, ':', hl))	/* IPv6 needs [ ] */
			return -EINVAL;
		memcpy(host, s, hl);
	}
	host[hl] = 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

void xlbd_conf_init(struct xlbd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->interval_s = 1;
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", XLBD_STATE_DIR_DEFAULT);
	snprintf(c->metrics, sizeof(c->metrics), "%s", XLBD_METRICS_DEFAULT);
	c->history_save_s = 300;
	c->log_every_s = 60;
	c->hook_timeout_s = 30;
}

static int parse_agent(struct pctx *p, const config_setting_t *g)
{
	static const char *const keys[] = { "interval", "state_dir", "metrics",
		"history_save_interval", "log_every", "hook_timeout", NULL };
	struct xlbd_conf *c = p->c;
	struct sockaddr_storage ss;
	unsigned len;
	int err;

	err = check_keys(p, g, "agent", keys);
	if (!err)
		err = get_num(p, g, "interval", 0.1, 3600, &c->interval_s);
	if (!err)
		err = get_str(p, g, "state_dir", c->state_dir, sizeof(c->state_dir), NULL);
	if (!err && !c->state_dir[0])
		err = perr(p, config_setting_get_member(g, "state_dir"), "state_dir is empty");
	if (!err)
		err = get_str(p, g, "metrics", c->metrics, sizeof(c->metrics), NULL);
	if (!err && c->metrics[0] && xlbd_parse_listen(c->metrics, &ss, &len))
		err = perr(p, config_setting_get_member(g, "metrics"),
			   "bad metrics address '%s' (ADDR:PORT or [ADDR6]:PORT, \"\" = off)",
			   c->metrics);
	if (!err)
		err = get_num(p, g, "history_save_interval", 1, 86400, &c->history_save_s);
	if (!err)
		err = get_num(p, g, "log_every", 0, 86400, &c->log_every_s);
	if (!err)
		err = get_num(p, g, "hook_timeout", 0.1, 3600, &c->hook_timeout_s);
	return err;
}

static int parse_health(struct pctx *p, const config_setting_t *g, struct xlbd_health_conf *h)
{
	static const char *const keys[] = { "type", "port", "path", "status", "interval",
		"timeout", "rise", "fall", "panic", NULL };
	const config_setting_t *m;
	char type[16] = "tcp";
	unsigned port = 0, status = 200;
	int err;

	err = check_keys(p, g, "health", keys);
	if (!err)
		err = get_str(p, g, "type", type, sizeof(type), NULL);
	if (err)
		return err;
	if (!strcmp(type, "tcp"))
		h->type = XLBD_HC_TCP;
	else if (!strcmp(type, "http"))
		h->type = XLBD_HC_HTTP;
	else if (!strcmp(type, "none"))
		h->type = XLBD_HC_NONE;
	else
		return perr(p, config_setting_get_member(g, "type"),
			    "unknown health type '%s' (tcp, http, none)", type);
	err = get_uint(p, g, "port", 1, 65535, &port);
	if (err)
		return err;
	if (!port && h->type != XLBD_HC_NONE)
		return perr(p, g, "health: missing 'port'");
	h->port = port;
	err = get_str(p, g, "path", h->path, sizeof(h->path), NULL);
	if (err)
		return err;
	m = config_setting_get_member(g, "path");
	if (h->path[0] != '/' || strpbrk(h->path, " \r\n"))
		return perr(p, m ? m : g, "health: bad path '%s' (starts with /, no spaces)",
			    h->path);
	err = get_uint(p, g, "status", 100, 599, &status);
	if (!err)
		err = get_num(p, g, "interval", 0.1, 3600, &h->interval_s);
	if (!err)
		err = get_num(p, g, "timeout", 0.05, 3600, &h->timeout_s);
	if (!err)
		err = get_uint(p, g, "rise", 1, 100, &h->rise);
	if (!err)
		err = get_uint(p, g, "fall", 1, 100, &h->fall);
	if (!err)
		err = get_num(p, g, "panic", 0, 1, &h->panic);
	if (err)
		return err;
	h->status = status;
	if (h->timeout_s > h->interval_s)
		return perr(p, config_setting_get_member(g, "timeout"),
			    "health: timeout %g s longer than interval %g s", h->timeout_s,
			    h->interval_s);
	return 0;
}

/*
 * A target given outright or as util x the pool's capacity (the way
 * tools/xlb-sim sets it). Neither: *target stays (0: caller's rule).
 */
static int get_target(struct pctx *p, const config_setting_t *g, const char *what,
		      double capacity, double util, double *target)
{
	const config_setting_t *mt = config_setting_get_member(g, "target");
	const config_setting_t *mu = config_setting_get_member(g, "util");
	int err;

	err = get_num(p, g, "target", 0, 1e15, target);
	if (!err)
		err = get_num(p, g, "util", 0.01, 1, &util);
	if (err)
		return err;
	if (mt && mu)
		return perr(p, mu, "%s: set target or util, not both", what);
	if (mu && capacity <= 0)
		return perr(p, mu, "%s: util needs the pool's capacity (load one backend serves)",
			    what);
	if (!mt && capacity > 0)
		*target = util * capacity;
	return 0;
}

static int parse_demand(struct pctx *p, const config_setting_t *g, struct xlb_policy_cfg *pc,
			double capacity)
{
	static const char *const keys[] = { "enabled", "target", "tolerance", "high", "low",
		"stabilization", "step_up", "step_down", "load_window", "util", NULL };
	struct xlb_demand_cfg *d = &pc->demand;
	int err;

	err = check_keys(p, g, "demand", keys);
	if (!err)
		err = get_bool(p, g, "enabled", &d->enabled);
	if (!err)
		err = get_target(p, g, "demand", capacity, XLB_POLICY_DEMAND_UTIL, &d->target);
	if (!err)
		err = get_num(p, g, "tolerance", 0, 1, &d->tolerance);
	if (!err)
		err = get_num(p, g, "high", 0, 1e15, &d->high);
	if (!err)
		err = get_num(p, g, "low", 0, 1e15, &d->low);
	if (!err)
		err = get_uint(p, g, "stabilization", 0, 86400, &d->window_s);
	if (!err)
		err = get_uint(p, g, "step_up", 0, 100000, &d->step_up);
	if (!err)
		err = get_uint(p, g, "step_down", 0, 100000, &d->step_down);
	if (!err)
		err = get_uint(p, g, "load_window", 0, 86400, &d->load_window_s);
	if (err)
		return err;
	if (d->high && d->low >= d->high)
		return perr(p, g, "demand: low %g must be below high %g", d->low, d->high);
	if (d->enabled && !d->target && !d->high)
		return perr(p, g, "demand: set target (load per backend), the pool's capacity, "
			    "or high/low thresholds");
	return 0;
}

static int parse_schedules(struct pctx *p, const config_setting_t *l, struct xlb_policy_cfg *pc)
{
	static const char *const keys[] = { "cron", "duration", "capacity", "exact", NULL };
	char err2[XLBD_ERR_MAX];
	int i, n, err;

	if (!config_setting_is_list(l))
		return perr(p, l, "schedules must be a list ( { ... }, ... )");
	n = config_setting_length(l);
	if (n > XLB_POLICY_MAX_SCHEDULES)
		return perr(p, l, "more than %d schedules", XLB_POLICY_MAX_SCHEDULES);
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, i);
		char expr[XLB_CRON_EXPR_MAX] = "";
		unsigned duration = 0, capacity = 0;
		bool exact = false;

		err = check_keys(p, g, "schedule", keys);
		if (!err)
			err = get_str(p, g, "cron", expr, sizeof(expr), NULL);
		if (!err)
			err = get_uint(p, g, "duration", 1, 366 * 86400, &duration);
		if (!err)
			err = get_uint(p, g, "capacity", 0, 100000, &capacity);
		if (!err)
			err = get_bool(p, g, "exact", &exact);
		if (err)
			return err;
		if (!expr[0] || !duration)
			return perr(p, g, "schedule: needs cron and duration");
		if (xlb_schedule_set(&pc->time.sched[i], expr, duration, capacity, exact, err2,
				     sizeof(err2)))
			return perr(p, config_setting_get_member(g, "cron"), "schedule '%s': %s",
				    expr, err2);
	}
	pc->time.n = n;
	pc->time.enabled = n > 0;
	return 0;
}

#define WEEK_S	(7u * 86400)

static int parse_predictive(struct pctx *p, const config_setting_t *g, struct xlbd_pool_conf *pool)
{
	static const char *const keys[] = { "enabled", "season", "horizon", "window", "bucket",
		"history", "min_history", "seasons", "headroom", "peak_weight", "peak_window",
		"target", "util", "short_window", "level_window", "level_max", "season_weight",
		"noise_z", "season_q", "week_seasons", "week_q", "trend_window", "trend_z",
		"trend_max", "trend_weight", NULL };
	struct xlb_predictive_cfg *f = &pool->policy.predictive;
	const config_setting_t *mh = config_setting_get_member(g, "history");
	const config_setting_t *mw = config_setting_get_member(g, "week_seasons");
	int err;

	f->enabled = true;	/* a predictive group turns it on unless it says not */
	err = check_keys(p, g, "predictive", keys);
	if (!err)
		err = get_bool(p, g, "enabled", &f->enabled);
	if (!err)
		err = get_uint(p, g, "season", 60, 366 * 86400, &f->season_s);
	if (!err)
		err = get_uint(p, g, "horizon", 0, 86400, &f->horizon_s);
	if (!err)
		err = get_uint(p, g, "window", 0, 86400, &f->window_s);
	if (!err)
		err = get_uint(p, g, "bucket", 1, 86400, &f->bucket_s);
	if (!err)
		err = get_uint(p, g, "history", 60, 366 * 86400, &f->history_s);
	if (!err)
		err = get_uint(p, g, "min_history", 0, 366 * 86400, &f->min_history_s);
	if (!err)
		err = get_uint(p, g, "seasons", 1, 1000, &f->seasons);
	if (!err)
		err = get_num(p, g, "headroom", 0.01, 100, &f->headroom);
	if (!err)
		err = get_num(p, g, "peak_weight", 0, 100, &f->peak_weight);
	if (!err)
		err = get_uint(p, g, "peak_window", 0, 86400, &f->peak_s);
	if (!err)
		err = get_target(p, g, "predictive", pool->capacity, XLB_POLICY_PRED_UTIL,
				 &f->target);
	if (!err)
		err = get_uint(p, g, "short_window", 1, 3600, &f->short_s);
	if (!err)
		err = get_uint(p, g, "level_window", 0, 7 * 86400, &f->level_s);
	if (!err)
		err = get_num(p, g, "level_max", 1, 100, &f->level_max);
	if (!err)
		err = get_num(p, g, "season_weight", 0, 100, &f->season_weight);
	if (!err)
		err = get_num(p, g, "noise_z", 0, 100, &f->noise_z);
	if (!err)
		err = get_num(p, g, "season_q", 0, 1, &f->season_q);
	if (!err)
		err = get_uint(p, g, "week_seasons", 0, 52, &f->week_seasons);
	if (!err)
		err = get_num(p, g, "week_q", 0, 1, &f->week_q);
	if (!err)
		err = get_uint(p, g, "trend_window", 0, 2048, &f->trend_s);
	if (!err)
		err = get_num(p, g, "trend_z", 0, 100, &f->trend_z);
	if (!err)
		err = get_num(p, g, "trend_max", 0, 100, &f->trend_max);
	if (!err)
		err = get_num(p, g, "trend_weight", 0, 100, &f->trend_weight);
	if (err)
		return err;
	/* The weekly lags need week_seasons weeks of history. No history
	 * given: keep what the lags need. A history written for the older
	 * defaults (7 days): fewer weekly lags, said once, so the file still
	 * loads. Both given and too short: the operator must choose. */
	if (!mh) {
		f->history_s = xlb_policy_history_needed(f);
	} else if (f->week_seasons && (f->history_s / WEEK_S < f->week_seasons ||
				       WEEK_S % f->bucket_s)) {
		unsigned fit = WEEK_S % f->bucket_s ? 0 : f->history_s / WEEK_S;

		if (mw)
			return perr(p, mh, "predictive: history %u s does not cover week_seasons "
				    "= %u (needs >= %u s, bucket dividing a week)", f->history_s,
				    f->week_seasons, f->week_seasons * WEEK_S);
		pwarn(p, "pool %s: predictive: history %u s holds %u week(s): week_seasons %u "
		      "instead of %u (history = %u for the measured setting)", pool->name,
		      f->history_s, fit, fit, f->week_seasons,
		      xlb_policy_history_needed(f));
		f->week_seasons = fit;
	}
	return 0;
}

static void hook_check(struct pctx *p, const struct xlbd_pool_conf *pool, const char *what,
		       const char *path)
{
	if (path[0] && access(path, X_OK))
		pwarn(p, "pool %s: %s hook %s: %s (scaling goes on without it)", pool->name,
		      what, path, strerror(errno));
}

/* The name goes into file names, metric labels and log lines unescaped. */
static bool pool_name_ok(const char *name)
{
	const unsigned char *c;

	if (!name[0])
		return false;
	for (c = (const unsigned char *)name; *c; c++)
		if (*c <= ' ' || *c == 0x7f || strchr("\"\\/", *c))
			return false;
	return true;
}

static int parse_pool(struct pctx *p, const config_setting_t *g, struct xlbd_pool_conf *pool)
{
	static const char *const keys[] = { "name", "vip", "signal", "weight", "min", "max",
		"slow_start", "drain_idle", "drain_timeout", "up_timeout", "on_scale_up",
		"on_scale_down", "health", "demand", "schedules", "predictive", "capacity",
		NULL };
	const config_setting_t *m;
	char vip[96] = "", sig[16] = "new_flows", err2[XLBD_ERR_MAX], *sp;
	unsigned weight = XLB_WEIGHT_DEFAULT;
	bool found;
	size_t i;
	int err;

	memset(pool, 0, sizeof(*pool));
	pool->line = config_setting_source_line(g);
	pool->slow_start_s = 30;
	pool->drain_idle_s = 10;
	pool->drain_timeout_s = 300;
	pool->up_timeout_s = 120;
	pool->health = (struct xlbd_health_conf){ .type = XLBD_HC_TCP, .path = "/",
		.status = 200, .interval_s = 2, .timeout_s = 1, .rise = 2, .fall = 3,
		.panic = 0.5 };
	/* What tools/xlb-sim measured (its --params), from the same table. */
	xlb_policy_cfg_recommended(&pool->policy, 0);
	pool->policy.time.enabled = false;
	pool->policy.predictive.enabled = false;
	/* Except the stabilisation window: issue 6 and Kubernetes' HPA wait
	 * 300 s before a scale-down. The simulator's shorter tuned window is
	 * for operators who choose it (the example file sets it). */
	pool->policy.demand.window_s = XLBD_STABILIZATION_DEFAULT_S;
	/* Cron schedules are in local time, its offset taken at each
	 * evaluation: a DST change moves the offset, not the schedule. */
	pool->policy.tz_local = true;

	err = check_keys(p, g, "pool", keys);
	if (err)
		return err;
	err = get_str(p, g, "vip", vip, sizeof(vip), &found);
	if (err)
		return err;
	if (!found)
		return perr(p, g, "pool: missing 'vip' (e.g. \"tcp 198.18.0.10:80\")");
	m = config_setting_get_member(g, "vip");
	sp = strchr(vip, ' ');
	if (!sp)
		return perr(p, m, "bad vip '%s' (PROTO ADDR:PORT, e.g. \"tcp 198.18.0.10:80\")",
			    vip);
	*sp = 0;
	if (xlb_parse_vip(vip, sp + 1, &pool->vip)) {
		*sp = ' ';
		return perr(p, m, "bad vip '%s' (PROTO ADDR:PORT, e.g. \"tcp 198.18.0.10:80\")",
			    vip);
	}
	*sp = ' ';
	snprintf(pool->name, sizeof(pool->name), "pool%zu", p->c->n_pools + 1);
	err = get_str(p, g, "name", pool->name, sizeof(pool->name), NULL);
	if (err)
		return err;
	if (!pool_name_ok(pool->name))
		return perr(p, config_setting_get_member(g, "name"),
			    "bad pool name '%s' (no spaces, quotes, slashes or control "
			    "characters)", pool->name);
	for (i = 0; i < p->c->n_pools; i++) {
		if (!strcmp(p->c->pools[i].name, pool->name))
			return perr(p, g, "duplicate pool name '%s'", pool->name);
		if (!memcmp(&p->c->pools[i].vip, &pool->vip, sizeof(pool->vip)))
			return perr(p, g, "two pools on %s", vip);
	}
	err = get_str(p, g, "signal", sig, sizeof(sig), NULL);
	if (err)
		return err;
	for (pool->signal = 0; pool->signal < XLBD_SIG_MAX; pool->signal++)
		if (!strcmp(sig, signal_names[pool->signal]))
			break;
	if (pool->signal == XLBD_SIG_MAX)
		return perr(p, config_setting_get_member(g, "signal"),
			    "unknown signal '%s' (new_flows, packets, bits)", sig);
	err = get_uint(p, g, "weight", 1, XLB_WEIGHT_MAX, &weight);
	if (!err)
		err = get_uint(p, g, "min", 0, 100000, &pool->policy.min);
	if (!err)
		err = get_uint(p, g, "max", 1, 100000, &pool->policy.max);
	if (!err)
		err = get_num(p, g, "slow_start", 0, 86400, &pool->slow_start_s);
	if (!err)
		err = get_num(p, g, "drain_idle", 0, 86400, &pool->drain_idle_s);
	if (!err)
		err = get_num(p, g, "drain_timeout", 0, 7 * 86400, &pool->drain_timeout_s);
	if (!err)
		err = get_num(p, g, "up_timeout", 1, 86400, &pool->up_timeout_s);
	if (!err)
		err = get_num(p, g, "capacity", 0, 1e15, &pool->capacity);
	if (!err)
		err = get_str(p, g, "on_scale_up", pool->on_scale_up, sizeof(pool->on_scale_up),
			      NULL);
	if (!err)
		err = get_str(p, g, "on_scale_down", pool->on_scale_down,
			      sizeof(pool->on_scale_down), NULL);
	if (err)
		return err;
	pool->weight = weight;
	/* A boot waits for its on_scale_up hook: a hook allowed to outlive the
	 * boot would still run while the backend is standby again. Without
	 * hooks there is nothing to outlive. */
	if ((pool->on_scale_up[0] || pool->on_scale_down[0]) &&
	    p->c->hook_timeout_s >= pool->up_timeout_s)
		return perr(p, config_setting_get_member(g, "up_timeout") ?
			    config_setting_get_member(g, "up_timeout") : g,
			    "pool %s: up_timeout %g s must be longer than agent.hook_timeout %g s",
			    pool->name, pool->up_timeout_s, p->c->hook_timeout_s);
	if (pool->policy.min > pool->policy.max)
		return perr(p, config_setting_get_member(g, "min"), "min %u above max %u",
			    pool->policy.min, pool->policy.max);
	m = config_setting_get_member(g, "health");
	if (m && (err = parse_health(p, m, &pool->health)))
		return err;
	m = config_setting_get_member(g, "demand");
	if (!m && pool->capacity <= 0)
		return perr(p, g, "pool %s: missing demand = { target = ...; } "
			    "(or capacity = ...;)", pool->name);
	if (m)
		err = parse_demand(p, m, &pool->policy, pool->capacity);
	else
		pool->policy.demand.target = XLB_POLICY_DEMAND_UTIL * pool->capacity;
	if (err)
		return err;
	m = config_setting_get_member(g, "schedules");
	if (m && (err = parse_schedules(p, m, &pool->policy)))
		return err;
	m = config_setting_get_member(g, "predictive");
	if (m && (err = parse_predictive(p, m, pool)))
		return err;
	if (xlb_policy_cfg_check(&pool->policy, err2, sizeof(err2)))
		return perr(p, g, "pool %s: %s", pool->name, err2);
	hook_check(p, pool, "on_scale_up", pool->on_scale_up);
	hook_check(p, pool, "on_scale_down", pool->on_scale_down);
	return 0;
}

/* The pool's VIP should be declared in vips (or already live): warn only,
 * since an operator may add VIPs with lbctl. */
static void vips_cross_check(struct pctx *p, const config_setting_t *vl)
{
	size_t i;
	int k, n;

	for (i = 0; i < p->c->n_pools; i++) {
		const struct xlbd_pool_conf *pool = &p->c->pools[i];
		bool found = false;

		n = vl ? config_setting_length(vl) : 0;
		for (k = 0; k < n && !found; k++) {
			const config_setting_t *v = config_setting_get_elem(vl, k);
			const char *proto = NULL, *addr = NULL;
			int port = 0;
			struct xlb_addr a;

			config_setting_lookup_string(v, "proto", &proto);
			config_setting_lookup_string(v, "address", &addr);
			config_setting_lookup_int(v, "port", &port);
			if (!proto || !addr || xlb_parse_addr(addr, &a))
				continue;
			found = !memcmp(a.addr, pool->vip.addr, 16) &&
				htons(port) == pool->vip.port &&
				(strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP) == pool->vip.proto;
		}
		if (!found)
			pwarn(p, "pool %s: its vip is not in this file's vips: it must exist in "
			      "the live state", pool->name);
	}
}

int xlbd_conf_load(const char *path, struct xlbd_conf *out, char *err, size_t errlen)
{
	static const char *const top[] = { "settings", "vips", "agent", "pools", NULL };
	struct pctx p = { .path = path, .err = err, .errlen = errlen };
	const config_setting_t *root, *m;
	struct xlbd_conf *c;
	config_t cfg;
	int rc, i, n;

	c = malloc(sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	xlbd_conf_init(c);
	p.c = c;
	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
			rc = access(path, R_OK) ? -errno : -EIO;
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		} else {
			rc = -EINVAL;
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
				 config_error_text(&cfg));
		}
		goto out;
	}
	root = config_root_setting(&cfg);
	rc = check_keys(&p, root, "top level", top);
	if (rc)
		goto out;
	m = config_setting_get_member(root, "agent");
	if (m && (rc = parse_agent(&p, m)))
		goto out;
	c->has_vips = config_setting_get_member(root, "vips") != NULL;
	m = config_setting_get_member(root, "pools");
	if (!m) {
		rc = perr(&p, root, "no pools = ( { vip = ...; demand = { target = ...; }; } )");
		goto out;
	}
	if (!config_setting_is_list(m)) {
		rc = perr(&p, m, "pools must be a list ( { ... }, ... )");
		goto out;
	}
	n = config_setting_length(m);
	if (n > XLBD_MAX_POOLS) {
		rc = perr(&p, m, "more than %d pools", XLBD_MAX_POOLS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		rc = parse_pool(&p, config_setting_get_elem(m, i), &c->pools[c->n_pools]);
		if (rc)
			goto out;
		c->n_pools++;
	}
	m = config_setting_get_member(root, "vips");
	if (m && !config_setting_is_list(m)) {
		rc = perr(&p, m, "vips must be a list ( { ... }, ... )");
		goto out;
	}
	if (m)
		vips_cross_check(&p, m);
	/* lbctl's part of the file, checked by the code that applies it: a
	 * bad address or port there fails --check and a reload with its line. */
	if (m || config_setting_get_member(root, "settings")) {
		char lerr[XLBD_ERR_MAX];

		if (xlb_config_check(path, lerr, sizeof(lerr))) {
			snprintf(err, errlen, "%s", lerr);
			rc = -EINVAL;
			goto out;
		}
	}
	*out = *c;
	rc = 0;
out:
	config_destroy(&cfg);
	free(c);
	return rc;
}
