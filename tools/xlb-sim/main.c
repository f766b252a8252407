// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlb-sim: replay a load trace (one rate per second) against a pool model
 * and compare xlb's policies (libxlbpolicy, the engine xlbd runs) with the
 * baselines of issue 7: HPA, a threshold rule and static peak provisioning.
 */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "sim.h"

#define NASA_FILE	"nasa-http-1995-rps.tbz2"

/* The NASA trace is not in the repository: $XLB_TRACES, else the
 * developers' shared folder beside the checkout (../shared/traces seen from
 * the checkout or from build/). NULL when none exists. */
static const char *nasa_default(void)
{
	static char path[4096];
	const char *env = getenv("XLB_TRACES");
	const char *dirs[] = { env, "../shared/traces", "../../shared/traces" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirs[i], NASA_FILE);
		if (access(path, R_OK) == 0)
			return path;
	}
	return NULL;
}

/* xlb's tunables, in units of the pool model (fractions of capacity). */
struct params {
	double interval;	/* decision interval, s */
	double d_util;		/* demand target = d_util x capacity */
	double d_tol;
	double d_window;	/* scale-down stabilisation, s */
	double d_load;		/* load averaging window, s */
	double p_util;		/* predictive target = p_util x capacity */
	double p_window;	/* forecast window beyond the lead time, s */
	double p_seasons;
	double p_peak_s;
	double p_peak_w;
	double p_level_s;
	double p_level_max;
	double p_headroom;
	double p_short;
	double p_season_w;
	double p_noise_z;
	double d_on;		/* demand policy in the combined row */
	double t_util;		/* time schedules: capacity = peak of train sales / t_util */
	double p_season_q;
	double p_weeks;
	double p_week_q;
	double p_trend_s;
	double p_trend_z;
	double p_trend_max;
	double p_trend_w;
};

static const struct {
	const char *name;
	size_t off;
	const char *help;
} param_names[] = {
#define P(n, f, h) { n, offsetof(struct params, f), h }
	P("interval", interval, "decision interval (s)"),
	P("demand.util", d_util, "demand target as a fraction of capacity"),
	P("demand.tolerance", d_tol, "tolerance band"),
	P("demand.window", d_window, "scale-down stabilisation window (s)"),
	P("demand.load_window", d_load, "load averaging window (s)"),
	P("pred.util", p_util, "predictive target as a fraction of capacity"),
	P("pred.window", p_window, "forecast window after the lead time (s)"),
	P("pred.seasons", p_seasons, "past days consulted"),
	P("pred.peak_s", p_peak_s, "recent-peak window (s)"),
	P("pred.peak_weight", p_peak_w, "recent-peak weight"),
	P("pred.level_s", p_level_s, "level-ratio window (s)"),
	P("pred.level_max", p_level_max, "level-ratio cap"),
	P("pred.headroom", p_headroom, "forecast multiplier"),
	P("pred.short", p_short, "short window for peaks (s)"),
	P("pred.season_weight", p_season_w, "weight of the seasonal peak term"),
	P("pred.noise_z", p_noise_z, "burst margin (Poisson standard deviations)"),
	P("demand.on", d_on, "combined row includes demand (1) or not (0)"),
	P("time.util", t_util, "schedule capacity = train sale peak / this"),
	P("pred.season_q", p_season_q, "quantile over the daily lags (1 = max)"),
	P("pred.weeks", p_weeks, "past weeks consulted (weekly season), 0: off"),
	P("pred.week_q", p_week_q, "quantile over the weekly lags"),
	P("pred.trend_s", p_trend_s, "rise detector window (s), 0: off"),
	P("pred.trend_z", p_trend_z, "rise must exceed this many Poisson sd"),
	P("pred.trend_max", p_trend_max, "trend forecast cap, x recent level"),
	P("pred.trend_weight", p_trend_w, "extrapolate over weight x lead time"),
#undef P
};

