/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Test harness for BPF_PROG_TEST_RUN cases of the balancer: a private,
 * unpinned xlb (libxlb, XLB_OPEN_UNPINNED) per case, VIPs and backends set
 * up through libxlb, one test_run per packet, and a check of verdict,
 * output bytes and counter deltas with a readable diff on failure.
 *
 * Tests never touch maps directly: map setup and reading go through libxlb;
 * only the program is run with bpf_prog_test_run_opts().
 */
#ifndef XLB_TEST_TH_H
#define XLB_TEST_TH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xlb.h"
#include "pkt.h"

#define TH_MAX_VIPS	8
#define TH_MAX_BES	32
#define TH_CONN_MAX	65536

/* Indexes in expectations are 1-based so that a zeroed field means "none". */
#define TH_IDX(i)	((i) + 1)
#define TH_DC		(-1000)		/* don't check this field */

enum { TH_DC_NEW = 1, TH_DC_HIT = 2, TH_DC_RESCHED = 4, TH_DC_ICMP = 8, TH_DC_NOT_INSERTED = 16 };

struct th_be {
	char text[64];
	struct xlb_addr addr;
	__u32 id;
	int vip;
};

struct th {
	struct xlb *xlb;
	int prog_fd;
	int ifindex;			/* ingress, goes into ctx_in */
	const char *name;
	int fails;			/* failed checks in this case */
	bool quiet;			/* don't print per-packet failures (bulk loops) */
	struct xlb_vip_key vip[TH_MAX_VIPS];
	int nvip;
	struct th_be be[TH_MAX_BES];
	int nbe;
};

struct th_exp {
	__u32 verdict;			/* XDP_* */
	const uint8_t *out;		/* expected frame; NULL: same as input */
	size_t outlen;
	int reason;			/* final XLB_STAT_* (counted once) */
	int ev_new, ev_hit, ev_resched, ev_icmp;	/* event counter deltas */
	int ev_not_inserted;
	unsigned int ev_dc;		/* TH_DC_* bits: events not checked */
	int vip;			/* TH_IDX(vip) matched, 0 none, TH_DC */
	int vip_new;			/* VIP new_flows delta */
	int be;				/* TH_IDX(backend) forwarded to, 0 none, TH_DC */
	int be_new;			/* TH_IDX(backend) that got new_flows, 0 none, TH_DC */
};

struct th_snap {
	struct xlb_counter g[XLB_STAT_MAX];
	struct xlb_vip_stats v[TH_MAX_VIPS];
	struct xlb_backend_stats b[TH_MAX_BES];
};

/* Case bookkeeping: pass/fail totals over the whole program. */
extern int th_passed, th_failed;
void th_begin(struct th *t, const char *name, int ifindex);
/* Ends the case: prints "ok"/"FAIL", counts it, closes xlb. Returns fails. */
int th_end(struct th *t);
void th_fail(struct th *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define TH_ASSERT(t, cond, ...) \
	((cond) ? true : (th_fail((t), __VA_ARGS__), false))

/* Fresh private maps and program (reopen per case). */
int th_open(struct th *t);
void th_close(struct th *t);

/* Setup through libxlb; return the VIP / backend index, or -1 (and fail). */
void th_addr(const char *text, struct xlb_addr *out);	/* ::ffff: form for IPv4 */
int th_vip(struct th *t, const char *proto, const char *addr, uint16_t port,
	   enum xlb_sched sched, __u32 ring_size);
int th_backend(struct th *t, int vip, const char *addr, __u16 weight,
	       enum xlb_backend_state state);
int th_find_be(const struct th *t, __u32 id);
/* Called after each successful xlb_backend_add (NULL: none); an environment
 * can restore state around it. */

/* One test_run: verdict and output frame. Returns 0 or -errno. */
int th_run(struct th *t, const uint8_t *in, size_t len, uint8_t *out, size_t *outlen,
	   __u32 *verdict);
int th_snap(struct th *t, struct th_snap *s);

/* Flow key of a TCP/UDP frame as the client sent it (or, for an ICMP error,
 * the quoted tuple swapped). Returns 0, -1 if not parseable. */
int th_flow_of(const uint8_t *f, size_t len, struct xlb_flow *flow);
uint32_t th_flow_hash(const struct xlb_flow *flow);
/* Backend index the VIP's live ring picks for flow (maglev: flow hash; sh:
 * source hash), read with xlb_ring_read(); -1 on error or empty ring. */
int th_predict(struct th *t, int vip, const struct xlb_flow *flow);
/* Read a VIP's live ring (ids[0..n-1] are slots); returns n or -errno. */
int th_ring(struct th *t, int vip, __u32 **ids);
/* Backend index of the outer destination of an encapsulated frame, or -1. */
int th_outer_be(const struct th *t, const uint8_t *f, size_t len);

/* Run in and check everything in e. Returns 0 when all checks passed. */
int th_check(struct th *t, const char *what, const uint8_t *in, size_t len,
	     const struct th_exp *e);

#endif /* XLB_TEST_TH_H */
