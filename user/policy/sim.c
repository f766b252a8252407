// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Pool model, baselines (HPA, static) and traces for tools/xlb-sim. The
 * xlb policies themselves run through xlb_policy_step(), as in xlbd.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* ---- traces ------------------------------------------------------------------ */

int xlb_sim_trace_read(FILE *f, struct xlb_sim_trace *tr)
{
	size_t cap = 1 << 16;
	char buf[64];
	int c, len = 0;

	memset(tr, 0, sizeof(*tr));
	tr->rps = malloc(cap * sizeof(double));
	if (!tr->rps)
		return -ENOMEM;
	for (;;) {
		c = getc(f);
		if (c != EOF && !isspace(c)) {
			if (len >= (int)sizeof(buf) - 1)
				goto out_bad;
			buf[len++] = (char)c;
			continue;
		}
		if (len) {
			char *end;
			double v;

			buf[len] = '\0';
			v = strtod(buf, &end);
			if (*end || !isfinite(v) || v < 0)
				goto out_bad;
			if (tr->n == cap) {
				double *n2 = realloc(tr->rps, 2 * cap * sizeof(double));

				if (!n2) {
					xlb_sim_trace_free(tr);
					return -ENOMEM;
				}
				tr->rps = n2;
				cap *= 2;
			}
			tr->rps[tr->n++] = v;
			len = 0;
		}
		if (c == EOF)
			break;
	}
	if (!tr->n)
		goto out_bad;
	return 0;
out_bad:
	xlb_sim_trace_free(tr);
	return -EINVAL;
}

void xlb_sim_trace_free(struct xlb_sim_trace *tr)
{
	free(tr->rps);
	tr->rps = NULL;
	tr->n = 0;
}

double xlb_sim_peak_mean(const struct xlb_sim_trace *tr, size_t window)
{
	double sum = 0, best = 0;

	if (!window || window > tr->n)
		window = tr->n;
	for (size_t i = 0; i < tr->n; i++) {
		sum += tr->rps[i];
		if (i >= window)
			sum -= tr->rps[i - window];
		if (i + 1 >= window && sum > best)
			best = sum;
	}
	return best / window;
}

/* ---- synthetic e-commerce trace ---------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)	/* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return ((rng_next(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double rng_normal(uint64_t *s)
{
	return sqrt(-2 * log(rng_unit(s))) * cos(2 * M_PI * rng_unit(s));
}

static double rng_poisson(uint64_t *s, double lambda)
{
	double l, p = 1;
	unsigned k = 0;

	if (lambda <= 0)
		return 0;
	if (lambda > 50) {
		double v = floor(lambda + sqrt(lambda) * rng_normal(s) + 0.5);

		return v < 0 ? 0 : v;
	}
	l = exp(-lambda);
	do {
		k++;
		p *= rng_unit(s);
	} while (p > l);
	return k - 1;
}

void xlb_sim_synth_cfg_init(struct xlb_sim_synth_cfg *c)
{
	c->days = 56;
	c->seed = 1;
	c->peak_rps = 200;
	c->sale_dow = 5;
	c->sale_hour = 20;
	c->sale_s = 7200;
	c->sale_factor = 3.0;
	c->bursts_per_week = 2;
	c->burst_ramp_s = 300;
	c->deal_hour = 10;
	c->deal_s = 1800;
	c->deal_factor = 2.0;
	c->promo_dow = 2;
	c->promo_hour = 15;
	c->promo_s = 3600;
	c->promo_factor = 1.8;
}

void xlb_sim_synth_cfg_init_v1(struct xlb_sim_synth_cfg *c)
{
	xlb_sim_synth_cfg_init(c);
	c->burst_ramp_s = 0;
	c->deal_factor = 1;
	c->promo_factor = 1;
}

/* Multiplier of an event starting at `start` (s into its period) for `len`
 * s: up to `f` within `ramp` s, fading to half the excess by its end. */
static double event(double at, double start, double len, double ramp, double f)
{
	double x = at - start;

	if (f == 1 || x < 0 || x >= len)
		return 1;
	return 1 + (f - 1) * fmin(1, x / ramp) * (1 - 0.5 * x / len);
}

/* Shape of an ordinary day, 0..1: night trough, lunch and evening peaks. */
static double diurnal(double h)
{
	double lunch = exp(-0.5 * pow((h - 12.5) / 1.6, 2));
	double eve = exp(-0.5 * pow((h - 20.5) / 2.2, 2));
	double day = 1 / (1 + exp(-(h - 7.5) * 1.5)) * (1 / (1 + exp((h - 23.5) * 1.5)));

	return 0.12 + 0.35 * day + 0.25 * lunch + 0.45 * eve;
}

