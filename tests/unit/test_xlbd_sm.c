// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlbd's state machines (no root): the health check's rise/fall verdict
 * and a pool backend's phases (standby -> booting -> ramping -> active ->
 * draining -> standby), with the map writes and hooks each step asks for.
 *
 * The Makefile links unit tests with libxlb and libxlbpolicy only, so the
 * state machines' source is compiled into this test directly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../user/xlbd/xlbd.h"

#include "unit.h"

static const struct xlbd_sm_params P = {
	.weight = 100, .slow_start_s = 10, .drain_idle_s = 5, .drain_timeout_s = 60,
	.up_timeout_s = 30,
};

static void test_hc(void)
{
	struct xlbd_hc hc;
	int i, changes = 0;

	/* down -> up after rise (2) consecutive passes */
	xlbd_hc_init(&hc, false);
	CHECK(!xlbd_hc_result(&hc, true, 2, 3) && !hc.up, "one pass must not raise");
	CHECK(xlbd_hc_result(&hc, true, 2, 3) && hc.up, "two passes raise");
	/* up -> down after fall (3) consecutive failures */
	CHECK(!xlbd_hc_result(&hc, false, 2, 3) && hc.up, "1 failure");
	CHECK(!xlbd_hc_result(&hc, false, 2, 3) && hc.up, "2 failures");
	CHECK(xlbd_hc_result(&hc, false, 2, 3) && !hc.up, "3 failures take it down");
	/* a pass between failures resets the run: alternating never flips */
	xlbd_hc_init(&hc, true);
	for (i = 0; i < 20; i++)
		changes += xlbd_hc_result(&hc, i % 3 != 2 ? false : true, 2, 3);
	CHECK(changes == 0 && hc.up, "fail,fail,pass repeated flipped %d times", changes);
	xlbd_hc_init(&hc, false);
	for (i = 0; i < 20; i++)
		changes += xlbd_hc_result(&hc, i % 2 == 0, 2, 3);
	CHECK(changes == 0 && !hc.up, "pass,fail repeated raised it");
	CHECK(hc.checks == 20 && hc.fails == 10, "counts %lu/%lu", hc.checks, hc.fails);
	/* rise 1 / fall 1: every result counts */
	xlbd_hc_init(&hc, false);
	CHECK(xlbd_hc_result(&hc, true, 1, 1) && hc.up, "rise 1");
	CHECK(xlbd_hc_result(&hc, false, 1, 1) && !hc.up, "fall 1");
	/* adopted up: needs fall failures, not one */
	xlbd_hc_init(&hc, true);
	CHECK(!xlbd_hc_result(&hc, false, 2, 3) && hc.up, "adopted up dropped at once");
}

static void test_adopt(void)
{
	struct xlbd_be_sm b;

	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 100, &P, 1000);
	CHECK(b.phase == XLBD_PH_ACTIVE && xlbd_sm_map_state(&b) == XLB_BACKEND_ACTIVE,
	      "active at full weight: %s", xlbd_phase_name(b.phase));
	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 50, &P, 1000);
	CHECK(b.phase == XLBD_PH_RAMPING && b.since == 995,
	      "half-ramped: continues from the middle (phase %s, since %.0f)",
	      xlbd_phase_name(b.phase), b.since);
	xlbd_sm_adopt(&b, XLB_BACKEND_DRAINING, 100, &P, 1000);
	CHECK(b.phase == XLBD_PH_DRAINING && xlbd_sm_map_state(&b) == XLB_BACKEND_DRAINING,
	      "draining stays draining");
	xlbd_sm_adopt(&b, XLB_BACKEND_STANDBY, 100, &P, 1000);
	CHECK(b.phase == XLBD_PH_STANDBY && !b.failed, "standby");
}

/* Adopted state never changes by itself: no flap after a restart. */
static void test_no_flap(void)
{
	static const enum xlb_backend_state st[] = { XLB_BACKEND_ACTIVE, XLB_BACKEND_STANDBY };
	struct xlbd_be_sm b;
	struct xlbd_act act;
	unsigned acts = 0;
	size_t k;
	int t;

	for (k = 0; k < 2; k++) {
		xlbd_sm_adopt(&b, st[k], 100, &P, 0);
		for (t = 1; t < 600; t++) {
			xlbd_sm_tick(&b, &P, t, true, t * 10, &act);
			acts += act.flags != 0;
		}
	}
	CHECK(acts == 0, "adopted backends acted %u times on their own", acts);
}

