/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * struct xlb_pkt: what the stages of xlb_ingress learn about one packet.
 * It lives on the entry program's stack; the flow key inside is the
 * xlb_conns key and must be fully written (pad zero) before a lookup.
 */
#ifndef XLB_BPF_PKT_H
#define XLB_BPF_PKT_H

#include <linux/types.h>
#include "xlb/abi.h"

/* What the stages know about the packet. */
struct xlb_pkt {
	struct xlb_flow flow __attribute__((aligned(8)));
	const struct xlb_backend *be;	/* chosen backend, or NULL */
	__u32	frame_len;		/* L2 length as received */
	__u32	vip_id;
	__u32	be_id;
	__u16	l3_off;			/* 14, or 18 behind an 802.1Q tag */
	__u16	ip_len;			/* IP header + payload, per the header */
	__u16	l4_len;			/* bytes after the IP header, per the header */
	__u8	v6;
	__u8	tos;			/* IPv4 TOS or IPv6 traffic class */
	__u8	df;			/* IPv4 DF */
	__u8	icmp;			/* the packet is ICMP / ICMPv6 */
	__u8	icmp_err;		/* flow comes from an ICMP error's quote */
	__u8	sched;			/* enum xlb_sched of the VIP */
	__u8	vip_hit;		/* vip_id is valid */
	__u8	scheduled;		/* the scheduler picked the backend */
	__u8	conn_found;		/* xlb_conns had the flow */
	__u8	event;			/* XLB_STAT_EV_* or XLB_EV_NONE */
};

#endif /* XLB_BPF_PKT_H */
