// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attaching the balancer and the decap program to devices.
 *
 * This kernel refuses freplace, so libxdp's dispatcher cannot work: we ask
 * libxdp for legacy single-program mode (LIBXDP_SKIP_DISPATCHER) and fall
 * back to plain bpf_xdp_attach(). Upgrades replace the program atomically
 * with XDP_FLAGS_REPLACE; the new program reuses the pinned maps.
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "internal.h"
#include "xlb.skel.h"
#include "decap.skel.h"

/* Name of program id (bpf_prog_info.name), "" if it is gone. */
static void prog_name(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd;

	name[0] = '\0';
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(name, len, "%s", info.name);
	close(fd);
}

bool xlb_prog_uses_map(__u32 prog_id, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 ids[64], len = sizeof(info), i;
	bool found = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (i = 0; i < info.nr_map_ids && i < 64 && !found; i++)
			found = ids[i] == map_id;
	close(fd);
	return found;
}

struct attached {
	__u32 id;
	__u32 flags;	/* XDP_FLAGS_DRV_MODE / XDP_FLAGS_SKB_MODE */
	enum xlb_attach_mode mode;
	char name[BPF_OBJ_NAME_LEN];
};

/* The program on ifindex (native first, then generic); 0 if none. */
static int query_attached(int ifindex, struct attached *a)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	memset(a, 0, sizeof(*a));
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (q.drv_prog_id) {
		a->id = q.drv_prog_id;
		a->flags = XDP_FLAGS_DRV_MODE;
		a->mode = XLB_ATTACH_NATIVE;
	} else if (q.skb_prog_id) {
		a->id = q.skb_prog_id;
		a->flags = XDP_FLAGS_SKB_MODE;
		a->mode = XLB_ATTACH_GENERIC;
	} else if (q.prog_id) {
		a->id = q.prog_id;
		a->flags = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
							     XDP_FLAGS_DRV_MODE;
		a->mode = q.attach_mode == XDP_ATTACHED_SKB ? XLB_ATTACH_GENERIC :
							     XLB_ATTACH_NATIVE;
	}
	if (a->id)
		prog_name(a->id, a->name, sizeof(a->name));
	return 0;
}

static __u32 mode_flags(enum xlb_attach_mode mode)
{
	switch (mode) {
	case XLB_ATTACH_NATIVE:
		return XDP_FLAGS_DRV_MODE;
	case XLB_ATTACH_GENERIC:
		return XDP_FLAGS_SKB_MODE;
	default:
		return 0;
	}
}

static enum xdp_attach_mode xdp_mode(enum xlb_attach_mode mode)
{
	switch (mode) {
	case XLB_ATTACH_NATIVE:
		return XDP_MODE_NATIVE;
	case XLB_ATTACH_GENERIC:
		return XDP_MODE_SKB;
	default:
		return XDP_MODE_UNSPEC;
	}
}

/* First attach of prog_fd: libxdp in legacy mode, else libbpf directly. */
static int attach_new(int ifindex, int prog_fd, enum xlb_attach_mode mode)
{
	struct xdp_program *prog;
	int fd, err;

	/* freplace is refused here: skip the dispatcher probe and its warnings */
	setenv("LIBXDP_SKIP_DISPATCHER", "1", 0);
	fd = dup(prog_fd);	/* xdp_program__close() closes the fd it was given */
	if (fd < 0)
		return neg_errno();
	prog = xdp_program__from_fd(fd);
	err = libxdp_get_error(prog);
	if (!err) {
		err = xdp_program__attach(prog, ifindex, xdp_mode(mode), 0);
		xdp_program__close(prog);
		if (!err)
			return 0;
		xlb_log(XLB_LOG_DEBUG, "libxdp attach failed (%s), using bpf_xdp_attach\n",
			strerror(-err));
	} else {
		close(fd);
	}
	if (bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flags(mode),
			   NULL))
		return neg_errno();
	return 0;
}

static int replace_prog(int ifindex, const struct attached *a, int new_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int old_fd, err = 0;

	old_fd = bpf_prog_get_fd_by_id(a->id);
	if (old_fd < 0)
		return neg_errno();
	opts.old_prog_fd = old_fd;
	if (bpf_xdp_attach(ifindex, new_fd, XDP_FLAGS_REPLACE | a->flags, &opts))
		err = neg_errno();
	close(old_fd);
	return err;
}

