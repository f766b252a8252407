// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the simulator's model (user/policy/sim.c): small traces
 * with known answers, the HPA replica calculator and behaviour, the
 * synthetic generator and the trace reader.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "sim.h"

#include "unit.h"

static void mk_trace(struct xlb_sim_trace *tr, size_t n)
{
	memset(tr, 0, sizeof(*tr));
	tr->rps = calloc(n, sizeof(double));
	tr->n = n;
	tr->t0 = 1704067200;
}

/* A reactive engine policy: target = capacity, no tolerance, every second. */
static void reactive(struct xlb_sim_ctl *ctl, double cap)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->kind = XLB_SIM_POLICY;
	ctl->interval_s = 1;
	xlb_policy_cfg_init(&ctl->policy);
	ctl->policy.demand.target = cap;
	ctl->policy.demand.tolerance = 0;
	ctl->policy.demand.window_s = 0;
}

static void test_step(void)
{
	static const unsigned leads[] = { 0, 20, 60 };
	struct xlb_sim_pool pool = { .capacity = 10, .min = 1, .max = 10 };
	struct xlb_sim_trace tr;
	struct xlb_sim_result r;
	struct xlb_sim_ctl ctl;

	/* 10 req/s, then a step to 30 at t = 100 */
	mk_trace(&tr, 400);
	for (size_t i = 0; i < tr.n; i++)
		tr.rps[i] = i < 100 ? 10 : 30;
	reactive(&ctl, 10);
	for (size_t i = 0; i < sizeof(leads) / sizeof(leads[0]); i++) {
		double want;

		pool.lead_s = leads[i];
		CHECK(!xlb_sim_run(&tr, &pool, &ctl, 0, tr.n, &r, NULL, NULL), "run");
		/* seen one second late, served lead seconds after that */
		want = leads[i] + 1;
		CHECK(r.overload1_s == want, "lead %u: %.0f overloaded seconds", leads[i],
		      r.overload1_s);
		CHECK(fabs(r.excess - want * 20) < 1e-6, "lead %u: excess %.0f", leads[i],
		      r.excess);
		/* windows [100,110) ... contain the overloaded seconds */
		CHECK(r.overload10_s == 10 * ceil(want / 10), "lead %u: 10-s %.0f", leads[i],
		      r.overload10_s);
		/* cost: 1 backend until 101, 3 from 101 (paid from the request) */
		CHECK(fabs(r.backend_s - (101 + 3 * 299)) < 1e-6, "lead %u: %.0f backend-s",
		      leads[i], r.backend_s);
		CHECK(r.events == 1 && r.ups == 1, "lead %u: %u events", leads[i], r.events);
		CHECK(r.offered == 100 * 10 + 300 * 30, "offered %.0f", r.offered);
	}
	/* metrics only in [from, to) */
	pool.lead_s = 20;
	xlb_sim_run(&tr, &pool, &ctl, 110, 300, &r, NULL, NULL);
	CHECK(r.overload1_s == 11 && r.from == 110 && r.to == 300, "window: %.0f",
	      r.overload1_s);
	free(tr.rps);
}

static void test_windows_and_static(void)
{
	struct xlb_sim_pool pool = { .capacity = 10, .min = 1, .max = 10, .lead_s = 60 };
	struct xlb_sim_ctl ctl = { .kind = XLB_SIM_STATIC, .static_n = 1 };
	struct xlb_sim_trace tr;
	struct xlb_sim_result r;

	/* 0/20 alternating on capacity 10: every other second over, no window over */
	mk_trace(&tr, 1000);
	for (size_t i = 0; i < tr.n; i++)
		tr.rps[i] = i % 2 ? 20 : 0;
	CHECK(!xlb_sim_run(&tr, &pool, &ctl, 0, tr.n, &r, NULL, NULL), "run");
	CHECK(r.overload1_s == 500 && r.overload10_s == 0, "%.0f / %.0f", r.overload1_s,
	      r.overload10_s);
	CHECK(fabs(r.excess / r.offered - 0.5) < 1e-9, "share %.3f", r.excess / r.offered);
	CHECK(r.backend_s == 1000 && r.events == 0, "%.0f", r.backend_s);
	/* static for the peak: never over */
	ctl.static_n = 2;
	xlb_sim_run(&tr, &pool, &ctl, 0, tr.n, &r, NULL, NULL);
	CHECK(r.overload1_s == 0 && r.backend_s == 2000, "%.0f %.0f", r.overload1_s,
	      r.backend_s);
	CHECK(xlb_sim_peak_mean(&tr, 2) == 10 && xlb_sim_peak_mean(&tr, 1) == 20, "peak");
	free(tr.rps);
}

