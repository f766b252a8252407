// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the policy engine (user/policy): cron, demand (tolerance,
 * stabilisation, steps, bounds, threshold hysteresis), time windows, the
 * forecaster on synthetic seasonal load, combination and history files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"

#include "unit.h"

#define MON_2024	1704067200.0	/* Monday 2024-01-01 00:00 UTC */
#define FRI_2024	(MON_2024 + 4 * 86400)

static struct xlb_policy *mk(struct xlb_policy_cfg *c)
{
	char err[128] = "";
	struct xlb_policy *p = xlb_policy_new(c, err, sizeof(err));

	if (!p)
		printf("xlb_policy_new: %s\n", err);
	return p;
}

/* Demand-only configuration with target 100 per backend. */
static void demand_cfg(struct xlb_policy_cfg *c)
{
	xlb_policy_cfg_init(c);
	c->min = 1;
	c->max = 40;
	c->demand.target = 100;
	c->demand.tolerance = 0.1;
}

static void test_cron(void)
{
	static const char *const bad[] = {
		"60 * * * *", "* * * *", "a * * * *", "5-1 * * * *", "*/0 * * * *", "* 24 * * *",
		"* * 0 * *", "1,,2 * * * *", "@sometimes", "* * * 13 *", "* * * * 8",
		"* * * * * *", "", "1, * * * *",
	};
	struct xlb_cron c;
	char err[128];

	CHECK(!xlb_cron_parse("0 20 * * 5", &c, err, sizeof(err)), "%s", err);
	CHECK(c.minute == 1 && c.hour == 1u << 20 && c.dow == 1 << 5 && c.dom_star &&
	      c.month == 0x1ffe, "fields");
	CHECK(!xlb_cron_parse("*/15 9-17 * * mon-fri", &c, err, sizeof(err)), "%s", err);
	CHECK(c.minute == (1ull | 1ull << 15 | 1ull << 30 | 1ull << 45), "minute %llx",
	      (unsigned long long)c.minute);
	CHECK(c.hour == 0x3fe00 && c.dow == 0x3e, "hour %x dow %x", c.hour, c.dow);
	CHECK(!xlb_cron_parse("30 4 1,15 jan,jul 7", &c, err, sizeof(err)), "%s", err);
	CHECK(c.dom == (1u << 1 | 1u << 15) && c.month == (1 << 1 | 1 << 7) && c.dow == 1 &&
	      !c.dom_star && !c.dow_star, "dom %x month %x dow %x", c.dom, c.month, c.dow);
	CHECK(!xlb_cron_parse("0-10/5 0 * * *", &c, NULL, 0), "range with step");
	CHECK(c.minute == (1ull | 1ull << 5 | 1ull << 10), "minute %llx",
	      (unsigned long long)c.minute);
	CHECK(!xlb_cron_parse("@daily", &c, NULL, 0) && c.minute == 1 && c.hour == 1, "@daily");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(xlb_cron_parse(bad[i], &c, err, sizeof(err)) == -EINVAL && err[0],
		      "'%s' accepted", bad[i]);
	}
	CHECK(!xlb_cron_parse("* 24 * * *", &c, err, sizeof(err)) == 0 &&
	      strstr(err, "hour"), "error names the field: %s", err);

	/* matching: 2024-01-05 is a Friday */
	xlb_cron_parse("0 20 * * 5", &c, NULL, 0);
	CHECK(xlb_cron_match(&c, (int64_t)FRI_2024 + 20 * 3600), "friday 20:00");
	CHECK(xlb_cron_match(&c, (int64_t)FRI_2024 + 20 * 3600 + 59), "same minute");
	CHECK(!xlb_cron_match(&c, (int64_t)FRI_2024 + 20 * 3600 + 60), "20:01");
	CHECK(!xlb_cron_match(&c, (int64_t)FRI_2024 + 20 * 3600 - 86400), "thursday");
	/* both day fields restricted: either matches (Vixie cron) */
	xlb_cron_parse("0 0 13 * 5", &c, NULL, 0);
	CHECK(xlb_cron_match(&c, (int64_t)FRI_2024), "friday 5th by weekday");
	CHECK(xlb_cron_match(&c, (int64_t)MON_2024 + 12 * 86400), "saturday 13th by day");
	CHECK(!xlb_cron_match(&c, (int64_t)MON_2024 + 86400), "tuesday 2nd");
}

static unsigned step(struct xlb_policy *p, double now, double load, unsigned active,
		     struct xlb_decision *d)
{
	xlb_policy_step(p, now, now, load, active, 0, d);
	return d->desired;
}

