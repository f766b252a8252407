/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ICMP and ICMPv6: echo replies for VIP addresses, steering of ICMP errors
 * (RFC 792, RFC 4443 2.4) to the backend of the flow they quote, and the
 * "fragmentation needed" / "packet too big" errors xlb itself sends when an
 * encapsulated packet would not fit (RFC 1191, RFC 8201).
 *
 * Contract: the packet was parsed (pkt->l3_off, l4_len are valid, the IPv4
 * header has no options). Replies keep an 802.1Q tag and swap the MACs.
 */
#ifndef XLB_BPF_ICMP_H
#define XLB_BPF_ICMP_H

#include "maps.h"
#include "parse.h"
#include "csum.h"

#define XLB_ICMP_ECHO_REPLY		0
#define XLB_ICMP_DEST_UNREACH		3
#define XLB_ICMP_FRAG_NEEDED		4
#define XLB_ICMP_ECHO			8
#define XLB_ICMPV6_DEST_UNREACH		1
#define XLB_ICMPV6_PKT_TOOBIG		2
#define XLB_ICMPV6_ECHO_REQUEST		128
#define XLB_ICMPV6_ECHO_REPLY		129
#define XLB_IPV6_MIN_MTU		1280
#define XLB_L2_MAX_BYTES		(ETH_HLEN + XLB_VLAN_HLEN)

/* Quote of an error: IP header plus the first 8 bytes (the ports). */
#define XLB_QUOTE_V4_BYTES	(XLB_IPV4_HLEN + XLB_ICMP_QUOTE_L4_BYTES)
#define XLB_QUOTE_V6_BYTES	(XLB_IPV6_HLEN + XLB_ICMP_QUOTE_L4_BYTES)

/* Returns nothing: swaps the destination and source MAC addresses. */
static __always_inline void xlb_eth_swap(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
}

/* Returns TX_ICMP_ECHO after turning the echo request into its reply in place,
 * or PASS_NOT_VIP when its destination is no VIP address. */
static __always_inline int xlb_icmp_echo(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *l3 = data + pkt->l3_off;
	struct xlb_icmp_hdr *ic;
	__be16 old, new;

	if (!bpf_map_lookup_elem(&xlb_vip_addrs, pkt->flow.dst))
		return XLB_R(PASS_NOT_VIP);
	if (data + ETH_HLEN > data_end)
		return XLB_R(DROP_MALFORMED);
	xlb_eth_swap(data);

	if (pkt->v6) {
		struct ipv6hdr *ip6 = l3;

		ic = (void *)(ip6 + 1);
		if ((void *)(ic + 1) > data_end)
			return XLB_R(DROP_MALFORMED);
		__builtin_memcpy(&ip6->saddr, pkt->flow.dst, 16);
		__builtin_memcpy(&ip6->daddr, pkt->flow.src, 16);
		ip6->hop_limit = XLB_ICMP_TTL;
		/* The pseudo-header sum is unchanged by the swap: only the type moves. */
		old = *(__be16 *)ic;
		ic->type = XLB_ICMPV6_ECHO_REPLY;
	} else {
		struct iphdr *ip = l3;
		__be32 a;

		ic = (void *)(ip + 1);
		if ((void *)(ic + 1) > data_end)
			return XLB_R(DROP_MALFORMED);
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
		ip->ttl = XLB_ICMP_TTL;
		ip->check = 0;
		ip->check = xlb_csum_ipv4(ip);
		old = *(__be16 *)ic;
		ic->type = XLB_ICMP_ECHO_REPLY;
	}
	new = *(__be16 *)ic;
	ic->check = xlb_csum_replace16(ic->check, old, new);
	return XLB_R(TX_ICMP_ECHO);
}

/* Returns 0 with pkt->flow set to the quoted flow seen from the client (the
 * quote is a reply from the VIP: src/dst and ports swapped), PASS_NOT_VIP
 * when the quote is not plain TCP/UDP, or DROP_MALFORMED when it is short. */