int xlb_sim_synthetic(const struct xlb_sim_synth_cfg *c, struct xlb_sim_trace *tr)
{
	static const double weekday[7] = { 1.0, 1.0, 1.0, 1.02, 1.05, 1.15, 1.2 };
	uint64_t s = c->seed * 0x2545f4914f6cdd1dull + 1;
	size_t n = (size_t)c->days * 86400;
	double noise = 0, level = 1, burst_at = -1, burst_until = -1, burst_f = 1;
	double burst_ramp = 0, norm = diurnal(20.5);

	if (!c->days || c->peak_rps <= 0 || c->sale_dow > 7 || c->promo_dow > 7)
		return -EINVAL;
	memset(tr, 0, sizeof(*tr));
	tr->rps = malloc(n * sizeof(double));
	if (!tr->rps)
		return -ENOMEM;
	tr->n = n;
	tr->t0 = 1704067200;	/* Monday 2024-01-01 00:00 UTC */
	tr->tz_offset_s = 0;
	for (size_t i = 0; i < n; i++) {
		double h = (i % 86400) / 3600.0, rate, wk = (double)(i % (7 * 86400));
		unsigned dow = (unsigned)((i / 86400) % 7);	/* 0 = Monday */

		if (i % 60 == 0) {
			/* minute-scale noise (AR(1), ~10 min memory), daily level drift */
			noise = 0.9 * noise + 0.045 * rng_normal(&s);
			if (i % 86400 == 0)
				level = exp(0.8 * log(level) + 0.08 * rng_normal(&s));
			/* unannounced bursts: Poisson in time, 10-40 min, x1.5-2.5 */
			if (i > burst_until &&
			    rng_unit(&s) < c->bursts_per_week / (7.0 * 1440)) {
				burst_at = (double)i;
				burst_until = i + 600 + rng_unit(&s) * 1800;
				burst_f = 1.5 + rng_unit(&s);
				/* drawn only when used: v1 traces stay bit for bit */
				burst_ramp = c->burst_ramp_s ? rng_unit(&s) * c->burst_ramp_s : 0;
			}
		}
		rate = c->peak_rps / norm * diurnal(h) * weekday[dow] * level * exp(noise);
		/* weekday numbers below count from Sunday (cron); week starts Monday */
		rate *= event(wk, ((c->sale_dow + 6) % 7) * 86400.0 + c->sale_hour * 3600.0,
			      c->sale_s, 120, c->sale_factor);
		rate *= event((double)(i % 86400), c->deal_hour * 3600.0, c->deal_s, 60,
			      c->deal_factor);
		rate *= event(wk, ((c->promo_dow + 6) % 7) * 86400.0 + c->promo_hour * 3600.0,
			      c->promo_s, 60, c->promo_factor);
		if (i < burst_until)
			rate *= burst_ramp > 0 ?
				1 + (burst_f - 1) * fmin(1, (i - burst_at + 1) / burst_ramp) :
				burst_f;
		tr->rps[i] = rng_poisson(&s, rate);
	}
	return 0;
}

/* ---- HPA -------------------------------------------------------------------------- */

unsigned xlb_sim_hpa_calc(double load, double capacity, unsigned ready, unsigned booting,
			  double target, double tolerance)
{
	double ratio, nratio;
	unsigned cur = ready + booting;

	if (!ready)
		return cur;	/* no metrics: the controller keeps the scale */
	ratio = load / (ready * capacity) / target;
	if (fabs(ratio - 1) <= tolerance)
		return cur;
	if (ratio > 1 && booting) {
		/* booting backends count as ready at 0% when scaling up */
		nratio = load / (capacity * target) / cur;
		if (nratio < 1 || fabs(nratio - 1) <= tolerance)
			return cur;
		return (unsigned)ceil(nratio * cur - 1e-9);
	}
	/* scaling down (or up with none booting): booting ones are left out */
	return (unsigned)ceil(ratio * ready - 1e-9);
}

struct hpa_state {
	double t[64];
	unsigned v[64];
	unsigned n;
};

static unsigned hpa_decide(struct hpa_state *h, const struct xlb_sim_ctl *ctl,
			   const struct xlb_sim_pool *pool, double now, double load,
			   unsigned ready, unsigned booting)
{
	unsigned cur = ready + booting, rec, hi, down = 0, limit;
	unsigned i, j;

	rec = xlb_sim_hpa_calc(load, pool->capacity, ready, booting, ctl->hpa.target,
			       ctl->hpa.tolerance);
	/* recommendations of the stabilisation window (plus this one) */
	for (i = 0, j = 0; i < h->n; i++)
		if (h->t[i] > now - ctl->hpa.window_s)
			h->t[j] = h->t[i], h->v[j++] = h->v[i];
	h->n = j;
	if (h->n == 64) {
		memmove(h->t, h->t + 1, 63 * sizeof(h->t[0]));
		memmove(h->v, h->v + 1, 63 * sizeof(h->v[0]));
		h->n--;
	}
	h->t[h->n] = now;
	h->v[h->n++] = rec;
	for (i = 0; i < h->n; i++)
		if (h->v[i] > down)
			down = h->v[i];
	if (rec > cur) {
		hi = rec;
		limit = cur * 2 > cur + 4 ? cur * 2 : cur + 4;	/* max(+100%, +4) per period */
		if (hi > limit)
			hi = limit;
	} else if (down < cur) {
		hi = down;
	} else {
		hi = cur;
	}
	if (hi < pool->min)
		hi = pool->min;
	if (hi > pool->max)
		hi = pool->max;
	return hi;
}

