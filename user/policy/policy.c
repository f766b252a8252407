// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The policy engine: demand, time and predictive recommendations, their
 * combination, scale-down stabilisation and step limits. See policy.h for
 * the contract; this file keeps all state in struct xlb_policy and does no
 * I/O except through the FILE * given to the history functions.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"

#define SAMPLES_MAX	4096	/* load samples kept for the short windows */
#define MAXQ_MAX	8192	/* entries of a sliding-maximum queue */
#define WEEK_S		(7u * 86400)	/* the weekly season */

/* Time-weighted mean of the samples of the last `window` seconds. */
struct wmean {
	double t[SAMPLES_MAX], v[SAMPLES_MAX], dt[SAMPLES_MAX];
	unsigned head, n;
	double sum_vdt, sum_dt;
};

/* Sliding maximum (monotonic queue) over the last `window` seconds. */
struct maxq {
	double t[MAXQ_MAX], v[MAXQ_MAX];
	unsigned head, n;
};

struct bucket {
	double sum;	/* load x seconds */
	double dt;	/* seconds observed; 0: no data */
	double peak;	/* highest short-window mean */
};

struct xlb_policy {
	struct xlb_policy_cfg cfg;
	bool started;
	double last_now;		/* monotonic: the windows' clock */
	unsigned last_desired;

	struct wmean demand_mean;	/* demand.load_window_s */
	struct wmean short_mean;	/* predictive.short_s */
	struct wmean trend1, trend2;	/* predictive.trend_s, 2 x trend_s */
	struct maxq recent_peak;	/* predictive.peak_s */
	struct maxq stab;		/* demand.window_s, combined recommendations */

	/* time policy: the latest local minute evaluated (it never goes back,
	 * so a repeated hour at the end of DST or a clock step back does not
	 * fire a schedule twice) and, per schedule, the UTC start of its last
	 * match, in seconds */
	int64_t sched_minute;
	int64_t sched_last_match[XLB_POLICY_MAX_SCHEDULES];

	/* predictive history, a ring of nb buckets; absolute index = t / bucket_s */
	struct bucket *hist;
	unsigned nb;
	int64_t hist_last;		/* newest absolute bucket index; -1: empty */
	int64_t hist_first;		/* oldest absolute index with data */
	int64_t fc_bucket;		/* bucket for which fc_* were computed */
	double fc_season;		/* seasonal part of the forecast */
	double fc_ratio;		/* level ratio used */
	double fc_base;			/* the unscaled seasonal peak */
	double fc_mean;			/* mean term before the noise margin */
	double *lag_peak, *lag_mean;	/* per-lag scratch, seasons + week_seasons */
};

/* ---- small containers ------------------------------------------------------- */

static void wmean_add(struct wmean *w, double t, double v, double dt, double window)
{
	unsigned i;

	if (w->n == SAMPLES_MAX) {
		w->sum_vdt -= w->v[w->head] * w->dt[w->head];
		w->sum_dt -= w->dt[w->head];
		w->head = (w->head + 1) % SAMPLES_MAX;
		w->n--;
	}
	i = (w->head + w->n) % SAMPLES_MAX;
	w->t[i] = t;
	w->v[i] = v;
	w->dt[i] = dt;
	w->n++;
	w->sum_vdt += v * dt;
	w->sum_dt += dt;
	while (w->n > 1 && w->t[w->head] <= t - window) {
		w->sum_vdt -= w->v[w->head] * w->dt[w->head];
		w->sum_dt -= w->dt[w->head];
		w->head = (w->head + 1) % SAMPLES_MAX;
		w->n--;
	}
	/* drift of the running sums: recompute when the window empties out */
	if (w->n == 1) {
		w->sum_vdt = v * dt;
		w->sum_dt = dt;
	}
}

static double wmean_get(const struct wmean *w)
{
	return w->sum_dt > 0 ? w->sum_vdt / w->sum_dt : 0;
}

static void maxq_push(struct maxq *q, double t, double v)
{
	unsigned i;

	while (q->n && q->v[(q->head + q->n - 1) % MAXQ_MAX] <= v)
		q->n--;
	if (q->n == MAXQ_MAX) {
		q->head = (q->head + 1) % MAXQ_MAX;
		q->n--;
	}
	i = (q->head + q->n) % MAXQ_MAX;
	q->t[i] = t;
	q->v[i] = v;
	q->n++;
}

/* Maximum over (now - window, now]; the newest entry always counts. */
static double maxq_get(struct maxq *q, double now, double window)
{
	while (q->n > 1 && q->t[q->head] <= now - window) {
		q->head = (q->head + 1) % MAXQ_MAX;
		q->n--;
	}
	return q->n ? q->v[q->head] : 0;
}

/* ---- configuration ---------------------------------------------------------- */

