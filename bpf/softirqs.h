/* softirqs: the record shared by softirqs.bpf.c and user space (decoded in src/records/softirqs.ts). */
#ifndef SIXTY_SOFTIRQS_H
#define SIXTY_SOFTIRQS_H

/* NR_SOFTIRQS: hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu. */
#define SOFTIRQS_NR_VECTORS 10

/* Per-CPU, per vector. count and time_ns are cumulative since load; user space takes deltas per CPU.
 * max_ns is the longest single softirq of an interval. Intervals are numbered by user space (softirqs_epoch, bumped
 * just before each read), and two slots alternate: slot e & 1 holds interval e's longest, tagged with e, so the one
 * user space reads (the interval just closed) is never the one being written. */
struct softirqs_val {
	__u64 count;        /* softirq_entry events, counted where /proc/softirqs counts them */
	__u64 time_ns;      /* entry→exit time of matched pairs */
	__u64 max_ns[2];    /* the longest entry→exit in the interval tagged max_epoch[slot] */
	__u64 max_epoch[2];
};

/* Per-CPU start of the softirq in progress (softirqs do not nest on one CPU). */
struct softirqs_start {
	__u64 ts;
	__u32 vec;
	__u32 pad;
};

#endif
