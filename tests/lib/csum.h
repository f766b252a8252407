/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Independent Internet checksum (RFC 1071) for the tests: written from the
 * RFC, shares no code with bpf/, so a checksum bug in the data plane cannot
 * hide behind the same bug here. Buffers are wire bytes; sums are taken over
 * big-endian 16-bit words, so results are in host order.
 */
#ifndef XLB_TEST_CSUM_H
#define XLB_TEST_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Add len bytes to a running 32-bit one's-complement accumulator. An odd
 * length is padded with one zero byte (only valid for the last chunk). */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);
/* Fold and complement: the value to store in a checksum field (host order). */
uint16_t csum_fold(uint32_t sum);
/* Pseudo-header sum: IPv4 (addresses 4 bytes) or IPv6 (16 bytes), RFC 768 /
 * RFC 8200 8.1. */
uint32_t csum_pseudo(int family, const uint8_t *src, const uint8_t *dst,
		     uint8_t proto, uint32_t l4len);

/* Checksum of an IPv4 header (ihl from the header) verifies. */
bool csum_ipv4_ok(const uint8_t *ip);

/*
 * Walk a frame (Ethernet, optional 802.1Q tags, IPv4/IPv6, nested IPIP or
 * IP6IP6) and verify every IPv4 header checksum and the TCP, UDP, ICMP or
 * ICMPv6 checksum of the innermost packet. ICMP errors are verified as a
 * whole (their quote is not). Returns 0, or -1 with a reason in why.
 */
int csum_verify_frame(const uint8_t *frame, size_t len, char *why, size_t whylen);

#endif /* XLB_TEST_CSUM_H */