void xlb_policy_cfg_init(struct xlb_policy_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min = 1;
	cfg->max = 40;
	cfg->demand.enabled = true;
	cfg->demand.tolerance = 0.1;
	cfg->demand.window_s = 300;
	cfg->predictive.season_s = 86400;
	cfg->predictive.horizon_s = 60;
	cfg->predictive.window_s = 600;
	cfg->predictive.bucket_s = 60;
	cfg->predictive.history_s = 7 * 86400;
	cfg->predictive.min_history_s = 86400;
	cfg->predictive.seasons = 7;
	cfg->predictive.short_s = 10;
	cfg->predictive.level_s = 1800;
	cfg->predictive.level_max = 2.0;
	cfg->predictive.peak_s = 900;
	cfg->predictive.peak_weight = 1.0;
	cfg->predictive.season_weight = 1.0;
	cfg->predictive.headroom = 1.0;
	cfg->predictive.season_q = 1.0;
	cfg->predictive.week_q = 0.5;
	cfg->predictive.trend_z = 3;
	cfg->predictive.trend_max = 2;
	cfg->predictive.trend_weight = 1;
}

unsigned xlb_policy_history_needed(const struct xlb_predictive_cfg *pc)
{
	uint64_t days = ((uint64_t)pc->seasons + 1) * pc->season_s;
	uint64_t weeks = (uint64_t)pc->week_seasons * WEEK_S + pc->season_s;

	if (pc->week_seasons && weeks > days)
		days = weeks;
	return days > UINT32_MAX ? UINT32_MAX : (unsigned)days;
}

void xlb_policy_cfg_recommended(struct xlb_policy_cfg *cfg, double capacity)
{
	struct xlb_demand_cfg *d = &cfg->demand;
	struct xlb_predictive_cfg *pc = &cfg->predictive;

	xlb_policy_cfg_init(cfg);
	d->tolerance = 0.1;
	d->window_s = 60;
	d->load_window_s = 10;
	pc->window_s = 600;
	pc->seasons = 7;
	pc->peak_s = 900;
	pc->peak_weight = 0;
	pc->level_s = 600;
	pc->level_max = 2;
	pc->headroom = 1.0;
	pc->short_s = 10;
	pc->season_weight = 0;
	pc->noise_z = 3;
	pc->season_q = 0.75;
	pc->week_seasons = 3;
	pc->week_q = 0.5;
	pc->trend_s = 30;
	pc->trend_z = 5;
	pc->trend_max = 2;
	pc->trend_weight = 1;
	pc->history_s = xlb_policy_history_needed(pc);
	if (capacity > 0 && isfinite(capacity)) {
		d->target = XLB_POLICY_DEMAND_UTIL * capacity;
		pc->target = XLB_POLICY_PRED_UTIL * capacity;
	}
}

static int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int cfg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool bad_num(double v)
{
	return !isfinite(v) || v < 0;
}

int xlb_policy_cfg_check(const struct xlb_policy_cfg *c, char *err, size_t errlen)
{
	const struct xlb_demand_cfg *d = &c->demand;
	const struct xlb_predictive_cfg *p = &c->predictive;

	if (!c->max)
		return cfg_fail(err, errlen, "max must be > 0");
	if (c->min > c->max)
		return cfg_fail(err, errlen, "min %u is above max %u", c->min, c->max);
	if (c->tz_offset_s < -86400 || c->tz_offset_s > 86400)
		return cfg_fail(err, errlen, "time zone offset %d s out of range", c->tz_offset_s);
	if (bad_num(d->target) || bad_num(d->high) || bad_num(d->low) || bad_num(d->tolerance))
		return cfg_fail(err, errlen, "demand: target, thresholds and tolerance must be >= 0");
	if (d->tolerance >= 1)
		return cfg_fail(err, errlen, "demand: tolerance %g must be below 1", d->tolerance);
	if ((d->high > 0) != (d->low > 0))
		return cfg_fail(err, errlen, "demand: set both high and low thresholds, or neither");
	if (d->high > 0 && d->low >= d->high)
		return cfg_fail(err, errlen, "demand: low threshold %g must be below high %g",
				d->low, d->high);
	if (d->enabled && d->target <= 0 && d->high <= 0)
		return cfg_fail(err, errlen, "demand: needs a target or high/low thresholds");
	if (c->time.n > XLB_POLICY_MAX_SCHEDULES)
		return cfg_fail(err, errlen, "time: at most %d schedules", XLB_POLICY_MAX_SCHEDULES);
	for (unsigned i = 0; i < c->time.n; i++) {
		const struct xlb_schedule *s = &c->time.sched[i];

		if (!s->duration_s)
			return cfg_fail(err, errlen, "time: schedule %u ('%s'): duration must be > 0",
					i + 1, s->expr);
		if (!s->cron.minute || !s->cron.hour || !s->cron.month)
			return cfg_fail(err, errlen, "time: schedule %u ('%s') never matches",
					i + 1, s->expr);
	}
	if (p->enabled) {
		double tgt = p->target > 0 ? p->target : d->target;

		if (!p->season_s || !p->bucket_s || p->season_s % p->bucket_s)
			return cfg_fail(err, errlen,
					"predictive: bucket (%u s) must divide the season (%u s)",
					p->bucket_s, p->season_s);
		if (p->history_s < p->season_s)
			return cfg_fail(err, errlen,
					"predictive: history (%u s) shorter than a season (%u s)",
					p->history_s, p->season_s);
		if (p->history_s / p->bucket_s > 10u * 1000 * 1000)
			return cfg_fail(err, errlen, "predictive: history too long for its bucket");
		if (!p->seasons)
			return cfg_fail(err, errlen, "predictive: seasons must be >= 1");
		if (bad_num(p->target) || bad_num(p->headroom) || bad_num(p->peak_weight) ||
		    bad_num(p->season_weight) || bad_num(p->noise_z) ||
		    bad_num(p->level_max))
			return cfg_fail(err, errlen, "predictive: numbers must be >= 0");
		if (tgt <= 0)
			return cfg_fail(err, errlen,
					"predictive: needs a target (its own or demand's)");
		if (p->level_max < 1)
			return cfg_fail(err, errlen, "predictive: level_max must be >= 1");
		if (bad_num(p->season_q) || p->season_q > 1 || bad_num(p->week_q) ||
		    p->week_q > 1)
			return cfg_fail(err, errlen, "predictive: quantiles must be in 0..1");
		if (p->week_seasons && (WEEK_S % p->bucket_s ||
					p->history_s / WEEK_S < p->week_seasons))
			return cfg_fail(err, errlen,
					"predictive: %u week(s) need history >= %u s and a bucket "
					"dividing a week", p->week_seasons,
					p->week_seasons * WEEK_S);
		if (p->week_seasons > 1000)
			return cfg_fail(err, errlen, "predictive: at most 1000 weeks");
		if (bad_num(p->trend_z) || bad_num(p->trend_max) || bad_num(p->trend_weight))
			return cfg_fail(err, errlen, "predictive: trend numbers must be >= 0");
		if (p->trend_s > SAMPLES_MAX / 2)
			return cfg_fail(err, errlen, "predictive: trend window above %u s",
					SAMPLES_MAX / 2);
	}
	return 0;
}

