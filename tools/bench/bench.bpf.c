// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark-only XDP programs (never shipped):
 *
 *  bench_wrap   test_run wrapper: BPF_PROG_TEST_RUN with repeat=N runs the
 *               program N times on one buffer that is never reset, so an
 *               encapsulating program would see its own output from the
 *               second iteration on. The wrapper undoes the previous
 *               iteration (head/tail back to the original frame, headers
 *               copied from a template), optionally gives the packet a
 *               different flow, then tail-calls the program under test
 *               (slot 0 of bench_jmp). Floors are timed through it too, so
 *               its cost (a few ns) is in every figure alike.
 *  floor_drop   XDP_DROP: the floor for paths that end in PASS/DROP.
 *  floor_encap  the least a balancer must do: parse Ethernet/IPv4/TCP, add
 *               an IPIP header with its checksum, rewrite Ethernet, XDP_TX.
 *  floor_encap_fib  the same plus one bpf_fib_lookup() (a reference point).
 *  bench_gen    live-frames generator (BPF_F_TEST_XDP_LIVE_FRAMES): writes
 *               the template and a flow, redirects to cfg.ifindex.
 *  bench_sink   count and drop (on the generator's veth, for the return).
 *
 * Flow numbering shared with user space (bench_flow() in bench.h): flow i
 * has client 198.19.(i >> 23 & 0xff).(i >> 15 & 0xff), port 1024 + (i & 0x7fff).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <stdbool.h>

#include "bench.h"

#define TMPL_MAX	BENCH_TMPL_MAX

volatile struct bench_cfg cfg;
__u8 tmpl[TMPL_MAX];

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_jmp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_count);
} bench_sink_cnt SEC(".maps");

/* Restore the template headers; 0 or -1 if the frame is too short. */
static __always_inline int put_template(void *data, void *data_end)
{
	__u32 n = cfg.copy_len;
	int i;

#pragma unroll
	for (i = 0; i < TMPL_MAX / 8; i++) {
		if ((__u32)i * 8 >= n)
			break;
		if (data + i * 8 + 8 > data_end)
			return -1;
		*(__u64 *)(data + i * 8) = *(__u64 *)&tmpl[i * 8];
	}
	return 0;
}

/* Give an untagged IPv4 TCP/UDP frame flow number i (see the file comment),
 * fixing the IPv4 header checksum incrementally (RFC 1624). */
static __always_inline int put_flow(void *data, void *data_end, __u32 i)
{
	struct iphdr *ip = data + ETH_HLEN;
	__u16 *port = data + ETH_HLEN + sizeof(*ip);
	__u16 *lo, old, new;
	__u32 sum;

	if ((void *)(port + 1) > data_end)
		return -1;
	lo = (__u16 *)&ip->saddr + 1;
	old = *lo;
	new = bpf_htons((__u16)(i >> 15));
	sum = (__u16)~ip->check + (__u16)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = ~sum;
	*lo = new;
	*port = bpf_htons(1024 + (i & 0x7fff));
	return 0;
}

static __always_inline int next_flow(void *data, void *data_end)
{
	__u32 zero = 0, i, *c;

	if (cfg.mode == BENCH_MODE_FIXED)
		return 0;
	c = bpf_map_lookup_elem(&bench_ctr, &zero);
	if (!c)
		return -1;
	i = (*c)++;
	if (cfg.mode == BENCH_MODE_ROTATE)
		i = cfg.nflows ? i % cfg.nflows : 0;
	else	/* per-CPU counters: the CPU in the top bits keeps flows unique;
		 * bit 27 keeps them apart from preloaded flows (numbers < 2^27) */
		i = (i & 0x07ffffff) | 0x08000000 | (bpf_get_smp_processor_id() << 28);
	return put_flow(data, data_end, i);
}

SEC("xdp")
int bench_wrap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 want = cfg.orig_len;
	__u32 len = data_end - data;

	if (len != want) {
		if (bpf_xdp_adjust_head(ctx, cfg.head_undo))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		len = data_end - data;
		if (len != want) {
			if (bpf_xdp_adjust_tail(ctx, (int)want - (int)len))
				return XDP_ABORTED;
			data = (void *)(long)ctx->data;
			data_end = (void *)(long)ctx->data_end;
		}
		if ((__u32)(data_end - data) != want)
			return XDP_ABORTED;
	}
	if (put_template(data, data_end) || next_flow(data, data_end))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &bench_jmp, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int floor_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

static __always_inline int encap(struct xdp_md *ctx, bool fib)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + ETH_HLEN, *out;
	struct tcphdr *tcp = data + ETH_HLEN + sizeof(*ip);
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN];
	__u16 tot, frag, *w;
	__u32 sum = 0;
	__u8 tos;
	int i;

	if ((void *)(tcp + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	__builtin_memcpy(dmac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(smac, eth->h_dest, ETH_ALEN);
	tot = bpf_ntohs(ip->tot_len);
	if (fib) {	/* what xlb adds: the next hop from the kernel's tables */
		struct bpf_fib_lookup f = {
			.family = 2,	/* AF_INET */
			.ifindex = ctx->ingress_ifindex,
			.tot_len = tot + sizeof(*ip),
			.ipv4_src = bpf_htonl(0xc6130001),
			.ipv4_dst = bpf_htonl(0xc6121001),
		};

		if (bpf_fib_lookup(ctx, &f, sizeof(f), 0) != BPF_FIB_LKUP_RET_SUCCESS)
			return XDP_DROP;
		__builtin_memcpy(dmac, f.dmac, ETH_ALEN);
		__builtin_memcpy(smac, f.smac, ETH_ALEN);
	}
	tos = ip->tos;
	frag = ip->frag_off & bpf_htons(0x4000);

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(*ip)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	out = data + ETH_HLEN;
	if ((void *)(out + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	out->version = 4;
	out->ihl = 5;
	out->tos = tos;
	out->tot_len = bpf_htons(tot + sizeof(*ip));
	out->id = 0;
	out->frag_off = frag;
	out->ttl = 64;
	out->protocol = IPPROTO_IPIP;
	out->check = 0;
	out->saddr = bpf_htonl(0xc6130001);	/* 198.19.0.1 */
	out->daddr = bpf_htonl(0xc6121001);	/* 198.18.16.1 */
	w = (__u16 *)out;
#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	out->check = ~sum;
	return XDP_TX;
}

SEC("xdp")
int floor_encap(struct xdp_md *ctx)
{
	return encap(ctx, false);
}

/* Not a floor: the encap floor plus one bpf_fib_lookup(), to show what the
 * route/neighbour lookup (which xlb does per packet) costs on its own. */
SEC("xdp")
int floor_encap_fib(struct xdp_md *ctx)
{
	return encap(ctx, true);
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (put_template(data, data_end) || next_flow(data, data_end))
		return XDP_ABORTED;
	return bpf_redirect(cfg.ifindex, 0);
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct sink_count *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&bench_sink_cnt, &zero);
	if (!c)
		return XDP_DROP;
	c->pkts++;
	if ((void *)(ip + 1) <= data_end && ip->protocol == IPPROTO_IPIP)
		c->ipip++;
	else
		c->other++;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