/* ---- the pool --------------------------------------------------------------------- */

struct ring {
	size_t *v;
	size_t head, n, cap;
};

static int ring_init(struct ring *r, size_t cap)
{
	r->v = calloc(cap, sizeof(*r->v));
	r->head = r->n = 0;
	r->cap = cap;
	return r->v ? 0 : -ENOMEM;
}

static void ring_push(struct ring *r, size_t v)
{
	if (r->n < r->cap)
		r->v[(r->head + r->n++) % r->cap] = v;
}

static size_t ring_front(const struct ring *r)
{
	return r->v[r->head];
}

static void ring_pop_front(struct ring *r)
{
	r->head = (r->head + 1) % r->cap;
	r->n--;
}

int xlb_sim_run(const struct xlb_sim_trace *tr, const struct xlb_sim_pool *pool,
		const struct xlb_sim_ctl *ctl, size_t from, size_t to,
		struct xlb_sim_result *res, xlb_sim_sample_fn fn, void *ctx)
{
	struct xlb_policy *pol = NULL;
	struct hpa_state hpa = { .n = 0 };
	struct ring boot, drain;
	unsigned active, desired, interval;
	double win_load = 0, win_cap = 0, int_sum = 0;
	size_t win_n = 0, int_n = 0;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (to > tr->n)
		to = tr->n;
	if (from > to || pool->capacity <= 0 || pool->min > pool->max)
		return -EINVAL;
	res->from = from;
	res->to = to;
	interval = ctl->interval_s ? ctl->interval_s : 1;
	if (ring_init(&boot, pool->max + 1))
		return -ENOMEM;
	if (ring_init(&drain, (size_t)pool->max * 16 + 16)) {
		free(boot.v);
		return -ENOMEM;
	}
	if (ctl->kind == XLB_SIM_POLICY) {
		struct xlb_policy_cfg cfg = ctl->policy;

		cfg.tz_offset_s = tr->tz_offset_s;
		pol = xlb_policy_new(&cfg, NULL, 0);
		if (!pol) {
			ret = -EINVAL;
			goto out;
		}
	}
	active = ctl->kind == XLB_SIM_STATIC ? ctl->static_n : pool->min;
	if (active > pool->max)
		active = pool->max;
	desired = active;

	for (size_t t = 0; t < to; t++) {
		double load = tr->rps[t], cap;
		unsigned booting;

		while (boot.n && ring_front(&boot) <= t) {
			ring_pop_front(&boot);
			active++;
		}
		while (drain.n && ring_front(&drain) <= t)
			ring_pop_front(&drain);
		booting = (unsigned)boot.n;

		if (t && t % interval == 0 && ctl->kind != XLB_SIM_STATIC) {
			double mean = int_n ? int_sum / int_n : 0;
			unsigned cur = active + booting;

			if (ctl->kind == XLB_SIM_HPA) {
				desired = hpa_decide(&hpa, ctl, pool, (double)t, mean, active,
						     booting);
			} else {
				struct xlb_decision dec;

				/* simulated time is both the monotonic and the wall clock */
				xlb_policy_step(pol, (double)(tr->t0 + (int64_t)t),
						(double)(tr->t0 + (int64_t)t), mean, active,
						booting, &dec);
				desired = dec.desired;
			}
			if (desired > pool->max)
				desired = pool->max;
			if (desired < pool->min)
				desired = pool->min;
			if (desired != cur && t >= from) {
				res->events++;
				if (desired > cur)
					res->ups++;
				else
					res->downs++;
			}
			for (; cur < desired; cur++)
				ring_push(&boot, t + pool->lead_s);
			while (cur > desired && boot.n) {
				boot.n--;	/* cancel the newest request */
				cur--;
			}
			for (; cur > desired && active; cur--) {
				active--;
				if (pool->drain_s)
					ring_push(&drain, t + pool->drain_s);
			}
			/* a zero lead time serves at once */
			while (boot.n && ring_front(&boot) <= t) {
				ring_pop_front(&boot);
				active++;
			}
			booting = (unsigned)boot.n;
			int_sum = 0;
			int_n = 0;
		}
		int_sum += load;
		int_n++;

		cap = active * pool->capacity;
		if (fn)
			fn(ctx, t, load, active, booting, desired);
		if (t < from)
			continue;
		res->offered += load;
		res->backend_s += active + booting + drain.n;
		if (load > cap + 1e-9) {
			res->overload1_s += 1;
			res->excess += load - cap;
		}
		win_load += load;
		win_cap += cap;
		if (++win_n == 10 || t + 1 == to) {
			if (win_load > win_cap + 1e-9)
				res->overload10_s += win_n;
			win_load = win_cap = 0;
			win_n = 0;
		}
	}
out:
	xlb_policy_free(pol);
	free(boot.v);
	free(drain.v);
	return ret;
}
