/* cachetop: the records shared by cachetop.bpf.c and user space (declared in src/records/cachetop.ts). */
#ifndef SIXTY_CACHETOP_H
#define SIXTY_CACHETOP_H

#define CACHETOP_COMM_LEN 16
#define CACHETOP_MAX_ROWS 16384
#define CACHETOP_MAX_CALLS 16384

/* One row per process (tgid). Every count is in pages (4 KiB on the kernels sixty runs on), never in folios: a large
 * folio counts all its pages. Cumulative since the entry was created; user space takes deltas. */
struct cachetop_key {
	__u32 pid;
};

struct cachetop_val {
	__u64 read_pages;   /* page-cache accesses by reads (exact tiers: folio_mark_accessed outside a write) */
	__u64 write_pages;  /* page-cache accesses by writes */
	__u64 misses;       /* pages added to the page cache by this process */
	__u64 write_misses; /* of them, pages added while it was writing */
	__u64 dirties;      /* pages it turned from clean to dirty */
	__u64 created_ns;
	__u32 uid;          /* when the entry was created */
	__u32 pad;
	char comm[CACHETOP_COMM_LEN];
	__u64 cgid; /* the process's cgroup2 id, taken with comm (at its first event, and at exec) */
};

/* Proxy tier only: a read or write syscall in flight on a thread, from its entry (which has the fd) to its exit. */
struct cachetop_call {
	__u32 fd;
	__u32 write;
};

/* Counters in the cachetop_stats per-CPU array. */
enum cachetop_stat {
	CACHETOP_STAT_MAP_FULL = 0, /* events not counted: no room for their process's row */
	CACHETOP_STAT_NR = 1,
};

struct cachetop_stats_val {
	__u64 count;
};

#endif
