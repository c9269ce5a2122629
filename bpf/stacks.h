/* SPDX-License-Identifier: GPL-2.0 */
/* stacks: the records shared by profile.bpf.c, offcputime.bpf.c and user space (declared in src/records/stacks.ts).
 * Both panels count per (process, thread name, cgroup, user stack, kernel stack): profile counts timer samples,
 * offcputime the time blocked (and how often), with the wait's state and the task that woke it. A stack is kept in a
 * hash map under a 64-bit hash of its addresses, not in a stack trace map: a stack trace map's bucket is its hash
 * modulo the map's size, a second stack there is refused (-EEXIST), and at a few thousand stacks that lost a hot
 * function's every sample; a hash map chains. The same stack always has the same key, so a stack deleted by user
 * space and taken again is the same stack. */
#ifndef SIXTY_STACKS_H
#define SIXTY_STACKS_H

/* Frames per stack the stack map keeps (the kernel's own bound, sysctl kernel.perf_event_max_stack, is 127). */
#define STACKS_MAX_DEPTH 127
#define STACKS_COMM_LEN 16

/* No stack asked for: a kernel thread has no user stack. */
#define STACKS_NONE (-1000)
/* No room in the stacks map for a new stack. */
#define STACKS_ENOSPC (-28)

struct stack_key {
	__u32 tgid;         /* the process (0: the idle task) */
	__u32 state;        /* offcputime: the task's state as it left the CPU (1: sleeping, 2: uninterruptible …) */
	__u64 cgroup;       /* cgroup2 id */
	__u64 user_stack;   /* the user stack's hash: its key in the stacks map; 0: none (user_err says why) */
	__u64 kernel_stack; /* the kernel stack's; 0: none (no kernel frames: the task was in user mode, or kernel_err) */
	__s32 user_err;     /* 0, -errno from bpf_get_stack, -ENOSPC (no room in the stacks map), or STACKS_NONE */
	__s32 kernel_err;
	__u32 waker_tgid;   /* offcputime: the process that woke it (0: none seen, or woken by an interrupt) */
	__u32 flags;        /* STACK_KEY_* */
	char comm[STACKS_COMM_LEN];
	char waker_comm[STACKS_COMM_LEN];
};

/* A stack's return addresses, innermost first, zero after the last: the stacks map's value. */
struct stack_ips {
	__u64 ips[STACKS_MAX_DEPTH];
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
	STACKS_STAT_USER_LOST = 2,    /* user stacks the stacks map had no room for */
	STACKS_STAT_KERNEL_LOST = 3,  /* kernel stacks the stacks map had no room for */
	STACKS_STAT_USER_FAULT = 4,   /* user stacks that could not be walked at all (-EFAULT) */
	STACKS_STAT_MAP_FULL = 5,     /* samples not counted: no room for another key */
	STACKS_STAT_START_FULL = 6,   /* offcputime: waits not timed: no room to keep their start */
	STACKS_STAT_UNSEEN_IN = 7,    /* offcputime: waits whose switch back in no sched_switch reported (timed to their
	                               * wake-up where it was seen) */
	STACKS_STAT_NR = 8,
};

struct stacks_stats_val {
	__u64 count;
};

/* A stack's key in the stacks map: FNV-1a over its addresses (64 bits: thousands of stacks never meet), never 0. */
static __always_inline __u64 stack_hash(const struct stack_ips *s, long bytes)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < STACKS_MAX_DEPTH; i++) {
		if (i * 8 >= bytes)
			break;
		h ^= s->ips[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}

/*
 * Takes the current task's user (or kernel) stack into *ips (a per-CPU buffer), and stores it in `stacks` under its
 * hash unless it is there: returns the hash, or 0 with *err set (-EFAULT: no frames to walk; STACKS_ENOSPC: no room).
 */
static __always_inline __u64 take_stack(void *ctx, void *stacks, struct stack_ips *ips, bool user, __s32 *err)
{
	long n = bpf_get_stack(ctx, ips->ips, sizeof(ips->ips), user ? BPF_F_USER_STACK : 0);
	__u64 h;

	if (n <= 0) {
		*err = n < 0 ? n : -14 /* EFAULT: no frames */;
		return 0;
	}
	h = stack_hash(ips, n);
	if (bpf_map_lookup_elem(stacks, &h))
		return h;
	if (bpf_map_update_elem(stacks, &h, ips, BPF_NOEXIST) && !bpf_map_lookup_elem(stacks, &h)) {
		*err = STACKS_ENOSPC;
		return 0;
	}
	return h;
}

#endif
