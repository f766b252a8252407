// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Single-packet cases as a table: setup (libxlb), input frame, verdict,
 * final reason, expected output and counter deltas. Each row runs on fresh
 * maps (its own unpinned xlb). Rows are the README's "Data plane behaviour"
 * read one sentence at a time.
 */
#include <string.h>
#include <linux/bpf.h>

#include "csum.h"
#include "env.h"

/* ---- Setups: the same four VIPs everywhere, backends per row ------------ */

enum { V_TCP4, V_UDP4, V_TCP6, V_UDP6 };

static void vips(struct th *t)
{
	th_vip(t, "tcp", VIP4, 80, XLB_SCHED_MAGLEV, 1021);
	th_vip(t, "udp", VIP4, 53, XLB_SCHED_MAGLEV, 1021);
	th_vip(t, "tcp", VIP6, 80, XLB_SCHED_MAGLEV, 1021);
	th_vip(t, "udp", VIP6, 53, XLB_SCHED_MAGLEV, 1021);
}

static void backends(struct th *t, const char *v4, const char *v6, int n)
{
	char a[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "%s%d", v4, 10 + i);
		th_backend(t, V_TCP4, a, 100, XLB_BACKEND_ACTIVE);
		snprintf(a, sizeof(a), "%s%d", v6, 10 + i);
		th_backend(t, V_TCP6, a, 100, XLB_BACKEND_ACTIVE);
	}
}

static void setup_std(struct th *t)
{
	vips(t);
	backends(t, "198.18.1.", "fd00:1::", 3);
	th_backend(t, V_UDP4, "198.18.1.13", 100, XLB_BACKEND_ACTIVE);
	th_backend(t, V_UDP4, "198.18.1.14", 100, XLB_BACKEND_ACTIVE);
	th_backend(t, V_UDP6, "fd00:1::13", 100, XLB_BACKEND_ACTIVE);
	th_backend(t, V_UDP6, "fd00:1::14", 100, XLB_BACKEND_ACTIVE);
}

static void setup_tx(struct th *t)
{
	vips(t);
	th_backend(t, V_TCP4, "198.18.0.50", 100, XLB_BACKEND_ACTIVE);
	th_backend(t, V_TCP6, "fd00::50", 100, XLB_BACKEND_ACTIVE);
}

static void setup_nobe(struct th *t)
{
	vips(t);
}

static void setup_standby(struct th *t)
{
	vips(t);
	th_backend(t, V_TCP4, "198.18.1.10", 100, XLB_BACKEND_STANDBY);
	th_backend(t, V_TCP4, "198.18.1.11", 100, XLB_BACKEND_DRAINING);
	th_backend(t, V_TCP6, "fd00:1::10", 100, XLB_BACKEND_STANDBY);
	th_backend(t, V_TCP6, "fd00:1::11", 100, XLB_BACKEND_DRAINING);
}

static void setup_noneigh(struct th *t)
{
	vips(t);
	backends(t, "198.18.2.", "fd00:2::", 1);
	/* Whatever libxlb did to resolve them, leave no neighbour behind. */
	env_sh("ip neigh flush dev xnn0 nud all 2>/dev/null");
}

static void setup_noroute(struct th *t)
{
	env_sh("ip route replace 198.18.4.0/24 dev xnr0 && "
	       "ip -6 route replace fd00:4::/64 dev xnr0 metric 256");
	vips(t);
	backends(t, "198.18.4.", "fd00:4::", 1);
	/* Added while routable; now the route is a blackhole (fib: not forwarded). */
	env_sh("ip route replace blackhole 198.18.4.0/24 && "
	       "ip -6 route replace blackhole fd00:4::/64 metric 256");
}

static void setup_mtu(struct th *t)
{
	vips(t);
	backends(t, "198.18.3.", "fd00:3::", 1);
}

static void setup_small(struct th *t)
{
	vips(t);
	backends(t, "198.18.5.", "fd00:5::", 1);
}

/* ---- Inputs ------------------------------------------------------------- */

static size_t b_tcp4(uint8_t *b)
{
	return env_frame(b, CLIENT4, 40000, VIP4, 80, 6, 0);
}

static size_t b_tcp4_data(uint8_t *b)
{
	return env_frame(b, CLIENT4, 40002, VIP4, 80, 6, 200);
}

