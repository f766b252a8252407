/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * libxlb: the only code that touches xlb's BPF maps and programs.
 *
 * Contract:
 *  - Every function returns 0 or -errno; results go to out-parameters or
 *    callbacks. Nothing here prints, exits or aborts. On failure,
 *    xlb_errmsg() returns a one-line message naming what failed and why
 *    (e.g. "backend 198.18.1.2 on tcp 198.18.0.10:80: already exists").
 *  - Diagnostics (libbpf, libxdp and our own) go through one hook,
 *    xlb_set_log().
 *  - Not thread-safe: one struct xlb per thread.
 *  - All state lives in maps pinned under the pin directory (default
 *    /sys/fs/bpf/xlb, or $XLB_PIN_DIR), so any number of processes see one
 *    truth. Addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d (struct xlb_addr).
 */
#ifndef XLB_LIB_H
#define XLB_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "xlb/abi.h"

#define XLB_PIN_DIR_DEFAULT	"/sys/fs/bpf/xlb"
#define XLB_PIN_DIR_ENV		"XLB_PIN_DIR"
#define XLB_PROG_NAME		"xlb_ingress"
#define XLB_DECAP_PROG_NAME	"xlb_decap"

struct xlb;

/* ---- Logging -------------------------------------------------------------- */

enum xlb_log_level { XLB_LOG_WARN, XLB_LOG_INFO, XLB_LOG_DEBUG };
typedef void (*xlb_log_fn)(enum xlb_log_level level, const char *fmt, va_list ap);
/* Install the hook for libxlb, libbpf (demoted a level) and libxdp. NULL: silent. */
void xlb_set_log(xlb_log_fn fn);

/* ---- Open / close --------------------------------------------------------- */

enum xlb_open_mode {
	XLB_OPEN_PINNED,	/* use existing pins; -ENOENT if there are none */
	XLB_OPEN_CREATE,	/* use existing pins, or load the object and pin its maps */
	XLB_OPEN_UNPINNED,	/* load a private copy, pin nothing (packet tests, benchmarks) */
};

struct xlb_open_opts {
	enum xlb_open_mode mode;
	const char *pin_dir;	/* NULL: $XLB_PIN_DIR or XLB_PIN_DIR_DEFAULT */
	__u32 conn_max;		/* connection-table size when creating; 0: XLB_MAX_CONNS */
};

/* Open xlb state; mounts bpffs at /sys/fs/bpf when it is missing. Checks the
 * key/value sizes of pinned maps against this ABI (-EPROTO on mismatch). */
int xlb_open(struct xlb **out, const struct xlb_open_opts *opts);
void xlb_close(struct xlb *xlb);
const char *xlb_errmsg(const struct xlb *xlb);
/* Message for a failure before a struct xlb exists (xlb_open). */
const char *xlb_open_errmsg(void);

/* fd of the loaded balancer program (UNPINNED mode, or after attach). */
int xlb_prog_fd(const struct xlb *xlb);
/* fd of xlb's map called name (e.g. "xlb_conns"), owned by xlb (do not
 * close it), or -ENOENT: for tests and benchmarks that set up states lbctl
 * does not make. */
int xlb_map_fd(struct xlb *xlb, const char *name);

/* ---- Program attach (libxdp) ---------------------------------------------- */

enum xlb_attach_mode { XLB_ATTACH_AUTO, XLB_ATTACH_NATIVE, XLB_ATTACH_GENERIC };

/* Attach the balancer to dev. If xlb already runs there, the program is
 * replaced in place and pinned maps (flows, counters) are kept. If another
 * XDP program holds dev: -EBUSY, and the message names it. */
int xlb_prog_attach(struct xlb *xlb, const char *dev, enum xlb_attach_mode mode);
/* Detach from dev. When no interface runs xlb any more and !keep_pins, the
 * pins are removed too. */
int xlb_prog_detach(struct xlb *xlb, const char *dev, bool keep_pins);

struct xlb_prog_info {
	char dev[16];
	int ifindex;
	__u32 prog_id;
	enum xlb_attach_mode mode;	/* NATIVE or GENERIC as attached */
};
typedef int (*xlb_prog_cb)(const struct xlb_prog_info *info, void *ctx);
/* Every interface of this network namespace that runs the balancer. */
int xlb_prog_foreach(struct xlb *xlb, xlb_prog_cb cb, void *ctx);

/* ---- VIPs ----------------------------------------------------------------- */

struct xlb_vip_info {
	struct xlb_vip_key key;
	__u32 id;
	enum xlb_sched sched;
	__u32 ring_size;
	__u32 n_backends;	/* all states */
	__u32 n_active;
};
typedef int (*xlb_vip_cb)(const struct xlb_vip_info *info, void *ctx);

