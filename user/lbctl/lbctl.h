/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lbctl internals: one command table per object, shared typed argument
 * parsers, one output path.
 *
 * Contract:
 *  - Handlers never see argv: the dispatcher parses the command line into a
 *    struct lbctl_args following the command's table entry (positional
 *    arguments and allowed keywords), then calls the handler.
 *  - Handlers return 0 or a negative errno; on failure they have set the
 *    error message with lbctl_fail() (or left xlb_errmsg() to speak).
 *  - Output: with -j a handler fills ctx->out (one JSON object) and the
 *    dispatcher prints it, so every run prints exactly one JSON document.
 *    Only stats watch streams (one object per line, CMD_STREAM).
 */
#ifndef LBCTL_H
#define LBCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "xlb.h"

#define LBCTL_VERSION		"0.1.0"

/* Exit statuses. */
#define LBCTL_EXIT_OK		0
#define LBCTL_EXIT_ERROR	1
#define LBCTL_EXIT_USAGE	2

/* Global options: travel in this one struct, never in globals. */
struct lbctl_opts {
	bool json;
	bool pretty;
	bool debug;
};

/* Positional argument kinds, in order, as a string in the command table:
 *   V  VIP (two words: { tcp | udp } ADDR:PORT)    v  optional VIP
 *   A  backend ADDR                                D  interface DEV
 *   F  FILE                                        f  optional FILE
 *   N  ENTRIES (connection-table size)          R  RATE (new flows per second) */

/* Keywords a command accepts (bit set). */
enum lbctl_kw {
	KW_SCHED	= 1U << 0,	/* sched maglev|sh|rr|random */
	KW_RING		= 1U << 1,	/* ring SIZE */
	KW_WEIGHT	= 1U << 2,	/* weight N */
	KW_STATE	= 1U << 3,	/* state active|draining|standby */
	KW_MODE		= 1U << 4,	/* mode native|generic|auto */
	KW_KEEP_PINS	= 1U << 5,	/* keep-pins (no value) */
	KW_INTERVAL	= 1U << 6,	/* interval SECONDS */
	KW_COUNT	= 1U << 7,	/* count N */
	KW_LIMIT	= 1U << 8,	/* limit N */
	KW_ADDR		= 1U << 9,	/* addr ADDR (repeatable) */
	KW_DIR		= 1U << 10,	/* dir DIR */
	KW_CONNS	= 1U << 11,	/* conns ENTRIES */
};

/* Command flags. */
enum lbctl_cmd_flags {
	CMD_NO_LIB	= 1U << 0,	/* does not open libxlb (decap) */
	/* Open in XLB_OPEN_CREATE mode: commands that configure (so a VIP can
	 * be set up before attach). Without it XLB_OPEN_PINNED: show commands,
	 * and del/detach, which have nothing to act on without pins and must
	 * not leave fresh pins behind. */
	CMD_CREATE	= 1U << 1,
	CMD_STREAM	= 1U << 2,	/* prints its own output (stats watch) */
	CMD_REQ_SCHED	= 1U << 3,	/* sched or ring keyword required */
	CMD_REQ_WS	= 1U << 4,	/* weight or state required */
	CMD_NO_ROOT	= 1U << 5,	/* runs without privileges */
};

#define LBCTL_MAX_DECAP_ADDRS	64

struct lbctl_args {
	unsigned int have;		/* KW_* given */
	bool have_vip;
	struct xlb_vip_key vip;
	struct xlb_addr addr;		/* positional backend ADDR */
	char dev[16];
	int ifindex;
	const char *file;
	enum xlb_sched sched;
	__u32 ring_size;		/* 0: default */
	__u16 weight;
	enum xlb_backend_state state;
	enum xlb_attach_mode mode;
	double interval;		/* seconds */
	unsigned long count;		/* 0: forever */
	unsigned long limit;
	struct xlb_addr decap_addrs[LBCTL_MAX_DECAP_ADDRS];
	size_t n_decap_addrs;
	const char *dir;		/* dir DIR */
	__u32 entries;			/* N positional, or conns ENTRIES */
	__u32 rate;			/* R positional */
};

struct lbctl_ctx;

