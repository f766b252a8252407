/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xlb shared ABI: every map key, map value, flag, enum and limit that both
 * the BPF programs (bpf/) and user space (user/, tests/, tools/) see.
 *
 * Contract:
 *  - This file is the only definition. Nothing here is redeclared elsewhere.
 *  - Fixed-width types only; network-order fields are __be16/__be32; all
 *    padding is explicit, named, and must be zero (it is part of hash keys).
 *  - Every address is 16 bytes: IPv6 as is, IPv4 as ::ffff:a.b.c.d.
 *  - Any layout change bumps XLB_ABI_VERSION and renames the affected map.
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#include <linux/types.h>

#define XLB_ABI_VERSION		1

/* ---- Limits (the one constants header) --------------------------------- */

#define XLB_MAX_VIPS		512
#define XLB_MAX_BACKENDS	4096	/* backend ids are 0..XLB_MAX_BACKENDS-1 */
#define XLB_MAX_CONNS		2097153	/* default connection-table entries: 2^21 + 1 (see README) */
#define XLB_CONNS_MIN		1024	/* lbctl conn resize / prog attach conns */
#define XLB_CONNS_MAX		67108864
#define XLB_NEW_FLOW_LIMIT_MAX	100000000	/* per CPU and second; 0: none */
#define XLB_WEIGHT_MAX		65535
#define XLB_WEIGHT_DEFAULT	100

/* Allowed Maglev ring sizes (all prime). The live ring map holds size + 1
 * entries: entry 0 is the number of slots N, entries 1..N are backend ids. */
#define XLB_RING_SIZES		{ 1021, 4093, 16381, 65537, 131071, 262139, 524287, 1048573 }
#define XLB_RING_SIZE_DEFAULT	65537
#define XLB_RING_SIZE_MAX	1048573

/* Flow hash seed (jhash2 over struct xlb_flow as 10 words, see below). */
#define XLB_HASH_SEED		0x786c6231	/* "xlb1" */

/* Generated ICMP errors (too big) quote the offending packet's IP header and
 * the first 8 bytes of its payload: what Linux needs to find the socket
 * (RFC 792; RFC 4443 2.4(c) allows less than the maximum). */
#define XLB_ICMP_QUOTE_L4_BYTES	8
#define XLB_ICMP_TTL		64

/* Outer header of the encapsulation: see struct xlb_config. */
#define XLB_ENCAP_TTL		64

/* Default outer source prefixes (RFC 2544 benchmark space / ULA: never
 * routed on the internet). Low 16 (IPv4) or 32 (IPv6) bits vary per flow. */
#define XLB_ENCAP_SRC4_DEFAULT	{ 198, 19, 0, 0 }
#define XLB_ENCAP_SRC6_DEFAULT	{ 0xfd, 0x00, 0x78, 0x6c, 0x62, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/* ---- Enums --------------------------------------------------------------- */

/* Scheduler of a VIP, used for new flows only. */
#define XLB_SCHEDS(X)				\
	X(MAGLEV, "maglev")			\
	X(SH, "sh")				\
	X(RR, "rr")				\
	X(RANDOM, "random")

enum xlb_sched {
#define XLB_SCHED_ENUM(name, str) XLB_SCHED_##name,
	XLB_SCHEDS(XLB_SCHED_ENUM)
#undef XLB_SCHED_ENUM
	XLB_SCHED_MAX
};

/* Backend state: only active backends are in the ring. Draining backends
 * keep their established flows; standby backends are the autoscaler's pool. */
#define XLB_BACKEND_STATES(X)			\
	X(ACTIVE, "active")			\
	X(DRAINING, "draining")			\
	X(STANDBY, "standby")

enum xlb_backend_state {
#define XLB_BSTATE_ENUM(name, str) XLB_BACKEND_##name,
	XLB_BACKEND_STATES(XLB_BSTATE_ENUM)
#undef XLB_BSTATE_ENUM
	XLB_BACKEND_STATE_MAX
};

/*
 * Global counters, one per reason. Kind is the XDP verdict the reason ends
 * in (PASS, DROP, TX, REDIRECT) or EVENT for things counted on the way (an
 * event never ends a packet). Every packet the balancer sees is counted in
 * exactly one non-EVENT reason. New reasons go at the end: the numbers index
 * pinned counters that survive an upgrade.
 */