static size_t b_tcp4_ack(uint8_t *b)
{
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB,
		.ip = { .src = "198.18.0.101", .dst = VIP4, .proto = 6, .frag = PKT_DF },
		.sport = 50123, .dport = 80, .tcp_flags = PKT_TCP_ACK | PKT_TCP_PSH,
		.seq = 7, .paylen = 100,
	};

	return pkt_frame(b, &f);
}

static size_t b_tcp6(uint8_t *b)
{
	return env_frame(b, CLIENT6, 40001, VIP6, 80, 6, 0);
}

static size_t b_udp4(uint8_t *b)
{
	return env_frame(b, CLIENT4, 5353, VIP4, 53, 17, 32);
}

static size_t b_udp6(uint8_t *b)
{
	return env_frame(b, CLIENT6, 5353, VIP6, 53, 17, 32);
}

static size_t vlan_frame(uint8_t *b, const char *src, const char *dst, uint16_t v1,
			 uint16_t v2, uint8_t proto, uint16_t frag)
{
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB, .vlan = v1, .vlan2 = v2,
		.ip = { .src = src, .dst = dst, .proto = proto, .frag = frag, .tos = 0x10 },
		.sport = 40100, .dport = proto == 17 ? 53 : 80, .paylen = 10,
	};

	return pkt_frame(b, &f);
}

static size_t b_tcp4_vlan(uint8_t *b)
{
	return vlan_frame(b, CLIENT4, VIP4, 100, 0, 6, PKT_DF);
}

static size_t b_tcp6_vlan(uint8_t *b)
{
	return vlan_frame(b, CLIENT6, VIP6, 4094, 0, 6, 0);
}

static size_t b_qinq(uint8_t *b)
{
	return vlan_frame(b, CLIENT4, VIP4, 100, 200, 6, PKT_DF);
}

/* A 54-byte SYN padded to the 60-byte Ethernet minimum, as NICs deliver it. */
static size_t b_tcp4_pad(uint8_t *b)
{
	size_t n = b_tcp4(b);

	memset(b + n, 0, 60 - n);
	return 60;
}

static size_t b_tcp4_port81(uint8_t *b)
{
	return env_frame(b, CLIENT4, 40000, VIP4, 81, 6, 0);
}

static size_t b_udp4_port80(uint8_t *b)
{
	return env_frame(b, CLIENT4, 40000, VIP4, 80, 17, 8);
}

static size_t b_tcp4_other(uint8_t *b)
{
	return env_frame(b, CLIENT4, 40000, "198.18.0.99", 80, 6, 0);
}

static size_t b_tcp6_other(uint8_t *b)
{
	return env_frame(b, CLIENT6, 40000, "fd00::99", 80, 6, 0);
}

static size_t l4_frame(uint8_t *b, const char *src, const char *dst, uint8_t proto,
		       const uint8_t *l4, size_t n)
{
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB,
		.ip = { .src = src, .dst = dst, .proto = proto },
	};

	return pkt_frame_l4(b, &f, l4, n);
}

static size_t b_gre4(uint8_t *b)
{
	const uint8_t gre[8] = { 0, 0, 0x08, 0x00, 0, 0, 0, 0 };

	return l4_frame(b, CLIENT4, VIP4, 47, gre, sizeof(gre));
}

static size_t b_nonxt6(uint8_t *b)
{
	return l4_frame(b, CLIENT6, VIP6, 59, NULL, 0);
}

static size_t b_arp(uint8_t *b)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t arp[28] = {
		0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0xc1, 0, 0, 0, 1, 198, 18, 0, 100,
		0, 0, 0, 0, 0, 0, 198, 18, 0, 10 };
	size_t n = pkt_eth(b, bcast, MAC_CLIENT, 0, 0, 0x0806);

	memcpy(b + n, arp, sizeof(arp));
	return n + sizeof(arp);
}

static size_t ip_frame(uint8_t *b, const struct pkt_ip *ip, uint16_t dport, size_t pay)
{
	struct pkt_flow f = { .smac = MAC_CLIENT, .dmac = MAC_LB, .ip = *ip,
			      .sport = 40200, .dport = dport, .paylen = pay };

	return pkt_frame(b, &f);
}

static size_t b_frag_mf(uint8_t *b)
{
	struct pkt_ip ip = { .src = CLIENT4, .dst = VIP4, .proto = 6, .frag = PKT_MF };

	return ip_frame(b, &ip, 80, 64);
}

