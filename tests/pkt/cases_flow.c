// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Connection-table cases: a flow stays on its backend through ring changes,
 * draining keeps flows, deletion reschedules them, the table wins over the
 * ring, ICMP errors follow their flow. Multi-packet, each on fresh maps.
 */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "env.h"

#define NFLOWS	64

enum { K_NEW, K_HIT, K_RESCHED };

/* Flow i's first packet: a SYN. */
static size_t flow_frame(uint8_t *b, int fam, int i)
{
	return env_frame(b, fam == 4 ? CLIENT4 : CLIENT6, 30000 + i,
			 fam == 4 ? VIP4 : VIP6, 80, 6, 16);
}

/* A later packet of flow i's connection: ACK (a SYN would be a new
 * connection reusing the tuple). */
static size_t est_frame(uint8_t *b, int fam, int i)
{
	return env_frame_flags(b, fam == 4 ? CLIENT4 : CLIENT6, 30000 + i,
			       fam == 4 ? VIP4 : VIP6, 80, 6, PKT_TCP_ACK | PKT_TCP_PSH, 16);
}

/* Send in, expect it forwarded to backend be as a new / hit / rescheduled flow. */
static int send_to(struct th *t, const char *what, const uint8_t *in, size_t len,
		   int be, int kind)
{
	uint8_t out[PKT_MAX];
	struct th_exp e = {
		.verdict = XDP_REDIRECT,
		.reason = XLB_STAT_REDIRECT_FORWARD,
		.out = out,
		.vip = TH_IDX(t->be[be].vip),
		.be = TH_IDX(be),
	};

	e.outlen = env_exp_fwd(t, be, in, len, out);
	if (kind == K_NEW)
		e.ev_new = 1;
	else if (kind == K_HIT)
		e.ev_hit = 1;
	else
		e.ev_resched = 1;
	if (kind != K_HIT) {
		e.vip_new = 1;
		e.be_new = TH_IDX(be);
	}
	return th_check(t, what, in, len, &e);
}

static int predict_frame(struct th *t, int vip, const uint8_t *in, size_t len)
{
	struct xlb_flow fl;

	if (th_flow_of(in, len, &fl))
		return -1;
	return th_predict(t, vip, &fl);
}

/* Establish NFLOWS flows; orig[i] gets each one's backend. */
static int establish(struct th *t, int fam, int *orig)
{
	uint8_t in[PKT_MAX];
	char what[64];
	size_t len;
	int i;

	for (i = 0; i < NFLOWS; i++) {
		len = flow_frame(in, fam, i);
		orig[i] = predict_frame(t, 0, in, len);
		if (orig[i] < 0)
			return -1;
		snprintf(what, sizeof(what), "flow %d first packet", i);
		if (send_to(t, what, in, len, orig[i], K_NEW))
			return -1;
	}
	return 0;
}

static void established_survive_ring_change(int fam)
{
	const char *net = fam == 4 ? "198.18.1." : "fd00:1::";
	int orig[NFLOWS], i, moved = 0, pred;
	uint8_t in[PKT_MAX];
	struct xlb_addr a;
	char what[64], addr[64];
	struct th t;
	size_t len;

	if (env_open(&t, fam == 4 ? "flows stay on backend through ring change (v4)" :
				    "flows stay on backend through ring change (v6)"))
		goto out;
	th_vip(&t, "tcp", fam == 4 ? VIP4 : VIP6, 80, XLB_SCHED_MAGLEV, 1021);
	for (i = 10; i < 12; i++) {
		snprintf(addr, sizeof(addr), "%s%d", net, i);
		th_backend(&t, 0, addr, 100, XLB_BACKEND_ACTIVE);
	}
	if (t.fails || establish(&t, fam, orig))
		goto out;
	/* Grow the ring and reweight: most flows would now hash elsewhere. */
	for (i = 12; i < 14; i++) {
		snprintf(addr, sizeof(addr), "%s%d", net, i);
		th_backend(&t, 0, addr, 100, XLB_BACKEND_ACTIVE);
	}
	th_addr(t.be[0].text, &a);
	if (xlb_backend_set_weight(t.xlb, &t.vip[0], &a, 300))
		th_fail(&t, "xlb_backend_set_weight: %s", xlb_errmsg(t.xlb));
	for (i = 0; i < NFLOWS && !t.fails; i++) {
		len = est_frame(in, fam, i);
		pred = predict_frame(&t, 0, in, len);
		moved += pred != orig[i];
		snprintf(what, sizeof(what), "flow %d after ring change", i);
		send_to(&t, what, in, len, orig[i], K_HIT);
	}
	TH_ASSERT(&t, moved > 0, "no flow's ring pick changed: the case proves nothing");
	/* New flows follow the new ring. */
	for (i = NFLOWS; i < 2 * NFLOWS && !t.fails; i++) {
		len = flow_frame(in, fam, i);
		snprintf(what, sizeof(what), "new flow %d on the new ring", i);
		send_to(&t, what, in, len, predict_frame(&t, 0, in, len), K_NEW);
	}
out:
	th_end(&t);
}

