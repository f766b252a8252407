// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktcost: per-packet cost of xlb_ingress with BPF_PROG_TEST_RUN, as ratios
 * to two floors measured in the same run (XDP_DROP, and a minimal
 * parse + IPIP encap + XDP_TX program).
 *
 * Every program, floors included, runs through bench_wrap (bench.bpf.c),
 * which restores the original frame before each iteration and tail-calls
 * the program under test: test_run's repeat never resets the buffer.
 * The new-flow path gets a new flow every iteration (the wrapper writes
 * a per-CPU counter into the client address and port), so each one is a
 * real miss, Maglev pick and insert; the conn_new counter is checked to
 * have grown by exactly the repeat count. Every timed run of xlb is
 * checked the same way (final reason and event counters += repeat).
 *
 * Each case is first run with repeat=1 and checked (verdict, output
 * length, outer header), then with repeat=5 and compared with the
 * repeat=1 output: equal bytes prove the wrapper restores the frame.
 * Timing: rounds interleave all cases; the kernel's per-run duration
 * (ns per iteration) is kept; min and median over rounds are reported.
 *
 *   pktcost [-r ROUNDS] [-n REPEAT] [-s paths,scale] [-q]
 */
#include <getopt.h>

#include "benchlib.h"
#include "bench.skel.h"

#define MAX_CASES	32
#define MAX_ROUNDS	101
#define LB_DEV		"xbpc0"
#define LB_PEER		"xbpc1"

enum { F_NONE = -1, F_DROP, F_ENCAP };

struct bcase {
	const char *name;
	const char *section;
	const char *what;
	int floor;			/* ratio against; F_NONE for the floors */
	struct bench_bpf *w;
	struct xlb *x;			/* NULL: a floor */
	uint8_t frame[PKT_MAX];
	size_t len;
	__u32 verdict;
	int reason, event;		/* XLB_STAT_* expected += repeat, or -1 */
	int slack;			/* event may fall short by this much, the rest
					 * being conn_new (new-flow limit windows) */
	size_t outlen;			/* expected output length */
	int outer;			/* 4/6: output is IPIP/IP6IP6; 1: ICMP too big */
	int mode;
	double ns[MAX_ROUNDS];
	int n;
	int bad;			/* counter check failures */
};

static struct bcase cases[MAX_CASES];
static int ncases, ifindex, verbose = 1;
static int fails;

