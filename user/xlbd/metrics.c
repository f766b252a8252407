// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * /metrics: Prometheus text exposition format 0.0.4, served by
 * libmicrohttpd driven from xlbd's own epoll loop (MHD_USE_EPOLL without an
 * internal thread: MHD's epoll fd sits in ours, MHD_run() does the work).
 * Counters are read from the maps at scrape time, so they agree with
 * `lbctl stats show` at that moment. Names follow Prometheus conventions:
 * base units, _total for counters, labels for dimensions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "daemon.h"

#define METRICS_RETRY_S		10

/* ---- rendering ---------------------------------------------------------------- */

struct vip_row {
	char vip[64];
	struct xlb_vip_stats st;
};

struct be_row {
	char vip[64];
	char addr[48];
	__u32 id;
	__u16 weight;
	enum xlb_backend_state state;
	struct xlb_backend_stats st;
};

struct rows {
	struct xlb *xlb;
	struct vip_row *v;
	size_t nv, capv;
	struct be_row *b;
	size_t nb, capb;
};

static int vip_row_cb(const struct xlb_vip_info *vi, void *arg)
{
	struct rows *r = arg;
	struct vip_row *row;

	if (r->nv == r->capv) {
		size_t cap = r->capv ? r->capv * 2 : 16;
		struct vip_row *n = realloc(r->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->v = n;
		r->capv = cap;
	}
	row = &r->v[r->nv];
	xlb_fmt_vip(&vi->key, row->vip, sizeof(row->vip));
	if (xlb_stats_vip(r->xlb, &vi->key, &row->st))
		memset(&row->st, 0, sizeof(row->st));
	r->nv++;
	return 0;
}

static int be_row_cb(const struct xlb_backend_info *bi, void *arg)
{
	struct rows *r = arg;
	struct be_row *row;

	if (r->nb == r->capb) {
		size_t cap = r->capb ? r->capb * 2 : 64;
		struct be_row *n = realloc(r->b, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->b = n;
		r->capb = cap;
	}
	row = &r->b[r->nb];
	xlb_fmt_vip(&bi->vip, row->vip, sizeof(row->vip));
	xlb_fmt_addr(&bi->addr, row->addr, sizeof(row->addr));
	row->id = bi->id;
	row->weight = bi->weight;
	row->state = bi->state;
	if (xlb_stats_backend(r->xlb, bi->id, &row->st))
		memset(&row->st, 0, sizeof(row->st));
	r->nb++;
	return 0;
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *metrics_render(struct xlbd *d, size_t *len)
{
	struct rows r = { .xlb = d->xlb };
	char *buf = NULL;
	size_t i, j, k;
	FILE *f;

	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	xlb_vip_foreach(d->xlb, vip_row_cb, &r);
	xlb_backend_foreach(d->xlb, NULL, be_row_cb, &r);

#define VIP_COUNTER(name, field, help)						\
	family(f, name, "counter", help);					\
	for (i = 0; i < r.nv; i++)						\
		fprintf(f, name "{vip=\"%s\"} %llu\n", r.v[i].vip,		\
			(unsigned long long)r.v[i].st.field);
	VIP_COUNTER("xlb_vip_packets_total", packets, "Packets matched to the VIP.")
	VIP_COUNTER("xlb_vip_bytes_total", bytes, "Bytes (L2 frames) matched to the VIP.")
	VIP_COUNTER("xlb_vip_new_flows_total", new_flows, "Flows scheduled on the VIP.")
	VIP_COUNTER("xlb_vip_drops_total", drops, "Packets of the VIP dropped, any reason.")
#undef VIP_COUNTER
	{	/* every reason and event of the data plane (xlb_stats) */
		struct xlb_counter g[XLB_STAT_MAX];

		if (!xlb_stats_global(d->xlb, g)) {
			family(f, "xlb_reason_packets_total", "counter",
			       "Packets by the reason that ended them, or by event.");
			for (k = 0; k < XLB_STAT_MAX; k++)
				fprintf(f, "xlb_reason_packets_total{reason=\"%s\"} %llu\n",
					xlb_stat_name(k), (unsigned long long)g[k].packets);
			family(f, "xlb_reason_bytes_total", "counter",
			       "Bytes (L2 frames) by reason or event.");
			for (k = 0; k < XLB_STAT_MAX; k++)
				fprintf(f, "xlb_reason_bytes_total{reason=\"%s\"} %llu\n",
					xlb_stat_name(k), (unsigned long long)g[k].bytes);
		}
	}
#define BE_COUNTER(name, field, help)						\
	family(f, name, "counter", help);					\
	for (i = 0; i < r.nb; i++)						\
		fprintf(f, name "{vip=\"%s\",backend=\"%s\"} %llu\n", r.b[i].vip,	\
			r.b[i].addr, (unsigned long long)r.b[i].st.field);
	BE_COUNTER("xlb_backend_packets_total", packets, "Packets forwarded to the backend.")
	BE_COUNTER("xlb_backend_bytes_total", bytes, "Bytes forwarded to the backend.")
	BE_COUNTER("xlb_backend_new_flows_total", new_flows, "Flows scheduled to the backend.")
#undef BE_COUNTER
	family(f, "xlb_backend_weight", "gauge", "Backend weight in the ring.");
	for (i = 0; i < r.nb; i++)
		fprintf(f, "xlb_backend_weight{vip=\"%s\",backend=\"%s\"} %u\n", r.b[i].vip,
			r.b[i].addr, r.b[i].weight);
	family(f, "xlb_backend_state", "gauge", "1 for the backend's current state.");
	for (i = 0; i < r.nb; i++)
		for (k = 0; k < XLB_BACKEND_STATE_MAX; k++)
			fprintf(f, "xlb_backend_state{vip=\"%s\",backend=\"%s\",state=\"%s\"} %d\n",
				r.b[i].vip, r.b[i].addr, xlb_state_name(k), r.b[i].state == k);

	family(f, "xlb_backend_healthy", "gauge", "1 when the pool's health check passes.");
	for (i = 0; i < d->n_pools; i++)
		for (j = 0; j < d->pools[i]->n_be; j++) {
			struct be *b = d->pools[i]->bes[j];

			fprintf(f, "xlb_backend_healthy{pool=\"%s\",vip=\"%s\",backend=\"%s\"} %d\n",
				d->pools[i]->conf.name, d->pools[i]->vip_s, b->addr_s, b->hc.up);
		}
	family(f, "xlb_backend_phase", "gauge", "1 for the backend's phase as xlbd drives it.");
	for (i = 0; i < d->n_pools; i++)
		for (j = 0; j < d->pools[i]->n_be; j++) {
			struct be *b = d->pools[i]->bes[j];

			for (k = 0; k < XLBD_PH_MAX; k++)
				fprintf(f, "xlb_backend_phase{pool=\"%s\",vip=\"%s\",backend=\"%s\","
					"phase=\"%s\"} %d\n", d->pools[i]->conf.name,
					d->pools[i]->vip_s, b->addr_s, xlbd_phase_name(k),
					b->sm.phase == k);
		}

#define POOL_GAUGE(nm, type, help, fmt, expr)					\
	family(f, nm, type, help);						\
	for (i = 0; i < d->n_pools; i++) {					\
		struct pool *p = d->pools[i];					\
		fprintf(f, nm "{pool=\"%s\",vip=\"%s\"} " fmt "\n", p->conf.name,	\
			p->vip_s, expr);					\
	}
	POOL_GAUGE("xlb_pool_active_backends", "gauge", "Backends serving (in the ring).",
		   "%u", p->active)
	POOL_GAUGE("xlb_pool_booting_backends", "gauge",
		   "Backends being scaled up (hook or health check pending).", "%u", p->booting)
	POOL_GAUGE("xlb_pool_min_backends", "gauge", "Configured minimum.", "%u",
		   p->conf.policy.min)
	POOL_GAUGE("xlb_pool_max_backends", "gauge", "Configured maximum.", "%u",
		   p->conf.policy.max)
	POOL_GAUGE("xlb_pool_load", "gauge",
		   "Load signal per second (see the signal in xlb_pool_info).", "%.3f", p->load)
	POOL_GAUGE("xlb_pool_target", "gauge", "Target load per active backend.", "%.3f",
		   p->conf.policy.demand.target)
	POOL_GAUGE("xlb_pool_scale_ups_total", "counter", "Backends claimed for scale-up.",
		   "%lu", p->scale_ups)
	POOL_GAUGE("xlb_pool_scale_downs_total", "counter", "Backends scaled down.", "%lu",
		   p->scale_downs)
#undef POOL_GAUGE
	family(f, "xlb_pool_forecast", "gauge",
	       "Predicted load per second (NaN while the forecaster lacks history).");
	for (i = 0; i < d->n_pools; i++) {
		struct pool *p = d->pools[i];

		if (p->have_dec && p->dec.forecast >= 0)
			fprintf(f, "xlb_pool_forecast{pool=\"%s\",vip=\"%s\"} %.3f\n",
				p->conf.name, p->vip_s, p->dec.forecast);
		else	/* the exposition format spells it NaN, printf "nan" */
			fprintf(f, "xlb_pool_forecast{pool=\"%s\",vip=\"%s\"} NaN\n",
				p->conf.name, p->vip_s);
	}
	family(f, "xlb_pool_info", "gauge", "Pool configuration as labels.");
	for (i = 0; i < d->n_pools; i++)
		fprintf(f, "xlb_pool_info{pool=\"%s\",vip=\"%s\",signal=\"%s\"} 1\n",
			d->pools[i]->conf.name, d->pools[i]->vip_s,
			xlbd_signal_name(d->pools[i]->conf.signal));
	family(f, "xlb_pool_desired_backends", "gauge",
	       "Backends wanted: per policy, and combined (the one applied).");
	for (i = 0; i < d->n_pools; i++) {
		struct pool *p = d->pools[i];
		const struct xlb_decision *dc = &p->dec;

		if (!p->have_dec)
			continue;
		fprintf(f, "xlb_pool_desired_backends{pool=\"%s\",vip=\"%s\",policy=\"combined\"} %u\n"
			   "xlb_pool_desired_backends{pool=\"%s\",vip=\"%s\",policy=\"demand\"} %u\n"
			   "xlb_pool_desired_backends{pool=\"%s\",vip=\"%s\",policy=\"time\"} %u\n"
			   "xlb_pool_desired_backends{pool=\"%s\",vip=\"%s\",policy=\"predictive\"} %u\n",
			p->conf.name, p->vip_s, dc->desired, p->conf.name, p->vip_s, dc->demand,
			p->conf.name, p->vip_s, dc->time, p->conf.name, p->vip_s, dc->predictive);
	}
	family(f, "xlb_decisions_total", "counter", "Policy decisions by reason.");
	for (i = 0; i < d->n_pools; i++)
		for (k = 0; k < XLB_REASON_NR; k++)
			fprintf(f, "xlb_decisions_total{pool=\"%s\",reason=\"%s\"} %lu\n",
				d->pools[i]->conf.name, xlb_reason_name(k),
				d->pools[i]->decisions[k]);
	family(f, "xlb_hook_runs_total", "counter", "Scale hooks run, by result.");
	for (i = 0; i < d->n_pools; i++) {
		struct pool *p = d->pools[i];

		fprintf(f, "xlb_hook_runs_total{pool=\"%s\",result=\"ok\"} %lu\n"
			   "xlb_hook_runs_total{pool=\"%s\",result=\"failed\"} %lu\n"
			   "xlb_hook_runs_total{pool=\"%s\",result=\"timeout\"} %lu\n",
			p->conf.name, p->hooks_ok, p->conf.name, p->hooks_failed, p->conf.name,
			p->hooks_timeout);
	}
	family(f, "xlb_health_checks_total", "counter", "Health checks run, by result.");
	for (i = 0; i < d->n_pools; i++)
		for (k = 0; k < 2; k++)
			fprintf(f, "xlb_health_checks_total{pool=\"%s\",result=\"%s\"} %lu\n",
				d->pools[i]->conf.name, k ? "failed" : "ok",
				k ? d->pools[i]->checks_failed : d->pools[i]->checks_ok);
	family(f, "xlbd_config_reloads_total", "counter", "SIGHUP reloads, by result.");
	fprintf(f, "xlbd_config_reloads_total{result=\"ok\"} %lu\n"
		   "xlbd_config_reloads_total{result=\"failed\"} %lu\n",
		d->reloads_ok, d->reloads_failed);
	family(f, "xlbd_start_time_seconds", "gauge", "Unix time xlbd started.");
	fprintf(f, "xlbd_start_time_seconds %.3f\n", d->started);
	free(r.v);
	free(r.b);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- server ------------------------------------------------------------------- */

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct xlbd *d = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;
	char *body;
	size_t len = 0;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static char msg[] = "method not allowed\n";

		resp = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		static char msg[] = "xlbd: see /metrics\n";

		resp = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_FOUND;
	} else {
		body = metrics_render(d, &len);
		if (!body)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (resp)
			MHD_add_response_header(resp, "Content-Type",
						"text/plain; version=0.0.4; charset=utf-8");
		else
			free(body);
	}
	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pr_debug("metrics: %s", msg);
}

void metrics_stop(struct xlbd *d)
{
	if (!d->mhd)
		return;
	if (d->metrics_ev.fd >= 0)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->metrics_ev.fd, NULL);
	MHD_stop_daemon(d->mhd);
	d->mhd = NULL;
	d->metrics_ev.fd = -1;
	d->metrics_bound[0] = 0;
}

void metrics_sync(struct xlbd *d)
{
	struct epoll_event ee = { .events = EPOLLIN };
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	struct MHD_Daemon *mhd;
	unsigned len;
	double now = mono_now();

	if (d->mhd && !strcmp(d->metrics_bound, d->conf->metrics))
		return;
	metrics_stop(d);
	if (!d->conf->metrics[0] || now < d->metrics_retry)
		return;
	if (xlbd_parse_listen(d->conf->metrics, &ss, &len)) {
		pr_warn("metrics: bad address '%s'", d->conf->metrics);
		d->metrics_retry = now + METRICS_RETRY_S;
		return;
	}
	mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			       (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			       0, NULL, NULL, handler, d,
			       MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
			       MHD_OPTION_END);
	if (!mhd) {
		pr_warn("metrics: cannot listen on %s (%s): /metrics off, retrying every %d s",
			d->conf->metrics, errno ? strerror(errno) : "in use?", METRICS_RETRY_S);
		d->metrics_retry = now + METRICS_RETRY_S;
		return;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		pr_warn("metrics: no epoll fd from libmicrohttpd: /metrics off");
		MHD_stop_daemon(mhd);
		d->metrics_retry = now + METRICS_RETRY_S;
		return;
	}
	d->mhd = mhd;
	d->metrics_ev.kind = EV_METRICS;
	d->metrics_ev.fd = info->epoll_fd;
	ee.data.ptr = &d->metrics_ev;
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->metrics_ev.fd, &ee);
	snprintf(d->metrics_bound, sizeof(d->metrics_bound), "%s", d->conf->metrics);
	pr_info("metrics: http://%s/metrics", d->metrics_bound);
}

void metrics_run(struct xlbd *d)
{
	if (d->mhd)
		MHD_run(d->mhd);
}

int metrics_timeout_ms(struct xlbd *d)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (!d->mhd || MHD_get_timeout(d->mhd, &t) != MHD_YES)
		return -1;
	return t > 1000 ? 1000 : (int)t;
}