static void test_scale_up(void)
{
	struct xlbd_be_sm b;
	struct xlbd_act act;
	__u16 last = 0;
	bool mono = true;
	int t;

	xlbd_sm_adopt(&b, XLB_BACKEND_STANDBY, 100, &P, 0);
	CHECK(xlbd_sm_scale_up(&b, 0, &act) == 0 && b.phase == XLBD_PH_BOOTING &&
	      act.flags == (XLBD_ACT_HOOK_UP | XLBD_ACT_HC_RESET),
	      "standby -> booting + hook + stale verdict reset (flags %#x)", act.flags);
	CHECK(xlbd_sm_map_state(&b) == XLB_BACKEND_STANDBY, "booting is not in the ring");
	CHECK(xlbd_sm_scale_up(&b, 0, &act) == -EINVAL, "second claim accepted");
	/* hook still running: wait even when healthy */
	b.hook_running = true;
	xlbd_sm_tick(&b, &P, 1, true, 0, &act);
	CHECK(b.phase == XLBD_PH_BOOTING && !act.flags, "activated while the hook runs");
	b.hook_running = false;
	xlbd_sm_tick(&b, &P, 2, false, 0, &act);
	CHECK(b.phase == XLBD_PH_BOOTING && !act.flags, "activated while unhealthy");
	xlbd_sm_tick(&b, &P, 3, true, 0, &act);
	CHECK(b.phase == XLBD_PH_RAMPING && act.flags == (XLBD_ACT_WEIGHT | XLBD_ACT_STATE) &&
	      act.state == XLB_BACKEND_ACTIVE && act.weight >= 1 && act.weight < 100,
	      "healthy: active at a low weight (flags %#x weight %u)", act.flags, act.weight);
	last = act.weight;
	/* slow start: weight rises, never falls, reaches 100 after 10 s */
	for (t = 4; t <= 14; t++) {
		xlbd_sm_tick(&b, &P, t, true, 0, &act);
		if (act.flags & XLBD_ACT_WEIGHT) {
			mono &= act.weight > last;
			last = act.weight;
		}
		CHECK(!(act.flags & XLBD_ACT_STATE), "state written during the ramp");
	}
	CHECK(mono, "ramp not monotonic");
	CHECK(last == 100 && b.phase == XLBD_PH_ACTIVE, "ramp ends at 100 active (%u, %s)", last,
	      xlbd_phase_name(b.phase));
	CHECK(b.activated == 3, "activation time %.0f", b.activated);

	/* no slow start: straight to full weight */
	{
		struct xlbd_sm_params p0 = P;

		p0.slow_start_s = 0;
		xlbd_sm_adopt(&b, XLB_BACKEND_STANDBY, 100, &p0, 0);
		xlbd_sm_scale_up(&b, 0, &act);
		xlbd_sm_tick(&b, &p0, 1, true, 0, &act);
		CHECK(b.phase == XLBD_PH_ACTIVE && act.weight == 100, "slow_start 0");
	}
}

static void test_up_timeout(void)
{
	struct xlbd_be_sm b;
	struct xlbd_act act;

	xlbd_sm_adopt(&b, XLB_BACKEND_STANDBY, 100, &P, 0);
	xlbd_sm_scale_up(&b, 100, &act);
	xlbd_sm_tick(&b, &P, 129, false, 0, &act);
	CHECK(b.phase == XLBD_PH_BOOTING && !act.flags, "gave up before up_timeout");
	xlbd_sm_tick(&b, &P, 130, false, 0, &act);
	CHECK(b.phase == XLBD_PH_STANDBY && act.flags == (XLBD_ACT_HOOK_DOWN | XLBD_ACT_HC_RESET),
	      "never healthy: back to standby + down hook + verdict reset (flags %#x)", act.flags);
	CHECK(b.cooldown_until == 160, "cooldown %.0f", b.cooldown_until);
	CHECK(strstr(act.why, "not healthy after 30 s") != NULL, "why '%s'", act.why);
	/* cancelled boot: straight back, down hook */
	xlbd_sm_scale_up(&b, 200, &act);
	CHECK(xlbd_sm_scale_down(&b, 201, &act) == 0 && b.phase == XLBD_PH_STANDBY &&
	      act.flags == (XLBD_ACT_HOOK_DOWN | XLBD_ACT_HC_RESET), "boot cancel (flags %#x)",
	      act.flags);
}

