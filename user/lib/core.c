// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libxlb core: logging, error messages, open/close and pinning.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "internal.h"
#include "xlb.skel.h"

#define BPFFS_ROOT	"/sys/fs/bpf"

const struct xlb_map_def xlb_map_defs[M_MAX] = {
	[M_VIPS]	= { "xlb_vips", sizeof(struct xlb_vip_key), sizeof(struct xlb_vip) },
	[M_VIP_ADDRS]	= { "xlb_vip_addrs", sizeof(struct xlb_addr), sizeof(__u32) },
	[M_RINGS]	= { "xlb_rings", sizeof(__u32), sizeof(__u32) },
	[M_BACKENDS]	= { "xlb_backends", sizeof(__u32), sizeof(struct xlb_backend) },
	[M_CONNS]	= { "xlb_conns", sizeof(struct xlb_flow), sizeof(struct xlb_conn) },
	[M_RR]		= { "xlb_rr", sizeof(__u32), sizeof(__u32) },
	[M_TX_PORTS]	= { "xlb_tx_ports", sizeof(__u32), sizeof(__u32) },
	[M_CONFIG]	= { "xlb_config", sizeof(__u32), sizeof(struct xlb_config) },
	[M_STATS]	= { "xlb_stats", sizeof(__u32), sizeof(struct xlb_counter) },
	[M_VIP_STATS]	= { "xlb_vip_stats", sizeof(__u32), sizeof(struct xlb_vip_stats) },
	[M_BE_STATS]	= { "xlb_be_stats", sizeof(__u32), sizeof(struct xlb_backend_stats) },
	[M_VIP_FILTER]	= { "xlb_vip_filter", sizeof(__u32), sizeof(__u32) },
};

/* ---- logging ------------------------------------------------------------- */

static xlb_log_fn log_fn;

void xlb_log(enum xlb_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_fn)
		return;
	va_start(ap, fmt);
	log_fn(level, fmt, ap);
	va_end(ap);
}

/* libbpf is chatty at WARN for things we handle (probes): demote a level. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!log_fn || level == LIBBPF_DEBUG)
		return 0;
	log_fn(level == LIBBPF_WARN ? XLB_LOG_INFO : XLB_LOG_DEBUG, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (!log_fn || level == LIBXDP_DEBUG)
		return 0;
	log_fn(level == LIBXDP_WARN ? XLB_LOG_INFO : XLB_LOG_DEBUG, fmt, ap);
	return 0;
}

void xlb_set_log(xlb_log_fn fn)
{
	log_fn = fn;
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

/* ---- errors -------------------------------------------------------------- */

static char open_err[512];

static int vseterr(char *buf, size_t len, int err, bool with_strerror,
		   const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);

	if (with_strerror && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, ": %s", strerror(err < 0 ? -err : err));
	return err;
}

int xlb_errf(struct xlb *xlb, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(xlb ? xlb->err : open_err, xlb ? sizeof(xlb->err) : sizeof(open_err),
		err, false, fmt, ap);
	va_end(ap);
	return err;
}

int xlb_errs(struct xlb *xlb, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(xlb ? xlb->err : open_err, xlb ? sizeof(xlb->err) : sizeof(open_err),
		err, true, fmt, ap);
	va_end(ap);
	return err;
}

const char *xlb_errmsg(const struct xlb *xlb)
{
	return xlb ? xlb->err : open_err;
}

const char *xlb_open_errmsg(void)
{
	return open_err;
}

int xlb_prog_fd(const struct xlb *xlb)
{
	return xlb->prog_fd;
}

/* ---- helpers ------------------------------------------------------------- */

