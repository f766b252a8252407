/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet builder for the packet tests: readable descriptions in, wire bytes
 * out, with every length and checksum computed (checksums by csum.c). Also
 * builds the frames the README says xlb must send (encapsulation, echo
 * reply, too big, decap), derived from the input frame by the tests' own
 * reading of the contract, never by calling product code.
 *
 * Builders write into a caller buffer of at least PKT_MAX bytes and return
 * the number of bytes written.
 */
#ifndef XLB_TEST_PKT_H
#define XLB_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PKT_MAX		2048

#define PKT_DF		0x4000	/* IPv4 flags+offset (host order) */
#define PKT_MF		0x2000

#define PKT_TCP_FIN	0x01
#define PKT_TCP_SYN	0x02
#define PKT_TCP_RST	0x04
#define PKT_TCP_PSH	0x08
#define PKT_TCP_ACK	0x10

struct pkt_ip {
	const char *src, *dst;	/* IPv4 or IPv6 text (family from dst) */
	uint8_t proto;		/* L4 protocol (after any extension headers) */
	uint8_t tos;		/* IPv4 tos / IPv6 traffic class */
	uint8_t ttl;		/* 0: 64 */
	uint16_t frag;		/* IPv4 flags + offset/8, host order */
	uint16_t id;
	uint32_t flowlabel;
	const uint8_t *opt;	/* IPv4 options (multiple of 4) or IPv6 extension */
	size_t optlen;		/* headers (their own next-header chain ends at proto) */
	uint8_t ext_nh;		/* IPv6 with optlen: next header of the fixed header */
	int bad_csum;		/* IPv4: store a wrong header checksum */
};

/* A whole frame: Ethernet (+ optional tags) + IP + TCP/UDP with payload. */
struct pkt_flow {
	const uint8_t *smac, *dmac;
	uint16_t vlan;		/* 0: untagged, else VID of an 802.1Q tag */
	uint16_t vlan2;		/* second (inner) tag, QinQ */
	struct pkt_ip ip;
	uint16_t sport, dport;
	uint8_t tcp_flags;	/* 0: SYN */
	uint32_t seq;
	size_t paylen;
};

int pkt_family(const char *addr);	/* 4 or 6 */
void pkt_addr(const char *text, uint8_t out[16]);	/* raw 4 or 16 bytes, aborts on junk */

size_t pkt_eth(uint8_t *b, const uint8_t *dmac, const uint8_t *smac,
	       uint16_t vlan, uint16_t vlan2, uint16_t type);
/* IP header(s) + l4; fills the L4 checksum of TCP/UDP/ICMP/ICMPv6 in l4. */
size_t pkt_ip(uint8_t *b, const struct pkt_ip *ip, const uint8_t *l4, size_t l4len);
size_t pkt_tcp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq,
	       uint8_t flags, size_t paylen);
size_t pkt_udp(uint8_t *b, uint16_t sport, uint16_t dport, size_t paylen);
size_t pkt_icmp_echo(uint8_t *b, uint8_t type, uint16_t id, uint16_t seq, size_t paylen);
size_t pkt_icmp_err(uint8_t *b, uint8_t type, uint8_t code, uint32_t rest,
		    const uint8_t *quote, size_t qlen);
/* Ethernet + IP + TCP (ip.proto 6, or 0) or UDP (17). */
size_t pkt_frame(uint8_t *b, const struct pkt_flow *f);
/* Ethernet + IP carrying the given L4 bytes. */
size_t pkt_frame_l4(uint8_t *b, const struct pkt_flow *f, const uint8_t *l4, size_t l4len);

/* Parsed view of a frame built above (no validation beyond bounds). */
struct pkt_view {
	size_t l3;		/* offset of the (outer) IP header */
	int family;		/* 4, 6, or 0: not IP */
	size_t l3hl;		/* IP header length (IPv4 ihl*4, IPv6 40) */
	size_t iplen;		/* IP total length from the header */
	uint8_t proto;
	size_t l4;
};
int pkt_parse(const uint8_t *f, size_t len, struct pkt_view *v);

/* Expected frames (README "Data plane behaviour"). */
struct pkt_encap {
	const uint8_t *smac, *dmac;	/* egress device, next hop */
	const char *backend;		/* outer destination */
	const uint8_t *src4;		/* xlb_config.encap_src4 */
	const uint8_t *src6;		/* xlb_config.encap_src6 */
	const char *client;		/* flow's client: NULL = from the input */
	uint16_t client_port;
};
size_t pkt_exp_encap(uint8_t *out, const uint8_t *in, size_t inlen, const struct pkt_encap *e);
size_t pkt_exp_echo_reply(uint8_t *out, const uint8_t *in, size_t inlen);
size_t pkt_exp_too_big(uint8_t *out, const uint8_t *in, size_t inlen, uint32_t mtu);
size_t pkt_exp_decap(uint8_t *out, const uint8_t *in, size_t inlen);

/* Hexdump of two frames side by side, marking differing bytes; names the
 * first differing offset and the header field it falls in. */
void pkt_diff(FILE *f, const uint8_t *exp, size_t elen, const uint8_t *got, size_t glen);
/* "ipv4.ttl" etc. for an offset of frame f (layout taken from f). */
const char *pkt_field_name(const uint8_t *f, size_t len, size_t off, char *buf, size_t n);

#endif /* XLB_TEST_PKT_H */