/* The recommended tuning (user/policy: xlb_policy_cfg_recommended(), the one
 * table xlbd starts from too), chosen on the first half (--split train) of
 * both traces, leads 60 and 180 s (tools/xlb-sim/RESULTS.md lists the grid):
 * among the sets whose cost stayed <= 1.08 x HPA in all four train runs,
 * the lowest worst-case overload ratio, ties broken by the mean ratio. With
 * capacity 1 the targets read as the utilisations. */
static void params_default(struct params *p)
{
	struct xlb_policy_cfg r;
	const struct xlb_predictive_cfg *pc = &r.predictive;

	xlb_policy_cfg_recommended(&r, 1);
	p->interval = 1;
	p->d_util = r.demand.target;
	p->d_tol = r.demand.tolerance;
	p->d_window = r.demand.window_s;
	p->d_load = r.demand.load_window_s;
	p->p_util = pc->target;
	p->p_window = pc->window_s;
	p->p_seasons = pc->seasons;
	p->p_peak_s = pc->peak_s;
	p->p_peak_w = pc->peak_weight;
	p->p_level_s = pc->level_s;
	p->p_level_max = pc->level_max;
	p->p_headroom = pc->headroom;
	p->p_short = pc->short_s;
	p->t_util = 0.8;
	p->p_season_w = pc->season_weight;
	p->p_noise_z = pc->noise_z;
	p->d_on = 1;
	p->p_season_q = pc->season_q;
	p->p_weeks = pc->week_seasons;
	p->p_week_q = pc->week_q;
	p->p_trend_s = pc->trend_s;
	p->p_trend_z = pc->trend_z;
	p->p_trend_max = pc->trend_max;
	p->p_trend_w = pc->trend_weight;
}

static int params_set(struct params *p, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *end;
	double v;

	if (!eq)
		return -EINVAL;
	v = strtod(eq + 1, &end);
	if (*end || !isfinite(v) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++) {
		if (strlen(param_names[i].name) == (size_t)(eq - kv) &&
		    !strncmp(param_names[i].name, kv, eq - kv)) {
			*(double *)((char *)p + param_names[i].off) = v;
			return 0;
		}
	}
	return -ENOENT;
}

enum row_kind { ROW_STATIC, ROW_THRESHOLD, ROW_HPA, ROW_DEMAND, ROW_PRED, ROW_COMBINED, ROW_NR };

static const char *const row_names[ROW_NR] = {
	"static-peak", "threshold", "hpa", "xlb-demand", "xlb-predictive", "xlb-combined",
};

struct opts {
	const char *trace_file;
	const char *nasa;
	bool synthetic;
	struct xlb_sim_synth_cfg synth;
	unsigned leads[4], nleads;
	long warmup;
	const char *split;
	const char *csv_dir;
	const char *png;
	double capacity;
	unsigned min, max, drain;
	struct params prm;
	bool has_sale;
	const char *rows;	/* comma-separated subset of row_names, NULL: all */
	bool episodes;		/* list overload episodes on stderr */
	char cmdline[2048];
};

/* Time schedules for the synthetic trace's announced flash sales: open the
 * window a lead time early; capacity from the sales seen in [0, train_end). */