int xlb_array_read_all(int fd, __u32 max, size_t vsize, void *buf)
{
	__u32 *keys, out_batch = 0, count, done = 0, k;
	bool first = true;
	int err = 0;

	keys = calloc(max, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	/* One syscall instead of max; fall back to lookups if batching fails. */
	while (done < max) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		count = max - done;
		err = bpf_map_lookup_batch(fd, first ? NULL : &out_batch, &out_batch,
					   keys + done, (char *)buf + done * vsize,
					   &count, &opts);
		first = false;
		done += count;
		if (err) {
			if (errno == ENOENT && done == max) {
				err = 0;
				break;
			}
			break;
		}
	}
	if (err || done != max) {
		for (k = 0; k < max; k++) {
			if (bpf_map_lookup_elem(fd, &k, (char *)buf + k * vsize)) {
				err = neg_errno();
				goto out;
			}
		}
		err = 0;
	}
out:
	free(keys);
	return err;
}

static int ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS_ROOT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return neg_errno();
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return neg_errno();
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return neg_errno();
	return 0;
}

void xlb_pin_path(const struct xlb *xlb, int m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", xlb->pin_dir, xlb_map_defs[m].name);
}

static bool pins_exist(const struct xlb *xlb)
{
	char path[PATH_MAX];

	xlb_pin_path(xlb, M_VIPS, path, sizeof(path));
	return access(path, F_OK) == 0;
}

void xlb_unpin_all(struct xlb *xlb)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int m;

	for (m = 0; m < M_MAX; m++) {
		xlb_pin_path(xlb, m, path, sizeof(path));
		unlink(path);
	}
	/* a resize that died between pinning its new table and renaming it */
	d = opendir(xlb->pin_dir);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "xlb_conns_new", 13))
			continue;
		snprintf(path, sizeof(path), "%s/%s", xlb->pin_dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(xlb->pin_dir);
}

int xlb_map_fd(struct xlb *xlb, const char *name)
{
	int m;

	for (m = 0; m < M_MAX; m++)
		if (!strcmp(xlb_map_defs[m].name, name))
			return m == M_CONNS ? xlb_conns_fd(xlb) : xlb->fds[m];
	return -ENOENT;
}

void xlb_forget_prog(struct xlb *xlb)
{
	xlb_bpf__destroy(xlb->skel);
	xlb->skel = NULL;
	xlb->prog_fd = -1;
}

int xlb_lock(struct xlb *xlb)
{
	int fd;

	if (xlb->mode == XLB_OPEN_UNPINNED || xlb->lock_depth++)
		return 0;
	fd = open(xlb->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		int err = xlb_errs(xlb, neg_errno(), "lock %s", xlb->pin_dir);

		if (fd >= 0)
			close(fd);
		xlb->lock_depth--;
		return err;
	}
	xlb->lock_fd = fd;
	return 0;
}

void xlb_unlock(struct xlb *xlb)
{
	if (xlb->mode == XLB_OPEN_UNPINNED || !xlb->lock_depth || --xlb->lock_depth)
		return;
	close(xlb->lock_fd);	/* releases the flock */
	xlb->lock_fd = -1;
}

static int check_map(struct xlb *xlb, int m, int fd, const char *what)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return xlb_errs(xlb, neg_errno(), "%s: map info", what);
	if (info.key_size != xlb_map_defs[m].key_size ||
	    info.value_size != xlb_map_defs[m].value_size)
		return xlb_errf(xlb, -EPROTO,
				"%s: key/value size %u/%u, this xlb expects %u/%u (ABI %d): "
				"remove the old pins or use a matching lbctl",
				what, info.key_size, info.value_size,
				xlb_map_defs[m].key_size, xlb_map_defs[m].value_size,
				XLB_ABI_VERSION);
	return 0;
}

/*
 * Returns the fd of the xlb_vip_filter map of a loaded xlb_ingress program
 * that uses vips_fd's map (its pin was removed while it ran), or -ENOENT.
 * Taking over that map keeps the running program's filter in step.
 */
