// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * VIPs, backends, rings, counters and the connection table: every map write
 * of the control plane. Nothing is stored outside the maps.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

#define VIPSTR 64

static const char *vs(const struct xlb_vip_key *k, char *buf)
{
	return xlb_fmt_vip(k, buf, VIPSTR);
}

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? n : 1;
}

/* Returns 0 after zeroing key of a PERCPU map of vsize-byte values on every
 * CPU. The kernel copies round_up(vsize, 8) bytes per CPU. */
static int percpu_zero(int fd, __u32 key, size_t vsize)
{
	void *zero = calloc(ncpus(), (vsize + 7) & ~(size_t)7);
	int err = 0;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &key, zero, BPF_ANY))
		err = neg_errno();
	free(zero);
	return err;
}

/* Sum n_u64 __u64 counters over CPUs into out. */
static int percpu_sum(int fd, __u32 key, size_t n_u64, __u64 *out)
{
	int cpus = ncpus(), c;
	__u64 *v;
	size_t i;

	v = calloc(cpus, n_u64 * sizeof(__u64));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, v)) {
		free(v);
		return neg_errno();
	}
	memset(out, 0, n_u64 * sizeof(__u64));
	for (c = 0; c < cpus; c++)
		for (i = 0; i < n_u64; i++)
			out[i] += v[c * n_u64 + i];
	free(v);
	return 0;
}

static void norm_key(struct xlb_vip_key *dst, const struct xlb_vip_key *src)
{
	memcpy(dst, src, sizeof(*dst));
	dst->pad = 0;
}

static int vip_lookup(struct xlb *xlb, const struct xlb_vip_key *key, struct xlb_vip_key *k,
		      struct xlb_vip *v)
{
	char b[VIPSTR];

	norm_key(k, key);
	if (bpf_map_lookup_elem(xlb->fds[M_VIPS], k, v)) {
		int err = neg_errno();

		if (err == -ENOENT)
			return xlb_errf(xlb, err, "vip %s: no such vip", vs(k, b));
		return xlb_errs(xlb, err, "vip %s: lookup", vs(k, b));
	}
	return 0;
}

static struct xlb_backend *read_backends(struct xlb *xlb, int *err)
{
	struct xlb_backend *all;

	all = calloc(XLB_MAX_BACKENDS, sizeof(*all));
	if (!all) {
		*err = xlb_errf(xlb, -ENOMEM, "out of memory");
		return NULL;
	}
	*err = xlb_array_read_all(xlb->fds[M_BACKENDS], XLB_MAX_BACKENDS, sizeof(*all), all);
	if (*err) {
		xlb_errs(xlb, *err, "read xlb_backends");
		free(all);
		return NULL;
	}
	return all;
}

/* The VIP (normalised key and value) and a copy of every backend slot;
 * 0 or -errno. The caller frees *all. */
static int vip_and_backends(struct xlb *xlb, const struct xlb_vip_key *key,
			    struct xlb_vip_key *k, struct xlb_vip *v, struct xlb_backend **all)
{
	int err;

	err = vip_lookup(xlb, key, k, v);
	if (err)
		return err;
	*all = read_backends(xlb, &err);
	return *all ? 0 : err;
}

static bool be_of(const struct xlb_backend *b, __u32 vip_id)
{
	return (b->flags & XLB_BACKEND_F_VALID) && b->vip_id == vip_id;
}

static bool be_all_zero(const struct xlb_backend *b)
{
	static const struct xlb_backend zero;

	return !memcmp(b, &zero, sizeof(zero));
}

/* Create the inner map for ids[0..n-1], fill it, swap it in. */
static int ring_install(struct xlb *xlb, __u32 vip_id, const __u32 *ids, __u32 n)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	__u32 *keys, *vals, count = n + 1, i;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_ring", sizeof(__u32), sizeof(__u32),
			    n + 1, &mopts);
	if (fd < 0)
		return xlb_errs(xlb, neg_errno(), "create ring map of %u slots", n);
	keys = malloc(count * sizeof(*keys));
	vals = malloc(count * sizeof(*vals));
	if (!keys || !vals) {
		err = xlb_errf(xlb, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		keys[i] = i;
		vals[i] = i ? ids[i - 1] : n;
	}
	if (bpf_map_update_batch(fd, keys, vals, &count, &bopts)) {
		/* older kernels: one by one */
		for (i = 0; i < n + 1; i++) {
			if (bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_ANY)) {
				err = xlb_errs(xlb, neg_errno(), "fill ring map");
				goto out;
			}
		}
	}
	/* the atomic swap: packets see the old ring or the new one */
	if (bpf_map_update_elem(xlb->fds[M_RINGS], &vip_id, &fd, BPF_ANY))
		err = xlb_errs(xlb, neg_errno(), "swap ring of vip id %u", vip_id);
out:
	free(keys);
	free(vals);
	close(fd);
	return err;
}

