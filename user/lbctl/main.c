// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl: the operator's CLI, a thin front end over libxlb.
 *
 *   lbctl [OPTIONS] OBJECT { COMMAND | help } [ARGS]
 *
 * Exit status: 0 success (and requested help), 1 runtime error or bad value,
 * 2 usage error (the object's help goes to stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "lbctl.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const struct lbctl_object *const objects[] = {
	&lbctl_prog_obj, &lbctl_vip_obj, &lbctl_backend_obj, &lbctl_stats_obj,
	&lbctl_conn_obj, &lbctl_config_obj, &lbctl_decap_obj, &lbctl_agent_obj,
};
#define N_OBJECTS (sizeof(objects) / sizeof(objects[0]))

static const char main_help[] =
	"Usage: lbctl [OPTIONS] OBJECT { COMMAND | help } [ARGS]\n"
	"       lbctl help\n"
	"       lbctl --version\n"
	"\n"
	"OBJECT := { prog | vip | backend | stats | conn | config | decap | agent }\n"
	"OPTIONS := { -j|--json | -p|--pretty | -d|--debug | -h|--help | -V|--version }\n"
	"\n"
	"Objects and commands may be abbreviated to a unique prefix; \"s\" is \"show\".\n"
	"-j prints exactly one JSON document per run (errors as {\"error\": \"...\"}),\n"
	"except \"stats watch\", which prints one JSON object per line per interval.\n"
	"-p pretty-prints JSON (implies -j). -d prints libxlb/libbpf debug messages.\n"
	"State lives under $XLB_PIN_DIR (default " XLB_PIN_DIR_DEFAULT ").\n";

/* One line on stderr per message, whether or not it ends in a newline. */
static void log_line(const char *tag, const char *fmt, va_list ap)
{
	char buf[1024];
	size_t len;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	len = strlen(buf);
	fprintf(stderr, "%s%s%s", tag, buf, len && buf[len - 1] == '\n' ? "" : "\n");
}

static void log_warn(enum xlb_log_level level, const char *fmt, va_list ap)
{
	if (level == XLB_LOG_WARN)
		log_line("Warning: ", fmt, ap);
}

static void log_debug(enum xlb_log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = { "warn: ", "info: ", "debug: " };

	log_line(tag[level <= XLB_LOG_DEBUG ? level : XLB_LOG_DEBUG], fmt, ap);
}

