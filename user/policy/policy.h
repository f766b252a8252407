/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * libxlbpolicy: xlb's scaling policies, pure C (no BPF, no clock, no I/O
 * except the FILE * a caller passes in, and the zone data localtime_r()
 * reads for cfg.tz_local). xlbd and tools/xlb-sim link the same code, so
 * what the simulator measures is what the daemon does.
 *
 * Contract:
 *  - The caller owns time, and passes two clocks (doubles, so the
 *    simulator can run faster than real time): "now", monotonic seconds
 *    from any origin (xlbd: CLOCK_MONOTONIC), for every window (load
 *    averages, stabilisation, recent peaks, trend); and "wall", unix
 *    seconds (UTC), only for cron schedules and the forecaster's history
 *    bucket index. A step of the wall clock (NTP, an operator's date)
 *    then neither freezes nor skips a window. now must not decrease; a
 *    call that goes back is treated as happening at the last time seen.
 *    A simulator passes the same value for both.
 *  - Load is one number per call: the signal the operator chose (new
 *    flows/s, packets/s, bit/s, requests/s), summed over the VIP, as a
 *    rate measured over the interval since the previous call.
 *  - Capacity is counted in backends. "current" = active (serving)
 *    backends, "booting" = requested but not yet serving (scale-up in
 *    progress, health check pending). The decision's desired value is the
 *    total wanted, active + booting: the caller starts backends when
 *    desired > active + booting and drains when it is lower.
 *  - Combination: desired = max(demand, time, predictive) over the enabled
 *    policies, clamped to [min, max]; a time schedule with exact = true
 *    sets the capacity outright (still clamped). Each decision names the
 *    policy that won, a reason code and a one-line text with the figures.
 *  - Functions that can fail return 0 or -errno and write a one-line
 *    message into err (if err != NULL). Nothing prints, exits or aborts.
 *  - Not thread-safe: one struct xlb_policy per thread.
 *
 * Demand (target tracking, like Kubernetes' HPA):
 *    raw = ceil(load / target). No change while the utilisation ratio
 *    load / ((active + booting) * target) is within 1 +- tolerance.
 *    Optional thresholds (per-backend load, same unit as target): above
 *    high add step (at least one) backend, below low remove one, but only
 *    if the remaining backends would stay below the midpoint of low and
 *    high (hysteresis: removing cannot push the pool over high, so no
 *    flapping on oscillating load), and never while backends are booting
 *    (a blip must not cancel a scale-up in flight). With both target and thresholds set,
 *    the larger recommendation wins.
 * Scale-up happens at once. Scale-down is stabilised: the value applied
 * is the highest combined recommendation of the last window_s seconds
 * (300 s default, like HPA). The window starts filled with the capacity
 * found at the first step, so a restarted xlbd never scales down before a
 * full window has passed (no flap on restart). step_up / step_down bound
 * the change per decision (0 = unlimited).
 *
 * Time: cron schedules ("minute hour day-of-month month day-of-week", with
 *    *, lists, ranges, steps, names mon..sun / jan..dec, and @hourly,
 *    @daily, @weekly) that open a window of duration_s at each match and
 *    raise the minimum to capacity (or, with exact, set it) while open.
 *    Cron fields are read in UTC shifted by cfg.tz_offset_s (seconds east
 *    of UTC), or, with cfg.tz_local, by the local zone's offset at each
 *    evaluation (localtime_r's tm_gmtoff, so a schedule keeps its local
 *    hour across DST changes; xlbd does this). A window lasts duration_s
 *    of real time; a local hour repeated at the end of DST does not fire
 *    a schedule twice, and one skipped at its start fires at the jump.
 *
 * Predictive: the engine keeps a history of the load in buckets of
 *    bucket_s seconds (mean and the peak short-window mean of each bucket)
 *    covering history_s. The forecast for [now + horizon_s, now +
 *    horizon_s + window_s] (horizon = the provisioning lead time) is the
 *    highest of, over the last `seasons` seasons, the bucket peaks at that
 *    time of season scaled by the ratio of today's level to that season's
 *    level at the same time (so level shifts carry over), times
 *    season_weight; a robust recent-peak term (highest short-window mean
 *    of the last peak_s seconds times peak_weight) for bursts; and a mean
 *    term: m = max(seasonal mean over the same span x level ratio, mean of
 *    the last level_s) plus noise_z standard deviations of a Poisson count
 *    over short_s (m + z sqrt(m / short_s): headroom that matters at low
 *    rates and vanishes at high ones). The forecast is the largest of the
 *    three times headroom, divided by target. Until min_history_s of history exists it returns the demand
 *    recommendation (fallback to demand), reason text says so.
 *    Multi-season (extension): the per-lag values of the seasonal peak and
 *    mean terms are combined by a quantile instead of the maximum:
 *    season_q over the daily lags 1..seasons (1 = the maximum, as above;
 *    0.5 = the median: a one-off burst yesterday does not raise tomorrow's
 *    forecast, an event at the same time every day does), and, with
 *    week_seasons > 0, week_q over the lags of 1..week_seasons weeks (an
 *    event at the same time every week); the larger of the two counts.
 *    history_s must then cover week_seasons weeks.
 *    Trend (extension, trend_s > 0): m1, m0 = mean load of the last trend_s
 *    seconds and of the trend_s before; if m1 - m0 exceeds trend_z
 *    standard deviations of the Poisson counts, the load is rising and is
 *    extrapolated: m1 + (m1 - m0) / trend_s x (trend_weight x horizon_s +
 *    trend_s / 2), capped at trend_max x m1. It answers bursts that build
 *    over minutes, which no history foresees.
 * The history survives restarts through xlb_policy_history_save()/_load()
 * (xlbd writes a temporary file and renames it over the old one).
 */
#ifndef XLB_POLICY_H
#define XLB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XLB_POLICY_MAX_SCHEDULES	16
#define XLB_CRON_EXPR_MAX		64
#define XLB_REASON_TEXT_MAX		160

/* ---- Cron ------------------------------------------------------------------- */

struct xlb_cron {
	uint64_t minute;	/* bit i: minute i (0-59) */
	uint32_t hour;		/* bit i: hour i (0-23) */
	uint32_t dom;		/* bit i: day of month i (1-31) */
	uint16_t month;		/* bit i: month i (1-12) */
	uint8_t dow;		/* bit i: weekday i (0 = Sunday; 7 folds to 0) */
	bool dom_star;		/* day of month was "*": Vixie cron's OR rule */
	bool dow_star;
};

/* Parse a 5-field cron expression. Returns 0, or -EINVAL with err set to
 * e.g. "hour: 25 out of range 0-23". */
int xlb_cron_parse(const char *expr, struct xlb_cron *out, char *err, size_t errlen);
/* True if the minute containing unix time t (already shifted to the wanted
 * time zone) matches. */
bool xlb_cron_match(const struct xlb_cron *c, int64_t t);

/* ---- Configuration ----------------------------------------------------------- */

struct xlb_schedule {
	char expr[XLB_CRON_EXPR_MAX];	/* as written, for reason texts */
	struct xlb_cron cron;		/* filled by xlb_schedule_set() */
	unsigned duration_s;		/* window length from each match (> 0) */
	unsigned capacity;		/* backends while the window is open */
	bool exact;			/* set capacity (true) or raise the minimum */
};

/* Fill a schedule from its cron expression; 0 or -EINVAL with err. */
int xlb_schedule_set(struct xlb_schedule *s, const char *expr, unsigned duration_s,
		     unsigned capacity, bool exact, char *err, size_t errlen);

struct xlb_policy_cfg {
	unsigned min;			/* >= 0; default 1 */
	unsigned max;			/* >= min, > 0; default 40 */
	int tz_offset_s;		/* cron time zone, seconds east of UTC */
	bool tz_local;			/* cron in local time (TZ), offset per evaluation */

	struct xlb_demand_cfg {
		bool enabled;		/* default true */
		double target;		/* load per backend to aim for; 0: no tracking */
		double tolerance;	/* 0.1 */
		double high, low;	/* per-backend load thresholds; 0: off */
		unsigned window_s;	/* scale-down stabilisation, 300 */
		unsigned step_up;	/* max backends added per decision, 0 = any */
		unsigned step_down;	/* max backends removed per decision, 0 = any */
		unsigned load_window_s;	/* average load over this (0: as given), 0 */
	} demand;

	struct xlb_time_cfg {
		bool enabled;
		unsigned n;
		struct xlb_schedule sched[XLB_POLICY_MAX_SCHEDULES];
	} time;

	struct xlb_predictive_cfg {
		bool enabled;
		unsigned season_s;	/* 86400 */
		unsigned horizon_s;	/* provisioning lead time, 60 */
		unsigned window_s;	/* forecast covers [h, h + window], 600 */
		unsigned bucket_s;	/* history resolution, 60 (divides season_s) */
		unsigned history_s;	/* history kept, 7 days (>= season_s) */
		unsigned min_history_s;	/* forecast only with this much, = season_s */
		unsigned seasons;	/* past seasons consulted, 7 */
		unsigned short_s;	/* short window for bucket peaks, 10 */
		unsigned level_s;	/* level-ratio window, 1800 */
		double level_max;	/* cap on the level ratio, 2.0 */
		unsigned peak_s;	/* recent-peak window, 900 */
		double peak_weight;	/* recent-peak multiplier, 1.0 */
		double season_weight;	/* weight of the seasonal peak term, 1.0 */
		double noise_z;		/* burst margin on the mean forecast, 0 */
		double headroom;	/* forecast multiplier, 1.0 */
		double target;		/* load per backend; 0: demand.target */
		/* Extensions (defaults keep the behaviour above): */
		double season_q;	/* quantile over the daily lags, 1 = max */
		unsigned week_seasons;	/* past weeks consulted (weekly season), 0 */
		double week_q;		/* quantile over the weekly lags, 0.5 */
		unsigned trend_s;	/* rise detector window, 0: off */
		double trend_z;		/* rise must exceed z Poisson sd, 3 */
		double trend_max;	/* trend forecast <= this x recent level, 2 */
		double trend_weight;	/* extrapolate over weight x horizon, 1 */
	} predictive;
};

/* Defaults as documented above (demand enabled without a target: the caller
 * must set demand.target or thresholds). */
void xlb_policy_cfg_init(struct xlb_policy_cfg *cfg);
/*
 * The tuning tools/xlb-sim measured (tools/xlb-sim/RESULTS.md: chosen on the
 * train half of the NASA and synthetic traces, one set for both), so xlbd
 * and the simulator start from one table: xlb_policy_cfg_init() plus
 * demand (stabilisation 60 s, load averaged over 10 s) and predictive
 * (mean term with a 3-sd margin, seasonal peak and recent-peak terms off,
 * daily quantile 0.75 over 7 days, 3 weekly lags at the median, trend over
 * 30 s at 5 sd) settings. Enabled flags stay as cfg_init sets them
 * (predictive off). capacity: the load one backend serves when saturated;
 * > 0 sets demand.target and predictive.target to XLB_POLICY_*_UTIL x
 * capacity, 0 leaves them 0 for the caller. history_s is
 * xlb_policy_history_needed() of the result (22 days).
 */
#define XLB_POLICY_DEMAND_UTIL	0.85	/* demand target / backend capacity */
#define XLB_POLICY_PRED_UTIL	0.85	/* predictive target / backend capacity */
void xlb_policy_cfg_recommended(struct xlb_policy_cfg *cfg, double capacity);
/* History the lags of pc need: seasons + 1 seasons, and with week_seasons
 * that many weeks plus one season (the level ratio looks back before the
 * oldest lag), in seconds. */
unsigned xlb_policy_history_needed(const struct xlb_predictive_cfg *pc);
/* Check a configuration without creating anything: 0 or -EINVAL with err. */
int xlb_policy_cfg_check(const struct xlb_policy_cfg *cfg, char *err, size_t errlen);

/* ---- Decisions ----------------------------------------------------------------- */

enum xlb_policy_kind {
	XLB_POLICY_NONE,	/* bounds only */
	XLB_POLICY_DEMAND,
	XLB_POLICY_TIME,
	XLB_POLICY_PREDICTIVE,
	XLB_POLICY_KIND_MAX,
};

/* Why desired has its value (name tables are built from this list). */
#define XLB_REASON_LIST(X)						\
	X(HOLD,		"hold")		/* unchanged: within tolerance/band */ \
	X(DEMAND,	"demand")	/* target tracking */		\
	X(THRESHOLD,	"threshold")	/* high/low threshold */	\
	X(SCHEDULE,	"schedule")	/* a time window */		\
	X(FORECAST,	"forecast")	/* predictive */		\
	X(STABILIZE,	"stabilize")	/* scale-down held by the window */ \
	X(STEP_LIMIT,	"step_limit")	/* change cut to step_up/down */ \
	X(MIN,		"min")		/* raised to min */		\
	X(MAX,		"max")		/* cut to max */

enum xlb_reason {
#define XLB_REASON_ENUM(n, s) XLB_REASON_##n,
	XLB_REASON_LIST(XLB_REASON_ENUM)
#undef XLB_REASON_ENUM
	XLB_REASON_NR,
};

struct xlb_decision {
	unsigned desired;		/* total backends wanted (active + booting) */
	int delta;			/* desired - (active + booting) */
	unsigned demand;		/* per-policy recommendations, 0: disabled */
	unsigned time;			/* 0: no window open */
	unsigned predictive;		/* the forecast in backends (or fallback) */
	double load;			/* load used (after load_window_s) */
	double forecast;		/* predicted load, < 0: no forecast yet */
	enum xlb_policy_kind policy;	/* the policy that set desired */
	enum xlb_reason reason;
	char reason_text[XLB_REASON_TEXT_MAX];	/* "demand: load 5230/s / target 2000 = 2.6 -> 3" */
};

const char *xlb_reason_name(enum xlb_reason r);
const char *xlb_policy_kind_name(enum xlb_policy_kind k);

/* ---- Engine -------------------------------------------------------------------- */

struct xlb_policy;

/* Copies cfg (checked as xlb_policy_cfg_check). NULL with err on failure. */
struct xlb_policy *xlb_policy_new(const struct xlb_policy_cfg *cfg, char *err, size_t errlen);
void xlb_policy_free(struct xlb_policy *p);
const struct xlb_policy_cfg *xlb_policy_cfg(const struct xlb_policy *p);

/* One decision. now: monotonic seconds (windows); wall: unix seconds (cron,
 * history); load: see contract; active, booting: the pool as the caller
 * sees it. Always fills out; returns 0, or -EINVAL for a NULL argument, a
 * time that is not finite or a load that is negative or not finite (the
 * load is then ignored and the previous decision's desired is repeated). */
int xlb_policy_step(struct xlb_policy *p, double now, double wall, double load,
		    unsigned active, unsigned booting, struct xlb_decision *out);

/* Record load history without deciding (e.g. replaying a log at start);
 * now is both clocks (unix seconds). */
void xlb_policy_observe(struct xlb_policy *p, double now, double load);

/* Seconds of usable history the forecaster has. */
double xlb_policy_history_seconds(const struct xlb_policy *p);

/* Keep history across a reload: copy src's history into dst if both use
 * the same bucket_s (0, or -EINVAL otherwise; dst keeps its own then). */
int xlb_policy_adopt_history(struct xlb_policy *dst, const struct xlb_policy *src);

/* History as text ("xlb-policy-history 1 <bucket_s> <first bucket time>"
 * then one "mean peak" line per bucket; "-" for a bucket with no data).
 * Save returns 0 or -EIO. Load replaces the history, drops buckets older
 * than history_s relative to the newest, and returns 0 or -EINVAL (bad
 * format; err names the line) / -ERANGE (bucket size differs). */
int xlb_policy_history_save(const struct xlb_policy *p, FILE *f);
int xlb_policy_history_load(struct xlb_policy *p, FILE *f, char *err, size_t errlen);

#endif /* XLB_POLICY_H */