static int running_vip_filter(int vips_fd)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), id = 0, vips_id, map_ids[32], k;
	int fd, found = -ENOENT;

	if (bpf_obj_get_info_by_fd(vips_fd, &mi, &len))
		return neg_errno();
	vips_id = mi.id;
	while (found < 0 && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info pi = {};
		int filter = -1;
		bool ours = false;

		len = sizeof(pi);
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		pi.nr_map_ids = 32;
		pi.map_ids = (__u64)(unsigned long)map_ids;
		if (bpf_obj_get_info_by_fd(fd, &pi, &len) || strcmp(pi.name, XLB_PROG_NAME) ||
		    pi.nr_map_ids > 32)
			pi.nr_map_ids = 0;
		close(fd);
		for (k = 0; k < pi.nr_map_ids; k++) {
			ours |= map_ids[k] == vips_id;
			fd = bpf_map_get_fd_by_id(map_ids[k]);
			if (fd < 0)
				continue;
			memset(&mi, 0, sizeof(mi));
			len = sizeof(mi);
			if (filter < 0 && !bpf_obj_get_info_by_fd(fd, &mi, &len) &&
			    !strcmp(mi.name, xlb_map_defs[M_VIP_FILTER].name))
				filter = fd;
			else
				close(fd);
		}
		if (ours && filter >= 0)
			found = filter;
		else if (filter >= 0)
			close(filter);
	}
	return found;
}

/*
 * Returns 0 with xlb->fds[M_VIP_FILTER] set, for pinned state that has no
 * xlb_vip_filter pin: state pinned by an xlb from before the filter (ABI 1
 * without it). Every other map is kept, so flows and counters survive the
 * upgrade. The map of a program still running on this state is taken over;
 * otherwise a new one is filled from xlb_vip_addrs. Either is pinned.
 */
static int adopt_vip_filter(struct xlb *xlb, const char *path)
{
	bool fresh = false;
	int fd, err;

	fd = running_vip_filter(xlb->fds[M_VIPS]);
	if (fd == -ENOENT) {
		fresh = true;
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, xlb_map_defs[M_VIP_FILTER].name,
				    sizeof(__u32), sizeof(__u32), XLB_VIP_FILTER_SLOTS, NULL);
		if (fd < 0)
			return xlb_errs(xlb, neg_errno(), "%s: create", path);
		err = xlb_vip_filter_fill(xlb, fd);
		if (err) {
			close(fd);
			return xlb_errs(xlb, err, "%s: fill from %s", path,
					xlb_map_defs[M_VIP_ADDRS].name);
		}
	} else if (fd < 0) {
		return xlb_errs(xlb, fd, "%s: look for a running program's map", path);
	}
	if (bpf_obj_pin(fd, path)) {
		err = neg_errno();
		close(fd);
		if (err != -EEXIST)
			return xlb_errs(xlb, err, "pin %s", path);
		/* another libxlb user adopted it first: use theirs */
		fd = bpf_obj_get(path);
		if (fd < 0)
			return xlb_errs(xlb, neg_errno(), "%s", path);
	} else {
		chmod(path, 0600);
		xlb_log(XLB_LOG_INFO, "%s: %s (state pinned without it)\n", path,
			fresh ? "created from xlb_vip_addrs" : "re-pinned from the running program");
	}
	xlb->fds[M_VIP_FILTER] = fd;
	return 0;
}

static int open_pinned(struct xlb *xlb)
{
	char path[PATH_MAX];
	int m, fd, err;

	for (m = 0; m < M_MAX; m++) {
		xlb_pin_path(xlb, m, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT && m == M_VIP_FILTER) {
			err = adopt_vip_filter(xlb, path);
			if (err)
				return err;
			fd = xlb->fds[m];
		}
		if (fd < 0) {
			err = neg_errno();
			if (err == -ENOENT && m == M_VIPS)
				return xlb_errf(xlb, -ENOENT,
						"no xlb state under %s (run 'lbctl prog attach DEV' first)",
						xlb->pin_dir);
			return xlb_errs(xlb, err, "%s", path);
		}
		xlb->fds[m] = fd;
		err = check_map(xlb, m, fd, path);
		if (err)
			return err;
	}
	return 0;
}

