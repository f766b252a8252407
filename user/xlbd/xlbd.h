/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xlbd internals: the configuration model (conf.c), the health-check and
 * backend scale state machines (sm.c), and the daemon's pieces (main.c,
 * metrics.c). conf.c and sm.c are pure (no BPF, no clock, no I/O besides
 * reading the config file) so that tests/unit/test_xlbd_*.c can run them
 * without root.
 */
#ifndef XLBD_H
#define XLBD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "xlb.h"
#include "policy.h"

#define XLBD_NAME_MAX		32
#define XLBD_PATH_MAX		256
#define XLBD_MAX_POOLS		64
#define XLBD_ERR_MAX		384
#define XLBD_STATE_DIR_DEFAULT	"/var/lib/xlbd"
#define XLBD_METRICS_DEFAULT	"127.0.0.1:9143"
/* demand.stabilization when a pool does not set it (Kubernetes' HPA) */
#define XLBD_STABILIZATION_DEFAULT_S	300

/* The load signal a pool scales on (a rate per second summed over the VIP). */
enum xlbd_signal { XLBD_SIG_NEW_FLOWS, XLBD_SIG_PACKETS, XLBD_SIG_BITS, XLBD_SIG_MAX };

enum xlbd_hc_type { XLBD_HC_NONE, XLBD_HC_TCP, XLBD_HC_HTTP };

struct xlbd_health_conf {
	enum xlbd_hc_type type;
	__u16 port;		/* on the backend's own address */
	char path[128];		/* HTTP only */
	int status;		/* expected HTTP status */
	double interval_s;	/* 2 (HAProxy inter) */
	double timeout_s;	/* 1 */
	unsigned rise;		/* 2 */
	unsigned fall;		/* 3 */
	/* Envoy's panic threshold (0.5): while fewer than this fraction of
	 * the ring's backends pass, none is taken out for failing; 0 = off. */
	double panic;
};

struct xlbd_pool_conf {
	char name[XLBD_NAME_MAX];
	struct xlb_vip_key vip;
	int line;			/* where the pool starts in the file */
	enum xlbd_signal signal;
	__u16 weight;			/* full weight of an active backend (100) */
	double slow_start_s;		/* weight ramp after activation (30) */
	double drain_idle_s;		/* no packets for this long: drained (10) */
	double drain_timeout_s;		/* drained anyway after this (300) */
	double up_timeout_s;		/* scale-up gives up after this (120) */
	char on_scale_up[XLBD_PATH_MAX];	/* "" = none */
	char on_scale_down[XLBD_PATH_MAX];
	struct xlbd_health_conf health;
	struct xlb_policy_cfg policy;
	/* Load one backend serves when saturated (signal units/s), 0 = not
	 * given. With it, demand.util / predictive.util set the targets as
	 * fractions of it, as tools/xlb-sim measures them. */
	double capacity;
};

struct xlbd_conf {
	double interval_s;		/* decision interval (1) */
	char state_dir[XLBD_PATH_MAX];
	char metrics[96];		/* "ADDR:PORT", "[ADDR6]:PORT"; "" = off */
	double history_save_s;		/* persist the load history every (300) */
	double log_every_s;		/* status line even when nothing changed (60) */
	double hook_timeout_s;		/* a hook is killed after this (30) */
	bool has_vips;			/* the file has a vips section (lbctl's part) */
	size_t n_pools;
	struct xlbd_pool_conf pools[XLBD_MAX_POOLS];
	/* Non-fatal remarks (missing hook file, ...): one per line. */
	char warnings[1024];
};

/* Parse and validate path. Returns 0, or -EINVAL / -ENOENT with err set to
 * "FILE:LINE: what is wrong". Nothing global changes on failure. */
int xlbd_conf_load(const char *path, struct xlbd_conf *out, char *err, size_t errlen);
void xlbd_conf_init(struct xlbd_conf *c);
const char *xlbd_signal_name(enum xlbd_signal s);
/* "127.0.0.1:9143" / "[::1]:9143" -> sockaddr; 0 or -EINVAL. */
struct sockaddr_storage;
int xlbd_parse_listen(const char *s, struct sockaddr_storage *ss, unsigned *len);

/* ---- Health check state machine (HAProxy's rise/fall) ---------------------- */

struct xlbd_hc {
	bool up;		/* the verdict */
	unsigned count;		/* consecutive results against the verdict */
	unsigned long checks, fails;
};

/* Start from a verdict: adopted active backends start up (fall failures to
 * go down, so a restart does not flap), everything else down (rise). */
