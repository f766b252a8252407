// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl stats: counters (show) and rates (watch). Counters are per CPU in
 * the maps; libxlb sums them. A snapshot is fetched first, then rendered.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lbctl.h"

static const char stats_help[] =
	"Usage: lbctl stats show [VIP]\n"
	"       lbctl stats watch [VIP] [interval SECONDS] [count N]\n"
	"       lbctl stats help\n"
	"\n"
	"VIP := { tcp | udp } ADDR:PORT    (IPv6 in brackets: tcp [fd00::10]:443)\n"
	"show: packets, bytes, new flows (and drops) per VIP and per backend, summed\n"
	"      over CPUs, plus the global counter of every reason.\n"
	"watch: rates (packets/s, bit/s, new flows/s) every SECONDS (default 1),\n"
	"      refreshed in place; stops after N refreshes or on Ctrl-C. With -j it\n"
	"      prints one JSON object per line per interval (not one document).\n";

enum stat_kind { KIND_PASS, KIND_DROP, KIND_TX, KIND_REDIRECT, KIND_EVENT };

static const struct {
	const char *name;
	const char *desc;
	enum stat_kind kind;
} stat_defs[XLB_STAT_MAX] = {
#define STAT_DEF(n, kind, str, desc) [XLB_STAT_##n] = { str, desc, KIND_##kind },
	XLB_STATS(STAT_DEF)
#undef STAT_DEF
};

struct be_snap {
	struct xlb_backend_info info;
	struct xlb_backend_stats st;
};

struct vip_snap {
	struct xlb_vip_info info;
	struct xlb_vip_stats st;
	struct be_snap *be;
	size_t n_be, cap_be;
};

struct snap {
	struct xlb_counter global[XLB_STAT_MAX];
	struct vip_snap *vips;
	size_t n_vips, cap_vips;
	struct timespec at;
};

static void snap_free(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->n_vips; i++)
		free(s->vips[i].be);
	free(s->vips);
	memset(s, 0, sizeof(*s));
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (*cap ? *cap * 2 : 8) * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = *cap ? *cap * 2 : 8;
	return 0;
}

static int collect_vip(const struct xlb_vip_info *v, void *ctx)
{
	struct snap *s = ctx;

	if (grow((void **)&s->vips, &s->cap_vips, s->n_vips, sizeof(*s->vips)))
		return -ENOMEM;
	memset(&s->vips[s->n_vips], 0, sizeof(s->vips[0]));
	s->vips[s->n_vips++].info = *v;
	return 0;
}

static int collect_be(const struct xlb_backend_info *b, void *ctx)
{
	struct vip_snap *v = ctx;

	if (grow((void **)&v->be, &v->cap_be, v->n_be, sizeof(*v->be)))
		return -ENOMEM;
	memset(&v->be[v->n_be], 0, sizeof(v->be[0]));
	v->be[v->n_be++].info = *b;
	return 0;
}

static int snap_fetch(struct lbctl_ctx *c, const struct lbctl_args *a, struct snap *s)
{
	struct xlb_vip_info one;
	size_t i, j;
	int err;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	err = xlb_stats_global(c->xlb, s->global);
	if (err)
		return lbctl_fail_xlb(c, err, "read global counters");
	if (a->have_vip) {
		err = xlb_vip_get(c->xlb, &a->vip, &one);
		if (!err)
			err = collect_vip(&one, s);
	} else {
		err = xlb_vip_foreach(c->xlb, collect_vip, s);
	}
	if (err)
		return lbctl_fail_xlb(c, err, "list VIPs");
	for (i = 0; i < s->n_vips; i++) {
		struct vip_snap *v = &s->vips[i];

		err = xlb_stats_vip(c->xlb, &v->info.key, &v->st);
		if (err)
			return lbctl_fail_xlb(c, err, "read VIP counters");
		err = xlb_backend_foreach(c->xlb, &v->info.key, collect_be, v);
		if (err)
			return lbctl_fail_xlb(c, err, "list backends");
		for (j = 0; j < v->n_be; j++) {
			err = xlb_stats_backend(c->xlb, v->be[j].info.id, &v->be[j].st);
			if (err)
				return lbctl_fail_xlb(c, err, "read backend counters");
		}
	}
	return 0;
}