static void test_demand(void)
{
	struct xlb_policy_cfg c;
	struct xlb_decision d;
	struct xlb_policy *p;
	double t = MON_2024;
	unsigned n;

	demand_cfg(&c);
	c.demand.window_s = 300;
	p = mk(&c);
	if (!p)
		return;
	/* tolerance: 1050 on 10 x 100 is 5% off: hold */
	CHECK(step(p, t, 1050, 10, &d) == 10 && d.reason == XLB_REASON_HOLD, "got %u %s",
	      d.desired, d.reason_text);
	CHECK(step(p, t += 1, 950, 10, &d) == 10, "got %u", d.desired);
	/* 1200 is 20% off: scale up at once to ceil(12) */
	CHECK(step(p, t += 1, 1200, 10, &d) == 12 && d.reason == XLB_REASON_DEMAND &&
	      d.policy == XLB_POLICY_DEMAND && d.delta == 2, "got %u %s", d.desired,
	      d.reason_text);
	CHECK(strstr(d.reason_text, "demand: load 1200 / target 100 = 12.00 -> 12") != NULL,
	      "text '%s'", d.reason_text);
	/* load falls: held for the stabilisation window, then down */
	CHECK(step(p, t += 1, 500, 12, &d) == 12 && d.reason == XLB_REASON_STABILIZE,
	      "got %u %s", d.desired, d.reason_text);
	for (n = 0; n < 290; n++)
		step(p, t += 1, 500, 12, &d);
	CHECK(d.desired == 12, "dropped early at %u: %u", n, d.desired);
	for (n = 0; n < 20 && d.desired == 12; n++)
		step(p, t += 1, 500, 12, &d);
	CHECK(d.desired == 5 && t - (MON_2024 + 2) >= 300 && t - (MON_2024 + 2) <= 302,
	      "got %u after %.0f s", d.desired, t - MON_2024 - 2);
	xlb_policy_free(p);

	/* step limits and bounds */
	demand_cfg(&c);
	c.min = 2;
	c.max = 9;
	c.demand.step_up = 2;
	c.demand.step_down = 1;
	c.demand.window_s = 0;
	p = mk(&c);
	if (!p)
		return;
	CHECK(step(p, t, 800, 2, &d) == 4 && d.reason == XLB_REASON_STEP_LIMIT, "got %u %s",
	      d.desired, d.reason_text);
	CHECK(step(p, t += 1, 5000, 8, &d) == 9 && d.reason == XLB_REASON_MAX, "got %u %s",
	      d.desired, d.reason_text);
	CHECK(step(p, t += 1, 0, 9, &d) == 8 && d.reason == XLB_REASON_STEP_LIMIT, "got %u",
	      d.desired);
	CHECK(step(p, t += 1, 0, 2, &d) == 2 && d.reason == XLB_REASON_MIN, "got %u %s",
	      d.desired, d.reason_text);
	/* a bad sample changes nothing */
	CHECK((t += 1, xlb_policy_step(p, t, t, NAN, 3, 0, &d)) == -EINVAL && d.desired == 2,
	      "got %u", d.desired);
	CHECK((t += 1, xlb_policy_step(p, t, t, -1, 3, 0, &d)) == -EINVAL, "negative load");
	xlb_policy_free(p);

	/* restart: a pool found larger than needed is not cut before a window */
	demand_cfg(&c);
	p = mk(&c);
	if (!p)
		return;
	CHECK(step(p, t, 100, 6, &d) == 6 && d.reason == XLB_REASON_STABILIZE, "got %u %s",
	      d.desired, d.reason_text);
	xlb_policy_free(p);

	/* bad configurations */
	demand_cfg(&c);
	c.min = 5;
	c.max = 4;
	{
		char err[128] = "";

		CHECK(!xlb_policy_new(&c, err, sizeof(err)) && strstr(err, "min"), "%s", err);
		demand_cfg(&c);
		c.demand.target = 0;
		CHECK(!xlb_policy_new(&c, err, sizeof(err)) && strstr(err, "target"), "%s", err);
		demand_cfg(&c);
		c.demand.high = 50;
		c.demand.low = 60;
		CHECK(xlb_policy_cfg_check(&c, err, sizeof(err)) == -EINVAL, "low above high");
	}
}

/* Apply decisions immediately; count pool changes over oscillating load. */
static unsigned changes(struct xlb_policy *p, const double *loads, size_t nl, unsigned steps,
			unsigned *n)
{
	struct xlb_decision d;
	unsigned ch = 0;
	double t = MON_2024;

	for (unsigned i = 0; i < steps; i++) {
		xlb_policy_step(p, t, t, loads[(i / 10) % nl], *n, 0, &d);
		t++;
		if (d.desired != *n)
			ch++;
		*n = d.desired;
	}
	return ch;
}

