/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A private network namespace for the packet tests and the benchmarks:
 * unshare(CLONE_NEWNET), so its devices vanish with the process whatever
 * happens, set up through one `ip -batch -`, with forwarding on (which
 * bpf_fib_lookup() needs).
 */
#ifndef XLB_TEST_NETNS_H
#define XLB_TEST_NETNS_H

#include <stdio.h>

/* Returns 0 with *ip an `ip -batch -` pipe in a new private netns (lo is
 * up), 77 when it cannot be done (not root, no unshare: printed, for
 * what), or -errno. Write the setup to *ip, then call tl_netns_end(). */
int tl_netns_begin(const char *what, FILE **ip);
/* Returns 0 once the batch ran and forwarding is on, else -1 (printed). */
int tl_netns_end(FILE *ip);
/* Returns 0 after writing val to the file path (e.g. a sysctl), or -errno. */
int tl_write_file(const char *path, const char *val);

#endif /* XLB_TEST_NETNS_H */
