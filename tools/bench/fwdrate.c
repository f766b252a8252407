// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fwdrate: forwarding rate (Mpps) of the attached balancer on veth.
 *
 * A live-frames generator (bench_gen, BPF_F_TEST_XDP_LIVE_FRAMES) writes
 * 60-byte TCP frames and redirects them into a veth; its peer runs the
 * program under test natively, which sends them back with XDP_TX; the
 * generator's side counts and drops them (bench_sink). Two such pairs
 * exist side by side in a private netns:
 *   xbfw0 (xlb_ingress, native) / xbfw1 (sink)
 *   xbff0 (floor_encap, native) / xbff1 (sink)
 * so the balancer and the encap floor are measured the same way, in
 * interleaved rounds, by only changing the generator's target. A third,
 * idle pair carries the generator program itself, so that it stays in the
 * kernel's XDP dispatcher (otherwise every test_run call rebuilds it and
 * waits for an RCU grace period).
 * Mixes: established flows cycling over 256 / 65,536 / 1,000,000 flows,
 * each measured with the connection table (default 2M entries) holding
 * exactly the mix's flows; 65,536 hot flows among 1,000,000 tracked ones
 * (longer hash chains, more pages); and a SYN mix where every packet is a
 * new flow, inserted into a table that already holds 1,000,000 (and the
 * same with conn limit 100,000/s per CPU: a SYN flood mostly not inserted). The table
 * is emptied and refilled (batch syscalls) whenever the next mix needs
 * other contents. Rate = packets counted by the sink per second; every
 * packet counted must be IPIP (checked).
 *
 *   fwdrate [-r ROUNDS] [-t SECONDS] [-m MIXES]
 */
#include <getopt.h>
#include <pthread.h>
#include <linux/if_link.h>

#include "benchlib.h"
#include "bench.skel.h"

#define X_DEV		"xbfw0"
#define X_PEER		"xbfw1"
#define F_DEV		"xbff0"
#define F_PEER		"xbff1"
#define I_DEV		"xbfi0"
#define I_PEER		"xbfi1"
#define NBE		10
#define MAX_ROUNDS	21
#define BATCH		(1 << 16)

struct mix {
	const char *name;
	int floor;		/* 1: target the floor pair */
	int mode;
	__u32 nflows;
	__u32 table;		/* flows the connection table holds meanwhile */
	__u32 limit;		/* new_flow_limit meanwhile (0: none) */
	uint8_t flags;
	double mpps[2][MAX_ROUNDS];
	double ipip[2];		/* worst IPIP share seen */
	int n[2];
};

static struct mix mixes[] = {
	{ .name = "floor_encap", .floor = 1, .mode = BENCH_MODE_FIXED, .flags = PKT_TCP_ACK },
	{ .name = "xlb_est_256", .mode = BENCH_MODE_ROTATE, .nflows = 256, .table = 256,
	  .flags = PKT_TCP_ACK },
	{ .name = "xlb_est_65536", .mode = BENCH_MODE_ROTATE, .nflows = 65536, .table = 65536,
	  .flags = PKT_TCP_ACK },
	{ .name = "xlb_est_65536_of_1M", .mode = BENCH_MODE_ROTATE, .nflows = 65536,
	  .table = 1000000, .flags = PKT_TCP_ACK },
	{ .name = "xlb_est_1M", .mode = BENCH_MODE_ROTATE, .nflows = 1000000, .table = 1000000,
	  .flags = PKT_TCP_ACK },
	{ .name = "xlb_syn", .mode = BENCH_MODE_UNIQUE, .table = 1000000, .flags = PKT_TCP_SYN },
	{ .name = "xlb_syn_flood", .mode = BENCH_MODE_UNIQUE, .table = 1000000, .limit = 100000,
	  .flags = PKT_TCP_SYN },
};
#define NMIX (int)(sizeof(mixes) / sizeof(mixes[0]))

static struct bench_bpf *g;
static uint8_t frame[PKT_MAX];
static size_t flen;
static double run_secs = 1.0;
static int fails;

