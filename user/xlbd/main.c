// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlbd: the autoscaling agent.
 *
 *   xlbd --check FILE      validate FILE (errors with their line), exit 0/1
 *   xlbd -c FILE [-v]      run in the foreground, log to stderr
 *
 * One thread, one epoll loop over: a signalfd (SIGTERM/SIGINT exit, SIGHUP
 * reloads the file atomically), a timerfd (the decision interval), the
 * non-blocking health-check sockets, pidfds of running hooks and the
 * /metrics server. Every interval, per pool (a VIP and its backends):
 * counters -> rates -> policy engine -> actions through libxlb. State that
 * must outlive the process is in the pinned maps (backend states and
 * weights: a restart adopts them as found) and in the state directory (load
 * history, agent.json for `lbctl agent show`).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon.h"

static int log_level = XLB_LOG_INFO;

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void vlog(enum xlb_log_level lvl, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "warn", "info", "debug" };
	char ts[32], msg[1024];
	struct timespec now;
	struct tm tm;
	size_t n;

	if ((int)lvl > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')	/* one line per message */
		msg[--n] = 0;
	fprintf(stderr, "%s.%03ld xlbd %s: %s\n", ts, now.tv_nsec / 1000000, tag[lvl], msg);
}

void xlbd_log(enum xlb_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

/* libxlb's hook (it already demotes libbpf a level). */
static void lib_log(enum xlb_log_level lvl, const char *fmt, va_list ap)
{
	vlog(lvl, fmt, ap);
}

/* ---- files ------------------------------------------------------------------ */

/* Write path atomically: a temporary file in the same directory, rename
 * over the old one. A reader sees the old file or the new one. durable:
 * fsync before the rename, so that a crash cannot leave an empty file (the
 * load history); agent.json, rewritten every interval, is not worth a disk
 * flush each time. */
static int write_atomic(const char *path, const char *data, size_t len, bool durable)
{
	char tmp[XLBD_PATH_MAX + 32];
	ssize_t w;
	size_t off = 0;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += w;
	}
	if (!err && durable && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int mkdir_p(const char *dir)
{
	char buf[XLBD_PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static void history_path(const struct xlbd *d, const struct pool *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/history-%s.txt", d->conf->state_dir, p->conf.name);
}

static void history_save(struct xlbd *d, struct pool *p)
{
	char path[XLBD_PATH_MAX + 64], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		return;
	err = xlb_policy_history_save(p->pol, f);
	fclose(f);
	if (!err) {
		history_path(d, p, path, sizeof(path));
		err = write_atomic(path, buf, len, true);
		if (err)
			pr_warn("pool %s: saving load history to %s: %s", p->conf.name, path,
				strerror(-err));
	}
	free(buf);
}

static void history_load(struct xlbd *d, struct pool *p)
{
	char path[XLBD_PATH_MAX + 64], err[XLBD_ERR_MAX];
	FILE *f;

	history_path(d, p, path, sizeof(path));
	f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT)
			pr_warn("pool %s: load history %s: %s", p->conf.name, path, strerror(errno));
		return;
	}
	if (xlb_policy_history_load(p->pol, f, err, sizeof(err))) {
		char bad[sizeof(path) + 8];

		/* The next save would overwrite it: keep it for the operator. */
		snprintf(bad, sizeof(bad), "%s.bad", path);
		if (rename(path, bad))
			pr_warn("pool %s: load history %s not used: %s (rename to %s: %s)",
				p->conf.name, path, err, bad, strerror(errno));
		else
			pr_warn("pool %s: load history %s not used: %s (kept as %s)",
				p->conf.name, path, err, bad);
	} else {
		pr_info("pool %s: load history %s: %.0f s usable", p->conf.name, path,
			xlb_policy_history_seconds(p->pol));
	}
	fclose(f);
}

/* ---- backends of a pool ------------------------------------------------------- */

static struct xlbd_sm_params sm_params(const struct pool *p)
{
	return (struct xlbd_sm_params){
		.weight = p->conf.weight,
		.slow_start_s = p->conf.slow_start_s,
		.drain_idle_s = p->conf.drain_idle_s,
		.drain_timeout_s = p->conf.drain_timeout_s,
		.up_timeout_s = p->conf.up_timeout_s,
	};
}

static void probe_close(struct xlbd *d, struct be *b)
{
	if (b->probe.ev.fd >= 0) {
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, b->probe.ev.fd, NULL);
		close(b->probe.ev.fd);
	}
	b->probe.ev.fd = -1;
	b->probe.stage = PROBE_IDLE;
}

/* The verdict says nothing about the server any more (standby again, or
 * claimed for a boot): down until rise fresh passes, and an in-flight
 * probe of the old server is dropped. With no health check, always up. */
static void be_health_reset(struct xlbd *d, struct be *b, const char *why)
{
	probe_close(d, b);
	b->fail_open = false;
	if (b->pool->conf.health.type == XLBD_HC_NONE)
		return;
	b->hc.up = false;
	b->hc.count = 0;
	b->next_check = mono_now();
	snprintf(b->hc_detail, sizeof(b->hc_detail), "%s %s", why,
		 xlbd_phase_name(b->sm.phase));
}

/* Freed after the current batch of epoll events: one of them may still
 * point at b's probe. */
static void be_free(struct xlbd *d, struct be *b)
{
	probe_close(d, b);
	b->dead_next = d->dead;
	d->dead = b;
}

static void dead_flush(struct xlbd *d)
{
	while (d->dead) {
		struct be *b = d->dead;

		d->dead = b->dead_next;
		free(b);
	}
}

static struct be *be_find(const struct pool *p, __u32 id)
{
	size_t i;

	for (i = 0; i < p->n_be; i++)
		if (p->bes[i]->id == id)
			return p->bes[i];
	return NULL;
}

struct sync_ctx {
	struct xlbd *d;
	struct pool *p;
	double now;
	int err;
};

static int sync_cb(const struct xlb_backend_info *bi, void *arg)
{
	struct sync_ctx *s = arg;
	struct pool *p = s->p;
	struct xlbd_sm_params prm = sm_params(p);
	struct be *b = be_find(p, bi->id);

	if (b && memcmp(&b->addr, &bi->addr, sizeof(b->addr))) {
		/* id reused for another address: a different backend */
		b->seen = false;
		b = NULL;
	}
	if (!b) {
		struct be **nb;

		if (p->n_be == p->cap_be) {
			size_t cap = p->cap_be ? p->cap_be * 2 : 8;

			nb = realloc(p->bes, cap * sizeof(*nb));
			if (!nb)
				return -ENOMEM;
			p->bes = nb;
			p->cap_be = cap;
		}
		b = calloc(1, sizeof(*b));
		if (!b)
			return -ENOMEM;
		b->probe.ev.kind = EV_PROBE;
		b->probe.ev.fd = -1;
		b->pool = p;
		b->id = bi->id;
		b->addr = bi->addr;
		xlb_fmt_addr(&b->addr, b->addr_s, sizeof(b->addr_s));
		xlbd_sm_adopt(&b->sm, bi->state, bi->weight, &prm, s->now);
		/* Adopted serving backends start up (fall failures to go
		 * down): a restart does not take them out. */
		xlbd_hc_init(&b->hc, bi->state != XLB_BACKEND_STANDBY ||
				     p->conf.health.type == XLBD_HC_NONE);
		snprintf(b->hc_detail, sizeof(b->hc_detail), "not checked yet");
		b->next_check = s->now;
		p->bes[p->n_be++] = b;
		pr_info("pool %s: backend %s (id %u) adopted: %s, weight %u, phase %s",
			p->conf.name, b->addr_s, b->id, xlb_state_name(bi->state), bi->weight,
			xlbd_phase_name(b->sm.phase));
	} else if (xlbd_sm_follow(&b->sm, bi->state, s->now)) {
		pr_info("pool %s: backend %s changed outside xlbd to %s: following",
			p->conf.name, b->addr_s, xlb_state_name(bi->state));
		if (bi->state == XLB_BACKEND_STANDBY)
			be_health_reset(s->d, b, "not checked since");
	}
	b->map_state = bi->state;
	b->map_weight = bi->weight;
	b->seen = true;
	return 0;
}

/* Bring the pool's backend list in line with the maps. */
static int pool_sync(struct xlbd *d, struct pool *p, double now)
{
	struct sync_ctx s = { .d = d, .p = p, .now = now };
	struct xlb_vip_info vi;
	size_t i, j;
	int err;

	err = xlb_vip_get(d->xlb, &p->conf.vip, &vi);
	if (err) {
		if (!p->vip_missing)
			pr_warn("pool %s: vip %s: %s (waiting for it)", p->conf.name, p->vip_s,
				xlb_errmsg(d->xlb));
		p->vip_missing = true;
		return err;
	}
	if (p->vip_missing)
		pr_info("pool %s: vip %s found", p->conf.name, p->vip_s);
	p->vip_missing = false;
	for (i = 0; i < p->n_be; i++)
		p->bes[i]->seen = false;
	err = xlb_backend_foreach(d->xlb, &p->conf.vip, sync_cb, &s);
	if (err) {
		pr_warn("pool %s: reading backends: %s", p->conf.name, xlb_errmsg(d->xlb));
		return err;
	}
	for (i = j = 0; i < p->n_be; i++) {
		if (p->bes[i]->seen) {
			p->bes[j++] = p->bes[i];
			continue;
		}
		pr_info("pool %s: backend %s (id %u) is gone", p->conf.name, p->bes[i]->addr_s,
			p->bes[i]->id);
		be_free(d, p->bes[i]);
	}
	p->n_be = j;
	return 0;
}

/* ---- hooks --------------------------------------------------------------------- */

static void hook_unlink(struct xlbd *d, struct hook *h)
{
	struct hook **pp;

	epoll_ctl(d->epfd, EPOLL_CTL_DEL, h->ev.fd, NULL);
	close(h->ev.fd);
	for (pp = &d->hooks; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	}
	free(h);
}

/*
 * One hook at a time per backend: a new event (a boot cancelled or timed
 * out while on_scale_up still runs, a scale-up while on_scale_down still
 * stops the server) makes the running hook obsolete. Kill its process
 * group and reap it before anything else runs for that backend. SIGKILL
 * cannot be ignored, so the wait is short.
 */
static void hook_supersede(struct xlbd *d, struct pool *p, struct be *b, const char *event)
{
	struct hook *h, *next;

	for (h = d->hooks; h; h = next) {
		next = h->next;
		if (h->be_id != b->id || memcmp(&h->vip, &p->conf.vip, sizeof(h->vip)))
			continue;
		kill(-h->pid, SIGKILL);
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
		pr_warn("%s: still running at %s: killed (one hook at a time per backend)",
			h->what, event);
		p->hooks_failed++;
		if (h->up)
			b->sm.hook_running = false;
		hook_unlink(d, h);
	}
}

static void hook_spawn(struct xlbd *d, struct pool *p, struct be *b, bool up)
{
	const char *path = up ? p->conf.on_scale_up : p->conf.on_scale_down;
	const char *event = up ? "scale_up" : "scale_down";
	struct epoll_event ee = { .events = EPOLLIN };
	struct hook *h;
	sigset_t all;
	pid_t pid;
	int pfd;

	hook_supersede(d, p, b, event);
	if (!path[0])
		return;
	h = calloc(1, sizeof(*h));
	if (!h) {
		pr_warn("pool %s: hook %s: out of memory", p->conf.name, path);
		return;
	}
	snprintf(h->what, sizeof(h->what), "pool %s: on_%s %s for %s", p->conf.name, event, path,
		 b->addr_s);
	pid = fork();
	if (pid < 0) {
		pr_warn("%s: fork: %s", h->what, strerror(errno));
		free(h);
		p->hooks_failed++;
		return;
	}
	if (pid == 0) {
		/* Own process group: a timeout kills the hook and its children. */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		setpgid(0, 0);
		setenv("XLB_VIP", p->vip_s, 1);
		setenv("XLB_BACKEND", b->addr_s, 1);
		setenv("XLB_EVENT", event, 1);
		setenv("XLB_POOL", p->conf.name, 1);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "xlbd hook: %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);	/* also here: no race with a kill before the child ran */
	pfd = pidfd_open(pid, 0);
	if (pfd < 0) {
		/* Cannot watch it without blocking: reap it later with SIGKILL. */
		pr_warn("%s: pidfd_open: %s", h->what, strerror(errno));
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		free(h);
		p->hooks_failed++;
		return;
	}
	h->ev.kind = EV_HOOK;
	h->ev.fd = pfd;
	h->pid = pid;
	h->up = up;
	h->vip = p->conf.vip;
	h->be_id = b->id;
	h->deadline = mono_now() + d->conf->hook_timeout_s;
	ee.data.ptr = &h->ev;
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, pfd, &ee);
	h->next = d->hooks;
	d->hooks = h;
	if (up)
		b->sm.hook_running = true;
	pr_info("%s: started (pid %d)", h->what, pid);
}

static struct pool *pool_by_vip(struct xlbd *d, const struct xlb_vip_key *vip)
{
	size_t i;

	for (i = 0; i < d->n_pools; i++)
		if (!memcmp(&d->pools[i]->conf.vip, vip, sizeof(*vip)))
			return d->pools[i];
	return NULL;
}

/* The hook's pidfd is readable: it exited. */
static void hook_done(struct xlbd *d, struct hook *h)
{
	struct pool *p;
	struct be *b = NULL;
	int status = 0;
	pid_t r;

	r = waitpid(h->pid, &status, WNOHANG);
	if (r == 0)
		return;
	if (r < 0) {	/* not a success: no status to go by */
		pr_warn("%s: waitpid %d: %s", h->what, h->pid, strerror(errno));
		status = W_EXITCODE(255, 0);
	}
	p = pool_by_vip(d, &h->vip);
	if (p)
		b = be_find(p, h->be_id);
	if (h->killed) {
		pr_warn("%s: killed after %.0f s (hook_timeout): going on", h->what,
			d->conf->hook_timeout_s);
		if (p)
			p->hooks_timeout++;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		pr_info("%s: done", h->what);
		if (p)
			p->hooks_ok++;
	} else {
		if (WIFEXITED(status))
			pr_warn("%s: failed with exit status %d%s: going on", h->what,
				WEXITSTATUS(status),
				WEXITSTATUS(status) == 127 ? " (missing or not executable?)" : "");
		else
			pr_warn("%s: killed by signal %d: going on", h->what, WTERMSIG(status));
		if (p)
			p->hooks_failed++;
	}
	/* Scale-up goes on either way: the health check decides. */
	if (h->up && b)
		b->sm.hook_running = false;
	hook_unlink(d, h);
}

static void hooks_check_timeouts(struct xlbd *d, double now)
{
	struct hook *h;

	for (h = d->hooks; h; h = h->next) {
		if (h->killed || now < h->deadline)
			continue;
		h->killed = true;
		kill(-h->pid, SIGKILL);
		kill(h->pid, SIGKILL);
	}
}

/* ---- actions ------------------------------------------------------------------- */

static void note_event(struct pool *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_event(struct pool *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_event, sizeof(p->last_event), fmt, ap);
	va_end(ap);
	p->last_event_time = real_now();
}

/* Write what a state machine call asked for; map errors are logged and the
 * next sync re-reads the truth. */
static void apply_act(struct xlbd *d, struct pool *p, struct be *b, const struct xlbd_act *act)
{
	if (act->flags & XLBD_ACT_WEIGHT &&
	    xlb_backend_set_weight(d->xlb, &p->conf.vip, &b->addr, act->weight))
		pr_warn("pool %s: backend %s: set weight %u: %s", p->conf.name, b->addr_s,
			act->weight, xlb_errmsg(d->xlb));
	if (act->flags & XLBD_ACT_STATE &&
	    xlb_backend_set_state(d->xlb, &p->conf.vip, &b->addr, act->state))
		pr_warn("pool %s: backend %s: set state %s: %s", p->conf.name, b->addr_s,
			xlb_state_name(act->state), xlb_errmsg(d->xlb));
	if (act->flags & XLBD_ACT_STATE)
		b->map_state = act->state;
	if (act->flags & XLBD_ACT_WEIGHT)
		b->map_weight = act->weight;
	if (act->flags & XLBD_ACT_HC_RESET)
		be_health_reset(d, b, "not checked since");
	if (act->why[0]) {
		pr_info("pool %s: backend %s: %s", p->conf.name, b->addr_s, act->why);
		note_event(p, "backend %s: %s", b->addr_s, act->why);
	}
	if (act->flags & XLBD_ACT_HOOK_UP)
		hook_spawn(d, p, b, true);
	if (act->flags & XLBD_ACT_HOOK_DOWN)
		hook_spawn(d, p, b, false);
}

/* Scale-up order: healthy spares first, then any not cooling down; by id.
 * In a health panic the check fails nearly everywhere, and a spare that
 * fails it would boot only to time out: failing spares then boot one at a
 * time (a boot in flight blocks the next). */
static struct be *pick_up(struct pool *p, double now)
{
	struct be *best = NULL;
	size_t i;

	for (i = 0; i < p->n_be; i++) {
		struct be *b = p->bes[i];

		if (b->sm.phase != XLBD_PH_STANDBY || b->sm.failed || now < b->sm.cooldown_until)
			continue;
		if (!best || (b->hc.up && !best->hc.up))
			best = b;
	}
	if (best && !best->hc.up && p->panic) {
		for (i = 0; i < p->n_be; i++)
			if (p->bes[i]->sm.phase == XLBD_PH_BOOTING)
				return NULL;
	}
	return best;
}

/* Scale-down order: a boot in flight first (newest), then the newest in
 * the ring (fewest established flows), least loaded on a tie. */
static struct be *pick_down(struct pool *p)
{
	struct be *best = NULL;
	size_t i;

	for (i = 0; i < p->n_be; i++) {
		struct be *b = p->bes[i];
		bool bb, cb;

		if (b->sm.phase != XLBD_PH_BOOTING && b->sm.phase != XLBD_PH_RAMPING &&
		    b->sm.phase != XLBD_PH_ACTIVE)
			continue;
		if (!best) {
			best = b;
			continue;
		}
		bb = best->sm.phase == XLBD_PH_BOOTING;
		cb = b->sm.phase == XLBD_PH_BOOTING;
		if (cb != bb) {
			if (cb)
				best = b;
			continue;
		}
		if (b->sm.activated > best->sm.activated ||
		    (b->sm.activated == best->sm.activated && b->pkt_rate < best->pkt_rate))
			best = b;
	}
	return best;
}

static void pool_count(struct pool *p)
{
	size_t i;

	p->active = p->booting = 0;
	for (i = 0; i < p->n_be; i++) {
		enum xlbd_phase ph = p->bes[i]->sm.phase;

		if (ph == XLBD_PH_ACTIVE || ph == XLBD_PH_RAMPING)
			p->active++;
		else if (ph == XLBD_PH_BOOTING)
			p->booting++;
	}
}

/* Counters -> rates over the time since the previous read. */
static int pool_rates(struct xlbd *d, struct pool *p, double now)
{
	struct xlb_vip_stats vs;
	double dt;
	size_t i;
	int err;

	err = xlb_stats_vip(d->xlb, &p->conf.vip, &vs);
	if (err) {
		pr_warn("pool %s: counters: %s", p->conf.name, xlb_errmsg(d->xlb));
		return err;
	}
	for (i = 0; i < p->n_be; i++) {
		struct be *b = p->bes[i];
		struct xlb_backend_stats bs;

		if (xlb_stats_backend(d->xlb, b->id, &bs))
			continue;
		if (p->have_prev && now > p->prev_t && bs.packets >= b->st.packets)
			b->pkt_rate = (bs.packets - b->st.packets) / (now - p->prev_t);
		b->st = bs;
	}
	dt = now - p->prev_t;
	/* Counters going backwards (maps recreated): start over. */
	if (!p->have_prev || dt <= 0 || vs.packets < p->vst.packets ||
	    vs.new_flows < p->vst.new_flows) {
		p->vst = vs;
		p->prev_t = now;
		p->have_prev = true;
		return -EAGAIN;
	}
	p->rate[XLBD_SIG_NEW_FLOWS] = (vs.new_flows - p->vst.new_flows) / dt;
	p->rate[XLBD_SIG_PACKETS] = (vs.packets - p->vst.packets) / dt;
	p->rate[XLBD_SIG_BITS] = (vs.bytes - p->vst.bytes) * 8.0 / dt;
	p->load = p->rate[p->conf.signal];
	p->vst = vs;
	p->prev_t = now;
	return 0;
}

static void pool_decide(struct xlbd *d, struct pool *p, double now)
{
	struct xlbd_act act;
	struct xlb_decision dec;
	bool acted = false;
	int delta, err;

	pool_count(p);
	/* Windows on the monotonic clock, cron and history on the wall clock:
	 * a clock step (NTP, date) neither freezes nor skips a window. */
	err = xlb_policy_step(p->pol, now, real_now(), p->load, p->active, p->booting, &dec);
	if (err) {
		pr_warn("pool %s: policy step: %s", p->conf.name, strerror(-err));
		return;
	}
	if (dec.reason < XLB_REASON_NR)
		p->decisions[dec.reason]++;
	delta = (int)dec.desired - (int)(p->active + p->booting);
	for (; delta > 0; delta--) {
		struct be *b = pick_up(p, now);

		if (!b) {
			if (!p->have_dec || p->dec.desired != dec.desired)
				pr_warn("pool %s: want %u backends, %s", p->conf.name,
					dec.desired, p->panic ?
					"health panic: one boot of a failing spare at a time" :
					"no usable standby backend left");
			break;
		}
		if (xlbd_sm_scale_up(&b->sm, now, &act))
			break;
		p->scale_ups++;
		acted = true;
		apply_act(d, p, b, &act);
	}
	for (; delta < 0; delta++) {
		struct be *b = pick_down(p);

		if (!b || xlbd_sm_scale_down(&b->sm, now, &act))
			break;
		p->scale_downs++;
		acted = true;
		apply_act(d, p, b, &act);
	}
	if (acted || !p->have_dec || dec.desired != p->last_desired ||
	    (d->conf->log_every_s > 0 && now - p->last_log >= d->conf->log_every_s)) {
		pool_count(p);
		pr_info("pool %s: load %.1f %s/s, active %u, booting %u, desired %u%s: %s "
			"(policy %s, reason %s)", p->conf.name, p->load,
			xlbd_signal_name(p->conf.signal), p->active, p->booting, dec.desired,
			acted ? " -> acting" : "", dec.reason_text,
			xlb_policy_kind_name(dec.policy), xlb_reason_name(dec.reason));
		p->last_log = now;
	}
	if (acted)
		note_event(p, "desired %u (%s: %s)", dec.desired, xlb_reason_name(dec.reason),
			   dec.reason_text);
	p->dec = dec;
	p->have_dec = true;
	p->dec_time = real_now();
	p->last_desired = dec.desired;
}

static void pool_health_enforce(struct xlbd *d, struct pool *p, double now);

static void pool_tick(struct xlbd *d, struct pool *p, double now)
{
	struct xlbd_sm_params prm = sm_params(p);
	struct xlbd_act act;
	size_t i;

	if (pool_sync(d, p, now))
		return;
	if (pool_rates(d, p, now))
		return;	/* first read: no rate yet */
	for (i = 0; i < p->n_be; i++) {
		struct be *b = p->bes[i];

		xlbd_sm_tick(&b->sm, &prm, now, b->hc.up, b->st.packets, &act);
		apply_act(d, p, b, &act);
	}
	if (p->conf.health.type != XLBD_HC_NONE)
		pool_health_enforce(d, p, now);
	pool_decide(d, p, now);
}

/* ---- health probes ------------------------------------------------------------- */

static bool in_ring(const struct be *b)
{
	return b->sm.phase == XLBD_PH_ACTIVE || b->sm.phase == XLBD_PH_RAMPING;
}

/* Healthy backends in the ring besides b. */
static unsigned healthy_others(const struct pool *p, const struct be *b)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < p->n_be; i++)
		n += p->bes[i] != b && in_ring(p->bes[i]) && p->bes[i]->hc.up;
	return n;
}

