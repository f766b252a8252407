// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Placeholder entry until the data plane lands (issue 3). */
#include "maps.h"

SEC("xdp")
int xlb_ingress(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
