// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlb_ingress: the balancer. One pipeline, parse -> VIP pre-filter ->
 * connection table -> (VIP -> scheduler, for flows the table does not
 * place) -> encap; every stage returns 0 or the reason that ends the packet,
 * and xlb_account() turns that reason into the verdict and the counters.
 * The behaviour is specified in README.md, "Data plane behaviour".
 */
#include "maps.h"
#include "pkt.h"
#include "stats.h"
#include "parse.h"
#include "icmp.h"
#include "lookup.h"
#include "encap.h"

SEC("xdp")
int xlb_ingress(struct xdp_md *ctx)
{
	struct xlb_pkt pkt = { .event = XLB_EV_NONE };
	int ret;

	ret = xlb_parse(ctx, &pkt);
	if (!ret && pkt.icmp)
		ret = xlb_icmp(ctx, &pkt);	/* echo reply, or an error's quoted flow */
	if (!ret)
		ret = xlb_vip_filter_check(&pkt);
	if (!ret && !xlb_conn_hit(&pkt)) {	/* established flows skip the VIP lookup */
		ret = xlb_vip_lookup(&pkt);
		if (!ret)
			ret = xlb_backend_select(&pkt);
	}
	if (!ret)
		ret = xlb_forward(ctx, &pkt);
	return xlb_account(&pkt, ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