/* Rebuild the ring of (k, v) from all[], leaving out backend skip_id. */
static int ring_rebuild(struct xlb *xlb, const struct xlb_vip_key *k, const struct xlb_vip *v,
			const struct xlb_backend *all, __u32 skip_id)
{
	struct xlb_maglev_backend *mb;
	__u32 *ring = NULL, n = 0, i, slots = 0;
	__u64 total = 0, g = 0;
	char b[VIPSTR];
	int err;

	mb = calloc(XLB_MAX_BACKENDS, sizeof(*mb));
	if (!mb)
		return xlb_errf(xlb, -ENOMEM, "out of memory");
	for (i = 0; i < XLB_MAX_BACKENDS; i++) {
		const struct xlb_backend *be = &all[i];

		if (i == skip_id || !be_of(be, v->id) || be->state != XLB_BACKEND_ACTIVE ||
		    !be->weight)
			continue;
		memcpy(mb[n].addr.addr, be->addr, 16);
		mb[n].weight = be->weight;
		mb[n].id = i;
		n++;
	}
	if (n) {
		if (v->sched == XLB_SCHED_RR) {
			/* one period of the sequence, at most a ring's worth */
			for (i = 0; i < n; i++) {
				__u64 a = g, w = mb[i].weight;

				total += w;
				while (w) {
					__u64 t = a % w;

					a = w;
					w = t;
				}
				g = a;
			}
			slots = total / g;
			if (slots > v->ring_size)
				slots = v->ring_size;
		} else {
			slots = v->ring_size ? v->ring_size : XLB_RING_SIZE_DEFAULT;
		}
		ring = malloc(slots * sizeof(*ring));
		if (!ring) {
			err = xlb_errf(xlb, -ENOMEM, "out of memory");
			goto out;
		}
		if (v->sched == XLB_SCHED_RR)
			err = xlb_wrr_build(mb, n, slots, ring);
		else
			err = xlb_maglev_build(mb, n, slots, ring);
		if (err) {
			xlb_errs(xlb, err, "vip %s: build ring", vs(k, b));
			goto out;
		}
	}
	err = ring_install(xlb, v->id, ring, slots);
out:
	free(ring);
	free(mb);
	return err;
}

static int rebuild_key(struct xlb *xlb, const struct xlb_vip_key *key)
{
	struct xlb_backend *all;
	struct xlb_vip_key k;
	struct xlb_vip v;
	int err;

	err = vip_and_backends(xlb, key, &k, &v, &all);
	if (err)
		return err;
	err = ring_rebuild(xlb, &k, &v, all, XLB_MAX_BACKENDS);
	free(all);
	return err;
}

int xlb_vip_rebuild(struct xlb *xlb, const struct xlb_vip_key *key)
{
	return rebuild_key(xlb, key);
}

/* ---- VIPs ------------------------------------------------------------------ */

static __u32 vip_filter_slot_of(const __u8 *addr)
{
	__u32 w[4];

	memcpy(w, addr, sizeof(w));
	return xlb_vip_filter_slot(w[0], w[1], w[2], w[3]);
}

int xlb_vip_filter_fill(struct xlb *xlb, int fd)
{
	struct xlb_addr cur, next;
	__u32 *cnt, slot;
	int err = 0;

	cnt = calloc(XLB_VIP_FILTER_SLOTS, sizeof(*cnt));
	if (!cnt)
		return -ENOMEM;
	if (!bpf_map_get_next_key(xlb->fds[M_VIP_ADDRS], NULL, &next)) {
		do {
			cur = next;
			cnt[vip_filter_slot_of(cur.addr)]++;
		} while (!bpf_map_get_next_key(xlb->fds[M_VIP_ADDRS], &cur, &next));
	}
	for (slot = 0; slot < XLB_VIP_FILTER_SLOTS && !err; slot++)
		if (cnt[slot] && bpf_map_update_elem(fd, &slot, &cnt[slot], BPF_ANY))
			err = neg_errno();
	free(cnt);
	return err;
}

/* Returns 0 after adding delta to the xlb_vip_filter slot of addr. */
static int vip_filter_ref(struct xlb *xlb, const __u8 *addr, int delta)
{
	__u32 slot = vip_filter_slot_of(addr), cnt = 0;

	if (bpf_map_lookup_elem(xlb->fds[M_VIP_FILTER], &slot, &cnt))
		return neg_errno();
	cnt = delta < 0 && cnt == 0 ? 0 : cnt + delta;
	if (bpf_map_update_elem(xlb->fds[M_VIP_FILTER], &slot, &cnt, BPF_ANY))
		return neg_errno();
	return 0;
}

