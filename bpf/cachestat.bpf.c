// SPDX-License-Identifier: GPL-2.0
/* cachestat: the host's page-cache hits, misses and dirtied pages, as the seed's cachestat: cachetop's hooks and
 * tiers, counted into one per-CPU row for the whole host (no row per process to find or make: a counter bump). The
 * programs keep cachetop's names; see bpf/cachetop.bpf.c. */
#define CACHETOP_HOSTWIDE 1
#include "cachetop.bpf.c"
