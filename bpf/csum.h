/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Internet checksum helpers (RFC 1071, RFC 1624). Sums are taken over words
 * as they lie in memory, so the results are stored back without swapping.
 */
#ifndef XLB_BPF_CSUM_H
#define XLB_BPF_CSUM_H

#include <linux/types.h>

/* Returns the 64-bit one's complement partial sum folded to 16 bits. */
static __always_inline __u16 xlb_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Returns the checksum of a 20-byte IPv4 header whose check field is zero. */
static __always_inline __sum16 xlb_csum_ipv4(const void *hdr)
{
	const __u32 *w = hdr;
	__u64 sum = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];

	return (__sum16)~xlb_csum_fold(sum);
}

/* Returns check updated for one 16-bit word changing from old to new
 * (RFC 1624 eqn. 3: never yields 0xffff for a nonzero sum). */
static __always_inline __sum16 xlb_csum_replace16(__sum16 check, __be16 old, __be16 new)
{
	__u64 sum = (__u16)~check + (__u64)(__u16)~old + new;

	return (__sum16)~xlb_csum_fold(sum);
}

#endif /* XLB_BPF_CSUM_H */
