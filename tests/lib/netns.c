// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Private network namespace setup shared by tests/pkt and tools/bench. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"

int tl_write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fputs(val, f) < 0 ? -EIO : 0;
	if (fclose(f))
		err = -errno;
	return err;
}

int tl_netns_begin(const char *what, FILE **ip)
{
	if (geteuid() != 0) {
		printf("skip: %s need root (BPF_PROG_TEST_RUN, netns)\n", what);
		return 77;
	}
	if (unshare(CLONE_NEWNET)) {
		printf("skip: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	*ip = popen("ip -batch -", "w");
	if (!*ip)
		return errno ? -errno : -EIO;
	fprintf(*ip, "link set lo up\n");
	return 0;
}

int tl_netns_end(FILE *ip)
{
	int rc = pclose(ip);

	if (rc) {
		printf("Error: setting up the private netns failed (ip -batch exit %d)\n", rc);
		return -1;
	}
	if (tl_write_file("/proc/sys/net/ipv4/ip_forward", "1") ||
	    tl_write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1")) {
		printf("Error: cannot enable forwarding in the private netns\n");
		return -1;
	}
	return 0;
}
