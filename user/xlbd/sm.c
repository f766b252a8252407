// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The two state machines of xlbd, pure (the caller owns time and I/O):
 * a health check's up/down verdict with HAProxy's rise/fall counting, and
 * the phase of a pool backend (standby, booting, ramping, active,
 * draining). Each call reports what the daemon has to write into the maps
 * or run, so the daemon only applies, and the tests only compare.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xlbd.h"

static const char *const phase_names[] = {
#define XLBD_PHASE_STR(n, s) s,
	XLBD_PHASES(XLBD_PHASE_STR)
#undef XLBD_PHASE_STR
};

const char *xlbd_phase_name(enum xlbd_phase ph)
{
	return ph < XLBD_PH_MAX ? phase_names[ph] : "?";
}

/* ---- health ----------------------------------------------------------------- */

void xlbd_hc_init(struct xlbd_hc *hc, bool up)
{
	memset(hc, 0, sizeof(*hc));
	hc->up = up;
}

bool xlbd_hc_result(struct xlbd_hc *hc, bool ok, unsigned rise, unsigned fall)
{
	hc->checks++;
	if (!ok)
		hc->fails++;
	if (ok == hc->up) {
		hc->count = 0;	/* a result agreeing with the verdict resets the run */
		return false;
	}
	if (++hc->count < (hc->up ? fall : rise))
		return false;
	hc->up = ok;
	hc->count = 0;
	return true;
}

bool xlbd_health_panic(unsigned passing, unsigned total, double threshold)
{
	return threshold > 0 && total > 0 && passing < threshold * total;
}

/* ---- backend phases ------------------------------------------------------- */

static void act_clear(struct xlbd_act *act)
{
	memset(act, 0, sizeof(*act));
}

static void set_phase(struct xlbd_be_sm *b, enum xlbd_phase ph, double now)
{
	b->phase = ph;
	b->since = now;
}

/* Weight during slow start: linear from 1/N of full to full. */
static __u16 ramp_weight(const struct xlbd_be_sm *b, const struct xlbd_sm_params *p, double now)
{
	double f, w;

	if (p->slow_start_s <= 0)
		return p->weight;
	f = (now - b->since) / p->slow_start_s;
	if (f >= 1)
		return p->weight;
	w = ceil(p->weight * (f > 0 ? f : 0));
	return w < 1 ? 1 : (__u16)w;
}

/* Into the ring at the ramp's first weight. */
static void start_ramp(struct xlbd_be_sm *b, const struct xlbd_sm_params *p, double now,
		       struct xlbd_act *act)
{
	set_phase(b, XLBD_PH_RAMPING, now);
	b->activated = now;
	b->weight = ramp_weight(b, p, now);
	if (b->weight >= p->weight)
		b->phase = XLBD_PH_ACTIVE;
	act->flags |= XLBD_ACT_WEIGHT | XLBD_ACT_STATE;
	act->weight = b->weight;
	act->state = XLB_BACKEND_ACTIVE;
}

enum xlb_backend_state xlbd_sm_map_state(const struct xlbd_be_sm *b)
{
	switch (b->phase) {
	case XLBD_PH_RAMPING:
	case XLBD_PH_ACTIVE:
		return XLB_BACKEND_ACTIVE;
	case XLBD_PH_DRAINING:
		return XLB_BACKEND_DRAINING;
	default:
		return XLB_BACKEND_STANDBY;
	}
}

void xlbd_sm_adopt(struct xlbd_be_sm *b, enum xlb_backend_state state, __u16 weight,
		   const struct xlbd_sm_params *p, double now)
{
	memset(b, 0, sizeof(*b));
	b->weight = weight;
	switch (state) {
	case XLB_BACKEND_ACTIVE:
		/* Below full weight: a ramp interrupted by a restart goes on
		 * from where it was instead of jumping to full. */
		if (weight < p->weight && p->slow_start_s > 0) {
			set_phase(b, XLBD_PH_RAMPING,
				  now - p->slow_start_s * weight / (double)p->weight);
		} else {
			set_phase(b, XLBD_PH_ACTIVE, now);
		}
		b->activated = b->since;
		break;
	case XLB_BACKEND_DRAINING:
		/* The drain clock restarts: flows are kept, only later. */
		set_phase(b, XLBD_PH_DRAINING, now);
		b->idle_since = now;
		break;
	default:
		set_phase(b, XLBD_PH_STANDBY, now);
		break;
	}
}

bool xlbd_sm_follow(struct xlbd_be_sm *b, enum xlb_backend_state state, double now)
{
	if (xlbd_sm_map_state(b) == state)
		return false;
	b->hook_running = false;
	b->failed = false;
	switch (state) {
	case XLB_BACKEND_ACTIVE:
		set_phase(b, XLBD_PH_ACTIVE, now);
		b->activated = now;
		break;
	case XLB_BACKEND_DRAINING:
		set_phase(b, XLBD_PH_DRAINING, now);
		b->idle_since = now;
		break;
	default:
		set_phase(b, XLBD_PH_STANDBY, now);
		break;
	}
	return true;
}

