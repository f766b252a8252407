// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted Maglev (Eisenbud et al., NSDI '16, section 3.4) and smooth
 * weighted round robin. Pure: no I/O, no BPF.
 *
 * Placement depends only on the (address, weight) set: backends are sorted
 * by address first, and offset/skip come from two hashes of the address.
 * Weights: each population round a backend earns weight credits and takes
 * one turn per max_weight credits (Katran's weighted population), so shares
 * follow weights and an unchanged backend keeps most of its slots.
 * The permutation is computed on the fly (offset + j * skip) % M, and slot
 * occupancy is a bitmap that fits in L1: no per-backend M-sized arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct mg_state {
	__u64 credit;
	__u32 pos;	/* current permutation position */
	__u32 skip;
	__u32 weight;
	__u32 id;
	const struct xlb_addr *addr;
};

static __u64 mix64(__u64 x)
{
	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static __u64 addr_hash(const struct xlb_addr *a, __u64 seed)
{
	__u64 lo, hi;

	memcpy(&lo, a->addr, 8);
	memcpy(&hi, a->addr + 8, 8);
	return mix64(mix64(lo ^ seed) ^ hi ^ (seed << 1));
}

static int cmp_backend(const void *pa, const void *pb)
{
	const struct xlb_maglev_backend *a = *(const struct xlb_maglev_backend * const *)pa;
	const struct xlb_maglev_backend *b = *(const struct xlb_maglev_backend * const *)pb;
	int c = memcmp(a->addr.addr, b->addr.addr, 16);

	if (c)
		return c;
	if (a->weight != b->weight)
		return a->weight < b->weight ? -1 : 1;
	return 0;
}

/* Sorted pointers to the backends with weight > 0; *m gets their count. */
static int sorted_backends(const struct xlb_maglev_backend *b, size_t n,
			   const struct xlb_maglev_backend ***out, size_t *m)
{
	const struct xlb_maglev_backend **v;
	size_t i, k = 0;

	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (b[i].weight)
			v[k++] = &b[i];
	if (!k) {
		free(v);
		return -ENOENT;
	}
	qsort(v, k, sizeof(*v), cmp_backend);
	*out = v;
	*m = k;
	return 0;
}

static bool is_prime(__u32 n)
{
	__u32 d;

	if (n < 2)
		return false;
	for (d = 2; (__u64)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

int xlb_maglev_build(const struct xlb_maglev_backend *b, size_t n, __u32 size, __u32 *ring)
{
	const struct xlb_maglev_backend **v;
	struct mg_state *st;
	__u64 *used, max_w = 0;
	size_t m, i, filled = 0;
	int err;

	if (!ring || size < 2 || !is_prime(size))
		return -EINVAL;
	err = sorted_backends(b, n, &v, &m);
	if (err)
		return err;
	st = calloc(m, sizeof(*st));
	used = calloc((size + 63) / 64, sizeof(*used));
	if (!st || !used) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < m; i++) {
		st[i].pos = addr_hash(&v[i]->addr, 0x786c62306d67316fULL) % size;
		st[i].skip = addr_hash(&v[i]->addr, 0x786c6231736b6970ULL) % (size - 1) + 1;
		st[i].weight = v[i]->weight;
		st[i].id = v[i]->id;
		if (v[i]->weight > max_w)
			max_w = v[i]->weight;
	}
	while (filled < size) {
		for (i = 0; i < m && filled < size; i++) {
			struct mg_state *s = &st[i];
			__u32 c;

			s->credit += s->weight;
			if (s->credit < max_w)
				continue;
			s->credit -= max_w;
			c = s->pos;
			while (used[c >> 6] & (1ULL << (c & 63))) {
				c += s->skip;
				if (c >= size)
					c -= size;
			}
			used[c >> 6] |= 1ULL << (c & 63);
			ring[c] = s->id;
			filled++;
			c += s->skip;
			if (c >= size)
				c -= size;
			s->pos = c;
		}
	}
out:
	free(used);
	free(st);
	free(v);
	return err;
}

int xlb_wrr_build(const struct xlb_maglev_backend *b, size_t n, __u32 size, __u32 *ring)
{
	const struct xlb_maglev_backend **v;
	__s64 *cur, total = 0;
	size_t m, i, best;
	__u32 k;
	int err;

	if (!ring || !size)
		return -EINVAL;
	err = sorted_backends(b, n, &v, &m);
	if (err)
		return err;
	cur = calloc(m, sizeof(*cur));
	if (!cur) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < m; i++)
		total += v[i]->weight;
	/* nginx's smooth weighted round robin (ngx_http_upstream_get_peer) */
	for (k = 0; k < size; k++) {
		best = 0;
		for (i = 0; i < m; i++) {
			cur[i] += v[i]->weight;
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= total;
		ring[k] = v[best]->id;
	}
	free(cur);
	free(v);
	return 0;
}
