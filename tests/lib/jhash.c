// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Linux jhash2(), re-implemented for the tests (see jhash.h). */
#include "jhash.h"

static uint32_t rol32(uint32_t w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

#define JHASH_MIX(a, b, c)					\
	do {							\
		a -= c; a ^= rol32(c, 4);  c += b;		\
		b -= a; b ^= rol32(a, 6);  a += c;		\
		c -= b; c ^= rol32(b, 8);  b += a;		\
		a -= c; a ^= rol32(c, 16); c += b;		\
		b -= a; b ^= rol32(a, 19); a += c;		\
		c -= b; c ^= rol32(b, 4);  b += a;		\
	} while (0)

#define JHASH_FINAL(a, b, c)					\
	do {							\
		c ^= b; c -= rol32(b, 14);			\
		a ^= c; a -= rol32(c, 11);			\
		b ^= a; b -= rol32(a, 25);			\
		c ^= b; c -= rol32(b, 16);			\
		a ^= c; a -= rol32(c, 4);			\
		b ^= a; b -= rol32(a, 14);			\
		c ^= b; c -= rol32(b, 24);			\
	} while (0)

uint32_t tl_jhash2(const uint32_t *k, uint32_t length, uint32_t initval)
{
	uint32_t a, b, c;

	a = b = c = TL_JHASH_INITVAL + (length << 2) + initval;
	while (length > 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		JHASH_MIX(a, b, c);
		length -= 3;
		k += 3;
	}
	switch (length) {
	case 3:
		c += k[2];
		/* fall through */
	case 2:
		b += k[1];
		/* fall through */
	case 1:
		a += k[0];
		JHASH_FINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}