static int vip_addr_ref(struct xlb *xlb, const __u8 *addr, int delta)
{
	struct xlb_addr a;
	__u32 cnt = 0;
	int err;

	memcpy(a.addr, addr, 16);
	if (bpf_map_lookup_elem(xlb->fds[M_VIP_ADDRS], &a, &cnt))
		cnt = 0;
	if (delta < 0 && cnt <= 1) {
		if (bpf_map_delete_elem(xlb->fds[M_VIP_ADDRS], &a) && errno != ENOENT)
			return neg_errno();
		/* after the last VIP on addr is gone: the filter stays a superset */
		return cnt ? vip_filter_ref(xlb, addr, -1) : 0;
	}
	if (!cnt) {	/* first VIP on addr: the filter lets it through first */
		err = vip_filter_ref(xlb, addr, +1);
		if (err)
			return err;
	}
	cnt += delta;
	if (bpf_map_update_elem(xlb->fds[M_VIP_ADDRS], &a, &cnt, BPF_ANY))
		return neg_errno();
	return 0;
}

int xlb_vip_add(struct xlb *xlb, const struct xlb_vip_key *key, enum xlb_sched sched,
		__u32 ring_size)
{
	bool used[XLB_MAX_VIPS] = {};
	struct xlb_vip_key k, cur, next;
	struct xlb_vip v = {}, tmp;
	struct xlb_addr a;
	char b[VIPSTR];
	__u32 id, zero = 0;
	int err;

	norm_key(&k, key);
	memcpy(a.addr, k.addr, 16);
	if (k.proto != IPPROTO_TCP && k.proto != IPPROTO_UDP)
		return xlb_errf(xlb, -EINVAL, "vip: protocol %u is not tcp or udp", k.proto);
	if (!k.port)
		return xlb_errf(xlb, -EINVAL, "vip %s: port 0", vs(&k, b));
	if ((unsigned)sched >= XLB_SCHED_MAX)
		return xlb_errf(xlb, -EINVAL, "vip %s: unknown scheduler %d", vs(&k, b), sched);
	if (!ring_size)
		ring_size = XLB_RING_SIZE_DEFAULT;
	if (!xlb_ring_size_valid(ring_size))
		return xlb_errf(xlb, -EINVAL, "vip %s: ring size %u is not one of the allowed primes",
				vs(&k, b), ring_size);
	if (!bpf_map_lookup_elem(xlb->fds[M_VIPS], &k, &tmp))
		return xlb_errf(xlb, -EEXIST, "vip %s: already exists", vs(&k, b));

	/* lowest free id */
	if (!bpf_map_get_next_key(xlb->fds[M_VIPS], NULL, &cur)) {
		do {
			if (!bpf_map_lookup_elem(xlb->fds[M_VIPS], &cur, &tmp) &&
			    tmp.id < XLB_MAX_VIPS)
				used[tmp.id] = true;
		} while (!bpf_map_get_next_key(xlb->fds[M_VIPS], &cur, &next) &&
			 (cur = next, 1));
	}
	for (id = 0; id < XLB_MAX_VIPS && used[id]; id++)
		;
	if (id == XLB_MAX_VIPS)
		return xlb_errf(xlb, -ENOSPC, "vip %s: all %d vip ids in use", vs(&k, b),
				XLB_MAX_VIPS);

	v.id = id;
	v.ring_size = ring_size;
	v.sched = sched;
	v.flags = xlb_addr_is_v4(&a) ? 0 : XLB_VIP_F_V6;

	err = percpu_zero(xlb->fds[M_VIP_STATS], id, sizeof(struct xlb_vip_stats));
	if (!err)
		err = percpu_zero(xlb->fds[M_RR], id, sizeof(__u32));
	if (err)
		return xlb_errs(xlb, err, "vip %s: reset counters", vs(&k, b));
	err = ring_install(xlb, id, &zero, 0);
	if (err)
		return err;
	err = vip_addr_ref(xlb, k.addr, +1);
	if (err) {
		xlb_errs(xlb, err, "vip %s: xlb_vip_addrs", vs(&k, b));
		goto out_ring;
	}
	/* last: the data plane sees the VIP only once its ring exists */
	if (bpf_map_update_elem(xlb->fds[M_VIPS], &k, &v, BPF_NOEXIST)) {
		err = xlb_errs(xlb, neg_errno(), "vip %s: add", vs(&k, b));
		goto out_ref;
	}
	return 0;
out_ref:
	vip_addr_ref(xlb, k.addr, -1);
out_ring:
	bpf_map_delete_elem(xlb->fds[M_RINGS], &id);
	return err;
}

/*
 * Returns 0 after giving VIP k the settings nv (old ones: ov): the ring is
 * rebuilt for nv and swapped in, then the VIP entry is updated; if that
 * fails, the ring for ov goes back, so the VIP is left as it was.
 */
