// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test harness for BPF_PROG_TEST_RUN cases: see th.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "csum.h"
#include "jhash.h"
#include "th.h"

int th_passed, th_failed;

static const char *const stat_names[XLB_STAT_MAX] = {
#define TH_STAT_NAME(name, kind, str, desc) [XLB_STAT_##name] = str,
	XLB_STATS(TH_STAT_NAME)
#undef TH_STAT_NAME
};

enum { K_PASS, K_DROP, K_TX, K_REDIRECT, K_EVENT };
static const int stat_kind[XLB_STAT_MAX] = {
#define TH_STAT_KIND(name, kind, str, desc) [XLB_STAT_##name] = K_##kind,
	XLB_STATS(TH_STAT_KIND)
#undef TH_STAT_KIND
};

static const char *verdict_name(__u32 v)
{
	static const char *const n[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS",
					 "XDP_TX", "XDP_REDIRECT" };

	return v < 5 ? n[v] : "?";
}

void th_begin(struct th *t, const char *name, int ifindex)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->ifindex = ifindex;
	t->prog_fd = -1;
}

int th_end(struct th *t)
{
	th_close(t);
	if (t->fails) {
		printf("FAIL %s (%d failed check%s)\n", t->name, t->fails,
		       t->fails == 1 ? "" : "s");
		th_failed++;
	} else {
		printf("ok   %s\n", t->name);
		th_passed++;
	}
	fflush(stdout);
	return t->fails;
}