static int prog_attach_locked(struct xlb *xlb, const char *dev, enum xlb_attach_mode mode);

int xlb_prog_attach(struct xlb *xlb, const char *dev, enum xlb_attach_mode mode)
{
	int err = xlb_lock(xlb);

	if (err)
		return err;
	err = prog_attach_locked(xlb, dev, mode);
	xlb_unlock(xlb);
	return err;
}

/* xlb_prog_attach() under xlb_lock(): a resize cannot swap the table between
 * loading the program and attaching it. */
static int prog_attach_locked(struct xlb *xlb, const char *dev, enum xlb_attach_mode mode)
{
	struct xlb_bpf *skel = NULL;
	struct attached a;
	int ifindex, err;

	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return xlb_errs(xlb, neg_errno(), "device %s", dev);
	err = query_attached(ifindex, &a);
	if (err)
		return xlb_errs(xlb, err, "%s: query XDP", dev);
	if (a.id && strcmp(a.name, XLB_PROG_NAME))
		return xlb_errf(xlb, -EBUSY, "%s already runs XDP program '%s' (id %u)",
				dev, a.name, a.id);

	if (a.id) {
		/* Upgrade in place: a new program on the same pinned maps. */
		err = xlb_load_prog(xlb, &skel);
		if (err)
			return err;
		err = replace_prog(ifindex, &a, bpf_program__fd(skel->progs.xlb_ingress));
		if (err) {
			xlb_bpf__destroy(skel);
			return xlb_errs(xlb, err, "%s: replace XDP program id %u", dev, a.id);
		}
		if (mode != XLB_ATTACH_AUTO && mode != a.mode)
			xlb_log(XLB_LOG_WARN, "%s: xlb kept in %s mode it was attached in\n",
				dev, a.mode == XLB_ATTACH_NATIVE ? "native" : "generic");
		goto out_keep;
	}

	if (!xlb->skel) {
		err = xlb_load_prog(xlb, &skel);
		if (err)
			return err;
	} else {
		skel = xlb->skel;
	}
	err = attach_new(ifindex, bpf_program__fd(skel->progs.xlb_ingress), mode);
	if (err) {
		if (skel != xlb->skel)
			xlb_bpf__destroy(skel);
		if (err == -EEXIST || err == -EBUSY) {
			query_attached(ifindex, &a);
			if (a.id)
				return xlb_errf(xlb, -EBUSY,
						"%s already runs XDP program '%s' (id %u)",
						dev, a.name, a.id);
		}
		return xlb_errs(xlb, err, "%s: attach XDP program", dev);
	}
out_keep:
	if (skel != xlb->skel) {
		xlb_bpf__destroy(xlb->skel);
		xlb->skel = skel;
	}
	xlb->prog_fd = bpf_program__fd(skel->progs.xlb_ingress);
	return 0;
}

int xlb_prog_foreach(struct xlb *xlb, xlb_prog_cb cb, void *ctx)
{
	struct if_nameindex *ifs, *i;
	int err = 0, k;

	ifs = if_nameindex();
	if (!ifs)
		return xlb_errs(xlb, neg_errno(), "list interfaces");
	for (i = ifs; i->if_index && !err; i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		__u32 ids[2];
		char name[BPF_OBJ_NAME_LEN];

		if (bpf_xdp_query(i->if_index, 0, &q))
			continue;
		ids[0] = q.drv_prog_id;
		ids[1] = q.skb_prog_id;
		if (!ids[0] && !ids[1] && q.prog_id)
			ids[q.attach_mode == XDP_ATTACHED_SKB] = q.prog_id;
		for (k = 0; k < 2 && !err; k++) {
			struct xlb_prog_info info = {};

			if (!ids[k])
				continue;
			prog_name(ids[k], name, sizeof(name));
			if (strcmp(name, XLB_PROG_NAME))
				continue;
			snprintf(info.dev, sizeof(info.dev), "%s", i->if_name);
			info.ifindex = i->if_index;
			info.prog_id = ids[k];
			info.mode = k ? XLB_ATTACH_GENERIC : XLB_ATTACH_NATIVE;
			if (cb)
				err = cb(&info, ctx);
		}
	}
	if_freenameindex(ifs);
	return err;
}

struct ours {
	__u32 vips_id;	/* this instance's xlb_vips map */
	int n;
};

/* Counts the programs of this instance (they use its xlb_vips), not those
 * of another pin directory attached in the same namespace. */
