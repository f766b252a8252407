/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the balancer. Keys and values come from include/xlb/abi.h;
 * the README's map table says who writes what. Pin paths are set by libxlb.
 */
#ifndef XLB_BPF_MAPS_H
#define XLB_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xlb/abi.h"

/* No prealloc: an update of an existing VIP is an RCU replace, so a reader
 * never sees a recycled element. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_vip);
} xlb_vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xlb_addr);
	__type(value, __u32);
} xlb_vip_addrs SEC(".maps");

/* Pre-filter of xlb_vips by destination address: see XLB_VIP_FILTER_SLOTS. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_VIP_FILTER_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} xlb_vip_filter SEC(".maps");

/* Inner ring template: BPF_F_INNER_MAP lets each VIP's ring have its own size. */
struct xlb_ring_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct xlb_ring_map);
} xlb_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
} xlb_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_MAX_CONNS);
	__type(key, struct xlb_flow);
	__type(value, struct xlb_conn);
} xlb_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, __u32);
} xlb_rr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xlb_tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_config);
} xlb_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} xlb_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_vip_stats);
} xlb_vip_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend_stats);
} xlb_be_stats SEC(".maps");

/*
 * Per-CPU next-hop cache (BPF-internal: not pinned, each loaded program has
 * its own, empty at load). bpf_fib_lookup() costs ~90 ns (IPv4) and ~250 ns
 * (IPv6) per packet on 6.18, more than the rest of the pipeline; its result
 * toward a backend is reused for at most XLB_NH_CACHE_TTL_NS, so a route or
 * neighbour change takes effect within that time. Only successes are
 * cached, and a packet larger than the cached MTU does the real lookup (the
 * too-big path is unchanged). See struct xlb_nh for what an entry must match.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_nh);
} xlb_nh_cache SEC(".maps");

/* New-flow limit window, per CPU (struct xlb_config.new_flow_limit). Not
 * pinned: a new program starts a new window. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_flood);
} xlb_flood SEC(".maps");

#endif /* XLB_BPF_MAPS_H */