static void setup3(struct th *t, int fam)
{
	const char *net = fam == 4 ? "198.18.1." : "fd00:1::";
	char addr[64];
	int i;

	th_vip(t, "tcp", fam == 4 ? VIP4 : VIP6, 80, XLB_SCHED_MAGLEV, 1021);
	for (i = 10; i < 13; i++) {
		snprintf(addr, sizeof(addr), "%s%d", net, i);
		th_backend(t, 0, addr, 100, XLB_BACKEND_ACTIVE);
	}
}

static void drained_keeps_flows(void)
{
	int orig[NFLOWS], i, on_drained = 0, pred;
	uint8_t in[PKT_MAX];
	__u32 *ids;
	char what[64];
	struct th t;
	size_t len;
	int n;

	if (env_open(&t, "draining backend keeps its flows, gets no new ones"))
		goto out;
	setup3(&t, 4);
	if (t.fails || establish(&t, 4, orig))
		goto out;
	if (xlb_backend_set_state(t.xlb, &t.vip[0], &t.be[1].addr, XLB_BACKEND_DRAINING)) {
		th_fail(&t, "xlb_backend_set_state: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	n = th_ring(&t, 0, &ids);
	for (i = 0; i < n; i++) {
		if (ids[i] == t.be[1].id) {
			th_fail(&t, "draining backend still in ring slot %d", i);
			break;
		}
	}
	for (i = 0; i < NFLOWS && !t.fails; i++) {
		len = est_frame(in, 4, i);
		on_drained += orig[i] == 1;
		snprintf(what, sizeof(what), "flow %d after drain", i);
		send_to(&t, what, in, len, orig[i], K_HIT);
	}
	TH_ASSERT(&t, on_drained > 0, "no flow was on the drained backend");
	for (i = 1000; i < 1300 && !t.fails; i++) {
		len = flow_frame(in, 4, i);
		pred = predict_frame(&t, 0, in, len);
		TH_ASSERT(&t, pred != 1, "ring still picks the draining backend");
		snprintf(what, sizeof(what), "new flow %d", i);
		send_to(&t, what, in, len, pred, K_NEW);
	}
out:
	th_end(&t);
}

static void deleted_reschedules(int fam)
{
	int orig[NFLOWS], i, moved = 0, pred;
	uint8_t in[PKT_MAX];
	struct th_snap a, b;
	char what[64];
	struct th t;
	size_t len;

	if (env_open(&t, fam == 4 ? "deleted backend: its flows are rescheduled (v4)" :
				    "deleted backend: its flows are rescheduled (v6)"))
		goto out;
	setup3(&t, fam);
	if (t.fails || establish(&t, fam, orig))
		goto out;
	if (xlb_backend_del(t.xlb, &t.vip[0], &t.be[1].addr)) {
		th_fail(&t, "xlb_backend_del: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	th_snap(&t, &a);
	for (i = 0; i < NFLOWS && !t.fails; i++) {
		len = est_frame(in, fam, i);
		snprintf(what, sizeof(what), "flow %d after delete", i);
		if (orig[i] != 1) {
			send_to(&t, what, in, len, orig[i], K_HIT);
			continue;
		}
		moved++;
		pred = predict_frame(&t, 0, in, len);
		TH_ASSERT(&t, pred >= 0 && pred != 1, "ring still picks the deleted backend");
		send_to(&t, what, in, len, pred, K_RESCHED);
	}
	th_snap(&t, &b);
	TH_ASSERT(&t, moved > 0, "no flow was on the deleted backend");
	TH_ASSERT(&t, b.g[XLB_STAT_EV_CONN_RESCHEDULED].packets -
		      a.g[XLB_STAT_EV_CONN_RESCHEDULED].packets == (__u64)moved,
		  "conn_rescheduled counted %llu, %d flows moved",
		  (unsigned long long)(b.g[XLB_STAT_EV_CONN_RESCHEDULED].packets -
				       a.g[XLB_STAT_EV_CONN_RESCHEDULED].packets), moved);
out:
	th_end(&t);
}

static __u32 vip_id(struct th *t, int vip)
{
	struct xlb_vip_info info;

	if (xlb_vip_get(t->xlb, &t->vip[vip], &info)) {
		th_fail(t, "xlb_vip_get: %s", xlb_errmsg(t->xlb));
		return 0;
	}
	return info.id;
}

/* A table entry beats the ring; an entry naming another VIP's backend is
 * rescheduled. */
static void conn_table_wins(void)
{
	uint8_t in[PKT_MAX];
	struct xlb_flow fl;
	struct xlb_conn c;
	struct th t;
	size_t len;
	int pred, other;

	if (env_open(&t, "conn entry beats the ring; foreign backend rescheduled"))
		goto out;
	th_vip(&t, "tcp", VIP4, 80, XLB_SCHED_MAGLEV, 1021);
	th_vip(&t, "udp", VIP4, 53, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, "198.18.1.10", 100, XLB_BACKEND_ACTIVE);
	th_backend(&t, 0, "198.18.1.11", 100, XLB_BACKEND_ACTIVE);
	th_backend(&t, 1, "198.18.1.13", 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	len = est_frame(in, 4, 1);
	th_flow_of(in, len, &fl);
	pred = predict_frame(&t, 0, in, len);
	other = pred == 0 ? 1 : 0;
	c = (struct xlb_conn){ .backend_id = t.be[other].id, .vip_id = vip_id(&t, 0) };
	if (xlb_conn_insert(t.xlb, &fl, &c)) {
		th_fail(&t, "xlb_conn_insert: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	send_to(&t, "flow with a table entry to the non-pick", in, len, other, K_HIT);

	len = est_frame(in, 4, 2);
	th_flow_of(in, len, &fl);
	c = (struct xlb_conn){ .backend_id = t.be[2].id, .vip_id = vip_id(&t, 0) };
	if (xlb_conn_insert(t.xlb, &fl, &c)) {
		th_fail(&t, "xlb_conn_insert: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	send_to(&t, "flow with an entry naming another VIP's backend", in, len,
		predict_frame(&t, 0, in, len), K_RESCHED);
out:
	th_end(&t);
}

/* Returns nothing: sends flow i of fam and expects PASS_NOT_VIP, untouched. */
static void expect_not_vip(struct th *t, int fam, int i, const char *what)
{
	struct th_exp e = { .verdict = XDP_PASS, .reason = XLB_STAT_PASS_NOT_VIP };
	uint8_t in[PKT_MAX];
	size_t len;

	len = flow_frame(in, fam, i);
	th_check(t, what, in, len, &e);
}

/*
 * A deleted VIP's established flows are PASS_NOT_VIP. With another VIP left
 * on the address the pre-filter lets them through to the connection table,
 * whose entries still name the VIP's backends: only xlb_vip_del clearing
 * VALID on them keeps the established path from forwarding.
 */
static void vip_deleted_flows_pass(int other_vip)
{
	int orig[NFLOWS], i;
	char what[64];
	struct th t;

	if (env_open(&t, other_vip ?
		     "vip deleted, another vip on its address: flows PASS_NOT_VIP" :
		     "vip deleted, last on its address: flows PASS_NOT_VIP"))
		goto out;
	setup3(&t, 4);
	if (other_vip)
		th_vip(&t, "udp", VIP4, 53, XLB_SCHED_MAGLEV, 1021);
	if (t.fails || establish(&t, 4, orig))
		goto out;
	if (xlb_vip_del(t.xlb, &t.vip[0])) {
		th_fail(&t, "xlb_vip_del: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	/* the deleted VIP has no counters to read any more */
	t.vip[0] = t.vip[1];
	t.nvip--;
	for (i = 0; i < NFLOWS && !t.fails; i++) {
		snprintf(what, sizeof(what), "flow %d after vip delete", i);
		expect_not_vip(&t, 4, i, what);
	}
	expect_not_vip(&t, 4, 5000, "new flow after vip delete");
out:
	th_end(&t);
}

/* A VIP deleted and added again (same key, same id, new backends): every
 * established flow is rescheduled on the new ring. */
static void vip_readded_reschedules(int fam)
{
	const char *net = fam == 4 ? "198.18.1." : "fd00:1::";
	int orig[NFLOWS], i, pred;
	__u32 id_before, id_after;
	struct xlb_vip_info info;
	uint8_t in[PKT_MAX];
	char what[64], addr[64];
	struct th t;
	size_t len;

	if (env_open(&t, fam == 4 ? "vip deleted and re-added: flows rescheduled (v4)" :
				    "vip deleted and re-added: flows rescheduled (v6)"))
		goto out;
	setup3(&t, fam);
	if (t.fails || establish(&t, fam, orig))
		goto out;
	id_before = vip_id(&t, 0);
	if (xlb_vip_del(t.xlb, &t.vip[0])) {
		th_fail(&t, "xlb_vip_del: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	if (xlb_vip_add(t.xlb, &t.vip[0], XLB_SCHED_MAGLEV, 1021)) {
		th_fail(&t, "xlb_vip_add again: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	if (xlb_vip_get(t.xlb, &t.vip[0], &info))
		th_fail(&t, "xlb_vip_get: %s", xlb_errmsg(t.xlb));
	id_after = info.id;
	TH_ASSERT(&t, id_after == id_before, "re-added vip got id %u, not %u: the case "
		  "would not test an entry naming a live vip id", id_after, id_before);
	for (i = 10; i < 13; i++) {
		snprintf(addr, sizeof(addr), "%s%d", net, i);
		th_backend(&t, 0, addr, 100, XLB_BACKEND_ACTIVE);
	}
	for (i = 0; i < NFLOWS && !t.fails; i++) {
		len = est_frame(in, fam, i);
		pred = predict_frame(&t, 0, in, len);
		TH_ASSERT(&t, pred >= 3, "ring picks an old backend index %d", pred);
		snprintf(what, sizeof(what), "flow %d after vip re-add", i);
		send_to(&t, what, in, len, pred, K_RESCHED);
		snprintf(what, sizeof(what), "flow %d second packet", i);
		send_to(&t, what, in, len, pred, K_HIT);
	}
out:
	th_end(&t);
}

static int count_conn(const struct xlb_flow *f, const struct xlb_conn *c, void *ctx)
{
	(void)f;
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static void icmp_error_follows_flow(int fam)
{
	uint8_t syn[PKT_MAX], in[PKT_MAX], out[PKT_MAX];
	struct th_exp e = {
		.verdict = XDP_REDIRECT,
		.reason = XLB_STAT_REDIRECT_FORWARD,
		.ev_icmp = 1,
		.ev_dc = TH_DC_NEW | TH_DC_HIT,
		.vip = TH_DC,
		.be_new = TH_DC,
		.out = out,
	};
	struct xlb_flow fl, qfl;
	struct xlb_conn c;
	struct th t;
	size_t len, slen;
	int pred, other, nconn = 0;

	if (env_open(&t, fam == 4 ? "icmp4 error follows its flow's table entry" :
				    "icmp6 error follows its flow's table entry"))
		goto out;
	setup3(&t, fam);
	if (t.fails)
		goto out;
	/* No entry: the scheduler's pick, and no flow inserted. */
	len = env_icmp_err(in, fam == 4 ? VIP4 : VIP6, 80, 6, fam == 4 ? 3 : 2,
			   fam == 4 ? 4 : 0, 8);
	slen = env_frame(syn, fam == 4 ? CLIENT4 : CLIENT6, 40000, fam == 4 ? VIP4 : VIP6,
			 80, 6, 0);
	th_flow_of(syn, slen, &fl);
	th_flow_of(in, len, &qfl);
	TH_ASSERT(&t, !memcmp(&fl, &qfl, sizeof(fl)), "test bug: quote is not the flow");
	pred = th_predict(&t, 0, &fl);
	e.be = TH_IDX(pred);
	e.outlen = env_exp_fwd(&t, pred, in, len, out);
	th_check(&t, "icmp error, no entry", in, len, &e);
	xlb_conn_foreach(t.xlb, NULL, count_conn, &nconn);
	TH_ASSERT(&t, nconn == 0, "icmp error inserted %d flow(s)", nconn);
	/* With an entry on another backend: follows the entry. */
	other = (pred + 1) % 3;
	c = (struct xlb_conn){ .backend_id = t.be[other].id, .vip_id = vip_id(&t, 0) };
	if (xlb_conn_insert(t.xlb, &fl, &c)) {
		th_fail(&t, "xlb_conn_insert: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	e.be = TH_IDX(other);
	e.outlen = env_exp_fwd(&t, other, in, len, out);
	th_check(&t, "icmp error, flow on another backend", in, len, &e);
out:
	th_end(&t);
}

static void second_packet_hits(void)
{
	uint8_t in[PKT_MAX];
	char what[64];
	struct th t;
	size_t len;
	int pred, i;

	if (env_open(&t, "second packet of a flow: conn_hit, no new flow"))
		goto out;
	setup3(&t, 4);
	th_vip(&t, "udp", VIP4, 53, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 1, "198.18.1.15", 100, XLB_BACKEND_ACTIVE);
	th_backend(&t, 1, "198.18.1.16", 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	for (i = 0; i < 3; i++) {
		len = i ? est_frame(in, 4, 7) : flow_frame(in, 4, 7);
		pred = predict_frame(&t, 0, in, len);
		snprintf(what, sizeof(what), "tcp packet %d", i + 1);
		send_to(&t, what, in, len, pred, i ? K_HIT : K_NEW);
		len = env_frame(in, CLIENT4, 5353, VIP4, 53, 17, 40);
		pred = predict_frame(&t, 1, in, len);
		snprintf(what, sizeof(what), "udp packet %d", i + 1);
		send_to(&t, what, in, len, pred, i ? K_HIT : K_NEW);
	}
out:
	th_end(&t);
}

/* A new connection reusing a tuple in the table (Linux clients recycle
 * source ports) is a SYN that hits an entry. On an ACTIVE backend it stays
 * there, even against the ring (the entry here names the ring's non-pick),
 * and counts as a new flow; the packets after it are plain hits. */
static void syn_reuse_active(int fam)
{
	uint8_t in[PKT_MAX];
	struct xlb_flow fl;
	struct xlb_conn c;
	struct th t;
	size_t len;
	int pred, other;

	if (env_open(&t, fam == 4 ? "syn reusing a tuple on an active backend: same backend, "
				    "new flow (v4)" :
				    "syn reusing a tuple on an active backend: same backend, "
				    "new flow (v6)"))
		goto out;
	setup3(&t, fam);
	if (t.fails)
		goto out;
	/* Round trip: SYN, ACK, then the tuple comes back with a SYN. */
	len = flow_frame(in, fam, 20);
	pred = predict_frame(&t, 0, in, len);
	send_to(&t, "first connection's syn", in, len, pred, K_NEW);
	len = est_frame(in, fam, 20);
	send_to(&t, "first connection's ack", in, len, pred, K_HIT);
	len = flow_frame(in, fam, 20);
	send_to(&t, "second connection's syn, same tuple", in, len, pred, K_NEW);
	/* An entry on the backend the ring does not pick wins for a SYN. */
	len = flow_frame(in, fam, 21);
	th_flow_of(in, len, &fl);
	pred = predict_frame(&t, 0, in, len);
	other = (pred + 1) % 3;
	c = (struct xlb_conn){ .backend_id = t.be[other].id, .vip_id = vip_id(&t, 0) };
	if (xlb_conn_insert(t.xlb, &fl, &c)) {
		th_fail(&t, "xlb_conn_insert: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	send_to(&t, "syn on an entry to the ring's non-pick", in, len, other, K_NEW);
	len = est_frame(in, fam, 21);
	send_to(&t, "its ack", in, len, other, K_HIT);
out:
	th_end(&t);
}

enum { GONE_DRAINING, GONE_STANDBY, GONE_DELETED };

/*
 * A SYN reusing the tuple of a flow whose backend is draining, standby or
 * deleted is scheduled like a new connection (conn_new, never
 * conn_rescheduled) and replaces the entry: the old backend gets no new
 * flow. Until then, non-SYN packets (and a SYN-ACK) of the old flow stay on
 * a draining or standby backend.
 */
static void syn_reuse_gone(int fam, int how)
{
	static const char *const names[][2] = {
		[GONE_DRAINING] = { "syn reusing a draining backend's tuple: rescheduled (v4)",
				    "syn reusing a draining backend's tuple: rescheduled (v6)" },
		[GONE_STANDBY] = { "syn reusing a standby backend's tuple: rescheduled (v4)",
				   "syn reusing a standby backend's tuple: rescheduled (v6)" },
		[GONE_DELETED] = { "syn reusing a deleted backend's tuple: a new flow (v4)",
				   "syn reusing a deleted backend's tuple: a new flow (v6)" },
	};
	int orig[NFLOWS], i, on_gone = 0, pred, err;
	uint8_t in[PKT_MAX];
	char what[80];
	struct th t;
	size_t len;

	if (env_open(&t, names[how][fam == 6]))
		goto out;
	setup3(&t, fam);
	if (t.fails || establish(&t, fam, orig))
		goto out;
	if (how == GONE_DELETED)
		err = xlb_backend_del(t.xlb, &t.vip[0], &t.be[1].addr);
	else
		err = xlb_backend_set_state(t.xlb, &t.vip[0], &t.be[1].addr,
					    how == GONE_DRAINING ? XLB_BACKEND_DRAINING :
								   XLB_BACKEND_STANDBY);
	if (err) {
		th_fail(&t, "changing backend 1: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	for (i = 0; i < NFLOWS && !t.fails; i++) {
		if (orig[i] != 1) {
			/* still active: a reused tuple stays, and is a new flow */
			len = flow_frame(in, fam, i);
			snprintf(what, sizeof(what), "flow %d: syn on an active backend", i);
			send_to(&t, what, in, len, orig[i], K_NEW);
			continue;
		}
		on_gone++;
		if (how != GONE_DELETED) {
			len = est_frame(in, fam, i);
			snprintf(what, sizeof(what), "flow %d: ack stays on backend 1", i);
			send_to(&t, what, in, len, 1, K_HIT);
			len = env_frame_flags(in, fam == 4 ? CLIENT4 : CLIENT6, 30000 + i,
					      fam == 4 ? VIP4 : VIP6, 80, 6,
					      PKT_TCP_SYN | PKT_TCP_ACK, 16);
			snprintf(what, sizeof(what), "flow %d: syn-ack stays on backend 1", i);
			send_to(&t, what, in, len, 1, K_HIT);
		}
		len = flow_frame(in, fam, i);
		pred = predict_frame(&t, 0, in, len);
		TH_ASSERT(&t, pred >= 0 && pred != 1, "ring still picks backend 1");
		snprintf(what, sizeof(what), "flow %d: syn rescheduled", i);
		send_to(&t, what, in, len, pred, K_NEW);
		len = est_frame(in, fam, i);
		snprintf(what, sizeof(what), "flow %d: the new connection's ack", i);
		send_to(&t, what, in, len, pred, K_HIT);
	}
	TH_ASSERT(&t, on_gone > 0, "no flow was on backend 1");
out:
	th_end(&t);
}

/* The only backend drains: a reused tuple's SYN finds no active backend and
 * is dropped, leaving the old entry, so the old connection's packets still
 * reach the draining backend. */
static void syn_reuse_no_active(void)
{
	struct th_exp drop = {
		.verdict = XDP_DROP,
		.reason = XLB_STAT_DROP_NO_BACKEND,
		.vip = TH_IDX(0),
	};
	uint8_t in[PKT_MAX];
	struct th t;
	size_t len;

	if (env_open(&t, "syn reusing a tuple, no active backend left: dropped, entry kept"))
		goto out;
	th_vip(&t, "tcp", VIP4, 80, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, "198.18.1.10", 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	len = flow_frame(in, 4, 30);
	send_to(&t, "syn", in, len, 0, K_NEW);
	if (xlb_backend_set_state(t.xlb, &t.vip[0], &t.be[0].addr, XLB_BACKEND_DRAINING)) {
		th_fail(&t, "xlb_backend_set_state: %s", xlb_errmsg(t.xlb));
		goto out;
	}
	th_check(&t, "syn reusing the tuple after drain", in, len, &drop);
	len = est_frame(in, 4, 30);
	send_to(&t, "old connection's ack after the dropped syn", in, len, 0, K_HIT);
out:
	th_end(&t);
}

/* Without xlb_config_set: the default prefixes of abi.h. */
static void default_encap_source(void)
{
	static const uint8_t d4[4] = XLB_ENCAP_SRC4_DEFAULT, d6[16] = XLB_ENCAP_SRC6_DEFAULT;
	uint8_t in[PKT_MAX], out[PKT_MAX], smac[6], dmac[6];
	struct xlb_config cfg;
	struct pkt_encap pe = { .smac = smac, .dmac = dmac, .src4 = d4, .src6 = d6 };
	struct th_exp e = {
		.verdict = XDP_REDIRECT, .reason = XLB_STAT_REDIRECT_FORWARD, .out = out,
		.ev_new = 1, .vip = TH_IDX(0), .vip_new = 1,
	};
	struct th t;
	size_t len;
	int pred, fam;

	for (fam = 4; fam <= 6; fam += 2) {
		th_begin(&t, fam == 4 ? "default encap source prefix (v4)" :
					"default encap source prefix (v6)", env_ifindex[0]);
		if (th_open(&t))
			goto out;
		if (xlb_config_get(t.xlb, &cfg))
			th_fail(&t, "xlb_config_get: %s", xlb_errmsg(t.xlb));
		else if (memcmp(cfg.encap_src4, d4, 4) || memcmp(cfg.encap_src6, d6, 16))
			th_fail(&t, "fresh xlb_config is not the abi.h default");
		setup3(&t, fam);
		if (t.fails)
			goto out;
		len = flow_frame(in, fam, 3);
		pred = predict_frame(&t, 0, in, len);
		pe.backend = t.be[pred].text;
		env_dev_mac(1, smac);
		env_nbr_mac(pe.backend, dmac);
		e.outlen = pkt_exp_encap(out, in, len, &pe);
		e.be = e.be_new = TH_IDX(pred);
		th_check(&t, "syn", in, len, &e);
out:
		th_end(&t);
	}
}

/* libxlb resolves the next hop on backend add; a static (permanent)
 * neighbour entry must survive that, or forwarding stops until ARP/ND. */
static void static_neigh_survives_add(int fam)
{
	uint8_t in[PKT_MAX];
	struct th t;
	size_t len;

	if (env_open(&t, fam == 4 ? "libxlb backend add keeps a static neighbour (v4)" :
				    "libxlb backend add keeps a static neighbour (v6)"))
		goto out;
	th_vip(&t, "tcp", fam == 4 ? VIP4 : VIP6, 80, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, fam == 4 ? "198.18.1.19" : "fd00:1::19", 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	len = flow_frame(in, fam, 5);
	send_to(&t, "syn after backend add", in, len, 0, K_NEW);
out:
	th_end(&t);
}

void run_flow_cases(void)
{
	static_neigh_survives_add(4);
	static_neigh_survives_add(6);
	established_survive_ring_change(4);
	established_survive_ring_change(6);
	drained_keeps_flows();
	deleted_reschedules(4);
	deleted_reschedules(6);
	conn_table_wins();
	vip_deleted_flows_pass(0);
	vip_deleted_flows_pass(1);
	vip_readded_reschedules(4);
	vip_readded_reschedules(6);
	icmp_error_follows_flow(4);
	icmp_error_follows_flow(6);
	second_packet_hits();
	syn_reuse_active(4);
	syn_reuse_active(6);
	syn_reuse_gone(4, GONE_DRAINING);
	syn_reuse_gone(6, GONE_DRAINING);
	syn_reuse_gone(4, GONE_STANDBY);
	syn_reuse_gone(4, GONE_DELETED);
	syn_reuse_no_active();
	default_encap_source();
}