static void test_drain(void)
{
	struct xlbd_be_sm b;
	struct xlbd_act act;
	int t;

	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 100, &P, 0);
	CHECK(xlbd_sm_scale_down(&b, 10, &act) == 0 && b.phase == XLBD_PH_DRAINING &&
	      act.flags == XLBD_ACT_STATE && act.state == XLB_BACKEND_DRAINING,
	      "active -> draining");
	CHECK(xlbd_sm_scale_down(&b, 10, &act) == -EINVAL, "draining twice");
	/* traffic for 20 s keeps it draining */
	for (t = 11; t <= 30; t++) {
		xlbd_sm_tick(&b, &P, t, true, 1000 + t, &act);
		CHECK(b.phase == XLBD_PH_DRAINING && !act.flags, "left draining at %d with traffic", t);
	}
	/* idle for drain_idle (5 s): standby, down hook */
	for (t = 31; t < 35; t++) {
		xlbd_sm_tick(&b, &P, t, true, 1030, &act);
		CHECK(!act.flags, "standby before idle long enough (t %d)", t);
	}
	xlbd_sm_tick(&b, &P, 35, true, 1030, &act);
	/* the verdict of the serving server is stale once it stops: reset */
	CHECK(b.phase == XLBD_PH_STANDBY &&
	      act.flags == (XLBD_ACT_STATE | XLBD_ACT_HOOK_DOWN | XLBD_ACT_HC_RESET) &&
	      act.state == XLB_BACKEND_STANDBY, "idle 5 s: standby (flags %#x)", act.flags);
	CHECK(strstr(act.why, "drained") != NULL, "why '%s'", act.why);

	/* busy forever: the drain timeout (60 s) ends it */
	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 100, &P, 0);
	xlbd_sm_scale_down(&b, 100, &act);
	for (t = 101; t < 160; t++) {
		xlbd_sm_tick(&b, &P, t, true, t, &act);
		CHECK(!act.flags, "drain ended at %d despite traffic", t);
	}
	xlbd_sm_tick(&b, &P, 160, true, 160, &act);
	CHECK(b.phase == XLBD_PH_STANDBY && act.flags & XLBD_ACT_STATE &&
	      strstr(act.why, "drain timeout"), "drain timeout: '%s'", act.why);

	/* a restart during the drain: adopted draining, clock restarts */
	xlbd_sm_adopt(&b, XLB_BACKEND_DRAINING, 100, &P, 500);
	xlbd_sm_tick(&b, &P, 501, true, 7, &act);
	CHECK(b.phase == XLBD_PH_DRAINING && !act.flags, "adopted drain ended at once");
}

static void test_health(void)
{
	struct xlbd_be_sm b;
	struct xlbd_act act;

	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 100, &P, 0);
	xlbd_sm_health(&b, &P, false, 5, &act);
	CHECK(b.phase == XLBD_PH_STANDBY && b.failed && act.flags == XLBD_ACT_STATE &&
	      act.state == XLB_BACKEND_STANDBY, "failing active leaves the ring");
	xlbd_sm_tick(&b, &P, 6, false, 0, &act);
	CHECK(b.phase == XLBD_PH_STANDBY && !act.flags, "came back while unhealthy");
	CHECK(xlbd_sm_scale_up(&b, 6, &act) == 0, "a failed backend can still be claimed");
	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 100, &P, 0);
	xlbd_sm_health(&b, &P, false, 5, &act);
	xlbd_sm_health(&b, &P, true, 9, &act);
	CHECK(b.phase == XLBD_PH_RAMPING && !b.failed && act.flags & XLBD_ACT_STATE &&
	      act.state == XLB_BACKEND_ACTIVE && act.weight < 100,
	      "recovery comes back through slow start (phase %s, weight %u)",
	      xlbd_phase_name(b.phase), act.weight);
	/* ramping and failing: out again */
	xlbd_sm_health(&b, &P, false, 10, &act);
	CHECK(b.phase == XLBD_PH_STANDBY && b.failed, "ramping failure");
	/* an ordinary standby (not failed) does not join the ring when healthy */
	xlbd_sm_adopt(&b, XLB_BACKEND_STANDBY, 100, &P, 0);
	xlbd_sm_health(&b, &P, true, 1, &act);
	xlbd_sm_tick(&b, &P, 2, true, 0, &act);
	CHECK(b.phase == XLBD_PH_STANDBY && !act.flags, "healthy spare joined the ring");
	/* draining and failing: stays draining (its flows are its own) */
	xlbd_sm_adopt(&b, XLB_BACKEND_DRAINING, 100, &P, 0);
	xlbd_sm_health(&b, &P, false, 1, &act);
	CHECK(b.phase == XLBD_PH_DRAINING && !act.flags, "draining failure acted");
}

