// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ctlplane: control-plane figures.
 *  1. xlb_maglev_build() time for 10..1000 backends at ring sizes 65537
 *     and larger (min and median of several builds).
 *  2. Flows moved by a one-backend change, on real rings: a VIP of a
 *     private xlb gets N backends, its live ring is read (xlb_ring_read),
 *     one backend is added (then one removed), and the share of slots whose
 *     backend changed is compared with the ideal 1/(N+1).
 *  3. Time from a backend add to the new ring being live: the libxlb call
 *     (the ring swap happens inside it; the new id is checked to be in the
 *     live ring right after), and the whole `lbctl backend add` process
 *     against pinned state in a private pin dir (fork to exit); the live
 *     ring is read right after the exit and must already hold the new id
 *     ("live at exit"; otherwise it is polled until it does).
 *
 *   ctlplane [-k BUILDS] [-l path/to/lbctl]
 */
#include <getopt.h>
#include <sys/wait.h>

#include "benchlib.h"

#define LB_DEV		"xbcp0"
#define LB_PEER		"xbcp1"
#define RING_CAP	(XLB_RING_SIZE_MAX + 1)

static __u32 ring_a[RING_CAP], ring_b[RING_CAP];
static int fails;

static void mk_backends(struct xlb_maglev_backend *b, int n)
{
	char t[64];
	int k;

	memset(b, 0, sizeof(*b) * n);
	for (k = 0; k < n; k++) {
		bl_be_text(k + 1, 0, t, sizeof(t));
		xlb_parse_addr(t, &b[k].addr);
		b[k].weight = XLB_WEIGHT_DEFAULT;
		b[k].id = k;
	}
}

static void build_times(int builds)
{
	static const int ns[] = { 10, 100, 1000 };
	static const __u32 sizes[] = { 65537, 131071, 1048573 };
	static struct xlb_maglev_backend b[1000];
	double t[64];
	unsigned int i, j;
	int k, nb;

	printf("\n### Maglev build time (xlb_maglev_build, weights equal)\n\n");
	printf("| backends | ring size | builds | min ms | median ms |\n|---:|---:|---:|---:|---:|\n");
	for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			nb = sizes[j] > 200000 ? (builds + 3) / 4 : builds;
			if (nb > 64)
				nb = 64;
			mk_backends(b, ns[i]);
			for (k = 0; k < nb; k++) {
				double t0 = bl_now();
				int err = xlb_maglev_build(b, ns[i], sizes[j], ring_a);

				t[k] = (bl_now() - t0) * 1e3;
				if (err) {
					printf("Error: xlb_maglev_build(%d, %u): %s\n", ns[i], sizes[j],
					       strerror(-err));
					fails++;
					return;
				}
			}
			printf("| %d | %u | %d | %.3f | %.3f |\n", ns[i], sizes[j], nb,
			       bl_min(t, nb), bl_median(t, nb));
		}
	}
}

static int read_ring(struct xlb *x, const struct xlb_vip_key *k, __u32 *r, __u32 *n)
{
	if (xlb_ring_read(x, k, r, RING_CAP, n)) {
		printf("Error: xlb_ring_read: %s\n", xlb_errmsg(x));
		fails++;
		return -1;
	}
	return 0;
}

static double changed(const __u32 *a, const __u32 *b, __u32 n)
{
	__u32 i, c = 0;

	for (i = 0; i < n; i++)
		c += a[i] != b[i];
	return (double)c / n;
}

static bool in_ring(const __u32 *r, __u32 n, __u32 id)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (r[i] == id)
			return true;
	return false;
}

/* Moved share and add latency on a private unpinned xlb. */
static void moved(void)
{
	static const int ns[] = { 10, 100, 1000 };
	struct xlb_vip_key key;
	struct xlb_addr a;
	struct xlb *x;
	char t[64];
	unsigned int i;
	__u32 na, nb, id;
	double t0, add_ms, del_ms, add_share, del_share;

	printf("\n### One-backend change on a live ring (ring 65537, equal weights)\n\n");
	printf("| backends N | add: slots moved | ideal 1/(N+1) | remove: slots moved | ideal 1/(N+1) "
	       "| xlb_backend_add ms | xlb_backend_del ms |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		x = bl_xlb_open(65536);
		if (!x) {
			fails++;
			return;
		}
		if (bl_vip(x, "tcp", BL_VIP4, 80, 0, 1, ns[i], NULL, &key) < 0 ||
		    read_ring(x, &key, ring_a, &na))
			goto fail;
		bl_be_text(ns[i] + 1, 0, t, sizeof(t));
		xlb_parse_addr(t, &a);
		t0 = bl_now();
		if (xlb_backend_add(x, &key, &a, XLB_WEIGHT_DEFAULT, XLB_BACKEND_ACTIVE, &id)) {
			printf("Error: backend add: %s\n", xlb_errmsg(x));
			goto fail;
		}
		add_ms = (bl_now() - t0) * 1e3;
		if (read_ring(x, &key, ring_b, &nb))
			goto fail;
		if (na != nb || !in_ring(ring_b, nb, id)) {
			printf("Error: new backend %u not in the live ring after the add\n", id);
			goto fail;
		}
		add_share = changed(ring_a, ring_b, na);
		/* remove backend 1 from the N+1 */
		bl_be_text(1, 0, t, sizeof(t));
		xlb_parse_addr(t, &a);
		t0 = bl_now();
		if (xlb_backend_del(x, &key, &a)) {
			printf("Error: backend del: %s\n", xlb_errmsg(x));
			goto fail;
		}
		del_ms = (bl_now() - t0) * 1e3;
		if (read_ring(x, &key, ring_a, &na))
			goto fail;
		del_share = changed(ring_b, ring_a, na);
		printf("| %d | %.4f | %.4f | %.4f | %.4f | %.2f | %.2f |\n", ns[i], add_share,
		       1.0 / (ns[i] + 1), del_share, 1.0 / (ns[i] + 1), add_ms, del_ms);
		xlb_close(x);
		continue;
fail:
		fails++;
		xlb_close(x);
		return;
	}
}