/* ---- show ---------------------------------------------------------------- */

static json_t *show_json(const struct snap *s)
{
	char vip[LBCTL_VIP_LEN], addr[LBCTL_ADDR_LEN];
	json_t *doc = json_object(), *g = json_object(), *vips = json_array();
	size_t i, j;

	for (i = 0; i < XLB_STAT_MAX; i++)
		lbctl_jset(g, stat_defs[i].name,
			   lbctl_json_counter(s->global[i].packets, s->global[i].bytes));
	lbctl_jset(doc, "global", g);
	for (i = 0; i < s->n_vips; i++) {
		const struct vip_snap *v = &s->vips[i];
		json_t *o = json_object(), *bes = json_array();

		lbctl_jset(o, "vip", json_string(lbctl_fmt_vip(&v->info.key, vip, sizeof(vip))));
		lbctl_jset(o, "id", json_integer(v->info.id));
		lbctl_jset(o, "packets", json_integer(v->st.packets));
		lbctl_jset(o, "bytes", json_integer(v->st.bytes));
		lbctl_jset(o, "new_flows", json_integer(v->st.new_flows));
		lbctl_jset(o, "drops", json_integer(v->st.drops));
		for (j = 0; j < v->n_be; j++) {
			const struct be_snap *b = &v->be[j];
			json_t *bo = json_object();

			lbctl_jset(bo, "address", json_string(lbctl_fmt_addr(b->info.addr.addr,
									   addr, sizeof(addr))));
			lbctl_jset(bo, "id", json_integer(b->info.id));
			lbctl_jset(bo, "state", json_string(xlb_state_name(b->info.state)));
			lbctl_jset(bo, "packets", json_integer(b->st.packets));
			lbctl_jset(bo, "bytes", json_integer(b->st.bytes));
			lbctl_jset(bo, "new_flows", json_integer(b->st.new_flows));
			json_array_append_new(bes, bo);
		}
		lbctl_jset(o, "backends", bes);
		json_array_append_new(vips, o);
	}
	lbctl_jset(doc, "vips", vips);
	return doc;
}

static void show_plain(const struct snap *s)
{
	char vip[LBCTL_VIP_LEN], addr[LBCTL_ADDR_LEN];
	size_t i, j;

	printf("%-20s %14s %16s\n", "reason", "packets", "bytes");
	for (i = 0; i < XLB_STAT_MAX; i++)
		printf("%-20s %14llu %16llu  %s\n", stat_defs[i].name,
		       (unsigned long long)s->global[i].packets,
		       (unsigned long long)s->global[i].bytes, stat_defs[i].desc);
	for (i = 0; i < s->n_vips; i++) {
		const struct vip_snap *v = &s->vips[i];

		printf("\nvip %s (id %u): packets %llu bytes %llu new_flows %llu drops %llu\n",
		       lbctl_fmt_vip(&v->info.key, vip, sizeof(vip)), v->info.id,
		       (unsigned long long)v->st.packets, (unsigned long long)v->st.bytes,
		       (unsigned long long)v->st.new_flows, (unsigned long long)v->st.drops);
		for (j = 0; j < v->n_be; j++) {
			const struct be_snap *b = &v->be[j];

			printf("  backend %s (id %u, %s): packets %llu bytes %llu new_flows %llu\n",
			       lbctl_fmt_addr(b->info.addr.addr, addr, sizeof(addr)), b->info.id,
			       xlb_state_name(b->info.state),
			       (unsigned long long)b->st.packets,
			       (unsigned long long)b->st.bytes,
			       (unsigned long long)b->st.new_flows);
		}
	}
}