static size_t b_frag_off(uint8_t *b)
{
	struct pkt_ip ip = { .src = CLIENT4, .dst = VIP4, .proto = 6, .frag = 185 };

	return ip_frame(b, &ip, 80, 64);
}

static size_t b_opts4(uint8_t *b)
{
	static const uint8_t nop[4] = { 1, 1, 1, 0 };
	struct pkt_ip ip = { .src = CLIENT4, .dst = VIP4, .proto = 6, .frag = PKT_DF,
			     .opt = nop, .optlen = 4 };

	return ip_frame(b, &ip, 80, 0);
}

static size_t ext6(uint8_t *b, uint8_t type, const uint8_t *ext, size_t n)
{
	struct pkt_ip ip = { .src = CLIENT6, .dst = VIP6, .proto = 6, .opt = ext,
			     .optlen = n, .ext_nh = type };

	return ip_frame(b, &ip, 80, 0);
}

/* 8-byte extension header: next header TCP, PadN filling the rest. */
static const uint8_t ext_padn[8] = { 6, 0, 1, 4, 0, 0, 0, 0 };

static size_t b_hbh6(uint8_t *b)
{
	return ext6(b, 0, ext_padn, 8);
}

static size_t b_dst6(uint8_t *b)
{
	return ext6(b, 60, ext_padn, 8);
}

static size_t b_rt6(uint8_t *b)
{
	static const uint8_t rt[8] = { 6, 0, 4, 0, 0, 0, 0, 0 };

	return ext6(b, 43, rt, 8);
}

static size_t b_frag6(uint8_t *b)
{
	static const uint8_t fr[8] = { 6, 0, 0, 0, 0x12, 0x34, 0x56, 0x78 };

	return ext6(b, 44, fr, 8);
}

/* Patch an IPv4 header byte of a TCP SYN and keep its checksum right
 * (over the fixed 20 bytes, whatever ihl now claims). */
static size_t patched4(uint8_t *b, size_t at, uint8_t val)
{
	size_t n = b_tcp4(b);
	uint8_t *ip = b + 14;
	uint16_t c;

	ip[at] = val;
	ip[10] = ip[11] = 0;
	c = csum_fold(csum_add(0, ip, 20));
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	return n;
}

static size_t b_ver5(uint8_t *b)
{
	return patched4(b, 0, 0x55);
}

static size_t b_ihl4(uint8_t *b)
{
	return patched4(b, 0, 0x44);
}

static size_t b_totlen_lt_ihl(uint8_t *b)
{
	patched4(b, 2, 0);
	return patched4(b, 3, 16);
}

static size_t short_l4(uint8_t *b, const char *src, const char *dst, uint8_t proto,
		       size_t n)
{
	uint8_t l4[32];

	/* A real header, cut short: the IP length agrees with the frame. */
	if (proto == 6)
		pkt_tcp(l4, 40000, 80, 1, PKT_TCP_SYN, 0);
	else if (proto == 17)
		pkt_udp(l4, 5353, 53, 0);
	else
		pkt_icmp_echo(l4, proto == 1 ? 8 : 128, 1, 1, 0);
	return l4_frame(b, src, dst, proto, l4, n);
}

static size_t b_tcp4_short(uint8_t *b)
{
	return short_l4(b, CLIENT4, VIP4, 6, 12);
}

static size_t b_udp4_short(uint8_t *b)
{
	return short_l4(b, CLIENT4, VIP4, 17, 6);
}

static size_t b_icmp4_short(uint8_t *b)
{
	return short_l4(b, CLIENT4, VIP4, 1, 4);
}

static size_t b_tcp6_short(uint8_t *b)
{
	return short_l4(b, CLIENT6, VIP6, 6, 19);
}

static size_t echo(uint8_t *b, const char *src, const char *dst, uint16_t vlan, uint8_t type)
{
	uint8_t l4[128];
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB, .vlan = vlan,
		.ip = { .src = src, .dst = dst, .proto = pkt_family(dst) == 4 ? 1 : 58,
			.ttl = 57, .frag = PKT_DF, .id = 0x777 },
	};

	return pkt_frame_l4(b, &f, l4, pkt_icmp_echo(l4, type, 0x4242, 7, 56));
}

static size_t b_echo4(uint8_t *b)
{
	return echo(b, CLIENT4, VIP4, 0, 8);
}