static int vip_update_rebuild(struct xlb *xlb, const struct xlb_vip_key *k,
			      const struct xlb_vip *ov, const struct xlb_vip *nv, const char *what)
{
	struct xlb_backend *all;
	char b[VIPSTR];
	int err;

	all = read_backends(xlb, &err);
	if (!all)
		return err;
	err = ring_rebuild(xlb, k, nv, all, XLB_MAX_BACKENDS);
	if (err)
		goto out;
	if (bpf_map_update_elem(xlb->fds[M_VIPS], k, nv, BPF_EXIST)) {
		err = neg_errno();
		ring_rebuild(xlb, k, ov, all, XLB_MAX_BACKENDS);
		xlb_errs(xlb, err, "vip %s: %s", vs(k, b), what);
	}
out:
	free(all);
	return err;
}

int xlb_vip_set_sched(struct xlb *xlb, const struct xlb_vip_key *key, enum xlb_sched sched)
{
	struct xlb_vip_key k;
	struct xlb_vip v, nv;
	int err;

	if ((unsigned)sched >= XLB_SCHED_MAX)
		return xlb_errf(xlb, -EINVAL, "unknown scheduler %d", sched);
	err = vip_lookup(xlb, key, &k, &v);
	if (err || v.sched == sched)
		return err;
	nv = v;
	nv.sched = sched;
	return vip_update_rebuild(xlb, &k, &v, &nv, "set scheduler");
}

int xlb_vip_set_ring_size(struct xlb *xlb, const struct xlb_vip_key *key, __u32 ring_size)
{
	struct xlb_vip_key k;
	struct xlb_vip v, nv;
	char b[VIPSTR];
	int err;

	if (!ring_size)
		ring_size = XLB_RING_SIZE_DEFAULT;
	err = vip_lookup(xlb, key, &k, &v);
	if (err)
		return err;
	if (!xlb_ring_size_valid(ring_size))
		return xlb_errf(xlb, -EINVAL, "vip %s: ring size %u is not one of the allowed primes",
				vs(&k, b), ring_size);
	if (v.ring_size == ring_size)
		return 0;
	nv = v;
	nv.ring_size = ring_size;
	return vip_update_rebuild(xlb, &k, &v, &nv, "set ring size");
}

int xlb_vip_del(struct xlb *xlb, const struct xlb_vip_key *key)
{
	struct xlb_backend *all;
	struct xlb_vip_key k;
	struct xlb_vip v;
	char b[VIPSTR];
	__u32 i;
	int err, ref_err;

	err = vip_and_backends(xlb, key, &k, &v, &all);
	if (err)
		return err;
	/* first unreachable, then dismantled */
	if (bpf_map_delete_elem(xlb->fds[M_VIPS], &k)) {
		err = xlb_errs(xlb, neg_errno(), "vip %s: delete", vs(&k, b));
		goto out;
	}
	bpf_map_delete_elem(xlb->fds[M_RINGS], &v.id);
	/* Established flows never look the VIP up (xlb_conn_hit): they stop
	 * only when their backend is invalid, so every backend is cleared
	 * before we return, even if one update fails. */
	for (i = 0; i < XLB_MAX_BACKENDS; i++) {
		if (!be_of(&all[i], v.id))
			continue;
		all[i].flags &= ~XLB_BACKEND_F_VALID;
		if (bpf_map_update_elem(xlb->fds[M_BACKENDS], &i, &all[i], BPF_ANY))
			err = xlb_errs(xlb, neg_errno(), "vip %s: delete backend id %u",
				       vs(&k, b), i);
	}
	ref_err = vip_addr_ref(xlb, k.addr, -1);
	if (ref_err)
		err = xlb_errs(xlb, ref_err, "vip %s: xlb_vip_addrs", vs(&k, b));
out:
	free(all);
	return err;
}

static void vip_fill_info(const struct xlb_vip_key *k, const struct xlb_vip *v,
			  const struct xlb_backend *all, struct xlb_vip_info *out)
{
	__u32 i;

	memset(out, 0, sizeof(*out));
	out->key = *k;
	out->id = v->id;
	out->sched = v->sched;
	out->ring_size = v->ring_size;
	for (i = 0; i < XLB_MAX_BACKENDS; i++) {
		if (!be_of(&all[i], v->id))
			continue;
		out->n_backends++;
		if (all[i].state == XLB_BACKEND_ACTIVE)
			out->n_active++;
	}
}

int xlb_vip_get(struct xlb *xlb, const struct xlb_vip_key *key, struct xlb_vip_info *out)
{
	struct xlb_backend *all;
	struct xlb_vip_key k;
	struct xlb_vip v;
	int err;

	err = vip_and_backends(xlb, key, &k, &v, &all);
	if (err)
		return err;
	vip_fill_info(&k, &v, all, out);
	free(all);
	return 0;
}

struct vip_ent {
	struct xlb_vip_key k;
	struct xlb_vip v;
};

static int cmp_vip_ent(const void *a, const void *b)
{
	const struct vip_ent *x = a, *y = b;

	return x->v.id < y->v.id ? -1 : x->v.id > y->v.id;
}

