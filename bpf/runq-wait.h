/* SPDX-License-Identifier: GPL-2.0 */
/* runq-wait.h (not sched.h: that name is libc's, and the addon's include path has bpf/): what the scheduler panels (procs, runqlat) share: a task's state across kernel versions, and the log2 slot of a
 * wait. Included after vmlinux.h and libbpf's headers. */
#ifndef SIXTY_RUNQ_WAIT_H
#define SIXTY_RUNQ_WAIT_H

/* Waits by log2 of their length in µs: slot 0 under 1 µs, slot n from 2^(n-1) to 2^n µs, the last one longer. */
#define SCHED_SLOTS 28

/* Kernels before 5.14 call task_struct's state `state`. */
struct task_struct___pre514 {
	volatile long state;
} __attribute__((preserve_access_index));

/* 0 (TASK_RUNNING): runnable. A task switched out in this state is still queued: it waits again. */
static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

static __always_inline __u32 sched_slot(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 slot = 0;

	/* log2, bounded: slot n holds 2^(n-1) ≤ us < 2^n. */
	for (int i = 0; i < SCHED_SLOTS - 1 && us; i++) {
		us >>= 1;
		slot++;
	}
	return slot < SCHED_SLOTS ? slot : SCHED_SLOTS - 1;
}

#endif
