/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The tests' own copy of Linux's jhash2() (include/linux/jhash.h, Bob
 * Jenkins' lookup3 hashword), written for predicting the data plane's
 * Maglev and source-hash picks without sharing code with bpf/.
 */
#ifndef XLB_TEST_JHASH_H
#define XLB_TEST_JHASH_H

#include <stdint.h>

#define TL_JHASH_INITVAL	0xdeadbeef

/* k: length 32-bit words, read in host order from memory. */
uint32_t tl_jhash2(const uint32_t *k, uint32_t length, uint32_t initval);

#endif /* XLB_TEST_JHASH_H */