static void add_sale_schedule(const struct opts *o, const struct xlb_sim_trace *tr,
			      struct xlb_policy_cfg *cfg, double cap, unsigned lead,
			      size_t train_end)
{
	unsigned start = ((o->synth.sale_dow + 6) % 7) * 86400 + o->synth.sale_hour * 3600;
	unsigned early = (lead + 59) / 60 + 1;
	double peak = 0;
	char expr[64];
	int minute, hour, dow;

	for (size_t w = start; w + o->synth.sale_s <= train_end; w += 7 * 86400) {
		double sum = 0;

		for (size_t i = w; i < w + o->synth.sale_s && i < tr->n; i++) {
			sum += tr->rps[i];
			if (i >= w + 10)
				sum -= tr->rps[i - 10];
			if (sum / 10 > peak)
				peak = sum / 10;
		}
	}
	if (peak <= 0)
		return;
	/* minute `early` before the sale, possibly the previous day */
	minute = (int)(o->synth.sale_hour * 60) - (int)early;
	dow = (int)o->synth.sale_dow;
	if (minute < 0) {
		minute += 1440;
		dow = (dow + 6) % 7;
	}
	hour = minute / 60;
	minute %= 60;
	snprintf(expr, sizeof(expr), "%d %d * * %d", minute, hour, dow);
	if (xlb_schedule_set(&cfg->time.sched[0], expr, o->synth.sale_s + early * 60,
			     (unsigned)ceil(peak / (cap * o->prm.t_util)), false, NULL, 0))
		return;
	cfg->time.n = 1;
	cfg->time.enabled = true;
}

static void make_cfg(const struct opts *o, enum row_kind k, double cap, unsigned lead,
		     const struct xlb_sim_trace *tr, size_t train_end, struct xlb_sim_ctl *ctl)
{
	const struct params *p = &o->prm;
	struct xlb_policy_cfg *c = &ctl->policy;

	memset(ctl, 0, sizeof(*ctl));
	xlb_policy_cfg_init(c);
	c->min = o->min;
	c->max = o->max;
	ctl->interval_s = (unsigned)p->interval;
	switch (k) {
	case ROW_STATIC:
		ctl->kind = XLB_SIM_STATIC;
		ctl->static_n = (unsigned)ceil(xlb_sim_peak_mean(tr, 60) / cap - 1e-9);
		break;
	case ROW_HPA:
		ctl->kind = XLB_SIM_HPA;
		ctl->interval_s = 15;
		ctl->hpa.target = 0.7;
		ctl->hpa.tolerance = 0.1;
		ctl->hpa.window_s = 300;
		break;
	case ROW_THRESHOLD:
		/* the engine's threshold mode: every 5 s, >80% +1, <40% -1 */
		ctl->kind = XLB_SIM_POLICY;
		ctl->interval_s = 5;
		c->demand.high = 0.8 * cap;
		c->demand.low = 0.4 * cap;
		c->demand.step_up = 1;
		c->demand.step_down = 1;
		c->demand.window_s = 0;
		break;
	case ROW_DEMAND:
	case ROW_PRED:
	case ROW_COMBINED:
		ctl->kind = XLB_SIM_POLICY;
		c->demand.enabled = k == ROW_DEMAND || (k == ROW_COMBINED && p->d_on > 0);
		c->demand.target = p->d_util * cap;
		c->demand.tolerance = p->d_tol;
		c->demand.window_s = (unsigned)p->d_window;
		c->demand.load_window_s = (unsigned)p->d_load;
		if (k == ROW_DEMAND)
			break;
		c->predictive.enabled = true;
		c->predictive.horizon_s = lead;
		c->predictive.window_s = (unsigned)p->p_window;
		c->predictive.seasons = (unsigned)p->p_seasons;
		c->predictive.season_q = p->p_season_q;
		c->predictive.week_seasons = (unsigned)p->p_weeks;
		c->predictive.history_s = xlb_policy_history_needed(&c->predictive);
		c->predictive.week_q = p->p_week_q;
		c->predictive.trend_s = (unsigned)p->p_trend_s;
		c->predictive.trend_z = p->p_trend_z;
		c->predictive.trend_max = p->p_trend_max;
		c->predictive.trend_weight = p->p_trend_w;
		c->predictive.peak_s = (unsigned)p->p_peak_s;
		c->predictive.peak_weight = p->p_peak_w;
		c->predictive.level_s = (unsigned)p->p_level_s;
		c->predictive.level_max = p->p_level_max;
		c->predictive.headroom = p->p_headroom;
		c->predictive.season_weight = p->p_season_w;
		c->predictive.noise_z = p->p_noise_z;
		c->predictive.short_s = (unsigned)p->p_short;
		c->predictive.target = p->p_util * cap;
		if (k == ROW_COMBINED && o->has_sale)
			add_sale_schedule(o, tr, c, cap, lead, train_end);
		break;
	default:
		break;
	}
}