static void test_thresholds(void)
{
	static const double osc[] = { 85, 75 };
	struct xlb_policy_cfg c;
	struct xlb_decision d;
	struct xlb_policy *p;
	unsigned n = 1, ch;

	xlb_policy_cfg_init(&c);
	c.demand.high = 80;
	c.demand.low = 40;
	c.demand.window_s = 0;
	p = mk(&c);
	if (!p)
		return;
	/* 85 on one backend: above high, +1; then 75 on two is 37.5 < low,
	 * but one backend would carry 75 > midpoint 60: no flapping */
	ch = changes(p, osc, 2, 1000, &n);
	CHECK(ch == 1 && n == 2, "%u changes, ends at %u", ch, n);
	/* genuinely low load does come down, one at a time */
	n = 6;
	CHECK(step(p, MON_2024 + 2000, 60, n, &d) == 5 && d.reason == XLB_REASON_THRESHOLD,
	      "got %u %s", d.desired, d.reason_text);
	CHECK(strstr(d.reason_text, "< low 40") != NULL, "text '%s'", d.reason_text);
	/* never while backends boot */
	xlb_policy_step(p, MON_2024 + 2001, MON_2024 + 2001, 60, 5, 1, &d);
	CHECK(d.desired == 6, "cut a booting backend: %u", d.desired);
	CHECK(step(p, MON_2024 + 2002, 500, 5, &d) == 6 && d.reason == XLB_REASON_THRESHOLD,
	      "got %u", d.desired);
	xlb_policy_free(p);

	/* target tracking with tolerance does not flap on +-5% either */
	demand_cfg(&c);
	c.demand.window_s = 0;
	p = mk(&c);
	if (!p)
		return;
	{
		static const double osc2[] = { 1040, 960 };

		n = 10;
		ch = changes(p, osc2, 2, 1000, &n);
		CHECK(ch == 0 && n == 10, "%u changes, ends at %u", ch, n);
	}
	xlb_policy_free(p);
}

static void test_time(void)
{
	struct xlb_policy_cfg c;
	struct xlb_decision d;
	struct xlb_policy *p;
	char err[128];
	double fri20 = FRI_2024 + 20 * 3600;

	demand_cfg(&c);
	c.time.enabled = true;
	c.time.n = 2;
	CHECK(!xlb_schedule_set(&c.time.sched[0], "0 20 * * fri", 7200, 8, false, err,
				sizeof(err)), "%s", err);
	CHECK(!xlb_schedule_set(&c.time.sched[1], "0 3 * * *", 600, 3, true, err, sizeof(err)),
	      "%s", err);
	CHECK(xlb_schedule_set(&c.time.sched[2], "0 3 * *", 600, 3, true, err, sizeof(err)) ==
	      -EINVAL, "4 fields");
	CHECK(xlb_schedule_set(&c.time.sched[2], "0 3 * * *", 0, 3, true, err, sizeof(err)) ==
	      -EINVAL, "zero duration");
	c.demand.window_s = 0;
	p = mk(&c);
	if (!p)
		return;
	CHECK(step(p, fri20 - 60, 100, 1, &d) == 1 && d.time == 0, "before: %u", d.desired);
	CHECK(step(p, fri20, 100, 1, &d) == 8 && d.policy == XLB_POLICY_TIME &&
	      d.reason == XLB_REASON_SCHEDULE, "at 20:00: %u %s", d.desired, d.reason_text);
	CHECK(strstr(d.reason_text, "0 20 * * fri") != NULL, "text '%s'", d.reason_text);
	CHECK(step(p, fri20 + 7199, 100, 8, &d) == 8, "21:59:59: %u", d.desired);
	/* demand above the schedule's minimum wins */
	CHECK(step(p, fri20 + 3600, 1500, 8, &d) == 15 && d.policy == XLB_POLICY_DEMAND,
	      "demand: %u", d.desired);
	CHECK(step(p, fri20 + 7200, 100, 8, &d) == 1 && d.time == 0, "after: %u %s",
	      d.desired, d.reason_text);
	/* exact: set the capacity whatever demand says */
	CHECK(step(p, FRI_2024 + 86400 + 3 * 3600 + 30, 2000, 8, &d) == 3 &&
	      d.reason == XLB_REASON_SCHEDULE, "exact: %u %s", d.desired, d.reason_text);
	CHECK(step(p, FRI_2024 + 86400 + 3 * 3600 + 600, 2000, 3, &d) == 20, "exact over: %u",
	      d.desired);
	xlb_policy_free(p);

	/* a window already open when the engine starts, and the time zone */
	c.tz_offset_s = -3600;	/* cron in UTC-1: 20:00 local = 21:00 UTC */
	p = mk(&c);
	if (!p)
		return;
	CHECK(step(p, fri20 + 3600 + 1800, 100, 1, &d) == 8, "mid-window start: %u",
	      d.desired);
	xlb_policy_free(p);
	p = mk(&c);
	if (!p)
		return;
	CHECK(step(p, fri20 + 1800, 100, 1, &d) == 1, "tz: %u", d.desired);
	xlb_policy_free(p);
}

/* Seasonal test load: daily sine between 200 and 1800 with a peak at 18:00. */
static double season_load(double t)
{
	double h = fmod(t - MON_2024, 86400) / 3600;

	return 1000 + 800 * cos((h - 18) / 24 * 2 * M_PI);
}

