/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bob Jenkins' lookup3 hash exactly as Linux's include/linux/jhash.h has it
 * (jhash2: an array of u32 words). User space (tests, the simulator) computes
 * the same values, so any change here changes which backend a flow gets.
 * Words are taken in memory order, as the kernel does on a little-endian host.
 */
#ifndef XLB_BPF_JHASH_H
#define XLB_BPF_JHASH_H

#include <linux/types.h>

#define XLB_JHASH_INITVAL	0xdeadbeef

/* Returns x rotated left by r bits. */
static __always_inline __u32 xlb_rol32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

#define __xlb_jhash_mix(a, b, c)			\
	do {						\
		a -= c; a ^= xlb_rol32(c, 4);  c += b;	\
		b -= a; b ^= xlb_rol32(a, 6);  a += c;	\
		c -= b; c ^= xlb_rol32(b, 8);  b += a;	\
		a -= c; a ^= xlb_rol32(c, 16); c += b;	\
		b -= a; b ^= xlb_rol32(a, 19); a += c;	\
		c -= b; c ^= xlb_rol32(b, 4);  b += a;	\
	} while (0)

#define __xlb_jhash_final(a, b, c)			\
	do {						\
		c ^= b; c -= xlb_rol32(b, 14);		\
		a ^= c; a -= xlb_rol32(c, 11);		\
		b ^= a; b -= xlb_rol32(a, 25);		\
		c ^= b; c -= xlb_rol32(b, 16);		\
		a ^= c; a -= xlb_rol32(c, 4);		\
		b ^= a; b -= xlb_rol32(a, 14);		\
		c ^= b; c -= xlb_rol32(b, 24);		\
	} while (0)

/* Returns jhash2(k, 4, initval): the hash of one 16-byte address. */
static __always_inline __u32 xlb_jhash2_4(const __u32 *k, __u32 initval)
{
	__u32 a, b, c;

	a = b = c = XLB_JHASH_INITVAL + (4 << 2) + initval;
	a += k[0];
	b += k[1];
	c += k[2];
	__xlb_jhash_mix(a, b, c);
	a += k[3];
	__xlb_jhash_final(a, b, c);
	return c;
}

/* Returns jhash2(k, 10, initval): the hash of one struct xlb_flow. */
static __always_inline __u32 xlb_jhash2_10(const __u32 *k, __u32 initval)
{
	__u32 a, b, c;
	int i;

	a = b = c = XLB_JHASH_INITVAL + (10 << 2) + initval;
#pragma unroll
	for (i = 0; i < 9; i += 3) {
		a += k[i];
		b += k[i + 1];
		c += k[i + 2];
		__xlb_jhash_mix(a, b, c);
	}
	a += k[9];
	__xlb_jhash_final(a, b, c);
	return c;
}

#endif /* XLB_BPF_JHASH_H */