/* Every VIP, sorted by id; caller frees *out. */
static int list_vips(struct xlb *xlb, struct vip_ent **out, __u32 *n)
{
	struct vip_ent *e;
	struct xlb_vip_key cur, next;
	__u32 cnt = 0;
	int err;

	e = calloc(XLB_MAX_VIPS, sizeof(*e));
	if (!e)
		return xlb_errf(xlb, -ENOMEM, "out of memory");
	err = bpf_map_get_next_key(xlb->fds[M_VIPS], NULL, &next);
	while (!err && cnt < XLB_MAX_VIPS) {
		cur = next;
		if (!bpf_map_lookup_elem(xlb->fds[M_VIPS], &cur, &e[cnt].v))
			e[cnt++].k = cur;
		err = bpf_map_get_next_key(xlb->fds[M_VIPS], &cur, &next);
	}
	qsort(e, cnt, sizeof(*e), cmp_vip_ent);
	*out = e;
	*n = cnt;
	return 0;
}

int xlb_vip_foreach(struct xlb *xlb, xlb_vip_cb cb, void *ctx)
{
	struct xlb_backend *all;
	struct xlb_vip_info info;
	struct vip_ent *e;
	__u32 n, i;
	int err;

	all = read_backends(xlb, &err);
	if (!all)
		return err;
	err = list_vips(xlb, &e, &n);
	if (err)
		goto out;
	for (i = 0; i < n && !err; i++) {
		vip_fill_info(&e[i].k, &e[i].v, all, &info);
		err = cb(&info, ctx);
	}
	free(e);
out:
	free(all);
	return err;
}

/* ---- backends -------------------------------------------------------------- */

static int find_backend(const struct xlb_backend *all, __u32 vip_id, const struct xlb_addr *a)
{
	__u32 i;

	for (i = 0; i < XLB_MAX_BACKENDS; i++)
		if (be_of(&all[i], vip_id) && !memcmp(all[i].addr, a->addr, 16))
			return i;
	return -1;
}

/* Delete every flow whose backend is id (before the id is reused). */
static int purge_conns_of(struct xlb *xlb, __u32 id)
{
	struct xlb_flow cur, next, *del = NULL;
	size_t ndel = 0, cap = 0, i;
	struct xlb_conn c;
	int fd = xlb_conns_fd(xlb), err;

	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err) {
		cur = next;
		if (!bpf_map_lookup_elem(fd, &cur, &c) && c.backend_id == id) {
			if (ndel == cap) {
				struct xlb_flow *t;

				cap = cap ? cap * 2 : 256;
				t = realloc(del, cap * sizeof(*del));
				if (!t) {
					free(del);
					return -ENOMEM;
				}
				del = t;
			}
			del[ndel++] = cur;
		}
		err = bpf_map_get_next_key(fd, &cur, &next);
	}
	for (i = 0; i < ndel; i++)
		bpf_map_delete_elem(fd, &del[i]);
	free(del);
	return 0;
}

/* Warns when the backend's egress is an 802.1Q device: XDP cannot transmit
 * on one (no ndo_xdp_xmit), so the kernel would drop what xlb redirects. */
static void warn_if_vlan(const char *backend, int ifindex)
{
	char name[IF_NAMESIZE], path[64 + IF_NAMESIZE], line[128];
	bool vlan = false;
	FILE *f;

	if (!if_indextoname(ifindex, name))
		return;
	snprintf(path, sizeof(path), "/sys/class/net/%s/uevent", name);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		vlan |= !strcmp(line, "DEVTYPE=vlan\n");
	if (f)
		fclose(f);
	if (vlan)
		xlb_log(XLB_LOG_WARN, "backend %s is reached through VLAN device %s: XDP cannot "
			"transmit on it, so its packets would be dropped; route backends over "
			"an untagged device\n", backend, name);
}

int xlb_backend_add(struct xlb *xlb, const struct xlb_vip_key *vip, const struct xlb_addr *addr,
		    __u16 weight, enum xlb_backend_state state, __u32 *id_out)
{
	return xlb_backend_add_nr(xlb, vip, addr, weight, state, id_out, true);
}

