/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * VIP pre-filter, connection table, VIP lookup and scheduler.
 *
 * Contract: the connection table comes first. A packet to an address whose
 * xlb_vip_filter slot is zero is PASS_NOT_VIP after one array read. An
 * established flow costs one xlb_conns and one xlb_backends lookup and no
 * xlb_vips lookup: its entry names the VIP (vip_id) and the backend, and the
 * backend still being VALID and that VIP's proves the VIP still exists,
 * because libxlb clears VALID on every backend of a VIP it deletes and never
 * revalidates a backend id that a table entry may still name. Anything else
 * looks the VIP up and schedules: only a new or moved flow reads the ring
 * (two inner array lookups) and writes xlb_conns. A TCP SYN without ACK that
 * hits an entry is a new connection reusing the 4-tuple (clients recycle
 * source ports long before the LRU forgets the old flow): it counts as a
 * new flow, and keeps the entry's backend only while that backend is ACTIVE,
 * so draining and standby backends get no new connections (IPVS's
 * conn_reuse_mode does the same). The ring is read through
 * xlb_rings[vip id] once, so a concurrent ring swap is seen whole or not at
 * all; its entry 0 is its size N.
 */
#ifndef XLB_BPF_LOOKUP_H
#define XLB_BPF_LOOKUP_H

#include "maps.h"
#include "parse.h"
#include "jhash.h"

/* Returns 0 when some VIP may have the flow's destination address, else
 * PASS_NOT_VIP: most non-VIP traffic ends here, for one inlined array read
 * instead of a hash lookup (~30 ns). A collision only means going on. */
static __always_inline int xlb_vip_filter_check(const struct xlb_pkt *pkt)
{
	const __u32 *w = (const __u32 *)pkt->flow.dst;
	__u32 slot, *cnt;

	slot = xlb_vip_filter_slot(w[0], w[1], w[2], w[3]);
	cnt = bpf_map_lookup_elem(&xlb_vip_filter, &slot);
	if (!cnt || !*cnt)
		return XLB_R(PASS_NOT_VIP);
	return 0;
}

/*
 * Returns true with the flow's backend and VIP id in pkt when xlb_conns has
 * the flow on a backend that is VALID and belongs to the entry's VIP: the
 * established path. A SYN (new connection on a reused tuple) is placed so
 * only when the backend is also ACTIVE, and then counts as a new flow
 * (EV_CONN_NEW, new_flows). Otherwise false, with pkt->conn_found set when
 * an entry existed (it is then replaced).
 */
static __always_inline bool xlb_conn_hit(struct xlb_pkt *pkt)
{
	const struct xlb_backend *be;
	struct xlb_conn *conn;
	__u32 id, vip_id;

	conn = bpf_map_lookup_elem(&xlb_conns, &pkt->flow);
	if (!conn)
		return false;
	pkt->conn_found = 1;
	id = conn->backend_id;
	vip_id = conn->vip_id;
	be = bpf_map_lookup_elem(&xlb_backends, &id);
	if (!be || !(be->flags & XLB_BACKEND_F_VALID) || be->vip_id != vip_id)
		return false;
	pkt->event = pkt->icmp_err ? XLB_STAT_EV_ICMP_ERR_FORWARDED : XLB_STAT_EV_CONN_HIT;
	if (xlb_pkt_is_syn(pkt)) {
		/* state is one byte user space writes: seen old or new, whole. */
		if (be->state != XLB_BACKEND_ACTIVE) {
			pkt->event = XLB_EV_NONE;	/* scheduling sets it */
			return false;
		}
		pkt->new_flow = 1;
		pkt->event = XLB_STAT_EV_CONN_NEW;
	}
	pkt->be = be;
	pkt->be_id = id;
	pkt->vip_id = vip_id;
	pkt->vip_hit = 1;
	return true;
}

/* Returns 0 with the VIP of (flow dst, dport, proto) in pkt, or PASS_NOT_VIP. */
static __always_inline int xlb_vip_lookup(struct xlb_pkt *pkt)
{
	struct xlb_vip_key key;
	struct xlb_vip *vip;

	__builtin_memcpy(key.addr, pkt->flow.dst, sizeof(key.addr));
	key.port = pkt->flow.dport;
	key.proto = pkt->flow.proto;
	key.pad = 0;
	vip = bpf_map_lookup_elem(&xlb_vips, &key);
	if (!vip)
		return XLB_R(PASS_NOT_VIP);
	pkt->vip_id = vip->id;
	pkt->sched = vip->sched;
	pkt->vip_hit = 1;
	return 0;
}

