// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Declarative configuration in libconfig format:
 *
 *   settings = { encap_src4 = "198.19.0.0"; encap_src6 = "fd00:786c:6200::";
 *                conns = 2097153; new_flow_limit = 0; };
 *   vips = ( { proto = "tcp"; address = "198.18.0.10"; port = 80; sched = "maglev";
 *              ring = 65537;
 *              backends = ( { address = "198.18.1.10"; weight = 100; state = "active"; } ); } );
 *
 * Loading validates the whole file before touching anything, then applies
 * the difference to the live state. Top-level keys other than settings and
 * vips belong to other readers of the same file (xlbd) and are ignored.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

#include <libconfig.h>

#include "internal.h"

struct want_be {
	struct xlb_addr addr;
	__u16 weight;
	enum xlb_backend_state state;
};

struct want_vip {
	struct xlb_vip_key key;
	enum xlb_sched sched;
	__u32 ring;
	struct want_be *be;
	size_t n_be;
};

struct want {
	bool has_src4, has_src6, has_conns, has_limit;
	__u8 src4[4], src6[16];
	__u32 conns;		/* connection-table entries */
	__u32 limit;		/* new_flow_limit */
	struct want_vip *vips;
	size_t n_vips;
};

static void want_free(struct want *w)
{
	size_t i;

	for (i = 0; i < w->n_vips; i++)
		free(w->vips[i].be);
	free(w->vips);
}

/* Returns 0 with the live settings in w (encap sources, table size, limit). */
static int live_settings(struct xlb *xlb, struct want *w)
{
	struct xlb_conn_table_info t;
	struct xlb_config c;
	int err;

	err = xlb_config_get(xlb, &c);
	if (!err)
		err = xlb_conn_table_info(xlb, &t);
	if (err)
		return err;
	w->has_src4 = w->has_src6 = w->has_conns = w->has_limit = true;
	memcpy(w->src4, c.encap_src4, 4);
	memcpy(w->src6, c.encap_src6, 16);
	w->conns = t.entries;
	w->limit = c.new_flow_limit;
	return 0;
}

/* ---- save ------------------------------------------------------------------ */

struct save_ctx {
	struct xlb *xlb;
	config_setting_t *vips;
	config_setting_t *cur_backends;
	int err;
};

static void set_str(config_setting_t *g, const char *name, const char *v)
{
	config_setting_set_string(config_setting_add(g, name, CONFIG_TYPE_STRING), v);
}

static void set_int(config_setting_t *g, const char *name, int v)
{
	config_setting_set_int(config_setting_add(g, name, CONFIG_TYPE_INT), v);
}

static int save_be_cb(const struct xlb_backend_info *bi, void *ctx)
{
	struct save_ctx *s = ctx;
	config_setting_t *g = config_setting_add(s->cur_backends, NULL, CONFIG_TYPE_GROUP);
	char a[INET6_ADDRSTRLEN];

	set_str(g, "address", xlb_fmt_addr(&bi->addr, a, sizeof(a)));
	set_int(g, "weight", bi->weight);
	set_str(g, "state", xlb_state_name(bi->state));
	return 0;
}

static int save_vip_cb(const struct xlb_vip_info *vi, void *ctx)
{
	struct save_ctx *s = ctx;
	config_setting_t *g = config_setting_add(s->vips, NULL, CONFIG_TYPE_GROUP);
	struct xlb_addr addr;
	char a[INET6_ADDRSTRLEN];

	memcpy(addr.addr, vi->key.addr, 16);
	set_str(g, "proto", vi->key.proto == IPPROTO_TCP ? "tcp" : "udp");
	set_str(g, "address", xlb_fmt_addr(&addr, a, sizeof(a)));
	set_int(g, "port", ntohs(vi->key.port));
	set_str(g, "sched", xlb_sched_name(vi->sched));
	set_int(g, "ring", vi->ring_size);
	s->cur_backends = config_setting_add(g, "backends", CONFIG_TYPE_LIST);
	return xlb_backend_foreach(s->xlb, &vi->key, save_be_cb, s);
}