static struct bpf_map *skel_map(struct xlb_bpf *skel, int m)
{
	struct bpf_map *maps[M_MAX] = {
		[M_VIPS] = skel->maps.xlb_vips,
		[M_VIP_ADDRS] = skel->maps.xlb_vip_addrs,
		[M_RINGS] = skel->maps.xlb_rings,
		[M_BACKENDS] = skel->maps.xlb_backends,
		[M_CONNS] = skel->maps.xlb_conns,
		[M_RR] = skel->maps.xlb_rr,
		[M_TX_PORTS] = skel->maps.xlb_tx_ports,
		[M_CONFIG] = skel->maps.xlb_config,
		[M_STATS] = skel->maps.xlb_stats,
		[M_VIP_STATS] = skel->maps.xlb_vip_stats,
		[M_BE_STATS] = skel->maps.xlb_be_stats,
		[M_VIP_FILTER] = skel->maps.xlb_vip_filter,
	};
	return maps[m];
}

int xlb_load_prog(struct xlb *xlb, struct xlb_bpf **out)
{
	struct xlb_bpf *skel;
	int m, err;

	xlb_conns_fd(xlb);	/* the table as pinned now: lbctl conn resize */
	skel = xlb_bpf__open();
	if (!skel)
		return xlb_errs(xlb, neg_errno(), "open balancer object");
	for (m = 0; m < M_MAX; m++) {
		err = bpf_map__reuse_fd(skel_map(skel, m), xlb->fds[m]);
		if (err) {
			xlb_errs(xlb, err, "reuse map %s", xlb_map_defs[m].name);
			goto out_destroy;
		}
	}
	err = xlb_bpf__load(skel);
	if (err) {
		xlb_errs(xlb, err, "load balancer program");
		goto out_destroy;
	}
	*out = skel;
	return 0;
out_destroy:
	xlb_bpf__destroy(skel);
	return err;
}

int xlb_new_conn_table(struct xlb *xlb, __u32 entries, int *fd_out)
{
	struct xlb_bpf *skel;
	int m, err;

	skel = xlb_bpf__open();
	if (!skel)
		return xlb_errs(xlb, neg_errno(), "open balancer object");
	err = bpf_map__set_max_entries(skel->maps.xlb_conns, entries);
	for (m = 0; m < M_MAX && !err; m++)
		if (m != M_CONNS)
			err = bpf_map__reuse_fd(skel_map(skel, m), xlb->fds[m]);
	if (!err)
		err = xlb_bpf__load(skel);
	if (err) {
		xlb_errs(xlb, err, "create a connection table of %u entries", entries);
		goto out;
	}
	*fd_out = fcntl(bpf_map__fd(skel->maps.xlb_conns), F_DUPFD_CLOEXEC, 3);
	if (*fd_out < 0)
		err = xlb_errs(xlb, neg_errno(), "dup map fd");
out:
	xlb_bpf__destroy(skel);
	return err;
}

static int init_config(struct xlb *xlb)
{
	struct xlb_config cfg = {
		.encap_src4 = XLB_ENCAP_SRC4_DEFAULT,
		.encap_src6 = XLB_ENCAP_SRC6_DEFAULT,
	};
	__u32 k = 0;

	if (bpf_map_update_elem(xlb->fds[M_CONFIG], &k, &cfg, BPF_ANY))
		return xlb_errs(xlb, neg_errno(), "initialise xlb_config");
	return 0;
}

static int load_fresh(struct xlb *xlb, __u32 conn_max)
{
	struct xlb_bpf *skel;
	int m, err;

	skel = xlb_bpf__open();
	if (!skel)
		return xlb_errs(xlb, neg_errno(), "open balancer object");
	err = bpf_map__set_max_entries(skel->maps.xlb_conns, conn_max ? conn_max : XLB_MAX_CONNS);
	if (err) {
		xlb_errs(xlb, err, "set connection table size %u", conn_max);
		goto out_destroy;
	}
	err = xlb_bpf__load(skel);
	if (err) {
		xlb_errs(xlb, err, "load balancer program");
		goto out_destroy;
	}
	for (m = 0; m < M_MAX; m++) {
		xlb->fds[m] = fcntl(bpf_map__fd(skel_map(skel, m)), F_DUPFD_CLOEXEC, 3);
		if (xlb->fds[m] < 0) {
			err = xlb_errs(xlb, neg_errno(), "dup map fd");
			goto out_destroy;
		}
	}
	xlb->skel = skel;
	xlb->prog_fd = bpf_program__fd(skel->progs.xlb_ingress);
	return init_config(xlb);
out_destroy:
	xlb_bpf__destroy(skel);
	return err;
}