/* The last backends in the ring stay when all of them fail (fail open, as
 * Envoy's panic mode): an empty ring would drop every packet, while a
 * wrong health check (port, path) may be all that fails. */
static void fail_open(struct pool *p, struct be *b)
{
	if (b->fail_open)
		return;
	b->fail_open = true;
	pr_warn("pool %s: backend %s fails its health check but no healthy backend is left "
		"in the ring: kept (fail open)", p->conf.name, b->addr_s);
}

/* Counted by the panic threshold: in the ring, or taken out of it by the
 * health check (its capacity is what the check may be wrong about). */
static bool ring_member(const struct be *b)
{
	return in_ring(b) || (b->sm.phase == XLBD_PH_STANDBY && b->sm.failed);
}

/* Envoy's panic mode: while fewer than health.panic of the ring's backends
 * pass, the check is more likely wrong than the servers (a wrong port or
 * path after a reload, a dependency every /healthz shares), so nothing
 * leaves the ring for failing, and what it already took out comes back.
 * Logged once when it starts and once when it ends. */
static bool pool_panic_update(struct pool *p)
{
	unsigned total = 0, pass = 0;
	bool panic;
	size_t i;

	for (i = 0; i < p->n_be; i++) {
		if (!ring_member(p->bes[i]))
			continue;
		total++;
		pass += p->bes[i]->hc.up;
	}
	panic = xlbd_health_panic(pass, total, p->conf.health.panic);
	if (panic && !p->panic) {
		pr_warn("pool %s: health: %u of %u active backends pass: panic, keeping all in "
			"the ring (panic threshold %g)", p->conf.name, pass, total,
			p->conf.health.panic);
		note_event(p, "health: %u of %u active backends pass: panic, keeping all in the "
			   "ring", pass, total);
	} else if (!panic && p->panic) {
		pr_warn("pool %s: health: %u of %u active backends pass: panic over",
			p->conf.name, pass, total);
		note_event(p, "health: %u of %u active backends pass: panic over", pass, total);
	}
	p->panic = panic;
	return panic;
}

