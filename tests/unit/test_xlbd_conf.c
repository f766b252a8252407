// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlbd's configuration parser (no root): the shipped example, defaults,
 * and bad files, each rejected with the right line and a message that says
 * what is wrong.
 *
 * The Makefile links unit tests with libxlb and libxlbpolicy only, so the
 * parser's source is compiled into this test directly.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../user/xlbd/xlbd.h"

#include "unit.h"

static char tmpdir[] = "/tmp/test_xlbd_conf.XXXXXX";
static char path[128];
static struct xlbd_conf conf;
static char err[XLBD_ERR_MAX];

static int load_text(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	err[0] = 0;
	return xlbd_conf_load(path, &conf, err, sizeof(err));
}

#define POOL(body) "pools = ( { vip = \"tcp 198.18.0.10:80\"; demand = { target = 100; };\n" body "\n} );\n"

#define PRED_FIELDS(X)							\
	X(season_s) X(horizon_s) X(window_s) X(bucket_s) X(history_s)		\
	X(min_history_s) X(seasons) X(short_s) X(level_s) X(level_max) X(peak_s)	\
	X(peak_weight) X(season_weight) X(noise_z) X(headroom) X(target)		\
	X(season_q) X(week_seasons) X(week_q) X(trend_s) X(trend_z) X(trend_max)	\
	X(trend_weight)

static void test_example(void)
{
	int rc = xlbd_conf_load("user/xlbd/xlbd.conf.example", &conf, err, sizeof(err));
	const struct xlbd_pool_conf *p = &conf.pools[0];
	char vb[64];

	CHECK(rc == 0, "example rejected: %s", err);
	if (rc)
		return;
	CHECK(conf.n_pools == 1, "example: %zu pools", conf.n_pools);
	CHECK(conf.has_vips, "example: vips section not seen");
	CHECK(!strcmp(p->name, "web"), "name %s", p->name);
	CHECK(!strcmp(xlb_fmt_vip(&p->vip, vb, sizeof(vb)), "tcp 198.18.0.10:80"), "vip %s", vb);
	CHECK(p->health.type == XLBD_HC_HTTP && p->health.port == 8080 &&
	      !strcmp(p->health.path, "/healthz") && p->health.status == 200,
	      "health parsed wrong");
	CHECK(p->policy.demand.target == 2000 && p->policy.demand.step_down == 1,
	      "demand parsed wrong");
	CHECK(p->policy.time.enabled && p->policy.time.n == 1 &&
	      p->policy.time.sched[0].capacity == 4 && p->policy.time.sched[0].duration_s == 7200,
	      "schedule parsed wrong");
	CHECK(p->policy.predictive.enabled && p->policy.predictive.horizon_s == 60 &&
	      p->policy.predictive.headroom == 1.0, "predictive parsed wrong");
	CHECK(p->capacity == 2350 && p->policy.predictive.target == 0.85 * 2350,
	      "capacity %g, predictive target %g", p->capacity, p->policy.predictive.target);
	{
		/* the example documents the defaults: the same as leaving them out */
		struct xlb_policy_cfg r;

		xlb_policy_cfg_recommended(&r, p->capacity);
		r.predictive.enabled = true;
		r.predictive.horizon_s = 60;
#define SAME(x) CHECK(p->policy.predictive.x == r.predictive.x, "example " #x " %g, default %g", \
		      (double)p->policy.predictive.x, (double)r.predictive.x);
		PRED_FIELDS(SAME)
#undef SAME
		CHECK(p->policy.demand.window_s == r.demand.window_s &&
		      p->policy.demand.load_window_s == r.demand.load_window_s &&
		      p->policy.demand.tolerance == r.demand.tolerance, "example demand defaults");
	}
	CHECK(!strstr(conf.warnings, "week"), "example warned: '%s'", conf.warnings);
	CHECK(!strcmp(conf.metrics, "127.0.0.1:9143"), "metrics %s", conf.metrics);
	CHECK(strstr(conf.warnings, "on_scale_up hook /usr/local/lib/xlbd/start-backend") != NULL,
	      "missing hook not warned about: '%s'", conf.warnings);
}

