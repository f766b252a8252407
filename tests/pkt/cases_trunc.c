// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Every truncation of a valid TCP frame (IPv4, IPv6, 802.1Q) from 0 bytes
 * to full length: never a crash; shorter than the frame's IP length is
 * DROP_MALFORMED (the IP length is beyond the frame), the full frame is
 * forwarded. Lengths under 14 bytes are refused by BPF_PROG_TEST_RUN itself
 * (EINVAL, the kernel requires an Ethernet header): accepted and counted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "env.h"

static void truncations(const char *name, int fam, uint16_t vlan)
{
	uint8_t full[PKT_MAX], in[PKT_MAX], out[PKT_MAX], tmp[PKT_MAX];
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB, .vlan = vlan,
		.ip = { .src = fam == 4 ? CLIENT4 : CLIENT6, .dst = fam == 4 ? VIP4 : VIP6,
			.proto = 6, .frag = PKT_DF },
		.sport = 43210, .dport = 80, .paylen = 10,
	};
	struct xlb_flow fl;
	struct th t;
	char what[64];
	size_t flen, len, olen;
	int einval = 0, pred;
	__u32 verdict;

	if (env_open(&t, name))
		goto out;
	th_vip(&t, "tcp", fam == 4 ? VIP4 : VIP6, 80, XLB_SCHED_MAGLEV, 1021);
	th_backend(&t, 0, fam == 4 ? "198.18.1.10" : "fd00:1::10", 100, XLB_BACKEND_ACTIVE);
	th_backend(&t, 0, fam == 4 ? "198.18.1.11" : "fd00:1::11", 100, XLB_BACKEND_ACTIVE);
	if (t.fails)
		goto out;
	flen = pkt_frame(full, &f);
	t.quiet = true;
	for (len = 0; len <= flen; len++) {
		struct th_exp e = { .verdict = XDP_DROP, .reason = XLB_STAT_DROP_MALFORMED };

		memcpy(in, full, len);
		snprintf(what, sizeof(what), "length %zu of %zu", len, flen);
		if (len < 14) {
			int err = th_run(&t, in, len, tmp, &olen, &verdict);

			if (err == -EINVAL) {
				einval++;
				continue;
			}
		}
		if (len == flen) {
			th_flow_of(in, len, &fl);
			pred = th_predict(&t, 0, &fl);
			e = (struct th_exp){
				.verdict = XDP_REDIRECT, .reason = XLB_STAT_REDIRECT_FORWARD,
				.out = out, .ev_new = 1, .vip = TH_IDX(0), .vip_new = 1,
				.be = TH_IDX(pred), .be_new = TH_IDX(pred),
			};
			e.outlen = env_exp_fwd(&t, pred, in, len, out);
		}
		th_check(&t, what, in, len, &e);
	}
	if (einval)
		printf("  %s: lengths 0..%d refused by test_run with EINVAL (kernel minimum)\n",
		       name, einval - 1);
out:
	th_end(&t);
}

void run_trunc_cases(void)
{
	truncations("every truncation of a tcp4 frame", 4, 0);
	truncations("every truncation of a tcp6 frame", 6, 0);
	truncations("every truncation of an 802.1Q tcp4 frame", 4, 100);
	truncations("every truncation of an 802.1Q tcp6 frame", 6, 100);
}