static int count_ours_cb(const struct xlb_prog_info *info, void *ctx)
{
	struct ours *o = ctx;

	if (xlb_prog_uses_map(info->prog_id, o->vips_id))
		o->n++;
	return 0;
}

/* Returns an fd of the XDP program named want attached to dev (ifindex),
 * with its attach flags in *a, or -errno with err_buf naming what failed. */
static int named_prog_fd(int ifindex, const char *dev, const char *want, struct attached *a,
			 char *err_buf, size_t errlen)
{
	int err, fd;

	err = query_attached(ifindex, a);
	if (err) {
		snprintf(err_buf, errlen, "%s: query XDP: %s", dev, strerror(-err));
		return err;
	}
	if (!a->id) {
		snprintf(err_buf, errlen, "%s: no XDP program attached", dev);
		return -ENOENT;
	}
	if (strcmp(a->name, want)) {
		snprintf(err_buf, errlen, "%s runs XDP program '%s' (id %u), not %s",
			 dev, a->name, a->id, want);
		return -ENOENT;
	}
	fd = bpf_prog_get_fd_by_id(a->id);
	if (fd < 0) {
		err = neg_errno();
		snprintf(err_buf, errlen, "%s: program id %u: %s", dev, a->id, strerror(-err));
		return err;
	}
	return fd;
}

static int detach_named(int ifindex, const char *dev, const char *want, char *err_buf,
			size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct attached a;
	int err = 0, fd;

	fd = named_prog_fd(ifindex, dev, want, &a, err_buf, errlen);
	if (fd < 0)
		return fd;
	opts.old_prog_fd = fd;
	if (bpf_xdp_attach(ifindex, -1, XDP_FLAGS_REPLACE | a.flags, &opts)) {
		err = neg_errno();
		snprintf(err_buf, errlen, "%s: detach XDP program: %s", dev, strerror(-err));
	}
	close(fd);
	return err;
}

int xlb_prog_detach(struct xlb *xlb, const char *dev, bool keep_pins)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	struct ours o = { 0, 0 };
	int ifindex, err;

	ifindex = if_nametoindex(dev);
	if (!ifindex)
		return xlb_errs(xlb, neg_errno(), "device %s", dev);
	err = xlb_lock(xlb);
	if (err)
		return err;
	err = detach_named(ifindex, dev, XLB_PROG_NAME, xlb->err, sizeof(xlb->err));
	if (!err && !keep_pins && xlb->mode != XLB_OPEN_UNPINNED &&
	    !bpf_obj_get_info_by_fd(xlb->fds[M_VIPS], &mi, &len)) {
		o.vips_id = mi.id;
		if (!xlb_prog_foreach(xlb, count_ours_cb, &o) && o.n == 0)
			xlb_unpin_all(xlb);
	}
	xlb_unlock(xlb);
	return err;
}

/* ---- decap ----------------------------------------------------------------- */

