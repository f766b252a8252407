// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The backend decap program (README "The decap program"). It is attached
 * with libxlb (xlb_decap_attach, generic mode) to xdc0 in the test netns,
 * which sets decap_addrs = { 198.18.6.1, fd00:6::1 }; the attached program
 * is then run with test_run and its counters read with xlb_decap_stats().
 * One load serves the whole group; each case checks counter deltas.
 *
 * Fallback when xlb_decap_attach fails: the skeleton is loaded directly and
 * decap_addrs is filled with bpf_map_update_elem() -- the one place these
 * tests touch a map, since libxlb offers no way to configure an unattached
 * decap program. Counters are then not checked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "decap.skel.h"
#include "env.h"

#define DEV	"xdc0"
#define OURS4	"198.18.6.1"
#define OURS6	"fd00:6::1"

static const char *const dstat_names[XLB_DECAP_STAT_MAX] = {
#define D_NAME(name, kind, str, desc) [XLB_DECAP_STAT_##name] = str,
	XLB_DECAP_STATS(D_NAME)
#undef D_NAME
};

struct decap_env {
	int prog_fd;
	bool attached;		/* counters readable through libxlb */
	struct decap_bpf *skel;
};

static struct decap_env de = { .prog_fd = -1 };

static int decap_load(struct th *t)
{
	struct xlb_addr addrs[2];
	char err[256];
	__u32 id = 0, one = 1;
	int rc;

	th_addr(OURS4, &addrs[0]);
	th_addr(OURS6, &addrs[1]);
	rc = xlb_decap_attach(DEV, XLB_ATTACH_GENERIC, addrs, 2, err, sizeof(err));
	if (!rc) {
		rc = bpf_xdp_query_id(env_ifindex[6], XDP_FLAGS_SKB_MODE, &id);
		if (!rc && id)
			de.prog_fd = bpf_prog_get_fd_by_id(id);
		if (de.prog_fd >= 0) {
			de.attached = true;
			return 0;
		}
		th_fail(t, "decap attached but its program not found (id %u)", id);
		return -1;
	}
	printf("  note: xlb_decap_attach failed (%s): loading the skeleton, "
	       "counters unchecked\n", err);
	de.skel = decap_bpf__open_and_load();
	if (!de.skel) {
		th_fail(t, "decap_bpf__open_and_load: %s", strerror(errno));
		return -1;
	}
	/* The one direct map write of the tests: see the file comment. */
	for (rc = 0; rc < 2; rc++)
		if (bpf_map_update_elem(bpf_map__fd(de.skel->maps.decap_addrs), &addrs[rc],
					&one, BPF_ANY))
			th_fail(t, "decap_addrs update: %s", strerror(errno));
	de.prog_fd = bpf_program__fd(de.skel->progs.xlb_decap);
	return t->fails ? -1 : 0;
}

static void decap_unload(void)
{
	char err[256];

	if (de.attached)
		xlb_decap_detach(DEV, err, sizeof(err));
	if (de.skel)
		decap_bpf__destroy(de.skel);
	de.prog_fd = -1;
}

static int dstats(struct th *t, struct xlb_counter *c)
{
	char err[256];

	memset(c, 0, sizeof(*c) * XLB_DECAP_STAT_MAX);
	if (!de.attached)
		return 0;
	if (xlb_decap_stats(DEV, c, err, sizeof(err))) {
		th_fail(t, "xlb_decap_stats: %s", err);
		return -1;
	}
	return 0;
}

/* Run in through the decap program; expect verdict, output (NULL: same)
 * and exactly one counter of reason. */
static void dcheck(struct th *t, const char *what, const uint8_t *in, size_t len,
		   __u32 verdict, const uint8_t *xout, size_t xlen, int reason)
{
	struct xlb_counter a[XLB_DECAP_STAT_MAX], b[XLB_DECAP_STAT_MAX];
	uint8_t out[PKT_MAX];
	size_t olen;
	__u32 v;
	int s, err;

	if (dstats(t, a))
		return;
	t->prog_fd = de.prog_fd;
	err = th_run(t, in, len, out, &olen, &v);
	if (err) {
		th_fail(t, "%s: test_run: %s", what, strerror(-err));
		return;
	}
	if (v != verdict)
		th_fail(t, "%s: verdict expected %u, got %u", what, verdict, v);
	if (v == verdict && v == XDP_PASS) {
		if (!xout) {
			xout = in;
			xlen = len;
		}
		if (olen != xlen || memcmp(out, xout, xlen)) {
			th_fail(t, "%s: output differs", what);
			pkt_diff(stdout, xout, xlen, out, olen);
		}
	}
	if (reason < 0 || dstats(t, b))
		return;
	for (s = 0; de.attached && s < XLB_DECAP_STAT_MAX; s++) {
		__u64 dp = b[s].packets - a[s].packets, db = b[s].bytes - a[s].bytes;

		if (dp != (s == reason) || db != (s == reason ? len : 0))
			th_fail(t, "%s: decap counter %s: expected %d/%zu, got %llu/%llu", what,
				dstat_names[s], s == reason, s == reason ? len : 0,
				(unsigned long long)dp, (unsigned long long)db);
	}
}

