// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlb_decap: runs on backends, strips the IPIP / IP6IP6 header the balancer
 * added and passes the inner packet to the stack (README.md, "The decap
 * program"). Anything that is not a tunnel packet passes untouched. Same
 * convention as the balancer: the stage returns a negative code for a
 * reason, counted in one place.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xlb/abi.h"
#include "decap_maps.h"

#define XLB_DR(name)		(-1 - XLB_DECAP_STAT_##name)
#define XLB_VLAN_HLEN		4
#define XLB_L2_MAX_BYTES	(ETH_HLEN + XLB_VLAN_HLEN)
#define XLB_OUTER4_HLEN		sizeof(struct iphdr)
#define XLB_OUTER6_HLEN		sizeof(struct ipv6hdr)
#define XLB_IP_MF_OFFSET	0x3fff
#define XLB_IPPROTO_IPIP	4
#define XLB_IPPROTO_IPV6	41

/* Reasons of kind DROP, as a bit mask built from abi.h's X-macro list. */
#define XLB_DKIND_DROP_PASS	0ULL
#define XLB_DKIND_DROP_DROP	1ULL
#define XLB_DKIND_BIT(name, kind, str, desc)	| (XLB_DKIND_DROP_##kind << XLB_DECAP_STAT_##name)
#define XLB_DECAP_MASK_DROP	(0ULL XLB_DECAP_STATS(XLB_DKIND_BIT))

/* Returns nothing: stores IPv4 address a as ::ffff:a in key. */
static __always_inline void xlb_decap_key_v4(struct xlb_addr *key, __be32 a)
{
	__u32 *w = (__u32 *)key->addr;

	w[0] = 0;
	w[1] = 0;
	w[2] = bpf_htonl(0x0000ffff);
	w[3] = a;
}

/* Returns the outer header length (20/40) of a tunnel packet for us, or a
 * negative code: not a tunnel (pass), malformed, not ours, bad inner. */
static __always_inline int xlb_decap_check(void *l3, void *data_end, __be16 proto)
{
	struct xlb_addr key;
	__u32 inner_len;
	__u8 *inner;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;
		__u32 tot;

		if ((void *)(ip + 1) > data_end || ip->protocol != XLB_IPPROTO_IPIP)
			return XLB_DR(PASS);
		if (ip->version != 4 || ip->ihl < 5)
			return XLB_DR(DROP_MALFORMED);
		if (ip->ihl != 5 || (ip->frag_off & bpf_htons(XLB_IP_MF_OFFSET)))
			return XLB_DR(PASS);
		tot = bpf_ntohs(ip->tot_len);
		if (tot < sizeof(*ip) || (void *)ip + tot > data_end)
			return XLB_DR(DROP_MALFORMED);
		xlb_decap_key_v4(&key, ip->daddr);
		if (!bpf_map_lookup_elem(&decap_addrs, &key))
			return XLB_DR(REJECT_NOT_OURS);
		inner = (void *)(ip + 1);
		inner_len = tot - sizeof(*ip);
		if (inner_len < sizeof(struct iphdr) || (void *)inner + sizeof(struct iphdr) > data_end ||
		    (*inner >> 4) != 4)
			return XLB_DR(REJECT_INNER);
		return sizeof(*ip);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != XLB_IPPROTO_IPV6)
			return XLB_DR(PASS);
		inner_len = bpf_ntohs(ip6->payload_len);
		if ((void *)(ip6 + 1) + inner_len > data_end)
			return XLB_DR(DROP_MALFORMED);
		__builtin_memcpy(key.addr, &ip6->daddr, sizeof(key.addr));
		if (!bpf_map_lookup_elem(&decap_addrs, &key))
			return XLB_DR(REJECT_NOT_OURS);
		inner = (void *)(ip6 + 1);
		if (inner_len < sizeof(struct ipv6hdr) ||
		    (void *)inner + sizeof(struct ipv6hdr) > data_end || (*inner >> 4) != 6)
			return XLB_DR(REJECT_INNER);
		return sizeof(*ip6);
	}
	return XLB_DR(PASS);
}

/* Returns 0 with the outer header removed, or a negative code for the reason. */
static __always_inline int xlb_decap_run(struct xdp_md *ctx, int *ok)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 l2[XLB_L2_MAX_BYTES];
	__u32 l2_len = ETH_HLEN;
	__be16 proto;
	int hlen;

	if (data + ETH_HLEN > data_end)
		return XLB_DR(PASS);
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		if (data + XLB_L2_MAX_BYTES > data_end)
			return XLB_DR(PASS);
		proto = *(__be16 *)(data + ETH_HLEN + 2);
		l2_len = XLB_L2_MAX_BYTES;
	}
	hlen = xlb_decap_check(data + l2_len, data_end, proto);
	if (hlen < 0)
		return hlen;

	/* Move L2 (and its tag) up to sit right before the inner header. The
	 * outer header is at least 20 bytes: the copy never overlaps. */
	if (data + XLB_L2_MAX_BYTES > data_end)
		return XLB_DR(DROP_MALFORMED);
	__builtin_memcpy(l2, data, XLB_L2_MAX_BYTES);
	if (hlen == XLB_OUTER6_HLEN) {
		if (data + XLB_OUTER6_HLEN + XLB_L2_MAX_BYTES > data_end)
			return XLB_DR(DROP_MALFORMED);
		__builtin_memcpy(data + XLB_OUTER6_HLEN, l2, ETH_HLEN);
		if (l2_len != ETH_HLEN)
			__builtin_memcpy(data + XLB_OUTER6_HLEN + ETH_HLEN, l2 + ETH_HLEN, XLB_VLAN_HLEN);
		*ok = XLB_DECAP_STAT_IP6IP6;
	} else {
		if (data + XLB_OUTER4_HLEN + XLB_L2_MAX_BYTES > data_end)
			return XLB_DR(DROP_MALFORMED);
		__builtin_memcpy(data + XLB_OUTER4_HLEN, l2, ETH_HLEN);
		if (l2_len != ETH_HLEN)
			__builtin_memcpy(data + XLB_OUTER4_HLEN + ETH_HLEN, l2 + ETH_HLEN, XLB_VLAN_HLEN);
		*ok = XLB_DECAP_STAT_IPIP;
	}
	if (bpf_xdp_adjust_head(ctx, hlen))
		return XLB_DR(DROP_MALFORMED);
	return 0;
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	struct xlb_counter *c;
	int ok = XLB_DECAP_STAT_PASS;
	__u32 reason;
	int ret;

	ret = xlb_decap_run(ctx, &ok);
	reason = ret ? (__u32)(-1 - ret) : (__u32)ok;
	c = bpf_map_lookup_elem(&decap_stats, &reason);
	if (c) {
		c->packets++;
		c->bytes += len;
	}
	return ((1ULL << (reason & 63)) & XLB_DECAP_MASK_DROP) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
