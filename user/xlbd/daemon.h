/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The running daemon's state, shared by main.c (loop, pools, health
 * probes, hooks, agent.json) and metrics.c (/metrics). One thread: nothing
 * here is locked.
 */
#ifndef XLBD_DAEMON_H
#define XLBD_DAEMON_H

#include <stdarg.h>
#include <sys/types.h>

#include "xlbd.h"

enum ev_kind { EV_SIGNAL, EV_TIMER, EV_METRICS, EV_PROBE, EV_HOOK };

/* epoll_event.data.ptr points at one of these, first member of its owner. */
struct ev {
	enum ev_kind kind;
	int fd;
};

enum probe_stage { PROBE_IDLE, PROBE_CONNECT, PROBE_READ };

struct probe {
	struct ev ev;		/* EV_PROBE; fd -1 when idle */
	enum probe_stage stage;
	double deadline;	/* monotonic */
	char buf[64];
	size_t len;
};

struct be {
	struct probe probe;	/* first: the ev pointer is the be */
	struct pool *pool;
	__u32 id;
	struct xlb_addr addr;
	char addr_s[48];
	enum xlb_backend_state map_state;
	__u16 map_weight;
	struct xlbd_be_sm sm;
	struct xlbd_hc hc;
	char hc_detail[80];	/* last probe result, for agent.json */
	double next_check;	/* monotonic */
	struct xlb_backend_stats st;
	double pkt_rate;
	bool seen;
	bool fail_open;		/* failing, kept: the last one in the ring */
	struct be *dead_next;	/* on xlbd.dead, freed after the event batch */
};

struct pool {
	struct xlbd_pool_conf conf;
	char vip_s[64];
	struct xlb_policy *pol;
	struct be **bes;
	size_t n_be, cap_be;
	bool vip_missing;
	bool panic;			/* health panic: nothing leaves the ring for failing */
	bool fresh;			/* new in this configuration: no runtime adopted */
	bool have_prev;
	double prev_t;			/* monotonic time of vst */
	struct xlb_vip_stats vst;
	double rate[XLBD_SIG_MAX];
	double load;
	bool have_dec;
	struct xlb_decision dec;
	double dec_time;		/* unix time */
	unsigned last_desired;
	double last_log;		/* monotonic */
	unsigned active, booting;
	unsigned long decisions[XLB_REASON_NR];
	unsigned long scale_ups, scale_downs;
	unsigned long hooks_ok, hooks_failed, hooks_timeout;
	unsigned long checks_ok, checks_failed;
	char last_event[200];		/* last action taken, with its reason */
	double last_event_time;		/* unix */
};

struct hook {
	struct ev ev;		/* EV_HOOK, fd = pidfd */
	struct hook *next;
	pid_t pid;
	double deadline;	/* monotonic */
	bool killed;
	bool up;		/* on_scale_up: clears the backend's hook_running */
	bool superseded;	/* killed: a newer hook of its backend is due */
	struct xlb_vip_key vip;
	__u32 be_id;
	char what[400];		/* "pool web: on_scale_up 198.18.65.2" */
};

struct xlbd {
	const char *conf_path;
	struct xlbd_conf *conf;
	struct xlb *xlb;
	int epfd;
	struct ev sig_ev, timer_ev;
	struct pool **pools;
	size_t n_pools;
	struct hook *hooks;
	struct be *dead;		/* backends to free after this epoll batch */
	double started;			/* unix */
	double last_history_save;	/* monotonic */
	unsigned long reloads_ok, reloads_failed;
	/* metrics */
	struct ev metrics_ev;
	void *mhd;			/* struct MHD_Daemon * */
	char metrics_bound[96];		/* address it listens on, "" when not */
	double metrics_retry;		/* monotonic: next attempt after a failure */
	bool state_dir_warned;
};

double mono_now(void);
double real_now(void);
void xlbd_log(enum xlb_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define pr_warn(...)	xlbd_log(XLB_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	xlbd_log(XLB_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	xlbd_log(XLB_LOG_DEBUG, __VA_ARGS__)

/* metrics.c */
/* Start (or restart on a changed address) the /metrics server; failures are
 * logged and retried later, never fatal. */
void metrics_sync(struct xlbd *d);
/* Run pending HTTP work (epoll said so, or timeouts). */
void metrics_run(struct xlbd *d);
/* epoll_wait timeout bound in ms (-1: none). */
int metrics_timeout_ms(struct xlbd *d);
void metrics_stop(struct xlbd *d);
/* The exposition text; caller frees. NULL on out of memory. */
char *metrics_render(struct xlbd *d, size_t *len);

#endif /* XLBD_DAEMON_H */