static int decap_add_dev_addrs(int map_fd, const char *dev, int *count)
{
	struct ifaddrs *ifa, *i;
	__u32 one = 1;
	int err = 0;

	if (getifaddrs(&ifa))
		return neg_errno();
	for (i = ifa; i; i = i->ifa_next) {
		struct xlb_addr a = {};

		if (!i->ifa_addr || strcmp(i->ifa_name, dev))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a.addr[10] = a.addr[11] = 0xff;
			memcpy(&a.addr[12], &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		if (bpf_map_update_elem(map_fd, &a, &one, BPF_ANY)) {
			err = neg_errno();
			break;
		}
		(*count)++;
	}
	freeifaddrs(ifa);
	return err;
}

int xlb_decap_attach(const char *dev, enum xlb_attach_mode mode,
		     const struct xlb_addr *addrs, size_t n, char *err_buf, size_t errlen)
{
	struct decap_bpf *skel;
	struct attached a;
	int ifindex, err, map_fd, count = 0;
	__u32 one = 1;
	size_t k;

	ifindex = if_nametoindex(dev);
	if (!ifindex) {
		err = neg_errno();
		snprintf(err_buf, errlen, "device %s: %s", dev, strerror(-err));
		return err;
	}
	err = query_attached(ifindex, &a);
	if (!err && a.id && strcmp(a.name, XLB_DECAP_PROG_NAME)) {
		snprintf(err_buf, errlen, "%s already runs XDP program '%s' (id %u)",
			 dev, a.name, a.id);
		return -EBUSY;
	}
	skel = decap_bpf__open_and_load();
	if (!skel) {
		err = neg_errno();
		snprintf(err_buf, errlen, "load decap program: %s", strerror(-err));
		return err;
	}
	map_fd = bpf_map__fd(skel->maps.decap_addrs);
	if (n) {
		for (k = 0; k < n; k++) {
			if (bpf_map_update_elem(map_fd, &addrs[k], &one, BPF_ANY)) {
				err = neg_errno();
				snprintf(err_buf, errlen, "decap_addrs: %s", strerror(-err));
				goto out_destroy;
			}
		}
	} else {
		err = decap_add_dev_addrs(map_fd, dev, &count);
		if (err) {
			snprintf(err_buf, errlen, "%s: addresses: %s", dev, strerror(-err));
			goto out_destroy;
		}
		if (!count)
			xlb_log(XLB_LOG_WARN, "%s: no address configured: decap accepts nothing\n",
				dev);
	}
	if (a.id)
		err = replace_prog(ifindex, &a, bpf_program__fd(skel->progs.xlb_decap));
	else
		err = attach_new(ifindex, bpf_program__fd(skel->progs.xlb_decap), mode);
	if (err)
		snprintf(err_buf, errlen, "%s: attach decap program: %s", dev, strerror(-err));
out_destroy:
	/* attached (legacy mode) programs hold their own references */
	decap_bpf__destroy(skel);
	return err;
}

int xlb_decap_detach(const char *dev, char *err_buf, size_t errlen)
{
	int ifindex, err;

	ifindex = if_nametoindex(dev);
	if (!ifindex) {
		err = neg_errno();
		snprintf(err_buf, errlen, "device %s: %s", dev, strerror(-err));
		return err;
	}
	return detach_named(ifindex, dev, XLB_DECAP_PROG_NAME, err_buf, errlen);
}

int xlb_decap_stats(const char *dev, struct xlb_counter out[XLB_DECAP_STAT_MAX],
		    char *err_buf, size_t errlen)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info), map_ids[16], k, s;
	struct xlb_counter *pc;
	struct attached a;
	int ifindex, err, fd, ncpu, map_fd = -1;

	ifindex = if_nametoindex(dev);
	if (!ifindex) {
		err = neg_errno();
		snprintf(err_buf, errlen, "device %s: %s", dev, strerror(-err));
		return err;
	}
	fd = named_prog_fd(ifindex, dev, XLB_DECAP_PROG_NAME, &a, err_buf, errlen);
	if (fd < 0)
		return fd;
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)map_ids;
	err = bpf_obj_get_info_by_fd(fd, &info, &ilen) ? neg_errno() : 0;
	close(fd);
	if (err) {
		snprintf(err_buf, errlen, "%s: program info: %s", dev, strerror(-err));
		return err;
	}
	for (k = 0; k < info.nr_map_ids && k < 16 && map_fd < 0; k++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);

		fd = bpf_map_get_fd_by_id(map_ids[k]);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) && !strcmp(mi.name, "decap_stats"))
			map_fd = fd;
		else
			close(fd);
	}
	if (map_fd < 0) {
		snprintf(err_buf, errlen, "%s: decap_stats map not found", dev);
		return -ENOENT;
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		close(map_fd);
		snprintf(err_buf, errlen, "%s: number of possible CPUs: %s", dev,
			 strerror(ncpu ? -ncpu : EINVAL));
		return ncpu ? ncpu : -EINVAL;
	}
	pc = calloc(ncpu, sizeof(*pc));
	if (!pc) {
		close(map_fd);
		snprintf(err_buf, errlen, "%s: out of memory", dev);
		return -ENOMEM;
	}
	memset(out, 0, sizeof(*out) * XLB_DECAP_STAT_MAX);
	for (s = 0; s < XLB_DECAP_STAT_MAX; s++) {
		if (bpf_map_lookup_elem(map_fd, &s, pc)) {
			err = neg_errno();
			snprintf(err_buf, errlen, "%s: decap_stats: %s", dev, strerror(-err));
			break;
		}
		for (k = 0; k < (__u32)ncpu; k++) {
			out[s].packets += pc[k].packets;
			out[s].bytes += pc[k].bytes;
		}
	}
	free(pc);
	close(map_fd);
	return err;
}