const struct xlb_policy_cfg *xlb_policy_cfg(const struct xlb_policy *p)
{
	return &p->cfg;
}

static const char *const reason_names[] = {
#define XLB_REASON_NAME(n, s) s,
	XLB_REASON_LIST(XLB_REASON_NAME)
#undef XLB_REASON_NAME
};

const char *xlb_reason_name(enum xlb_reason r)
{
	return (unsigned)r < XLB_REASON_NR ? reason_names[r] : "unknown";
}

const char *xlb_policy_kind_name(enum xlb_policy_kind k)
{
	static const char *const names[] = { "none", "demand", "time", "predictive" };

	return (unsigned)k < XLB_POLICY_KIND_MAX ? names[k] : "unknown";
}

/* ---- life cycle --------------------------------------------------------------- */

struct xlb_policy *xlb_policy_new(const struct xlb_policy_cfg *cfg, char *err, size_t errlen)
{
	struct xlb_policy *p;

	if (!cfg) {
		cfg_fail(err, errlen, "no configuration");
		return NULL;
	}
	if (xlb_policy_cfg_check(cfg, err, errlen))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		cfg_fail(err, errlen, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	if (!p->cfg.predictive.bucket_s)
		p->cfg.predictive.bucket_s = 60;
	if (!p->cfg.predictive.history_s)
		p->cfg.predictive.history_s = p->cfg.predictive.bucket_s;
	p->nb = p->cfg.predictive.history_s / p->cfg.predictive.bucket_s;
	if (!p->nb)
		p->nb = 1;
	p->hist = calloc(p->nb, sizeof(*p->hist));
	if (!p->hist) {
		cfg_fail(err, errlen, "out of memory for %u history buckets", p->nb);
		free(p);
		return NULL;
	}
	p->lag_peak = calloc(2 * ((size_t)p->cfg.predictive.seasons +
				  p->cfg.predictive.week_seasons + 1), sizeof(double));
	if (!p->lag_peak) {
		cfg_fail(err, errlen, "out of memory");
		free(p->hist);
		free(p);
		return NULL;
	}
	p->lag_mean = p->lag_peak + p->cfg.predictive.seasons + p->cfg.predictive.week_seasons + 1;
	p->hist_last = -1;
	p->hist_first = -1;
	p->fc_bucket = -1;
	p->sched_minute = INT64_MIN;
	return p;
}

void xlb_policy_free(struct xlb_policy *p)
{
	if (!p)
		return;
	free(p->hist);
	free(p->lag_peak);
	free(p);
}

/* ---- history -------------------------------------------------------------------- */

static struct bucket *bucket_at(const struct xlb_policy *p, int64_t idx)
{
	if (p->hist_last < 0 || idx > p->hist_last || idx <= p->hist_last - p->nb || idx < 0)
		return NULL;
	return &p->hist[idx % p->nb];
}

/* Move the ring forward to bucket idx, clearing what it overwrites. */
static void hist_advance(struct xlb_policy *p, int64_t idx)
{
	if (p->hist_last < 0) {
		p->hist_last = idx;
		p->hist_first = idx;
		memset(&p->hist[idx % p->nb], 0, sizeof(struct bucket));
		return;
	}
	if (idx <= p->hist_last)
		return;
	if (idx - p->hist_last >= p->nb) {
		memset(p->hist, 0, p->nb * sizeof(*p->hist));
	} else {
		for (int64_t i = p->hist_last + 1; i <= idx; i++)
			memset(&p->hist[i % p->nb], 0, sizeof(struct bucket));
	}
	p->hist_last = idx;
	if (p->hist_first <= idx - p->nb)
		p->hist_first = idx - p->nb + 1;
}

/* now: monotonic (the windows); wall: unix time (the history bucket). */
static void record(struct xlb_policy *p, double now, double wall, double load, double dt)
{
	const struct xlb_predictive_cfg *pc = &p->cfg.predictive;
	double shortm;
	struct bucket *b;
	int64_t idx;

	wmean_add(&p->demand_mean, now, load, dt, p->cfg.demand.load_window_s);
	wmean_add(&p->short_mean, now, load, dt, pc->short_s ? pc->short_s : 1);
	if (pc->trend_s) {
		wmean_add(&p->trend1, now, load, dt, pc->trend_s);
		wmean_add(&p->trend2, now, load, dt, 2.0 * pc->trend_s);
	}
	shortm = wmean_get(&p->short_mean);
	maxq_push(&p->recent_peak, now, shortm);
	if (wall < 0)
		return;
	/* the sample covers (now - dt, now]: book it in the bucket of its end,
	 * weighing at most one bucket (after a gap, only the recent part counts) */
	if (dt > pc->bucket_s)
		dt = pc->bucket_s;
	idx = (int64_t)floor((wall - dt / 2) / pc->bucket_s);
	if (idx < 0)
		return;
	hist_advance(p, idx);
	b = bucket_at(p, idx);
	if (!b)
		return;
	b->sum += load * dt;
	b->dt += dt;
	if (shortm > b->peak)
		b->peak = shortm;
}

double xlb_policy_history_seconds(const struct xlb_policy *p)
{
	if (p->hist_last < 0)
		return 0;
	return (double)(p->hist_last - p->hist_first + 1) * p->cfg.predictive.bucket_s;
}

void xlb_policy_observe(struct xlb_policy *p, double now, double load)
{
	double dt;

	if (!p || !isfinite(load) || load < 0 || !isfinite(now))
		return;
	if (p->started && now < p->last_now)
		now = p->last_now;
	dt = p->started ? now - p->last_now : 1;
	if (dt <= 0)
		dt = 1e-3;
	if (dt > 3600)
		dt = 3600;
	record(p, now, now, load, dt);
	p->last_now = now;
	p->started = true;
}

int xlb_policy_adopt_history(struct xlb_policy *dst, const struct xlb_policy *src)
{
	if (dst->cfg.predictive.bucket_s != src->cfg.predictive.bucket_s)
		return -EINVAL;
	memset(dst->hist, 0, dst->nb * sizeof(*dst->hist));
	dst->hist_last = -1;
	dst->hist_first = -1;
	dst->fc_bucket = -1;
	if (src->hist_last < 0)
		return 0;
	for (int64_t i = src->hist_first; i <= src->hist_last; i++) {
		struct bucket *s = bucket_at(src, i), *d;

		if (i <= src->hist_last - dst->nb)
			continue;
		hist_advance(dst, i);
		d = bucket_at(dst, i);
		if (s && d)
			*d = *s;
	}
	if (dst->hist_first < src->hist_first)
		dst->hist_first = src->hist_first;
	return 0;
}

int xlb_policy_history_save(const struct xlb_policy *p, FILE *f)
{
	int64_t first = p->hist_first < 0 ? 0 : p->hist_first;

	if (fprintf(f, "xlb-policy-history 1 %u %lld\n", p->cfg.predictive.bucket_s,
		    (long long)first * p->cfg.predictive.bucket_s) < 0)
		return -EIO;
	for (int64_t i = p->hist_first; p->hist_last >= 0 && i <= p->hist_last; i++) {
		const struct bucket *b = bucket_at(p, i);
		int r;

		if (!b || b->dt <= 0)
			r = fprintf(f, "-\n");
		else
			r = fprintf(f, "%.6g %.6g %.6g\n", b->sum / b->dt, b->peak, b->dt);
		if (r < 0)
			return -EIO;
	}
	return fflush(f) ? -EIO : 0;
}

int xlb_policy_history_load(struct xlb_policy *p, FILE *f, char *err, size_t errlen)
{
	unsigned version, bucket_s;
	long long start;
	char line[256];
	struct bucket *tmp;
	size_t n = 0, cap = 1024;
	unsigned lineno = 1;
	int ret = 0;

	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "xlb-policy-history %u %u %lld", &version, &bucket_s, &start) != 3 ||
	    version != 1 || !bucket_s || start < 0 || start % bucket_s)
		return cfg_fail(err, errlen, "history line 1: not an xlb-policy-history 1 header");
	if (bucket_s != p->cfg.predictive.bucket_s) {
		cfg_fail(err, errlen, "history: bucket %u s, configuration wants %u s", bucket_s,
			 p->cfg.predictive.bucket_s);
		return -ERANGE;
	}
	tmp = malloc(cap * sizeof(*tmp));
	if (!tmp)
		return cfg_fail(err, errlen, "history: out of memory");
	while (fgets(line, sizeof(line), f)) {
		double mean, peak, dt;

		lineno++;
		if (n == cap) {
			struct bucket *t2;

			cap *= 2;
			t2 = realloc(tmp, cap * sizeof(*tmp));
			if (!t2) {
				ret = cfg_fail(err, errlen, "history: out of memory");
				goto out_free;
			}
			tmp = t2;
		}
		if (line[0] == '-' && (line[1] == '\n' || line[1] == '\0')) {
			memset(&tmp[n++], 0, sizeof(*tmp));
			continue;
		}
		if (sscanf(line, "%lf %lf %lf", &mean, &peak, &dt) != 3 || bad_num(mean) ||
		    bad_num(peak) || bad_num(dt) || dt > bucket_s * 1.5) {
			ret = cfg_fail(err, errlen, "history line %u: expected 'mean peak seconds'",
				       lineno);
			goto out_free;
		}
		tmp[n].sum = mean * dt;
		tmp[n].dt = dt;
		tmp[n].peak = peak;
		n++;
	}
	memset(p->hist, 0, p->nb * sizeof(*p->hist));
	p->hist_last = -1;
	p->hist_first = -1;
	p->fc_bucket = -1;
	for (size_t i = 0; i < n; i++) {
		int64_t idx = start / bucket_s + (int64_t)i;

		if ((int64_t)i < (int64_t)n - (int64_t)p->nb)
			continue;
		hist_advance(p, idx);
		p->hist[idx % p->nb] = tmp[i];
	}
	if (n)
		p->hist_first = start / bucket_s + ((int64_t)n > p->nb ? (int64_t)n - p->nb : 0);