struct lbctl_cmd {
	const char *name;
	const char *pos;		/* positional kinds, see above */
	unsigned int kw;		/* allowed KW_* */
	unsigned int flags;		/* CMD_* */
	const char *what;		/* "add a VIP": for "needs root to ..." */
	int (*run)(struct lbctl_ctx *c, const struct lbctl_args *a);
	/* Optional: validate before any state is opened or created (bad input
	 * must leave nothing behind); 0 or -errno with c->err set. */
	int (*check)(struct lbctl_ctx *c, const struct lbctl_args *a);
};

struct lbctl_object {
	const char *name;
	const char *help;		/* synopsis, printed by "OBJECT help" */
	const struct lbctl_cmd *cmds;	/* NULL-name terminated */
	const char *default_cmd;	/* run when no command is given, or NULL */
};

struct lbctl_ctx {
	const struct lbctl_opts *opts;
	const struct lbctl_object *obj;
	const struct lbctl_cmd *cmd;
	struct xlb *xlb;		/* NULL for CMD_NO_LIB */
	json_t *out;			/* -j: the document to print on success */
	char err[512];			/* message set by lbctl_fail() */
};

extern const struct lbctl_object lbctl_prog_obj, lbctl_vip_obj, lbctl_backend_obj,
	lbctl_stats_obj, lbctl_conn_obj, lbctl_config_obj, lbctl_decap_obj, lbctl_agent_obj;

/* ---- args.c: matching and typed parsers (no I/O, unit-tested) ------------ */

/* Unique-prefix match of word in names[0..n-1]: an exact match wins, "s"
 * is an alias of "show" (as in iproute2). Returns the index, -ENOENT when
 * nothing matches, -EAGAIN when ambiguous; cands gets the candidates. */
int lbctl_match(const char *word, const char *const *names, size_t n,
		char *cands, size_t clen);

/* Parse argv (after OBJECT COMMAND) following cmd's table entry. Returns 0,
 * LBCTL_EXIT_ERROR for a bad value (a precise message in err), or
 * LBCTL_EXIT_USAGE for a grammar error. */
int lbctl_parse_args(const struct lbctl_cmd *cmd, int argc, char **argv,
		     struct lbctl_args *a, char *err, size_t errlen);

int lbctl_parse_vip(const char *proto, const char *addr_port, struct xlb_vip_key *key,
		    char *err, size_t errlen);
int lbctl_parse_u32(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out);
const char *lbctl_mode_name(enum xlb_attach_mode m);
bool lbctl_vip_is_v6(const struct xlb_vip_key *key);

/* ---- output.c ---------------------------------------------------------- */

/* Set the failure message ("<what failed>: <why>"); returns -err for use as
 * "return lbctl_fail(c, err, ...)". */
int lbctl_fail(struct lbctl_ctx *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Failure of a libxlb call: its message, or "<what>: strerror". */
int lbctl_fail_xlb(struct lbctl_ctx *c, int err, const char *what);
/* Print a JSON value on one line (or pretty) followed by a newline. */
void lbctl_json_print(const struct lbctl_opts *o, json_t *v);
/* Human-readable rate / count ("1.2M"). */
const char *lbctl_human(double v, char *buf, size_t len);
json_t *lbctl_json_counter(__u64 packets, __u64 bytes);
/* Object helpers that abort nothing: jansson reference stealing wrappers. */
void lbctl_jset(json_t *obj, const char *key, json_t *v);
/* Rendering of addresses and VIPs (buffers of LBCTL_ADDR_LEN / LBCTL_VIP_LEN). */
#define LBCTL_ADDR_LEN	46
#define LBCTL_VIP_LEN	64
const char *lbctl_fmt_addr(const __u8 addr[16], char *buf, size_t len);
const char *lbctl_fmt_vip(const struct xlb_vip_key *key, char *buf, size_t len);
const char *lbctl_proto_name(__u8 proto);

/* ---- renderers shared between objects ---------------------------------- */

json_t *lbctl_vip_json(const struct xlb_vip_info *v);
json_t *lbctl_backend_json(const struct xlb_backend_info *b);

#endif /* LBCTL_H */
