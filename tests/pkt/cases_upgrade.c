// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Upgrade of pinned state made before xlb_vip_filter existed: libxlb must
 * recreate the missing pin (from xlb_vip_addrs, or by taking over the map of
 * a program still running on the state) so that flows, counters and VIPs
 * survive. Uses real pins in a private directory and an attach to a veth of
 * the test netns; everything is removed at the end, pass or fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "env.h"

#define UP_DEV		"xup0"
#define NFLOWS		32
#define VIP4_B		"198.18.0.11"

/* Mid-connection packets (ACK): any TCP packet may start a flow, and a SYN
 * hitting an entry would count as a new connection. */
static size_t flow_frame(uint8_t *b, int i)
{
	return env_frame_flags(b, CLIENT4, 31000 + i, VIP4, 80, 6, PKT_TCP_ACK | PKT_TCP_PSH, 16);
}

static int send_to(struct th *t, const char *what, const uint8_t *in, size_t len,
		   int vip, int be, bool is_new)
{
	uint8_t out[PKT_MAX];
	struct th_exp e = {
		.verdict = XDP_REDIRECT,
		.reason = XLB_STAT_REDIRECT_FORWARD,
		.out = out,
		.vip = TH_IDX(vip),
		.be = TH_IDX(be),
	};

	e.outlen = env_exp_fwd(t, be, in, len, out);
	if (is_new) {
		e.ev_new = 1;
		e.vip_new = 1;
		e.be_new = TH_IDX(be);
	} else {
		e.ev_hit = 1;
	}
	return th_check(t, what, in, len, &e);
}

static int predict(struct th *t, int vip, const uint8_t *in, size_t len)
{
	struct xlb_flow fl;

	if (th_flow_of(in, len, &fl))
		return -1;
	return th_predict(t, vip, &fl);
}

static int reopen(struct th *t, const char *dir, enum xlb_open_mode mode)
{
	struct xlb_open_opts o = { .mode = mode, .pin_dir = dir, .conn_max = TH_CONN_MAX };
	int err;

	err = xlb_open(&t->xlb, &o);
	if (err) {
		th_fail(t, "xlb_open(%s): %s", mode == XLB_OPEN_CREATE ? "CREATE" : "PINNED",
			xlb_open_errmsg());
		t->xlb = NULL;
		return err;
	}
	t->prog_fd = xlb_prog_fd(t->xlb);
	return 0;
}

static bool pinned(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/xlb_vip_filter", dir);
	return access(path, F_OK) == 0;
}

static void rm_filter_pin(struct th *t, const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/xlb_vip_filter", dir);
	if (unlink(path))
		th_fail(t, "unlink %s: %s", path, strerror(errno));
}

/* Established flows stay on their backends (conn_hit). */
static void check_flows(struct th *t, const int *orig, const char *when)
{
	uint8_t in[PKT_MAX];
	char what[96];
	size_t len;
	int i;

	for (i = 0; i < NFLOWS && !t->fails; i++) {
		len = flow_frame(in, i);
		snprintf(what, sizeof(what), "flow %d %s", i, when);
		send_to(t, what, in, len, 0, orig[i], false);
	}
}

