// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Schedulers: sh keeps a client on one backend, rr walks its ring in order,
 * and every scheduler splits 100,000 new flows by weight within one
 * percentage point (the pick is read from each output frame's outer
 * destination).
 */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "env.h"

#define BULK_FLOWS	100000

static const __u16 weights[4] = { 100, 200, 300, 400 };

static int setup_weighted(struct th *t, enum xlb_sched s, __u32 ring)
{
	char addr[64];
	int i;

	th_vip(t, "tcp", VIP4, 80, s, ring);
	for (i = 0; i < 4; i++) {
		snprintf(addr, sizeof(addr), "198.18.1.%d", 10 + i);
		th_backend(t, 0, addr, weights[i], XLB_BACKEND_ACTIVE);
	}
	return t->fails ? -1 : 0;
}

/* Frame of synthetic flow i: distinct source addresses (sh needs them) and ports. */
static size_t synth(uint8_t *b, unsigned int i)
{
	unsigned int a = 0x1000 + i;	/* 198.18.16.0 onward, inside 198.18.0.0/15 */
	char src[32];

	snprintf(src, sizeof(src), "198.%u.%u.%u", 18 + (a >> 16), (a >> 8) & 0xff, a & 0xff);
	return env_frame(b, src, 1024 + i % 60000, VIP4, 80, 6, 0);
}

/* Push n flows; counts[be]++ by outer destination. Returns 0 if all forwarded. */
static int bulk(struct th *t, unsigned int n, unsigned int *counts, int *seq)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	size_t len, olen;
	__u32 verdict;
	unsigned int i;
	int be, err;

	for (i = 0; i < n; i++) {
		len = synth(in, i);
		err = th_run(t, in, len, out, &olen, &verdict);
		if (err || verdict != XDP_REDIRECT) {
			th_fail(t, "flow %u: %s, verdict %u", i, err ? "test_run failed" : "ok",
				verdict);
			return -1;
		}
		be = th_outer_be(t, out, olen);
		if (be < 0) {
			th_fail(t, "flow %u: outer destination is no backend", i);
			return -1;
		}
		counts[be]++;
		if (seq)
			seq[i] = be;
	}
	return 0;
}

static void weighted(enum xlb_sched s, const char *name, __u32 ring)
{
	unsigned int counts[TH_MAX_BES] = { 0 }, wsum = 0;
	struct xlb_backend_stats bs;
	struct th t;
	int i;

	if (env_open(&t, name) || setup_weighted(&t, s, ring))
		goto out;
	if (bulk(&t, BULK_FLOWS, counts, NULL))
		goto out;
	for (i = 0; i < 4; i++)
		wsum += weights[i];
	for (i = 0; i < 4; i++) {
		double got = 100.0 * counts[i] / BULK_FLOWS;
		double want = 100.0 * weights[i] / wsum;

		printf("  %s: backend %s weight %u: %.2f%% (weight share %.2f%%)\n", name,
		       t.be[i].text, weights[i], got, want);
		TH_ASSERT(&t, got >= want - 1.0 && got <= want + 1.0,
			  "backend %s: %.2f%% of flows, weight share %.2f%% (+-1)",
			  t.be[i].text, got, want);
		if (xlb_stats_backend(t.xlb, t.be[i].id, &bs))
			th_fail(&t, "xlb_stats_backend: %s", xlb_errmsg(t.xlb));
		else
			TH_ASSERT(&t, bs.packets == counts[i] && bs.new_flows == counts[i],
				  "backend %s counters: packets %llu new_flows %llu, sent %u",
				  t.be[i].text, (unsigned long long)bs.packets,
				  (unsigned long long)bs.new_flows, counts[i]);
	}
out:
	th_end(&t);
}

