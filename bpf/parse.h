/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parsing: Ethernet (at most one 802.1Q tag), IPv4 or IPv6, then the
 * TCP/UDP ports or the ICMP header. Every read is bounds-checked right before
 * it happens. The checks run in the README's order: L2, L3 malformed,
 * options/extension headers, fragment, L4. Both families fill one
 * struct xlb_pkt, whose flow key carries IPv4 as ::ffff:a.b.c.d.
 */
#ifndef XLB_BPF_PARSE_H
#define XLB_BPF_PARSE_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include "xlb/abi.h"
#include "stats.h"

#define XLB_VLAN_HLEN		4
#define XLB_IPV4_HLEN		20
#define XLB_IPV6_HLEN		40
#define XLB_TCP_MIN_BYTES	20
#define XLB_UDP_BYTES		8
#define XLB_ICMP_HLEN		8
#define XLB_IP_MF		0x2000
#define XLB_IP_OFFSET		0x1fff
#define XLB_IP_DF		0x4000
#define XLB_IPPROTO_ICMPV6	58
#define XLB_IPPROTO_FRAGMENT	44

struct xlb_vlan_hdr {
	__be16	tci;
	__be16	proto;
};

/* ICMP and ICMPv6 share the first 8 bytes' layout. */
struct xlb_icmp_hdr {
	__u8	type;
	__u8	code;
	__sum16	check;
	__be32	rest;		/* echo id/seq, unused, or MTU */
};

struct xlb_tcpudp_ports {
	__be16	sport;
	__be16	dport;
};

/* Returns nothing: stores IPv4 address a as ::ffff:a into the 16 bytes at dst. */
static __always_inline void xlb_addr_set_v4(__u8 *dst, __be32 a)
{
	__u32 *w = (__u32 *)dst;

	w[0] = 0;
	w[1] = 0;
	w[2] = bpf_htonl(0x0000ffff);
	w[3] = a;
}

/* Returns true for the IPv6 extension headers xlb does not walk (RFC 8200 4). */
static __always_inline bool xlb_ipv6_is_ext(__u8 nh)
{
	switch (nh) {
	case 0: case 43: case 60: case 51: case 135: case 139: case 140: case 253: case 254:
		return true;
	}
	return false;
}

/* Returns 0 with ports and proto in pkt->flow (or pkt->icmp set), or a negative reason. */
static __always_inline int xlb_parse_l4(struct xlb_pkt *pkt, __u8 proto, void *l4,
					void *data_end)
{
	struct xlb_tcpudp_ports *p = l4;
	__u32 len = pkt->l4_len;

	pkt->flow.proto = proto;
	if (proto == IPPROTO_TCP) {
		if (len < XLB_TCP_MIN_BYTES || l4 + XLB_TCP_MIN_BYTES > data_end)
			return XLB_R(DROP_MALFORMED);
		pkt->tcp_flags = ((__u8 *)l4)[XLB_TCP_FLAGS_OFF];
	} else if (proto == IPPROTO_UDP) {
		if (len < XLB_UDP_BYTES || l4 + XLB_UDP_BYTES > data_end)
			return XLB_R(DROP_MALFORMED);
	} else if (proto == (pkt->v6 ? XLB_IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
		if (len < XLB_ICMP_HLEN || l4 + XLB_ICMP_HLEN > data_end)
			return XLB_R(DROP_MALFORMED);
		pkt->icmp = 1;
		return 0;
	} else {
		return XLB_R(PASS_NOT_VIP);
	}
	pkt->flow.sport = p->sport;
	pkt->flow.dport = p->dport;
	return 0;
}

/* Returns 0 after parsing an IPv4 header at ip and its L4, or a negative reason. */
static __always_inline int xlb_parse_v4(struct xlb_pkt *pkt, struct iphdr *ip, void *data_end)
{
	__u32 tot;

	if ((void *)(ip + 1) > data_end)
		return XLB_R(DROP_MALFORMED);
	tot = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ip->ihl < 5 || tot < ip->ihl * 4U || (void *)ip + tot > data_end)
		return XLB_R(DROP_MALFORMED);
	if (ip->ihl != 5)
		return XLB_R(PASS_IPV4_OPTIONS);
	if (ip->frag_off & bpf_htons(XLB_IP_MF | XLB_IP_OFFSET))
		return XLB_R(PASS_FRAGMENT);

	pkt->ip_len = tot;
	pkt->l4_len = tot - XLB_IPV4_HLEN;
	pkt->tos = ip->tos;
	pkt->df = !!(ip->frag_off & bpf_htons(XLB_IP_DF));
	xlb_addr_set_v4(pkt->flow.src, ip->saddr);
	xlb_addr_set_v4(pkt->flow.dst, ip->daddr);
	return xlb_parse_l4(pkt, ip->protocol, ip + 1, data_end);
}

/* Returns 0 after parsing an IPv6 header at ip6 and its L4, or a negative reason. */
static __always_inline int xlb_parse_v6(struct xlb_pkt *pkt, struct ipv6hdr *ip6, void *data_end)
{
	__u32 plen;
	__u8 nh;

	if ((void *)(ip6 + 1) > data_end)
		return XLB_R(DROP_MALFORMED);
	plen = bpf_ntohs(ip6->payload_len);
	if ((void *)(ip6 + 1) + plen > data_end)
		return XLB_R(DROP_MALFORMED);
	nh = ip6->nexthdr;
	if (xlb_ipv6_is_ext(nh))
		return XLB_R(PASS_IPV6_EXT);
	if (nh == XLB_IPPROTO_FRAGMENT)
		return XLB_R(PASS_FRAGMENT);

	pkt->v6 = 1;
	pkt->ip_len = XLB_IPV6_HLEN + plen;
	pkt->l4_len = plen;
	pkt->tos = (bpf_ntohl(*(__be32 *)ip6) >> 20) & 0xff;
	__builtin_memcpy(pkt->flow.src, &ip6->saddr, 16);
	__builtin_memcpy(pkt->flow.dst, &ip6->daddr, 16);
	return xlb_parse_l4(pkt, nh, ip6 + 1, data_end);
}

/* Returns 0 with pkt filled, or a negative reason (pass, or malformed). */
static __always_inline int xlb_parse(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__be16 proto;

	pkt->frame_len = data_end - data;
	if (data + sizeof(*eth) > data_end)
		return XLB_R(DROP_MALFORMED);
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct xlb_vlan_hdr *vh = data + off;

		if ((void *)(vh + 1) > data_end)
			return XLB_R(DROP_MALFORMED);
		proto = vh->proto;
		off += XLB_VLAN_HLEN;
	}
	pkt->l3_off = off;
	if (proto == bpf_htons(ETH_P_IP))
		return xlb_parse_v4(pkt, data + off, data_end);
	if (proto == bpf_htons(ETH_P_IPV6))
		return xlb_parse_v6(pkt, data + off, data_end);
	return XLB_R(PASS_NOT_IP);
}

#endif /* XLB_BPF_PARSE_H */