out_free:
	free(tmp);
	return ret;
}

/* ---- time policy -------------------------------------------------------------- */

/* Seconds east of UTC for the cron fields at unix time wall: the local
 * zone's offset at that instant (it changes with DST), or the fixed one. */
static int cron_offset(const struct xlb_policy *p, double wall)
{
	struct tm tm;
	time_t t;

	if (!p->cfg.tz_local)
		return p->cfg.tz_offset_s;
	t = (time_t)floor(wall);
	return localtime_r(&t, &tm) ? (int)tm.tm_gmtoff : 0;
}

/* Highest capacity among open windows; *exact set if an exact one is open. */
static unsigned time_eval(struct xlb_policy *p, double wall, bool *exact, int *which)
{
	const struct xlb_time_cfg *tc = &p->cfg.time;
	int off = cron_offset(p, wall);
	int64_t minute = (int64_t)floor((wall + off) / 60);
	unsigned best = 0, best_exact = 0;

	*exact = false;
	*which = -1;
	if (p->sched_minute == INT64_MIN || minute > p->sched_minute) {
		for (unsigned i = 0; i < tc->n; i++) {
			const struct xlb_schedule *s = &tc->sched[i];
			int64_t span = (s->duration_s + 59) / 60, from;

			/* scan only minutes not seen yet, at most one window back */
			from = minute - span;
			if (p->sched_minute != INT64_MIN && p->sched_minute > from)
				from = p->sched_minute;
			else
				p->sched_last_match[i] = INT64_MIN;
			for (int64_t m = minute; m > from; m--) {
				if (xlb_cron_match(&s->cron, m * 60)) {
					/* local minute -> UTC, with the offset of now */
					p->sched_last_match[i] = m * 60 - off;
					break;
				}
			}
		}
		p->sched_minute = minute;
	}
	for (unsigned i = 0; i < tc->n; i++) {
		const struct xlb_schedule *s = &tc->sched[i];

		if (p->sched_last_match[i] == INT64_MIN)
			continue;
		/* the window lasts duration_s of real time, across a DST change too */
		if (wall >= (double)p->sched_last_match[i] + s->duration_s)
			continue;
		if (s->exact) {
			if (!*exact || s->capacity > best_exact) {
				best_exact = s->capacity;
				*which = (int)i;
			}
			*exact = true;
		} else if (!*exact && s->capacity > best) {
			best = s->capacity;
			*which = (int)i;
		}
	}
	return *exact ? best_exact : best;
}