/* What xlb sends toward a backend at addr: built by the tests' encap builder. */
static size_t tunnel(uint8_t *b, const char *to, int inner_fam, uint16_t vlan)
{
	uint8_t in[PKT_MAX], smac[6], dmac[6];
	struct pkt_encap e = {
		.smac = smac, .dmac = dmac, .backend = to,
		.src4 = env_cfg.encap_src4, .src6 = env_cfg.encap_src6,
	};
	size_t n;

	env_dev_mac(1, smac);
	env_dev_mac(6, dmac);
	n = env_frame(in, inner_fam == 4 ? CLIENT4 : CLIENT6, 40000,
		      inner_fam == 4 ? VIP4 : VIP6, 80, 6, 33);
	n = pkt_exp_encap(b, in, n, &e);
	if (vlan) {
		memmove(b + 16, b + 12, n - 12);
		b[12] = 0x81;
		b[13] = 0x00;
		b[14] = vlan >> 8;
		b[15] = vlan & 0xff;
		n += 4;
	}
	return n;
}

/* Outer header of family fam around arbitrary inner bytes. */
static size_t raw_tunnel(uint8_t *b, int fam, const uint8_t *inner, size_t n,
			 const uint8_t *opt, size_t optlen, uint16_t frag, uint8_t proto)
{
	uint8_t smac[6], dmac[6];
	struct pkt_flow f = {
		.smac = smac, .dmac = dmac,
		.ip = { .src = fam == 4 ? "198.19.1.2" : "fd00:786c:6200::1",
			.dst = fam == 4 ? OURS4 : OURS6, .proto = proto,
			.opt = opt, .optlen = optlen, .frag = frag },
	};

	env_dev_mac(1, smac);
	env_dev_mac(6, dmac);
	return pkt_frame_l4(b, &f, inner, n);
}