/* sh: every flow of one client lands on jhash2(src) % N, whatever the port. */
static void sh_one_client_one_backend(void)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	unsigned int used = 0;
	struct xlb_flow fl;
	struct th t;
	char src[32], what[64];
	size_t len;
	int c, p, pred;

	if (env_open(&t, "sh: all flows of a client go to one backend") ||
	    setup_weighted(&t, XLB_SCHED_SH, 1021))
		goto out;
	for (c = 0; c < 16 && !t.fails; c++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", 20 + c, 7 * c + 1);
		for (p = 0; p < 25 && !t.fails; p++) {
			struct th_exp e = {
				.verdict = XDP_REDIRECT, .reason = XLB_STAT_REDIRECT_FORWARD,
				.out = out, .ev_new = 1, .vip = TH_IDX(0), .vip_new = 1,
			};

			len = env_frame(in, src, 1000 + 977 * p, VIP4, 80, 6, 0);
			th_flow_of(in, len, &fl);
			pred = th_predict(&t, 0, &fl);
			if (pred < 0)
				break;
			used |= 1u << pred;
			e.be = e.be_new = TH_IDX(pred);
			e.outlen = env_exp_fwd(&t, pred, in, len, out);
			snprintf(what, sizeof(what), "client %s port %d", src, 1000 + 977 * p);
			th_check(&t, what, in, len, &e);
		}
	}
	TH_ASSERT(&t, __builtin_popcount(used) > 1, "16 clients all hashed to one backend");
out:
	th_end(&t);
}

/* rr: consecutive new flows take ring slots 0, 1, 2, ... (cursor++ % N). */
static void rr_cycles(void)
{
	unsigned int counts[TH_MAX_BES] = { 0 }, ringc[TH_MAX_BES] = { 0 };
	static int seq[2 * 65537];
	__u32 *ids;
	struct th t;
	int n, i, be;

	if (env_open(&t, "rr: new flows walk the ring in order, by weight") ||
	    setup_weighted(&t, XLB_SCHED_RR, 1021))
		goto out;
	n = th_ring(&t, 0, &ids);
	/* The live ring may be shorter than configured (one exact cycle). */
	if (n <= 0 || n > 65537) {
		th_fail(&t, "rr ring has %d slots", n);
		goto out;
	}
	printf("  rr ring: %d slots\n", n);
	for (i = 0; i < n; i++) {
		be = th_find_be(&t, ids[i]);
		if (be < 0) {
			th_fail(&t, "ring slot %d: unknown backend id %u", i, ids[i]);
			goto out;
		}
		ringc[be]++;
	}
	if (bulk(&t, 2 * n, counts, seq))
		goto out;
	for (i = 0; i < 2 * n; i++) {
		if (seq[i] != th_find_be(&t, ids[i % n])) {
			th_fail(&t, "flow %d went to %s, ring slot %d holds %s", i,
				t.be[seq[i]].text, i % n, t.be[th_find_be(&t, ids[i % n])].text);
			break;
		}
	}
	for (i = 0; i < 4; i++)
		TH_ASSERT(&t, counts[i] == 2 * ringc[i],
			  "backend %s: %u flows over two cycles, ring holds %u slots",
			  t.be[i].text, counts[i], ringc[i]);
	/* The ring itself is weighted: slot counts proportional to weights (+-1). */
	for (i = 0; i < 4; i++) {
		double want = (double)n * weights[i] / 1000;

		TH_ASSERT(&t, ringc[i] + 1.0 >= want && ringc[i] <= want + 1.0,
			  "rr ring gives %s %u slots, weight share is %.1f", t.be[i].text,
			  ringc[i], want);
	}
out:
	th_end(&t);
}

void run_sched_cases(void)
{
	sh_one_client_one_backend();
	rr_cycles();
	weighted(XLB_SCHED_MAGLEV, "maglev: 100k flows split by weight", 65537);
	weighted(XLB_SCHED_SH, "sh: 100k clients split by weight", 65537);
	weighted(XLB_SCHED_RR, "rr: 100k flows split by weight", 1021);
	weighted(XLB_SCHED_RANDOM, "random: 100k flows split by weight", 65537);
}
