// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Forwarding drops that need more than map setup through libxlb:
 *  - DROP_NO_TX_PORT: the fib picks an egress device other than the ingress
 *    one, but that device is not in xlb_tx_ports. libxlb adds the device when
 *    it adds the backend, so the case removes it again through the map
 *    (xlb_map_fd: the harness's xlb is unpinned), sends the
 *    flow (dropped), puts the device back and sends the same frame again
 *    (forwarded): the missing port alone caused the drop.
 *  - DROP_ENCAP: bpf_xdp_adjust_head() refused for want of headroom, which
 *    meta data in front of the frame takes away (see below).
 *  - new_flow_limit: over it, a new flow is forwarded by the ring but not
 *    entered in the table (EV_CONN_NOT_INSERTED); a new second admits again.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "env.h"

/* ---- DROP_NO_TX_PORT ----------------------------------------------------- */

struct txrow {
	const char *name;
	const char *proto;
	const char *vip, *client, *backend;
	uint16_t port;
	uint8_t l4;
};

static const struct txrow txrows[] = {
	{ "tcp4 egress xbe0 missing from xlb_tx_ports: drop, then forwarded", "tcp",
	  VIP4, CLIENT4, "198.18.1.10", 80, 6 },
	{ "tcp6 egress xbe0 missing from xlb_tx_ports: drop, then forwarded", "tcp",
	  VIP6, CLIENT6, "fd00:1::10", 80, 6 },
	{ "udp4 egress xbe0 missing from xlb_tx_ports: drop, then forwarded", "udp",
	  VIP4, CLIENT4, "198.18.1.10", 53, 17 },
	{ "udp6 egress xbe0 missing from xlb_tx_ports: drop, then forwarded", "udp",
	  VIP6, CLIENT6, "fd00:1::10", 53, 17 },
};

static void run_txrow(const struct txrow *r)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	__u32 ifx = env_ifindex[1], val = 0;
	struct th_exp e;
	struct th t;
	size_t len;
	int fd = -1, be;

	if (env_open(&t, r->name))
		goto out;
	th_vip(&t, r->proto, r->vip, r->port, XLB_SCHED_MAGLEV, 1021);
	be = th_backend(&t, 0, r->backend, 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	fd = xlb_map_fd(t.xlb, "xlb_tx_ports");
	if (!TH_ASSERT(&t, fd >= 0, "xlb_tx_ports: %s", strerror(-fd)))
		goto out;
	/* libxlb put the backend's device in; without that the case proves nothing. */
	if (!TH_ASSERT(&t, !bpf_map_lookup_elem(fd, &ifx, &val) && val == ifx,
		       "xlb_tx_ports has no %s (ifindex %u) after backend add", env_dev[1], ifx))
		goto out;
	if (!TH_ASSERT(&t, !bpf_map_delete_elem(fd, &ifx), "delete %s from xlb_tx_ports: %s",
		       env_dev[1], strerror(errno)))
		goto out;

	len = env_frame(in, r->client, 40000, r->vip, r->port, r->l4, 16);
	/* Scheduled and entered in the table as a new flow, then dropped at the
	 * redirect: counted on the VIP (a drop) and as the backend's new flow,
	 * but no packet on the backend. */
	e = (struct th_exp){
		.verdict = XDP_DROP, .reason = XLB_STAT_DROP_NO_TX_PORT,
		.ev_new = 1, .vip = TH_IDX(0), .vip_new = 1, .be = 0, .be_new = TH_IDX(be),
	};
	if (th_check(&t, "egress port missing", in, len, &e))
		goto out;

	if (!TH_ASSERT(&t, !bpf_map_update_elem(fd, &ifx, &ifx, BPF_NOEXIST),
		       "put %s back into xlb_tx_ports: %s", env_dev[1], strerror(errno)))
		goto out;
	/* The same bytes again: TCP, a SYN on the table entry (a reused tuple,
	 * new flow on the same active backend); UDP, an entry hit. */
	e = (struct th_exp){
		.verdict = XDP_REDIRECT, .reason = XLB_STAT_REDIRECT_FORWARD, .out = out,
		.vip = TH_IDX(0), .be = TH_IDX(be),
	};
	if (r->l4 == 6) {
		e.ev_new = 1;
		e.vip_new = 1;
		e.be_new = TH_IDX(be);
	} else {
		e.ev_hit = 1;
	}
	e.outlen = env_exp_fwd(&t, be, in, len, out);
	th_check(&t, "same frame, port back", in, len, &e);
out:
	th_end(&t);
}

/* ---- DROP_ENCAP ---------------------------------------------------------
 *
 * bpf_xdp_adjust_head() refuses to move data below data_hard_start +
 * sizeof(struct xdp_frame) + the meta data length. test_run puts data 256
 * bytes (XDP_PACKET_HEADROOM) after data_hard_start and takes the meta data
 * (ctx->data bytes at the start of data_in) out of that headroom, so a frame
 * can grow at the front by XDP_ROOM - meta bytes (KERNEL-FACTS: 216 without
 * meta data). Meta data is the honest lever: a driver's hints or an earlier
 * program's bpf_xdp_adjust_meta() may take up to the same 216 bytes on real
 * hardware, and xlb then cannot grow the frame. Each row sends one frame
 * with the most meta data that still leaves room (forwarded / answered, the
 * meta data kept in front) and one with 4 bytes more (DROP_ENCAP, nothing
 * forwarded), through the real program.
 * Not reachable, so not tested: the bounds checks after the adjust (a parsed
 * frame always has L2 + IP + 8 bytes, and the adjust only adds bytes), the
 * bpf_xdp_adjust_tail() of the too-big reply (it only shrinks, never below
 * L2 + two IP headers + 16 bytes), and the xlb_config lookup (array map,
 * key 0). xlb_ingress is not an xdp.frags program: frames above a page are
 * refused by test_run (EINVAL), there is no short linear part.
 */
#define XDP_ROOM	216	/* 256 headroom - 40-byte struct xdp_frame */
#define META_BIG	256

enum { K_PASS, K_DROP, K_TX, K_REDIRECT, K_EVENT };
static const int stat_kind[XLB_STAT_MAX] = {
#define FWD_STAT_KIND(name, kind, str, desc) [XLB_STAT_##name] = K_##kind,
	XLB_STATS(FWD_STAT_KIND)
#undef FWD_STAT_KIND
};
static const char *const stat_name[XLB_STAT_MAX] = {
#define FWD_STAT_NAME(name, kind, str, desc) [XLB_STAT_##name] = str,
	XLB_STATS(FWD_STAT_NAME)
#undef FWD_STAT_NAME
};

struct encrow {
	const char *name;
	int fam;
	uint16_t vlan;
	int too_big;		/* backend behind xmt0 (MTU 1400): ICMP reply */
	int grow;		/* bytes the front grows by */
};

static const struct encrow encrows[] = {
	{ "tcp4 ipip from 802.1Q: meta data leaves < 16 bytes: drop_encap", 4, 100, 0, 16 },
	{ "tcp4 ipip: meta data leaves < 20 bytes: drop_encap", 4, 0, 0, 20 },
	{ "tcp6 ip6ip6: meta data leaves < 40 bytes: drop_encap", 6, 0, 0, 40 },
	{ "tcp4 frag-needed reply: meta data leaves < 28 bytes: drop_encap", 4, 0, 1, 28 },
	{ "tcp6 too-big reply: meta data leaves < 48 bytes: drop_encap", 6, 0, 1, 48 },
};

/* One test_run with meta bytes of meta data in front of the frame. */
static int run_meta(struct th *t, size_t meta, const uint8_t *frame, size_t len,
		    uint8_t *out, size_t *outlen, __u32 *verdict)
{
	uint8_t in[PKT_MAX + META_BIG];
	struct xdp_md ctx = {
		.data = meta, .data_end = meta + len, .ingress_ifindex = t->ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = meta + len,
		.data_out = out,
		.data_size_out = PKT_MAX + META_BIG,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	size_t i;

	for (i = 0; i < meta; i++)
		in[i] = (uint8_t)(0x80 + i);
	memcpy(in + meta, frame, len);
	if (bpf_prog_test_run_opts(t->prog_fd, &o))
		return -errno;
	*verdict = o.retval;
	*outlen = o.data_size_out;
	return 0;
}

static void cmp_delta(struct th *t, const char *what, const char *field, __u64 exp,
		      __u64 got)
{
	if (exp != got)
		th_fail(t, "%s: counter %s: expected %+lld, got %+lld", what, field,
			(long long)exp, (long long)got);
}

/* Sends frame (a new flow of VIP 0 to backend be) behind meta bytes of meta
 * data and checks verdict, output (meta data first, then exp) and every
 * counter: reason once with the frame's bytes, conn_new, the VIP (a drop
 * unless fwd), new_flows on be, and a packet on be only when fwd. */
static void send_meta(struct th *t, const char *what, size_t meta, const uint8_t *in,
		      size_t len, __u32 verdict, int reason, const uint8_t *exp, size_t elen,
		      int be, bool fwd)
{
	uint8_t out[PKT_MAX + META_BIG];
	struct th_snap a, b;
	__u32 got = 0;
	size_t olen = 0, i;
	char field[64];
	__u64 x;
	int err, s;

	if (th_snap(t, &a))
		return;
	err = run_meta(t, meta, in, len, out, &olen, &got);
	if (err) {
		th_fail(t, "%s: test_run with %zu bytes of meta data: %s", what, meta,
			strerror(-err));
		return;
	}
	TH_ASSERT(t, got == verdict, "%s: verdict %u, expected %u", what, got, verdict);
	if (got == verdict && verdict != XDP_DROP) {
		/* data_out starts at data_meta; adjust_head moves the meta data. */
		if (!TH_ASSERT(t, olen == meta + elen && !memcmp(out + meta, exp, elen),
			       "%s: output frame differs", what))
			pkt_diff(stdout, exp, elen, out + (olen > meta ? meta : 0),
				 olen > meta ? olen - meta : olen);
		for (i = 0; i < meta && olen >= meta; i++)
			if (out[i] != (uint8_t)(0x80 + i))
				break;
		TH_ASSERT(t, i == meta, "%s: meta data not kept in front", what);
	}
	if (th_snap(t, &b))
		return;
	for (s = 0; s < XLB_STAT_MAX; s++) {
		x = stat_kind[s] == K_EVENT ? s == XLB_STAT_EV_CONN_NEW : s == reason;
		snprintf(field, sizeof(field), "%s.packets", stat_name[s]);
		cmp_delta(t, what, field, x, b.g[s].packets - a.g[s].packets);
		if (stat_kind[s] == K_EVENT)
			continue;
		snprintf(field, sizeof(field), "%s.bytes (meta data excluded)", stat_name[s]);
		cmp_delta(t, what, field, x ? len : 0, b.g[s].bytes - a.g[s].bytes);
	}
	cmp_delta(t, what, "vip.packets", 1, b.v[0].packets - a.v[0].packets);
	cmp_delta(t, what, "vip.bytes", len, b.v[0].bytes - a.v[0].bytes);
	cmp_delta(t, what, "vip.new_flows", 1, b.v[0].new_flows - a.v[0].new_flows);
	cmp_delta(t, what, "vip.drops", stat_kind[reason] == K_DROP,
		  b.v[0].drops - a.v[0].drops);
	cmp_delta(t, what, "backend.new_flows", 1, b.b[be].new_flows - a.b[be].new_flows);
	cmp_delta(t, what, "backend.packets", fwd, b.b[be].packets - a.b[be].packets);
}

static void run_encrow(const struct encrow *r)
{
	const char *client = r->fam == 4 ? CLIENT4 : CLIENT6;
	const char *vip = r->fam == 4 ? VIP4 : VIP6;
	uint8_t in[PKT_MAX], exp[PKT_MAX];
	size_t len, elen, room = XDP_ROOM - r->grow;
	char what[96];
	struct xlb_flow fl;
	struct th t;
	int k, be;

	if (env_open(&t, r->name))
		goto out;
	th_vip(&t, "tcp", vip, 80, XLB_SCHED_MAGLEV, 1021);
	be = th_backend(&t, 0, r->too_big ? (r->fam == 4 ? "198.18.3.10" : "fd00:3::10") :
					    (r->fam == 4 ? "198.18.1.10" : "fd00:1::10"),
			100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	/* k = 0: all the room it needs, exactly; k = 1: 4 bytes short (meta
	 * data comes in words). A new flow each (its own source port). */
	for (k = 0; k < 2; k++) {
		size_t hl = r->fam == 4 ? 20 : 40;
		struct pkt_flow f = {
			.smac = MAC_CLIENT, .dmac = MAC_LB, .vlan = r->vlan,
			.ip = { .src = client, .dst = vip, .proto = 6, .tos = 0x28,
				.frag = r->fam == 4 ? PKT_DF : 0 },
			.sport = (uint16_t)(42000 + k), .dport = 80, .tcp_flags = PKT_TCP_ACK,
			/* too big: 1390 / 1370 bytes of IP over MTU 1400 */
			.paylen = r->too_big ? (r->fam == 4 ? 1390 : 1370) - hl - 20 : 16,
		};

		len = pkt_frame(in, &f);
		if (th_flow_of(in, len, &fl) || th_predict(&t, 0, &fl) != be) {
			th_fail(&t, "cannot predict the backend");
			goto out;
		}
		if (k == 0) {
			snprintf(what, sizeof(what), "%zu bytes of meta data, room %d", room,
				 r->grow);
			elen = r->too_big ?
				pkt_exp_too_big(exp, in, len, r->fam == 4 ? 1380 : 1360) :
				env_exp_fwd(&t, be, in, len, exp);
			send_meta(&t, what, room, in, len, r->too_big ? XDP_TX : XDP_REDIRECT,
				  r->too_big ? XLB_STAT_TX_ICMP_TOO_BIG :
					       XLB_STAT_REDIRECT_FORWARD,
				  exp, elen, be, !r->too_big);
		} else {
			snprintf(what, sizeof(what), "%zu bytes of meta data, room %d", room + 4,
				 r->grow - 4);
			send_meta(&t, what, room + 4, in, len, XDP_DROP, XLB_STAT_DROP_ENCAP,
				  NULL, 0, be, false);
		}
	}
out:
	th_end(&t);
}

/* ---- new_flow_limit ------------------------------------------------------- */

/* Runs client port sport's SYN to VIP4:80 and checks it is forwarded to be
 * as a new flow; inserted says whether the table must now hold it. */
static void limit_step(struct th *t, int conns_fd, int be, uint16_t sport, bool inserted)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct xlb_flow flow;
	struct xlb_conn c;
	struct th_exp e;
	char what[64];
	size_t len;

	len = env_frame(in, CLIENT4, sport, VIP4, 80, 6, 16);
	e = (struct th_exp){
		.verdict = XDP_REDIRECT, .reason = XLB_STAT_REDIRECT_FORWARD, .out = out,
		.ev_new = inserted, .ev_not_inserted = !inserted, .vip = TH_IDX(0), .vip_new = 1,
		.be = TH_IDX(be), .be_new = TH_IDX(be),
	};
	e.outlen = env_exp_fwd(t, be, in, len, out);
	snprintf(what, sizeof(what), "port %u (%s)", sport, inserted ? "inserted" : "over the limit");
	/* th_check counts conn_not_inserted (ev_not_inserted) with the rest */
	if (th_check(t, what, in, len, &e) || th_flow_of(in, len, &flow))
		return;
	TH_ASSERT(t, !bpf_map_lookup_elem(conns_fd, &flow, &c) == inserted,
		  "%s: the table %s the flow", what, inserted ? "lacks" : "holds");
}

/* The new-flow limit's window is per CPU: a case runs on one CPU. */
struct on_one_cpu {
	cpu_set_t saved;
	bool pinned;
};

static void cpu_pin(struct on_one_cpu *c)
{
	cpu_set_t one;

	c->pinned = !sched_getaffinity(0, sizeof(c->saved), &c->saved);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	if (c->pinned)
		sched_setaffinity(0, sizeof(one), &one);
}

static void cpu_unpin(struct on_one_cpu *c)
{
	if (c->pinned)
		sched_setaffinity(0, sizeof(c->saved), &c->saved);
}

/* Sets xlb's new_flow_limit; returns 0, or -1 with the case failed. */
static int limit_set(struct th *t, __u32 limit)
{
	struct xlb_config cfg;

	if (!TH_ASSERT(t, !xlb_config_get(t->xlb, &cfg), "config get: %s", xlb_errmsg(t->xlb)))
		return -1;
	cfg.new_flow_limit = limit;
	return TH_ASSERT(t, !xlb_config_set(t->xlb, &cfg), "config set: %s",
			 xlb_errmsg(t->xlb)) ? 0 : -1;
}

/* One VIP4:80 with sched and backends 198.18.1.10.. (n), limit set.
 * Returns 0, or -1 with the case failed. */
static int limit_open(struct th *t, const char *name, enum xlb_sched sched, int n, __u32 limit)
{
	char a[32];
	int i;

	if (env_open(t, name))
		return -1;
	th_vip(t, "tcp", VIP4, 80, sched, 1021);
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "198.18.1.%d", 10 + i);
		th_backend(t, 0, a, 100, XLB_BACKEND_ACTIVE);
	}
	return t->fails ? -1 : limit_set(t, limit);
}