int xlb_config_save(struct xlb *xlb, FILE *f)
{
	struct save_ctx s = { .xlb = xlb };
	config_setting_t *root, *set;
	struct xlb_addr a = {};
	char buf[INET6_ADDRSTRLEN];
	struct want w = {};
	config_t cfg;
	int err;

	err = live_settings(xlb, &w);
	if (err)
		return err;
	config_init(&cfg);
	root = config_root_setting(&cfg);
	set = config_setting_add(root, "settings", CONFIG_TYPE_GROUP);
	a.addr[10] = a.addr[11] = 0xff;
	memcpy(&a.addr[12], w.src4, 4);
	set_str(set, "encap_src4", xlb_fmt_addr(&a, buf, sizeof(buf)));
	inet_ntop(AF_INET6, w.src6, buf, sizeof(buf));
	set_str(set, "encap_src6", buf);
	set_int(set, "conns", (int)w.conns);
	set_int(set, "new_flow_limit", (int)w.limit);
	s.vips = config_setting_add(root, "vips", CONFIG_TYPE_LIST);
	err = xlb_vip_foreach(xlb, save_vip_cb, &s);
	if (!err) {
		config_write(&cfg, f);
		if (fflush(f) || ferror(f))
			err = xlb_errs(xlb, neg_errno(), "write configuration");
	}
	config_destroy(&cfg);
	return err;
}

/* ---- validation ------------------------------------------------------------ */

struct vctx {
	struct xlb *xlb;
	const char *path;
};

__attribute__((format(printf, 3, 4)))
static int verr(struct vctx *v, const config_setting_t *s, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xlb_errf(v->xlb, -EINVAL, "%s:%d: %s", v->path,
			s ? config_setting_source_line(s) : 0, msg);
}

static bool key_in(const char *name, const char *const *keys)
{
	for (; *keys; keys++)
		if (!strcmp(name, *keys))
			return true;
	return false;
}

/* Every member of group g must be one of keys. */
static int check_keys(struct vctx *v, const config_setting_t *g, const char *what,
		      const char *const *keys)
{
	int i, n;

	if (!config_setting_is_group(g))
		return verr(v, g, "%s must be a group { ... }", what);
	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, i);

		if (!key_in(config_setting_name(m), keys))
			return verr(v, m, "%s: unknown key '%s'", what, config_setting_name(m));
	}
	return 0;
}

static int get_str(struct vctx *v, const config_setting_t *g, const char *name, bool required,
		   const char **out)
{
	const config_setting_t *m = config_setting_get_member(g, name);

	*out = NULL;
	if (!m)
		return required ? verr(v, g, "missing '%s'", name) : 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return verr(v, m, "'%s' must be a string", name);
	*out = config_setting_get_string(m);
	return 0;
}

static int get_int(struct vctx *v, const config_setting_t *g, const char *name, bool required,
		   long long lo, long long hi, long long *out, bool *found)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	long long x;

	*found = false;
	if (!m)
		return required ? verr(v, g, "missing '%s'", name) : 0;
	if (config_setting_type(m) == CONFIG_TYPE_INT)
		x = config_setting_get_int(m);
	else if (config_setting_type(m) == CONFIG_TYPE_INT64)
		x = config_setting_get_int64(m);
	else
		return verr(v, m, "'%s' must be an integer", name);
	if (x < lo || x > hi)
		return verr(v, m, "bad %s %lld (allowed %lld..%lld)", name, x, lo, hi);
	*out = x;
	*found = true;
	return 0;
}