/* Take failing backends out once enough healthy ones are serving. */
static void pool_health_enforce(struct xlbd *d, struct pool *p, double now)
{
	struct xlbd_sm_params prm = sm_params(p);
	struct xlbd_act act;
	size_t i;

	if (pool_panic_update(p)) {
		for (i = 0; i < p->n_be; i++) {
			struct be *b = p->bes[i];

			if (!ring_member(b) || in_ring(b))
				continue;
			/* taken out before the panic began: back, through slow start */
			xlbd_sm_health(&b->sm, &prm, true, now, &act);
			snprintf(act.why, sizeof(act.why),
				 "health panic: back in the ring though failing (weight %u)",
				 b->sm.weight);
			apply_act(d, p, b, &act);
		}
		return;
	}
	for (i = 0; i < p->n_be; i++) {
		struct be *b = p->bes[i];

		if (!in_ring(b) || b->hc.up) {
			b->fail_open = false;
			continue;
		}
		/* panic off (threshold 0): the ring is still never emptied */
		if (!healthy_others(p, b)) {
			fail_open(p, b);
			continue;
		}
		b->fail_open = false;
		xlbd_sm_health(&b->sm, &prm, false, now, &act);
		apply_act(d, p, b, &act);
	}
}

static void probe_result(struct xlbd *d, struct be *b, bool ok, const char *detail)
{
	struct pool *p = b->pool;
	struct xlbd_sm_params prm = sm_params(p);
	struct xlbd_act act;
	bool was = b->hc.up;

	probe_close(d, b);
	snprintf(b->hc_detail, sizeof(b->hc_detail), "%s", detail);
	if (ok)
		p->checks_ok++;
	else
		p->checks_failed++;
	pr_debug("pool %s: backend %s: check %s: %s", p->conf.name, b->addr_s,
		 ok ? "ok" : "failed", detail);
	if (!xlbd_hc_result(&b->hc, ok, p->conf.health.rise, p->conf.health.fall))
		return;
	pr_info("pool %s: backend %s: health %s -> %s (%s)", p->conf.name, b->addr_s,
		was ? "up" : "down", b->hc.up ? "up" : "down", detail);
	if (b->hc.up) {
		xlbd_sm_health(&b->sm, &prm, true, mono_now(), &act);
		apply_act(d, p, b, &act);
	}
	/* Removals wait for the decision tick (pool_health_enforce): checks
	 * failing everywhere at once, as after a reload with a wrong port, are
	 * then counted together by the panic threshold, not one by one. */
	pool_panic_update(p);
}

