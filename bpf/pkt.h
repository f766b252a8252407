/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * struct xlb_pkt: what the stages of xlb_ingress learn about one packet.
 * It lives on the entry program's stack; the flow key inside is the
 * xlb_conns key and must be fully written (pad zero) before a lookup.
 */
#ifndef XLB_BPF_PKT_H
#define XLB_BPF_PKT_H

#include <linux/types.h>
#include <stdbool.h>
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
	__u8	new_flow;		/* counts under new_flows (VIP and backend) */
	__u8	conn_found;		/* xlb_conns had the flow */
	__u8	tcp_flags;		/* TCP flags byte; 0 for UDP and ICMP */
	__u8	event;			/* XLB_STAT_EV_* or XLB_EV_NONE */
	__u8	hash_pick;		/* no table entry: rr/random pick by flow hash */
};

#define XLB_TCP_FLAGS_OFF	13	/* CWR ECE URG ACK PSH RST SYN FIN (RFC 9293 3.1) */
#define XLB_TCP_SYN		0x02
#define XLB_TCP_ACK		0x10

/* Returns true for a TCP SYN without ACK: a client opening a connection.
 * The parser only copies the flags byte; the test runs on a table hit
 * (xlb_conn_hit), which keeps the established path's extra cost at a byte
 * load, a store and one branch. */
static __always_inline bool xlb_pkt_is_syn(const struct xlb_pkt *pkt)
{
	return (pkt->tcp_flags & (XLB_TCP_SYN | XLB_TCP_ACK)) == XLB_TCP_SYN;
}

#endif /* XLB_BPF_PKT_H */