static int parse_settings(struct vctx *v, const config_setting_t *g, struct want *w)
{
	static const char *const keys[] = { "encap_src4", "encap_src6", "conns", "new_flow_limit",
					    NULL };
	const char *s;
	struct xlb_addr a;
	long long n;
	bool found;
	int err;

	err = check_keys(v, g, "settings", keys);
	if (err)
		return err;
	err = get_str(v, g, "encap_src4", false, &s);
	if (err)
		return err;
	if (s) {
		if (xlb_parse_addr(s, &a) || !xlb_addr_is_v4(&a))
			return verr(v, config_setting_get_member(g, "encap_src4"),
				    "bad encap_src4 '%s' (an IPv4 address)", s);
		memcpy(w->src4, &a.addr[12], 4);
		w->has_src4 = true;
	}
	err = get_str(v, g, "encap_src6", false, &s);
	if (err)
		return err;
	if (s) {
		if (xlb_parse_addr(s, &a) || xlb_addr_is_v4(&a))
			return verr(v, config_setting_get_member(g, "encap_src6"),
				    "bad encap_src6 '%s' (an IPv6 address)", s);
		memcpy(w->src6, a.addr, 16);
		w->has_src6 = true;
	}
	err = get_int(v, g, "conns", false, XLB_CONNS_MIN, XLB_CONNS_MAX, &n, &found);
	if (err)
		return err;
	w->has_conns = found;
	w->conns = found ? (__u32)n : 0;
	err = get_int(v, g, "new_flow_limit", false, 0, XLB_NEW_FLOW_LIMIT_MAX, &n, &found);
	if (err)
		return err;
	w->has_limit = found;
	w->limit = found ? (__u32)n : 0;
	return 0;
}

static int parse_backend(struct vctx *v, const config_setting_t *g, struct want_vip *wv,
			 struct want_be *out)
{
	static const char *const keys[] = { "address", "weight", "state", NULL };
	char vb[64], ab[INET6_ADDRSTRLEN];
	const char *s;
	long long x;
	bool found;
	size_t i;
	int err;

	err = check_keys(v, g, "backend", keys);
	if (err)
		return err;
	err = get_str(v, g, "address", true, &s);
	if (err)
		return err;
	if (xlb_parse_addr(s, &out->addr))
		return verr(v, config_setting_get_member(g, "address"), "bad address '%s'", s);
	if (xlb_addr_is_v4(&out->addr) != xlb_addr_is_v4((const struct xlb_addr *)wv->key.addr))
		return verr(v, config_setting_get_member(g, "address"),
			    "backend %s on %s: address family differs from the vip's", s,
			    xlb_fmt_vip(&wv->key, vb, sizeof(vb)));
	out->weight = XLB_WEIGHT_DEFAULT;
	err = get_int(v, g, "weight", false, 0, XLB_WEIGHT_MAX, &x, &found);
	if (err)
		return err;
	if (found)
		out->weight = x;
	out->state = XLB_BACKEND_ACTIVE;
	err = get_str(v, g, "state", false, &s);
	if (err)
		return err;
	if (s && xlb_parse_state(s, &out->state))
		return verr(v, config_setting_get_member(g, "state"),
			    "unknown state '%s' (active, draining, standby)", s);
	for (i = 0; i < wv->n_be; i++)
		if (!memcmp(&wv->be[i].addr, &out->addr, sizeof(out->addr)))
			return verr(v, g, "duplicate backend %s on %s",
				    xlb_fmt_addr(&out->addr, ab, sizeof(ab)),
				    xlb_fmt_vip(&wv->key, vb, sizeof(vb)));
	return 0;
}

static int parse_vip(struct vctx *v, const config_setting_t *g, struct want *w,
		     struct want_vip *out)
{
	static const char *const keys[] = { "proto", "address", "port", "sched", "ring",
					    "backends", NULL };
	const config_setting_t *bl;
	struct xlb_addr a;
	const char *s, *proto;
	char vb[64];
	long long x;
	bool found;
	size_t i;
	int err, n, k;