/* `lbctl backend add` against pinned state, until the ring holds the new id. */
static void lbctl_latency(const char *lbctl, int tries)
{
	static const int ns[] = { 10, 100 };
	struct xlb_open_opts o = { .mode = XLB_OPEN_CREATE, .conn_max = 65536 };
	struct xlb_config cfg = { .encap_src4 = XLB_ENCAP_SRC4_DEFAULT,
				  .encap_src6 = XLB_ENCAP_SRC6_DEFAULT };
	struct xlb_vip_key key;
	struct xlb_backend_info bi;
	struct xlb_addr a;
	struct xlb *x = NULL;
	char pin[96], t[64], cmd[512];
	double lat[32];
	unsigned int i;
	int k, n, live;
	__u32 nr;

	if (access(lbctl, X_OK)) {
		printf("\n(lbctl latency skipped: %s not built)\n", lbctl);
		return;
	}
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/xlb-bench-%d", getpid());
	o.pin_dir = pin;
	setenv(XLB_PIN_DIR_ENV, pin, 1);
	printf("\n### `lbctl backend add` until the new ring is live (pinned state, %s)\n\n", pin);
	printf("| backends before | runs | min ms | median ms | live at exit |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (xlb_open(&x, &o)) {
			printf("Error: xlb_open(CREATE, %s): %s\n", pin, xlb_open_errmsg());
			fails++;
			break;
		}
		xlb_config_set(x, &cfg);
		if (bl_vip(x, "tcp", BL_VIP4, 80, 0, 1, ns[i], NULL, &key) < 0)
			goto fail;
		n = tries < 32 ? tries : 32;
		live = 0;
		for (k = 0; k < n; k++) {
			double t0, t1;
			int rc, spins = 0;

			bl_be_text(ns[i] + 1 + k, 0, t, sizeof(t));
			xlb_parse_addr(t, &a);
			snprintf(cmd, sizeof(cmd), "%s backend add tcp %s:80 %s >/dev/null", lbctl,
				 BL_VIP4, t);
			t0 = bl_now();
			rc = system(cmd);
			t1 = bl_now();
			if (rc) {
				printf("Error: '%s' failed (%d)\n", cmd, rc);
				goto fail;
			}
			/* the ring is live once xlb_rings holds a ring with the new id */
			for (;;) {
				if (xlb_backend_get(x, &key, &a, &bi) == 0 &&
				    xlb_ring_read(x, &key, ring_a, RING_CAP, &nr) == 0 &&
				    in_ring(ring_a, nr, bi.id))
					break;
				if (++spins > 100000) {
					printf("Error: backend %s never reached the live ring\n", t);
					goto fail;
				}
			}
			/* swapped inside lbctl: live when it exits, if found at once */
			lat[k] = (t1 - t0) * 1e3;
			live += spins == 0;
		}
		printf("| %d | %d | %.2f | %.2f | %d/%d |\n", ns[i], n, bl_min(lat, n),
		       bl_median(lat, n), live, n);
		xlb_vip_del(x, &key);
		xlb_close(x);
		x = NULL;
		bl_sh("rm -rf %s", pin);
		continue;
fail:
		fails++;
		break;
	}
	if (x)
		xlb_close(x);
	bl_sh("rm -rf %s", pin);
}

int main(int argc, char **argv)
{
	const char *lbctl = "build/lbctl";
	int builds = 21, opt, rc;

	while ((opt = getopt(argc, argv, "k:l:h")) != -1) {
		switch (opt) {
		case 'k':
			builds = atoi(optarg);
			break;
		case 'l':
			lbctl = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-k BUILDS] [-l LBCTL]\n", argv[0]);
			return 2;
		}
	}
	if (builds < 1)
		builds = 1;
	printf("\n## ctlplane: Maglev builds and ring changes\n\n");
	bl_machine(stdout);
	bl_cmdline(stdout, argc, argv);
	build_times(builds);

	/* backend adds resolve next hops: only inside our own namespace */
	rc = bl_netns(LB_DEV, LB_PEER, 1);
	if (rc)
		return rc == 77 ? 77 : 1;
	moved();
	lbctl_latency(lbctl, 11);
	printf("\n%d failed checks\n", fails);
	return fails ? 1 : 0;
}