static void probe_start(struct xlbd *d, struct be *b, double now)
{
	const struct xlbd_health_conf *h = &b->pool->conf.health;
	struct epoll_event ee = { .events = EPOLLOUT };
	struct sockaddr_storage ss = {};
	socklen_t sl;
	int fd;

	b->next_check = now + h->interval_s;
	if (xlb_addr_is_v4(&b->addr)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(h->port);
		memcpy(&s4->sin_addr, &b->addr.addr[12], 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(h->port);
		memcpy(&s6->sin6_addr, b->addr.addr, 16);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		probe_result(d, b, false, strerror(errno));
		return;
	}
	b->probe.ev.fd = fd;
	b->probe.stage = PROBE_CONNECT;
	b->probe.len = 0;
	b->probe.deadline = now + h->timeout_s;
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		char msg[80];

		snprintf(msg, sizeof(msg), "connect: %s", strerror(errno));
		close(fd);
		b->probe.ev.fd = -1;
		probe_result(d, b, false, msg);
		return;
	}
	ee.data.ptr = &b->probe.ev;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ee)) {
		close(fd);
		b->probe.ev.fd = -1;
		probe_result(d, b, false, "epoll_ctl failed");
	}
}

static void probe_event(struct xlbd *d, struct be *b)
{
	const struct xlbd_health_conf *h = &b->pool->conf.health;
	struct epoll_event ee = { .events = EPOLLIN };
	char req[256], msg[80];
	int soerr = 0, code;
	socklen_t sl = sizeof(soerr);
	ssize_t n;

	if (b->probe.stage == PROBE_CONNECT) {
		getsockopt(b->probe.ev.fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			snprintf(msg, sizeof(msg), "connect: %s", strerror(soerr));
			probe_result(d, b, false, msg);
			return;
		}
		if (h->type == XLBD_HC_TCP) {
			probe_result(d, b, true, "tcp connect ok");
			return;
		}
		snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: xlbd\r\n"
			 "Connection: close\r\n\r\n", h->path, b->addr_s);
		n = send(b->probe.ev.fd, req, strlen(req), MSG_NOSIGNAL);
		if (n != (ssize_t)strlen(req)) {
			probe_result(d, b, false, "http: send failed");
			return;
		}
		b->probe.stage = PROBE_READ;
		ee.data.ptr = &b->probe.ev;
		epoll_ctl(d->epfd, EPOLL_CTL_MOD, b->probe.ev.fd, &ee);
		return;
	}
	n = recv(b->probe.ev.fd, b->probe.buf + b->probe.len,
		 sizeof(b->probe.buf) - 1 - b->probe.len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		b->probe.len += n;
	b->probe.buf[b->probe.len] = 0;
	/* The status line is all we need: "HTTP/1.x NNN ..." */
	if (!strchr(b->probe.buf, '\n') && n > 0 && b->probe.len < sizeof(b->probe.buf) - 1)
		return;
	if (sscanf(b->probe.buf, "HTTP/%*d.%*d %d", &code) != 1) {
		probe_result(d, b, false, n < 0 ? "http: recv failed" : "http: no status line");
		return;
	}
	snprintf(msg, sizeof(msg), "http %d%s", code, code == h->status ? "" : " (unexpected)");
	probe_result(d, b, code == h->status, msg);
}