	memset(out, 0, sizeof(*out));
	err = check_keys(v, g, "vip", keys);
	if (err)
		return err;
	err = get_str(v, g, "proto", true, &proto);
	if (err)
		return err;
	if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
		return verr(v, config_setting_get_member(g, "proto"),
			    "unknown proto '%s' (tcp, udp)", proto);
	err = get_str(v, g, "address", true, &s);
	if (err)
		return err;
	if (xlb_parse_addr(s, &a))
		return verr(v, config_setting_get_member(g, "address"), "bad address '%s'", s);
	err = get_int(v, g, "port", true, 1, 65535, &x, &found);
	if (err)
		return err;
	memcpy(out->key.addr, a.addr, 16);
	out->key.port = htons(x);
	out->key.proto = strcmp(proto, "tcp") ? IPPROTO_UDP : IPPROTO_TCP;
	out->sched = XLB_SCHED_MAGLEV;
	err = get_str(v, g, "sched", false, &s);
	if (err)
		return err;
	if (s && xlb_parse_sched(s, &out->sched))
		return verr(v, config_setting_get_member(g, "sched"),
			    "unknown sched '%s' (maglev, sh, rr, random)", s);
	out->ring = XLB_RING_SIZE_DEFAULT;
	err = get_int(v, g, "ring", false, 1, XLB_RING_SIZE_MAX, &x, &found);
	if (err)
		return err;
	if (found) {
		if (!xlb_ring_size_valid(x))
			return verr(v, config_setting_get_member(g, "ring"),
				    "ring %lld is not an allowed prime (1021, 4093, 16381, 65537, "
				    "131071, 262139, 524287, 1048573)", x);
		out->ring = x;
	}
	for (i = 0; i < w->n_vips; i++)
		if (!memcmp(&w->vips[i].key, &out->key, sizeof(out->key)))
			return verr(v, g, "duplicate vip %s",
				    xlb_fmt_vip(&out->key, vb, sizeof(vb)));
	bl = config_setting_get_member(g, "backends");
	if (!bl)
		return 0;
	if (!config_setting_is_list(bl) && !config_setting_is_array(bl))
		return verr(v, bl, "backends must be a list ( { ... }, ... )");
	n = config_setting_length(bl);
	if (n > XLB_MAX_BACKENDS)
		return verr(v, bl, "more than %d backends", XLB_MAX_BACKENDS);
	out->be = calloc(n ? n : 1, sizeof(*out->be));
	if (!out->be)
		return xlb_errf(v->xlb, -ENOMEM, "out of memory");
	for (k = 0; k < n; k++) {
		err = parse_backend(v, config_setting_get_elem(bl, k), out, &out->be[out->n_be]);
		if (err)
			return err;
		out->n_be++;
	}
	return 0;
}

static int parse_file(struct vctx *v, config_t *cfg, struct want *w)
{
	const config_setting_t *root = config_root_setting(cfg), *s, *vl;
	size_t total_be = 0;
	int err, n, k;

	s = config_setting_get_member(root, "settings");
	if (s) {
		err = parse_settings(v, s, w);
		if (err)
			return err;
	}
	vl = config_setting_get_member(root, "vips");
	if (!vl)
		return 0;
	if (!config_setting_is_list(vl) && !config_setting_is_array(vl))
		return verr(v, vl, "vips must be a list ( { ... }, ... )");
	n = config_setting_length(vl);
	if (n > XLB_MAX_VIPS)
		return verr(v, vl, "more than %d vips", XLB_MAX_VIPS);
	w->vips = calloc(n ? n : 1, sizeof(*w->vips));
	if (!w->vips)
		return xlb_errf(v->xlb, -ENOMEM, "out of memory");
	for (k = 0; k < n; k++) {
		err = parse_vip(v, config_setting_get_elem(vl, k), w, &w->vips[w->n_vips]);
		w->n_vips++;	/* counted even on error so that want_free() frees it */
		if (err)
			return err;
		total_be += w->vips[k].n_be;
	}
	if (total_be > XLB_MAX_BACKENDS)
		return verr(v, vl, "%zu backends in all, at most %d", total_be, XLB_MAX_BACKENDS);
	return 0;
}

