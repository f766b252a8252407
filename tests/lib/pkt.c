// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Packet builder and expected-frame builders for the packet tests. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "pkt.h"

int pkt_family(const char *addr)
{
	return strchr(addr, ':') ? 6 : 4;
}

void pkt_addr(const char *text, uint8_t out[16])
{
	if (inet_pton(pkt_family(text) == 4 ? AF_INET : AF_INET6, text, out) != 1) {
		fprintf(stderr, "pkt: bad address '%s'\n", text);
		abort();
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

size_t pkt_eth(uint8_t *b, const uint8_t *dmac, const uint8_t *smac,
	       uint16_t vlan, uint16_t vlan2, uint16_t type)
{
	size_t off = 12;

	memcpy(b, dmac, 6);
	memcpy(b + 6, smac, 6);
	if (vlan) {
		put16(b + off, 0x8100);
		put16(b + off + 2, vlan);
		off += 4;
	}
	if (vlan2) {
		put16(b + off, 0x8100);
		put16(b + off + 2, vlan2);
		off += 4;
	}
	put16(b + off, type);
	return off + 2;
}

/* Store the L4 checksum of proto into l4 (len bytes) under the pseudo header. */
static void fill_l4_csum(int fam, const uint8_t *src, const uint8_t *dst,
			 uint8_t proto, uint8_t *l4, size_t len)
{
	size_t at;
	uint32_t sum = 0;
	uint16_t c;

	switch (proto) {
	case 6:
		at = 16;
		break;
	case 17:
		at = 6;
		break;
	case 1:
	case 58:
		at = 2;
		break;
	default:
		return;
	}
	if (len < at + 2)
		return;
	put16(l4 + at, 0);
	if (proto != 1)
		sum = csum_pseudo(fam, src, dst, proto, len);
	c = csum_fold(csum_add(sum, l4, len));
	if (proto == 17 && c == 0)
		c = 0xffff;	/* RFC 768: zero means "no checksum" */
	put16(l4 + at, c);
}

static size_t build_ip(uint8_t *b, int fam, const uint8_t *src, const uint8_t *dst,
		       const struct pkt_ip *ip, const uint8_t *l4, size_t l4len)
{
	uint8_t ttl = ip->ttl ? ip->ttl : 64;
	size_t hl;

	if (fam == 4) {
		hl = 20 + ip->optlen;
		b[0] = 0x40 | hl / 4;
		b[1] = ip->tos;
		put16(b + 2, hl + l4len);
		put16(b + 4, ip->id);
		put16(b + 6, ip->frag);
		b[8] = ttl;
		b[9] = ip->proto;
		put16(b + 10, 0);
		memcpy(b + 12, src, 4);
		memcpy(b + 16, dst, 4);
		if (ip->optlen)
			memcpy(b + 20, ip->opt, ip->optlen);
		put16(b + 10, csum_fold(csum_add(0, b, hl)) ^ (ip->bad_csum ? 0x5555 : 0));
	} else {
		hl = 40 + ip->optlen;
		put32(b, 6u << 28 | (uint32_t)ip->tos << 20 | (ip->flowlabel & 0xfffff));
		put16(b + 4, ip->optlen + l4len);
		b[6] = ip->optlen ? ip->ext_nh : ip->proto;
		b[7] = ttl;
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
		if (ip->optlen)
			memcpy(b + 40, ip->opt, ip->optlen);
	}
	memmove(b + hl, l4, l4len);
	fill_l4_csum(fam, src, dst, ip->proto, b + hl, l4len);
	return hl + l4len;
}

size_t pkt_ip(uint8_t *b, const struct pkt_ip *ip, const uint8_t *l4, size_t l4len)
{
	uint8_t src[16], dst[16];
	int fam = pkt_family(ip->dst);

	pkt_addr(ip->src, src);
	pkt_addr(ip->dst, dst);
	return build_ip(b, fam, src, dst, ip, l4, l4len);
}

static void payload(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

size_t pkt_tcp(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t seq,
	       uint8_t flags, size_t paylen)
{
	memset(b, 0, 20);
	put16(b, sport);
	put16(b + 2, dport);
	put32(b + 4, seq);
	put32(b + 8, flags & PKT_TCP_ACK ? 0x01020304 : 0);
	b[12] = 5 << 4;
	b[13] = flags;
	put16(b + 14, 64240);
	payload(b + 20, paylen);
	return 20 + paylen;
}

size_t pkt_udp(uint8_t *b, uint16_t sport, uint16_t dport, size_t paylen)
{
	put16(b, sport);
	put16(b + 2, dport);
	put16(b + 4, 8 + paylen);
	put16(b + 6, 0);
	payload(b + 8, paylen);
	return 8 + paylen;
}

size_t pkt_icmp_echo(uint8_t *b, uint8_t type, uint16_t id, uint16_t seq, size_t paylen)
{
	b[0] = type;
	b[1] = 0;
	put16(b + 2, 0);
	put16(b + 4, id);
	put16(b + 6, seq);
	payload(b + 8, paylen);
	return 8 + paylen;
}

size_t pkt_icmp_err(uint8_t *b, uint8_t type, uint8_t code, uint32_t rest,
		    const uint8_t *quote, size_t qlen)
{
	b[0] = type;
	b[1] = code;
	put16(b + 2, 0);
	put32(b + 4, rest);
	memmove(b + 8, quote, qlen);
	return 8 + qlen;
}

size_t pkt_frame_l4(uint8_t *b, const struct pkt_flow *f, const uint8_t *l4, size_t l4len)
{
	size_t off;

	off = pkt_eth(b, f->dmac, f->smac, f->vlan, f->vlan2,
		      pkt_family(f->ip.dst) == 4 ? 0x0800 : 0x86dd);
	return off + pkt_ip(b + off, &f->ip, l4, l4len);
}

size_t pkt_frame(uint8_t *b, const struct pkt_flow *f)
{
	uint8_t l4[PKT_MAX];
	struct pkt_flow g = *f;
	size_t n;

	if (!g.ip.proto)
		g.ip.proto = 6;
	if (g.ip.proto == 17)
		n = pkt_udp(l4, g.sport, g.dport, g.paylen);
	else
		n = pkt_tcp(l4, g.sport, g.dport, g.seq,
			    g.tcp_flags ? g.tcp_flags : PKT_TCP_SYN, g.paylen);
	return pkt_frame_l4(b, &g, l4, n);
}

int pkt_parse(const uint8_t *f, size_t len, struct pkt_view *v)
{
	size_t off = 12;
	uint16_t type;

	memset(v, 0, sizeof(*v));
	if (len < 14)
		return -1;
	type = get16(f + off);
	while (type == 0x8100 && off + 6 <= len) {
		off += 4;
		type = get16(f + off);
	}
	v->l3 = off + 2;
	if (type == 0x0800 && v->l3 + 20 <= len) {
		v->family = 4;
		v->l3hl = (f[v->l3] & 0xf) * 4;
		v->iplen = get16(f + v->l3 + 2);
		v->proto = f[v->l3 + 9];
	} else if (type == 0x86dd && v->l3 + 40 <= len) {
		v->family = 6;
		v->l3hl = 40;
		v->iplen = 40 + get16(f + v->l3 + 4);
		v->proto = f[v->l3 + 6];
	} else {
		return -1;
	}
	v->l4 = v->l3 + v->l3hl;
	return 0;
}

/* The flow's client as the README defines it for the outer source: the
 * sender of TCP/UDP, or for an ICMP error the destination of the quote. */
static void exp_client(const uint8_t *in, const struct pkt_view *v,
		       const uint8_t **addr, uint16_t *port)
{
	const uint8_t *ip = in + v->l3, *l4 = in + v->l4;
	bool err = (v->family == 4 && v->proto == 1 && l4[0] == 3) ||
		   (v->family == 6 && v->proto == 58 && (l4[0] == 1 || l4[0] == 2));

	if (err) {
		const uint8_t *q = l4 + 8;
		size_t qhl = v->family == 4 ? (q[0] & 0xf) * 4 : 40;

		*addr = v->family == 4 ? q + 16 : q + 24;
		*port = get16(q + qhl + 2);
		return;
	}
	*addr = v->family == 4 ? ip + 12 : ip + 8;
	*port = get16(l4);
}

size_t pkt_exp_encap(uint8_t *out, const uint8_t *in, size_t inlen, const struct pkt_encap *e)
{
	uint8_t cl[16], be[16], src[16];
	const uint8_t *client, *inner;
	struct pkt_view v;
	uint16_t cport;
	size_t off, innerlen;

	if (pkt_parse(in, inlen, &v))
		abort();
	inner = in + v.l3;
	innerlen = inlen - v.l3;
	if (e->client) {
		pkt_addr(e->client, cl);
		client = cl;
		cport = e->client_port;
	} else {
		exp_client(in, &v, &client, &cport);
	}
	pkt_addr(e->backend, be);
	off = pkt_eth(out, e->dmac, e->smac, 0, 0, v.family == 4 ? 0x0800 : 0x86dd);
	if (v.family == 4) {
		uint8_t *h = out + off;
		uint32_t low = (get32(client) ^ cport) & 0xffff;

		memcpy(src, e->src4, 2);
		put16(src + 2, low);
		h[0] = 0x45;
		h[1] = inner[1];
		put16(h + 2, v.iplen + 20);
		put16(h + 4, 0);
		put16(h + 6, get16(inner + 6) & PKT_DF);
		h[8] = 64;
		h[9] = 4;
		put16(h + 10, 0);
		memcpy(h + 12, src, 4);
		memcpy(h + 16, be, 4);
		put16(h + 10, csum_fold(csum_add(0, h, 20)));
		off += 20;
	} else {
		uint8_t *h = out + off;
		uint8_t tc = (get32(inner) >> 20) & 0xff;

		memcpy(src, e->src6, 12);
		put32(src + 12, get32(client + 12) ^ cport);
		put32(h, 6u << 28 | (uint32_t)tc << 20);
		put16(h + 4, v.iplen);
		h[6] = 41;
		h[7] = 64;
		memcpy(h + 8, src, 16);
		memcpy(h + 24, be, 16);
		off += 40;
	}
	memcpy(out + off, inner, innerlen);
	return off + innerlen;
}

size_t pkt_exp_echo_reply(uint8_t *out, const uint8_t *in, size_t inlen)
{
	struct pkt_view v;
	uint8_t tmp[16], *ip, *l4;
	size_t alen, l4len;

	memcpy(out, in, inlen);
	if (pkt_parse(out, inlen, &v))
		abort();
	memcpy(tmp, out, 6);
	memcpy(out, out + 6, 6);
	memcpy(out + 6, tmp, 6);
	ip = out + v.l3;
	l4 = out + v.l4;
	l4len = v.iplen - v.l3hl;
	alen = v.family == 4 ? 4 : 16;
	if (v.family == 4) {
		memcpy(tmp, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, tmp, 4);
		ip[8] = 64;
		put16(ip + 10, 0);
		put16(ip + 10, csum_fold(csum_add(0, ip, v.l3hl)));
		l4[0] = 0;
		fill_l4_csum(4, ip + 12, ip + 16, 1, l4, l4len);
	} else {
		memcpy(tmp, ip + 8, alen);
		memcpy(ip + 8, ip + 24, alen);
		memcpy(ip + 24, tmp, alen);
		ip[7] = 64;
		l4[0] = 129;
		fill_l4_csum(6, ip + 8, ip + 24, 58, l4, l4len);
	}
	return inlen;
}

size_t pkt_exp_too_big(uint8_t *out, const uint8_t *in, size_t inlen, uint32_t mtu)
{
	struct pkt_ip ip = { .ttl = 64 };
	uint8_t icmp[128];
	struct pkt_view v;
	const uint8_t *oip;
	size_t n, off;

	if (pkt_parse(in, inlen, &v))
		abort();
	oip = in + v.l3;
	/* Ethernet addresses swapped, tags kept. */
	memcpy(out, in + 6, 6);
	memcpy(out + 6, in, 6);
	memcpy(out + 12, in + 12, v.l3 - 12);
	off = v.l3;
	if (v.family == 4) {
		n = pkt_icmp_err(icmp, 3, 4, mtu & 0xffff, oip, v.l3hl + 8);
		ip.proto = 1;
		return off + build_ip(out + off, 4, oip + 16, oip + 12, &ip, icmp, n);
	}
	n = pkt_icmp_err(icmp, 2, 0, mtu, oip, 40 + 8);
	ip.proto = 58;
	return off + build_ip(out + off, 6, oip + 24, oip + 8, &ip, icmp, n);
}

size_t pkt_exp_decap(uint8_t *out, const uint8_t *in, size_t inlen)
{
	struct pkt_view v;

	if (pkt_parse(in, inlen, &v))
		abort();
	memcpy(out, in, v.l3);
	memcpy(out + v.l3, in + v.l4, inlen - v.l4);
	return v.l3 + inlen - v.l4;
}

/* ---- Diagnostics ------------------------------------------------------- */

static const char *ip_field(int fam, size_t o)
{
	static const char *const v4[20] = {
		"ver_ihl", "tos", "tot_len", "tot_len", "id", "id", "frag_off", "frag_off",
		"ttl", "protocol", "check", "check", "saddr", "saddr", "saddr", "saddr",
		"daddr", "daddr", "daddr", "daddr" };

	if (fam == 4)
		return o < 20 ? v4[o] : "options";
	if (o < 4)
		return "ver_tc_flow";
	if (o < 6)
		return "payload_len";
	if (o == 6)
		return "nexthdr";
	if (o == 7)
		return "hop_limit";
	return o < 24 ? "saddr" : "daddr";
}

static const char *l4_field(uint8_t proto, size_t o)
{
	static const char *const tcp[20] = {
		"source", "source", "dest", "dest", "seq", "seq", "seq", "seq",
		"ack_seq", "ack_seq", "ack_seq", "ack_seq", "doff", "flags", "window",
		"window", "check", "check", "urg_ptr", "urg_ptr" };
	static const char *const udp[8] = {
		"source", "source", "dest", "dest", "len", "len", "check", "check" };
	static const char *const icmp[8] = {
		"type", "code", "check", "check", "rest", "rest", "rest", "rest" };

	if (proto == 6)
		return o < 20 ? tcp[o] : "payload";
	if (proto == 17)
		return o < 8 ? udp[o] : "payload";
	if (proto == 1 || proto == 58)
		return o < 8 ? icmp[o] : "data";
	return "payload";
}

const char *pkt_field_name(const uint8_t *f, size_t len, size_t off, char *buf, size_t n)
{
	const char *l4name;
	size_t l3 = 12, hl;
	uint16_t type;
	int fam, depth;

	if (off < 6)
		return snprintf(buf, n, "eth.dst"), buf;
	if (off < 12)
		return snprintf(buf, n, "eth.src"), buf;
	if (len < 14)
		return snprintf(buf, n, "beyond frame"), buf;
	type = get16(f + 12);
	while (type == 0x8100 && l3 + 6 <= len) {
		if (off < l3 + 4)
			return snprintf(buf, n, off < l3 + 2 ? "vlan.tpid" : "vlan.tci"), buf;
		l3 += 4;
		type = get16(f + l3);
	}
	if (off < l3 + 2)
		return snprintf(buf, n, "eth.type"), buf;
	l3 += 2;
	for (depth = 0; depth < 3; depth++) {
		uint8_t proto;
		const char *pre = depth ? "inner " : "";

		if (type == 0x0800 && l3 + 20 <= len) {
			fam = 4;
			hl = (f[l3] & 0xf) * 4;
			proto = f[l3 + 9];
		} else if (type == 0x86dd && l3 + 40 <= len) {
			fam = 6;
			hl = 40;
			proto = f[l3 + 6];
		} else {
			return snprintf(buf, n, "l3+%zu", off - l3), buf;
		}
		if (off < l3 + hl)
			return snprintf(buf, n, "%sipv%d.%s", pre, fam, ip_field(fam, off - l3)), buf;
		if (proto == 4 || proto == 41) {
			type = proto == 4 ? 0x0800 : 0x86dd;
			l3 += hl;
			continue;
		}
		l4name = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" :
			 proto == 58 ? "icmpv6" : "l4";
		snprintf(buf, n, "%s%s.%s (+%zu)", pre, l4name, l4_field(proto, off - l3 - hl),
			 off - l3 - hl);
		return buf;
	}
	return snprintf(buf, n, "?"), buf;
}

void pkt_diff(FILE *f, const uint8_t *exp, size_t elen, const uint8_t *got, size_t glen)
{
	size_t max = elen > glen ? elen : glen, i, j, first = max;
	char name[64];

	for (i = 0; i < max; i++) {
		if (i >= elen || i >= glen || exp[i] != got[i]) {
			first = i;
			break;
		}
	}
	if (first == max) {
		fprintf(f, "      frames identical (%zu bytes)\n", elen);
		return;
	}
	fprintf(f, "      length expected %zu, got %zu; first difference at offset %zu (%s)\n",
		elen, glen, first, pkt_field_name(exp, elen, first, name, sizeof(name)));
	fprintf(f, "      offset  expected                                          "
		"got\n");
	for (i = 0; i < max; i += 16) {
		fprintf(f, "      %04zx   ", i);
		for (j = i; j < i + 16; j++) {
			if (j < elen)
				fprintf(f, "%02x%c", exp[j],
					(j >= glen || exp[j] != got[j]) ? '*' : ' ');
			else
				fprintf(f, "   ");
		}
		fprintf(f, "  ");
		for (j = i; j < i + 16; j++) {
			if (j < glen)
				fprintf(f, "%02x%c", got[j],
					(j >= elen || exp[j] != got[j]) ? '*' : ' ');
		}
		fprintf(f, "\n");
	}
}
