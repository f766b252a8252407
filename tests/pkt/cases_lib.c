// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libxlb cases without packets: operations that must either succeed whole
 * or fail leaving the maps as they were (README: "nothing changes").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"

/* Number of backends of vip (all states), or -1 (and the case fails). */
static int count_backends(struct th *t, const struct xlb_vip_key *vip)
{
	struct xlb_vip_info info;
	int err;

	err = xlb_vip_get(t->xlb, vip, &info);
	if (err) {
		th_fail(t, "xlb_vip_get: %s", xlb_errmsg(t->xlb));
		return -1;
	}
	return info.n_backends;
}

/* Writes a config with vips[i] holding n[i] backends 198.19.<i>.<j>/... */
static int write_conf(const char *path, const char *const *vips, const int *first,
		      const int *n, int nvips)
{
	FILE *f = fopen(path, "w");
	int i, j;

	if (!f)
		return -1;
	fprintf(f, "vips = (");
	for (i = 0; i < nvips; i++) {
		fprintf(f, "%s\n  { %s; sched = \"maglev\"; ring = 1021; backends = (", i ? "," : "",
			vips[i]);
		for (j = 0; j < n[i]; j++) {
			int a = first[i] + j;

			fprintf(f, "%s { address = \"198.19.%d.%d\"; weight = 100; }",
				j ? "," : "", a / 256, a % 256);
		}
		fprintf(f, " ); }");
	}
	fprintf(f, " );\n");
	return fclose(f) ? -1 : 0;
}

/*
 * A valid file that moves one backend id's worth from VIP A to VIP B while
 * every backend id is in use: the apply must delete A's backend before it
 * adds B's, whatever the order of the VIPs in the file; otherwise B's add
 * fails with ENOSPC halfway, after B's other changes (here: B itself) were
 * made.
 */
static void config_load_frees_ids_first(void)
{
	static const char *const va = "proto = \"tcp\"; address = \"198.18.0.10\"; port = 80";
	static const char *const vb = "proto = \"udp\"; address = \"198.18.0.10\"; port = 53";
	char path[] = "/tmp/xlb-pkt-lib-XXXXXX";
	struct xlb_vip_key ka, kb;
	struct th t;
	int fd, err;

	if (env_open(&t, "config load: removals free ids before additions"))
		goto out;
	fd = mkstemp(path);
	if (fd < 0) {
		th_fail(&t, "mkstemp: %s", strerror(errno));
		goto out;
	}
	close(fd);
	if (xlb_parse_vip("tcp", VIP4 ":80", &ka) || xlb_parse_vip("udp", VIP4 ":53", &kb)) {
		th_fail(&t, "parse vips");
		goto out_unlink;
	}
	{
		const char *const vips[] = { va };
		const int first[] = { 0 }, n[] = { XLB_MAX_BACKENDS };

		if (write_conf(path, vips, first, n, 1)) {
			th_fail(&t, "write %s", path);
			goto out_unlink;
		}
	}
	err = xlb_config_load(t.xlb, path);
	if (err) {
		th_fail(&t, "first load (%d backends): %s", XLB_MAX_BACKENDS, xlb_errmsg(t.xlb));
		goto out_unlink;
	}
	{
		/* B first in the file: its addition comes before A's removal */
		const char *const vips[] = { vb, va };
		const int first[] = { XLB_MAX_BACKENDS, 1 }, n[] = { 1, XLB_MAX_BACKENDS - 1 };

		if (write_conf(path, vips, first, n, 2)) {
			th_fail(&t, "write %s", path);
			goto out_unlink;
		}
	}
	err = xlb_config_load(t.xlb, path);
	TH_ASSERT(&t, !err, "second load (a backend moves from A to B): %s", xlb_errmsg(t.xlb));
	TH_ASSERT(&t, count_backends(&t, &ka) == XLB_MAX_BACKENDS - 1,
		  "vip A has %d backends, not %d", count_backends(&t, &ka), XLB_MAX_BACKENDS - 1);
	if (!err)
		TH_ASSERT(&t, count_backends(&t, &kb) == 1, "vip B has %d backends, not 1",
			  count_backends(&t, &kb));
	else	/* a failed load changes nothing: B must not exist */
		TH_ASSERT(&t, xlb_vip_get(t.xlb, &kb, &(struct xlb_vip_info){}) == -ENOENT,
			  "failed load left vip B behind");
out_unlink:
	unlink(path);
out:
	th_end(&t);
}

static const char conf_before[] =
	"settings = { encap_src4 = \"198.19.0.0\"; encap_src6 = \"fd00:786c:6200::\"; };\n"
	"vips = (\n"
	"  { proto = \"tcp\"; address = \"198.18.0.10\"; port = 80; sched = \"maglev\";\n"
	"    ring = 1021; backends = (\n"
	"      { address = \"198.18.1.10\"; weight = 100; state = \"active\"; },\n"
	"      { address = \"198.18.1.11\"; weight = 200; state = \"standby\"; },\n"
	"      { address = \"198.18.1.12\"; weight = 50; state = \"draining\"; } ); },\n"
	"  { proto = \"udp\"; address = \"198.18.0.10\"; port = 53; sched = \"sh\"; ring = 4093;\n"
	"    backends = ( { address = \"198.18.1.13\"; weight = 10; } ); },\n"
	"  { proto = \"tcp\"; address = \"fd00::10\"; port = 443; sched = \"rr\";\n"
	"    backends = ( { address = \"fd00:1::10\"; weight = 1; } ); } );\n";