static size_t b_echo6(uint8_t *b)
{
	return echo(b, CLIENT6, VIP6, 0, 128);
}

static size_t b_echo4_vlan(uint8_t *b)
{
	return echo(b, CLIENT4, VIP4, 7, 8);
}

static size_t b_echo4_other(uint8_t *b)
{
	return echo(b, CLIENT4, "198.18.0.99", 0, 8);
}

static size_t b_echo6_other(uint8_t *b)
{
	return echo(b, CLIENT6, "fd00::99", 0, 128);
}

static size_t b_icmp4_ts(uint8_t *b)
{
	return echo(b, CLIENT4, VIP4, 0, 13);
}

static size_t b_echoreply4(uint8_t *b)
{
	return echo(b, CLIENT4, VIP4, 0, 0);
}

static size_t b_icmperr4(uint8_t *b)
{
	return env_icmp_err(b, VIP4, 80, 6, 3, 4, 8);
}

static size_t b_icmperr4_udp(uint8_t *b)
{
	return env_icmp_err(b, VIP4, 53, 17, 3, 3, 8);
}

static size_t b_icmperr6(uint8_t *b)
{
	return env_icmp_err(b, VIP6, 80, 6, 2, 0, 8);
}

static size_t b_icmperr6_unreach(uint8_t *b)
{
	return env_icmp_err(b, VIP6, 53, 17, 1, 4, 8);
}

static size_t b_icmperr4_nonvip(uint8_t *b)
{
	return env_icmp_err(b, VIP4, 8080, 6, 3, 4, 8);
}

static size_t b_icmperr4_short(uint8_t *b)
{
	return env_icmp_err(b, VIP4, 80, 6, 3, 4, 4);
}

static size_t b_icmperr6_short(uint8_t *b)
{
	return env_icmp_err(b, VIP6, 80, 6, 2, 0, 4);
}

/* TCP frame whose IP packet is ip_total bytes long. */
static size_t sized(uint8_t *b, const char *src, const char *dst, size_t ip_total,
		    uint16_t frag, uint16_t vlan)
{
	size_t hl = pkt_family(dst) == 4 ? 20 : 40;
	struct pkt_flow f = {
		.smac = MAC_CLIENT, .dmac = MAC_LB, .vlan = vlan,
		.ip = { .src = src, .dst = dst, .proto = 6, .frag = frag, .tos = 0x28 },
		.sport = 41000, .dport = 80, .tcp_flags = PKT_TCP_ACK,
		.paylen = ip_total - hl - 20,
	};

	return pkt_frame(b, &f);
}

static size_t b_big4(uint8_t *b)	{ return sized(b, CLIENT4, VIP4, 1390, PKT_DF, 0); }
static size_t b_big4_vlan(uint8_t *b)	{ return sized(b, CLIENT4, VIP4, 1390, PKT_DF, 9); }
static size_t b_big4_nodf(uint8_t *b)	{ return sized(b, CLIENT4, VIP4, 1390, 0, 0); }
static size_t b_fit4(uint8_t *b)	{ return sized(b, CLIENT4, VIP4, 1380, PKT_DF, 0); }
static size_t b_big6(uint8_t *b)	{ return sized(b, CLIENT6, VIP6, 1370, 0, 0); }
static size_t b_fit6(uint8_t *b)	{ return sized(b, CLIENT6, VIP6, 1360, 0, 0); }
static size_t b_big4_small(uint8_t *b)	{ return sized(b, CLIENT4, VIP4, 1290, PKT_DF, 0); }
static size_t b_big6_small(uint8_t *b)	{ return sized(b, CLIENT6, VIP6, 1270, 0, 0); }
static size_t b_big4_1500(uint8_t *b)	{ return sized(b, CLIENT4, VIP4, 1500, PKT_DF, 0); }

/* ---- The table ---------------------------------------------------------- */

enum out_kind { OUT_SAME, OUT_FWD, OUT_ECHO, OUT_TOO_BIG };

#define R_VIP		1	/* matched to the row's VIP */
#define R_NEW		2	/* new flow scheduled: conn_new, new_flows on VIP and pick */
#define R_FWD		4	/* forwarded to the predicted backend */
#define R_ICMPERR	8	/* ICMP error steered to the predicted backend */
#define R_ECHO		16	/* echo reply: VIP counters unspecified */