int xlbd_sm_scale_up(struct xlbd_be_sm *b, double now, struct xlbd_act *act)
{
	act_clear(act);
	if (b->phase != XLBD_PH_STANDBY)
		return -EINVAL;
	set_phase(b, XLBD_PH_BOOTING, now);
	b->failed = false;
	act->flags = XLBD_ACT_HOOK_UP | XLBD_ACT_HC_RESET;
	snprintf(act->why, sizeof(act->why), "scale up: booting");
	return 0;
}

int xlbd_sm_scale_down(struct xlbd_be_sm *b, double now, struct xlbd_act *act)
{
	act_clear(act);
	switch (b->phase) {
	case XLBD_PH_BOOTING:
		set_phase(b, XLBD_PH_STANDBY, now);
		b->hook_running = false;
		act->flags = XLBD_ACT_HOOK_DOWN | XLBD_ACT_HC_RESET;
		snprintf(act->why, sizeof(act->why), "scale down: boot cancelled");
		return 0;
	case XLBD_PH_RAMPING:
	case XLBD_PH_ACTIVE:
		set_phase(b, XLBD_PH_DRAINING, now);
		b->idle_since = now;
		act->flags = XLBD_ACT_STATE;
		act->state = XLB_BACKEND_DRAINING;
		snprintf(act->why, sizeof(act->why), "scale down: draining");
		return 0;
	default:
		return -EINVAL;
	}
}

void xlbd_sm_health(struct xlbd_be_sm *b, const struct xlbd_sm_params *p, bool up,
		    double now, struct xlbd_act *act)
{
	act_clear(act);
	if (!up && (b->phase == XLBD_PH_ACTIVE || b->phase == XLBD_PH_RAMPING)) {
		/* Out of the ring at once: its flows stay pinned to it (a
		 * dead server resets them anyway), new flows go elsewhere,
		 * and the pool counts it as lost capacity. */
		set_phase(b, XLBD_PH_STANDBY, now);
		b->failed = true;
		act->flags = XLBD_ACT_STATE;
		act->state = XLB_BACKEND_STANDBY;
		snprintf(act->why, sizeof(act->why), "health check failed: out of the ring");
	} else if (up && b->phase == XLBD_PH_STANDBY && b->failed) {
		b->failed = false;
		start_ramp(b, p, now, act);
		snprintf(act->why, sizeof(act->why), "recovered: back through slow start (weight %u)",
			 b->weight);
	}
}

void xlbd_sm_tick(struct xlbd_be_sm *b, const struct xlbd_sm_params *p, double now,
		  bool healthy, __u64 packets, struct xlbd_act *act)
{
	__u16 w;

	act_clear(act);
	switch (b->phase) {
	case XLBD_PH_BOOTING:
		if (!b->hook_running && healthy) {
			start_ramp(b, p, now, act);
			snprintf(act->why, sizeof(act->why), "healthy: active, slow start (weight %u)",
				 b->weight);
		} else if (now - b->since >= p->up_timeout_s) {
			set_phase(b, XLBD_PH_STANDBY, now);
			b->hook_running = false;
			b->cooldown_until = now + p->up_timeout_s;
			act->flags = XLBD_ACT_HOOK_DOWN | XLBD_ACT_HC_RESET;
			snprintf(act->why, sizeof(act->why),
				 "not healthy after %.0f s: back to standby", p->up_timeout_s);
		}
		break;
	case XLBD_PH_RAMPING:
		w = ramp_weight(b, p, now);
		if (w != b->weight) {
			b->weight = w;
			act->flags = XLBD_ACT_WEIGHT;
			act->weight = w;
		}
		if (w >= p->weight) {
			b->phase = XLBD_PH_ACTIVE;	/* since stays: the activation time */
			snprintf(act->why, sizeof(act->why), "slow start done (weight %u)", w);
		}
		break;
	case XLBD_PH_DRAINING:
		if (packets != b->last_packets) {
			b->last_packets = packets;
			b->idle_since = now;
		}
		if (now - b->idle_since >= p->drain_idle_s) {
			set_phase(b, XLBD_PH_STANDBY, now);
			snprintf(act->why, sizeof(act->why), "drained (idle %.0f s): standby",
				 p->drain_idle_s);
		} else if (now - b->since >= p->drain_timeout_s) {
			set_phase(b, XLBD_PH_STANDBY, now);
			snprintf(act->why, sizeof(act->why), "drain timeout (%.0f s): standby",
				 p->drain_timeout_s);
		} else {
			break;
		}
		act->flags = XLBD_ACT_STATE | XLBD_ACT_HOOK_DOWN | XLBD_ACT_HC_RESET;
		act->state = XLB_BACKEND_STANDBY;
		break;
	case XLBD_PH_STANDBY:
		if (b->failed && healthy)
			xlbd_sm_health(b, p, true, now, act);
		break;
	default:
		break;
	}
}