static void new_flow_limit(void)
{
	struct on_one_cpu cpu;
	struct th t;
	int fd = -1;

	cpu_pin(&cpu);
	if (limit_open(&t, "new_flow_limit 2: the 3rd new flow of a second is not inserted",
		       XLB_SCHED_MAGLEV, 1, 2))
		goto out;
	fd = xlb_map_fd(t.xlb, "xlb_conns");
	if (!TH_ASSERT(&t, fd >= 0, "xlb_conns: %s", strerror(-fd)))
		goto out;
	limit_step(&t, fd, 0, 41000, true);
	limit_step(&t, fd, 0, 41001, true);
	limit_step(&t, fd, 0, 41002, false);
	limit_step(&t, fd, 0, 41003, false);
	usleep(1050 * 1000);	/* the next second */
	limit_step(&t, fd, 0, 41002, true);
	if (!limit_set(&t, 0))	/* no limit */
		for (int p = 41010; p < 41015; p++)
			limit_step(&t, fd, 0, p, true);
out:
	th_end(&t);
	cpu_unpin(&cpu);
}

/* Backend index the encapsulated frame in out (just run) went to, or -1. */
static int sent_to(struct th *t, const uint8_t *in, size_t len)
{
	uint8_t out[PKT_MAX];
	size_t olen = sizeof(out);
	__u32 verdict;

	if (th_run(t, in, len, out, &olen, &verdict) || verdict != XDP_REDIRECT)
		return -1;
	return th_outer_be(t, out, olen);
}

