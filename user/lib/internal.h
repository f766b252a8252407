/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * libxlb internals: struct xlb, the map table, error and log helpers.
 * Private to user/lib/; callers see only xlb.h.
 */
#ifndef XLB_LIB_INTERNAL_H
#define XLB_LIB_INTERNAL_H

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "xlb.h"

/* Index of every pinned map, in the order of map_defs[] (core.c). */
enum xlb_map {
	M_VIPS,
	M_VIP_ADDRS,
	M_RINGS,
	M_BACKENDS,
	M_CONNS,
	M_RR,
	M_TX_PORTS,
	M_CONFIG,
	M_STATS,
	M_VIP_STATS,
	M_BE_STATS,
	M_VIP_FILTER,	/* after M_VIPS, M_VIP_ADDRS: open_pinned() may rebuild it from them */
	M_MAX
};

struct xlb_map_def {
	const char *name;
	__u32 key_size;
	__u32 value_size;	/* per element (per CPU for PERCPU maps) */
};
extern const struct xlb_map_def xlb_map_defs[M_MAX];

struct xlb_bpf;

struct xlb {
	char pin_dir[256];
	enum xlb_open_mode mode;
	int fds[M_MAX];		/* owned (dup'ed), independent of skel */
	struct xlb_bpf *skel;	/* loaded program we own, or NULL */
	int prog_fd;		/* program of skel, or -1 */
	char err[512];
	int fault_config_change;	/* xlb_fault_config_change() */
	int lock_fd;		/* pin directory, flock()ed while lock_depth > 0 */
	int lock_depth;
};

/* Set xlb->err to the formatted message and return err (a -errno). */
int xlb_errf(struct xlb *xlb, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with ": strerror(-err)" appended. */
int xlb_errs(struct xlb *xlb, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xlb_log(enum xlb_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Load a new balancer program whose maps are xlb's maps (reuse_fd on each). */
int xlb_load_prog(struct xlb *xlb, struct xlb_bpf **out);
/* Serialise, across processes, what replaces pins or programs (attach,
 * detach, connection-table resize): flock on the pin directory. Nests
 * within one xlb; a no-op without pins. 0 or -errno. */
int xlb_lock(struct xlb *xlb);
void xlb_unlock(struct xlb *xlb);
/* Returns true when BPF program prog_id uses map map_id. */
bool xlb_prog_uses_map(__u32 prog_id, __u32 map_id);
/* Drop the loaded program xlb holds (its maps may have been replaced);
 * attached copies keep running. */
void xlb_forget_prog(struct xlb *xlb);
/* A new, empty xlb_conns map of entries entries, with the balancer's BTF
 * (made by loading the object once); its fd in *fd_out. */
int xlb_new_conn_table(struct xlb *xlb, __u32 entries, int *fd_out);
/* fd of the connection table as pinned now (another process may have
 * resized it since xlb was opened). */
int xlb_conns_fd(struct xlb *xlb);
/* Path of map m's pin. */
void xlb_pin_path(const struct xlb *xlb, int m, char *buf, size_t len);
/* Remove every pin and the pin directory (best effort). */
void xlb_unpin_all(struct xlb *xlb);

/* neigh.c: resolve the next hop(s) toward addr (every one of a multipath
 * route, *multipath then true); their egress devices in ifindex[0..*n), at
 * most max. */
int xlb_neigh_resolve(const struct xlb_addr *addr, int *ifindex, int max, int *n,
		      bool *multipath, char *why, size_t len);

/* xlb_backend_add(), with the ring rebuild optional (bulk config loads). */
int xlb_backend_add_nr(struct xlb *xlb, const struct xlb_vip_key *vip, const struct xlb_addr *addr,
		       __u16 weight, enum xlb_backend_state state, __u32 *id_out, bool rebuild);

/* vip.c: fill the empty xlb_vip_filter map fd from xlb_vip_addrs. */
int xlb_vip_filter_fill(struct xlb *xlb, int fd);

/* Read a whole ARRAY map of max entries values into buf. */
int xlb_array_read_all(int fd, __u32 max, size_t vsize, void *buf);

static inline int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

#endif /* XLB_LIB_INTERNAL_H */