int xlb_backend_add_nr(struct xlb *xlb, const struct xlb_vip_key *vip, const struct xlb_addr *addr,
		       __u16 weight, enum xlb_backend_state state, __u32 *id_out, bool rebuild)
{
	struct xlb_backend *all, be = {}, old;
	struct xlb_vip_key k;
	struct xlb_vip v;
	char b[VIPSTR], as[INET6_ADDRSTRLEN], why[128];
	int err, i, id = -1, reuse = -1, ifindex[16], nif = 0;
	bool multipath = false;
	bool v4 = xlb_addr_is_v4(addr);

	err = vip_lookup(xlb, vip, &k, &v);
	if (err)
		return err;
	xlb_fmt_addr(addr, as, sizeof(as));
	if ((unsigned)state >= XLB_BACKEND_STATE_MAX)
		return xlb_errf(xlb, -EINVAL, "backend %s on %s: unknown state %d", as,
				vs(&k, b), state);
	if (v4 == !!(v.flags & XLB_VIP_F_V6))
		return xlb_errf(xlb, -EAFNOSUPPORT,
				"backend %s on %s: an %s vip needs %s backends", as, vs(&k, b),
				v4 ? "IPv6" : "IPv4", v4 ? "IPv6" : "IPv4");
	all = read_backends(xlb, &err);
	if (!all)
		return err;
	if (find_backend(all, v.id, addr) >= 0) {
		err = xlb_errf(xlb, -EEXIST, "backend %s on %s: already exists", as, vs(&k, b));
		goto out;
	}
	/* prefer never-used ids: a reused id must first lose its old flows */
	for (i = 0; i < XLB_MAX_BACKENDS && id < 0; i++) {
		if (be_all_zero(&all[i]))
			id = i;
		else if (reuse < 0 && !(all[i].flags & XLB_BACKEND_F_VALID))
			reuse = i;
	}
	if (id < 0 && reuse >= 0) {
		id = reuse;
		err = purge_conns_of(xlb, id);
		if (err) {
			xlb_errs(xlb, err, "backend %s on %s: purge flows of id %d", as,
				 vs(&k, b), id);
			goto out;
		}
	}
	if (id < 0) {
		err = xlb_errf(xlb, -ENOSPC, "backend %s on %s: all %d backend ids in use", as,
			       vs(&k, b), XLB_MAX_BACKENDS);
		goto out;
	}

	err = percpu_zero(xlb->fds[M_BE_STATS], id, sizeof(struct xlb_backend_stats));
	if (err) {
		xlb_errs(xlb, err, "backend %s on %s: reset counters", as, vs(&k, b));
		goto out;
	}
	err = xlb_neigh_resolve(addr, ifindex, 16, &nif, &multipath, why, sizeof(why));
	if (err)
		xlb_log(XLB_LOG_WARN, "backend %s: next hop not resolved (%s); will retry on traffic\n",
			as, why);
	for (i = 0; i < nif; i++) {	/* those resolved before any error */
		__u32 ifx = ifindex[i];

		if (bpf_map_update_elem(xlb->fds[M_TX_PORTS], &ifx, &ifx, BPF_ANY))
			xlb_log(XLB_LOG_WARN, "backend %s: xlb_tx_ports ifindex %u: %s\n", as,
				ifx, strerror(errno));
		warn_if_vlan(as, ifindex[i]);
	}
	err = 0;

	memcpy(be.addr, addr->addr, 16);
	be.vip_id = v.id;
	be.flags = XLB_BACKEND_F_VALID | (v4 ? 0 : XLB_BACKEND_F_V6) |
		   (multipath ? XLB_BACKEND_F_MULTIPATH : 0);
	be.weight = weight;
	be.state = state;
	if (bpf_map_update_elem(xlb->fds[M_BACKENDS], &id, &be, BPF_ANY)) {
		err = xlb_errs(xlb, neg_errno(), "backend %s on %s: add", as, vs(&k, b));
		goto out;
	}
	old = all[id];
	all[id] = be;
	if (rebuild && state == XLB_BACKEND_ACTIVE && weight) {
		err = ring_rebuild(xlb, &k, &v, all, XLB_MAX_BACKENDS);
		if (err) {
			/* the old ring is live and lacks id: restore the slot as it
			 * was (never used stays never used) */
			bpf_map_update_elem(xlb->fds[M_BACKENDS], &id, &old, BPF_ANY);
			goto out;
		}
	}
	if (id_out)
		*id_out = id;
out:
	free(all);
	return err;
}

/* Look up (vip, addr): fills k, v, all (caller frees) and the id. */
static int backend_find(struct xlb *xlb, const struct xlb_vip_key *vip, const struct xlb_addr *addr,
			struct xlb_vip_key *k, struct xlb_vip *v, struct xlb_backend **all,
			__u32 *id)
{
	char b[VIPSTR], as[INET6_ADDRSTRLEN];
	int err, i;

	err = vip_and_backends(xlb, vip, k, v, all);
	if (err)
		return err;
	i = find_backend(*all, v->id, addr);
	if (i < 0) {
		free(*all);
		*all = NULL;
		return xlb_errf(xlb, -ENOENT, "backend %s on %s: no such backend",
				xlb_fmt_addr(addr, as, sizeof(as)), vs(k, b));
	}
	*id = i;
	return 0;
}

