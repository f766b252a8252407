/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reasons, verdicts and counters of the balancer.
 *
 * Contract: a stage returns 0 to go on or XLB_R(name), a negative code for
 * the reason XLB_STAT_name that ends the packet. The code is offset by one
 * because reason 0 (PASS_NOT_IP) must not read as "go on". Only
 * xlb_account() turns a reason into an XDP verdict and counters, so every
 * packet is counted exactly once in xlb_stats (plus at most one event).
 */
#ifndef XLB_BPF_STATS_H
#define XLB_BPF_STATS_H

#include "maps.h"
#include "pkt.h"

#define XLB_R(name)		(-1 - XLB_STAT_##name)
#define XLB_EV_NONE		XLB_STAT_MAX

/* Bit masks of the reasons of each kind, built from the X-macro list in abi.h. */
#define XLB_KIND_BIT_PASS(name, kind, str, desc)	XLB_KIND_BIT_X(PASS, name, kind)
#define XLB_KIND_BIT_DROP(name, kind, str, desc)	XLB_KIND_BIT_X(DROP, name, kind)
#define XLB_KIND_BIT_TX(name, kind, str, desc)		XLB_KIND_BIT_X(TX, name, kind)
#define XLB_KIND_BIT_X(want, name, kind)	+ (XLB_MATCH_##want##_##kind##_ << XLB_STAT_##name)

/* XLB_MATCH_<want>_<kind>_: 1 when kind == want (token pasting, no strcmp). */
#define XLB_MATCH_PASS_PASS_		1ULL
#define XLB_MATCH_PASS_DROP_		0ULL
#define XLB_MATCH_PASS_TX_		0ULL
#define XLB_MATCH_PASS_REDIRECT_	0ULL
#define XLB_MATCH_PASS_EVENT_		0ULL
#define XLB_MATCH_DROP_PASS_		0ULL
#define XLB_MATCH_DROP_DROP_		1ULL
#define XLB_MATCH_DROP_TX_		0ULL
#define XLB_MATCH_DROP_REDIRECT_	0ULL
#define XLB_MATCH_DROP_EVENT_		0ULL
#define XLB_MATCH_TX_PASS_		0ULL
#define XLB_MATCH_TX_DROP_		0ULL
#define XLB_MATCH_TX_TX_		1ULL
#define XLB_MATCH_TX_REDIRECT_		0ULL
#define XLB_MATCH_TX_EVENT_		0ULL

#define XLB_MASK_PASS	(0ULL XLB_STATS(XLB_KIND_BIT_PASS))
#define XLB_MASK_DROP	(0ULL XLB_STATS(XLB_KIND_BIT_DROP))
#define XLB_MASK_TX	(0ULL XLB_STATS(XLB_KIND_BIT_TX))
#define XLB_MASK_REDIRECT (1ULL << XLB_STAT_REDIRECT_FORWARD)
#define XLB_MASK_FORWARD  ((1ULL << XLB_STAT_TX_FORWARD) | XLB_MASK_REDIRECT)

_Static_assert(XLB_STAT_MAX <= 64, "reason masks are 64 bits");

/* Returns the reason XLB_STAT_* that a stage's negative code stands for. */
static __always_inline __u32 xlb_reason(int code)
{
	return (__u32)(-1 - code);
}

/* Returns the XDP verdict that ends a packet with this reason. */
static __always_inline int xlb_verdict(__u32 reason)
{
	__u64 bit = 1ULL << (reason & 63);

	if (bit & XLB_MASK_PASS)
		return XDP_PASS;
	if (bit & XLB_MASK_DROP)
		return XDP_DROP;
	if (bit & XLB_MASK_TX)
		return XDP_TX;
	if (bit & XLB_MASK_REDIRECT)
		return XDP_REDIRECT;
	return XDP_ABORTED;
}

/* Returns nothing: adds one packet of len bytes to xlb_stats[reason]. */
static __always_inline void xlb_count(__u32 reason, __u32 len)
{
	struct xlb_counter *c = bpf_map_lookup_elem(&xlb_stats, &reason);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

/*
 * Returns the XDP verdict for the stage code ret, after counting the packet:
 * xlb_stats under its reason and its event, the VIP's counters when it
 * matched one, the backend's when one was chosen. Each slot is looked up once.
 */
static __always_inline int xlb_account(const struct xlb_pkt *pkt, int ret)
{
	__u32 reason = xlb_reason(ret);
	__u64 bit = 1ULL << (reason & 63);
	int verdict = xlb_verdict(reason);

	xlb_count(reason, pkt->frame_len);
	if (pkt->event != XLB_EV_NONE)
		xlb_count(pkt->event, pkt->frame_len);
	if (pkt->vip_hit) {
		struct xlb_vip_stats *vs = bpf_map_lookup_elem(&xlb_vip_stats, &pkt->vip_id);

		if (vs) {
			vs->packets++;
			vs->bytes += pkt->frame_len;
			vs->new_flows += pkt->new_flow;
			vs->drops += !!(bit & XLB_MASK_DROP);
		}
	}
	if (pkt->be) {
		struct xlb_backend_stats *bs = bpf_map_lookup_elem(&xlb_be_stats, &pkt->be_id);

		if (bs) {
			bs->new_flows += pkt->new_flow;
			if (bit & XLB_MASK_FORWARD) {
				bs->packets++;
				bs->bytes += pkt->frame_len;
			}
		}
	}
	return verdict;
}

#endif /* XLB_BPF_STATS_H */