struct worker {
	pthread_t th;
	int cpu;
	__u64 sent;
	int err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;
	double end;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	end = bl_now() + run_secs;
	while (bl_now() < end) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			.data_in = frame,
			.data_size_in = flen,
			.repeat = BATCH,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		);

		if (bpf_prog_test_run_opts(bpf_program__fd(g->progs.bench_gen), &o)) {
			w->err = -errno;
			break;
		}
		w->sent += BATCH;
	}
	return NULL;
}

static int sink_read(int fd, struct sink_count *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct sink_count v[ncpu];
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(fd, &zero, v))
		return -errno;
	for (i = 0; i < ncpu; i++) {
		sum->pkts += v[i].pkts;
		sum->ipip += v[i].ipip;
		sum->other += v[i].other;
	}
	return 0;
}

static int conns_fd = -1;	/* xlb_conns of the balancer under test */
static __u32 vip_id, be_ids[NBE];

/*
 * Make the connection table hold exactly flows 0..n-1 (bl_flow), on the
 * backends round robin. A SYN run leaves unknown flows behind (dirty): the
 * table is then emptied first. Returns 0 or -errno.
 */
static int table_hold(__u32 n, int dirty_after)
{
	static __u32 loaded;
	static int dirty;
	static struct xlb_flow keys[BATCH];
	static struct xlb_conn vals[BATCH];
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 i, cnt, batch;
	int err = 0;

	if (dirty || loaded > n) {
		for (;;) {	/* the table is only read here: no concurrent writer */
			cnt = BATCH;
			err = bpf_map_lookup_and_delete_batch(conns_fd, NULL, &batch, keys, vals,
							      &cnt, &o);
			if (err && errno != ENOENT)
				goto out;
			if (err || !cnt)
				break;
		}
		err = 0;
		loaded = 0;
	}
	while (loaded < n) {
		cnt = n - loaded < BATCH ? n - loaded : BATCH;
		for (i = 0; i < cnt; i++) {
			bl_flow(loaded + i, BL_VIP4, 80, 6, &keys[i]);
			vals[i].backend_id = be_ids[(loaded + i) % NBE];
			vals[i].vip_id = vip_id;
		}
		err = bpf_map_update_batch(conns_fd, keys, vals, &cnt, &o);
		if (err)
			goto out;
		loaded += cnt;
	}
	dirty = dirty_after;
out:
	if (err)
		printf("Error: filling the connection table with %u flows: %s\n", n,
		       strerror(errno));
	return err ? -errno : 0;
}

/* Set xlb's new_flow_limit for mix m. Returns 0 or -1. */
static int limit_set(struct xlb *x, const struct mix *m)
{
	struct xlb_config c;

	if (xlb_config_get(x, &c))
		return -1;
	if (c.new_flow_limit == m->limit)
		return 0;
	c.new_flow_limit = m->limit;
	return xlb_config_set(x, &c);
}

/* Point the generator at mix m. */
static void gen_set(struct mix *m, int x_peer, int f_peer)
{
	flen = bl_frame(frame, BL_VIP4, 80, 6, m->flags, 6);
	memcpy(g->bss->tmpl, frame, flen);
	g->bss->cfg.orig_len = flen;
	g->bss->cfg.copy_len = flen & ~7UL;
	g->bss->cfg.mode = m->mode;
	g->bss->cfg.nflows = m->nflows;
	g->bss->cfg.ifindex = m->floor ? f_peer : x_peer;
}

/* Run threads; returns Mpps at the sink, share of IPIP in *ipip. */
static double measure(int threads, double *ipip, __u64 *sent_out)
{
	int fd = bpf_map__fd(g->maps.bench_sink_cnt);
	struct worker w[2];
	struct sink_count a, b;
	double t0, t1;
	__u64 sent = 0;
	int i;

	if (sink_read(fd, &a))
		return -1;
	t0 = bl_now();
	for (i = 0; i < threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].cpu = i;
		pthread_create(&w[i].th, NULL, work, &w[i]);
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		sent += w[i].sent;
		if (w[i].err) {
			printf("Error: live-frames test_run: %s\n", strerror(-w[i].err));
			return -1;
		}
	}
	t1 = bl_now();
	usleep(20000);	/* let the last NAPI polls finish */
	if (sink_read(fd, &b))
		return -1;
	*ipip = b.pkts > a.pkts ? (double)(b.ipip - a.ipip) / (b.pkts - a.pkts) : 0;
	if (sent_out)
		*sent_out = sent;
	return (b.pkts - a.pkts) / (t1 - t0) / 1e6;
}