void th_fail(struct th *t, const char *fmt, ...)
{
	va_list ap;

	t->fails++;
	if (t->quiet && t->fails > 5)
		return;
	printf("  FAIL %s: ", t->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int th_open(struct th *t)
{
	struct xlb_open_opts o = { .mode = XLB_OPEN_UNPINNED, .conn_max = TH_CONN_MAX };
	int err;

	err = xlb_open(&t->xlb, &o);
	if (err) {
		th_fail(t, "xlb_open(UNPINNED): %s (%s)", strerror(-err), xlb_open_errmsg());
		t->xlb = NULL;
		return err;
	}
	t->prog_fd = xlb_prog_fd(t->xlb);
	if (t->prog_fd < 0) {
		th_fail(t, "xlb_prog_fd: %s", strerror(-t->prog_fd));
		return t->prog_fd;
	}
	return 0;
}

void th_close(struct th *t)
{
	if (t->xlb)
		xlb_close(t->xlb);
	t->xlb = NULL;
	t->prog_fd = -1;
}

void th_addr(const char *text, struct xlb_addr *out)
{
	uint8_t raw[16];

	memset(out, 0, sizeof(*out));
	pkt_addr(text, raw);
	if (pkt_family(text) == 6) {
		memcpy(out->addr, raw, 16);
		return;
	}
	out->addr[10] = 0xff;
	out->addr[11] = 0xff;
	memcpy(out->addr + 12, raw, 4);
}

int th_vip(struct th *t, const char *proto, const char *addr, uint16_t port,
	   enum xlb_sched sched, __u32 ring_size)
{
	struct xlb_vip_key *k;
	struct xlb_addr a;
	int err;

	if (!t->xlb || t->nvip == TH_MAX_VIPS)
		return -1;
	k = &t->vip[t->nvip];
	memset(k, 0, sizeof(*k));
	th_addr(addr, &a);
	memcpy(k->addr, a.addr, 16);
	k->port = htons(port);
	k->proto = strcmp(proto, "udp") ? 6 : 17;
	err = xlb_vip_add(t->xlb, k, sched, ring_size);
	if (err) {
		th_fail(t, "xlb_vip_add %s %s:%u: %s", proto, addr, port, xlb_errmsg(t->xlb));
		return -1;
	}
	return t->nvip++;
}

int th_backend(struct th *t, int vip, const char *addr, __u16 weight,
	       enum xlb_backend_state state)
{
	struct th_be *b;
	int err;

	if (!t->xlb || vip < 0 || t->nbe == TH_MAX_BES)
		return -1;
	b = &t->be[t->nbe];
	memset(b, 0, sizeof(*b));
	snprintf(b->text, sizeof(b->text), "%s", addr);
	th_addr(addr, &b->addr);
	b->vip = vip;
	err = xlb_backend_add(t->xlb, &t->vip[vip], &b->addr, weight, state, &b->id);
	if (err) {
		th_fail(t, "xlb_backend_add %s: %s", addr, xlb_errmsg(t->xlb));
		return -1;
	}
	return t->nbe++;
}

int th_find_be(const struct th *t, __u32 id)
{
	int i;

	for (i = 0; i < t->nbe; i++)
		if (t->be[i].id == id)
			return i;
	return -1;
}

int th_run(struct th *t, const uint8_t *in, size_t len, uint8_t *out, size_t *outlen,
	   __u32 *verdict)
{
	struct xdp_md ctx = { .data = 0, .data_end = len, .ingress_ifindex = t->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = PKT_MAX,
		.repeat = 1,
	);
	int err;

	if (t->ifindex) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(t->prog_fd, &o);
	if (err)
		return -errno;
	*verdict = o.retval;
	*outlen = o.data_size_out;
	return 0;
}

int th_snap(struct th *t, struct th_snap *s)
{
	int i, err;

	memset(s, 0, sizeof(*s));
	err = xlb_stats_global(t->xlb, s->g);
	for (i = 0; !err && i < t->nvip; i++)
		err = xlb_stats_vip(t->xlb, &t->vip[i], &s->v[i]);
	for (i = 0; !err && i < t->nbe; i++)
		err = xlb_stats_backend(t->xlb, t->be[i].id, &s->b[i]);
	if (err)
		th_fail(t, "reading counters: %s", xlb_errmsg(t->xlb));
	return err;
}

static void to16(int fam, const uint8_t *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (fam == 6) {
		memcpy(out, a, 16);
		return;
	}
	out[10] = out[11] = 0xff;
	memcpy(out + 12, a, 4);
}

int th_flow_of(const uint8_t *f, size_t len, struct xlb_flow *flow)
{
	struct pkt_view v;
	const uint8_t *ip, *l4;
	int sa = 12, da = 16;

	memset(flow, 0, sizeof(*flow));
	if (pkt_parse(f, len, &v))
		return -1;
	if (v.family == 6) {
		sa = 8;
		da = 24;
	}
	ip = f + v.l3;
	l4 = f + v.l4;
	if (v.proto == 6 || v.proto == 17) {
		to16(v.family, ip + sa, flow->src);
		to16(v.family, ip + da, flow->dst);
		memcpy(&flow->sport, l4, 2);
		memcpy(&flow->dport, l4 + 2, 2);
		flow->proto = v.proto;
		return 0;
	}
	if (v.proto == 1 || v.proto == 58) {
		const uint8_t *q = l4 + 8, *ql4;

		ql4 = q + (v.family == 4 ? (q[0] & 0xf) * 4 : 40);
		to16(v.family, q + da, flow->src);	/* quoted dst = client */
		to16(v.family, q + sa, flow->dst);
		memcpy(&flow->sport, ql4 + 2, 2);
		memcpy(&flow->dport, ql4, 2);
		flow->proto = q[v.family == 4 ? 9 : 6];
		return 0;
	}
	return -1;
}

uint32_t th_flow_hash(const struct xlb_flow *flow)
{
	uint32_t w[10];

	memcpy(w, flow, sizeof(w));
	return tl_jhash2(w, 10, XLB_HASH_SEED);
}

static __u32 *ring_buf;

int th_ring(struct th *t, int vip, __u32 **ids)
{
	__u32 n = 0;
	int err;

	if (!ring_buf)
		ring_buf = malloc(sizeof(__u32) * XLB_RING_SIZE_MAX);
	if (!ring_buf)
		return -ENOMEM;
	err = xlb_ring_read(t->xlb, &t->vip[vip], ring_buf, XLB_RING_SIZE_MAX, &n);
	if (err) {
		th_fail(t, "xlb_ring_read: %s", xlb_errmsg(t->xlb));
		return err;
	}
	*ids = ring_buf;
	return (int)n;
}

int th_predict(struct th *t, int vip, const struct xlb_flow *flow)
{
	struct xlb_vip_info info;
	uint32_t w[4], h;
	__u32 *ids;
	int n, be;

	if (xlb_vip_get(t->xlb, &t->vip[vip], &info)) {
		th_fail(t, "xlb_vip_get: %s", xlb_errmsg(t->xlb));
		return -1;
	}
	n = th_ring(t, vip, &ids);
	if (n <= 0)
		return -1;
	if (info.sched == XLB_SCHED_MAGLEV) {
		h = th_flow_hash(flow);
	} else if (info.sched == XLB_SCHED_SH) {
		memcpy(w, flow->src, 16);
		h = tl_jhash2(w, 4, XLB_HASH_SEED);
	} else {
		return -1;
	}
	be = th_find_be(t, ids[h % n]);
	if (be < 0)
		th_fail(t, "ring slot %u holds unknown backend id %u", h % n, ids[h % n]);
	return be;
}

int th_outer_be(const struct th *t, const uint8_t *f, size_t len)
{
	struct pkt_view v;
	struct xlb_addr a;
	int i;

	if (pkt_parse(f, len, &v))
		return -1;
	to16(v.family, f + v.l3 + (v.family == 4 ? 16 : 24), a.addr);
	for (i = 0; i < t->nbe; i++)
		if (!memcmp(a.addr, t->be[i].addr.addr, 16))
			return i;
	return -1;
}

static void cmp64(struct th *t, const char *what, const char *field, __u64 exp, __u64 got)
{
	if (exp != got)
		th_fail(t, "%s: counter %s: expected %+lld, got %+lld", what, field,
			(long long)exp, (long long)got);
}

static void check_counters(struct th *t, const char *what, size_t len,
			   const struct th_exp *e, const struct th_snap *a,
			   const struct th_snap *b)
{
	static const struct { int stat; unsigned int dc; size_t off; } ev[] = {
		{ XLB_STAT_EV_CONN_NEW, TH_DC_NEW, offsetof(struct th_exp, ev_new) },
		{ XLB_STAT_EV_CONN_HIT, TH_DC_HIT, offsetof(struct th_exp, ev_hit) },
		{ XLB_STAT_EV_CONN_RESCHEDULED, TH_DC_RESCHED, offsetof(struct th_exp, ev_resched) },
		{ XLB_STAT_EV_ICMP_ERR_FORWARDED, TH_DC_ICMP, offsetof(struct th_exp, ev_icmp) },
		{ XLB_STAT_EV_CONN_NOT_INSERTED, TH_DC_NOT_INSERTED,
		  offsetof(struct th_exp, ev_not_inserted) },
	};
	char field[96];
	int s, i;

	for (s = 0; s < XLB_STAT_MAX; s++) {
		__u64 dp = b->g[s].packets - a->g[s].packets;
		__u64 db = b->g[s].bytes - a->g[s].bytes;
		__u64 xp = 0;

		if (stat_kind[s] == K_EVENT) {
			for (i = 0; i < (int)(sizeof(ev) / sizeof(ev[0])); i++) {
				if (ev[i].stat != s)
					continue;
				if (e->ev_dc & ev[i].dc)
					goto next;
				xp = *(const int *)((const char *)e + ev[i].off);
			}
			snprintf(field, sizeof(field), "%s.packets", stat_names[s]);
			cmp64(t, what, field, xp, dp);
		} else {
			xp = s == e->reason;
			snprintf(field, sizeof(field), "%s.packets", stat_names[s]);
			cmp64(t, what, field, xp, dp);
			snprintf(field, sizeof(field), "%s.bytes", stat_names[s]);
			cmp64(t, what, field, xp ? len : 0, db);
		}
next:;
	}
	for (i = 0; e->vip != TH_DC && i < t->nvip; i++) {
		const struct xlb_vip_stats *va = &a->v[i], *vb = &b->v[i];
		bool m = e->vip == TH_IDX(i);

		snprintf(field, sizeof(field), "vip%d.packets", i);
		cmp64(t, what, field, m, vb->packets - va->packets);
		snprintf(field, sizeof(field), "vip%d.bytes", i);
		cmp64(t, what, field, m ? len : 0, vb->bytes - va->bytes);
		snprintf(field, sizeof(field), "vip%d.new_flows", i);
		cmp64(t, what, field, m ? e->vip_new : 0, vb->new_flows - va->new_flows);
		snprintf(field, sizeof(field), "vip%d.drops", i);
		cmp64(t, what, field, m && stat_kind[e->reason] == K_DROP,
		      vb->drops - va->drops);
	}
	for (i = 0; i < t->nbe; i++) {
		const struct xlb_backend_stats *ba = &a->b[i], *bb = &b->b[i];

		if (e->be != TH_DC) {
			snprintf(field, sizeof(field), "backend%d(%s).packets", i, t->be[i].text);
			cmp64(t, what, field, e->be == TH_IDX(i), bb->packets - ba->packets);
		}
		if (e->be_new != TH_DC) {
			snprintf(field, sizeof(field), "backend%d(%s).new_flows", i, t->be[i].text);
			cmp64(t, what, field, e->be_new == TH_IDX(i),
			      bb->new_flows - ba->new_flows);
		}
	}
}

int th_check(struct th *t, const char *what, const uint8_t *in, size_t len,
	     const struct th_exp *e)
{
	uint8_t out[PKT_MAX];
	struct th_snap a, b;
	size_t outlen = 0;
	__u32 verdict = 0;
	int before = t->fails, err;
	char why[128];

	if (!t->xlb)
		return -1;
	if (th_snap(t, &a))
		return -1;
	err = th_run(t, in, len, out, &outlen, &verdict);
	if (err) {
		th_fail(t, "%s: bpf_prog_test_run_opts: %s", what, strerror(-err));
		return -1;
	}
	if (verdict != e->verdict)
		th_fail(t, "%s: verdict: expected %s, got %s (%u)", what,
			verdict_name(e->verdict), verdict_name(verdict), verdict);
	/* A dropped frame goes nowhere: its bytes are not checked. */
	if (verdict == e->verdict && verdict != XDP_DROP) {
		const uint8_t *x = e->out ? e->out : in;
		size_t xl = e->out ? e->outlen : len;

		if (xl != outlen || memcmp(x, out, xl)) {
			th_fail(t, "%s: output frame differs (expected %s)", what,
				e->out ? "the built frame" : "the input unchanged");
			if (!t->quiet || t->fails <= 5)
				pkt_diff(stdout, x, xl, out, outlen);
		}
		if ((verdict == XDP_TX || verdict == XDP_REDIRECT) &&
		    csum_verify_frame(out, outlen, why, sizeof(why)))
			th_fail(t, "%s: output checksum: %s", what, why);
	}
	if (th_snap(t, &b))
		return -1;
	check_counters(t, what, len, e, &a, &b);
	return t->fails == before ? 0 : -1;
}