static void test_defaults(void)
{
	const struct xlbd_pool_conf *p = &conf.pools[0];
	int rc = load_text(POOL(""));

	CHECK(rc == 0, "minimal file rejected: %s", err);
	if (rc)
		return;
	CHECK(conf.interval_s == 1 && !strcmp(conf.state_dir, "/var/lib/xlbd") &&
	      !strncmp(conf.metrics, "127.0.0.1:", 10), "agent defaults");
	CHECK(p->health.type == XLBD_HC_TCP && p->health.interval_s == 2 && p->health.rise == 2 &&
	      p->health.fall == 3, "HAProxy health defaults");
	CHECK(p->health.panic == 0.5, "Envoy's panic threshold by default: %g", p->health.panic);
	/* stabilisation 300 s as issue 6 and HPA say; the rest is the
	 * simulator's measured tuning (xlb_policy_cfg_recommended) */
	CHECK(p->policy.demand.window_s == 300 && p->policy.demand.load_window_s == 10 &&
	      p->policy.demand.tolerance == 0.1, "demand defaults %u %u %g",
	      p->policy.demand.window_s, p->policy.demand.load_window_s,
	      p->policy.demand.tolerance);
	CHECK(p->policy.demand.target == 100 && p->capacity == 0, "target %g capacity %g",
	      p->policy.demand.target, p->capacity);
	CHECK(p->signal == XLBD_SIG_NEW_FLOWS && p->weight == 100 && p->policy.min == 1,
	      "pool defaults");
	CHECK(!p->policy.predictive.enabled && !p->policy.time.enabled, "optional policies off");
	CHECK(!strcmp(p->name, "pool1"), "default name %s", p->name);
	CHECK(!conf.has_vips && !conf.warnings[0], "unexpected warnings '%s'", conf.warnings);
	/* no hooks: nothing can outlive a boot, so up_timeout may be short */
	rc = load_text("agent = { hook_timeout = 30; };\n" POOL(" up_timeout = 30;"));
	CHECK(rc == 0, "a pool without hooks and up_timeout = hook_timeout rejected: %s", err);
}

/* The new keys: capacity and util, every predictive tunable of xlb-sim,
 * and the history that has to hold the weekly lags. */
static void test_tunables(void)
{
	const struct xlbd_pool_conf *p = &conf.pools[0];
	const struct xlb_predictive_cfg *f = &p->policy.predictive;
	struct xlb_policy_cfg r;
	int rc;

	/* predictive = {}: exactly what the simulator measured */
	rc = load_text(POOL(" predictive = { };"));
	CHECK(rc == 0, "empty predictive group rejected: %s", err);
	xlb_policy_cfg_recommended(&r, 0);
	r.predictive.enabled = true;
#define SAME(x) CHECK(f->x == r.predictive.x, "predictive default " #x " %g, recommended %g", \
		      (double)f->x, (double)r.predictive.x);
	PRED_FIELDS(SAME)
