// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pkt_test: BPF_PROG_TEST_RUN tables for xlb_ingress and xlb_decap, checked
 * byte for byte against the README's data plane contract. Each case opens a
 * fresh unpinned xlb (fresh maps), so no case depends on another.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "env.h"

static void log_warn(enum xlb_log_level level, const char *fmt, va_list ap)
{
	if (level == XLB_LOG_WARN && getenv("PKT_VERBOSE"))
		vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	struct timespec a, b;
	cpu_set_t cpus;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	xlb_set_log(log_warn);
	/* One CPU: per-CPU state (rr cursor, counters) stays on the CPU we test. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	rc = env_setup();
	if (rc == 77)
		return 77;
	if (rc) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (!only || !strcmp(only, "table"))
		run_table_cases();
	if (!only || !strcmp(only, "flow"))
		run_flow_cases();
	if (!only || !strcmp(only, "sched"))
		run_sched_cases();
	if (!only || !strcmp(only, "trunc"))
		run_trunc_cases();
	if (!only || !strcmp(only, "decap"))
		run_decap_cases();
	if (!only || !strcmp(only, "upgrade"))
		run_upgrade_cases();
	if (!only || !strcmp(only, "lib"))
		run_lib_cases();
	if (!only || !strcmp(only, "fwd"))
		run_fwd_cases();
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("# %.1f s\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	printf("%d passed, %d failed\n", th_passed, th_failed);
	return th_failed ? 1 : 0;
}