/* Over the limit, a flow without an entry on an rr VIP must still reach one
 * backend with every packet (picked by its hash, not the rr cursor). */
static void limit_rr_stable(void)
{
	uint8_t in[PKT_MAX];
	struct on_one_cpu cpu;
	int be, first = -2, i;
	struct th t;
	size_t len;

	cpu_pin(&cpu);
	if (limit_open(&t, "new_flow_limit on an rr VIP: a flow without an entry keeps one backend",
		       XLB_SCHED_RR, 2, 1))
		goto out;
	len = env_frame(in, CLIENT4, 42000, VIP4, 80, 6, 16);	/* takes the one insert */
	TH_ASSERT(&t, sent_to(&t, in, len) >= 0, "first flow not forwarded");
	for (i = 0; i < 6; i++) {
		len = env_frame_flags(in, CLIENT4, 42001, VIP4, 80, 6,
				      i ? PKT_TCP_ACK : PKT_TCP_SYN, 16);
		be = sent_to(&t, in, len);
		if (first == -2)
			first = be;
		TH_ASSERT(&t, be >= 0 && be == first, "packet %d of the flow went to backend %d, "
			  "the first to %d", i, be, first);
	}
out:
	th_end(&t);
	cpu_unpin(&cpu);
}

/* Over the limit, a SYN reusing a tuple whose backend now drains is placed
 * on a new backend and its entry replaced: the handshake's ACK follows. */