/* Start due probes, time out late ones; returns ms to the next deadline. */
static int probes_run(struct xlbd *d, double now)
{
	double next = now + 3600;
	size_t i, j;

	for (i = 0; i < d->n_pools; i++) {
		struct pool *p = d->pools[i];

		if (p->conf.health.type == XLBD_HC_NONE)
			continue;
		for (j = 0; j < p->n_be; j++) {
			struct be *b = p->bes[j];

			if (b->probe.stage != PROBE_IDLE && now >= b->probe.deadline)
				probe_result(d, b, false, "timeout");
			if (b->probe.stage == PROBE_IDLE && now >= b->next_check)
				probe_start(d, b, now);
			if (b->probe.stage != PROBE_IDLE && b->probe.deadline < next)
				next = b->probe.deadline;
			if (b->probe.stage == PROBE_IDLE && b->next_check < next)
				next = b->next_check;
		}
	}
	return (int)ceil((next - now) * 1000);
}

/* ---- agent.json ---------------------------------------------------------------- */

static json_t *pool_json(struct pool *p)
{
	json_t *o, *bl, *dec;
	size_t i;

	o = json_pack("{s:s, s:s, s:s, s:f, s:f, s:i, s:i, s:i, s:i, s:b}",
		      "name", p->conf.name, "vip", p->vip_s,
		      "signal", xlbd_signal_name(p->conf.signal),
		      "target", p->conf.policy.demand.target, "load", p->load,
		      "active", (json_int_t)p->active, "booting", (json_int_t)p->booting,
		      "min", (json_int_t)p->conf.policy.min, "max", (json_int_t)p->conf.policy.max,
		      "vip_missing", p->vip_missing);
	json_object_set_new(o, "rates", json_pack("{s:f, s:f, s:f}",
		"new_flows_per_s", p->rate[XLBD_SIG_NEW_FLOWS],
		"packets_per_s", p->rate[XLBD_SIG_PACKETS],
		"bits_per_s", p->rate[XLBD_SIG_BITS]));
	if (p->have_dec) {
		json_object_set_new(o, "desired", json_integer(p->dec.desired));
		dec = json_pack("{s:f, s:i, s:s, s:s, s:s, s:{s:i, s:i, s:i}}",
				"time", p->dec_time, "desired", (json_int_t)p->dec.desired,
				"policy", xlb_policy_kind_name(p->dec.policy),
				"reason", xlb_reason_name(p->dec.reason),
				"text", p->dec.reason_text,
				"policies", "demand", (json_int_t)p->dec.demand,
				"time", (json_int_t)p->dec.time,
				"predictive", (json_int_t)p->dec.predictive);
		json_object_set_new(o, "forecast", p->dec.forecast >= 0 ?
				    json_real(p->dec.forecast) : json_null());
	} else {
		json_object_set_new(o, "desired", json_null());
		json_object_set_new(o, "forecast", json_null());
		dec = json_null();
	}
	json_object_set_new(o, "last_decision", dec);
	json_object_set_new(o, "last_event", p->last_event[0] ?
			    json_pack("{s:f, s:s}", "time", p->last_event_time,
				      "text", p->last_event) : json_null());
	bl = json_array();
	for (i = 0; i < p->n_be; i++) {
		struct be *b = p->bes[i];

		json_array_append_new(bl, json_pack(
			"{s:s, s:i, s:s, s:s, s:i, s:b, s:b, s:s, s:f}",
			"address", b->addr_s, "id", (json_int_t)b->id,
			"state", xlb_state_name(b->map_state),
			"phase", xlbd_phase_name(b->sm.phase),
			"weight", (json_int_t)b->map_weight,
			"healthy", b->hc.up, "failed", b->sm.failed,
			"health_detail", b->hc_detail, "packets_per_s", b->pkt_rate));
	}
	json_object_set_new(o, "backends", bl);
	return o;
}

