/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Shared between the benchmark BPF programs (bench.bpf.c) and the tools:
 * the wrapper/generator configuration and the sink's counters.
 */
#ifndef XLB_BENCH_H
#define XLB_BENCH_H

#include <linux/types.h>

#define BENCH_TMPL_MAX	128

enum { BENCH_MODE_FIXED, BENCH_MODE_UNIQUE, BENCH_MODE_ROTATE };

struct bench_cfg {
	__u32 orig_len;		/* frame length as given to test_run */
	__s32 head_undo;	/* bpf_xdp_adjust_head() delta that undoes the program */
	__u32 copy_len;		/* template bytes restored, multiple of 8, <= BENCH_TMPL_MAX */
	__u32 mode;		/* BENCH_MODE_* */
	__u32 nflows;		/* BENCH_MODE_ROTATE: flows 0..nflows-1 */
	__u32 ifindex;		/* bench_gen: redirect target */
};

struct sink_count {
	__u64 pkts;
	__u64 ipip;	/* outer protocol 4: encapsulated by the program under test */
	__u64 other;
};

#endif /* XLB_BENCH_H */
