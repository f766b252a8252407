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

void run_lib_cases(void)
{
	config_load_frees_ids_first();
}