/* ---- predictive ---------------------------------------------------------------- */

static double bucket_mean_range(const struct xlb_policy *p, int64_t a, int64_t b, bool *ok)
{
	double sum = 0, dt = 0;

	for (int64_t i = a; i <= b; i++) {
		const struct bucket *bk = bucket_at(p, i);

		if (bk && bk->dt > 0) {
			sum += bk->sum;
			dt += bk->dt;
		}
	}
	*ok = dt > 0.5 * (double)(b - a + 1) * p->cfg.predictive.bucket_s;
	return dt > 0 ? sum / dt : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (1: the maximum, 0: the minimum); sorts v. */
static double quantile(double *v, unsigned n, double q)
{
	unsigned i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (unsigned)ceil(q * n - 1e-9);
	return v[i ? i - 1 : 0];
}

/* Peak and mean of the forecast span one lag (off buckets) back, each
 * scaled by the level ratio between now and then. False: no data. */
static bool season_lag(const struct xlb_policy *p, int64_t off, int64_t cur, int64_t b0,
		       int64_t b1, int64_t nl, double now_level, double eps, double *peak,
		       double *mean, double *ratio_out)
{
	const struct xlb_predictive_cfg *pc = &p->cfg.predictive;
	double pk = 0, ratio = 1, past;
	bool any = false, ok;

	for (int64_t i = b0 - off; i <= b1 - off; i++) {
		const struct bucket *bk = bucket_at(p, i);

		if (bk && bk->dt > 0 && i < cur) {
			any = true;
			if (bk->peak > pk)
				pk = bk->peak;
		}
	}
	if (!any)
		return false;
	if (now_level >= 0) {
		past = bucket_mean_range(p, cur - nl - off, cur - 1 - off, &ok);
		if (ok) {
			ratio = (now_level + eps) / (past + eps);
			if (ratio > pc->level_max)
				ratio = pc->level_max;
			if (ratio < 1 / pc->level_max)
				ratio = 1 / pc->level_max;
		}
	}
	*ratio_out = ratio;
	*peak = pk * ratio;
	past = bucket_mean_range(p, b0 - off, b1 - off, &ok);
	*mean = ok ? past * ratio : -1;
	return true;
}

/* Seasonal part for the bucket containing now; cached per bucket. Daily
 * lags and weekly lags each give one value per term (their quantile); the
 * larger of the two wins. */
static void forecast_season(struct xlb_policy *p, double now)
{
	const struct xlb_predictive_cfg *pc = &p->cfg.predictive;
	int64_t cur = (int64_t)floor(now / pc->bucket_s);
	int64_t per = pc->season_s / pc->bucket_s, week = WEEK_S / pc->bucket_s;
	int64_t b0 = (int64_t)floor((now + pc->horizon_s) / pc->bucket_s);
	int64_t b1 = (int64_t)floor((now + pc->horizon_s + pc->window_s) / pc->bucket_s);
	int64_t nl = (pc->level_s + pc->bucket_s - 1) / pc->bucket_s;
	double tgt = pc->target > 0 ? pc->target : p->cfg.demand.target;
	double eps = 0.25 * tgt, now_level, best = 0, best_mean = 0, best_ratio = 1;
	bool ok;

	if (cur == p->fc_bucket)
		return;
	p->fc_bucket = cur;
	if (nl < 1)
		nl = 1;
	now_level = bucket_mean_range(p, cur - nl, cur - 1, &ok);
	if (!ok)
		now_level = -1;
	for (int g = 0; g < 2; g++) {
		unsigned nlag = g ? pc->week_seasons : pc->seasons, np = 0, nm = 0;
		double q = g ? pc->week_q : pc->season_q, ratio_sum = 0, v;

		for (unsigned k = 1; k <= nlag; k++) {
			double pk, mn, ratio;

			if (!season_lag(p, (g ? week : per) * k, cur, b0, b1, nl, now_level, eps,
					&pk, &mn, &ratio))
				continue;
			p->lag_peak[np++] = pk;
			ratio_sum += ratio;
			if (mn >= 0)
				p->lag_mean[nm++] = mn;
		}
		if (!np)
			continue;
		v = quantile(p->lag_peak, np, q);
		if (v > best) {
			best = v;
			best_ratio = ratio_sum / np;
		}
		v = quantile(p->lag_mean, nm, q);
		if (v > best_mean)
			best_mean = v;
	}
	if (now_level > best_mean)
		best_mean = now_level;
	p->fc_mean = best_mean;
	p->fc_season = best;
	p->fc_ratio = best_ratio;
	p->fc_base = best_ratio > 0 ? best / best_ratio : 0;
}

/* Rising load extrapolated over the lead time (see policy.h); 0: not rising. */
static double forecast_trend(const struct xlb_policy *p)
{
	const struct xlb_predictive_cfg *pc = &p->cfg.predictive;
	double m1, m0, rise, fc;

	if (!pc->trend_s || p->trend2.sum_dt < 1.5 * pc->trend_s)
		return 0;
	m1 = wmean_get(&p->trend1);
	m0 = 2 * wmean_get(&p->trend2) - m1;	/* the window before, same length */
	if (m0 < 0)
		m0 = 0;
	rise = m1 - m0;
	if (rise <= 0 || rise <= pc->trend_z * sqrt((m1 + m0) / pc->trend_s))
		return 0;
	fc = m1 + rise / pc->trend_s * (pc->trend_weight * pc->horizon_s + pc->trend_s / 2.0);
	return fmin(fc, pc->trend_max * m1);
}

/* ---- the decision ---------------------------------------------------------------- */

static unsigned ceil_units(double load, double per)
{
	double v;

	if (per <= 0 || load <= 0)
		return 0;
	v = ceil(load / per - 1e-9);
	return v > 1e6 ? 1000000u : (unsigned)v;
}

#define TXT(...) snprintf(out->reason_text, sizeof(out->reason_text), __VA_ARGS__)

int xlb_policy_step(struct xlb_policy *p, double now, double wall, double load,
		    unsigned active, unsigned booting, struct xlb_decision *out)
{
	const struct xlb_policy_cfg *c;
	const struct xlb_demand_cfg *d;
	const struct xlb_predictive_cfg *pc;
	unsigned total, dem = 0, tt = 0, th = 0, tim = 0, pred = 0, rec, desired, held;
	enum xlb_policy_kind kind = XLB_POLICY_NONE;
	enum xlb_reason reason;
	bool exact = false, tt_hold = false, th_up = false, th_down = false, fallback = false;
	char why[XLB_REASON_TEXT_MAX] = "";
	double dt, ratio = 0, per_be = 0, fc = -1, recent = 0, trend = 0;
	int which = -1;

	if (!p || !out)
		return -EINVAL;
	c = &p->cfg;
	d = &c->demand;
	pc = &c->predictive;
	memset(out, 0, sizeof(*out));
	out->forecast = -1;
	total = active + booting;
	if (!isfinite(now) || !isfinite(wall) || !isfinite(load) || load < 0) {
		out->desired = p->started ? p->last_desired : total;
		out->delta = (int)out->desired - (int)total;
		out->reason = XLB_REASON_HOLD;
		TXT("hold: invalid load sample ignored");
		return -EINVAL;
	}
	if (p->started && now < p->last_now)
		now = p->last_now;
	dt = p->started ? now - p->last_now : 1;
	if (dt <= 0)
		dt = 1e-3;
	if (dt > 3600)
		dt = 3600;
	if (!p->started) {
		/* adopt the pool as found: no scale-down within the first window */
		maxq_push(&p->stab, now, total);
	}
	record(p, now, wall, load, dt);
	p->last_now = now;
	p->started = true;
	if (d->load_window_s)
		load = wmean_get(&p->demand_mean);
	out->load = load;

	/* demand: target tracking and thresholds */
	if (d->target > 0) {
		ratio = total ? load / (total * d->target) : 0;
		if (total && fabs(ratio - 1) <= d->tolerance) {
			tt = total;
			tt_hold = true;
		} else {
			tt = ceil_units(load, d->target);
		}
	}
	if (d->high > 0) {
		per_be = total ? load / total : load;
		th = total;
		if (per_be > d->high || (!total && load > 0)) {
			th = total + (d->step_up ? d->step_up : 1);
			th_up = true;
		} else if (per_be < d->low && total > 1 && !booting &&
			   load / (total - 1) < (d->low + d->high) / 2) {
			th = total - 1;
			th_down = true;
		}
	}
	if (d->enabled)
		dem = tt > th ? tt : th;

	/* time */
	if (c->time.enabled && c->time.n)
		tim = time_eval(p, wall, &exact, &which);

	/* predictive */
	if (pc->enabled) {
		double tgt = pc->target > 0 ? pc->target : d->target;

		recent = maxq_get(&p->recent_peak, now, pc->peak_s);
		if (xlb_policy_history_seconds(p) < pc->min_history_s) {
			pred = d->target > 0 ? ceil_units(load, d->target) : th;
			fallback = true;
		} else {
			double m;

			forecast_season(p, wall);
			m = p->fc_mean + pc->noise_z * sqrt(p->fc_mean / (pc->short_s ? pc->short_s : 1));
			fc = p->fc_season * pc->season_weight;
			if (m > fc)
				fc = m;
			if (recent * pc->peak_weight > fc)
				fc = recent * pc->peak_weight;
			trend = forecast_trend(p);
			if (trend > fc)
				fc = trend;
			fc *= pc->headroom;
			pred = ceil_units(fc, tgt);
			out->forecast = fc;
		}
	}

	/* combine: the highest recommendation wins (demand on ties) */
	rec = 0;
	if (d->enabled) {
		rec = dem;
		kind = XLB_POLICY_DEMAND;
	}
	if (c->time.enabled && tim > rec) {
		rec = tim;
		kind = XLB_POLICY_TIME;
	}
	if (pc->enabled && pred > rec) {
		rec = pred;
		kind = XLB_POLICY_PREDICTIVE;
	}
	if (kind == XLB_POLICY_DEMAND && tt_hold && th == total)
		reason = XLB_REASON_HOLD;
	else if (kind == XLB_POLICY_DEMAND && (th_up || th_down) && th >= tt)
		reason = XLB_REASON_THRESHOLD;
	else if (kind == XLB_POLICY_DEMAND)
		reason = rec == total ? XLB_REASON_HOLD : XLB_REASON_DEMAND;
	else if (kind == XLB_POLICY_TIME)
		reason = XLB_REASON_SCHEDULE;
	else if (kind == XLB_POLICY_PREDICTIVE)
		reason = fallback ? XLB_REASON_DEMAND : XLB_REASON_FORECAST;
	else
		reason = XLB_REASON_HOLD;

	switch (reason) {
	case XLB_REASON_HOLD:
		if (d->target > 0)
			snprintf(why, sizeof(why),
				 "load %.4g on %u backend(s) = %.2f x target %.4g, tolerance %.2g",
				 load, total, ratio, d->target, d->tolerance);
		else
			snprintf(why, sizeof(why), "%.4g per backend within %.4g..%.4g", per_be,
				 d->low, d->high);
		break;
	case XLB_REASON_DEMAND:
		snprintf(why, sizeof(why), "load %.4g / target %.4g = %.2f -> %u%s", load,
			 d->target, d->target > 0 ? load / d->target : 0, rec,
			 fallback ? " (predictive: short history)" : "");
		break;
	case XLB_REASON_THRESHOLD:
		snprintf(why, sizeof(why), "%.4g per backend %s %s %.4g -> %u", per_be,
			 th_up ? ">" : "<", th_up ? "high" : "low", th_up ? d->high : d->low, rec);
		break;
	case XLB_REASON_SCHEDULE:
		snprintf(why, sizeof(why), "'%s' for %u s: at least %u", c->time.sched[which].expr,
			 c->time.sched[which].duration_s, tim);
		break;
	case XLB_REASON_FORECAST:
		snprintf(why, sizeof(why),
			 "%.4g in %u-%u s (season %.4g x %.2f, mean %.4g, peak %.4g%s) / %.4g -> %u",
			 fc, pc->horizon_s, pc->horizon_s + pc->window_s, p->fc_base, p->fc_ratio,
			 p->fc_mean, recent, trend > 0 && trend >= fc / (pc->headroom > 0 ?
			 pc->headroom : 1) ? ", rising" : "",
			 pc->target > 0 ? pc->target : d->target, rec);
		break;
	default:
		break;
	}

	/* stabilise scale-down, limit steps */
	maxq_push(&p->stab, now, rec);
	desired = rec;
	if (rec < total) {
		unsigned high = (unsigned)maxq_get(&p->stab, now, d->window_s);

		/* The window only delays scale-downs: it keeps the pool the
		 * caller has (active + booting, so boots in flight stay) and
		 * never asks for more. A higher recommendation the caller
		 * could not act on (no standby backend, boot timed out) is
		 * not re-requested once the load is gone; say so rather than
		 * call the pool size "the highest of the window". */
		held = high > total ? total : high;
		if (held > rec) {
			desired = held;
			if (high > held)
				TXT("stabilize: %s wants %u, holding the current %u (%u wanted "
				    "within the last %u s)", xlb_policy_kind_name(kind), rec,
				    held, high, d->window_s);
			else
				TXT("stabilize: %s wants %u, holding %u (highest of last %u s)",
				    xlb_policy_kind_name(kind), rec, held, d->window_s);
			reason = XLB_REASON_STABILIZE;
		}
	}
	if (reason != XLB_REASON_STABILIZE)
		snprintf(out->reason_text, sizeof(out->reason_text), "%s: %s",
			 reason == XLB_REASON_HOLD ? "hold" : xlb_policy_kind_name(kind), why);
	if (d->step_up && desired > total + d->step_up) {
		desired = total + d->step_up;
		reason = XLB_REASON_STEP_LIMIT;
		TXT("step_limit: %s wants %u, +%u per decision -> %u", xlb_policy_kind_name(kind),
		    rec, d->step_up, desired);
	} else if (d->step_down && desired + d->step_down < total) {
		desired = total - d->step_down;
		reason = XLB_REASON_STEP_LIMIT;
		TXT("step_limit: %s wants %u, -%u per decision -> %u", xlb_policy_kind_name(kind),
		    rec, d->step_down, desired);
	}
	if (exact) {
		desired = tim;
		kind = XLB_POLICY_TIME;
		reason = XLB_REASON_SCHEDULE;
		TXT("schedule: '%s' for %u s: exactly %u", c->time.sched[which].expr,
		    c->time.sched[which].duration_s, tim);
	}
	if (desired < c->min) {
		TXT("min: %s wants %u -> %u", xlb_policy_kind_name(kind), desired, c->min);
		desired = c->min;
		reason = XLB_REASON_MIN;
	} else if (desired > c->max) {
		TXT("max: %s wants %u -> %u", xlb_policy_kind_name(kind), desired, c->max);
		desired = c->max;
		reason = XLB_REASON_MAX;
	}
	out->desired = desired;
	out->delta = (int)desired - (int)total;
	out->demand = dem;
	out->time = tim;
	out->predictive = pred;
	out->policy = kind;
	out->reason = reason;
	p->last_desired = desired;
	return 0;
}
