/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The pool model behind tools/xlb-sim, kept in libxlbpolicy so the unit
 * tests check the very code the tool runs.
 *
 * Model (issue 7): a trace gives the offered requests of each second. The
 * pool has active backends (each serves `capacity` requests/s), booting
 * ones (requested, serving lead_s seconds after the request, paid for from
 * the request) and draining ones (no capacity, paid for drain_s seconds).
 * A controller decides at the start of every interval_s-th second from the
 * mean load of the interval before; so a reactive controller deciding
 * every second sees a step one second late and the step is overloaded for
 * lead_s + 1 seconds. Scale-down cancels booting backends first (newest
 * first), then drains active ones.
 *
 * Metrics over [from, to): overload-seconds in 10-second windows aligned on
 * `from` (a window counts 10 s when its offered requests exceed its serving
 * capacity), per-second overload-seconds, requests offered above capacity
 * (per second), backend-seconds (active + booting + draining) and scale
 * events (decisions that changed the pool size).
 */
#ifndef XLB_POLICY_SIM_H
#define XLB_POLICY_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"

struct xlb_sim_trace {
	double *rps;		/* offered requests of second i */
	size_t n;
	int64_t t0;		/* unix time of second 0 */
	int tz_offset_s;	/* the trace's local time, seconds east of UTC */
};

/* Whitespace-separated numbers, one per second. 0, -EINVAL (bad number,
 * empty), -ENOMEM. */
int xlb_sim_trace_read(FILE *f, struct xlb_sim_trace *tr);
void xlb_sim_trace_free(struct xlb_sim_trace *tr);
/* Highest mean over `window` consecutive seconds. */
double xlb_sim_peak_mean(const struct xlb_sim_trace *tr, size_t window);

/* Synthetic e-commerce load (times in the trace's local time, UTC here;
 * second 0 is Monday 00:00), deterministic for a seed:
 *  - an ordinary day: night trough, lunch and evening peaks; weekday factors
 *    (weekend busier); a slow day-to-day level drift (AR(1) on the log);
 *    minute-scale multiplicative noise (AR(1), ~10 min memory); Poisson
 *    arrivals each second.
 *  - scheduled flash sale: every week at sale_dow/sale_hour for sale_s,
 *    sale_factor x, ramping up within 2 min and fading to half over its
 *    length. Announced: a time (cron) policy may know it.
 *  - recurring promotions at fixed times that nobody tells the autoscaler
 *    (they must be learnt from history): a daily deal at deal_hour for
 *    deal_s (deal_factor x; a season of one day shows it), and a weekly
 *    newsletter on promo_dow at promo_hour for promo_s (promo_factor x; only
 *    a season of one week shows it). Both ramp up within a minute.
 *  - unannounced bursts (viral links, outages elsewhere): Poisson in time,
 *    bursts_per_week, 10-40 min, x1.5-2.5, reaching full height after an
 *    onset drawn uniformly in [0, burst_ramp_s] s (0: an instant step).
 * Setting deal_factor = promo_factor = 1 and burst_ramp_s = 0 gives the
 * first version of the generator (weekly sale and step bursts only) bit
 * for bit (xlb-sim --synthetic-v1). */
struct xlb_sim_synth_cfg {
	unsigned days;		/* 56 */
	uint64_t seed;		/* 1 */
	double peak_rps;	/* evening peak of an ordinary weekday, 200 */
	unsigned sale_dow;	/* 5 (Friday; 0 = Sunday as in cron) */
	unsigned sale_hour;	/* 20 */
	unsigned sale_s;	/* 7200 */
	double sale_factor;	/* 3.0 */
	unsigned bursts_per_week;	/* unannounced, 2 */
	unsigned burst_ramp_s;	/* longest burst onset, 300 */
	unsigned deal_hour;	/* daily deal, 10 */
	unsigned deal_s;	/* 1800 */
	double deal_factor;	/* 2.0; 1: none */
	unsigned promo_dow;	/* weekly newsletter, 2 (Tuesday) */
	unsigned promo_hour;	/* 15 */
	unsigned promo_s;	/* 3600 */
	double promo_factor;	/* 1.8; 1: none */
};
/* The current defaults; _v1 the first generator's (no recurring
 * promotions, step bursts). */
void xlb_sim_synth_cfg_init(struct xlb_sim_synth_cfg *c);
void xlb_sim_synth_cfg_init_v1(struct xlb_sim_synth_cfg *c);
int xlb_sim_synthetic(const struct xlb_sim_synth_cfg *c, struct xlb_sim_trace *tr);

struct xlb_sim_pool {
	double capacity;	/* requests/s per backend */
	unsigned lead_s;	/* request -> serving */
	unsigned drain_s;	/* paid-for time after scale-down */
	unsigned min, max;
};

enum xlb_sim_ctl_kind {
	XLB_SIM_STATIC,		/* fixed size */
	XLB_SIM_HPA,		/* the Kubernetes replica calculator + behaviour */
	XLB_SIM_POLICY,		/* libxlbpolicy, as xlbd runs it */
};

struct xlb_sim_ctl {
	enum xlb_sim_ctl_kind kind;
	unsigned interval_s;	/* decision interval (HPA: its sync period, 15) */
	unsigned static_n;
	struct {
		double target;		/* utilisation, 0.7 */
		double tolerance;	/* 0.1 */
		unsigned window_s;	/* scale-down stabilisation, 300 */
	} hpa;
	struct xlb_policy_cfg policy;	/* XLB_SIM_POLICY */
};

struct xlb_sim_result {
	double overload10_s;
	double overload1_s;
	double excess;		/* requests offered above capacity */
	double offered;
	double backend_s;
	unsigned events, ups, downs;
	size_t from, to;
};

/* Per-second callback for CSVs and charts. */
typedef void (*xlb_sim_sample_fn)(void *ctx, size_t t, double load, unsigned active,
				  unsigned booting, unsigned desired);

/* Run the whole trace up to `to` (the controller sees everything before
 * `from` as warm-up), counting metrics in [from, to). 0, -EINVAL, -ENOMEM. */
int xlb_sim_run(const struct xlb_sim_trace *tr, const struct xlb_sim_pool *pool,
		const struct xlb_sim_ctl *ctl, size_t from, size_t to,
		struct xlb_sim_result *res, xlb_sim_sample_fn fn, void *ctx);

/* One HPA recommendation (exposed for tests): the replica calculator for
 * `load` over the last period with `ready` serving and `booting` backends
 * of `capacity` each; returns the raw desired count (before behaviour). */
unsigned xlb_sim_hpa_calc(double load, double capacity, unsigned ready, unsigned booting,
			  double target, double tolerance);

#endif /* XLB_POLICY_SIM_H */