struct row {
	const char *name;
	void (*setup)(struct th *t);
	size_t (*build)(uint8_t *b);
	__u32 verdict;
	int reason;
	enum out_kind out;
	uint32_t mtu;		/* OUT_TOO_BIG: MTU in the reply */
	int vip;		/* VIP of the packet (for R_* and prediction) */
	int flags;
};

#define NEW_FWD		(R_VIP | R_NEW | R_FWD)
#define S(x)		XLB_STAT_##x

static const struct row rows[] = {
	/* forwarding: exact IPIP / IP6IP6 output to the Maglev pick */
	{ "tcp4 syn to maglev pick (ipip)", setup_std, b_tcp4, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP4, NEW_FWD },
	{ "tcp4 with payload", setup_std, b_tcp4_data, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP4, NEW_FWD },
	{ "tcp4 ack without syn starts a flow", setup_std, b_tcp4_ack, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP4, NEW_FWD },
	{ "tcp6 syn to maglev pick (ip6ip6)", setup_std, b_tcp6, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP6, NEW_FWD },
	{ "udp4 to udp vip", setup_std, b_udp4, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_UDP4, NEW_FWD },
	{ "udp6 to udp vip", setup_std, b_udp6, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_UDP6, NEW_FWD },
	{ "tcp4 802.1Q: tag removed on forward", setup_std, b_tcp4_vlan, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP4, NEW_FWD },
	{ "tcp6 802.1Q: tag removed on forward", setup_std, b_tcp6_vlan, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP6, NEW_FWD },
	{ "tcp4 padded 60-byte frame", setup_std, b_tcp4_pad, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP4, NEW_FWD },
	{ "tcp4 backend via ingress device: XDP_TX", setup_tx, b_tcp4, XDP_TX,
	  S(TX_FORWARD), OUT_FWD, 0, V_TCP4, NEW_FWD },
	{ "tcp6 backend via ingress device: XDP_TX", setup_tx, b_tcp6, XDP_TX,
	  S(TX_FORWARD), OUT_FWD, 0, V_TCP6, NEW_FWD },
	/* not for us */
	{ "tcp4 to vip address, other port", setup_std, b_tcp4_port81, XDP_PASS,
	  S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "udp4 to a tcp-only vip port", setup_std, b_udp4_port80, XDP_PASS,
	  S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "tcp4 to a non-vip address", setup_std, b_tcp4_other, XDP_PASS, S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "tcp6 to a non-vip address", setup_std, b_tcp6_other, XDP_PASS, S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "gre to vip address", setup_std, b_gre4, XDP_PASS, S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "ipv6 no-next-header to vip address", setup_std, b_nonxt6, XDP_PASS,
	  S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "arp", setup_std, b_arp, XDP_PASS, S(PASS_NOT_IP), OUT_SAME, 0, 0, 0 },
	{ "two 802.1Q tags", setup_std, b_qinq, XDP_PASS, S(PASS_NOT_IP), OUT_SAME, 0, 0, 0 },
	{ "ipv4 fragment, MF set", setup_std, b_frag_mf, XDP_PASS, S(PASS_FRAGMENT), OUT_SAME, 0, 0, 0 },
	{ "ipv4 fragment, offset 1480", setup_std, b_frag_off, XDP_PASS, S(PASS_FRAGMENT), OUT_SAME, 0, 0, 0 },
	{ "ipv4 options", setup_std, b_opts4, XDP_PASS, S(PASS_IPV4_OPTIONS), OUT_SAME, 0, 0, 0 },
	{ "ipv6 hop-by-hop", setup_std, b_hbh6, XDP_PASS, S(PASS_IPV6_EXT), OUT_SAME, 0, 0, 0 },
	{ "ipv6 routing header", setup_std, b_rt6, XDP_PASS, S(PASS_IPV6_EXT), OUT_SAME, 0, 0, 0 },
	{ "ipv6 destination options", setup_std, b_dst6, XDP_PASS, S(PASS_IPV6_EXT), OUT_SAME, 0, 0, 0 },
	{ "ipv6 fragment header", setup_std, b_frag6, XDP_PASS, S(PASS_FRAGMENT), OUT_SAME, 0, 0, 0 },
	/* malformed */
	{ "ipv4 version 5", setup_std, b_ver5, XDP_DROP, S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	{ "ipv4 ihl 4", setup_std, b_ihl4, XDP_DROP, S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	{ "ipv4 tot_len < ihl*4", setup_std, b_totlen_lt_ihl, XDP_DROP, S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	{ "tcp4 header 12 bytes", setup_std, b_tcp4_short, XDP_DROP, S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	{ "udp4 header 6 bytes", setup_std, b_udp4_short, XDP_DROP, S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	{ "icmp4 header 4 bytes", setup_std, b_icmp4_short, XDP_DROP, S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	{ "tcp6 header 19 bytes", setup_std, b_tcp6_short, XDP_DROP, S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	/* ICMP */
	{ "icmp4 echo to vip: reply", setup_std, b_echo4, XDP_TX, S(TX_ICMP_ECHO),
	  OUT_ECHO, 0, 0, R_ECHO },
	{ "icmp6 echo to vip: reply", setup_std, b_echo6, XDP_TX, S(TX_ICMP_ECHO),
	  OUT_ECHO, 0, 0, R_ECHO },
	{ "icmp4 echo 802.1Q: reply keeps tag", setup_std, b_echo4_vlan, XDP_TX,
	  S(TX_ICMP_ECHO), OUT_ECHO, 0, 0, R_ECHO },
	{ "icmp4 echo to non-vip", setup_std, b_echo4_other, XDP_PASS, S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "icmp6 echo to non-vip", setup_std, b_echo6_other, XDP_PASS, S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "icmp4 echo with no backends: still a reply", setup_nobe, b_echo4, XDP_TX,
	  S(TX_ICMP_ECHO), OUT_ECHO, 0, 0, R_ECHO },
	{ "icmp4 timestamp to vip", setup_std, b_icmp4_ts, XDP_PASS, S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "icmp4 echo reply to vip", setup_std, b_echoreply4, XDP_PASS, S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "icmp4 frag-needed quoting tcp vip flow", setup_std, b_icmperr4, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP4, R_ICMPERR },
	{ "icmp4 port-unreach quoting udp vip flow", setup_std, b_icmperr4_udp,
	  XDP_REDIRECT, S(REDIRECT_FORWARD), OUT_FWD, 0, V_UDP4, R_ICMPERR },
	{ "icmp6 too-big quoting tcp vip flow", setup_std, b_icmperr6, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP6, R_ICMPERR },
	{ "icmp6 unreach quoting udp vip flow", setup_std, b_icmperr6_unreach, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_UDP6, R_ICMPERR },
	{ "icmp4 error quoting a non-vip", setup_std, b_icmperr4_nonvip, XDP_PASS,
	  S(PASS_NOT_VIP), OUT_SAME, 0, 0, 0 },
	{ "icmp4 error, quote too short", setup_std, b_icmperr4_short, XDP_DROP,
	  S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	{ "icmp6 error, quote too short", setup_std, b_icmperr6_short, XDP_DROP,
	  S(DROP_MALFORMED), OUT_SAME, 0, 0, 0 },
	/* drops */
	{ "tcp4 vip without backends", setup_nobe, b_tcp4, XDP_DROP, S(DROP_NO_BACKEND),
	  OUT_SAME, 0, V_TCP4, R_VIP },
	{ "tcp6 vip without backends", setup_nobe, b_tcp6, XDP_DROP, S(DROP_NO_BACKEND),
	  OUT_SAME, 0, V_TCP6, R_VIP },
	{ "tcp4 vip with only standby/draining", setup_standby, b_tcp4, XDP_DROP,
	  S(DROP_NO_BACKEND), OUT_SAME, 0, V_TCP4, R_VIP },
	{ "tcp4 backend without neighbour", setup_noneigh, b_tcp4, XDP_DROP,
	  S(DROP_NO_NEIGH), OUT_SAME, 0, V_TCP4, R_VIP | R_NEW },
	{ "tcp6 backend without neighbour", setup_noneigh, b_tcp6, XDP_DROP,
	  S(DROP_NO_NEIGH), OUT_SAME, 0, V_TCP6, R_VIP | R_NEW },
	{ "tcp4 backend route blackholed", setup_noroute, b_tcp4, XDP_DROP,
	  S(DROP_NO_ROUTE), OUT_SAME, 0, V_TCP4, R_VIP | R_NEW },
	{ "tcp6 backend route blackholed", setup_noroute, b_tcp6, XDP_DROP,
	  S(DROP_NO_ROUTE), OUT_SAME, 0, V_TCP6, R_VIP | R_NEW },
	/* too big (backend link MTU 1400 / 1300) */
	{ "tcp4 1390 DF over mtu 1400: frag needed 1380", setup_mtu, b_big4, XDP_TX,
	  S(TX_ICMP_TOO_BIG), OUT_TOO_BIG, 1380, V_TCP4, R_VIP | R_NEW },
	{ "tcp4 1390 DF 802.1Q: reply keeps tag", setup_mtu, b_big4_vlan, XDP_TX,
	  S(TX_ICMP_TOO_BIG), OUT_TOO_BIG, 1380, V_TCP4, R_VIP | R_NEW },
	{ "tcp4 1390 no DF over mtu 1400: drop", setup_mtu, b_big4_nodf, XDP_DROP,
	  S(DROP_TOO_BIG_NO_DF), OUT_SAME, 0, V_TCP4, R_VIP | R_NEW },
	{ "tcp4 1380 fits mtu 1400 exactly", setup_mtu, b_fit4, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP4, NEW_FWD },
	{ "tcp4 1500 DF over mtu 1400", setup_mtu, b_big4_1500, XDP_TX,
	  S(TX_ICMP_TOO_BIG), OUT_TOO_BIG, 1380, V_TCP4, R_VIP | R_NEW },
	{ "tcp6 1370 over mtu 1400: packet too big 1360", setup_mtu, b_big6, XDP_TX,
	  S(TX_ICMP_TOO_BIG), OUT_TOO_BIG, 1360, V_TCP6, R_VIP | R_NEW },
	{ "tcp6 1360 fits mtu 1400 exactly", setup_mtu, b_fit6, XDP_REDIRECT,
	  S(REDIRECT_FORWARD), OUT_FWD, 0, V_TCP6, NEW_FWD },
	{ "tcp4 1290 DF over mtu 1300: frag needed 1280", setup_small, b_big4_small, XDP_TX,
	  S(TX_ICMP_TOO_BIG), OUT_TOO_BIG, 1280, V_TCP4, R_VIP | R_NEW },
	{ "tcp6 1270 over mtu 1300: mtu floor 1280", setup_small, b_big6_small, XDP_TX,
	  S(TX_ICMP_TOO_BIG), OUT_TOO_BIG, 1280, V_TCP6, R_VIP | R_NEW },
};

static void run_row(const struct row *r)
{
	uint8_t in[PKT_MAX], out[PKT_MAX];
	struct th_exp e = { .verdict = r->verdict, .reason = r->reason };
	struct xlb_flow fl;
	int pred = -1;
	struct th t;
	size_t len;

	if (env_open(&t, r->name))
		goto out;
	r->setup(&t);
	if (t.fails)
		goto out;
	len = r->build(in);
	if (r->flags & (R_NEW | R_FWD | R_ICMPERR)) {
		if (th_flow_of(in, len, &fl) || (pred = th_predict(&t, r->vip, &fl)) < 0) {
			th_fail(&t, "cannot predict the backend");
			goto out;
		}
	}
	if (r->flags & R_VIP)
		e.vip = TH_IDX(r->vip);
	if (r->flags & R_NEW) {
		e.ev_new = 1;
		e.vip_new = 1;
		e.be_new = TH_IDX(pred);
	}
	if (r->flags & R_FWD)
		e.be = TH_IDX(pred);
	if (r->flags & R_ICMPERR) {
		e.ev_icmp = 1;
		e.ev_dc = TH_DC_NEW | TH_DC_HIT;
		e.vip = TH_DC;
		e.be_new = TH_DC;
		e.be = TH_IDX(pred);
	}
	if (r->flags & R_ECHO)
		e.vip = TH_DC;
	switch (r->out) {
	case OUT_SAME:
		break;
	case OUT_FWD:
		e.outlen = env_exp_fwd(&t, pred, in, len, out);
		e.out = out;
		break;
	case OUT_ECHO:
		e.outlen = pkt_exp_echo_reply(out, in, len);
		e.out = out;
		break;
	case OUT_TOO_BIG:
		e.outlen = pkt_exp_too_big(out, in, len, r->mtu);
		e.out = out;
		break;
	}
	th_check(&t, "frame", in, len, &e);
out:
	th_end(&t);
}

void run_table_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
}
