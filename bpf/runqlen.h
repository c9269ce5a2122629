/* runqlen: the record shared by runqlen.bpf.c and user space (declared in src/records/runqlen.ts). */
#ifndef SIXTY_RUNQLEN_H
#define SIXTY_RUNQLEN_H

/* Queue-length histogram: slot n counts samples that found n tasks waiting; the last slot also takes longer queues. */
#define RUNQLEN_SLOTS 32

/* One per CPU (a per-CPU array of one entry), cumulative since load; user space takes deltas per interval. */
struct runqlen_val {
	__u64 samples;     /* timer samples taken on this CPU */
	__u64 queued;      /* sum of tasks waiting (nr_running - 1, floored at 0) over the samples */
	__u64 runnable;    /* sum of nr_running (the running task counted) over the samples */
	__u64 occupied;    /* samples that found at least one task waiting */
	__u64 hist[RUNQLEN_SLOTS];
};

#endif