static void pred_cfg(struct xlb_policy_cfg *c)
{
	demand_cfg(c);
	c->demand.enabled = false;
	c->predictive.enabled = true;
	c->predictive.horizon_s = 600;
	c->predictive.window_s = 600;
	c->predictive.history_s = 4 * 86400;
	c->predictive.seasons = 3;
	c->predictive.peak_weight = 0;
	c->predictive.noise_z = 0;
	c->predictive.season_weight = 1;
	c->predictive.level_s = 600;
}

static void test_forecast(void)
{
	struct xlb_policy_cfg c;
	struct xlb_decision d;
	struct xlb_policy *p, *q;
	double t = MON_2024, worst = 0, mean_err = 0;
	unsigned n = 0;
	FILE *f;
	char err[128];

	pred_cfg(&c);
	p = mk(&c);
	if (!p)
		return;
	/* short history: falls back to demand */
	xlb_policy_step(p, t, t, 1500, 10, 0, &d);
	CHECK(d.desired == 15 && d.forecast < 0 && strstr(d.reason_text, "short history"),
	      "fallback: %u %s", d.desired, d.reason_text);
	for (t = MON_2024 + 10; t < MON_2024 + 3 * 86400; t += 10)
		xlb_policy_observe(p, t, season_load(t));
	CHECK(xlb_policy_history_seconds(p) >= 86400, "history %.0f",
	      xlb_policy_history_seconds(p));
	/* over day 4, the forecast for [now+600, now+1200] tracks the true peak:
	 * never below it by more than 3%, 5% off on average (it may run high
	 * on falling load: the mean of the last level_s is a floor) */
	for (; t < MON_2024 + 4 * 86400; t += 10) {
		double truth = 0, err_rel;

		xlb_policy_step(p, t, t, season_load(t), 10, 0, &d);
		if (fmod(t, 600) != 0)
			continue;
		for (double u = t + 600; u <= t + 1200; u += 10)
			truth = fmax(truth, season_load(u));
		err_rel = (d.forecast - truth) / truth;
		worst = fmin(worst, err_rel);
		mean_err += fabs(err_rel);
		n++;
	}
	mean_err /= n ? n : 1;
	CHECK(n > 100 && worst > -0.03 && mean_err < 0.05,
	      "worst under-forecast %.3f, mean error %.3f over %u", worst, mean_err, n);
	CHECK(d.reason == XLB_REASON_FORECAST || d.reason == XLB_REASON_STABILIZE,
	      "reason %s", xlb_reason_name(d.reason));
	/* rising load is provisioned ahead: at 14:00 it plans for 14:10-14:20 */
	t = MON_2024 + 4 * 86400 + 14 * 3600;
	xlb_policy_step(p, t, t, season_load(14 * 3600), 10, 0, &d);
	CHECK(d.forecast > season_load(14 * 3600 + 600) * 0.98 &&
	      d.predictive == (unsigned)ceil(d.forecast / 100 - 1e-9), "forecast %.0f -> %u",
	      d.forecast, d.predictive);
	CHECK(d.desired >= d.predictive && strstr(d.reason_text, "predictive: ") != NULL,
	      "%u %s", d.desired, d.reason_text);

	/* a level shift carries over: twice the load today doubles the forecast */
	{
		struct xlb_decision d2;

		q = mk(&c);
		if (!q)
			return;
		for (t = MON_2024; t < MON_2024 + 3 * 86400 + 12 * 3600; t += 10)
			xlb_policy_observe(q, t, season_load(t) *
					   (t >= MON_2024 + 3 * 86400 ? 1.5 : 1));
		xlb_policy_step(q, t, t, season_load(t) * 1.5, 10, 0, &d2);
		CHECK(d2.forecast > 1.35 * season_load(t + 900), "level: %.0f vs %.0f",
		      d2.forecast, season_load(t + 900));
		xlb_policy_free(q);
	}

	/* history round trip and bad files */
	f = tmpfile();
	if (!f)
		return;
	CHECK(!xlb_policy_history_save(p, f), "save");
	rewind(f);
	q = mk(&c);
	if (!q)
		return;
	CHECK(!xlb_policy_history_load(q, f, err, sizeof(err)), "load: %s", err);
	CHECK(fabs(xlb_policy_history_seconds(q) - xlb_policy_history_seconds(p)) < 1,
	      "%.0f vs %.0f", xlb_policy_history_seconds(q), xlb_policy_history_seconds(p));
	{
		struct xlb_decision a, b;
		double now = MON_2024 + 4 * 86400 + 14 * 3600 + 60;

		xlb_policy_step(p, now, now, 1000, 10, 0, &a);
		xlb_policy_step(q, now, now, 1000, 10, 0, &b);
		CHECK(fabs(a.forecast - b.forecast) < 1e-3 * a.forecast, "%.1f vs %.1f",
		      a.forecast, b.forecast);
	}
	fclose(f);
	f = tmpfile();
	fputs("xlb-policy-history 1 60 0\n1 2 60\nbogus\n", f);
	rewind(f);
	err[0] = '\0';
	CHECK(xlb_policy_history_load(q, f, err, sizeof(err)) == -EINVAL && strstr(err, "line 3"),
	      "%s", err);
	fclose(f);
	f = tmpfile();
	fputs("xlb-policy-history 1 30 0\n", f);
	rewind(f);
	CHECK(xlb_policy_history_load(q, f, err, sizeof(err)) == -ERANGE, "bucket size");
	fclose(f);
	/* adopt across a reload */
	{
		struct xlb_policy *r = mk(&c);

		CHECK(r && !xlb_policy_adopt_history(r, p) &&
		      fabs(xlb_policy_history_seconds(r) - xlb_policy_history_seconds(p)) < 1,
		      "adopt");
		xlb_policy_free(r);
	}
	xlb_policy_free(q);
	xlb_policy_free(p);
}