#undef SAME
	CHECK(f->enabled && f->history_s == 22 * 86400 && f->week_seasons == 3 &&
	      f->trend_s == 30 && f->season_q == 0.75, "history %u weeks %u", f->history_s,
	      f->week_seasons);
	CHECK(!conf.warnings[0], "warned: '%s'", conf.warnings);

	/* every key set */
	rc = load_text(POOL(" predictive = { season = 86400; horizon = 180; window = 300;\n"
			    " bucket = 30; history = 2592000; min_history = 43200; seasons = 14;\n"
			    " headroom = 1.2; peak_weight = 0.5; peak_window = 600; target = 90;\n"
			    " short_window = 5; level_window = 900; level_max = 3;\n"
			    " season_weight = 0.25; noise_z = 2.5; season_q = 0.9;\n week_seasons = 4;"
			    " week_q = 0.6; trend_window = 60; trend_z = 4; trend_max = 1.5;\n"
			    " trend_weight = 0.8; };"));
	CHECK(rc == 0, "all keys rejected: %s", err);
	CHECK(f->horizon_s == 180 && f->window_s == 300 && f->bucket_s == 30 &&
	      f->history_s == 2592000 && f->min_history_s == 43200 && f->seasons == 14 &&
	      f->headroom == 1.2 && f->peak_weight == 0.5 && f->peak_s == 600 &&
	      f->target == 90, "old keys parsed wrong");
	CHECK(f->short_s == 5 && f->level_s == 900 && f->level_max == 3 &&
	      f->season_weight == 0.25 && f->noise_z == 2.5 && f->season_q == 0.9 &&
	      f->week_seasons == 4 && f->week_q == 0.6 && f->trend_s == 60 && f->trend_z == 4 &&
	      f->trend_max == 1.5 && f->trend_weight == 0.8, "new keys parsed wrong");
	CHECK(!conf.warnings[0], "warned: '%s'", conf.warnings);

	/* no history given: it follows seasons and weeks */
	rc = load_text(POOL(" predictive = { seasons = 14; week_seasons = 0; };"));
	CHECK(rc == 0 && f->history_s == 15 * 86400, "14 days: history %u (%s)", f->history_s,
	      err);
	rc = load_text(POOL(" predictive = { week_seasons = 5; };"));
	CHECK(rc == 0 && f->history_s == 36 * 86400, "5 weeks: history %u (%s)", f->history_s,
	      err);

	/* a history written for the old defaults still loads, with fewer weeks */
	rc = load_text(POOL(" predictive = { history = 604800; };"));
	CHECK(rc == 0 && f->week_seasons == 1, "7-day history: rc %d weeks %u (%s)", rc,
	      f->week_seasons, err);
	CHECK(strstr(conf.warnings, "week_seasons 1 instead of 3 (history = 1900800"),
	      "not warned: '%s'", conf.warnings);
	rc = load_text(POOL(" predictive = { bucket = 10; history = 93600; seasons = 1; };"));
	CHECK(rc == 0 && f->week_seasons == 0, "demo's history: rc %d weeks %u (%s)", rc,
	      f->week_seasons, err);
	CHECK(strstr(conf.warnings, "week_seasons 0 instead of 3"), "not warned: '%s'",
	      conf.warnings);

	/* targets from the pool's capacity, as the simulator sets them */
	rc = load_text("pools = ( { vip = \"tcp 198.18.0.10:80\"; capacity = 1000;\n"
		       " predictive = { }; } );\n");
	CHECK(rc == 0 && p->capacity == 1000 && p->policy.demand.target == 850 &&
	      f->target == 850, "capacity only: rc %d %g %g (%s)", rc, p->policy.demand.target,
	      f->target, err);
	rc = load_text("pools = ( { vip = \"tcp 198.18.0.10:80\"; capacity = 2000;\n"
		       " demand = { util = 0.5; }; predictive = { util = 0.7; }; } );\n");
	CHECK(rc == 0 && p->policy.demand.target == 1000 && fabs(f->target - 1400) < 1e-9,
	      "util: rc %d %g %g (%s)", rc, p->policy.demand.target, f->target, err);
	rc = load_text("pools = ( { vip = \"tcp 198.18.0.10:80\"; capacity = 2000;\n"
		       " demand = { target = 300; }; predictive = { target = 400; }; } );\n");
	CHECK(rc == 0 && p->policy.demand.target == 300 && f->target == 400,
	      "target beats capacity: rc %d %g %g (%s)", rc, p->policy.demand.target, f->target,
	      err);
	rc = load_text(POOL(" predictive = { };"));
	CHECK(rc == 0 && f->target == 0, "no capacity: predictive target %g (demand's)",
	      f->target);
}

