// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The connection table's size: read it, and change it under traffic.
 *
 * A BPF map cannot grow, so a resize makes a new table, copies the flows,
 * pins it over the old one (rename: the pin never disappears) and replaces
 * every balancer attached on the old table in place by one that uses the
 * new one, as an upgrade does. Flows the old program inserted between the
 * first copy and the switch are copied in a second pass; a packet that
 * arrives before that is placed by the same ring, so with maglev and sh it
 * lands on the same backend. All of it runs under xlb_lock(), as attach and
 * detach do, so two resizes (or a resize and an attach) cannot interleave.
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

/* Returns 0 with the table behind fd described in out, or -errno. */
static int table_info(int fd, struct xlb_conn_table_info *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return neg_errno();
	out->entries = info.max_entries;
	out->map_id = info.id;
	out->memlock = map_memlock(fd);
	return 0;
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
		xlb_forget_prog(xlb);	/* a program of ours would pin the old one */
		return fd;
	}
	close(fd);
	return xlb->fds[M_CONNS];
}

int xlb_refresh(struct xlb *xlb)
{
	xlb_conns_fd(xlb);
	return 0;
}

int xlb_conn_table_info(struct xlb *xlb, struct xlb_conn_table_info *out)
{
	int err = table_info(xlb_conns_fd(xlb), out);

	return err ? xlb_errs(xlb, err, "read xlb_conns info") : 0;
}

/*
 * Returns 0 after copying the flows of from into to; *n: flows written.
 * only_new: skip flows to already has (the second pass).
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

/* Returns 0 with the number of flows in table fd in *n. */
static int count_flows(int fd, __u64 *n)
{
	struct xlb_flow cur, next;
	int err;

	*n = 0;
	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err) {
		(*n)++;
		cur = next;
		err = bpf_map_get_next_key(fd, &cur, &next);
	}
	return errno == ENOENT ? 0 : neg_errno();
}

/* Returns the map id behind the pin of map m, 0 if none. */
static __u32 pinned_id(const struct xlb *xlb, int m)
{
	struct xlb_conn_table_info t;
	char path[PATH_MAX];
	int fd;

	xlb_pin_path(xlb, m, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (table_info(fd, &t))
		t.map_id = 0;
	close(fd);
	return t.map_id;
}

/* Pins fd at map m's path, replacing what is there without a gap. */
static int pin_over(struct xlb *xlb, int m, int fd)
{
	char path[PATH_MAX], tmp[PATH_MAX + 24];

	xlb_pin_path(xlb, m, path, sizeof(path));
	/* per process (bpffs refuses dots); xlb_unpin_all() knows the prefix */
	snprintf(tmp, sizeof(tmp), "%s_new_%d", path, (int)getpid());
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
	__u32 map_id;	/* only programs that use this table */
};

static int collect_dev(const struct xlb_prog_info *info, void *ctx)
{
	struct devs *d = ctx;

	if (!xlb_prog_uses_map(info->prog_id, d->map_id))
		return 0;	/* another xlb instance (pin directory) */
	if (d->n == (int)(sizeof(d->v) / sizeof(d->v[0])))
		return -E2BIG;
	d->v[d->n++] = *info;
	return 0;
}

/* Warns about balancers still on map old_id (held by another process, or
 * attached in another network namespace). */
static void warn_old_users(__u32 old_id)
{
	struct bpf_prog_info info;
	__u32 id = 0, len;
	int fd;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, XLB_PROG_NAME) && xlb_prog_uses_map(id, old_id))
			xlb_log(XLB_LOG_WARN,
				"program id %u still uses the old connection table (held by "
				"another process, or attached in another network namespace: "
				"run 'lbctl prog attach' there)\n", id);
		close(fd);
	}
}

/* xlb_conn_table_resize() under xlb_lock(). */
static int resize_locked(struct xlb *xlb, __u32 entries, __u64 *copied)
{
	struct xlb_conn_table_info cur;
	struct devs devs = { .n = 0 };
	int old_fd, new_fd = -1, err, i, done = 0, bad = 0;
	__u64 n1 = 0, n2 = 0;

	old_fd = xlb_conns_fd(xlb);	/* the table as pinned now */
	err = table_info(old_fd, &cur);
	if (err)
		return xlb_errs(xlb, err, "read xlb_conns info");
	if (cur.entries == entries)
		return 0;
	devs.map_id = cur.map_id;
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
	xlb->fds[M_CONNS] = new_fd;	/* xlb owns it now; old_fd is ours */
	for (done = 0; done < devs.n; done++) {
		err = xlb_prog_attach(xlb, devs.v[done].dev, devs.v[done].mode);
		if (err)
			goto out_rollback;
	}
	if (!devs.n)	/* a loaded, unattached program of ours is on the old table */
		xlb_forget_prog(xlb);
	/* Late flows; not when shrinking: the table is full already and each
	 * insert would evict one that the first pass kept. */
	if (n1 < entries) {
		err = copy_flows(old_fd, new_fd, true, &n2);
		if (err)
			xlb_log(XLB_LOG_WARN, "second copy of flows: %s\n", strerror(-err));
	}
	warn_old_users(cur.map_id);
	close(old_fd);
	return count_flows(new_fd, copied);

out_rollback:
	{
		char why[sizeof(xlb->err)];

		snprintf(why, sizeof(why), "%s", xlb->err);
		xlb->fds[M_CONNS] = old_fd;
		if (pinned_id(xlb, M_CONNS) != cur.map_id && pin_over(xlb, M_CONNS, old_fd))
			bad = 1;
		for (i = 0; i < done; i++)
			if (xlb_prog_attach(xlb, devs.v[i].dev, devs.v[i].mode))
				bad = 1;
		if (bad)
			err = xlb_errf(xlb, err, "%s; putting the old table back failed too: "
				       "check 'lbctl conn table' and 'lbctl prog show'", why);
		else
			err = xlb_errf(xlb, err, "%s; the old table stays", why);
	}
out_close:
	close(new_fd);
	return err;
}

int xlb_conn_table_resize(struct xlb *xlb, __u32 entries, __u64 *copied)
{
	int err;

	*copied = 0;
	if (entries < XLB_CONNS_MIN || entries > XLB_CONNS_MAX)
		return xlb_errf(xlb, -EINVAL, "connection table size %u: must be %u-%u", entries,
				XLB_CONNS_MIN, XLB_CONNS_MAX);
	if (xlb->mode == XLB_OPEN_UNPINNED)
		return xlb_errf(xlb, -EOPNOTSUPP, "resize: only pinned state can be resized");
	err = xlb_lock(xlb);
	if (err)
		return err;
	err = resize_locked(xlb, entries, copied);
	xlb_unlock(xlb);
	return err;
}