/* ---- apply ------------------------------------------------------------------ */

/* One pass of applying a want: counts the changes it makes, so that a test
 * can make the nth one fail as the kernel might (xlb_fault_config_change). */
struct applier {
	struct xlb *xlb;
	int changes;
	int fail_at;	/* 0: never */
};

/* Returns 0 before each change, or the injected -EIO. */
static int change(struct applier *a)
{
	if (a->fail_at && ++a->changes == a->fail_at)
		return xlb_errf(a->xlb, -EIO, "injected fault at change %d", a->changes);
	return 0;
}

struct live_list {
	struct xlb_vip_info *v;
	size_t n;
	struct xlb_backend_info *b;
	size_t nb, capb;
};

static int live_vip_cb(const struct xlb_vip_info *vi, void *ctx)
{
	struct live_list *l = ctx;

	l->v[l->n++] = *vi;
	return 0;
}

static int live_be_cb(const struct xlb_backend_info *bi, void *ctx)
{
	struct live_list *l = ctx;

	if (l->nb == l->capb)
		return -ENOMEM;
	l->b[l->nb++] = *bi;
	return 0;
}

static const struct want_vip *want_find(const struct want *w, const struct xlb_vip_key *k)
{
	size_t i;

	for (i = 0; i < w->n_vips; i++)
		if (!memcmp(&w->vips[i].key, k, sizeof(*k)))
			return &w->vips[i];
	return NULL;
}

/* Returns 0 after deleting the live backends of wv's VIP that wv lacks. */
static int prune_vip(struct applier *a, const struct want_vip *wv, struct live_list *l)
{
	bool found;
	size_t i, j;
	int err;

	l->nb = 0;
	err = xlb_backend_foreach(a->xlb, &wv->key, live_be_cb, l);
	if (err)
		return err;
	for (j = 0; j < l->nb; j++) {
		for (i = 0, found = false; i < wv->n_be && !found; i++)
			found = !memcmp(&wv->be[i].addr, &l->b[j].addr, sizeof(struct xlb_addr));
		if (found)
			continue;
		err = change(a);
		if (!err)
			err = xlb_backend_del(a->xlb, &wv->key, &l->b[j].addr);
		if (err)
			return err;
	}
	return 0;
}

/* Returns 0 after giving the live backend lb wb's weight and state. */
static int update_backend(struct applier *a, const struct xlb_vip_key *vip,
			  const struct xlb_backend_info *lb, const struct want_be *wb)
{
	int err = 0;

	if (lb->weight != wb->weight) {
		err = change(a);
		if (!err)
			err = xlb_backend_set_weight(a->xlb, vip, &wb->addr, wb->weight);
	}
	if (!err && lb->state != wb->state) {
		err = change(a);
		if (!err)
			err = xlb_backend_set_state(a->xlb, vip, &wb->addr, wb->state);
	}
	return err;
}

static int apply_vip(struct applier *a, const struct want_vip *wv,
		     const struct xlb_vip_info *live, struct live_list *l)
{
	struct xlb *xlb = a->xlb;
	bool changed = false, found;
	size_t i, j;
	int err;

	if (!live) {
		err = change(a);
		if (!err)
			err = xlb_vip_add(xlb, &wv->key, wv->sched, wv->ring);
		if (err)
			return err;
	} else {
		if (live->sched != wv->sched) {
			err = change(a);
			if (!err)
				err = xlb_vip_set_sched(xlb, &wv->key, wv->sched);
			if (err)
				return err;
		}
		if (live->ring_size != wv->ring) {
			err = change(a);
			if (!err)
				err = xlb_vip_set_ring_size(xlb, &wv->key, wv->ring);
			if (err)
				return err;
		}
	}
	l->nb = 0;
	err = xlb_backend_foreach(xlb, &wv->key, live_be_cb, l);
	if (err)
		return err;
	/* changes, then additions (prune_vip() made the removals) */
	for (i = 0; i < wv->n_be; i++) {
		const struct want_be *wb = &wv->be[i];

		for (j = 0, found = false; j < l->nb && !found; j++)
			found = !memcmp(&wb->addr, &l->b[j].addr, sizeof(struct xlb_addr));
		if (found) {
			err = update_backend(a, &wv->key, &l->b[j - 1], wb);
			if (err)
				return err;
			continue;
		}
		err = change(a);
		if (!err)
			err = xlb_backend_add_nr(xlb, &wv->key, &wb->addr, wb->weight, wb->state,
						 NULL, false);
		if (err)
			return err;
		changed = true;
	}
	if (!changed)
		return 0;
	err = change(a);
	return err ? err : xlb_vip_rebuild(xlb, &wv->key);
}