static void agent_json_write(struct xlbd *d)
{
	char path[XLBD_PATH_MAX + 32], *s;
	json_t *root, *pl;
	size_t i;
	int err;

	pl = json_array();
	for (i = 0; i < d->n_pools; i++)
		json_array_append_new(pl, pool_json(d->pools[i]));
	root = json_pack("{s:i, s:i, s:f, s:f, s:f, s:s, s:s, s:o}",
			 "version", 1, "pid", (json_int_t)getpid(), "updated", real_now(),
			 "started", d->started, "interval", d->conf->interval_s,
			 "config", d->conf_path, "metrics", d->metrics_bound, "pools", pl);
	if (!root)
		return;
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!s)
		return;
	snprintf(path, sizeof(path), "%s/agent.json", d->conf->state_dir);
	err = write_atomic(path, s, strlen(s), false);
	if (err && !d->state_dir_warned) {
		pr_warn("writing %s: %s (agent view not published; retrying quietly)", path,
			strerror(-err));
		d->state_dir_warned = true;
	} else if (!err) {
		d->state_dir_warned = false;
	}
	free(s);
}

/* ---- pools, configuration ------------------------------------------------------ */

static void pool_free(struct xlbd *d, struct pool *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_be; i++)
		be_free(d, p->bes[i]);
	free(p->bes);
	xlb_policy_free(p->pol);
	free(p);
}

static struct pool *pool_new(const struct xlbd_pool_conf *pc)
{
	char err[XLBD_ERR_MAX];
	struct pool *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->conf = *pc;
	p->fresh = true;
	xlb_fmt_vip(&pc->vip, p->vip_s, sizeof(p->vip_s));
	p->pol = xlb_policy_new(&pc->policy, err, sizeof(err));
	if (!p->pol) {
		pr_warn("pool %s: %s", pc->name, err);
		free(p);
		return NULL;
	}
	return p;
}

/* A reload changed what the health check probes (or turned it on or off):
 * the old verdicts say nothing about the new check. Start over as on
 * adoption: serving backends count as up (fall failures take them out),
 * spares as down until they pass; with no check, everyone is up. An
 * in-flight probe of the old check is dropped. */
static void pool_health_reset(struct xlbd *d, struct pool *p, double now)
{
	bool none = p->conf.health.type == XLBD_HC_NONE;
	size_t i;

	if (none && p->panic) {
		pr_warn("pool %s: health: check turned off: panic over", p->conf.name);
		p->panic = false;
	}
	for (i = 0; i < p->n_be; i++) {
		struct be *b = p->bes[i];

		probe_close(d, b);
		xlbd_hc_init(&b->hc, none || xlbd_sm_map_state(&b->sm) != XLB_BACKEND_STANDBY);
		b->fail_open = false;
		b->next_check = now;
		snprintf(b->hc_detail, sizeof(b->hc_detail), "%s",
			 none ? "not checked (health none)" : "not checked yet");
	}
}

static bool health_changed(const struct xlbd_health_conf *a, const struct xlbd_health_conf *b)
{
	return a->type != b->type || a->port != b->port || a->status != b->status ||
	       strcmp(a->path, b->path);
}

/* Swap in a new configuration: build every new pool first (nothing changes
 * if one fails), then move the runtime of pools that stay (same VIP). */
