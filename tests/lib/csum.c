// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Independent RFC 1071 checksums and a frame verifier for the tests. */
#include <stdio.h>
#include <string.h>

#include "csum.h"

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	/* Keep the accumulator in 32 bits: fold the carries back in. */
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo(int family, const uint8_t *src, const uint8_t *dst,
		     uint8_t proto, uint32_t l4len)
{
	size_t alen = family == 4 ? 4 : 16;
	uint8_t tail[8] = { 0 };
	uint32_t sum;

	sum = csum_add(0, src, alen);
	sum = csum_add(sum, dst, alen);
	if (family == 4) {
		/* zero, protocol, 16-bit length */
		tail[1] = proto;
		tail[2] = l4len >> 8;
		tail[3] = l4len;
		return csum_add(sum, tail, 4);
	}
	/* 32-bit length, three zero bytes, next header */
	tail[0] = l4len >> 24;
	tail[1] = l4len >> 16;
	tail[2] = l4len >> 8;
	tail[3] = l4len;
	tail[7] = proto;
	return csum_add(sum, tail, 8);
}

bool csum_ipv4_ok(const uint8_t *ip)
{
	return csum_fold(csum_add(0, ip, (ip[0] & 0xf) * 4)) == 0;
}

static int fail(char *why, size_t n, const char *msg, size_t off)
{
	snprintf(why, n, "%s (at offset %zu)", msg, off);
	return -1;
}

/* Verify the L4 checksum of proto at l4 (len bytes) under the given pseudo header. */
static int verify_l4(const uint8_t *f, size_t l3, size_t l4, size_t len, int family,
		     uint8_t proto, char *why, size_t n)
{
	const uint8_t *ip = f + l3;
	const uint8_t *src = family == 4 ? ip + 12 : ip + 8;
	const uint8_t *dst = family == 4 ? ip + 16 : ip + 24;
	uint32_t sum;

	switch (proto) {
	case 6:
		if (len < 20)
			return fail(why, n, "tcp header truncated", l4);
		sum = csum_pseudo(family, src, dst, proto, len);
		break;
	case 17:
		if (len < 8)
			return fail(why, n, "udp header truncated", l4);
		if (family == 4 && f[l4 + 6] == 0 && f[l4 + 7] == 0)
			return 0;	/* IPv4 UDP: checksum not used */
		sum = csum_pseudo(family, src, dst, proto, len);
		break;
	case 1:
		if (len < 8)
			return fail(why, n, "icmp header truncated", l4);
		sum = 0;
		break;
	case 58:
		if (len < 8)
			return fail(why, n, "icmpv6 header truncated", l4);
		sum = csum_pseudo(family, src, dst, proto, len);
		break;
	default:
		return 0;
	}
	if (csum_fold(csum_add(sum, f + l4, len)) != 0) {
		const char *name = proto == 6 ? "tcp" : proto == 17 ? "udp" :
				   proto == 1 ? "icmp" : "icmpv6";
		char msg[64];

		snprintf(msg, sizeof(msg), "bad %s checksum 0x%02x%02x", name,
			 f[l4 + (proto == 6 ? 16 : proto == 17 ? 6 : 2)],
			 f[l4 + (proto == 6 ? 17 : proto == 17 ? 7 : 3)]);
		return fail(why, n, msg, l4);
	}
	return 0;
}

int csum_verify_frame(const uint8_t *f, size_t len, char *why, size_t n)
{
	size_t off = 12, l3, hl, iplen;
	uint16_t type;
	int depth;

	if (len < 14)
		return fail(why, n, "frame shorter than ethernet", 0);
	type = f[off] << 8 | f[off + 1];
	while (type == 0x8100) {
		off += 4;
		if (off + 2 > len)
			return fail(why, n, "vlan tag truncated", off);
		type = f[off] << 8 | f[off + 1];
	}
	l3 = off + 2;
	for (depth = 0; depth < 3; depth++) {
		uint8_t proto;

		if (type == 0x0800) {
			if (l3 + 20 > len)
				return fail(why, n, "ipv4 header truncated", l3);
			hl = (f[l3] & 0xf) * 4;
			iplen = f[l3 + 2] << 8 | f[l3 + 3];
			if (hl < 20 || l3 + hl > len || iplen < hl || l3 + iplen > len)
				return fail(why, n, "ipv4 lengths inconsistent", l3);
			if (!csum_ipv4_ok(f + l3))
				return fail(why, n, "bad ipv4 header checksum", l3);
			proto = f[l3 + 9];
			if (proto == 4 || proto == 41) {
				type = proto == 4 ? 0x0800 : 0x86dd;
				l3 += hl;
				continue;
			}
			if ((f[l3 + 6] & 0x3f) || f[l3 + 7])
				return 0;	/* fragment: no L4 check */
			return verify_l4(f, l3, l3 + hl, iplen - hl, 4, proto, why, n);
		}
		if (type == 0x86dd) {
			if (l3 + 40 > len)
				return fail(why, n, "ipv6 header truncated", l3);
			iplen = f[l3 + 4] << 8 | f[l3 + 5];
			if (l3 + 40 + iplen > len)
				return fail(why, n, "ipv6 payload length beyond frame", l3);
			proto = f[l3 + 6];
			if (proto == 4 || proto == 41) {
				type = proto == 4 ? 0x0800 : 0x86dd;
				l3 += 40;
				continue;
			}
			return verify_l4(f, l3, l3 + 40, iplen, 6, proto, why, n);
		}
		return 0;	/* not IP: nothing to verify */
	}
	return fail(why, n, "tunnel nesting too deep", l3);
}