static void test_hpa_calc(void)
{
	/* 100 req/s on 10 ready backends of 10 at target 0.7: ratio 1.43 -> 15 */
	CHECK(xlb_sim_hpa_calc(100, 10, 10, 0, 0.7, 0.1) == 15, "up");
	/* within tolerance: no change (booting ones included in the count) */
	CHECK(xlb_sim_hpa_calc(74, 10, 10, 0, 0.7, 0.1) == 10, "tolerance");
	CHECK(xlb_sim_hpa_calc(74, 10, 10, 2, 0.7, 0.1) == 12, "tolerance with booting");
	/* scaling up while 5 boot: they count at 0%: ceil(140 / 7) = 20 */
	CHECK(xlb_sim_hpa_calc(140, 10, 10, 5, 0.7, 0.1) == 20, "booting at 0%%: %u",
	      xlb_sim_hpa_calc(140, 10, 10, 5, 0.7, 0.1));
	/* ... unless that flips the direction: keep the current 15 */
	CHECK(xlb_sim_hpa_calc(90, 10, 10, 5, 0.7, 0.1) == 15, "flip");
	/* scaling down: booting left out: ceil(0.5 x 10) = 5 */
	CHECK(xlb_sim_hpa_calc(35, 10, 10, 5, 0.7, 0.1) == 5, "down");
	CHECK(xlb_sim_hpa_calc(35, 10, 0, 5, 0.7, 0.1) == 5, "no ready: keep");
}

static void record_size(void *ctx, size_t t, double load, unsigned active, unsigned booting,
			unsigned desired)
{
	unsigned *at = ctx;

	(void)load;
	(void)desired;
	if (t < 2000)
		at[t] = active + booting;
}

static void test_hpa_behaviour(void)
{
	struct xlb_sim_pool pool = { .capacity = 10, .min = 1, .max = 40, .lead_s = 30 };
	struct xlb_sim_ctl ctl = { .kind = XLB_SIM_HPA, .interval_s = 15 };
	struct xlb_sim_trace tr;
	struct xlb_sim_result r;
	struct {
		unsigned at[2000];
	} *seen = calloc(1, sizeof(*seen));

	ctl.hpa.target = 0.7;
	ctl.hpa.tolerance = 0.1;
	ctl.hpa.window_s = 300;
	/* 5 req/s, a jump to 200 at t = 100 until 400, back to 5 */
	mk_trace(&tr, 2000);
	for (size_t i = 0; i < tr.n; i++)
		tr.rps[i] = i >= 100 && i < 400 ? 200 : 5;
	CHECK(!xlb_sim_run(&tr, &pool, &ctl, 0, tr.n, &r, record_size, seen->at), "run");
	/* decisions every 15 s: first sees the jump at 105 (mean of 90..104:
	 * 5 x 10 + 200 x 5 / 15 = 70 -> 10), limited to max(2 x 1, 1 + 4) = 5 */
	CHECK(seen->at[104] == 1 && seen->at[105] == 5, "%u %u", seen->at[104], seen->at[105]);
	/* then doubling: 5 -> 10 -> 20 -> ceil(200 / 7) = 29 */
	CHECK(seen->at[120] == 10 && seen->at[135] == 20 && seen->at[150] == 29, "%u %u %u",
	      seen->at[120], seen->at[135], seen->at[150]);
	/* after the drop at 400, held by the highest recommendation of the
	 * last 300 s: 29 (made at 390) until 690, then 20 (made at 405 from
	 * the mean of 390..404: 135 / 7) */
	CHECK(seen->at[689] == 29 && seen->at[690] == 20, "held %u %u", seen->at[689],
	      seen->at[690]);
	CHECK(seen->at[720] < 29 && seen->at[1999] == 1, "down %u %u", seen->at[720],
	      seen->at[1999]);
	free(tr.rps);
	free(seen);
}