static int apply_conf(struct xlbd *d, struct xlbd_conf *nc)
{
	struct pool **np;
	size_t i, j;

	np = calloc(nc->n_pools ? nc->n_pools : 1, sizeof(*np));
	if (!np)
		return -ENOMEM;
	for (i = 0; i < nc->n_pools; i++) {
		np[i] = pool_new(&nc->pools[i]);
		if (!np[i]) {
			while (i--)
				pool_free(d, np[i]);
			free(np);
			return -EINVAL;
		}
	}
	for (i = 0; i < nc->n_pools; i++) {
		struct pool *old = NULL, *p = np[i];
		struct xlb_policy *pol;

		for (j = 0; j < d->n_pools && !old; j++)
			if (d->pools[j] && !memcmp(&d->pools[j]->conf.vip, &p->conf.vip,
						   sizeof(p->conf.vip)))
				old = d->pools[j];
		if (!old)
			continue;
		if (xlb_policy_adopt_history(p->pol, old->pol))
			pr_warn("pool %s: history bucket size changed: history starts over",
				p->conf.name);
		/* Keep the runtime (backends, probes, counters), take the new
		 * configuration and engine. */
		pol = p->pol;
		*p = *old;
		p->fresh = false;
		p->conf = nc->pools[i];
		xlb_fmt_vip(&p->conf.vip, p->vip_s, sizeof(p->vip_s));
		if (health_changed(&old->conf.health, &p->conf.health))
			pool_health_reset(d, p, mono_now());
		xlb_policy_free(old->pol);
		p->pol = pol;
		for (j = 0; j < p->n_be; j++)
			p->bes[j]->pool = p;
		for (j = 0; j < d->n_pools; j++)
			if (d->pools[j] == old)
				d->pools[j] = NULL;
		free(old);
	}
	for (i = 0; i < d->n_pools; i++) {
		if (d->pools[i])
			pr_info("pool %s: removed from the configuration (backends left as they are)",
				d->pools[i]->conf.name);
		pool_free(d, d->pools[i]);
	}
	free(d->pools);
	d->pools = np;
	d->n_pools = nc->n_pools;
	free(d->conf);
	d->conf = nc;
	return 0;
}

static void conf_warnings(const struct xlbd_conf *c)
{
	char buf[sizeof(c->warnings)], *line, *save;

	snprintf(buf, sizeof(buf), "%s", c->warnings);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		pr_warn("%s", line);
}

static int timer_arm(struct xlbd *d)
{
	struct itimerspec its = {};
	double iv = d->conf->interval_s;

	its.it_interval.tv_sec = (time_t)iv;
	its.it_interval.tv_nsec = (long)((iv - floor(iv)) * 1e9);
	its.it_value = its.it_interval;
	return timerfd_settime(d->timer_ev.fd, 0, &its, NULL) ? -errno : 0;
}

static void state_dir_prepare(struct xlbd *d)
{
	int err = mkdir_p(d->conf->state_dir);

	if (err)
		pr_warn("state_dir %s: %s (history and agent.json will not be written)",
			d->conf->state_dir, strerror(-err));
}

/* Temporary files of write_atomic() left by a crash ("NAME.tmp.PID" of
 * agent.json and history-*.txt): nobody else writes them, remove them. */
static void state_dir_clean(struct xlbd *d)
{
	char path[XLBD_PATH_MAX + 300];
	struct dirent *de;
	DIR *dir;

	dir = opendir(d->conf->state_dir);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		const char *t = strstr(de->d_name, ".tmp.");

		if (!t || strspn(t + 5, "0123456789") != strlen(t + 5) || !t[5])
			continue;
		if (strncmp(de->d_name, "agent.json.tmp.", 15) &&
		    (strncmp(de->d_name, "history-", 8) || strncmp(t - 4, ".txt", 4)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->conf->state_dir, de->d_name);
		if (unlink(path))
			pr_warn("removing stale %s: %s", path, strerror(errno));
		else
			pr_info("removed stale temporary file %s", path);
	}
	closedir(dir);
}

static void reload(struct xlbd *d)
{
	char err[XLBD_ERR_MAX], old_dir[XLBD_PATH_MAX];
	struct xlbd_conf *nc;
	double old_iv = d->conf->interval_s;
	size_t i;

	nc = malloc(sizeof(*nc));
	if (!nc) {
		pr_warn("reload: out of memory: keeping the running configuration");
		return;
	}
	if (xlbd_conf_load(d->conf_path, nc, err, sizeof(err))) {
		pr_warn("reload failed: %s: keeping the running configuration", err);
		d->reloads_failed++;
		free(nc);
		return;
	}
	conf_warnings(nc);
	snprintf(old_dir, sizeof(old_dir), "%s", d->conf->state_dir);
	if (apply_conf(d, nc)) {
		pr_warn("reload failed: pools could not be created: keeping the running "
			"configuration");
		d->reloads_failed++;
		free(nc);
		return;
	}
	d->reloads_ok++;
	if (strcmp(old_dir, d->conf->state_dir))
		state_dir_prepare(d);
	if (old_iv != d->conf->interval_s)
		timer_arm(d);
	metrics_sync(d);
	for (i = 0; i < d->n_pools; i++) {
		if (d->pools[i]->fresh) {
			d->pools[i]->fresh = false;
			/* a pool new in this file: its history, its backends */
			history_load(d, d->pools[i]);
			pool_sync(d, d->pools[i], mono_now());
		}
	}
	pr_info("reloaded %s: %zu pool(s)%s", d->conf_path, d->n_pools,
		d->conf->has_vips ? " (vips section not re-applied: use lbctl config load)" : "");
}

struct count_ctx {
	unsigned n;
};

static int count_vip_cb(const struct xlb_vip_info *vi, void *arg)
{
	(void)vi;
	((struct count_ctx *)arg)->n++;
	return 0;
}