static void limit_syn_reuse(void)
{
	uint8_t in[PKT_MAX];
	struct on_one_cpu cpu;
	struct xlb_addr a;
	int b0, b1;
	struct th t;
	size_t len;

	cpu_pin(&cpu);
	if (limit_open(&t, "new_flow_limit: a SYN reusing a draining backend's entry replaces it",
		       XLB_SCHED_MAGLEV, 2, 1))
		goto out;
	len = env_frame(in, CLIENT4, 42100, VIP4, 80, 6, 16);
	b0 = sent_to(&t, in, len);	/* inserted: the second's one insert */
	if (!TH_ASSERT(&t, b0 >= 0, "SYN not forwarded"))
		goto out;
	th_addr(b0 ? "198.18.1.11" : "198.18.1.10", &a);
	if (!TH_ASSERT(&t, !xlb_backend_set_state(t.xlb, &t.vip[0], &a, XLB_BACKEND_DRAINING),
		       "drain: %s", xlb_errmsg(t.xlb)))
		goto out;
	b1 = sent_to(&t, in, len);	/* the same SYN again, over the limit */
	TH_ASSERT(&t, b1 >= 0 && b1 != b0, "reused SYN went to %d (draining %d)", b1, b0);
	len = env_frame_flags(in, CLIENT4, 42100, VIP4, 80, 6, PKT_TCP_ACK, 16);
	TH_ASSERT(&t, sent_to(&t, in, len) == b1, "the handshake's ACK did not follow the SYN "
		  "to backend %d", b1);
out:
	th_end(&t);
	cpu_unpin(&cpu);
}

