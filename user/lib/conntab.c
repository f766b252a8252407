// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The connection table's size: read it, and change it under traffic.
 *
 * A BPF map cannot grow, so a resize makes a new table, copies the flows,
 * pins it over the old one (rename: the pin never disappears) and replaces
 * every attached balancer in place by one that uses it, as an upgrade does.
 * Flows the old program inserted between the first copy and the switch are
 * copied in a second pass; a packet that arrives before that is placed by
 * the same ring, so with maglev and sh it lands on the same backend.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

#define COPY_BATCH	4096

/* Returns the kernel's memlock figure for map fd (bytes), 0 if unknown. */
static __u64 map_memlock(int fd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

int xlb_conns_fd(struct xlb *xlb)
{
	struct bpf_map_info a = {}, b = {};
	__u32 la = sizeof(a), lb = sizeof(b);
	char path[PATH_MAX];
	int fd;

	if (xlb->mode == XLB_OPEN_UNPINNED)
		return xlb->fds[M_CONNS];
	xlb_pin_path(xlb, M_CONNS, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return xlb->fds[M_CONNS];
	if (!bpf_obj_get_info_by_fd(fd, &a, &la) &&
	    !bpf_obj_get_info_by_fd(xlb->fds[M_CONNS], &b, &lb) && a.id != b.id) {
		close(xlb->fds[M_CONNS]);	/* resized by another process */
		xlb->fds[M_CONNS] = fd;
		return fd;
	}
	close(fd);
	return xlb->fds[M_CONNS];
}

int xlb_conn_table_info(struct xlb *xlb, struct xlb_conn_table_info *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	int fd = xlb_conns_fd(xlb);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return xlb_errs(xlb, neg_errno(), "read xlb_conns info");
	out->entries = info.max_entries;
	out->map_id = info.id;
	out->memlock = map_memlock(fd);
	return 0;
}

/*
 * Returns 0 after copying every flow of from into to (*n: how many were
 * written). only_new: skip flows to already has (the second pass).
 */
static int copy_flows(int from, int to, bool only_new, __u64 *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	struct xlb_flow *keys;
	struct xlb_conn *vals;
	__u32 in, out, cnt, i;
	bool first = true;
	int err = 0;

	*n = 0;
	keys = calloc(COPY_BATCH, sizeof(*keys));
	vals = calloc(COPY_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		cnt = COPY_BATCH;
		err = bpf_map_lookup_batch(from, first ? NULL : &in, &out, keys, vals, &cnt, &o);
		if (err && errno != ENOENT) {
			err = neg_errno();
			goto out;
		}
		if (only_new) {
			for (i = 0; i < cnt; i++)
				if (!bpf_map_update_elem(to, &keys[i], &vals[i], BPF_NOEXIST))
					(*n)++;
		} else if (cnt) {
			__u32 done = cnt;

			if (bpf_map_update_batch(to, keys, vals, &done, &o)) {
				err = neg_errno();
				goto out;
			}
			*n += done;
		}
		if (err)	/* ENOENT: that was the last batch */
			break;
		in = out;
		first = false;
	}
	err = 0;
out:
	free(keys);
	free(vals);
	return err;
}

/* Pins fd at map m's path, replacing what is there without a gap. */
static int pin_over(struct xlb *xlb, int m, int fd)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	xlb_pin_path(xlb, m, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s_new", path);	/* bpffs refuses dots */
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		return xlb_errs(xlb, neg_errno(), "pin %s", tmp);
	if (chmod(tmp, 0600) || rename(tmp, path)) {
		int err = xlb_errs(xlb, neg_errno(), "replace pin %s", path);

		unlink(tmp);
		return err;
	}
	return 0;
}

struct devs {
	struct xlb_prog_info v[64];
	int n;
};

static int collect_dev(const struct xlb_prog_info *info, void *ctx)
{
	struct devs *d = ctx;

	if (d->n == (int)(sizeof(d->v) / sizeof(d->v[0])))
		return -E2BIG;
	d->v[d->n++] = *info;
	return 0;
}

/* Warns about balancers (other network namespaces) still on map old_id. */
static void warn_old_users(__u32 old_id)
{
	__u32 id = 0, ids[64], len, i;
	struct bpf_prog_info info;
	int fd;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = 64;
		info.map_ids = (__u64)(unsigned long)ids;
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, XLB_PROG_NAME))
			for (i = 0; i < info.nr_map_ids && i < 64; i++)
				if (ids[i] == old_id)
					xlb_log(XLB_LOG_WARN,
						"program id %u still uses the old connection table "
						"(attached in another network namespace?): run "
						"'lbctl prog attach' there to switch it\n", id);
		close(fd);
	}
}

int xlb_conn_table_resize(struct xlb *xlb, __u32 entries, __u64 *copied)
{
	struct xlb_conn_table_info cur;
	int old_fd = xlb_conns_fd(xlb), new_fd = -1, err, i, done = 0;
	struct devs devs = { .n = 0 };
	__u64 n1 = 0, n2 = 0;

	*copied = 0;
	if (entries < XLB_CONNS_MIN || entries > XLB_CONNS_MAX)
		return xlb_errf(xlb, -EINVAL, "connection table size %u: must be %u-%u", entries,
				XLB_CONNS_MIN, XLB_CONNS_MAX);
	if (xlb->mode == XLB_OPEN_UNPINNED)
		return xlb_errf(xlb, -EOPNOTSUPP, "resize: only pinned state can be resized");
	err = xlb_conn_table_info(xlb, &cur);
	if (err || cur.entries == entries)
		return err;
	err = xlb_prog_foreach(xlb, collect_dev, &devs);
	if (err)
		return xlb_errs(xlb, err, "list the interfaces running xlb");
	err = xlb_new_conn_table(xlb, entries, &new_fd);
	if (err)
		return err;
	err = copy_flows(old_fd, new_fd, false, &n1);
	if (err) {
		xlb_errs(xlb, err, "copy flows into the new connection table");
		goto out_close;
	}
	err = pin_over(xlb, M_CONNS, new_fd);
	if (err)
		goto out_close;
	xlb->fds[M_CONNS] = new_fd;
	for (done = 0; done < devs.n; done++) {
		err = xlb_prog_attach(xlb, devs.v[done].dev, devs.v[done].mode);
		if (err)
			goto out_rollback;
	}
	err = copy_flows(old_fd, new_fd, true, &n2);
	if (err)	/* the switch is done: only some late flows get placed again */
		xlb_log(XLB_LOG_WARN, "second copy of flows: %s\n", strerror(-err));
	warn_old_users(cur.map_id);
	*copied = n1 + n2;
	close(old_fd);
	return 0;

out_rollback:
	{
		char why[sizeof(xlb->err)];

		snprintf(why, sizeof(why), "%s", xlb->err);
		xlb->fds[M_CONNS] = old_fd;
		if (pin_over(xlb, M_CONNS, old_fd))
			xlb_log(XLB_LOG_WARN, "restore pin of the old table: %s\n", xlb->err);
		for (i = 0; i < done; i++)
			if (xlb_prog_attach(xlb, devs.v[i].dev, devs.v[i].mode))
				xlb_log(XLB_LOG_WARN, "%s: back to the old table: %s\n",
					devs.v[i].dev, xlb->err);
		err = xlb_errf(xlb, err, "%s; the old table stays", why);
	}
out_close:
	close(new_fd);
	return err;
}