/* Print an error the way -j asks; returns the exit status. */
static int report(const struct lbctl_opts *o, int status, const char *msg)
{
	if (o->json) {
		json_t *doc = json_object();

		lbctl_jset(doc, "error", json_string(msg));
		lbctl_json_print(o, doc);
		json_decref(doc);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
	return status;
}

static void print_help(const struct lbctl_opts *o, const char *text, bool requested)
{
	if (requested && o->json) {
		json_t *doc = json_object();

		lbctl_jset(doc, "help", json_string(text));
		lbctl_json_print(o, doc);
		json_decref(doc);
		return;
	}
	fputs(text, requested ? stdout : stderr);
}

static int usage(const struct lbctl_opts *o, const char *help, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int usage(const struct lbctl_opts *o, const char *help, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(o, LBCTL_EXIT_USAGE, msg);
	print_help(o, help, false);
	return LBCTL_EXIT_USAGE;
}

/* True when both capabilities are effective. */
static bool have_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return (data[CAP_BPF / 32].effective & (1U << (CAP_BPF % 32))) &&
	       (data[CAP_NET_ADMIN / 32].effective & (1U << (CAP_NET_ADMIN % 32)));
}

static int print_version(const struct lbctl_opts *o)
{
	if (o->json) {
		json_t *doc = json_object();

		lbctl_jset(doc, "version", json_string(LBCTL_VERSION));
		lbctl_jset(doc, "abi_version", json_integer(XLB_ABI_VERSION));
		lbctl_json_print(o, doc);
		json_decref(doc);
	} else {
		printf("lbctl %s (xlb ABI %d)\n", LBCTL_VERSION, XLB_ABI_VERSION);
	}
	return LBCTL_EXIT_OK;
}

static int run_cmd(const struct lbctl_opts *o, const struct lbctl_object *obj,
		   const struct lbctl_cmd *cmd, int argc, char **argv)
{
	struct lbctl_ctx c = { .opts = o, .obj = obj, .cmd = cmd };
	struct lbctl_args a;
	int ret, status;

	ret = lbctl_parse_args(cmd, argc, argv, &a, c.err, sizeof(c.err));
	if (ret == LBCTL_EXIT_USAGE)
		return usage(o, obj->help, "%s %s: %s", obj->name, cmd->name, c.err);
	if (ret)
		return report(o, LBCTL_EXIT_ERROR, c.err);

	if (!(cmd->flags & CMD_NO_ROOT) && !have_caps()) {
		snprintf(c.err, sizeof(c.err),
			 "lbctl needs root (CAP_BPF and CAP_NET_ADMIN) to %s", cmd->what);
		return report(o, LBCTL_EXIT_ERROR, c.err);
	}

	if (cmd->check && cmd->check(&c, &a))
		return report(o, LBCTL_EXIT_ERROR, c.err);

	if (!(cmd->flags & CMD_NO_LIB)) {
		struct xlb_open_opts oo = {
			.mode = (cmd->flags & CMD_CREATE) ? XLB_OPEN_CREATE : XLB_OPEN_PINNED,
			.conn_max = (a.have & KW_CONNS) ? a.entries : 0,	/* if created now */
		};
		const char *msg;

		ret = xlb_open(&c.xlb, &oo);
		if (ret) {
			msg = xlb_open_errmsg();
			if (msg && *msg)
				snprintf(c.err, sizeof(c.err), "%s", msg);
			else
				snprintf(c.err, sizeof(c.err), "open xlb state: %s",
					 strerror(-ret));
			return report(o, LBCTL_EXIT_ERROR, c.err);
		}
	}

	if (o->json && !(cmd->flags & CMD_STREAM))
		c.out = json_object();
	ret = cmd->run(&c, &a);
	if (ret) {
		if (!c.err[0])
			lbctl_fail_xlb(&c, ret, cmd->what);
		status = report(o, LBCTL_EXIT_ERROR, c.err);
	} else {
		if (c.out)
			lbctl_json_print(o, c.out);
		status = LBCTL_EXIT_OK;
	}
	json_decref(c.out);
	if (c.xlb)
		xlb_close(c.xlb);
	return status;
}

static int run_object(const struct lbctl_opts *o, const struct lbctl_object *obj,
		      int argc, char **argv)
{
	const char *names[16], *word;
	char cands[256];
	size_t n = 0;
	int i;

	for (; obj->cmds[n].name; n++)
		names[n] = obj->cmds[n].name;
	names[n] = "help";

	word = argc > 0 ? argv[0] : obj->default_cmd;
	if (!word)
		return usage(o, obj->help, "%s: missing COMMAND", obj->name);
	i = lbctl_match(word, names, n + 1, cands, sizeof(cands));
	if (i == -EAGAIN)
		return usage(o, obj->help, "%s: ambiguous command '%s': could be %s",
			     obj->name, word, cands);
	if (i < 0)
		return usage(o, obj->help, "%s: unknown command '%s'", obj->name, word);
	if ((size_t)i == n) {
		print_help(o, obj->help, true);
		return LBCTL_EXIT_OK;
	}
	return run_cmd(o, obj, &obj->cmds[i], argc > 0 ? argc - 1 : 0, argv + 1);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct lbctl_opts o = {};
	const char *names[N_OBJECTS + 1];
	bool version = false, help = false;
	char cands[256];
	size_t n;
	int opt, i;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jpdhV", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.json = o.pretty = true;
			break;
		case 'd':
			o.debug = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		default:
			return usage(&o, main_help, "unknown option '%s'", argv[optind - 1]);
		}
	}
	xlb_set_log(o.debug ? log_debug : log_warn);
	if (version)
		return print_version(&o);
	if (help) {
		print_help(&o, main_help, true);
		return LBCTL_EXIT_OK;
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage(&o, main_help, "missing OBJECT");

	for (n = 0; n < N_OBJECTS; n++)
		names[n] = objects[n]->name;
	names[n] = "help";
	i = lbctl_match(argv[0], names, n + 1, cands, sizeof(cands));
	if (i == -EAGAIN)
		return usage(&o, main_help, "ambiguous object '%s': could be %s",
			     argv[0], cands);
	if (i < 0)
		return usage(&o, main_help, "unknown object '%s'", argv[0]);
	if ((size_t)i == n) {
		print_help(&o, main_help, true);
		return LBCTL_EXIT_OK;
	}
	return run_object(&o, objects[i], argc - 1, argv + 1);
}