static int backend_update(struct xlb *xlb, const struct xlb_vip_key *vip,
			  const struct xlb_addr *addr, int weight, int state)
{
	struct xlb_backend *all, old;
	struct xlb_vip_key k;
	struct xlb_vip v;
	char b[VIPSTR], as[INET6_ADDRSTRLEN];
	__u32 id;
	int err;

	if (state >= XLB_BACKEND_STATE_MAX)
		return xlb_errf(xlb, -EINVAL, "unknown backend state %d", state);
	err = backend_find(xlb, vip, addr, &k, &v, &all, &id);
	if (err)
		return err;
	old = all[id];
	if (weight >= 0)
		all[id].weight = weight;
	if (state >= 0)
		all[id].state = state;
	if (!memcmp(&old, &all[id], sizeof(old)))
		goto out;
	if (bpf_map_update_elem(xlb->fds[M_BACKENDS], &id, &all[id], BPF_ANY)) {
		err = xlb_errs(xlb, neg_errno(), "backend %s on %s: update",
			       xlb_fmt_addr(addr, as, sizeof(as)), vs(&k, b));
		goto out;
	}
	err = ring_rebuild(xlb, &k, &v, all, XLB_MAX_BACKENDS);
	if (err)	/* keep entry and ring consistent */
		bpf_map_update_elem(xlb->fds[M_BACKENDS], &id, &old, BPF_ANY);
out:
	free(all);
	return err;
}

int xlb_backend_set_weight(struct xlb *xlb, const struct xlb_vip_key *vip,
			   const struct xlb_addr *addr, __u16 weight)
{
	return backend_update(xlb, vip, addr, weight, -1);
}

int xlb_backend_set_state(struct xlb *xlb, const struct xlb_vip_key *vip,
			  const struct xlb_addr *addr, enum xlb_backend_state state)
{
	if ((unsigned)state >= XLB_BACKEND_STATE_MAX)
		return xlb_errf(xlb, -EINVAL, "unknown backend state %d", state);
	return backend_update(xlb, vip, addr, -1, state);
}

int xlb_backend_del(struct xlb *xlb, const struct xlb_vip_key *vip, const struct xlb_addr *addr)
{
	struct xlb_backend *all;
	struct xlb_vip_key k;
	struct xlb_vip v;
	char b[VIPSTR], as[INET6_ADDRSTRLEN];
	__u32 id;
	int err;

	err = backend_find(xlb, vip, addr, &k, &v, &all, &id);
	if (err)
		return err;
	/* out of the ring first, so no new flow picks it; then invalid */
	err = ring_rebuild(xlb, &k, &v, all, id);
	if (err)
		goto out;
	all[id].flags &= ~XLB_BACKEND_F_VALID;
	if (bpf_map_update_elem(xlb->fds[M_BACKENDS], &id, &all[id], BPF_ANY))
		err = xlb_errs(xlb, neg_errno(), "backend %s on %s: delete",
			       xlb_fmt_addr(addr, as, sizeof(as)), vs(&k, b));
out:
	free(all);
	return err;
}

static void be_fill_info(const struct xlb_vip_key *k, const struct xlb_backend *be, __u32 id,
			 struct xlb_backend_info *out)
{
	memset(out, 0, sizeof(*out));
	out->vip = *k;
	out->id = id;
	memcpy(out->addr.addr, be->addr, 16);
	out->weight = be->weight;
	out->state = be->state;
}

int xlb_backend_get(struct xlb *xlb, const struct xlb_vip_key *vip, const struct xlb_addr *addr,
		    struct xlb_backend_info *out)
{
	struct xlb_backend *all;
	struct xlb_vip_key k;
	struct xlb_vip v;
	__u32 id;
	int err;

	err = backend_find(xlb, vip, addr, &k, &v, &all, &id);
	if (err)
		return err;
	be_fill_info(&k, &all[id], id, out);
	free(all);
	return 0;
}

int xlb_backend_foreach(struct xlb *xlb, const struct xlb_vip_key *vip, xlb_backend_cb cb,
			void *ctx)
{
	struct xlb_backend_info info;
	struct xlb_backend *all;
	struct vip_ent *e = NULL, one;
	__u32 n = 1, i, j;
	int err;

	if (vip) {
		err = vip_lookup(xlb, vip, &one.k, &one.v);
		if (err)
			return err;
	}
	all = read_backends(xlb, &err);
	if (!all)
		return err;
	if (!vip) {
		err = list_vips(xlb, &e, &n);
		if (err)
			goto out;
	}
	for (i = 0; i < n && !err; i++) {
		const struct vip_ent *ve = vip ? &one : &e[i];

		for (j = 0; j < XLB_MAX_BACKENDS && !err; j++) {
			if (!be_of(&all[j], ve->v.id))
				continue;
			be_fill_info(&ve->k, &all[j], j, &info);
			err = cb(&info, ctx);
		}
	}
out:
	free(e);
	free(all);
	return err;
}

/* ---- counters -------------------------------------------------------------- */

int xlb_stats_global(struct xlb *xlb, struct xlb_counter out[XLB_STAT_MAX])
{
	__u32 s;
	int err;

	for (s = 0; s < XLB_STAT_MAX; s++) {
		err = percpu_sum(xlb->fds[M_STATS], s, 2, &out[s].packets);
		if (err == -ENOENT) {	/* pinned by an older xlb, with fewer reasons */
			memset(&out[s], 0, sizeof(out[s]));
			continue;
		}
		if (err)
			return xlb_errs(xlb, err, "read xlb_stats");
	}
	return 0;
}

