/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Helpers shared by the benchmark tools (header-only: the Makefile builds
 * one binary per tools/bench/<name>.c). A private network namespace with the
 * balancer's device and permanent neighbours for every backend (so that
 * bpf_fib_lookup() in test_run or on the wire succeeds), a private
 * unpinned xlb configured through libxlb, flow numbering shared with
 * bench.bpf.c, frames, and statistics.
 *
 * Addresses (all in 198.18.0.0/15 and fd00::/8):
 *   VIPs        198.18.0.10 (tcp 80, udp 53), fd00::10 (tcp 80); extra VIPs
 *               198.18.2.x / ports 1000.. (scale of VIPs)
 *   backend k   198.18.(16 + k / 256).(k % 256), fd00::1:k   (k = 1..)
 *               neighbour MAC 02:be:00:00:(k / 256):(k % 256)
 *   client of flow i  198.19.(i >> 23 & 0xff).(i >> 15 & 0xff), port 1024 + (i & 0x7fff)
 */
#ifndef XLB_BENCHLIB_H
#define XLB_BENCHLIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb.h"
#include "pkt.h"
#include "netns.h"
#include "bench.h"

#define BL_VIP4		"198.18.0.10"
#define BL_VIP6		"fd00::10"
#define BL_MAX_BE	4000

static const uint8_t bl_mac_client[6] = { 0x02, 0xc1, 0, 0, 0, 0x01 };
static const uint8_t bl_mac_lb[6] = { 0x02, 0x1b, 0, 0, 0, 0x01 };

static inline double bl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline int bl_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

static inline void bl_be_text(int k, int v6, char *buf, size_t len)
{
	if (v6)
		snprintf(buf, len, "fd00::1:%x", k);
	else
		snprintf(buf, len, "198.18.%d.%d", 16 + k / 256, k % 256);
}

/*
 * Enter a private network namespace (it vanishes with the process, veths
 * and attached programs included, whatever happens) and create the veth
 * pair lb/peer: lb carries 198.18.0.1/16 and fd00::1/64, so backends'
 * egress is lb itself (XDP_TX). queues: rx/tx queues of the pair.
 * Returns 0, 77 (cannot: skip) or -1.
 */
static inline int bl_netns(const char *lb, const char *peer, int queues)
{
	FILE *ip;
	int rc;

	rc = tl_netns_begin("benchmarks", &ip);
	if (rc)
		return rc == 77 ? 77 : -1;
	fprintf(ip, "link add %s numtxqueues %d numrxqueues %d address 02:1b:00:00:00:01 "
		"type veth peer name %s numtxqueues %d numrxqueues %d address 02:1b:00:00:00:02\n",
		lb, queues, queues, peer, queues, queues);
	fprintf(ip, "link set %s up\nlink set %s up\n", lb, peer);
	fprintf(ip, "addr add 198.18.0.1/16 dev %s\n", lb);
	fprintf(ip, "addr add fd00::1/64 dev %s nodad\n", lb);
	return tl_netns_end(ip) ? -1 : 0;
}

/*
 * Permanent neighbours for backends 1..nbe on dev. Call it after the
 * backends are added: xlb_backend_add() asks the kernel to resolve the next
 * hop (RTM_NEWNEIGH, NTF_USE), which on Linux 6.18 turns an existing
 * permanent entry into an INCOMPLETE one (seen: drop_no_neigh).
 */
static inline int bl_neigh(const char *dev, int nbe)
{
	char be[64];
	FILE *ip;
	int k;

	ip = popen("ip -batch -", "w");
	if (!ip)
		return -1;
	for (k = 1; k <= nbe && k <= BL_MAX_BE; k++) {
		bl_be_text(k, 0, be, sizeof(be));
		fprintf(ip, "neigh replace %s lladdr 02:be:00:00:%02x:%02x dev %s nud permanent\n",
			be, k / 256, k % 256, dev);
		bl_be_text(k, 1, be, sizeof(be));
		fprintf(ip, "neigh replace %s lladdr 02:be:00:00:%02x:%02x dev %s nud permanent\n",
			be, k / 256, k % 256, dev);
	}
	if (pclose(ip)) {
		printf("Error: adding permanent neighbours failed\n");
		return -1;
	}
	return 0;
}

static inline void bl_log(enum xlb_log_level level, const char *fmt, va_list ap)
{
	if (level == XLB_LOG_WARN)
		vfprintf(stderr, fmt, ap);
}

/* A private, unpinned balancer with the default encap config. */
static inline struct xlb *bl_xlb_open(__u32 conn_max)
{
	struct xlb_open_opts o = { .mode = XLB_OPEN_UNPINNED, .conn_max = conn_max };
	struct xlb_config cfg = { .encap_src4 = XLB_ENCAP_SRC4_DEFAULT,
				  .encap_src6 = XLB_ENCAP_SRC6_DEFAULT };
	struct xlb *x;
	int err;

	xlb_set_log(bl_log);
	err = xlb_open(&x, &o);
	if (err) {
		printf("Error: xlb_open(UNPINNED): %s\n", xlb_open_errmsg());
		return NULL;
	}
	if (xlb_config_set(x, &cfg)) {
		printf("Error: xlb_config_set: %s\n", xlb_errmsg(x));
		xlb_close(x);
		return NULL;
	}
	return x;
}