static int pin_all(struct xlb *xlb)
{
	char path[PATH_MAX];
	int m, err;

	err = mkdir_p(xlb->pin_dir);
	if (err)
		return xlb_errs(xlb, err, "create pin directory %s", xlb->pin_dir);
	for (m = 0; m < M_MAX; m++) {
		xlb_pin_path(xlb, m, path, sizeof(path));
		if (bpf_obj_pin(xlb->fds[m], path)) {
			err = xlb_errs(xlb, neg_errno(), "pin %s", path);
			goto out_unpin;
		}
		if (chmod(path, 0600)) {
			err = xlb_errs(xlb, neg_errno(), "chmod %s", path);
			goto out_unpin;
		}
	}
	return 0;
out_unpin:
	xlb_unpin_all(xlb);
	return err;
}

int xlb_open(struct xlb **out, const struct xlb_open_opts *opts)
{
	struct xlb_open_opts def = { .mode = XLB_OPEN_PINNED };
	const char *dir;
	struct xlb *xlb;
	int m, err;

	if (!opts)
		opts = &def;
	open_err[0] = '\0';
	xlb = calloc(1, sizeof(*xlb));
	if (!xlb)
		return xlb_errf(NULL, -ENOMEM, "out of memory");
	for (m = 0; m < M_MAX; m++)
		xlb->fds[m] = -1;
	xlb->prog_fd = -1;
	xlb->lock_fd = -1;
	xlb->mode = opts->mode;
	dir = opts->pin_dir;
	if (!dir || !*dir)
		dir = getenv(XLB_PIN_DIR_ENV);
	if (!dir || !*dir)
		dir = XLB_PIN_DIR_DEFAULT;
	if (strlen(dir) >= sizeof(xlb->pin_dir) - 16) {
		err = xlb_errf(NULL, -ENAMETOOLONG, "pin directory %s: name too long", dir);
		free(xlb);
		return err;
	}
	snprintf(xlb->pin_dir, sizeof(xlb->pin_dir), "%s", dir);
	/* strip trailing slashes: paths are built as dir/name */
	for (m = strlen(xlb->pin_dir); m > 1 && xlb->pin_dir[m - 1] == '/'; m--)
		xlb->pin_dir[m - 1] = '\0';

	switch (opts->mode) {
	case XLB_OPEN_UNPINNED:
		err = load_fresh(xlb, opts->conn_max);
		break;
	case XLB_OPEN_PINNED:
		ensure_bpffs();	/* no bpffs: no pins, open_pinned says so */
		err = open_pinned(xlb);
		break;
	case XLB_OPEN_CREATE:
		err = ensure_bpffs();
		if (err) {
			xlb_errs(xlb, err, "mount bpffs at %s", BPFFS_ROOT);
			break;
		}
		if (pins_exist(xlb)) {
			err = open_pinned(xlb);
			break;
		}
		err = load_fresh(xlb, opts->conn_max);
		if (!err)
			err = pin_all(xlb);
		break;
	default:
		err = xlb_errf(xlb, -EINVAL, "open: unknown mode %d", opts->mode);
	}
	if (err) {
		snprintf(open_err, sizeof(open_err), "%s", xlb->err);
		xlb_close(xlb);
		return err;
	}
	*out = xlb;
	return 0;
}

void xlb_close(struct xlb *xlb)
{
	int m;

	if (!xlb)
		return;
	if (xlb->lock_fd >= 0)
		close(xlb->lock_fd);
	for (m = 0; m < M_MAX; m++)
		if (xlb->fds[m] >= 0)
			close(xlb->fds[m]);
	xlb_bpf__destroy(xlb->skel);
	free(xlb);
}