static void test_synthetic(void)
{
	struct xlb_sim_synth_cfg c;
	struct xlb_sim_trace a, b;
	double sale = 0, before = 0;
	size_t fri = 4 * 86400;

	xlb_sim_synth_cfg_init(&c);
	c.days = 7;
	CHECK(!xlb_sim_synthetic(&c, &a) && a.n == 7 * 86400, "generate");
	CHECK(!xlb_sim_synthetic(&c, &b) && !memcmp(a.rps, b.rps, a.n * sizeof(double)),
	      "same seed, same trace");
	xlb_sim_trace_free(&b);
	c.seed = 2;
	xlb_sim_synthetic(&c, &b);
	CHECK(memcmp(a.rps, b.rps, a.n * sizeof(double)), "other seed, other trace");
	/* the Friday 20:00 sale: well above the same evening's hour before */
	for (size_t i = fri + 20 * 3600 + 300; i < fri + 21 * 3600; i++)
		sale += a.rps[i];
	for (size_t i = fri + 19 * 3600 - 2700; i < fri + 19 * 3600; i++)
		before += a.rps[i];
	CHECK(sale / 3300 > 1.8 * before / 2700, "sale %.0f vs %.0f", sale / 3300,
	      before / 2700);
	/* a night trough below the evening */
	{
		double night = 0, eve = 0;

		for (size_t i = 3600 * 3; i < 3600 * 4; i++)
			night += a.rps[i];
		for (size_t i = 3600 * 20; i < 3600 * 21; i++)
			eve += a.rps[i];
		CHECK(night * 2 < eve, "night %.0f eve %.0f", night, eve);
	}
	/* recurring promotions: the daily deal at 10:00 and Tuesday's 15:00
	 * newsletter stand above the half hour before; v1 has neither */
	{
		struct xlb_sim_trace v1;
		double r[2][2];

		xlb_sim_synth_cfg_init_v1(&c);
		c.days = 7;
		CHECK(!xlb_sim_synthetic(&c, &v1), "generate v1");
		for (int k = 0; k < 2; k++) {
			const struct xlb_sim_trace *tr = k ? &v1 : &a;
			double deal = 0, pre = 0, promo = 0, pre2 = 0;

			for (int day = 0; day < 7; day++)
				for (size_t i = 0; i < 900; i++) {
					deal += tr->rps[day * 86400 + 10 * 3600 + 120 + i];
					pre += tr->rps[day * 86400 + 10 * 3600 - 1800 + i];
				}
			for (size_t i = 0; i < 900; i++) {
				promo += tr->rps[86400 + 15 * 3600 + 120 + i];
				pre2 += tr->rps[86400 + 15 * 3600 - 1200 + i];
			}
			r[k][0] = deal / pre;
			r[k][1] = promo / pre2;
		}
		CHECK(r[0][0] > 1.6 && r[1][0] < 1.3, "deal %.2f, v1 %.2f", r[0][0], r[1][0]);
		CHECK(r[0][1] > 1.5 && r[1][1] < 1.2, "promo %.2f, v1 %.2f", r[0][1], r[1][1]);
		xlb_sim_trace_free(&v1);
	}
	xlb_sim_trace_free(&a);
	xlb_sim_trace_free(&b);
}

static void test_read(void)
{
	struct xlb_sim_trace tr;
	FILE *f = tmpfile();

	fputs("1 2 3\n4\t5.5  \n", f);
	rewind(f);
	CHECK(!xlb_sim_trace_read(f, &tr) && tr.n == 5 && tr.rps[4] == 5.5, "read %zu", tr.n);
	xlb_sim_trace_free(&tr);
	fclose(f);
	f = tmpfile();
	fputs("1 x 3\n", f);
	rewind(f);
	CHECK(xlb_sim_trace_read(f, &tr) == -EINVAL, "bad number");
	fclose(f);
	f = tmpfile();
	CHECK(xlb_sim_trace_read(f, &tr) == -EINVAL, "empty");
	fclose(f);
}

int main(void)
{
	test_step();
	test_windows_and_static();
	test_hpa_calc();
	test_hpa_behaviour();
	test_synthetic();
	test_read();
	return UNIT_SUMMARY();
}