/* VIP proto addr:port with backends first..first+n-1; ids[] gets their ids
 * (may be NULL). Returns the VIP id or -1. */
static inline int bl_vip(struct xlb *x, const char *proto, const char *addr, int port,
			 __u32 ring, int first, int n, __u32 *ids, struct xlb_vip_key *key_out)
{
	struct xlb_vip_key key;
	struct xlb_vip_info info;
	struct xlb_addr a;
	char ap[96], be[64];
	int k, v6 = strchr(addr, ':') != NULL;

	snprintf(ap, sizeof(ap), v6 ? "[%s]:%d" : "%s:%d", addr, port);
	if (xlb_parse_vip(proto, ap, &key) ||
	    xlb_vip_add(x, &key, XLB_SCHED_MAGLEV, ring)) {
		printf("Error: vip %s %s: %s\n", proto, ap, xlb_errmsg(x));
		return -1;
	}
	for (k = 0; k < n; k++) {
		__u32 id;

		bl_be_text(first + k, v6, be, sizeof(be));
		if (xlb_parse_addr(be, &a) ||
		    xlb_backend_add(x, &key, &a, XLB_WEIGHT_DEFAULT, XLB_BACKEND_ACTIVE, &id)) {
			printf("Error: backend %s: %s\n", be, xlb_errmsg(x));
			return -1;
		}
		if (ids)
			ids[k] = id;
	}
	if (xlb_vip_get(x, &key, &info)) {
		printf("Error: vip get: %s\n", xlb_errmsg(x));
		return -1;
	}
	if (key_out)
		*key_out = key;
	return (int)info.id;
}

/* Flow number i (see bench.bpf.c) as the xlb_conns key, toward vip4:port. */
static inline void bl_flow(__u32 i, const char *vip4, int port, __u8 proto, struct xlb_flow *f)
{
	struct xlb_addr a;

	memset(f, 0, sizeof(*f));
	f->src[10] = 0xff;
	f->src[11] = 0xff;
	f->src[12] = 198;
	f->src[13] = 19;
	f->src[14] = (i >> 23) & 0xff;
	f->src[15] = (i >> 15) & 0xff;
	xlb_parse_addr(vip4, &a);
	memcpy(f->dst, a.addr, 16);
	f->sport = htons(1024 + (i & 0x7fff));
	f->dport = htons(port);
	f->proto = proto;
}

/* Insert flows 0..n-1 of vip4:port, spread over backend ids[0..nids-1]. */
static inline int bl_preload(struct xlb *x, const char *vip4, int port, __u32 vip_id,
			     const __u32 *ids, int nids, __u32 n)
{
	struct xlb_flow f;
	struct xlb_conn c = { .vip_id = vip_id };
	__u32 i;

	for (i = 0; i < n; i++) {
		bl_flow(i, vip4, port, 6, &f);
		c.backend_id = ids[i % nids];
		if (xlb_conn_insert(x, &f, &c)) {
			printf("Error: preload flow %u: %s\n", i, xlb_errmsg(x));
			return -1;
		}
	}
	return 0;
}

/* Frame from client flow 0 (198.19.0.0:1024) to dst:dport (family of dst). */
static inline size_t bl_frame(uint8_t *b, const char *dst, int dport, uint8_t proto,
			      uint8_t flags, size_t paylen)
{
	int v6 = strchr(dst, ':') != NULL;
	struct pkt_flow f = {
		.smac = bl_mac_client,
		.dmac = bl_mac_lb,
		.ip = { .src = v6 ? "fd00::100" : "198.19.0.0", .dst = dst, .proto = proto,
			.ttl = 61, .frag = PKT_DF, .id = 0x1234 },
		.sport = 1024,
		.dport = dport,
		.tcp_flags = flags,
		.seq = 0x11223344,
		.paylen = paylen,
	};

	return pkt_frame(b, &f);
}

static inline int bl_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v in place. */
static inline double bl_median(double *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, n, sizeof(*v), bl_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline double bl_min(const double *v, int n)
{
	double m = n ? v[0] : 0;
	int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/* Machine line for the tables. */
static inline void bl_machine(FILE *f)
{
	char model[256] = "?", line[512];
	FILE *c = fopen("/proc/cpuinfo", "r");
	FILE *u;

	while (c && fgets(line, sizeof(line), c)) {
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');

			if (p) {
				snprintf(model, sizeof(model), "%s", p + 2);
				model[strcspn(model, "\n")] = 0;
			}
			break;
		}
	}
	if (c)
		fclose(c);
	u = popen("uname -r", "r");
	line[0] = 0;
	if (u) {
		if (!fgets(line, sizeof(line), u))
			line[0] = 0;
		pclose(u);
	}
	line[strcspn(line, "\n")] = 0;
	fprintf(f, "machine: %s, %ld CPUs, Linux %s\n", model, sysconf(_SC_NPROCESSORS_ONLN), line);
}

static inline void bl_cmdline(FILE *f, int argc, char **argv)
{
	int i;

	fprintf(f, "command:");
	for (i = 0; i < argc; i++)
		fprintf(f, " %s", argv[i]);
	fprintf(f, "\n");
}

#endif /* XLB_BENCHLIB_H */