#define XLB_STATS(X)										\
	X(PASS_NOT_IP,		PASS,	"pass_not_ip",		"not IPv4/IPv6 (ARP, LLDP, ...)")	\
	X(PASS_NOT_VIP,		PASS,	"pass_not_vip",		"not addressed to a VIP")		\
	X(PASS_IPV4_OPTIONS,	PASS,	"pass_ipv4_options",	"IPv4 with options, not balanced")	\
	X(PASS_IPV6_EXT,	PASS,	"pass_ipv6_ext",	"IPv6 extension header, not balanced")	\
	X(PASS_FRAGMENT,	PASS,	"pass_fragment",	"IP fragment, not balanced")		\
	X(DROP_MALFORMED,	DROP,	"drop_malformed",	"truncated or inconsistent header")	\
	X(DROP_NO_BACKEND,	DROP,	"drop_no_backend",	"VIP has no active backend")		\
	X(DROP_NO_NEIGH,	DROP,	"drop_no_neigh",	"next hop to backend not resolved")	\
	X(DROP_NO_ROUTE,	DROP,	"drop_no_route",	"no route to backend")			\
	X(DROP_NO_TX_PORT,	DROP,	"drop_no_tx_port",	"egress device not in xlb_tx_ports")	\
	X(DROP_ENCAP,		DROP,	"drop_encap",		"could not grow the packet")		\
	X(DROP_TOO_BIG_NO_DF,	DROP,	"drop_too_big_no_df",	"too big, DF clear: cannot fragment")	\
	X(TX_FORWARD,		TX,	"tx_forward",		"encapsulated, sent back out (XDP_TX)")	\
	X(REDIRECT_FORWARD,	REDIRECT, "redirect_forward",	"encapsulated, redirected to egress")	\
	X(TX_ICMP_ECHO,		TX,	"tx_icmp_echo",		"echo reply to a ping of a VIP")	\
	X(TX_ICMP_TOO_BIG,	TX,	"tx_icmp_too_big",	"ICMP frag needed / packet too big sent") \
	X(EV_CONN_NEW,		EVENT,	"conn_new",		"new flow, or a SYN reusing an entry")	\
	X(EV_CONN_HIT,		EVENT,	"conn_hit",		"packet of a known flow")		\
	X(EV_CONN_RESCHEDULED,	EVENT,	"conn_rescheduled",	"flow's backend was deleted: moved")	\
	X(EV_ICMP_ERR_FORWARDED, EVENT,	"icmp_err_forwarded",	"ICMP error steered to its flow")	\
	X(EV_CONN_NOT_INSERTED,	EVENT,	"conn_not_inserted",	"new flow over new_flow_limit: not inserted") \
	X(DROP_ICMP_ERR_TOO_BIG, DROP,	"drop_icmp_err_too_big", "ICMP error too big for the tunnel (no error about an error)")

enum xlb_stat {
#define XLB_STAT_ENUM(name, kind, str, desc) XLB_STAT_##name,
	XLB_STATS(XLB_STAT_ENUM)
#undef XLB_STAT_ENUM
	XLB_STAT_MAX
};

/* Counters of the backend decap program. */
#define XLB_DECAP_STATS(X)									\
	X(PASS,		PASS,	"pass",		"not a tunnel packet: untouched")			\
	X(IPIP,		PASS,	"ipip",		"IPIP decapsulated, inner IPv4 to the stack")		\
	X(IP6IP6,	PASS,	"ip6ip6",	"IP6IP6 decapsulated, inner IPv6 to the stack")		\
	X(REJECT_NOT_OURS, DROP, "reject_not_ours", "tunnel packet for an address not ours")	\
	X(REJECT_INNER,	DROP,	"reject_inner",	"inner packet of the wrong family or truncated")	\
	X(DROP_MALFORMED, DROP,	"drop_malformed", "truncated outer header")

enum xlb_decap_stat {
#define XLB_DSTAT_ENUM(name, kind, str, desc) XLB_DECAP_STAT_##name,
	XLB_DECAP_STATS(XLB_DSTAT_ENUM)
#undef XLB_DSTAT_ENUM
	XLB_DECAP_STAT_MAX
};