static void test_combination(void)
{
	struct xlb_policy_cfg c;
	struct xlb_decision d;
	struct xlb_policy *p;
	double t;

	/* demand 3, schedule 5, forecast ~ 18: the highest wins, clamped */
	pred_cfg(&c);
	c.demand.enabled = true;
	c.demand.window_s = 0;
	c.max = 12;
	c.time.enabled = true;
	c.time.n = 1;
	xlb_schedule_set(&c.time.sched[0], "* * * * *", 60, 5, false, NULL, 0);
	p = mk(&c);
	if (!p)
		return;
	xlb_policy_step(p, MON_2024, MON_2024, 250, 3, 0, &d);
	CHECK(d.demand == 3 && d.time == 5 && d.desired == 5 && d.policy == XLB_POLICY_TIME,
	      "%u %u %u %s", d.demand, d.time, d.desired, d.reason_text);
	for (t = MON_2024 + 10; t < MON_2024 + 2 * 86400 + 17 * 3600; t += 10)
		xlb_policy_observe(p, t, season_load(t));
	xlb_policy_step(p, t, t, 250, 5, 0, &d);
	CHECK(d.predictive > 12 && d.desired == 12 && d.reason == XLB_REASON_MAX &&
	      d.policy == XLB_POLICY_PREDICTIVE, "%u -> %u %s", d.predictive, d.desired,
	      d.reason_text);
	CHECK(!strcmp(xlb_reason_name(XLB_REASON_STABILIZE), "stabilize") &&
	      !strcmp(xlb_policy_kind_name(XLB_POLICY_TIME), "time"), "names");
	xlb_policy_free(p);
}

/* Multi-season: an event every Tuesday 15:00-16:00 is seen by a weekly
 * season, not by the median of the daily lags; a one-off burst yesterday
 * raises today's forecast with the maximum (season_q = 1) only. */
static double weekly_load(double t)
{
	double d = fmod(t - MON_2024, 7 * 86400), h = fmod(d, 86400) / 3600;

	if (d >= 86400 && d < 2 * 86400 && h >= 15 && h < 16)
		return 3000;	/* Tuesday newsletter */
	if (t >= MON_2024 + 21 * 86400 + 20 * 3600 && t < MON_2024 + 21 * 86400 + 20.5 * 3600)
		return 3000;	/* one-off, Monday of week 4 */
	return 1000;
}

static void test_multiseason(void)
{
	struct xlb_policy_cfg c;
	struct xlb_policy *wk, *day, *mx;
	struct xlb_decision d;
	double t, tue = MON_2024 + 22 * 86400;

	pred_cfg(&c);
	c.predictive.seasons = 7;
	c.predictive.history_s = 22 * 86400;
	c.predictive.season_q = 0.5;
	c.predictive.week_seasons = 3;
	wk = mk(&c);
	c.predictive.week_seasons = 0;
	day = mk(&c);
	c.predictive.season_q = 1;
	mx = mk(&c);
	c.predictive.week_seasons = 4;	/* 4 weeks do not fit in 22 days */
	CHECK(xlb_policy_cfg_check(&c, NULL, 0) == -EINVAL, "weeks beyond history");
	c.predictive.week_seasons = 0;
	c.predictive.season_q = 1.5;
	CHECK(xlb_policy_cfg_check(&c, NULL, 0) == -EINVAL, "quantile above 1");
	if (!wk || !day || !mx)
		goto out;
	for (t = MON_2024; t < tue + 14.75 * 3600; t += 10) {
		xlb_policy_observe(wk, t, weekly_load(t));
		xlb_policy_observe(day, t, weekly_load(t));
		xlb_policy_observe(mx, t, weekly_load(t));
	}
	/* 14:45, horizon 600 + window 600: the newsletter is in [14:55, 15:05] */
	xlb_policy_step(wk, t, t, 1000, 10, 0, &d);
	CHECK(d.forecast > 2900 && d.predictive >= 29, "weekly: %.0f %s", d.forecast,
	      d.reason_text);
	xlb_policy_step(day, t, t, 1000, 10, 0, &d);
	CHECK(d.forecast < 1100, "daily median misses a weekly event: %.0f", d.forecast);
	/* 19:45 on Tuesday: yesterday's one-off burst at 20:00 */
	for (; t < tue + 19.75 * 3600; t += 10) {
		xlb_policy_observe(wk, t, weekly_load(t));
		xlb_policy_observe(mx, t, weekly_load(t));
	}
	xlb_policy_step(wk, t, t, 1000, 10, 0, &d);
	CHECK(d.forecast < 1100, "median ignores a one-off: %.0f", d.forecast);
	xlb_policy_step(mx, t, t, 1000, 10, 0, &d);
	CHECK(d.forecast > 2900, "maximum repeats a one-off: %.0f", d.forecast);
out:
	xlb_policy_free(wk);
	xlb_policy_free(day);
	xlb_policy_free(mx);
}