int xlb_stats_vip(struct xlb *xlb, const struct xlb_vip_key *vip, struct xlb_vip_stats *out)
{
	struct xlb_vip_key k;
	struct xlb_vip v;
	int err;

	err = vip_lookup(xlb, vip, &k, &v);
	if (err)
		return err;
	err = percpu_sum(xlb->fds[M_VIP_STATS], v.id, 4, &out->packets);
	if (err)
		return xlb_errs(xlb, err, "read xlb_vip_stats");
	return 0;
}

int xlb_stats_backend(struct xlb *xlb, __u32 backend_id, struct xlb_backend_stats *out)
{
	int err;

	if (backend_id >= XLB_MAX_BACKENDS)
		return xlb_errf(xlb, -EINVAL, "backend id %u out of range", backend_id);
	err = percpu_sum(xlb->fds[M_BE_STATS], backend_id, 3, &out->packets);
	if (err)
		return xlb_errs(xlb, err, "read xlb_be_stats");
	return 0;
}

/* ---- connection table ------------------------------------------------------ */

int xlb_conn_foreach(struct xlb *xlb, const struct xlb_vip_key *vip, xlb_conn_cb cb, void *ctx)
{
	struct xlb_flow cur, next;
	struct xlb_vip_key k;
	struct xlb_vip v;
	struct xlb_conn c;
	int fd = xlb_conns_fd(xlb), err, ret = 0;

	if (vip) {
		err = vip_lookup(xlb, vip, &k, &v);
		if (err)
			return err;
	}
	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err && !ret) {
		cur = next;
		if (!bpf_map_lookup_elem(fd, &cur, &c) && (!vip || c.vip_id == v.id))
			ret = cb(&cur, &c, ctx);
		err = bpf_map_get_next_key(fd, &cur, &next);
	}
	return ret > 0 ? 0 : ret;
}

int xlb_conn_insert(struct xlb *xlb, const struct xlb_flow *flow, const struct xlb_conn *conn)
{
	struct xlb_flow f = *flow;

	memset(f.pad, 0, sizeof(f.pad));
	if (bpf_map_update_elem(xlb_conns_fd(xlb), &f, conn, BPF_ANY))
		return xlb_errs(xlb, neg_errno(), "insert flow");
	return 0;
}

/* ---- ring and settings ----------------------------------------------------- */

int xlb_ring_read(struct xlb *xlb, const struct xlb_vip_key *vip, __u32 *ids, __u32 cap, __u32 *n)
{
	struct xlb_vip_key k;
	struct xlb_vip v;
	__u32 inner_id, key0 = 0, cnt, i;
	char b[VIPSTR];
	int fd, err;

	err = vip_lookup(xlb, vip, &k, &v);
	if (err)
		return err;
	if (bpf_map_lookup_elem(xlb->fds[M_RINGS], &v.id, &inner_id)) {
		if (errno == ENOENT) {
			*n = 0;
			return 0;
		}
		return xlb_errs(xlb, neg_errno(), "vip %s: ring", vs(&k, b));
	}
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return xlb_errs(xlb, neg_errno(), "vip %s: ring map id %u", vs(&k, b), inner_id);
	if (bpf_map_lookup_elem(fd, &key0, &cnt)) {
		err = xlb_errs(xlb, neg_errno(), "vip %s: ring size", vs(&k, b));
		goto out;
	}
	*n = cnt;
	if (cap && ids && cnt) {
		__u32 m = cnt < cap ? cnt : cap, *buf;

		buf = malloc((cnt + 1) * sizeof(*buf));
		if (!buf) {
			err = -ENOMEM;
			goto out;
		}
		err = xlb_array_read_all(fd, cnt + 1, sizeof(__u32), buf);
		if (err)
			xlb_errs(xlb, err, "vip %s: read ring", vs(&k, b));
		else
			for (i = 0; i < m; i++)
				ids[i] = buf[i + 1];
		free(buf);
	}
out:
	close(fd);
	return err;
}

int xlb_config_get(struct xlb *xlb, struct xlb_config *out)
{
	__u32 k = 0;

	if (bpf_map_lookup_elem(xlb->fds[M_CONFIG], &k, out))
		return xlb_errs(xlb, neg_errno(), "read xlb_config");
	return 0;
}

int xlb_config_set(struct xlb *xlb, const struct xlb_config *cfg)
{
	struct xlb_config c = *cfg;
	__u32 k = 0;

	if (bpf_map_update_elem(xlb->fds[M_CONFIG], &k, &c, BPF_ANY))
		return xlb_errs(xlb, neg_errno(), "write xlb_config");
	return 0;
}