/* Envoy's panic threshold: "fewer than half" of the ring pass. */
static void test_panic(void)
{
	CHECK(xlbd_health_panic(1, 3, 0.5), "1 of 3 pass: panic");
	CHECK(xlbd_health_panic(0, 1, 0.5), "0 of 1 pass: panic");
	CHECK(xlbd_health_panic(0, 3, 0.01), "none passes: panic at any threshold > 0");
	CHECK(!xlbd_health_panic(2, 3, 0.5), "2 of 3 pass: no panic");
	CHECK(!xlbd_health_panic(1, 2, 0.5), "1 of 2 is half, not fewer: no panic");
	CHECK(!xlbd_health_panic(3, 4, 0.5), "one of 4 failing: no panic");
	CHECK(xlbd_health_panic(3, 4, 0.8), "3 of 4 below 0.8: panic");
	CHECK(!xlbd_health_panic(0, 3, 0), "threshold 0 turns it off");
	CHECK(!xlbd_health_panic(0, 0, 0.5), "an empty ring is no panic");
}

/* A drained backend's verdict was the serving server's: after standby
 * and at its next claim, only fresh passes may activate it. */
static void test_stale_verdict(void)
{
	struct xlbd_be_sm b;
	struct xlbd_act act;
	struct xlbd_hc hc;

	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 100, &P, 0);
	xlbd_hc_init(&hc, true);
	xlbd_sm_scale_down(&b, 1, &act);
	xlbd_sm_tick(&b, &P, 10, hc.up, 0, &act);
	CHECK(b.phase == XLBD_PH_STANDBY && act.flags & XLBD_ACT_HC_RESET, "drained: reset asked");
	if (act.flags & XLBD_ACT_HC_RESET)	/* what xlbd does with the flag */
		xlbd_hc_init(&hc, false);
	xlbd_sm_scale_up(&b, 11, &act);
	CHECK(act.flags & XLBD_ACT_HC_RESET, "claim: reset asked");
	xlbd_sm_tick(&b, &P, 12, hc.up, 0, &act);
	CHECK(b.phase == XLBD_PH_BOOTING && !act.flags,
	      "reclaimed while stopping: activated on the stale verdict");
	xlbd_hc_result(&hc, true, 2, 3);
	xlbd_hc_result(&hc, true, 2, 3);
	xlbd_sm_tick(&b, &P, 14, hc.up, 0, &act);
	CHECK(b.phase == XLBD_PH_RAMPING, "fresh passes activate it (%s)", xlbd_phase_name(b.phase));
}

static void test_follow(void)
{
	struct xlbd_be_sm b;

	xlbd_sm_adopt(&b, XLB_BACKEND_ACTIVE, 100, &P, 0);
	CHECK(!xlbd_sm_follow(&b, XLB_BACKEND_ACTIVE, 1), "same state reported as a change");
	CHECK(xlbd_sm_follow(&b, XLB_BACKEND_DRAINING, 2) && b.phase == XLBD_PH_DRAINING,
	      "operator drain not followed");
	CHECK(xlbd_sm_follow(&b, XLB_BACKEND_STANDBY, 3) && b.phase == XLBD_PH_STANDBY,
	      "operator standby not followed");
	xlbd_sm_scale_up(&b, 4, &(struct xlbd_act){});
	CHECK(!xlbd_sm_follow(&b, XLB_BACKEND_STANDBY, 5) && b.phase == XLBD_PH_BOOTING,
	      "booting is standby in the map");
	CHECK(xlbd_sm_follow(&b, XLB_BACKEND_ACTIVE, 6) && b.phase == XLBD_PH_ACTIVE,
	      "operator activation not followed");
}

int main(void)
{
	test_hc();
	test_adopt();
	test_no_flap();
	test_scale_up();
	test_up_timeout();
	test_drain();
	test_health();
	test_follow();
	test_panic();
	test_stale_verdict();
	return UNIT_SUMMARY();
}