/* Trend: a ramp is extrapolated over the lead time; flat noisy load and
 * a disabled detector do not extrapolate. */
static double ramp_load(double t)
{
	double x = t - MON_2024 - 600, v = x < 0 ? 1000 : x < 100 ? 1000 + 10 * x : 2000;

	return v + (fmod(t, 2) < 1 ? 25 : -25);	/* noise that has no trend */
}

static void test_trend(void)
{
	struct xlb_policy_cfg c;
	struct xlb_policy *p, *q;
	struct xlb_decision d, e;
	double t, flat_max = 0;

	pred_cfg(&c);
	c.predictive.horizon_s = 60;
	c.predictive.min_history_s = 60;
	c.predictive.seasons = 1;
	c.predictive.history_s = 86400;
	c.predictive.level_s = 60;
	c.predictive.trend_s = 30;
	c.predictive.trend_z = 5;
	c.predictive.trend_max = 2;
	p = mk(&c);
	c.predictive.trend_s = 0;
	q = mk(&c);
	if (!p || !q)
		goto out;
	for (t = MON_2024; t < MON_2024 + 660; t++) {
		xlb_policy_step(p, t, t, ramp_load(t), 20, 0, &d);
		xlb_policy_step(q, t, t, ramp_load(t), 20, 0, &e);
		if (t >= MON_2024 + 120 && t < MON_2024 + 600)
			flat_max = fmax(flat_max, d.forecast);
	}
	CHECK(flat_max > 0 && flat_max < 1050, "flat: %.0f", flat_max);
	/* 60 s into the ramp (load 1600), 60 s lead: 2000 is coming */
	CHECK(d.forecast > 1900 && d.forecast <= 2 * 1600 && strstr(d.reason_text, "rising"),
	      "ramp: %.0f %s", d.forecast, d.reason_text);
	CHECK(e.forecast < 1600, "no trend: %.0f", e.forecast);
out:
	xlb_policy_free(p);
	xlb_policy_free(q);
}

/* One decision with booting backends. */
static unsigned step_b(struct xlb_policy *p, double now, double load, unsigned active,
		       unsigned booting, struct xlb_decision *d)
{
	xlb_policy_step(p, now, now, load, active, booting, d);
	return d->desired;
}

/*
 * xlbd's report: "demand asked for 6 backends, and 1 s later the decision
 * said 'holding 2 (highest of last 5 s)'". The window keeps the pool the
 * caller has, boots in flight included, and never starts backends by
 * itself; the old text called the pool size "the highest of the window".
 */
static void test_stabilize_inflight(void)
{
	static const struct {
		unsigned active, booting, want;
	} next[] = {
		{ 2, 4, 6 },	/* xlbd started 4: the boots stay */
		{ 6, 0, 6 },	/* they came up at once */
		{ 2, 2, 4 },	/* only 2 standby were left: keep those */
		{ 2, 0, 2 },	/* none could start: nothing to keep */
	};
	struct xlb_policy_cfg c;
	struct xlb_decision d;
	struct xlb_policy *p;
	double t0 = MON_2024;
	unsigned i, n;

	for (i = 0; i < sizeof(next) / sizeof(next[0]); i++) {
		unsigned total = next[i].active + next[i].booting;

		demand_cfg(&c);
		c.demand.window_s = 5;
		p = mk(&c);
		if (!p)
			return;
		step_b(p, t0, 200, 2, 0, &d);	/* settle: 2 x 100 */
		CHECK(step_b(p, t0 + 1, 550, 2, 0, &d) == 6 && d.reason == XLB_REASON_DEMAND,
		      "case %u: scale-up %u %s", i, d.desired, d.reason_text);
		/* one low sample, 1 s later */
		CHECK(step_b(p, t0 + 2, 0, next[i].active, next[i].booting, &d) ==
		      next[i].want, "case %u: %u/%u -> %u (%s)", i, next[i].active,
		      next[i].booting, d.desired, d.reason_text);
		if (total > 1)
			CHECK(d.reason == XLB_REASON_STABILIZE && d.delta == 0,
			      "case %u: reason %s delta %d", i, xlb_reason_name(d.reason),
			      d.delta);
		if (total == 6)
			CHECK(strstr(d.reason_text, "holding 6 (highest of last 5 s)") != NULL,
			      "case %u: text '%s'", i, d.reason_text);
		else
			CHECK(strstr(d.reason_text, "(6 wanted within the last 5 s)") &&
			      !strstr(d.reason_text, "highest"), "case %u: text '%s'", i,
			      d.reason_text);
		/* held while the 6 is in the window (t0 + 1, now], then dropped */
		for (n = 3; n <= 5; n++)
			step_b(p, t0 + n, 0, next[i].active, next[i].booting, &d);
		CHECK(d.desired == total, "case %u: dropped before the window: %u", i,
		      d.desired);
		step_b(p, t0 + 6, 0, next[i].active, next[i].booting, &d);
		CHECK(d.desired == 1 && d.reason == XLB_REASON_MIN, "case %u: after 5 s: %u %s",
		      i, d.desired, d.reason_text);
		xlb_policy_free(p);
	}
}