/* An ICMP error steered to a flow whose backend link cannot carry it
 * encapsulated is dropped: never an ICMP error about an ICMP error. */
static void icmp_err_too_big(int fam)
{
	uint8_t l4[PKT_MAX], q[PKT_MAX], icmp[PKT_MAX], in[PKT_MAX];
	const char *vip = fam == 4 ? VIP4 : VIP6;
	struct pkt_ip qip = { .src = vip, .dst = fam == 4 ? CLIENT4 : CLIENT6,
			      .proto = 6, .frag = PKT_DF };
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB,
		.ip = { .src = fam == 4 ? "198.18.0.254" : "fd00::fe", .dst = vip,
			.proto = fam == 4 ? 1 : 58 },
	};
	struct th_exp e = { .verdict = XDP_DROP, .reason = XLB_STAT_DROP_ICMP_ERR_TOO_BIG,
			    .ev_dc = TH_DC_ICMP, .vip = TH_DC, .be = TH_DC, .be_new = TH_DC,
			    .vip_new = TH_DC };
	struct th t;
	size_t n, len;

	if (env_open(&t, fam == 4 ? "ICMP error too big for the backend's link: dropped (v4)" :
				    "ICMPv6 error too big for the backend's link: dropped (v6)"))
		goto out;
	th_vip(&t, "tcp", vip, 80, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, fam == 4 ? "198.18.5.10" : "fd00:5::10", 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	/* a 1,294-byte error: fits the client side, not the 1300-byte link
	 * once encapsulated */
	n = pkt_tcp(l4, 80, 40000, 99, PKT_TCP_ACK, 1200);
	n = pkt_ip(q, &qip, l4, n);
	n = pkt_icmp_err(icmp, fam == 4 ? 3 : 2, fam == 4 ? 4 : 0, 1300, q,
			 1294 - (fam == 4 ? 20 : 40) - 8);
	len = pkt_frame_l4(in, &f, icmp, n);
	th_check(&t, "big ICMP error", in, len, &e);
out:
	th_end(&t);
}