static bool row_wanted(const struct opts *o, int k)
{
	size_t n = strlen(row_names[k]);
	const char *s = o->rows;

	if (!s || k == ROW_HPA)
		return true;	/* HPA is the reference of the ratio columns */
	while ((s = strstr(s, row_names[k]))) {
		if ((s == o->rows || s[-1] == ',') && (s[n] == ',' || s[n] == '\0'))
			return true;
		s += n;
	}
	return false;
}

/* ---- overload episodes (--episodes): where a policy loses, for tuning ------------ */

struct episodes {
	const char *row;
	const struct xlb_sim_trace *tr;
	size_t from;
	double capacity;
	double wl, wc, peak;	/* current 10-s window: load, capacity; its peak second */
	size_t wn;
	size_t ep_start, ep_end;	/* current episode [start, end), 0: none */
	double ep_over, ep_peak, ep_cap;
	unsigned ep_n;
};

static void episode_flush(struct episodes *e)
{
	int64_t t;
	long day;

	if (!e->ep_n)
		return;
	t = e->tr->t0 + e->tr->tz_offset_s + (int64_t)e->ep_start;
	day = (long)((t / 86400 + 4) % 7);	/* 0 = Sunday */
	fprintf(stderr, "episode %-14s t=%-8zu %s %02lld:%02lld windows %-3u %5zu s peak %.4g "
		"cap %.4g x%.2f excess %.0f\n", e->row, e->ep_start,
		(const char *[]){ "sun", "mon", "tue", "wed", "thu", "fri", "sat" }[day],
		(long long)(t % 86400 / 3600), (long long)(t % 3600 / 60), e->ep_n,
		e->ep_end - e->ep_start, e->ep_peak, e->ep_cap,
		e->ep_cap > 0 ? e->ep_peak / e->ep_cap : 0, e->ep_over);
	e->ep_n = 0;
}

static void episode_sample(void *ctx, size_t t, double load, unsigned active,
			   unsigned booting, unsigned desired)
{
	struct episodes *e = ctx;
	double cap = active * e->capacity;

	(void)booting;
	(void)desired;
	if (t < e->from)
		return;
	e->wl += load;
	e->wc += cap;
	if (load > e->peak)
		e->peak = load;
	if (++e->wn < 10)
		return;
	if (e->wl > e->wc + 1e-9) {
		size_t ws = t + 1 - 10;

		if (e->ep_n && ws > e->ep_end + 120)
			episode_flush(e);
		if (!e->ep_n) {
			e->ep_start = ws;
			e->ep_over = 0;
			e->ep_peak = 0;
			e->ep_cap = cap;
		}
		e->ep_n++;
		e->ep_end = t + 1;
		e->ep_over += e->wl - e->wc;
		if (e->wl / 10 > e->ep_peak) {
			e->ep_peak = e->wl / 10;
			e->ep_cap = e->wc / 10;
		}
	}
	e->wl = e->wc = e->peak = 0;
	e->wn = 0;
}

/* ---- per-minute series for CSV and chart ---------------------------------------- */

struct series {
	size_t n;
	double *load, *cap, *desired;
	unsigned *active, *booting;
	double capacity;
};

static void sample(void *ctx, size_t t, double load, unsigned active, unsigned booting,
		   unsigned desired)
{
	struct series *s = ctx;
	size_t m = t / 60;

	if (m >= s->n)
		return;
	s->load[m] += load / 60;
	s->cap[m] += active * s->capacity / 60;
	s->desired[m] += desired / 60.0;
	if (t % 60 == 59) {
		s->active[m] = active;
		s->booting[m] = booting;
	}
}

