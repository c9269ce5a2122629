/* SPDX-License-Identifier: GPL-2.0 */
/* stacks: the record shared by profile.bpf.c, offcputime.bpf.c and user space (declared in src/records/stacks.ts).
 * Both panels count per (process, thread name, cgroup, user stack, kernel stack): profile counts timer samples,
 * offcputime the time blocked (and how often), with the wait's state and the task that woke it. Stacks live in a
 * stack trace map, by id; an id below zero is the errno bpf_get_stackid gave (no stack: the sample is still counted). */
#ifndef SIXTY_STACKS_H
#define SIXTY_STACKS_H

/* Frames per stack the stack map keeps (the kernel's own bound, sysctl kernel.perf_event_max_stack, is 127). */
#define STACKS_MAX_DEPTH 127
#define STACKS_COMM_LEN 16

/* No stack asked for: a kernel thread has no user stack. */
#define STACKS_NONE (-1000)

struct stack_key {
	__u32 tgid;        /* the process (0: the idle task) */
	__s32 user_stack;  /* id in the stack map, or -errno, or STACKS_NONE */
	__s32 kernel_stack;
	__u32 state;       /* offcputime: the task's state as it left the CPU (1: sleeping, 2: uninterruptible …) */
	__u64 cgroup;      /* cgroup2 id */
	__u32 waker_tgid;  /* offcputime: the process that woke it (0: none seen, or woken by an interrupt) */
	__u32 flags;       /* STACK_KEY_* */
	char comm[STACKS_COMM_LEN];
	char waker_comm[STACKS_COMM_LEN];
};

#define STACK_KEY_KTHREAD 1u /* a kernel thread */

/* Cumulative since load; user space takes deltas. */
struct stack_val {
	__u64 count; /* samples (profile) or waits (offcputime) */
	__u64 ns;    /* offcputime: time blocked */
};

enum {
	STACKS_STAT_SAMPLES = 0,      /* samples (profile) or waits ended (offcputime) seen, idle included */
	STACKS_STAT_IDLE = 1,         /* of those, in the idle task (left out) */
	STACKS_STAT_USER_LOST = 2,    /* user stacks the stack map had no room for (-ENOMEM, -EEXIST) */
	STACKS_STAT_KERNEL_LOST = 3,  /* kernel stacks the stack map had no room for */
	STACKS_STAT_USER_FAULT = 4,   /* user stacks that could not be walked at all (-EFAULT) */
	STACKS_STAT_MAP_FULL = 5,     /* samples not counted: no room for another key */
	STACKS_STAT_START_FULL = 6,   /* offcputime: waits not timed: no room to keep their start */
	STACKS_STAT_NR = 7,
};

struct stacks_stats_val {
	__u64 count;
};

#endif
