/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * VIP lookup, connection table and scheduler.
 *
 * Contract: per packet one xlb_vips lookup, one xlb_conns lookup and one
 * xlb_backends lookup; only a new or moved flow reads the ring (two inner
 * array lookups) and writes xlb_conns. The ring is read through
 * xlb_rings[vip id] once, so a concurrent ring swap is seen whole or not at
 * all; its entry 0 is its size N.
 */
#ifndef XLB_BPF_LOOKUP_H
#define XLB_BPF_LOOKUP_H

#include "maps.h"
#include "parse.h"
#include "jhash.h"

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

	switch (pkt->sched) {
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
	pkt->scheduled = 1;
	return 0;
}

/*
 * Returns 0 with the flow's backend in pkt, or a negative reason. A table
 * hit is kept while its backend is valid and still the VIP's; otherwise the
 * flow is scheduled again. ICMP errors never insert a flow.
 */
static __always_inline int xlb_backend_select(struct xlb_pkt *pkt)
{
	const struct xlb_backend *be;
	struct xlb_conn *conn, val;
	int ret;

	conn = bpf_map_lookup_elem(&xlb_conns, &pkt->flow);
	if (conn) {
		__u32 id = conn->backend_id;

		be = bpf_map_lookup_elem(&xlb_backends, &id);
		if (be && (be->flags & XLB_BACKEND_F_VALID) && be->vip_id == pkt->vip_id) {
			pkt->be = be;
			pkt->be_id = id;
			pkt->event = pkt->icmp_err ? XLB_STAT_EV_ICMP_ERR_FORWARDED :
						     XLB_STAT_EV_CONN_HIT;
			return 0;
		}
	}
	ret = xlb_schedule(pkt);
	if (ret)
		return ret;
	if (pkt->icmp_err) {
		pkt->event = XLB_STAT_EV_ICMP_ERR_FORWARDED;
		return 0;
	}
	val.backend_id = pkt->be_id;
	val.vip_id = pkt->vip_id;
	/* An LRU insert can only fail under memory pressure: forward anyway. */
	bpf_map_update_elem(&xlb_conns, &pkt->flow, &val, BPF_ANY);
	pkt->event = conn ? XLB_STAT_EV_CONN_RESCHEDULED : XLB_STAT_EV_CONN_NEW;
	return 0;
}

#endif /* XLB_BPF_LOOKUP_H */