/* Each bad file: expected line and a fragment of the message. */
static void test_bad(void)
{
	static const struct { const char *text; int line; const char *msg; } bad[] = {
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = { target = 1; } } ) );\n",
		  2, "syntax error" },
		{ "agent = { interval = 0; };\n" POOL(""), 1, "bad interval 0" },
		{ "agent = {\n interval = \"1\"; };\n" POOL(""), 2, "must be a number" },
		{ "agent = {\n metrics = \"localhost\"; };\n" POOL(""), 2, "bad metrics address" },
		{ "agent = {\n colour = 1; };\n" POOL(""), 2, "unknown key 'colour'" },
		{ "wat = 1;\n" POOL(""), 1, "top level: unknown key 'wat'" },
		{ "agent = {};\n", 0, "no pools" },
		{ "pools = ( {\n demand = { target = 1; }; } );\n", 1, "missing 'vip'" },
		{ "pools = ( {\n vip = \"198.18.0.10:80\"; demand = { target = 1; }; } );\n", 2,
		  "bad vip" },
		{ "pools = ( {\n vip = \"sctp 198.18.0.10:80\"; demand = { target = 1; }; } );\n", 2,
		  "bad vip" },
		{ "pools = ( {\n vip = \"tcp 198.18.0.10:80\"; } );\n", 1, "missing demand" },
		{ POOL(" signal = \"requests\";"), 2, "unknown signal 'requests'" },
		{ POOL(" min = 5; max = 2;"), 2, "min 5 above max 2" },
		{ POOL(" max = 0;"), 2, "bad max 0" },
		{ POOL(" weight = 70000;"), 2, "bad weight 70000" },
		{ POOL(" slow_start = -1;"), 2, "bad slow_start" },
		{ POOL(" max = 2.5;"), 2, "must be an integer" },
		{ POOL(" health = { type = \"icmp\"; port = 80; };"), 2, "unknown health type 'icmp'" },
		{ POOL(" health = { type = \"tcp\"; };"), 2, "health: missing 'port'" },
		{ POOL(" health = { type = \"http\"; port = 80; path = \"healthz\"; };"), 2,
		  "bad path" },
		{ POOL(" health = { port = 80; interval = 1.0; timeout = 2.0; };"), 2,
		  "timeout 2 s longer than interval 1 s" },
		{ POOL(" health = { port = 80; rise = 0; };"), 2, "bad rise 0" },
		{ POOL(" health = { port = 80; status = 999; };"), 2, "bad status 999" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = { tolerance = 0.1; }; } );\n",
		  2, "set target" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = { high = 10; low = 20; }; } );\n",
		  2, "low 20 must be below high 10" },
		{ POOL(" schedules = ( {\n cron = \"0 25 * * *\"; duration = 60; capacity = 2; } );"), 3,
		  "hour" },
		{ POOL(" schedules = ( { capacity = 2; } );"), 2, "needs cron and duration" },
		{ POOL(" predictive = { enabled = true;\n horizon = \"60\"; };"), 3, "must be a number" },
		{ POOL(" predictive = { wat = 1; };"), 2, "unknown key 'wat'" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\"; demand = { target = 1; }; },\n"
		  " { vip = \"tcp 198.18.0.10:80\"; demand = { target = 1; }; } );\n", 2, "two pools" },
		{ "pools = ( { name = \"a\"; vip = \"tcp 198.18.0.10:80\"; demand = { target = 1; }; },\n"
		  " { name = \"a\"; vip = \"tcp 198.18.0.10:81\"; demand = { target = 1; }; } );\n", 2,
		  "duplicate pool name 'a'" },
		{ POOL(" name = \"a b\";"), 2, "bad pool name" },
		/* names go into metric labels and log lines: no control chars */
		{ POOL(" name = \"a\\nb\";"), 2, "bad pool name" },
		{ POOL(" name = \"a\\x01b\";"), 2, "bad pool name" },
		{ "pools = { vip = \"tcp 198.18.0.10:80\"; };\n", 1, "must be a list" },
		/* capacity, util and the predictive tunables */
		{ POOL(" capacity = -1;"), 2, "bad capacity -1" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = { target = 1;\n"
		  " util = 0.5; }; } );\n", 3, "set target or util, not both" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\";\n demand = {\n util = 0.5; }; } );\n",
		  3, "util needs the pool's capacity" },
		{ "pools = ( { vip = \"tcp 198.18.0.10:80\"; capacity = 10;\n"
		  " demand = { util = 1.5; }; } );\n", 2, "bad util 1.5" },
		{ POOL(" predictive = {\n util = 0.5; };"), 3, "predictive: util needs" },
		{ POOL(" predictive = { season_q = 1.5; };"), 2, "bad season_q 1.5" },
		{ POOL(" predictive = {\n week_q = -0.1; };"), 3, "bad week_q" },
		{ POOL(" predictive = { week_seasons = 2.5; };"), 2, "must be an integer" },
		{ POOL(" predictive = { week_seasons = 53; };"), 2, "bad week_seasons 53" },
		{ POOL(" predictive = { trend_window = 5000; };"), 2, "bad trend_window 5000" },
		{ POOL(" predictive = {\n trend_z = \"5\"; };"), 3, "must be a number" },
		{ POOL(" predictive = { trend_max = -1; };"), 2, "bad trend_max" },
		{ POOL(" predictive = { trend_weight = 101; };"), 2, "bad trend_weight" },
		{ POOL(" predictive = { level_max = 0.5; };"), 2, "bad level_max 0.5" },
		{ POOL(" predictive = { short_window = 0; };"), 2, "bad short_window 0" },
		{ POOL(" predictive = { level_window = -5; };"), 2, "bad level_window" },
		{ POOL(" predictive = { season_weight = -1; };"), 2, "bad season_weight" },
		{ POOL(" predictive = { noise_z = 1e9; };"), 2, "bad noise_z" },
		{ POOL(" predictive = { week_seasons = 3;\n history = 604800; };"), 3,
		  "history 604800 s does not cover week_seasons = 3" },
		{ POOL(" health = { port = 80; panic = 1.5; };"), 2, "bad panic 1.5" },
		/* a hook may not outlive the boot that waits for it (pools
		 * without hooks have none to outlive) */
		{ "agent = { hook_timeout = 30; };\n"
		  POOL(" up_timeout = 30; on_scale_up = \"/bin/true\";"), 3,
		  "up_timeout 30 s must be longer than agent.hook_timeout 30 s" },
		{ "agent = { hook_timeout = 200; };\n" POOL(" on_scale_down = \"/bin/true\";"), 2,
		  "up_timeout 120 s must be longer than agent.hook_timeout 200 s" },
		/* lbctl's groups are checked too (libxlb's xlb_config_check) */
		{ "vips = ( { proto = \"tcp\";\n address = \"198.18.0.999\"; port = 80; } );\n"
		  POOL(""), 2, "198.18.0.999" },
		{ "vips = ( { proto = \"tcp\"; address = \"198.18.0.10\";\n port = 99999; } );\n"
		  POOL(""), 2, "99999" },
		{ "settings = {\n colour = 1; };\n" POOL(""), 2, "colour" },
	};
	char want[160];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = load_text(bad[i].text);
		if (bad[i].line)
			snprintf(want, sizeof(want), "%s:%d: ", path, bad[i].line);
		else	/* about the whole file: no line */
			snprintf(want, sizeof(want), "%s: ", path);
		CHECK(rc == -EINVAL, "bad file %zu accepted (rc %d)", i, rc);
		CHECK(!strncmp(err, want, strlen(want)), "bad file %zu: want line %d, got '%s'", i,
		      bad[i].line, err);
		CHECK(strstr(err, bad[i].msg) != NULL, "bad file %zu: want '%s' in '%s'", i,
		      bad[i].msg, err);
	}
	/* A failed load leaves the caller's configuration as it was. */
	load_text(POOL(" max = 7;"));
	rc = load_text(POOL(" max = 0;"));
	CHECK(rc && conf.pools[0].policy.max == 7, "failed load changed the output");

	err[0] = 0;
	rc = xlbd_conf_load("/nonexistent/xlbd.conf", &conf, err, sizeof(err));
	CHECK(rc == -ENOENT && strstr(err, "No such file"), "missing file: %d '%s'", rc, err);
}

