// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lbctl config: save the whole state to a libconfig file, load one back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lbctl.h"

static const char config_help[] =
	"Usage: lbctl config save [FILE]\n"
	"       lbctl config load FILE\n"
	"       lbctl config help\n"
	"\n"
	"save writes settings, VIPs and backends (libconfig format) to FILE, or to\n"
	"stdout without FILE (with -j: {\"config\": \"<text>\"}).\n"
	"load checks the whole file first and applies it only if all of it is valid,\n"
	"as a diff against the live state; on error nothing changes.\n";

static int do_save(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	char *text = NULL, *tmp = NULL;
	size_t len = 0;
	FILE *f;
	int err, fd;

	if (!a->file) {
		f = open_memstream(&text, &len);
		if (!f)
			return lbctl_fail(c, errno, "save config: %s", strerror(errno));
		err = xlb_config_save(c->xlb, f);
		fclose(f);
		if (err) {
			free(text);
			return lbctl_fail_xlb(c, err, "save config");
		}
		if (c->out)
			lbctl_jset(c->out, "config", json_string(text));
		else
			fputs(text, stdout);
		free(text);
		return 0;
	}

	/* Write next to FILE, then rename: a reader never sees half a file. */
	if (asprintf(&tmp, "%s.XXXXXX", a->file) < 0)
		return lbctl_fail(c, ENOMEM, "save config to %s: out of memory", a->file);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = lbctl_fail(c, errno, "save config to %s: %s", a->file, strerror(errno));
		goto out_free;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = lbctl_fail(c, errno, "save config to %s: %s", a->file, strerror(errno));
		close(fd);
		goto out_unlink;
	}
	err = xlb_config_save(c->xlb, f);
	if (err) {
		fclose(f);
		err = lbctl_fail_xlb(c, err, "save config");
		goto out_unlink;
	}
	if (fclose(f) || rename(tmp, a->file)) {
		err = lbctl_fail(c, errno, "save config to %s: %s", a->file, strerror(errno));
		goto out_unlink;
	}
	if (c->out)
		lbctl_jset(c->out, "saved", json_string(a->file));
	goto out_free;
out_unlink:
	unlink(tmp);
out_free:
	free(tmp);
	return err;
}

/* Before any state is opened or created: a bad file leaves nothing behind. */
static int check_load(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	char msg[384];
	int err;

	if (access(a->file, R_OK))
		return lbctl_fail(c, errno, "load config %s: %s", a->file, strerror(errno));
	err = xlb_config_check(a->file, msg, sizeof(msg));
	if (err)
		return lbctl_fail(c, -err, "load config: %s", msg);
	return 0;
}

static int do_load(struct lbctl_ctx *c, const struct lbctl_args *a)
{
	int err;

	err = xlb_config_load(c->xlb, a->file);
	if (err)
		return lbctl_fail_xlb(c, err, "load config");
	if (c->out)
		lbctl_jset(c->out, "loaded", json_string(a->file));
	return 0;
}

static const struct lbctl_cmd config_cmds[] = {
	{ "save", "f", 0, 0, "save the configuration", do_save, NULL },
	{ "load", "F", 0, CMD_CREATE, "load a configuration", do_load, check_load },
	{}
};

const struct lbctl_object lbctl_config_obj = {
	.name = "config",
	.help = config_help,
	.cmds = config_cmds,
	.default_cmd = NULL,
};