static const struct xlb_vip_info *live_find(const struct live_list *l,
					    const struct xlb_vip_key *k)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!memcmp(&l->v[i].key, k, sizeof(*k)))
			return &l->v[i];
	return NULL;
}

/* Returns 0 after setting the encap sources and table size w names. */
static int apply_settings(struct applier *a, const struct want *w)
{
	struct xlb_conn_table_info t;
	struct xlb_config c;
	__u64 copied;
	int err;

	if (w->has_conns) {
		err = xlb_conn_table_info(a->xlb, &t);
		if (!err && t.entries != w->conns) {
			err = change(a);
			if (!err)
				err = xlb_conn_table_resize(a->xlb, w->conns, &copied);
		}
		if (err)
			return err;
	}

	if (!w->has_src4 && !w->has_src6 && !w->has_limit)
		return 0;
	err = xlb_config_get(a->xlb, &c);
	if (err)
		return err;
	if ((!w->has_src4 || !memcmp(c.encap_src4, w->src4, 4)) &&
	    (!w->has_src6 || !memcmp(c.encap_src6, w->src6, 16)) &&
	    (!w->has_limit || c.new_flow_limit == w->limit))
		return 0;
	if (w->has_src4)
		memcpy(c.encap_src4, w->src4, 4);
	if (w->has_src6)
		memcpy(c.encap_src6, w->src6, 16);
	if (w->has_limit)
		c.new_flow_limit = w->limit;
	err = change(a);
	return err ? err : xlb_config_set(a->xlb, &c);
}

/* Returns 0 after making the live state w, as a diff. */
static int apply(struct applier *a, const struct want *w)
{
	struct live_list l = {};
	size_t i;
	int err;

	err = apply_settings(a, w);
	if (err)
		return err;
	l.v = calloc(XLB_MAX_VIPS, sizeof(*l.v));
	l.capb = XLB_MAX_BACKENDS;
	l.b = calloc(l.capb, sizeof(*l.b));
	if (!l.v || !l.b) {
		err = xlb_errf(a->xlb, -ENOMEM, "out of memory");
		goto out;
	}
	err = xlb_vip_foreach(a->xlb, live_vip_cb, &l);
	if (err)
		goto out;
	for (i = 0; i < l.n; i++) {
		if (want_find(w, &l.v[i].key))
			continue;
		err = change(a);
		if (!err)
			err = xlb_vip_del(a->xlb, &l.v[i].key);
		if (err)
			goto out;
	}
	/* Every removal before any addition: VIP and backend ids are global,
	 * so an addition may need an id that a later VIP's removal frees. */
	for (i = 0; i < w->n_vips; i++) {
		if (!live_find(&l, &w->vips[i].key))
			continue;
		err = prune_vip(a, &w->vips[i], &l);
		if (err)
			goto out;
	}
	for (i = 0; i < w->n_vips; i++) {
		err = apply_vip(a, &w->vips[i], live_find(&l, &w->vips[i].key), &l);
		if (err)
			goto out;
	}
out:
	free(l.v);
	free(l.b);
	return err;
}

/* ---- snapshot (what a failed load rolls back to) ------------------------------- */

struct snap_ctx {
	struct xlb *xlb;
	struct want *w;
	int err;
};