static int do_show(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct snap s;
	json_t *doc;
	int err;

	err = snap_fetch(c, a, &s);
	if (!err) {
		if (c->out) {
			doc = show_json(&s);
			json_object_update(c->out, doc);
			json_decref(doc);
		} else {
			show_plain(&s);
		}
	}
	snap_free(&s);
	return err;
}

/* ---- watch --------------------------------------------------------------- */

static volatile sig_atomic_t stop_watch;	/* set by SIGINT/SIGTERM */

static void on_signal(int sig)
{
	(void)sig;
	stop_watch = 1;
}

static double rate(__u64 now, __u64 before, double secs)
{
	return now >= before ? (now - before) / secs : 0;
}

static const struct vip_snap *find_vip(const struct snap *s, const struct vip_snap *v)
{
	size_t i;

	for (i = 0; i < s->n_vips; i++)
		if (s->vips[i].info.id == v->info.id &&
		    !memcmp(&s->vips[i].info.key, &v->info.key, sizeof(v->info.key)))
			return &s->vips[i];
	return NULL;
}

static const struct be_snap *find_be(const struct vip_snap *v, __u32 id)
{
	size_t i;

	for (i = 0; v && i < v->n_be; i++)
		if (v->be[i].info.id == id)
			return &v->be[i];
	return NULL;
}