static void decap_cases(void)
{
	uint8_t in[PKT_MAX], x[PKT_MAX], inner[PKT_MAX];
	static const uint8_t nop[4] = { 1, 1, 1, 0 };
	size_t n, xn, in_n, full;
	__u32 v;
	struct th t;

	th_begin(&t, "decap: load", env_ifindex[6]);
	if (decap_load(&t)) {
		th_end(&t);
		return;
	}
	th_end(&t);

#define DCASE(title) for (th_begin(&t, title, env_ifindex[6]); t.name; th_end(&t), t.name = NULL)
	DCASE("decap: ipip to our address") {
		n = tunnel(in, OURS4, 4, 0);
		xn = pkt_exp_decap(x, in, n);
		dcheck(&t, "ipip", in, n, XDP_PASS, x, xn, XLB_DECAP_STAT_IPIP);
	}
	DCASE("decap: ip6ip6 to our address") {
		n = tunnel(in, OURS6, 6, 0);
		xn = pkt_exp_decap(x, in, n);
		dcheck(&t, "ip6ip6", in, n, XDP_PASS, x, xn, XLB_DECAP_STAT_IP6IP6);
	}
	DCASE("decap: 802.1Q ipip keeps its tag") {
		n = tunnel(in, OURS4, 4, 42);
		xn = pkt_exp_decap(x, in, n);
		dcheck(&t, "vlan ipip", in, n, XDP_PASS, x, xn, XLB_DECAP_STAT_IPIP);
	}
	DCASE("decap: 802.1Q ip6ip6 keeps its tag") {
		n = tunnel(in, OURS6, 6, 42);
		xn = pkt_exp_decap(x, in, n);
		dcheck(&t, "vlan ip6ip6", in, n, XDP_PASS, x, xn, XLB_DECAP_STAT_IP6IP6);
	}
	DCASE("decap: ipip not for us: reject") {
		n = tunnel(in, "198.18.6.99", 4, 0);
		dcheck(&t, "ipip other", in, n, XDP_DROP, NULL, 0,
		       XLB_DECAP_STAT_REJECT_NOT_OURS);
	}
	DCASE("decap: ip6ip6 not for us: reject") {
		n = tunnel(in, "fd00:6::99", 6, 0);
		dcheck(&t, "ip6ip6 other", in, n, XDP_DROP, NULL, 0,
		       XLB_DECAP_STAT_REJECT_NOT_OURS);
	}
	DCASE("decap: ipip carrying ipv6: reject inner") {
		in_n = env_frame(inner, CLIENT6, 1, VIP6, 80, 6, 0);
		n = raw_tunnel(in, 4, inner + 14, in_n - 14, NULL, 0, 0, 4);
		dcheck(&t, "ipip/v6", in, n, XDP_DROP, NULL, 0, XLB_DECAP_STAT_REJECT_INNER);
	}
	DCASE("decap: ip6ip6 carrying ipv4: reject inner") {
		in_n = env_frame(inner, CLIENT4, 1, VIP4, 80, 6, 0);
		n = raw_tunnel(in, 6, inner + 14, in_n - 14, NULL, 0, 0, 41);
		dcheck(&t, "ip6ip6/v4", in, n, XDP_DROP, NULL, 0, XLB_DECAP_STAT_REJECT_INNER);
	}
	DCASE("decap: ipip with 12-byte inner: reject inner") {
		in_n = env_frame(inner, CLIENT4, 1, VIP4, 80, 6, 0);
		n = raw_tunnel(in, 4, inner + 14, 12, NULL, 0, 0, 4);
		dcheck(&t, "ipip short", in, n, XDP_DROP, NULL, 0, XLB_DECAP_STAT_REJECT_INNER);
	}
	DCASE("decap: ip6ip6 with 30-byte inner: reject inner") {
		in_n = env_frame(inner, CLIENT6, 1, VIP6, 80, 6, 0);
		n = raw_tunnel(in, 6, inner + 14, 30, NULL, 0, 0, 41);
		dcheck(&t, "ip6ip6 short", in, n, XDP_DROP, NULL, 0,
		       XLB_DECAP_STAT_REJECT_INNER);
	}
	DCASE("decap: plain tcp passes untouched") {
		n = env_frame(in, CLIENT4, 40000, OURS4, 80, 6, 20);
		dcheck(&t, "tcp4", in, n, XDP_PASS, NULL, 0, XLB_DECAP_STAT_PASS);
		n = env_frame(in, CLIENT6, 40000, OURS6, 80, 17, 20);
		dcheck(&t, "udp6", in, n, XDP_PASS, NULL, 0, XLB_DECAP_STAT_PASS);
	}
	DCASE("decap: ipip with outer options passes untouched") {
		in_n = env_frame(inner, CLIENT4, 1, VIP4, 80, 6, 0);
		n = raw_tunnel(in, 4, inner + 14, in_n - 14, nop, 4, 0, 4);
		dcheck(&t, "ipip opts", in, n, XDP_PASS, NULL, 0, XLB_DECAP_STAT_PASS);
	}
	DCASE("decap: ipip fragment passes untouched") {
		in_n = env_frame(inner, CLIENT4, 1, VIP4, 80, 6, 0);
		n = raw_tunnel(in, 4, inner + 14, in_n - 14, NULL, 0, PKT_MF, 4);
		dcheck(&t, "ipip MF", in, n, XDP_PASS, NULL, 0, XLB_DECAP_STAT_PASS);
		n = raw_tunnel(in, 4, inner + 14, in_n - 14, NULL, 0, 100, 4);
		dcheck(&t, "ipip offset", in, n, XDP_PASS, NULL, 0, XLB_DECAP_STAT_PASS);
	}
	DCASE("decap: ipv4-in-ipv6 (next header 4) passes untouched") {
		in_n = env_frame(inner, CLIENT4, 1, VIP4, 80, 6, 0);
		n = raw_tunnel(in, 6, inner + 14, in_n - 14, NULL, 0, 0, 4);
		dcheck(&t, "v6/nh4", in, n, XDP_PASS, NULL, 0, XLB_DECAP_STAT_PASS);
	}
	DCASE("decap: arp passes untouched") {
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		n = pkt_eth(in, bcast, MAC_CLIENT, 0, 0, 0x0806);
		memset(in + n, 0x11, 28);
		n += 28;
		dcheck(&t, "arp", in, n, XDP_PASS, NULL, 0, XLB_DECAP_STAT_PASS);
	}
	/* Truncations: never a crash; nothing is decapsulated before the outer
	 * and inner fixed headers are all there. */
	DCASE("decap: every truncation of ipip and ip6ip6 frames") {
		int fam;

		for (fam = 4; fam <= 6; fam += 2) {
			size_t need = 14 + (fam == 4 ? 40 : 80);

			full = tunnel(inner, fam == 4 ? OURS4 : OURS6, fam, 0);
			for (n = 14; n < full && t.fails < 5; n++) {
				uint8_t out[PKT_MAX];
				size_t olen;
				int err;

				memcpy(in, inner, n);
				t.prog_fd = de.prog_fd;
				err = th_run(&t, in, n, out, &olen, &v);
				if (err) {
					th_fail(&t, "v%d length %zu: test_run: %s", fam, n,
						strerror(-err));
					continue;
				}
				if (v != XDP_PASS && v != XDP_DROP)
					th_fail(&t, "v%d length %zu: verdict %u", fam, n, v);
				if (n < need && v == XDP_PASS && (olen != n || memcmp(in, out, n)))
					th_fail(&t, "v%d length %zu: decapsulated a truncated "
						"frame", fam, n);
			}
		}
	}
	decap_unload();
}

void run_decap_cases(void)
{
	decap_cases();
}