/* Returns the ring slot (0..n-1) the VIP's scheduler picks for this flow. */
static __always_inline __u32 xlb_sched_slot(struct xlb_pkt *pkt, __u32 n)
{
	__u32 *cursor;

	switch (pkt->hash_pick && pkt->sched != XLB_SCHED_SH ? XLB_SCHED_MAGLEV : pkt->sched) {
	case XLB_SCHED_SH:
		return xlb_jhash2_4((const __u32 *)pkt->flow.src, XLB_HASH_SEED) % n;
	case XLB_SCHED_RR:
		cursor = bpf_map_lookup_elem(&xlb_rr, &pkt->vip_id);
		if (!cursor)
			return 0;
		return (*cursor)++ % n;	/* per-CPU: no atomics needed */
	case XLB_SCHED_RANDOM:
		return bpf_get_prandom_u32() % n;
	default:
		return xlb_jhash2_10((const __u32 *)&pkt->flow, XLB_HASH_SEED) % n;
	}
}

/* Returns 0 with the scheduler's valid backend in pkt, or DROP_NO_BACKEND. */
static __always_inline int xlb_schedule(struct xlb_pkt *pkt)
{
	const struct xlb_backend *be;
	__u32 key = 0, id;
	__u32 *v;
	void *ring;

	ring = bpf_map_lookup_elem(&xlb_rings, &pkt->vip_id);
	if (!ring)
		return XLB_R(DROP_NO_BACKEND);
	v = bpf_map_lookup_elem(ring, &key);
	if (!v || !*v)
		return XLB_R(DROP_NO_BACKEND);
	key = 1 + xlb_sched_slot(pkt, *v);
	v = bpf_map_lookup_elem(ring, &key);
	if (!v)
		return XLB_R(DROP_NO_BACKEND);
	id = *v;
	be = bpf_map_lookup_elem(&xlb_backends, &id);
	if (!be || !(be->flags & XLB_BACKEND_F_VALID))
		return XLB_R(DROP_NO_BACKEND);
	pkt->be = be;
	pkt->be_id = id;
	pkt->new_flow = 1;
	return 0;
}

/* Returns true when this CPU may insert one more new flow in the current
 * second under limit (0: no limit). */
static __always_inline bool xlb_flood_admit(__u32 limit)
{
	struct xlb_flood *f;
	__u32 zero = 0;
	__u64 now;

	if (!limit)
		return true;
	f = bpf_map_lookup_elem(&xlb_flood, &zero);
	if (!f)
		return true;
	now = bpf_ktime_get_ns();
	if (now - f->window_start >= 1000000000ULL) {
		f->window_start = now;
		f->inserted = 0;
	}
	if (f->inserted >= limit)
		return false;
	f->inserted++;
	return true;
}

/*
 * Returns 0 with a backend for a flow that xlb_conn_hit() did not place, or
 * a negative reason: the VIP's scheduler picks it and the flow is inserted
 * (replacing a stale entry). ICMP errors never insert a flow.
 */
static __always_inline int xlb_backend_select(struct xlb_pkt *pkt)
{
	const struct xlb_config *cfg;
	struct xlb_conn val;
	bool insert = true;
	__u32 zero = 0;
	int ret;

	/* Over the limit (a SYN flood), a new flow is forwarded without an
	 * entry, so the flood cannot evict the established flows; its next
	 * packet tries again. Such a flow is picked by its hash even on rr and
	 * random VIPs, so all its packets reach one backend while the ring
	 * holds. Replacing an existing entry does not grow the table: always. */
	if (!pkt->icmp_err && !pkt->conn_found) {
		cfg = bpf_map_lookup_elem(&xlb_config, &zero);
		insert = !cfg || xlb_flood_admit(cfg->new_flow_limit);
		pkt->hash_pick = !insert;
	}
	ret = xlb_schedule(pkt);
	if (ret)
		return ret;
	if (pkt->icmp_err) {
		pkt->event = XLB_STAT_EV_ICMP_ERR_FORWARDED;
		return 0;
	}
	if (!insert) {
		pkt->event = XLB_STAT_EV_CONN_NOT_INSERTED;
		return 0;
	}
	val.backend_id = pkt->be_id;
	val.vip_id = pkt->vip_id;	/* xlb_conn_hit() checks the backend against it */
	/* An LRU insert can only fail under memory pressure: forward anyway. */
	bpf_map_update_elem(&xlb_conns, &pkt->flow, &val, BPF_ANY);
	/* A SYN starts a new connection even over a stale entry; a moved
	 * established flow is a rescheduling. */
	pkt->event = pkt->conn_found && !xlb_pkt_is_syn(pkt) ? XLB_STAT_EV_CONN_RESCHEDULED :
								XLB_STAT_EV_CONN_NEW;
	return 0;
}

#endif /* XLB_BPF_LOOKUP_H */