void xlbd_hc_init(struct xlbd_hc *hc, bool up);
/* Feed one result; returns true when the verdict changed. */
bool xlbd_hc_result(struct xlbd_hc *hc, bool ok, unsigned rise, unsigned fall);
/*
 * Panic mode (Envoy's panic threshold): true when fewer than threshold x
 * total of the ring's backends (in the ring, or taken out of it by their
 * health check) pass. A check that fails everywhere at once (a wrong port
 * after a reload, a shared dependency of /healthz down) then takes nothing
 * out. threshold 0 turns it off; total 0 is never a panic.
 */
bool xlbd_health_panic(unsigned passing, unsigned total, double threshold);

/* ---- Backend scale state machine ----------------------------------------- */

/*
 * Phases of a pool backend as xlbd drives it, and the map state each one
 * implies:
 *   STANDBY  (standby)  in the pool; failed = taken out by its health check
 *   BOOTING  (standby)  scale-up claimed it: hook, then health gate
 *   RAMPING  (active)   in the ring, weight rising over slow_start
 *   ACTIVE   (active)   in the ring at full weight
 *   DRAINING (draining) no new flows; standby once idle or timed out
 */
#define XLBD_PHASES(X)			\
	X(STANDBY, "standby")		\
	X(BOOTING, "booting")		\
	X(RAMPING, "ramping")		\
	X(ACTIVE, "active")		\
	X(DRAINING, "draining")

enum xlbd_phase {
#define XLBD_PHASE_ENUM(n, s) XLBD_PH_##n,
	XLBD_PHASES(XLBD_PHASE_ENUM)
#undef XLBD_PHASE_ENUM
	XLBD_PH_MAX
};

struct xlbd_sm_params {
	__u16 weight;
	double slow_start_s, drain_idle_s, drain_timeout_s, up_timeout_s;
};

struct xlbd_be_sm {
	enum xlbd_phase phase;
	bool failed;		/* out by health check: returns via slow start */
	bool hook_running;	/* an on_scale_up hook is still running */
	double since;		/* phase entered */
	double activated;	/* last time it entered the ring (newest goes first) */
	double idle_since;	/* draining: packet counter last moved */
	double cooldown_until;	/* not picked for scale-up before this */
	__u64 last_packets;
	__u16 weight;		/* as last written */
};

/* What the daemon must do after a state machine call. */
enum {
	XLBD_ACT_STATE		= 1 << 0,	/* set map state to act->state */
	XLBD_ACT_WEIGHT		= 1 << 1,	/* set weight to act->weight (before STATE) */
	XLBD_ACT_HOOK_UP	= 1 << 2,
	XLBD_ACT_HOOK_DOWN	= 1 << 3,
	/* Back to standby or claimed for a boot: the health verdict is stale
	 * (the server may be stopping or not started yet). Start it over as
	 * down, so that only fresh passes (rise) count. */
	XLBD_ACT_HC_RESET	= 1 << 4,
};

struct xlbd_act {
	unsigned flags;
	enum xlb_backend_state state;
	__u16 weight;
	char why[96];		/* for the log line; "" when nothing happened */
};

/* Adopt a backend as found in the maps (restart, or a new backend). */
void xlbd_sm_adopt(struct xlbd_be_sm *b, enum xlb_backend_state state, __u16 weight,
		   const struct xlbd_sm_params *p, double now);
/* The map changed under us (operator): follow it. True if it differed. */
bool xlbd_sm_follow(struct xlbd_be_sm *b, enum xlb_backend_state state, double now);
enum xlb_backend_state xlbd_sm_map_state(const struct xlbd_be_sm *b);
/* Scale-up claim: STANDBY -> BOOTING (+ hook). -EINVAL in another phase. */
int xlbd_sm_scale_up(struct xlbd_be_sm *b, double now, struct xlbd_act *act);
/* Scale-down: RAMPING/ACTIVE -> DRAINING; BOOTING -> STANDBY (+ down hook). */
int xlbd_sm_scale_down(struct xlbd_be_sm *b, double now, struct xlbd_act *act);
/* Health verdict changed. */
void xlbd_sm_health(struct xlbd_be_sm *b, const struct xlbd_sm_params *p, bool up,
		    double now, struct xlbd_act *act);
/* Once per decision interval: ramps, drains, scale-up gate and timeout. */
void xlbd_sm_tick(struct xlbd_be_sm *b, const struct xlbd_sm_params *p, double now,
		  bool healthy, __u64 packets, struct xlbd_act *act);
const char *xlbd_phase_name(enum xlbd_phase ph);

#endif /* XLBD_H */