/* ring_size 0: XLB_RING_SIZE_DEFAULT; otherwise one of XLB_RING_SIZES. */
int xlb_vip_add(struct xlb *xlb, const struct xlb_vip_key *key,
		enum xlb_sched sched, __u32 ring_size);
int xlb_vip_set_sched(struct xlb *xlb, const struct xlb_vip_key *key,
		      enum xlb_sched sched);
/* Delete the VIP and all its backends. */
int xlb_vip_del(struct xlb *xlb, const struct xlb_vip_key *key);
int xlb_vip_get(struct xlb *xlb, const struct xlb_vip_key *key,
		struct xlb_vip_info *out);
/* In a stable order (by id). */
int xlb_vip_foreach(struct xlb *xlb, xlb_vip_cb cb, void *ctx);
/* ring_size 0: XLB_RING_SIZE_DEFAULT; rebuilds the ring at the new size. */
int xlb_vip_set_ring_size(struct xlb *xlb, const struct xlb_vip_key *key, __u32 ring_size);
/* Rebuild and swap in the VIP's ring from its current backends. */
int xlb_vip_rebuild(struct xlb *xlb, const struct xlb_vip_key *key);

/* ---- Backends ------------------------------------------------------------- */

struct xlb_backend_info {
	struct xlb_vip_key vip;
	__u32 id;
	struct xlb_addr addr;
	__u16 weight;
	enum xlb_backend_state state;
};
typedef int (*xlb_backend_cb)(const struct xlb_backend_info *info, void *ctx);

/* Adds the backend, resolves the next hop toward it (neighbour entry and
 * xlb_tx_ports), and rebuilds the ring if it is active. */
int xlb_backend_add(struct xlb *xlb, const struct xlb_vip_key *vip,
		    const struct xlb_addr *addr, __u16 weight,
		    enum xlb_backend_state state, __u32 *id_out);
int xlb_backend_set_weight(struct xlb *xlb, const struct xlb_vip_key *vip,
			   const struct xlb_addr *addr, __u16 weight);
int xlb_backend_set_state(struct xlb *xlb, const struct xlb_vip_key *vip,
			  const struct xlb_addr *addr, enum xlb_backend_state state);
/* Remove from the ring, then mark deleted: its flows are rescheduled. */
int xlb_backend_del(struct xlb *xlb, const struct xlb_vip_key *vip,
		    const struct xlb_addr *addr);
int xlb_backend_get(struct xlb *xlb, const struct xlb_vip_key *vip,
		    const struct xlb_addr *addr, struct xlb_backend_info *out);
/* vip NULL: every VIP's backends. In a stable order (VIP id, then id). */
int xlb_backend_foreach(struct xlb *xlb, const struct xlb_vip_key *vip,
			xlb_backend_cb cb, void *ctx);

/* ---- Counters (summed over CPUs) ------------------------------------------ */

int xlb_stats_global(struct xlb *xlb, struct xlb_counter out[XLB_STAT_MAX]);
int xlb_stats_vip(struct xlb *xlb, const struct xlb_vip_key *vip,
		  struct xlb_vip_stats *out);
int xlb_stats_backend(struct xlb *xlb, __u32 backend_id,
		      struct xlb_backend_stats *out);

/* ---- Connection table ----------------------------------------------------- */

typedef int (*xlb_conn_cb)(const struct xlb_flow *flow,
			   const struct xlb_conn *conn, void *ctx);
/* vip NULL: all flows. A callback returning non-zero stops the walk. */
int xlb_conn_foreach(struct xlb *xlb, const struct xlb_vip_key *vip,
		     xlb_conn_cb cb, void *ctx);
/* Test/benchmark helper: insert a flow directly. */
int xlb_conn_insert(struct xlb *xlb, const struct xlb_flow *flow,
		    const struct xlb_conn *conn);

struct xlb_conn_table_info {
	__u32 entries;		/* capacity (max_entries) */
	__u32 map_id;
	__u64 memlock;		/* bytes the kernel charges for the map */
};
int xlb_conn_table_info(struct xlb *xlb, struct xlb_conn_table_info *out);
/* Replace the connection table by one of entries entries (XLB_CONNS_MIN ..
 * XLB_CONNS_MAX) while traffic flows: copy every flow into it, pin it in
 * place of the old one, switch every balancer of this network namespace
 * that runs on the old table to it in place, then copy the flows that
 * arrived meanwhile. A table smaller than the flows tracked keeps an
 * arbitrary subset (the kernel does not expose LRU order). *copied: flows
 * in the new table (0 when the size is already entries). Pinned state only;
 * serialised with attach/detach/resize of other processes (flock). */