static __always_inline int xlb_icmp_quote(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *q = data + pkt->l3_off + (pkt->v6 ? XLB_IPV6_HLEN : XLB_IPV4_HLEN) + XLB_ICMP_HLEN;
	struct xlb_tcpudp_ports *p;
	__u8 proto;

	if (pkt->v6) {
		struct ipv6hdr *ip6 = q;

		if (pkt->l4_len < XLB_ICMP_HLEN + XLB_QUOTE_V6_BYTES ||
		    q + XLB_QUOTE_V6_BYTES > data_end)
			return XLB_R(DROP_MALFORMED);
		proto = ip6->nexthdr;
		p = (void *)(ip6 + 1);
		__builtin_memcpy(pkt->flow.src, &ip6->daddr, 16);
		__builtin_memcpy(pkt->flow.dst, &ip6->saddr, 16);
	} else {
		struct iphdr *ip = q;

		if (pkt->l4_len < XLB_ICMP_HLEN + XLB_QUOTE_V4_BYTES ||
		    q + XLB_QUOTE_V4_BYTES > data_end)
			return XLB_R(DROP_MALFORMED);
		if (ip->version != 4 || ip->ihl != 5)
			return XLB_R(PASS_NOT_VIP);
		proto = ip->protocol;
		p = (void *)(ip + 1);
		xlb_addr_set_v4(pkt->flow.src, ip->daddr);
		xlb_addr_set_v4(pkt->flow.dst, ip->saddr);
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return XLB_R(PASS_NOT_VIP);
	pkt->flow.proto = proto;
	pkt->flow.sport = p->dport;
	pkt->flow.dport = p->sport;
	pkt->icmp_err = 1;
	return 0;
}

/* Returns 0 for an ICMP error to steer (pkt->flow set from its quote), or the
 * reason that ends the packet: echo answered, not for a VIP, malformed. */
static __always_inline int xlb_icmp(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xlb_icmp_hdr *ic;
	__u8 type;

	ic = data + pkt->l3_off + (pkt->v6 ? XLB_IPV6_HLEN : XLB_IPV4_HLEN);
	if ((void *)(ic + 1) > data_end)
		return XLB_R(DROP_MALFORMED);
	type = ic->type;
	if (pkt->v6) {
		if (type == XLB_ICMPV6_ECHO_REQUEST)
			return xlb_icmp_echo(ctx, pkt);
		if (type == XLB_ICMPV6_DEST_UNREACH || type == XLB_ICMPV6_PKT_TOOBIG)
			return xlb_icmp_quote(ctx, pkt);
	} else {
		if (type == XLB_ICMP_ECHO)
			return xlb_icmp_echo(ctx, pkt);
		if (type == XLB_ICMP_DEST_UNREACH)
			return xlb_icmp_quote(ctx, pkt);
	}
	return XLB_R(PASS_NOT_VIP);
}

/*
 * Returns TX_ICMP_TOO_BIG after rewriting the packet into the error for its
 * sender, or DROP_ENCAP when the frame cannot be resized. mtu is the value
 * to announce. The reply is: L2 (MACs swapped, tag kept), a new IP header,
 * the 8-byte ICMP header, then the original IP header and 8 bytes after it.
 */
static __always_inline int xlb_icmp_too_big(struct xdp_md *ctx, struct xlb_pkt *pkt, __u32 mtu)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l3_off = pkt->l3_off, hlen, new_len, quote;
	struct xlb_icmp_hdr *ic;
	__u8 l2[XLB_L2_MAX_BYTES];
	__u64 sum;

	/* verifier: bound the variable L2 length for the packet range checks */
	if (l3_off > XLB_L2_MAX_BYTES)
		return XLB_R(DROP_MALFORMED);
	/* Parsing guaranteed L2 + IP header + 8 bytes: that covers 18 bytes. */
	if (data + XLB_L2_MAX_BYTES > data_end)
		return XLB_R(DROP_MALFORMED);
	__builtin_memcpy(l2, data, XLB_L2_MAX_BYTES);

	hlen = pkt->v6 ? XLB_IPV6_HLEN : XLB_IPV4_HLEN;
	quote = hlen + XLB_ICMP_QUOTE_L4_BYTES;
	if (bpf_xdp_adjust_head(ctx, -(int)(hlen + XLB_ICMP_HLEN)))
		return XLB_R(DROP_ENCAP);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	new_len = l3_off + hlen + XLB_ICMP_HLEN + quote;

	/* Writing all 18 saved bytes is harmless without a tag: the new IP
	 * header written next covers bytes 14..17. */
	if (data + XLB_L2_MAX_BYTES > data_end)
		return XLB_R(DROP_ENCAP);
	__builtin_memcpy(data, l2, XLB_L2_MAX_BYTES);
	xlb_eth_swap(data);

	if (pkt->v6) {
		struct ipv6hdr *ip6 = data + l3_off, *orig;

		ic = (void *)(ip6 + 1);
		orig = (void *)(ic + 1);
		if ((void *)orig + XLB_QUOTE_V6_BYTES > data_end)
			return XLB_R(DROP_ENCAP);
		*(__be32 *)ip6 = bpf_htonl(0x60000000);
		ip6->payload_len = bpf_htons(XLB_ICMP_HLEN + XLB_QUOTE_V6_BYTES);
		ip6->nexthdr = XLB_IPPROTO_ICMPV6;
		ip6->hop_limit = XLB_ICMP_TTL;
		ip6->saddr = orig->daddr;
		ip6->daddr = orig->saddr;
		ic->type = XLB_ICMPV6_PKT_TOOBIG;
		ic->code = 0;
		ic->check = 0;
		mtu = mtu > XLB_IPV6_HLEN + XLB_IPV6_MIN_MTU ? mtu - XLB_IPV6_HLEN : XLB_IPV6_MIN_MTU;
		ic->rest = bpf_htonl(mtu);
		/* RFC 8200 8.1 pseudo-header: addresses, upper-layer length, next header. */
		sum = bpf_csum_diff(NULL, 0, (void *)&ip6->saddr, 32, 0);
		sum = bpf_csum_diff(NULL, 0, (void *)ic, XLB_ICMP_HLEN + XLB_QUOTE_V6_BYTES,
				    (__u32)sum);
		sum += bpf_htonl(XLB_ICMP_HLEN + XLB_QUOTE_V6_BYTES);
		sum += bpf_htonl(XLB_IPPROTO_ICMPV6);
		ic->check = (__sum16)~xlb_csum_fold(sum);
	} else {
		struct iphdr *ip = data + l3_off, *orig;

		ic = (void *)(ip + 1);
		orig = (void *)(ic + 1);
		if ((void *)orig + XLB_QUOTE_V4_BYTES > data_end)
			return XLB_R(DROP_ENCAP);
		*(__u8 *)ip = 0x45;
		ip->tos = 0;
		ip->tot_len = bpf_htons(XLB_IPV4_HLEN + XLB_ICMP_HLEN + XLB_QUOTE_V4_BYTES);
		ip->id = 0;
		ip->frag_off = 0;
		ip->ttl = XLB_ICMP_TTL;
		ip->protocol = IPPROTO_ICMP;
		ip->check = 0;
		ip->saddr = orig->daddr;
		ip->daddr = orig->saddr;
		ip->check = xlb_csum_ipv4(ip);
		ic->type = XLB_ICMP_DEST_UNREACH;
		ic->code = XLB_ICMP_FRAG_NEEDED;
		ic->check = 0;
		/* RFC 1191: unused 16 bits, then the next-hop MTU. */
		ic->rest = bpf_htonl((mtu - XLB_IPV4_HLEN) & 0xffff);
		sum = bpf_csum_diff(NULL, 0, (void *)ic, XLB_ICMP_HLEN + XLB_QUOTE_V4_BYTES, 0);
		ic->check = (__sum16)~xlb_csum_fold(sum);
	}

	if (data + new_len < data_end &&
	    bpf_xdp_adjust_tail(ctx, (int)(new_len - (data_end - data))))
		return XLB_R(DROP_ENCAP);
	return XLB_R(TX_ICMP_TOO_BIG);
}

#endif /* XLB_BPF_ICMP_H */