static void check(bool ok, const char *c, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	fails++;
	printf("  FAIL %s: ", c);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static struct bcase *add_case(const char *section, const char *name, const char *what,
			      int floor, int target_fd, struct xlb *x, const uint8_t *frame,
			      size_t len, __u32 verdict, int reason, int event, int head_undo,
			      int mode, __u32 nflows)
{
	struct bcase *c;
	__u32 zero = 0;
	int err;

	if (ncases == MAX_CASES || target_fd < 0)
		return NULL;
	c = &cases[ncases];
	memset(c, 0, sizeof(*c));
	c->section = section;
	c->name = name;
	c->what = what;
	c->floor = floor;
	c->x = x;
	memcpy(c->frame, frame, len);
	c->len = len;
	c->verdict = verdict;
	c->reason = reason;
	c->event = event;
	c->mode = mode;
	c->w = bench_bpf__open_and_load();
	if (!c->w) {
		printf("Error: loading bench.bpf.o: %s\n", strerror(errno));
		return NULL;
	}
	c->w->bss->cfg.orig_len = len;
	c->w->bss->cfg.head_undo = head_undo;
	c->w->bss->cfg.copy_len = len >= BENCH_TMPL_MAX ? BENCH_TMPL_MAX : len & ~7UL;
	c->w->bss->cfg.mode = mode;
	c->w->bss->cfg.nflows = nflows;
	memcpy(c->w->bss->tmpl, frame, len < BENCH_TMPL_MAX ? len : BENCH_TMPL_MAX);
	err = bpf_map_update_elem(bpf_map__fd(c->w->maps.bench_jmp), &zero, &target_fd, BPF_ANY);
	if (err) {
		printf("Error: %s: tail-call slot: %s\n", name, strerror(errno));
		bench_bpf__destroy(c->w);
		return NULL;
	}
	ncases++;
	return c;
}

static int run(struct bcase *c, int repeat, uint8_t *out, size_t *outlen, __u32 *verdict,
	       double *ns)
{
	struct xdp_md ctx = { .data = 0, .data_end = c->len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = c->frame,
		.data_size_in = c->len,
		.data_out = out,
		.data_size_out = PKT_MAX,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
	);

	if (bpf_prog_test_run_opts(bpf_program__fd(c->w->progs.bench_wrap), &o))
		return -errno;
	*verdict = o.retval;
	*outlen = o.data_size_out;
	*ns = o.duration;
	return 0;
}

static int stats(struct xlb *x, struct xlb_counter *s)
{
	if (!x)
		return 0;
	if (xlb_stats_global(x, s)) {
		printf("Error: reading counters: %s\n", xlb_errmsg(x));
		return -1;
	}
	return 0;
}

/* Counter deltas of one run of c with the given repeat. */
static void check_counters(struct bcase *c, const struct xlb_counter *a,
			   const struct xlb_counter *b, __u64 repeat)
{
	__u64 dr, de;

	if (!c->x)
		return;
	if (c->reason >= 0) {
		dr = b[c->reason].packets - a[c->reason].packets;
		if (dr != repeat) {
			int k;

			c->bad++;
			check(false, c->name, "%s grew by %llu, expected %llu",
			      xlb_stat_name(c->reason), (unsigned long long)dr,
			      (unsigned long long)repeat);
			for (k = 0; k < XLB_STAT_MAX; k++)
				if (b[k].packets != a[k].packets)
					printf("    %s +%llu\n", xlb_stat_name(k),
					       (unsigned long long)(b[k].packets - a[k].packets));
		}
	}
	if (c->event >= 0 && c->slack) {
		__u64 dn = b[XLB_STAT_EV_CONN_NEW].packets - a[XLB_STAT_EV_CONN_NEW].packets;

		de = b[c->event].packets - a[c->event].packets;
		if (de + dn != repeat || de + c->slack < repeat) {
			c->bad++;
			check(false, c->name, "%s grew by %llu and conn_new by %llu, expected %llu "
			      "(at most %d of them conn_new)", xlb_stat_name(c->event),
			      (unsigned long long)de, (unsigned long long)dn,
			      (unsigned long long)repeat, c->slack);
		}
	} else if (c->event >= 0) {
		de = b[c->event].packets - a[c->event].packets;
		if (de != repeat) {
			c->bad++;
			check(false, c->name, "%s grew by %llu, expected %llu",
			      xlb_stat_name(c->event), (unsigned long long)de,
			      (unsigned long long)repeat);
		}
	}
}

static bool be_addr(const uint8_t *a, int v6)
{
	if (v6)	/* fd00::1:k */
		return a[0] == 0xfd && a[1] == 0 && a[12] == 0 && a[13] == 0x01;
	return a[0] == 198 && a[1] == 18 && a[2] >= 16;
}

/* repeat=1 then repeat=5: verdict, output, restore. */
static void verify(struct bcase *c)
{
	static uint8_t o1[PKT_MAX], o5[PKT_MAX];
	struct xlb_counter s0[XLB_STAT_MAX], s1[XLB_STAT_MAX];
	size_t l1, l5;
	__u32 v1, v5;
	double ns;
	int err;

	/* warm-up: an established path inserts its flow here */
	err = run(c, 1, o1, &l1, &v1, &ns);
	check(!err, c->name, "test_run: %s", strerror(-err));
	if (stats(c->x, s0))
		return;
	err = run(c, 1, o1, &l1, &v1, &ns);
	check(!err, c->name, "test_run: %s", strerror(-err));
	if (err || stats(c->x, s1))
		return;
	check_counters(c, s0, s1, 1);
	check(v1 == c->verdict, c->name, "verdict %u, expected %u", v1, c->verdict);
	check(l1 == c->outlen, c->name, "output %zu bytes, expected %zu", l1, c->outlen);
	if (c->outer == 4 && l1 >= 34)
		check(o1[12] == 0x08 && o1[13] == 0 && o1[23] == 4 && be_addr(o1 + 30, 0),
		      c->name, "output is not IPIP to a backend");
	if (c->outer == 6 && l1 >= 54)
		check(o1[12] == 0x86 && o1[13] == 0xdd && o1[20] == 41 && be_addr(o1 + 38, 1),
		      c->name, "output is not IP6IP6 to a backend");
	if (c->outer == 1 && l1 >= 36)
		check(o1[23] == 1 && o1[34] == 3 && o1[35] == 4, c->name,
		      "output is not ICMP frag-needed");
	err = run(c, 5, o5, &l5, &v5, &ns);
	check(!err, c->name, "test_run repeat=5: %s", strerror(-err));
	check(v5 == v1 && l5 == l1, c->name, "repeat=5 gives verdict %u, %zu bytes; repeat=1 %u, %zu",
	      v5, l5, v1, l1);
	if (c->mode == BENCH_MODE_FIXED && l5 == l1)
		check(!memcmp(o1, o5, l1), c->name,
		      "repeat=5 output differs from repeat=1: the frame was not restored");
	if (verbose)
		printf("  verified %-14s verdict %u, %zu -> %zu bytes\n", c->name, v1, c->len, l1);
}

static void timed(struct bcase *c, int repeat)
{
	static uint8_t out[PKT_MAX];
	struct xlb_counter s0[XLB_STAT_MAX], s1[XLB_STAT_MAX];
	size_t l;
	__u32 v;
	double ns;
	int err;

	if (stats(c->x, s0))
		return;
	err = run(c, repeat, out, &l, &v, &ns);
	if (err) {
		check(false, c->name, "test_run: %s", strerror(-err));
		return;
	}
	if (stats(c->x, s1))
		return;
	check_counters(c, s0, s1, repeat);
	check(v == c->verdict, c->name, "timed run verdict %u, expected %u", v, c->verdict);
	c->ns[c->n++] = ns;
}

/* ---- setup ------------------------------------------------------------ */

struct inst {
	struct xlb *x;
	int fd;
	__u32 vid;
	__u32 ids[1000];
};

/* conn_max 0: the default table size. */
static int inst_open(struct inst *in, __u32 conn_max)
{
	memset(in, 0, sizeof(*in));
	in->x = bl_xlb_open(conn_max);
	if (!in->x)
		return -1;
	in->fd = xlb_prog_fd(in->x);
	return 0;
}

/* One IPv4 TCP VIP (198.18.0.10:80) with nbe backends and n flows preloaded. */
static int inst_scale(struct inst *in, int nbe, __u32 nflows, int extra_vips)
{
	char a[32];
	int j, v;

	if (inst_open(in, 0))
		return -1;
	v = bl_vip(in->x, "tcp", BL_VIP4, 80, 0, 1, nbe, in->ids, NULL);
	if (v < 0)
		return -1;
	in->vid = v;
	for (j = 0; j < extra_vips; j++) {
		snprintf(a, sizeof(a), "198.18.3.%d", j % 250 + 1);
		if (bl_vip(in->x, "tcp", a, 1000 + j / 250, 1021, 1 + j % 1000, 1, NULL, NULL) < 0)
			return -1;
	}
	return bl_preload(in->x, BL_VIP4, 80, in->vid, in->ids, nbe, nflows);
}

int main(int argc, char **argv)
{
	static uint8_t f[PKT_MAX];
	const char *sections = "paths,scale";
	int rounds = 11, repeat = 500000, opt, r, i, rc;
	bool do_paths, do_scale;
	struct bench_bpf *floors;
	struct inst base, newf, newp2, newl, s1k, s100k, s1m, b100, b1000, v500;
	struct xlb_config xc;
	double med[MAX_CASES], mn[MAX_CASES], floor_med[2] = { 0, 0 }, t0;
	size_t len, big;
	struct bcase *c;

	while ((opt = getopt(argc, argv, "r:n:s:qh")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			repeat = atoi(optarg);
			break;
		case 's':
			sections = optarg;
			break;
		case 'q':
			verbose = 0;
			break;
		default:
			fprintf(stderr, "usage: %s [-r ROUNDS] [-n REPEAT] [-s paths,scale] [-q]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || repeat < 1) {
		fprintf(stderr, "rounds 1..%d, repeat >= 1\n", MAX_ROUNDS);
		return 2;
	}
	do_paths = strstr(sections, "paths") != NULL;
	do_scale = strstr(sections, "scale") != NULL;

	rc = bl_netns(LB_DEV, LB_PEER, 1);
	if (rc)
		return rc == 77 ? 77 : 1;
	ifindex = if_nametoindex(LB_DEV);
	floors = bench_bpf__open_and_load();
	if (!floors) {
		printf("Error: loading bench.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	t0 = bl_now();

	/* The floors: same frame as the established TCP path. */
	len = bl_frame(f, BL_VIP4, 80, 6, PKT_TCP_ACK, 0);
	c = add_case("floor", "floor_drop", "XDP_DROP", F_NONE,
		     bpf_program__fd(floors->progs.floor_drop), NULL, f, len, XDP_DROP, -1, -1,
		     0, BENCH_MODE_FIXED, 0);
	if (!c)
		return 1;
	c->outlen = len;
	c = add_case("floor", "floor_encap", "parse Eth/IPv4/TCP + IPIP + csum + XDP_TX",
		     F_NONE, bpf_program__fd(floors->progs.floor_encap), NULL, f, len, XDP_TX, -1,
		     -1, 20, BENCH_MODE_FIXED, 0);
	if (!c)
		return 1;
	c->outlen = len + 20;
	c->outer = 4;
	c = add_case("floor", "encap_fib", "floor_encap + bpf_fib_lookup (reference)",
		     F_ENCAP, bpf_program__fd(floors->progs.floor_encap_fib), NULL, f, len, XDP_TX,
		     -1, -1, 20, BENCH_MODE_FIXED, 0);
	if (!c)
		return 1;
	c->outlen = len + 20;
	c->outer = 4;

	if (do_paths) {
		/* New flows meet a full table, as on a busy balancer (every
		 * insert evicts): the default size, and 2^21 entries, whose
		 * bucket count equals its size (chains twice as long when full). */
		if (inst_open(&base, 0) || inst_open(&newf, 0) || inst_open(&newp2, 1U << 21) ||
		    inst_open(&newl, 0))
			return 1;
		if (bl_vip(base.x, "tcp", BL_VIP4, 80, 0, 1, 10, NULL, NULL) < 0 ||
		    bl_vip(base.x, "udp", BL_VIP4, 53, 0, 11, 10, NULL, NULL) < 0 ||
		    bl_vip(base.x, "tcp", BL_VIP6, 80, 0, 21, 10, NULL, NULL) < 0 ||
		    (rc = bl_vip(newf.x, "tcp", BL_VIP4, 80, 0, 1, 10, newf.ids, NULL)) < 0 ||
		    bl_preload(newf.x, BL_VIP4, 80, rc, newf.ids, 10, XLB_MAX_CONNS) ||
		    (rc = bl_vip(newp2.x, "tcp", BL_VIP4, 80, 0, 1, 10, newp2.ids, NULL)) < 0 ||
		    bl_preload(newp2.x, BL_VIP4, 80, rc, newp2.ids, 10, 1U << 21) ||
		    (rc = bl_vip(newl.x, "tcp", BL_VIP4, 80, 0, 1, 10, newl.ids, NULL)) < 0 ||
		    bl_preload(newl.x, BL_VIP4, 80, rc, newl.ids, 10, XLB_MAX_CONNS) ||
		    xlb_config_get(newl.x, &xc))
			return 1;
		xc.new_flow_limit = 1;	/* a flood: all but one per second not inserted */
		if (xlb_config_set(newl.x, &xc))
			return 1;

		len = bl_frame(f, BL_VIP4, 80, 6, PKT_TCP_SYN, 0);
		c = add_case("paths", "tcp_new", "new TCP flow (miss, Maglev, insert; full table)",
			     F_ENCAP, newf.fd, newf.x, f, len, XDP_TX, XLB_STAT_TX_FORWARD,
			     XLB_STAT_EV_CONN_NEW, 20, BENCH_MODE_UNIQUE, 0);
		if (!c)
			return 1;
		c->outlen = len + 20;
		c->outer = 4;
		c = add_case("paths", "tcp_new_flood", "the same over conn limit (SYN flood: no insert)",
			     F_ENCAP, newl.fd, newl.x, f, len, XDP_TX, XLB_STAT_TX_FORWARD,
			     XLB_STAT_EV_CONN_NOT_INSERTED, 20, BENCH_MODE_UNIQUE, 0);
		if (!c)
			return 1;
		c->outlen = len + 20;
		c->outer = 4;
		c->slack = 4;	/* one insert per second and CPU */
		c = add_case("paths", "tcp_new_2p21", "the same, table of 2^21 entries (load factor 1)",
			     F_ENCAP, newp2.fd, newp2.x, f, len, XDP_TX, XLB_STAT_TX_FORWARD,
			     XLB_STAT_EV_CONN_NEW, 20, BENCH_MODE_UNIQUE, 0);
		if (!c)
			return 1;
		c->outlen = len + 20;
		c->outer = 4;

		len = bl_frame(f, BL_VIP4, 80, 6, PKT_TCP_ACK, 0);
		c = add_case("paths", "tcp_est", "established TCP (LRU hit)", F_ENCAP, base.fd,
			     base.x, f, len, XDP_TX, XLB_STAT_TX_FORWARD, XLB_STAT_EV_CONN_HIT, 20,
			     BENCH_MODE_FIXED, 0);
		if (!c)
			return 1;
		c->outlen = len + 20;
		c->outer = 4;

		len = bl_frame(f, BL_VIP4, 53, 17, 0, 0);
		c = add_case("paths", "udp_est", "UDP, known flow", F_ENCAP, base.fd, base.x, f,
			     len, XDP_TX, XLB_STAT_TX_FORWARD, XLB_STAT_EV_CONN_HIT, 20,
			     BENCH_MODE_FIXED, 0);
		if (!c)
			return 1;
		c->outlen = len + 20;
		c->outer = 4;

		len = bl_frame(f, BL_VIP6, 80, 6, PKT_TCP_ACK, 0);
		c = add_case("paths", "ipv6_est", "IPv6 established TCP", F_ENCAP, base.fd, base.x,
			     f, len, XDP_TX, XLB_STAT_TX_FORWARD, XLB_STAT_EV_CONN_HIT, 40,
			     BENCH_MODE_FIXED, 0);
		if (!c)
			return 1;
		c->outlen = len + 40;
		c->outer = 6;

		len = bl_frame(f, "198.18.0.99", 80, 6, PKT_TCP_ACK, 0);
		c = add_case("paths", "nonvip_pass", "TCP to a non-VIP address: XDP_PASS", F_DROP,
			     base.fd, base.x, f, len, XDP_PASS, XLB_STAT_PASS_NOT_VIP, -1, 0,
			     BENCH_MODE_FIXED, 0);
		if (!c)
			return 1;
		c->outlen = len;

		/* IP total 1500 + 20 of IPIP > MTU 1500 with DF: frag needed */
		big = bl_frame(f, BL_VIP4, 80, 6, PKT_TCP_ACK, 1500 - 40);
		c = add_case("paths", "icmp_too_big", "1514-byte DF frame: ICMP frag needed",
			     F_ENCAP, base.fd, base.x, f, big, XDP_TX, XLB_STAT_TX_ICMP_TOO_BIG, -1,
			     28, BENCH_MODE_FIXED, 0);
		if (!c)
			return 1;
		c->outlen = 14 + 20 + 8 + 20 + 8;
		c->outer = 1;
	}

	if (do_scale) {
		if (inst_scale(&s1k, 10, 1000, 0) || inst_scale(&s100k, 10, 100000, 0) ||
		    inst_scale(&s1m, 10, 1000000, 0) || inst_scale(&b100, 100, 1000, 0) ||
		    inst_scale(&b1000, 1000, 1000, 0) || inst_scale(&v500, 10, 1000, 499))
			return 1;
		len = bl_frame(f, BL_VIP4, 80, 6, PKT_TCP_ACK, 0);
#define SCALE(nm, what, in, mode, n)								\
		do {										\
			c = add_case("scale", nm, what, F_ENCAP, (in).fd, (in).x, f, len,	\
				     XDP_TX, XLB_STAT_TX_FORWARD, XLB_STAT_EV_CONN_HIT, 20,	\
				     mode, n);							\
			if (!c)									\
				return 1;							\
			c->outlen = len + 20;							\
			c->outer = 4;								\
		} while (0)
		SCALE("flows_1k", "1k flows in table, packets cycle over all", s1k,
		      BENCH_MODE_ROTATE, 1000);
		SCALE("flows_100k", "100k flows in table, packets cycle over all", s100k,
		      BENCH_MODE_ROTATE, 100000);
		SCALE("flows_1M", "1M flows in table, packets cycle over all", s1m,
		      BENCH_MODE_ROTATE, 1000000);
		SCALE("flows_1M_hot", "1M flows in table, one hot flow", s1m, BENCH_MODE_FIXED, 0);
		SCALE("backends_10", "10 backends, 1k flows cycled", s1k, BENCH_MODE_ROTATE, 1000);
		SCALE("backends_100", "100 backends, 1k flows cycled", b100, BENCH_MODE_ROTATE, 1000);
		SCALE("backends_1000", "1000 backends, 1k flows cycled", b1000, BENCH_MODE_ROTATE,
		      1000);
		SCALE("vips_1", "1 VIP, 1k flows cycled", s1k, BENCH_MODE_ROTATE, 1000);
		SCALE("vips_500", "500 VIPs, 1k flows cycled", v500, BENCH_MODE_ROTATE, 1000);
	}
	if (bl_neigh(LB_DEV, 1000))
		return 1;
	if (getenv("BENCH_DEBUG"))
		bl_sh("ip neigh show | head -5; ip -6 neigh show | head -3; ip route; ip link");
	if (verbose)
		printf("setup %.1f s; verifying %d cases\n", bl_now() - t0, ncases);

	for (i = 0; i < ncases; i++)
		verify(&cases[i]);
	if (fails) {
		printf("Error: %d verification failures: not timing\n", fails);
		return 1;
	}

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ncases; i++)	/* rotate the order: no case always first */
			timed(&cases[(i + r) % ncases], repeat);
		if (verbose) {
			printf("\rround %d/%d", r + 1, rounds);
			fflush(stdout);
		}
	}
	if (verbose)
		printf("\n");

	for (i = 0; i < ncases; i++) {
		double tmp[MAX_ROUNDS];

		memcpy(tmp, cases[i].ns, sizeof(double) * cases[i].n);
		mn[i] = bl_min(tmp, cases[i].n);
		med[i] = bl_median(tmp, cases[i].n);
		if (!strcmp(cases[i].name, "floor_drop"))
			floor_med[F_DROP] = med[i];
		if (!strcmp(cases[i].name, "floor_encap"))
			floor_med[F_ENCAP] = med[i];
	}

	printf("\n## pktcost: ns per packet, BPF_PROG_TEST_RUN through the restoring wrapper\n\n");
	bl_machine(stdout);
	bl_cmdline(stdout, argc, argv);
	printf("rounds %d x repeat %d, interleaved; ratios are of medians to the floor of the same run\n\n",
	       rounds, repeat);
	printf("| case | what | min ns | median ns | / drop floor | / encap floor |\n");
	printf("|---|---|---:|---:|---:|---:|\n");
	for (i = 0; i < ncases; i++) {
		c = &cases[i];
		printf("| %s | %s | %.1f | %.1f | %.2fx | %.2fx |%s\n", c->name, c->what, mn[i],
		       med[i], floor_med[F_DROP] > 0 ? med[i] / floor_med[F_DROP] : 0,
		       floor_med[F_ENCAP] > 0 ? med[i] / floor_med[F_ENCAP] : 0,
		       c->bad ? " COUNTER CHECK FAILED" : "");
	}
	printf("\n%d cases, %d failed checks\n", ncases, fails);
	return fails ? 1 : 0;
}