/* ---- Map keys and values ------------------------------------------------- */

/* xlb_vip_addrs key, decap_addrs key: one address. */
struct xlb_addr {
	__u8	addr[16];	/* IPv4 as ::ffff:a.b.c.d */
};
_Static_assert(sizeof(struct xlb_addr) == 16, "xlb_addr ABI");

/* xlb_vips key. */
struct xlb_vip_key {
	__u8	addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	__be16	port;
	__u8	proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8	pad;		/* must be zero: part of the hash key */
};
_Static_assert(sizeof(struct xlb_vip_key) == 20, "xlb_vip_key ABI");

#define XLB_VIP_F_V6		(1U << 0)	/* address is IPv6 */

/* xlb_vips value. The data plane reads id, sched and flags; single-field
 * writes (sched) are atomic; the ring itself is swapped through xlb_rings. */
struct xlb_vip {
	__u32	id;		/* index into xlb_rings, xlb_vip_stats, xlb_rr */
	__u32	ring_size;	/* configured ring size (the live ring carries its own) */
	__u8	sched;		/* enum xlb_sched */
	__u8	flags;		/* XLB_VIP_F_* */
	__u16	pad0;
	__u32	pad1;
};
_Static_assert(sizeof(struct xlb_vip) == 16, "xlb_vip ABI");

#define XLB_BACKEND_F_VALID	(1U << 0)	/* id in use; clear = deleted */
#define XLB_BACKEND_F_V6	(1U << 1)	/* address is IPv6 */
#define XLB_BACKEND_F_MULTIPATH	(1U << 2)	/* route has several next hops: the fib
						 * picks per flow, so no next-hop cache */

/*
 * xlb_backends value, indexed by backend id. addr and vip_id never change for
 * the life of an id; flags is one aligned 32-bit word, so the data plane sees
 * either the old or the new value. weight and state are for user space (the
 * ring already reflects them). Ids are not reused while a connection-table
 * entry may still point at them.
 */
struct xlb_backend {
	__u8	addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	__u32	vip_id;		/* owning VIP */
	__u32	flags;		/* XLB_BACKEND_F_* */
	__u16	weight;		/* 0..XLB_WEIGHT_MAX */
	__u8	state;		/* enum xlb_backend_state */
	__u8	pad0;
	__u32	pad1;
};
_Static_assert(sizeof(struct xlb_backend) == 32, "xlb_backend ABI");

/* xlb_conns key: the flow as the client sent it (src = client). */
struct xlb_flow {
	__u8	src[16];
	__u8	dst[16];
	__be16	sport;
	__be16	dport;
	__u8	proto;
	__u8	pad[3];		/* must be zero: part of the hash key */
};
_Static_assert(sizeof(struct xlb_flow) == 40, "xlb_flow ABI");

/* xlb_conns value. */
struct xlb_conn {
	__u32	backend_id;
	__u32	vip_id;
};
_Static_assert(sizeof(struct xlb_conn) == 8, "xlb_conn ABI");

/*
 * xlb_config value (single entry, index 0): runtime settings.
 * Outer source address of the encapsulation, chosen per flow so that
 * backends spread flows over their RX queues (RSS hashes the outer header):
 *   IPv4: encap_src4[0..1] . ((ntohl(client4) ^ ntohs(client_port)) & 0xffff)
 *   IPv6: encap_src6[0..11] . (ntohl(client6[12..15]) ^ ntohs(client_port))
 */
struct xlb_config {
	__u8	encap_src6[16];	/* /96 prefix; low 32 bits replaced per flow */
	__u8	encap_src4[4];	/* /16 prefix; low 16 bits replaced per flow */
	__u32	new_flow_limit;	/* per CPU and second, new flows inserted at most
				 * (the rest are forwarded by the ring without an
				 * entry: a SYN flood cannot evict the
				 * established flows); 0: no limit. Was a zero
				 * reserved field: old state reads as no limit. */
};
_Static_assert(sizeof(struct xlb_config) == 24, "xlb_config ABI");