static int series_init(struct series *s, size_t secs, double capacity)
{
	s->n = secs / 60 + 1;
	s->capacity = capacity;
	s->load = calloc(s->n, sizeof(double));
	s->cap = calloc(s->n, sizeof(double));
	s->desired = calloc(s->n, sizeof(double));
	s->active = calloc(s->n, sizeof(unsigned));
	s->booting = calloc(s->n, sizeof(unsigned));
	return s->load && s->cap && s->desired && s->active && s->booting ? 0 : -ENOMEM;
}

static void series_free(struct series *s)
{
	free(s->load);
	free(s->cap);
	free(s->desired);
	free(s->active);
	free(s->booting);
}

static int write_csv(const char *path, const struct series *s, const struct xlb_sim_trace *tr,
		     size_t from, size_t to)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "unix_time,second,load_rps,capacity_rps,active,booting,desired\n");
	for (size_t m = from / 60; m < to / 60 && m < s->n; m++)
		fprintf(f, "%lld,%zu,%.4f,%.4f,%u,%u,%.2f\n", (long long)(tr->t0 + m * 60),
			m * 60, s->load[m], s->cap[m], s->active[m], s->booting[m],
			s->desired[m]);
	return fclose(f) ? -errno : 0;
}

/* ---- the table -------------------------------------------------------------------- */

struct row {
	struct xlb_sim_result r;
	bool ok;
};

static void print_table(const char *title, const struct row *rows, FILE *out)
{
	const struct xlb_sim_result *h = &rows[ROW_HPA].r;

	fprintf(out, "%s\n", title);
	fprintf(out, "%-15s %12s %12s %10s %11s %7s %9s %9s\n", "policy", "overload-s",
		"overload-s", "over-cap", "backend-h", "scale", "overload", "cost");
	fprintf(out, "%-15s %12s %12s %10s %11s %7s %9s %9s\n", "", "(10-s win)", "(per s)",
		"requests", "", "events", "vs HPA", "vs HPA");
	for (int k = 0; k < ROW_NR; k++) {
		const struct xlb_sim_result *r = &rows[k].r;

		if (!rows[k].ok)
			continue;
		fprintf(out, "%-15s %12.0f %12.0f %9.3f%% %11.0f %7u %9.2f %9.2f\n", row_names[k],
			r->overload10_s, r->overload1_s,
			r->offered > 0 ? 100 * r->excess / r->offered : 0, r->backend_s / 3600,
			r->events, h->overload10_s > 0 ? r->overload10_s / h->overload10_s : 0,
			h->backend_s > 0 ? r->backend_s / h->backend_s : 0);
	}
}

static void chart(const struct opts *o, const char *png, struct series *ser, size_t from,
		  size_t to, const struct xlb_sim_trace *tr, unsigned lead)
{
	char dat[] = "/tmp/xlb-sim-XXXXXX";
	size_t a, b;
	FILE *f, *g;
	int fd;

	/* two days from the middle of the reported span: readable at a glance */
	a = (from + to) / 2 / 60;
	b = a + 2 * 1440;
	if (b > to / 60)
		b = to / 60;
	fd = mkstemp(dat);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	if (!f)
		return;
	for (size_t m = a; m < b; m++)
		fprintf(f, "%.3f %.4f %.4f %.4f\n", (m * 60.0 - a * 60.0) / 3600, ser[0].load[m],
			ser[0].cap[m], ser[1].cap[m]);
	fclose(f);
	g = popen("gnuplot", "w");
	if (!g) {
		unlink(dat);
		return;
	}
	fprintf(g, "set terminal pngcairo size 1200,500 noenhanced\nset output '%s'\n"
		   "set title 'xlb-sim: %s, lead %u s: load and serving capacity'\n"
		   "set xlabel 'hours'\nset ylabel 'requests/s (1-min mean)'\nset key top left\n"
		   "plot '%s' u 1:2 w l lc rgb '#999999' t 'offered load', "
		   "'' u 1:3 w l lw 2 lc rgb '#d62728' t 'HPA capacity', "
		   "'' u 1:4 w l lw 2 lc rgb '#1f77b4' t 'xlb-combined capacity'\n",
		png, o->nasa ? "NASA 1995" : o->synthetic ? "synthetic e-commerce" : o->trace_file,
		lead, dat);
	pclose(g);
	unlink(dat);
	(void)tr;
}

