/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The unit tests' one assertion macro and summary line. Every test program
 * ends with UNIT_SUMMARY(), which prints "N passed, N failed" (what
 * tests/run reads) and is the exit status.
 */
#ifndef XLB_TESTS_UNIT_H
#define XLB_TESTS_UNIT_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...)							\
	do {									\
		if (cond) {							\
			passed++;						\
		} else {							\
			failed++;						\
			printf("FAIL %s:%d (%s): %s: ", __FILE__, __LINE__,	\
			       __func__, #cond);				\
			printf(__VA_ARGS__);					\
			printf("\n");						\
		}								\
	} while (0)

#define UNIT_SUMMARY()								\
	(printf("%d passed, %d failed\n", passed, failed), failed ? 1 : 0)

#endif /* XLB_TESTS_UNIT_H */