/* ---- main ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "Usage: xlbd -c FILE [-v]    run the autoscaling agent (foreground)\n"
		   "       xlbd --check FILE    validate FILE and exit (0 valid, 1 not)\n"
		   "Pins: $XLB_PIN_DIR or %s. See xlbd.conf.example.\n", XLB_PIN_DIR_DEFAULT);
}

static int check_only(const char *path)
{
	char err[XLBD_ERR_MAX];
	struct xlbd_conf *c = malloc(sizeof(*c));

	if (!c) {
		fprintf(stderr, "Error: out of memory\n");
		return 1;
	}
	if (xlbd_conf_load(path, c, err, sizeof(err))) {
		fprintf(stderr, "Error: %s\n", err);
		free(c);
		return 1;
	}
	if (c->warnings[0])
		fprintf(stderr, "%s", c->warnings);
	printf("%s: ok (%zu pool%s)\n", path, c->n_pools, c->n_pools == 1 ? "" : "s");
	free(c);
	return 0;
}

static int run(struct xlbd *d)
{
	struct epoll_event evs[32];
	bool stop = false;
	double now;
	int n, i, tmo, mt;

	while (!stop) {
		now = mono_now();
		hooks_check_timeouts(d, now);
		tmo = probes_run(d, now);
		mt = metrics_timeout_ms(d);
		if (mt >= 0 && mt < tmo)
			tmo = mt;
		if (d->hooks && tmo > 200)
			tmo = 200;	/* hook deadlines */
		if (tmo > 1000)
			tmo = 1000;
		n = epoll_wait(d->epfd, evs, 32, tmo < 0 ? 0 : tmo);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_warn("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct ev *e = evs[i].data.ptr;

			switch (e->kind) {
			case EV_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(e->fd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGHUP) {
					pr_info("SIGHUP: reloading %s", d->conf_path);
					reload(d);
				} else {
					pr_info("signal %d: exiting", si.ssi_signo);
					stop = true;
				}
				break;
			}
			case EV_TIMER: {
				__u64 ticks;
				size_t k;

				if (read(e->fd, &ticks, sizeof(ticks)) != sizeof(ticks))
					break;
				now = mono_now();
				xlb_refresh(d->xlb);	/* let a resized table go */
				for (k = 0; k < d->n_pools; k++)
					pool_tick(d, d->pools[k], now);
				agent_json_write(d);
				if (now - d->last_history_save >= d->conf->history_save_s) {
					for (k = 0; k < d->n_pools; k++)
						history_save(d, d->pools[k]);
					d->last_history_save = now;
				}
				metrics_sync(d);	/* retries a failed listen */
				break;
			}
			case EV_METRICS:
				break;	/* metrics_run below */
			case EV_PROBE:
				if (e->fd >= 0)	/* not closed earlier in this batch */
					probe_event(d, (struct be *)e);
				break;
			case EV_HOOK:
				hook_done(d, (struct hook *)e);
				break;
			}
		}
		metrics_run(d);
		dead_flush(d);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "check", required_argument, NULL, 'C' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct epoll_event ee = { .events = EPOLLIN };
	struct xlb_open_opts oo = { .mode = XLB_OPEN_CREATE };
	struct xlbd d = { .epfd = -1 };
	struct count_ctx cc = {};
	char err[XLBD_ERR_MAX];
	struct xlbd_conf *conf;
	sigset_t mask;
	struct hook *h;
	size_t i;
	int opt, rc = 1;

	/* Before anything slow (loading the program, reading the file): a
	 * `systemctl reload` right after start must not kill xlbd with
	 * SIGHUP's default action. The signalfd picks them up later. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	while ((opt = getopt_long(argc, argv, "c:vh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			return check_only(optarg);
		case 'c':
			d.conf_path = optarg;
			break;
		case 'v':
			log_level = XLB_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!d.conf_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	conf = malloc(sizeof(*conf));
	if (!conf)
		return 1;
	if (xlbd_conf_load(d.conf_path, conf, err, sizeof(err))) {
		pr_warn("%s", err);
		free(conf);
		return 1;
	}
	conf_warnings(conf);
	d.conf = conf;
	d.started = real_now();
	xlb_set_log(lib_log);

	if (xlb_open(&d.xlb, &oo)) {
		pr_warn("cannot open xlb state: %s", xlb_open_errmsg());
		goto out;
	}
	/* The file's vips are lbctl's part: applied on a first start (empty
	 * state) only. Afterwards the pinned state is adopted as found. */
	if (conf->has_vips) {
		xlb_vip_foreach(d.xlb, count_vip_cb, &cc);
		if (!cc.n) {
			if (xlb_config_load(d.xlb, d.conf_path))
				pr_warn("applying vips of %s: %s", d.conf_path, xlb_errmsg(d.xlb));
			else
				pr_info("empty state: applied the vips of %s", d.conf_path);
		} else {
			pr_info("adopting the live state (%u vips); the file's vips section is "
				"applied by lbctl config load", cc.n);
		}
	}
	state_dir_prepare(&d);
	state_dir_clean(&d);

	sigdelset(&mask, SIGPIPE);	/* blocked, not read */
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	d.sig_ev = (struct ev){ EV_SIGNAL, signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC) };
	d.timer_ev = (struct ev){ EV_TIMER, timerfd_create(CLOCK_MONOTONIC,
							   TFD_NONBLOCK | TFD_CLOEXEC) };
	d.metrics_ev = (struct ev){ EV_METRICS, -1 };
	if (d.epfd < 0 || d.sig_ev.fd < 0 || d.timer_ev.fd < 0) {
		pr_warn("epoll/signalfd/timerfd: %s", strerror(errno));
		goto out;
	}
	ee.data.ptr = &d.sig_ev;
	epoll_ctl(d.epfd, EPOLL_CTL_ADD, d.sig_ev.fd, &ee);
	ee.data.ptr = &d.timer_ev;
	epoll_ctl(d.epfd, EPOLL_CTL_ADD, d.timer_ev.fd, &ee);
	if (timer_arm(&d)) {
		pr_warn("timerfd: %s", strerror(errno));
		goto out;
	}

	d.pools = calloc(conf->n_pools ? conf->n_pools : 1, sizeof(*d.pools));
	if (!d.pools)
		goto out;
	for (i = 0; i < conf->n_pools; i++) {
		d.pools[i] = pool_new(&conf->pools[i]);
		if (!d.pools[i])
			goto out;
		d.n_pools++;
		history_load(&d, d.pools[i]);
		pool_sync(&d, d.pools[i], mono_now());
	}
	d.last_history_save = mono_now();
	metrics_sync(&d);
	pr_info("running: %zu pool(s), interval %.2f s, state %s, metrics %s", d.n_pools,
		conf->interval_s, conf->state_dir, d.metrics_bound[0] ? d.metrics_bound : "off");

	rc = run(&d);

	for (i = 0; i < d.n_pools; i++)
		history_save(&d, d.pools[i]);
	agent_json_write(&d);
out:
	metrics_stop(&d);
	for (h = d.hooks; h; ) {
		struct hook *next = h->next;

		kill(-h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		close(h->ev.fd);
		free(h);
		h = next;
	}
	for (i = 0; i < d.n_pools; i++)
		pool_free(&d, d.pools[i]);
	free(d.pools);
	dead_flush(&d);
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.sig_ev.fd > 0)
		close(d.sig_ev.fd);
	if (d.timer_ev.fd > 0)
		close(d.timer_ev.fd);
	xlb_close(d.xlb);
	free(d.conf);
	pr_info("stopped");
	return rc;
}
