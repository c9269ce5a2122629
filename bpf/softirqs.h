/* softirqs: the record shared by softirqs.bpf.c and user space (decoded in src/records/softirqs.ts). */
#ifndef SIXTY_SOFTIRQS_H
#define SIXTY_SOFTIRQS_H

/* NR_SOFTIRQS: hi, timer, net_tx, net_rx, block, irq_poll, tasklet, sched, hrtimer, rcu. */
#define SOFTIRQS_NR_VECTORS 10

/* Per-CPU, per vector, cumulative since load. User space sums the CPUs and takes deltas. */
struct softirqs_val {
	__u64 count;   /* softirq_entry events, counted where /proc/softirqs counts them */
	__u64 time_ns; /* entry→exit time of matched pairs */
};

/* Per-CPU start of the softirq in progress (softirqs do not nest on one CPU). */
struct softirqs_start {
	__u64 ts;
	__u32 vec;
	__u32 pad;
};

#endif