int xlb_conn_table_resize(struct xlb *xlb, __u32 entries, __u64 *copied);
/* Re-open what another process replaced (the connection table after
 * lbctl conn resize), so a long-running holder does not keep the old one
 * alive. 0 or -errno. */
int xlb_refresh(struct xlb *xlb);

/* ---- Ring and settings ---------------------------------------------------- */

/* Copy the live ring of a VIP: *n gets the slot count, ids[] up to cap. */
int xlb_ring_read(struct xlb *xlb, const struct xlb_vip_key *vip,
		  __u32 *ids, __u32 cap, __u32 *n);
int xlb_config_get(struct xlb *xlb, struct xlb_config *out);
int xlb_config_set(struct xlb *xlb, const struct xlb_config *cfg);

/* ---- Declarative configuration (libconfig format) ------------------------- */

/* Write the whole state (settings, VIPs, backends) to f. */
int xlb_config_save(struct xlb *xlb, FILE *f);
/* Validate everything in path first; apply only if all of it is valid, as a
 * diff against the live state. On error nothing changes and xlb_errmsg()
 * names the file and line; if the kernel refuses a change halfway, the
 * changes already made are rolled back (a restored backend gets a new id). */
int xlb_config_load(struct xlb *xlb, const char *path);
/* For tests of that promise: make the nth change (1-based) of the next
 * xlb_config_load() fail with -EIO, as a refusing kernel would; the load
 * must then roll back. 0 turns it off. */
void xlb_fault_config_change(struct xlb *xlb, int nth);
/* Validate path as xlb_config_load() would, without any xlb state (no maps
 * touched, nothing created). err gets "FILE:LINE: what". */
int xlb_config_check(const char *path, char *err, size_t errlen);

/* ---- Parsers shared by lbctl, xlbd and tests ------------------------------ */

/* "198.18.0.1" or "fd00::1" -> addr; returns 0 or -EINVAL. */
int xlb_parse_addr(const char *s, struct xlb_addr *out);
/* proto "tcp"|"udp" and "ADDR:PORT" / "[ADDR6]:PORT" -> key. */
int xlb_parse_vip(const char *proto, const char *addr_port, struct xlb_vip_key *out);
/* The same, with a message naming what was wrong in err ("bad VIP port '0':
 * must be an integer 1-65535"). */
int xlb_parse_vip_msg(const char *proto, const char *addr_port, struct xlb_vip_key *out,
		      char *err, size_t errlen);
int xlb_parse_sched(const char *s, enum xlb_sched *out);
int xlb_parse_state(const char *s, enum xlb_backend_state *out);
bool xlb_ring_size_valid(__u32 size);

/* Rendering: buf gets "tcp 198.18.0.10:80" / "udp [fd00::10]:53". */
const char *xlb_fmt_vip(const struct xlb_vip_key *key, char *buf, size_t len);
const char *xlb_fmt_addr(const struct xlb_addr *addr, char *buf, size_t len);
const char *xlb_sched_name(enum xlb_sched s);
const char *xlb_state_name(enum xlb_backend_state s);
const char *xlb_stat_name(enum xlb_stat s);
bool xlb_addr_is_v4(const struct xlb_addr *addr);

/* ---- Maglev (pure: no I/O, no BPF) ---------------------------------------- */

struct xlb_maglev_backend {
	struct xlb_addr addr;
	__u32 weight;
	__u32 id;	/* written into the ring; does not affect placement */
};

/* Fill ring[0..size-1] with ids. The result depends only on the set of
 * (addr, weight) pairs, not on their order or ids. size must be prime.
 * Backends with weight 0 get no slots. n == 0 or all weights 0: -ENOENT. */
int xlb_maglev_build(const struct xlb_maglev_backend *b, size_t n,
		     __u32 size, __u32 *ring);
/* Smooth weighted round-robin sequence of length size (for sched rr). */
int xlb_wrr_build(const struct xlb_maglev_backend *b, size_t n,
		  __u32 size, __u32 *ring);

/* ---- Backend decap program ------------------------------------------------ */

/* Attach the decap program to dev, accepting tunnels to addrs (n == 0: every
 * address configured on dev). Nothing is pinned; the program and its maps
 * live as long as it stays attached. */
int xlb_decap_attach(const char *dev, enum xlb_attach_mode mode,
		     const struct xlb_addr *addrs, size_t n, char *err, size_t errlen);
int xlb_decap_detach(const char *dev, char *err, size_t errlen);
/* Counters of the decap program attached to dev. */
int xlb_decap_stats(const char *dev, struct xlb_counter out[XLB_DECAP_STAT_MAX],
		    char *err, size_t errlen);

#endif /* XLB_LIB_H */