/* Per-CPU window of the new-flow limit (an unpinned map of each program). */
struct xlb_flood {
	__u64	window_start;	/* bpf_ktime_get_ns() of the current second */
	__u64	inserted;	/* new flows inserted in it */
};
_Static_assert(sizeof(struct xlb_flood) == 16, "xlb_flood ABI");

/* xlb_stats value (per CPU), indexed by enum xlb_stat; also decap_stats. */
struct xlb_counter {
	__u64	packets;
	__u64	bytes;		/* L2 frame length as received */
};
_Static_assert(sizeof(struct xlb_counter) == 16, "xlb_counter ABI");

/* xlb_vip_stats value (per CPU), indexed by vip id. */
struct xlb_vip_stats {
	__u64	packets;	/* every packet matched to the VIP */
	__u64	bytes;
	__u64	new_flows;	/* flows scheduled, plus SYNs reusing an entry */
	__u64	drops;		/* packets of the VIP dropped, any reason */
};
_Static_assert(sizeof(struct xlb_vip_stats) == 32, "xlb_vip_stats ABI");

/* xlb_be_stats value (per CPU), indexed by backend id. */
struct xlb_backend_stats {
	__u64	packets;	/* packets forwarded to the backend */
	__u64	bytes;
	__u64	new_flows;
};
_Static_assert(sizeof(struct xlb_backend_stats) == 24, "xlb_backend_stats ABI");

/*
 * xlb_nh_cache value (per CPU, BPF-internal, not pinned), indexed by backend
 * id: the result of the last successful bpf_fib_lookup() toward the backend.
 * It is used only while it matches the query it answered (backend address,
 * ingress device, IPv4 TOS), before it expires, and for outer packets of at
 * most mtu bytes; anything else does the real lookup again. A route or
 * neighbour change therefore takes effect within XLB_NH_CACHE_TTL_NS.
 * The clock is bpf_jiffies64() (~1 ns; bpf_ktime_get_coarse_ns() costs
 * ~17 ns on 6.18): the TTL is XLB_NH_CACHE_TTL_JIFFIES, which is
 * XLB_NH_CACHE_TTL_NS at the lowest CONFIG_HZ (100) and shorter at higher HZ.
 */
#define XLB_NH_CACHE_TTL_NS	1000000000ULL	/* staleness bound: 1 s */
#define XLB_NH_CACHE_HZ_MIN	100
#define XLB_NH_CACHE_TTL_JIFFIES (XLB_NH_CACHE_TTL_NS * XLB_NH_CACHE_HZ_MIN / 1000000000ULL)

struct xlb_nh {
	__u8	backend[16];	/* backend address the entry answers for */
	__u64	expires;	/* bpf_jiffies64() deadline; 0: empty */
	__u32	ingress_ifindex; /* query: ingress device */
	__u32	ifindex;	/* egress device */
	__u8	dmac[6];	/* next hop's MAC */
	__u8	smac[6];	/* egress device's MAC */
	__u16	mtu;		/* outer packets up to this length fit */
	__u8	tos;		/* query: IPv4 TOS (0 for IPv6) */
	__u8	pad0;
};
_Static_assert(sizeof(struct xlb_nh) == 48, "xlb_nh ABI");

/*
 * xlb_vip_filter value (ARRAY of XLB_VIP_FILTER_SLOTS __u32), indexed by
 * xlb_vip_filter_slot(): how many xlb_vip_addrs entries map to the slot.
 * A cheap exact-superset pre-filter before the xlb_vips hash lookup: a
 * zero slot means no VIP has this address. User space raises a slot before
 * the first VIP on an address is added and lowers it after the last one is
 * deleted, so every VIP address always finds a nonzero slot.
 */
#define XLB_VIP_FILTER_SLOTS	4096	/* power of two; 16 KiB */

/* Returns the xlb_vip_filter slot of a 16-byte address given as its four
 * 32-bit words in memory order. */
static inline __u32 xlb_vip_filter_slot(__u32 w0, __u32 w1, __u32 w2, __u32 w3)
{
	__u32 h = w0 ^ w1 ^ w2 ^ w3;

	h ^= h >> 16;
	return (h ^ (h >> 8)) & (XLB_VIP_FILTER_SLOTS - 1);
}

#endif /* XLB_ABI_H */