static int snap_be_cb(const struct xlb_backend_info *bi, void *ctx)
{
	struct want_vip *wv = ctx;
	struct want_be *t;

	t = realloc(wv->be, (wv->n_be + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	wv->be = t;
	t[wv->n_be].addr = bi->addr;
	t[wv->n_be].weight = bi->weight;
	t[wv->n_be].state = bi->state;
	wv->n_be++;
	return 0;
}

static int snap_vip_cb(const struct xlb_vip_info *vi, void *ctx)
{
	struct snap_ctx *s = ctx;
	struct want *w = s->w;
	struct want_vip *t;

	t = realloc(w->vips, (w->n_vips + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	w->vips = t;
	t = &w->vips[w->n_vips++];
	memset(t, 0, sizeof(*t));
	t->key = vi->key;
	t->sched = vi->sched;
	t->ring = vi->ring_size;
	return xlb_backend_foreach(s->xlb, &vi->key, snap_be_cb, t);
}

/* Returns 0 with the whole live state in w (settings, VIPs, backends). */
static int snapshot(struct xlb *xlb, struct want *w)
{
	struct snap_ctx s = { .xlb = xlb, .w = w };
	int err;

	err = live_settings(xlb, w);
	if (err)
		return err;
	err = xlb_vip_foreach(xlb, snap_vip_cb, &s);
	if (err)
		return xlb_errs(xlb, err, "reading the live state before the load");
	return 0;
}

/* Read and validate path into w; errors go to xlb (or, NULL, the open error). */
static int read_file(struct xlb *xlb, const char *path, config_t *cfg, struct want *w)
{
	struct vctx v = { .xlb = xlb, .path = path };

	if (!config_read_file(cfg, path)) {
		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
			return xlb_errs(xlb, -ENOENT, "%s", path);
		return xlb_errf(xlb, -EINVAL, "%s:%d: %s",
				config_error_file(cfg) ? config_error_file(cfg) : path,
				config_error_line(cfg), config_error_text(cfg));
	}
	return parse_file(&v, cfg, w);
}

int xlb_config_check(const char *path, char *errbuf, size_t errlen)
{
	struct want w = {};
	config_t cfg;
	int err;

	config_init(&cfg);
	err = read_file(NULL, path, &cfg, &w);
	if (err && errbuf && errlen)
		snprintf(errbuf, errlen, "%s", xlb_open_errmsg());
	want_free(&w);
	config_destroy(&cfg);
	return err;
}

void xlb_fault_config_change(struct xlb *xlb, int nth)
{
	xlb->fault_config_change = nth;
}

int xlb_config_load(struct xlb *xlb, const char *path)
{
	struct applier a = { .xlb = xlb, .fail_at = xlb->fault_config_change };
	struct want w = {}, before = {};
	char why[sizeof(xlb->err)], rwhy[sizeof(xlb->err)];
	config_t cfg;
	int err, rerr;

	xlb->fault_config_change = 0;
	config_init(&cfg);
	err = read_file(xlb, path, &cfg, &w);
	if (!err)
		err = snapshot(xlb, &before);
	if (err)
		goto out;
	err = apply(&a, &w);
	if (!err)
		goto out;
	/* The kernel refused a change halfway: put back what was there. A
	 * backend deleted and restored gets a new id; its flows are placed
	 * again by the restored (identical) ring. */
	snprintf(why, sizeof(why), "%s", xlb->err);
	rerr = apply(&(struct applier){ .xlb = xlb }, &before);
	if (rerr) {
		snprintf(rwhy, sizeof(rwhy), "%s", xlb->err);
		xlb_errf(xlb, err, "%s; rolling back failed too (%s): the state is partly applied",
			 why, rwhy);
	}
	else
		xlb_errf(xlb, err, "%s; rolled back to the state before the load", why);
out:
	want_free(&before);
	want_free(&w);
	config_destroy(&cfg);
	return err;
}