static int attach(const char *dev, int fd)
{
	int ifindex = if_nametoindex(dev);

	if (!ifindex || bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL)) {
		printf("Error: attach XDP to %s: %s\n", dev, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *which = NULL;
	int rounds = 5, opt, r, i, t, rc, x_peer, f_peer;
	struct xlb *x;
	struct xlb_counter s0[XLB_STAT_MAX], s1[XLB_STAT_MAX];
	int vid;
	double t0, ipip, floor_med[2] = { 0, 0 };
	__u64 sent;

	while ((opt = getopt(argc, argv, "r:t:m:h")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 't':
			run_secs = atof(optarg);
			break;
		case 'm':
			which = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-r ROUNDS] [-t SECONDS] [-m mix,mix]\n", argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || run_secs <= 0 || run_secs > 10) {
		fprintf(stderr, "rounds 1..%d, seconds (0, 10]\n", MAX_ROUNDS);
		return 2;
	}
	rc = bl_netns(X_DEV, X_PEER, 2);
	if (rc)
		return rc == 77 ? 77 : 1;
	if (bl_sh("ip link add %s numtxqueues 2 numrxqueues 2 type veth peer name %s "
		  "numtxqueues 2 numrxqueues 2 && ip link set %s up && ip link set %s up && "
		  "ip link add %s type veth peer name %s && ip link set %s up && ip link set %s up",
		  F_DEV, F_PEER, F_DEV, F_PEER, I_DEV, I_PEER, I_DEV, I_PEER))
		return 1;
	x_peer = if_nametoindex(X_PEER);
	f_peer = if_nametoindex(F_PEER);
	t0 = bl_now();

	g = bench_bpf__open_and_load();
	if (!g) {
		printf("Error: loading bench.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	x = bl_xlb_open(0);
	if (!x)
		return 1;
	vid = bl_vip(x, "tcp", BL_VIP4, 80, 0, 1, NBE, be_ids, NULL);
	if (vid < 0 || bl_neigh(X_DEV, NBE))
		return 1;
	vip_id = vid;
	conns_fd = xlb_map_fd(x, "xlb_conns");
	if (conns_fd < 0) {
		printf("Error: xlb_conns: %s\n", strerror(-conns_fd));
		return 1;
	}
	if (xlb_prog_attach(x, X_DEV, XLB_ATTACH_NATIVE)) {
		printf("Error: attach xlb to %s: %s\n", X_DEV, xlb_errmsg(x));
		return 1;
	}
	if (attach(F_DEV, bpf_program__fd(g->progs.floor_encap)) ||
	    attach(X_PEER, bpf_program__fd(g->progs.bench_sink)) ||
	    attach(F_PEER, bpf_program__fd(g->progs.bench_sink)) ||
	    attach(I_DEV, bpf_program__fd(g->progs.bench_gen)))
		return 1;
	printf("setup %.1f s\n", bl_now() - t0);

	/* Check: a short burst of each mix comes back encapsulated, and xlb
	 * counted exactly what the sink saw. */
	for (i = 0; i < NMIX; i++) {
		struct mix *m = &mixes[i];
		double save = run_secs, mpps;

		if (which && !strstr(which, m->name))
			continue;
		if (!m->floor && (table_hold(m->table, m->mode == BENCH_MODE_UNIQUE) ||
				  limit_set(x, m)))
			return 1;
		gen_set(m, x_peer, f_peer);
		xlb_stats_global(x, s0);
		run_secs = 0.05;
		mpps = measure(1, &ipip, &sent);
		run_secs = save;
		xlb_stats_global(x, s1);
		if (mpps <= 0 || ipip < 0.999) {
			printf("  FAIL %s: %.2f Mpps, IPIP share %.4f\n", m->name, mpps, ipip);
			fails++;
		}
		if (!m->floor) {
			__u64 fw = s1[XLB_STAT_TX_FORWARD].packets - s0[XLB_STAT_TX_FORWARD].packets;
			__u64 ev = s1[m->mode == BENCH_MODE_UNIQUE ? XLB_STAT_EV_CONN_NEW :
					XLB_STAT_EV_CONN_HIT].packets -
				   s0[m->mode == BENCH_MODE_UNIQUE ? XLB_STAT_EV_CONN_NEW :
					XLB_STAT_EV_CONN_HIT].packets;

			/* over the limit, new flows are forwarded without an entry */
			ev += s1[XLB_STAT_EV_CONN_NOT_INSERTED].packets -
			      s0[XLB_STAT_EV_CONN_NOT_INSERTED].packets;

			if (fw < sent * 9 / 10 || ev != fw) {
				printf("  FAIL %s: sent %llu, tx_forward %llu, %s %llu\n", m->name,
				       (unsigned long long)sent, (unsigned long long)fw,
				       m->mode == BENCH_MODE_UNIQUE ? "conn_new" : "conn_hit",
				       (unsigned long long)ev);
				fails++;
			}
		}
		printf("  verified %-14s %.2f Mpps (1 thread, 50 ms), IPIP share %.4f\n", m->name,
		       mpps, ipip);
	}
	if (fails) {
		printf("Error: %d verification failures: not timing\n", fails);
		return 1;
	}

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NMIX; i++) {
			struct mix *m = &mixes[(i + r) % NMIX];

			if (which && !strstr(which, m->name))
				continue;
			if (!m->floor && (table_hold(m->table, m->mode == BENCH_MODE_UNIQUE) ||
					  limit_set(x, m)))
				return 1;
			gen_set(m, x_peer, f_peer);
			for (t = 1; t <= 2; t++) {
				double v = measure(t, &ipip, NULL);

				if (v < 0)
					return 1;
				m->mpps[t - 1][m->n[t - 1]++] = v;
				if (m->n[t - 1] == 1 || ipip < m->ipip[t - 1])
					m->ipip[t - 1] = ipip;
			}
		}
		printf("\rround %d/%d", r + 1, rounds);
		fflush(stdout);
	}
	printf("\n\n## fwdrate: Mpps through the attached program (native XDP, veth), "
	       "live-frames generator\n\n");
	bl_machine(stdout);
	bl_cmdline(stdout, argc, argv);
	printf("rounds %d x %.1f s per figure, interleaved; 60-byte TCP frames; medians "
	       "(min..max); share = median / encap floor's median, same thread count\n\n",
	       rounds, run_secs);
	for (t = 0; t < 2; t++)
		floor_med[t] = mixes[0].n[t] ? bl_median(mixes[0].mpps[t], mixes[0].n[t]) : 0;
	printf("| mix | 1 thread Mpps | share | 2 threads Mpps | share | min IPIP share |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < NMIX; i++) {
		struct mix *m = &mixes[i];
		double med[2], lo[2], hi[2];

		if (!m->n[0])
			continue;
		for (t = 0; t < 2; t++) {
			med[t] = bl_median(m->mpps[t], m->n[t]);	/* sorts */
			lo[t] = m->mpps[t][0];
			hi[t] = m->mpps[t][m->n[t] - 1];
		}
		printf("| %s | %.2f (%.2f..%.2f) | %.2f | %.2f (%.2f..%.2f) | %.2f | %.4f |\n",
		       m->name, med[0], lo[0], hi[0], floor_med[0] > 0 ? med[0] / floor_med[0] : 0,
		       med[1], lo[1], hi[1], floor_med[1] > 0 ? med[1] / floor_med[1] : 0,
		       m->ipip[0] < m->ipip[1] ? m->ipip[0] : m->ipip[1]);
	}
	printf("\n%d failed checks\n", fails);
	return fails ? 1 : 0;
}