static void test_warnings(void)
{
	int rc;

	rc = load_text("vips = ( { proto = \"tcp\"; address = \"198.18.0.11\"; port = 80; } );\n"
		       POOL(" on_scale_up = \"/nonexistent/hook\";"));
	CHECK(rc == 0, "warnings must not fail the load: %s", err);
	CHECK(strstr(conf.warnings, "/nonexistent/hook") != NULL, "missing hook: '%s'",
	      conf.warnings);
	CHECK(strstr(conf.warnings, "not in this file's vips") != NULL,
	      "vip missing from vips not warned: '%s'", conf.warnings);
	rc = load_text("vips = ( { proto = \"tcp\"; address = \"198.18.0.10\"; port = 80; } );\n"
		       POOL(" on_scale_up = \"/bin/true\";"));
	CHECK(rc == 0 && !conf.warnings[0], "clean file warned: '%s'", conf.warnings);
}

/* panic = 0 turns the threshold off; an explicit stabilization wins. */
static void test_panic_stab(void)
{
	int rc = load_text("pools = ( { vip = \"tcp 198.18.0.10:80\";\n"
			   " health = { port = 80; panic = 0; };\n"
			   " demand = { target = 100; stabilization = 60; }; } );\n");

	CHECK(rc == 0 && conf.pools[0].health.panic == 0, "panic 0: rc %d '%s'", rc, err);
	CHECK(rc == 0 && conf.pools[0].policy.demand.window_s == 60, "stabilization 60 not kept");
}