static void upgrade_recreates_vip_filter(void)
{
	struct th_exp pass = { .verdict = XDP_PASS, .reason = XLB_STAT_PASS_NOT_VIP };
	int orig[NFLOWS], i, be, old_prog = -1;
	struct xlb_addr a10, a11;
	uint8_t in[PKT_MAX];
	struct th_snap s;
	char dir[64];
	struct th t;
	size_t len;

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/xlb-pkttest-%d", (int)getpid());
	th_begin(&t, "upgrade: missing xlb_vip_filter pin is rebuilt, flows survive",
		 env_ifindex[0]);
	if (env_sh("ip link add " UP_DEV " type veth peer name xup1 && "
		   "ip link set " UP_DEV " up && ip link set xup1 up")) {
		th_fail(&t, "cannot create veth " UP_DEV);
		goto out;
	}
	/* State as libxlb creates it, with flows and counters. */
	if (reopen(&t, dir, XLB_OPEN_CREATE))
		goto out;
	if (xlb_config_set(t.xlb, &env_cfg))
		th_fail(&t, "xlb_config_set: %s", xlb_errmsg(t.xlb));
	th_vip(&t, "tcp", VIP4, 80, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, "198.18.1.10", 100, XLB_BACKEND_ACTIVE);
	th_backend(&t, 0, "198.18.1.11", 100, XLB_BACKEND_ACTIVE);
	th_backend(&t, 0, "198.18.1.12", 100, XLB_BACKEND_ACTIVE);
	for (i = 0; i < NFLOWS && !t.fails; i++) {
		len = flow_frame(in, i);
		orig[i] = predict(&t, 0, in, len);
		send_to(&t, "establish", in, len, 0, orig[i], true);
	}
	if (t.fails)
		goto out;

	/* 1. State from before the filter: no pin, no program holding one. */
	rm_filter_pin(&t, dir);
	th_close(&t);
	if (reopen(&t, dir, XLB_OPEN_PINNED))
		goto out;
	TH_ASSERT(&t, pinned(dir), "open of pinned state did not pin xlb_vip_filter");
	if (xlb_prog_attach(t.xlb, UP_DEV, XLB_ATTACH_GENERIC)) {
		th_fail(&t, "xlb_prog_attach: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	t.prog_fd = xlb_prog_fd(t.xlb);
	if (th_snap(&t, &s))
		goto out;
	TH_ASSERT(&t, s.v[0].packets == NFLOWS && s.v[0].new_flows == NFLOWS,
		  "vip counters lost: %llu packets, %llu new flows (want %d)",
		  (unsigned long long)s.v[0].packets, (unsigned long long)s.v[0].new_flows,
		  NFLOWS);
	check_flows(&t, orig, "after upgrade");
	for (i = NFLOWS; i < 2 * NFLOWS && !t.fails; i++) {
		len = flow_frame(in, i);
		send_to(&t, "new flow after upgrade", in, len, 0, predict(&t, 0, in, len), true);
	}
	len = env_frame(in, CLIENT4, 31000, "198.18.0.99", 80, 6, 16);
	th_check(&t, "non-vip address after upgrade", in, len, &pass);
	if (t.fails)
		goto out;

	/* 2. Pin lost while the new program runs: a new handle must take over
	 * the running program's map, or a VIP on a new address is invisible to
	 * that program. Then attach again: an upgrade in place. */
	th_addr(VIP4, &a10);
	th_addr(VIP4_B, &a11);
	{
		__u32 w10[4], w11[4];

		memcpy(w10, a10.addr, 16);
		memcpy(w11, a11.addr, 16);
		TH_ASSERT(&t, xlb_vip_filter_slot(w10[0], w10[1], w10[2], w10[3]) !=
			      xlb_vip_filter_slot(w11[0], w11[1], w11[2], w11[3]),
			  "test bug: both VIP addresses share a filter slot");
	}
	old_prog = dup(t.prog_fd);
	rm_filter_pin(&t, dir);
	th_close(&t);
	if (reopen(&t, dir, XLB_OPEN_PINNED))
		goto out;
	TH_ASSERT(&t, pinned(dir), "open did not re-pin xlb_vip_filter");
	t.nvip = 1;
	t.nbe = 3;
	th_vip(&t, "udp", VIP4_B, 53, XLB_SCHED_MAGLEV, 1021);
	be = th_backend(&t, 1, "198.18.1.15", 100, XLB_BACKEND_ACTIVE);
	if (t.fails || be < 0)
		goto out;
	t.prog_fd = old_prog;
	len = env_frame(in, CLIENT4, 5353, VIP4_B, 53, 17, 40);
	send_to(&t, "new vip, program from before the pin loss", in, len, 1, be, true);
	check_flows(&t, orig, "after pin loss");
	if (xlb_prog_attach(t.xlb, UP_DEV, XLB_ATTACH_GENERIC)) {
		th_fail(&t, "xlb_prog_attach (upgrade in place): %s", xlb_errmsg(t.xlb));
		goto out;
	}
	t.prog_fd = xlb_prog_fd(t.xlb);
	send_to(&t, "new vip after upgrade in place", in, len, 1, be, false);
	check_flows(&t, orig, "after upgrade in place");
	len = env_frame(in, CLIENT4, 31000, "198.18.0.99", 80, 6, 16);
	th_check(&t, "non-vip address after upgrade in place", in, len, &pass);
out:
	if (t.xlb && xlb_prog_detach(t.xlb, UP_DEV, false) && !t.fails)
		th_fail(&t, "xlb_prog_detach: %s", xlb_errmsg(t.xlb));
	if (old_prog >= 0)
		close(old_prog);
	th_end(&t);
	env_sh("rm -rf %s; ip link del " UP_DEV " 2>/dev/null", dir);
}

void run_upgrade_cases(void)
{
	upgrade_recreates_vip_filter();
}
