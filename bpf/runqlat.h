/* runqlat: the record shared by runqlat.bpf.c and user space (declared in src/records/runqlat.ts). */
#ifndef SIXTY_RUNQLAT_H
#define SIXTY_RUNQLAT_H

/* Waits by log2 of their length in µs (runq-wait.h's SCHED_SLOTS, which it must equal). */
#define RUNQLAT_SLOTS 28
#define RUNQLAT_MAX_THREADS 32768

/* One per CPU (a per-CPU array of one entry), cumulative since load: the waits that ended on this CPU. */
struct runqlat_val {
	__u64 count;  /* waits ended (the task put on this CPU) */
	__u64 sum_ns; /* their total length */
	__u64 hist[RUNQLAT_SLOTS];
};

/* Counters in the runqlat_stats per-CPU array. */
enum runqlat_stat {
	RUNQLAT_STAT_MAP_FULL = 0, /* wake-ups not timed: no room for the thread's start */
	RUNQLAT_STAT_NR = 1,
};

struct runqlat_stats_val {
	__u64 count;
};

#endif