/* Look up a `--params` line of the simulator: its value, or NAN. */
static double sim_param(const char *out, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, name, n) && (l[n] == ' ' || l[n] == '\t'))
			return strtod(l + n, NULL);
	return NAN;
}

/* The recommended tuning is the simulator's: one table for xlb-sim and xlbd. */
static void test_recommended(void)
{
	struct xlb_policy_cfg c;
	const struct xlb_predictive_cfg *pc = &c.predictive;
	char err[128] = "", out[8192] = "", cmd[300];
	const char *build = getenv("BUILD");
	size_t len = 0;
	FILE *f;

	xlb_policy_cfg_recommended(&c, 1000);
	CHECK(c.demand.enabled && !pc->enabled && !c.time.enabled, "enabled flags changed");
	CHECK(c.demand.target == 850 && pc->target == 850, "targets %g %g", c.demand.target,
	      pc->target);
	CHECK(pc->week_seasons == 3 && pc->history_s == 22 * 86400 &&
	      xlb_policy_history_needed(pc) == 22 * 86400, "history %u for %u weeks",
	      pc->history_s, pc->week_seasons);
	c.predictive.enabled = true;
	CHECK(xlb_policy_cfg_check(&c, err, sizeof(err)) == 0, "rejected: %s", err);
	c.predictive.history_s = 21 * 86400 - 1;
	CHECK(xlb_policy_cfg_check(&c, err, sizeof(err)) == -EINVAL && strstr(err, "week"),
	      "less than 3 weeks of history accepted? '%s'", err);
	c.predictive.week_seasons = 0;
	CHECK(xlb_policy_history_needed(pc) == 8 * 86400, "7 days: %u",
	      xlb_policy_history_needed(pc));
	xlb_policy_cfg_recommended(&c, 0);
	CHECK(c.demand.target == 0 && pc->target == 0, "capacity 0 set targets");

	/* Same values as `xlb-sim --params` prints (capacity 1: targets are
	 * the utilisations). */
	snprintf(cmd, sizeof(cmd), "%s/xlb-sim", build ? build : "build");
	if (access(cmd, X_OK)) {
		printf("note: %s not built: --params comparison not run\n", cmd);
		return;
	}
	strcat(cmd, " --params 2>&1");
	f = popen(cmd, "r");
	if (f) {
		len = fread(out, 1, sizeof(out) - 1, f);
		pclose(f);
	}
	out[len] = 0;
	xlb_policy_cfg_recommended(&c, 1);
	{
		const struct {
			const char *name;
			double v;
		} want[] = {
			{ "demand.util", c.demand.target },
			{ "demand.tolerance", c.demand.tolerance },
			{ "demand.window", c.demand.window_s },
			{ "demand.load_window", c.demand.load_window_s },
			{ "pred.util", pc->target },
			{ "pred.window", pc->window_s },
			{ "pred.seasons", pc->seasons },
			{ "pred.peak_s", pc->peak_s },
			{ "pred.peak_weight", pc->peak_weight },
			{ "pred.level_s", pc->level_s },
			{ "pred.level_max", pc->level_max },
			{ "pred.headroom", pc->headroom },
			{ "pred.short", pc->short_s },
			{ "pred.season_weight", pc->season_weight },
			{ "pred.noise_z", pc->noise_z },
			{ "pred.season_q", pc->season_q },
			{ "pred.weeks", pc->week_seasons },
			{ "pred.week_q", pc->week_q },
			{ "pred.trend_s", pc->trend_s },
			{ "pred.trend_z", pc->trend_z },
			{ "pred.trend_max", pc->trend_max },
			{ "pred.trend_weight", pc->trend_weight },
		};
		unsigned known = 0, listed = 0;

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			double v = sim_param(out, want[i].name);

			CHECK(fabs(v - want[i].v) < 1e-9, "xlb-sim %s = %g, recommended %g",
			      want[i].name, v, want[i].v);
			known++;
		}
		/* every policy tunable the simulator lists is in the table above */
		for (const char *l = out; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "")
			if ((!strncmp(l, "pred.", 5) || !strncmp(l, "demand.", 7)) &&
			    strncmp(l, "demand.on", 9))
				listed++;
		CHECK(listed == known, "xlb-sim lists %u policy tunables, the table %u", listed,
		      known);
	}
}