static void watch_render(struct lbctl_ctx *c, const struct snap *prev, const struct snap *cur,
			 double secs)
{
	char vip[LBCTL_VIP_LEN], addr[LBCTL_ADDR_LEN], h1[16], h2[16], h3[16];
	static const struct xlb_vip_stats zero_vip;
	static const struct xlb_backend_stats zero_be;
	__u64 gp = 0, gb = 0, pp = 0, pb = 0;
	json_t *doc = NULL, *vips = NULL;
	size_t i, j;

	for (i = 0; i < XLB_STAT_MAX; i++) {
		if (stat_defs[i].kind == KIND_EVENT)
			continue;
		gp += cur->global[i].packets;
		gb += cur->global[i].bytes;
		pp += prev->global[i].packets;
		pb += prev->global[i].bytes;
	}
	if (c->opts->json) {
		struct timespec now;
		json_t *g = json_object();

		clock_gettime(CLOCK_REALTIME, &now);
		doc = json_object();
		vips = json_array();
		lbctl_jset(doc, "timestamp", json_real(now.tv_sec + now.tv_nsec / 1e9));
		lbctl_jset(doc, "interval", json_real(secs));
		lbctl_jset(g, "packets_per_s", json_real(rate(gp, pp, secs)));
		lbctl_jset(g, "bits_per_s", json_real(8 * rate(gb, pb, secs)));
		lbctl_jset(doc, "global", g);
		lbctl_jset(doc, "vips", vips);
	} else {
		if (isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		printf("xlb rates over %.1f s (all traffic: %s pps, %s bit/s)\n", secs,
		       lbctl_human(rate(gp, pp, secs), h1, sizeof(h1)),
		       lbctl_human(8 * rate(gb, pb, secs), h2, sizeof(h2)));
		printf("%-36s %10s %10s %12s\n", "vip / backend", "pps", "bit/s", "new flows/s");
	}
	for (i = 0; i < cur->n_vips; i++) {
		const struct vip_snap *v = &cur->vips[i], *pv = find_vip(prev, v);
		const struct xlb_vip_stats *ps = pv ? &pv->st : &zero_vip;
		json_t *vo = NULL, *bes = NULL;

		lbctl_fmt_vip(&v->info.key, vip, sizeof(vip));
		if (doc) {
			vo = json_object();
			bes = json_array();
			lbctl_jset(vo, "vip", json_string(vip));
			lbctl_jset(vo, "id", json_integer(v->info.id));
			lbctl_jset(vo, "packets_per_s",
				   json_real(rate(v->st.packets, ps->packets, secs)));
			lbctl_jset(vo, "bits_per_s",
				   json_real(8 * rate(v->st.bytes, ps->bytes, secs)));
			lbctl_jset(vo, "new_flows_per_s",
				   json_real(rate(v->st.new_flows, ps->new_flows, secs)));
			lbctl_jset(vo, "drops_per_s",
				   json_real(rate(v->st.drops, ps->drops, secs)));
			lbctl_jset(vo, "backends", bes);
			json_array_append_new(vips, vo);
		} else {
			printf("%-36s %10s %10s %12s\n", vip,
			       lbctl_human(rate(v->st.packets, ps->packets, secs), h1, sizeof(h1)),
			       lbctl_human(8 * rate(v->st.bytes, ps->bytes, secs), h2, sizeof(h2)),
			       lbctl_human(rate(v->st.new_flows, ps->new_flows, secs), h3,
					   sizeof(h3)));
		}
		for (j = 0; j < v->n_be; j++) {
			const struct be_snap *b = &v->be[j], *pbe = find_be(pv, b->info.id);
			const struct xlb_backend_stats *bs = pbe ? &pbe->st : &zero_be;

			lbctl_fmt_addr(b->info.addr.addr, addr, sizeof(addr));
			if (doc) {
				json_t *bo = json_object();

				lbctl_jset(bo, "address", json_string(addr));
				lbctl_jset(bo, "id", json_integer(b->info.id));
				lbctl_jset(bo, "packets_per_s",
					   json_real(rate(b->st.packets, bs->packets, secs)));
				lbctl_jset(bo, "bits_per_s",
					   json_real(8 * rate(b->st.bytes, bs->bytes, secs)));
				lbctl_jset(bo, "new_flows_per_s",
					   json_real(rate(b->st.new_flows, bs->new_flows, secs)));
				json_array_append_new(bes, bo);
			} else {
				char label[80];

				snprintf(label, sizeof(label), "  %s (id %u)", addr, b->info.id);
				printf("%-36s %10s %10s %12s\n", label,
				       lbctl_human(rate(b->st.packets, bs->packets, secs), h1,
						   sizeof(h1)),
				       lbctl_human(8 * rate(b->st.bytes, bs->bytes, secs), h2,
						   sizeof(h2)),
				       lbctl_human(rate(b->st.new_flows, bs->new_flows, secs), h3,
						   sizeof(h3)));
			}
		}
	}
	if (doc) {
		/* One compact object per line, even with -p: the stream stays line-based. */
		struct lbctl_opts line = { .json = true };

		lbctl_json_print(&line, doc);
		json_decref(doc);
	} else {
		if (!isatty(STDOUT_FILENO))
			putchar('\n');
		fflush(stdout);
	}
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static int do_watch(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct snap prev, cur;
	unsigned long done = 0;
	struct timespec ts;
	double secs;
	int err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = snap_fetch(c, a, &prev);
	if (err) {
		snap_free(&prev);
		return err;
	}
	while (!stop_watch && (!a->count || done < a->count)) {
		ts.tv_sec = (time_t)a->interval;
		ts.tv_nsec = (long)((a->interval - ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) && errno == EINTR && !stop_watch)
			;
		if (stop_watch)
			break;
		err = snap_fetch(c, a, &cur);
		if (err) {
			snap_free(&cur);
			break;
		}
		secs = elapsed(&prev.at, &cur.at);
		watch_render(c, &prev, &cur, secs > 0 ? secs : a->interval);
		snap_free(&prev);
		prev = cur;
		done++;
	}
	snap_free(&prev);
	return err;
}

static const struct lbctl_cmd stats_cmds[] = {
	{ "show", "v", 0, 0, "read counters", do_show, NULL },
	{ "watch", "v", KW_INTERVAL | KW_COUNT, CMD_STREAM, "read counters", do_watch, NULL },
	{}
};

const struct lbctl_object lbctl_stats_obj = {
	.name = "stats",
	.help = stats_help,
	.cmds = stats_cmds,
	.default_cmd = "show",
};