/* A backend behind a multipath route: libxlb resolves every next hop (the
 * fib lookup spreads flows over them, and only the host's own traffic would
 * make the kernel resolve the others). Next hops on xnn0, which has no
 * neighbours of its own. */
static void multipath_neighbours(int fam)
{
	const char *be = fam == 4 ? "198.18.9.10" : "fd00:9::10";
	const char *g1 = fam == 4 ? "198.18.2.20" : "fd00:2::20";
	const char *g2 = fam == 4 ? "198.18.2.21" : "fd00:2::21";
	const char *v = fam == 4 ? "-4" : "-6";
	struct th t;

	if (env_open(&t, fam == 4 ? "backend on a multipath route: every next hop resolved (v4)" :
				    "backend on a multipath route: every next hop resolved (v6)"))
		goto out;
	if (!TH_ASSERT(&t, !env_sh("ip %s route add %s nexthop via %s dev xnn0 nexthop via %s "
				   "dev xnn0", v, be, g1, g2), "add the multipath route"))
		goto out;
	th_vip(&t, "tcp", fam == 4 ? VIP4 : VIP6, 80, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, be, 100, XLB_BACKEND_ACTIVE);
	TH_ASSERT(&t, !env_sh("ip %s neigh show dev xnn0 | grep -q '^%s '", v, g1),
		  "no neighbour entry for next hop %s", g1);
	TH_ASSERT(&t, !env_sh("ip %s neigh show dev xnn0 | grep -q '^%s '", v, g2),
		  "no neighbour entry for next hop %s", g2);
out:
	env_sh("ip %s route del %s 2>/dev/null; ip %s neigh flush dev xnn0", v, be, v);
	th_end(&t);
}

