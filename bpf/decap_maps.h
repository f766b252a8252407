/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Maps of the backend decap program (xlb_decap). Keys and values come from
 * include/xlb/abi.h; user space writes decap_addrs, the program counts.
 */
#ifndef XLB_BPF_DECAP_MAPS_H
#define XLB_BPF_DECAP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xlb/abi.h"

/* Tunnel destinations this backend accepts (IPv4 as ::ffff:a.b.c.d). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct xlb_addr);
	__type(value, __u32);
} decap_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_DECAP_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} decap_stats SEC(".maps");

#endif /* XLB_BPF_DECAP_MAPS_H */