static int load_trace(const struct opts *o, struct xlb_sim_trace *tr)
{
	int ret;

	if (o->synthetic)
		return xlb_sim_synthetic(&o->synth, tr);
	if (o->nasa) {
		char cmd[1200];
		FILE *p;

		/* stream the archive's member: nothing lands on disk */
		snprintf(cmd, sizeof(cmd), "tar -xjOf '%s' workload.txt", o->nasa);
		p = popen(cmd, "r");
		if (!p)
			return -errno;
		ret = xlb_sim_trace_read(p, tr);
		if (pclose(p) != 0 && !ret) {
			xlb_sim_trace_free(tr);
			ret = -EIO;
		}
		/* 1 July 1995 00:00 in Florida (EDT, UTC-4) */
		tr->t0 = 804571200;
		tr->tz_offset_s = -4 * 3600;
		return ret;
	} else {
		FILE *f = strcmp(o->trace_file, "-") ? fopen(o->trace_file, "r") : stdin;

		if (!f)
			return -errno;
		ret = xlb_sim_trace_read(f, tr);
		if (f != stdin)
			fclose(f);
		tr->t0 = 0;
		return ret;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xlb-sim { --trace FILE | --nasa [FILE.tbz2] | --synthetic | --synthetic-v1 }\n"
		"               [OPTIONS]\n"
		"  --synthetic-v1     the first generator: weekly sale and step bursts only\n"
		"  --lead S[,S]       provisioning lead time(s), default 60\n"
		"  --warmup S         seconds before counting (split all/train), default 172800\n"
		"  --split P          train (first half) | test (second half, default) | all\n"
		"  --capacity X       requests/s per backend (default: peak 1-min mean / 16)\n"
		"  --min N --max N    pool bounds (1, 40); --drain S: paid drain time (0)\n"
		"  --seed N --days N  synthetic trace\n"
		"  --csv DIR          per-run CSVs (per minute) and summary.csv\n"
		"  --png FILE         chart of load and capacity (gnuplot)\n"
		"  --rows LIST        policies to run (comma-separated; hpa always runs)\n"
		"  --episodes         list each policy's overload episodes on stderr\n"
		"  --set NAME=VALUE   xlb tunable; --params lists them\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "trace", required_argument, NULL, 't' }, { "nasa", optional_argument, NULL, 'n' },
		{ "synthetic", no_argument, NULL, 'S' },   { "synthetic-v1", no_argument, NULL, 'V' },   { "lead", required_argument, NULL, 'l' },
		{ "warmup", required_argument, NULL, 'w' }, { "split", required_argument, NULL, 's' },
		{ "csv", required_argument, NULL, 'c' },   { "png", required_argument, NULL, 'p' },
		{ "capacity", required_argument, NULL, 'C' }, { "min", required_argument, NULL, 'm' },
		{ "max", required_argument, NULL, 'M' },   { "drain", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'e' },  { "days", required_argument, NULL, 'D' },
		{ "set", required_argument, NULL, 'x' },   { "params", no_argument, NULL, 'P' },
		{ "rows", required_argument, NULL, 'r' },
		{ "episodes", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
	};
	struct opts o = { .warmup = 172800, .split = "test", .min = 1, .max = 40 };
	struct xlb_sim_trace tr;
	size_t len = 0;
	int c, ret;

	xlb_sim_synth_cfg_init(&o.synth);
	params_default(&o.prm);
	for (int i = 0; i < argc; i++)
		len += snprintf(o.cmdline + len, len < sizeof(o.cmdline) ? sizeof(o.cmdline) - len : 0,
				"%s%s", i ? " " : "", argv[i]);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 't': o.trace_file = optarg; break;
		case 'n':
			o.nasa = optarg ? optarg : nasa_default();
			if (!o.nasa) {
				fprintf(stderr, "Error: --nasa: %s not found in $XLB_TRACES or "
					"../shared/traces; give its path: --nasa FILE\n", NASA_FILE);
				return 2;
			}
			break;
		case 'S': o.synthetic = true; break;
		case 'V':
			o.synthetic = true;
			xlb_sim_synth_cfg_init_v1(&o.synth);
			break;
		case 'l': {
			char *s = optarg, *end;

			o.nleads = 0;
			while (*s && o.nleads < 4) {
				o.leads[o.nleads++] = (unsigned)strtoul(s, &end, 10);
				if (end == s)
					goto bad;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 'w': o.warmup = atol(optarg); break;
		case 's': o.split = optarg; break;
		case 'c': o.csv_dir = optarg; break;
		case 'r': o.rows = optarg; break;
		case 'E': o.episodes = true; break;
		case 'p': o.png = optarg; break;
		case 'C': o.capacity = atof(optarg); break;
		case 'm': o.min = (unsigned)atoi(optarg); break;
		case 'M': o.max = (unsigned)atoi(optarg); break;
		case 'd': o.drain = (unsigned)atoi(optarg); break;
		case 'e': o.synth.seed = strtoull(optarg, NULL, 0); break;
		case 'D': o.synth.days = (unsigned)atoi(optarg); break;
		case 'x':
			if (params_set(&o.prm, optarg)) {
				fprintf(stderr, "Error: --set %s: unknown name or bad value\n", optarg);
				return 2;
			}
			break;
		case 'P':
			for (size_t i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++)
				printf("%-20s %g\t%s\n", param_names[i].name,
				       *(double *)((char *)&o.prm + param_names[i].off),
				       param_names[i].help);
			return 0;
		case 'h': usage(stdout); return 0;
		default: goto bad;
		}
	}
	if (optind != argc || (!!o.trace_file + !!o.nasa + o.synthetic) != 1)
		goto bad;
	if (strcmp(o.split, "train") && strcmp(o.split, "test") && strcmp(o.split, "all"))
		goto bad;
	if (!o.nleads)
		o.leads[o.nleads++] = 60;
	o.has_sale = o.synthetic;

	ret = load_trace(&o, &tr);
	if (ret) {
		fprintf(stderr, "Error: cannot read the trace: %s\n", strerror(-ret));
		return 1;
	}
	{
		double peak = xlb_sim_peak_mean(&tr, 60);
		double cap = o.capacity > 0 ? o.capacity : peak / 16;
		size_t half = tr.n / 2, from, to;
		struct xlb_sim_pool pool = { cap, 0, o.drain, o.min, o.max };
		FILE *sum = NULL;

		if (!strcmp(o.split, "train")) {
			from = (size_t)o.warmup;
			to = half;
		} else if (!strcmp(o.split, "test")) {
			from = half;
			to = tr.n;
		} else {
			from = (size_t)o.warmup;
			to = tr.n;
		}
		if (from >= to) {
			fprintf(stderr, "Error: the warm-up covers the whole split\n");
			return 1;
		}
		if (o.csv_dir) {
			char path[1024];

			mkdir(o.csv_dir, 0755);
			snprintf(path, sizeof(path), "%s/summary.csv", o.csv_dir);
			sum = fopen(path, "w");
			if (sum)
				fprintf(sum, "trace,lead_s,policy,overload10_s,overload1_s,"
					     "overcap_share,backend_h,scale_events\n");
		}
		for (unsigned li = 0; li < o.nleads; li++) {
			struct row rows[ROW_NR] = { 0 };
			struct series ser[2] = { 0 };
			char title[512];
			const char *tname = o.nasa ? "nasa" : o.synthetic ? "synthetic" : "trace";

			pool.lead_s = o.leads[li];
			if (o.png && (series_init(&ser[0], tr.n, cap) || series_init(&ser[1], tr.n, cap)))
				return 1;
			for (int k = 0; k < ROW_NR; k++) {
				struct xlb_sim_ctl ctl;
				struct series one = { 0 }, *s = NULL;

				if (!row_wanted(&o, k))
					continue;
				make_cfg(&o, k, cap, pool.lead_s, &tr, half, &ctl);
				if (o.png && k == ROW_HPA)
					s = &ser[0];
				else if (o.png && k == ROW_COMBINED)
					s = &ser[1];
				else if (o.csv_dir) {
					if (series_init(&one, tr.n, cap))
						return 1;
					s = &one;
				}
				if (o.episodes) {
					struct episodes e = { .row = row_names[k], .tr = &tr,
							      .from = from, .capacity = cap };

					ret = xlb_sim_run(&tr, &pool, &ctl, from, to, &rows[k].r,
							  episode_sample, &e);
					episode_flush(&e);
				} else {
					ret = xlb_sim_run(&tr, &pool, &ctl, from, to, &rows[k].r,
							  s ? sample : NULL, s);
				}
				rows[k].ok = !ret;
				if (ret)
					fprintf(stderr, "Error: %s: %s\n", row_names[k], strerror(-ret));
				if (o.csv_dir && s) {
					char path[1024];

					snprintf(path, sizeof(path), "%s/%s-lead%u-%s.csv", o.csv_dir,
						 tname, pool.lead_s, row_names[k]);
					if (write_csv(path, s, &tr, from, to))
						fprintf(stderr, "Error: cannot write %s\n", path);
				}
				series_free(&one);
			}
			snprintf(title, sizeof(title),
				 "xlb-sim: %s, %zu s, capacity %.4g req/s per backend (peak 1-min "
				 "mean %.4g / 16), lead %u s, min %u, max %u, drain %u s\n"
				 "counted over %s [%zu, %zu) = %.1f days",
				 tname, tr.n, cap, peak, pool.lead_s, o.min, o.max, o.drain, o.split,
				 from, to, (to - from) / 86400.0);
			print_table(title, rows, stdout);
			if (sum)
				for (int k = 0; k < ROW_NR; k++)
					fprintf(sum, "%s,%u,%s,%.0f,%.0f,%.6f,%.1f,%u\n", tname,
						pool.lead_s, row_names[k], rows[k].r.overload10_s,
						rows[k].r.overload1_s,
						rows[k].r.offered > 0 ? rows[k].r.excess / rows[k].r.offered : 0,
						rows[k].r.backend_s / 3600, rows[k].r.events);
			if (o.png) {
				char png[1024];

				if (o.nleads > 1) {
					const char *dot = strrchr(o.png, '.');
					int base = dot ? (int)(dot - o.png) : (int)strlen(o.png);

					snprintf(png, sizeof(png), "%.*s-lead%u%s", base, o.png,
						 pool.lead_s, dot ? dot : ".png");
				} else {
					snprintf(png, sizeof(png), "%s", o.png);
				}
				chart(&o, png, ser, from, to, &tr, pool.lead_s);
				printf("chart: %s\n", png);
			}
			series_free(&ser[0]);
			series_free(&ser[1]);
			printf("\n");
		}
		if (sum)
			fclose(sum);
		printf("reproduce: %s\n", o.cmdline);
	}
	xlb_sim_trace_free(&tr);
	return 0;
bad:
	usage(stderr);
	return 2;
}