/*
 * The windows run on the monotonic clock, not the wall clock: a step of
 * the wall clock (NTP, date) neither freezes the stabilisation window
 * (step back: no scale-down for an hour) nor skips it (step forward:
 * scale-down at once).
 */
static void test_clock_step(void)
{
	struct xlb_policy_cfg c;
	struct xlb_decision d;
	struct xlb_policy *p;
	double mono = 1000, wall = MON_2024;
	unsigned n = 10, down_at = 0;

	demand_cfg(&c);
	c.demand.window_s = 60;
	p = mk(&c);
	if (!p)
		return;
	xlb_policy_step(p, mono, wall, 1000, n, 0, &d);
	CHECK(d.desired == 10, "start %u", d.desired);
	/* load gone; 10 s later the wall clock is set back one hour */
	for (unsigned i = 1; i <= 120 && !down_at; i++) {
		mono += 1;
		wall += i == 10 ? -3600 + 1 : 1;
		xlb_policy_step(p, mono, wall, 100, n, 0, &d);
		if (d.desired < n)
			down_at = i;
	}
	CHECK(down_at >= 60 && down_at <= 62,
	      "clock set back 1 h: scale-down after %u s (window 60 s)", down_at);
	xlb_policy_free(p);

	p = mk(&c);
	if (!p)
		return;
	mono = 1000;
	wall = MON_2024;
	xlb_policy_step(p, mono, wall, 1000, n, 0, &d);
	down_at = 0;
	for (unsigned i = 1; i <= 120 && !down_at; i++) {
		mono += 1;
		wall += i == 10 ? 86400 + 1 : 1;
		xlb_policy_step(p, mono, wall, 100, n, 0, &d);
		if (d.desired < n)
			down_at = i;
	}
	CHECK(down_at >= 60 && down_at <= 62,
	      "clock set forward 1 day: scale-down after %u s (window 60 s)", down_at);
	xlb_policy_free(p);
}

/* Minutes a schedule holds the capacity, stepping every 60 s over
 * [from, to) of unix time; *first = the first open minute. */
static unsigned open_minutes(const struct xlb_policy_cfg *c, double from, double to,
			     double *first)
{
	struct xlb_policy *p = xlb_policy_new(c, NULL, 0);
	struct xlb_decision d;
	unsigned n = 0;

	*first = -1;
	if (!p)
		return 0;
	for (double t = from; t < to; t += 60) {
		xlb_policy_step(p, t - from, t, 0, 1, 0, &d);
		if (d.time) {
			if (!n)
				*first = t;
			n++;
		}
	}
	xlb_policy_free(p);
	return n;
}

/* Cron in the local zone follows its DST changes (Europe/Berlin 2024). */
static void test_cron_dst(void)
{
	struct xlb_policy_cfg c;
	char err[128], saved[64] = "";
	const char *old = getenv("TZ");
	double first;
	unsigned n;

	if (old)
		snprintf(saved, sizeof(saved), "%s", old);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	demand_cfg(&c);
	c.tz_local = true;
	c.time.enabled = true;
	c.time.n = 1;
	CHECK(!xlb_schedule_set(&c.time.sched[0], "0 20 * * *", 3600, 5, false, err,
				sizeof(err)), "%s", err);
	/* 20:00 on Mar 30 (CET) is 19:00 UTC, on Mar 31 (CEST) 18:00 UTC */
	n = open_minutes(&c, 1711818000, 1711825200 + 3600, &first);
	CHECK(n == 60 && first == 1711825200, "Mar 30: %u minutes from %.0f", n, first);
	n = open_minutes(&c, 1711818000, 1711915200, &first);
	CHECK(n == 120, "Mar 30-31: %u minutes", n);
	n = open_minutes(&c, 1711825200 + 3600, 1711915200, &first);
	CHECK(n == 60 && first == 1711908000, "Mar 31 after the change: %u minutes from %.0f",
	      n, first);
	/* 02:30 happens twice on Oct 27 (00:30 and 01:30 UTC): one window */
	CHECK(!xlb_schedule_set(&c.time.sched[0], "30 2 * * *", 600, 5, false, err,
				sizeof(err)), "%s", err);
	n = open_minutes(&c, 1729980000, 1729998000, &first);
	CHECK(n == 10 && first == 1729989000, "repeated hour: %u minutes from %.0f", n, first);
	if (old)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

int main(void)
{
	test_cron();
	test_demand();
	test_thresholds();
	test_time();
	test_forecast();
	test_multiseason();
	test_trend();
	test_combination();
	test_stabilize_inflight();
	test_recommended();
	test_clock_step();
	test_cron_dst();
	return UNIT_SUMMARY();
}