/*
 * ECMP toward a backend: the fib picks the next hop by the outer source,
 * which varies per client, so two flows may take two next hops; each must
 * keep its own on every packet (no next-hop cache shared across flows).
 * Next hops .12/.13 (::12/::13) on xbe0, whose MACs end in 0c/0d.
 */
static void multipath_per_flow(int fam)
{
	const char *vip = fam == 4 ? VIP4 : VIP6, *client = fam == 4 ? CLIENT4 : CLIENT6;
	const char *be = fam == 4 ? "198.18.9.20" : "fd00:9::20";
	const char *v = fam == 4 ? "-4" : "-6";
	uint8_t in[PKT_MAX], out[PKT_MAX], mac[2] = { 0, 0 };
	uint16_t port[2] = { 0, 0 }, p;
	size_t len, olen;
	__u32 verdict;
	struct th t;
	int k, i;

	if (env_open(&t, fam == 4 ? "ECMP toward a backend: each flow keeps its next hop (v4)" :
				    "ECMP toward a backend: each flow keeps its next hop (v6)"))
		goto out;
	if (!TH_ASSERT(&t, !env_sh("ip %s route add %s nexthop via %s dev xbe0 nexthop via %s "
				   "dev xbe0", v, be, fam == 4 ? "198.18.1.12" : "fd00:1::12",
				   fam == 4 ? "198.18.1.13" : "fd00:1::13"), "add the route"))
		goto out;
	th_vip(&t, "tcp", vip, 80, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, be, 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	/* two flows that the fib sends two ways */
	for (p = 43000; p < 43064 && !port[1]; p++) {
		len = env_frame(in, client, p, vip, 80, 6, 16);
		olen = sizeof(out);
		if (th_run(&t, in, len, out, &olen, &verdict) || verdict != XDP_REDIRECT)
			continue;
		k = port[0] ? 1 : 0;
		if (k && out[5] == mac[0])
			continue;
		port[k] = p;
		mac[k] = out[5];
	}
	if (!TH_ASSERT(&t, port[1], "64 flows all took next hop ..%02x: no ECMP split seen",
		       mac[0]))
		goto out;
	for (i = 0; i < 6; i++) {	/* interleaved: A B A B ... */
		k = i & 1;
		len = env_frame_flags(in, client, port[k], vip, 80, 6, PKT_TCP_ACK, 16);
		olen = sizeof(out);
		if (!TH_ASSERT(&t, !th_run(&t, in, len, out, &olen, &verdict) &&
				   verdict == XDP_REDIRECT, "flow %u not forwarded", port[k]))
			break;
		TH_ASSERT(&t, out[5] == mac[k], "flow %u went via ..%02x, first via ..%02x",
			  port[k], out[5], mac[k]);
	}
out:
	env_sh("ip %s route del %s 2>/dev/null", v, be);
	th_end(&t);
}

void run_fwd_cases(void)
{
	multipath_neighbours(4);
	multipath_neighbours(6);
	multipath_per_flow(4);
	multipath_per_flow(6);
	size_t i;

	new_flow_limit();
	limit_rr_stable();
	limit_syn_reuse();
	icmp_err_too_big(4);
	icmp_err_too_big(6);

	for (i = 0; i < sizeof(txrows) / sizeof(txrows[0]); i++)
		run_txrow(&txrows[i]);
	for (i = 0; i < sizeof(encrows) / sizeof(encrows[0]); i++)
		run_encrow(&encrows[i]);
}