/* A step of the time policy at unix time wall (fresh engine each time). */
static unsigned sched_at(const struct xlb_policy_cfg *c, double wall)
{
	struct xlb_policy *pol = xlb_policy_new(c, NULL, 0);
	struct xlb_decision d = {};

	if (!pol)
		return 999;
	xlb_policy_step(pol, 1000, wall, 0, 1, 0, &d);
	xlb_policy_free(pol);
	return d.time;
}

/*
 * Cron schedules follow the local zone across DST: "20:00" is 19:00 UTC in
 * Berlin's winter and 18:00 UTC in its summer, whatever the season the
 * file was loaded in (the offset used to be read once, at load).
 */
static void test_cron_dst(void)
{
	const char *old = getenv("TZ");
	char saved[64] = "";
	int rc;

	if (old)
		snprintf(saved, sizeof(saved), "%s", old);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	rc = load_text(POOL(" schedules = ( { cron = \"0 20 * * *\"; duration = 3600; "
			    "capacity = 5; } );"));
	CHECK(rc == 0, "schedule file: %s", err);
	if (!rc) {
		const struct xlb_policy_cfg *c = &conf.pools[0].policy;

		/* 2024-01-15 19:00:30 UTC = 20:00:30 CET */
		CHECK(sched_at(c, 1705345230) == 5, "winter 20:00 local: no window");
		/* 2024-07-15 18:00:30 UTC = 20:00:30 CEST */
		CHECK(sched_at(c, 1721066430) == 5, "summer 20:00 local: no window");
		/* 2024-07-15 19:00:30 UTC = 21:00:30 CEST: an hour off */
		CHECK(sched_at(c, 1721070030) == 0, "summer 21:00 local: window open");
	}
	if (old)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

static void test_listen(void)
{
	struct sockaddr_storage ss;
	unsigned len;

	CHECK(!xlbd_parse_listen("127.0.0.1:9143", &ss, &len) && ss.ss_family == AF_INET,
	      "v4 listen");
	CHECK(!xlbd_parse_listen("[::1]:9143", &ss, &len) && ss.ss_family == AF_INET6, "v6 listen");
	CHECK(xlbd_parse_listen("::1:9143", &ss, &len), "unbracketed v6 accepted");
	CHECK(xlbd_parse_listen("127.0.0.1:", &ss, &len), "empty port accepted");
	CHECK(xlbd_parse_listen("127.0.0.1:70000", &ss, &len), "port 70000 accepted");
	CHECK(xlbd_parse_listen("localhost:80", &ss, &len), "host name accepted");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/xlbd.conf", tmpdir);
	test_example();
	test_defaults();
	test_tunables();
	test_bad();
	test_warnings();
	test_listen();
	test_panic_stab();
	test_cron_dst();
	unlink(path);
	rmdir(tmpdir);
	return UNIT_SUMMARY();
}