/* Changes every kind of thing conf_before has: settings, a VIP removed and
 * one added, scheduler and ring size, backends removed, added, re-weighted
 * and moved between states. */
static const char conf_after[] =
	"settings = { encap_src4 = \"198.19.1.0\"; new_flow_limit = 1000; };\n"
	"vips = (\n"
	"  { proto = \"tcp\"; address = \"198.18.0.10\"; port = 80; sched = \"random\";\n"
	"    ring = 4093; backends = (\n"
	"      { address = \"198.18.1.10\"; weight = 300; state = \"draining\"; },\n"
	"      { address = \"198.18.1.11\"; weight = 200; state = \"active\"; },\n"
	"      { address = \"198.18.1.14\"; weight = 100; },\n"
	"      { address = \"198.18.1.15\"; state = \"standby\"; } ); },\n"
	"  { proto = \"tcp\"; address = \"fd00::10\"; port = 443; sched = \"maglev\";\n"
	"    backends = ( { address = \"fd00:1::10\"; weight = 1; },\n"
	"                 { address = \"fd00:1::11\"; weight = 5; } ); },\n"
	"  { proto = \"udp\"; address = \"198.18.0.11\"; port = 5353;\n"
	"    backends = ( { address = \"198.18.1.16\"; } ); } );\n";

/* Returns a malloc'ed xlb_config_save() text of t's state, or NULL. */
static char *saved(struct th *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || xlb_config_save(t->xlb, f)) {
		th_fail(t, "config save: %s", xlb_errmsg(t->xlb));
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f) ? -1 : 0;
}

/*
 * The kernel may refuse any change of a load halfway (out of memory, say):
 * make each change in turn fail, and check that every time the load reports
 * the error and the state saved afterwards is the state before, byte for
 * byte. The first nth that does not fail is one past the last change.
 */
static void config_load_rolls_back(void)
{
	char pb[] = "/tmp/xlb-pkt-rb-a-XXXXXX", pa[] = "/tmp/xlb-pkt-rb-b-XXXXXX";
	char *before = NULL, *now = NULL;
	int fa = -1, fb = -1, nth, err, changes = 0;
	struct th t;

	if (env_open(&t, "config load: a kernel refusal at any change rolls back"))
		goto out;
	fb = mkstemp(pb);
	fa = mkstemp(pa);
	if (fb < 0 || fa < 0 || write_text(pb, conf_before) || write_text(pa, conf_after)) {
		th_fail(&t, "writing the config files: %s", strerror(errno));
		goto out;
	}
	for (nth = 1; nth <= 100; nth++) {
		err = xlb_config_load(t.xlb, pb);
		if (!TH_ASSERT(&t, !err, "loading the first file: %s", xlb_errmsg(t.xlb)))
			break;
		free(before);
		before = saved(&t);
		if (!before)
			break;
		xlb_fault_config_change(t.xlb, nth);
		err = xlb_config_load(t.xlb, pa);
		if (!err) {
			changes = nth - 1;
			break;
		}
		if (!TH_ASSERT(&t, err == -EIO, "change %d: load failed with %d (%s), not -EIO",
			       nth, err, xlb_errmsg(t.xlb)) ||
		    !TH_ASSERT(&t, strstr(xlb_errmsg(t.xlb), "rolled back"),
			       "change %d: message does not say it rolled back: %s", nth,
			       xlb_errmsg(t.xlb)))
			break;
		free(now);
		now = saved(&t);
		if (!now || !TH_ASSERT(&t, !strcmp(before, now),
				       "fault at change %d: state differs after rollback:\n"
				       "--- before\n%s--- after\n%s", nth, before, now))
			break;
	}
	printf("# figure: %d changes faulted one at a time, each rolled back\n", changes);
	/* 14 changes make conf_after; fewer means some kind went untested */
	TH_ASSERT(&t, changes >= 14, "only %d changes were faulted (expected >= 14)", changes);
	free(now);
	now = saved(&t);
	TH_ASSERT(&t, now && before && strcmp(before, now), "the unfaulted load changed nothing");
	TH_ASSERT(&t, now && strstr(now, "198.18.1.16") && !strstr(now, "198.18.1.12"),
		  "the unfaulted load is not the second file:\n%s", now ? now : "");
out:
	free(before);
	free(now);
	if (fb >= 0)
		unlink(pb), close(fb);
	if (fa >= 0)
		unlink(pa), close(fa);
	th_end(&t);
}

void run_lib_cases(void)
{
	config_load_frees_ids_first();
	config_load_rolls_back();
}
