/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The packet tests' network: a private network namespace (unshare, so it
 * vanishes with the process whatever happens) with veth pairs toward the
 * client side and several backend subnets. bpf_fib_lookup() in test_run
 * resolves in this namespace.
 *
 *   subnet S  device  IPv4            IPv6          MTU   permanent neighbours
 *   0         xin0    198.18.0.1/24   fd00::1/64    1500  .50 / ::50 (ingress = egress: XDP_TX)
 *   1         xbe0    198.18.1.1/24   fd00:1::1/64  1500  .10-.19 / ::10-::19
 *   2         xnn0    198.18.2.1/24   fd00:2::1/64  1500  none (DROP_NO_NEIGH)
 *   3         xmt0    198.18.3.1/24   fd00:3::1/64  1400  .10 / ::10 (too big)
 *   4         xnr0    198.18.4.1/24   fd00:4::1/64  1500  .10 / ::10 (route turned blackhole)
 *   5         xsm0    198.18.5.1/24   fd00:5::1/64  1300  .10 / ::10 (IPv6 MTU floor 1280)
 *   6         xdc0    198.18.6.1/24   fd00:6::1/64  1500  none (decap program tests)
 *
 * Device of subnet S has MAC 02:00:00:00:0S:01; the neighbour with last
 * address byte H has 02:be:0S:00:00:HH (IPv6: 02:be:6S:00:00:HH).
 */
#ifndef XLB_PKT_ENV_H
#define XLB_PKT_ENV_H

#include "th.h"

#define ENV_SUBNETS	7
#define VIP4		"198.18.0.10"
#define VIP6		"fd00::10"
#define CLIENT4		"198.18.0.100"
#define CLIENT6		"fd00::100"

extern int env_ifindex[ENV_SUBNETS];
extern const char *const env_dev[ENV_SUBNETS];
extern const uint8_t MAC_CLIENT[6], MAC_LB[6];
extern const struct xlb_config env_cfg;

/* 0, or 77 (skip) with the reason printed. */
int env_setup(void);
int env_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void env_dev_mac(int subnet, uint8_t mac[6]);
void env_nbr_mac(const char *addr, uint8_t mac[6]);
int env_subnet_of(const char *addr);

/* Restore permanent neighbours after each backend add (default on). */
/* th_begin + th_open + our encap config; ingress = xin0. */
int env_open(struct th *t, const char *name);
/* Expected frame of in forwarded to backend index be (README encap). */
size_t env_exp_fwd(struct th *t, int be, const uint8_t *in, size_t len, uint8_t *out);
/* TCP/UDP frame from a client to a VIP, with the tests' usual fields; TCP
 * ones are a SYN (a connection's first packet). */
size_t env_frame(uint8_t *b, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint8_t proto, size_t paylen);
/* The same with the given TCP flags (PKT_TCP_*, never 0: the builder reads 0
 * as SYN), e.g. PKT_TCP_ACK for a packet of an established connection. */
size_t env_frame_flags(uint8_t *b, const char *src, uint16_t sport, const char *dst,
		       uint16_t dport, uint8_t proto, uint8_t tcp_flags, size_t paylen);

/* ICMP error from a router to a VIP about the backend's reply (src VIP:vport,
 * dst CLIENT: 40000 for TCP, 5353 for UDP); quote = IP header + qextra bytes. */
size_t env_icmp_err(uint8_t *b, const char *vip, uint16_t vport, uint8_t proto,
		    uint8_t type, uint8_t code, size_t qextra);

/* Suites. */
void run_table_cases(void);
void run_flow_cases(void);
void run_sched_cases(void);
void run_trunc_cases(void);
void run_decap_cases(void);
void run_upgrade_cases(void);
void run_lib_cases(void);
void run_fwd_cases(void);

#endif /* XLB_PKT_ENV_H */
