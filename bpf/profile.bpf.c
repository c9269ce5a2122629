// SPDX-License-Identifier: GPL-2.0
/* profile: timed stack sampling (the book's profile). A perf_event cpu-clock timer on every CPU (49 Hz at start; the
 * addon changes the frequency in place) takes the interrupted task's kernel and user stacks and counts
 * one sample per (process, thread name, cgroup, user stack, kernel stack). The stacks are kept in a hash map under a
 * hash of their addresses (stacks.h). The user stack is walked by frame pointers,
 * as the kernel walks it for perf: code built without them gives a short stack, which user space says.
 * The idle task is counted apart (its samples are CPU time nobody used). One tier: perf_event works wherever BPF does. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "stacks.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_KTHREAD 0x00200000

/* Stacks by their hash (stacks.h). Preallocated: a perf_event program runs where no allocation may. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct stack_ips);
} profile_stack_map SEC(".maps");

/* The stack a CPU's sample is being taken into. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_ips);
} profile_ips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct stack_key);
	__type(value, struct stack_val);
} profile_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STACKS_STAT_NR);
	__type(key, __u32);
	__type(value, struct stacks_stats_val);
} profile_stats SEC(".maps");

/* A stack's hash, or 0 with its error counted: no room in the stacks map, or for a user stack nothing to walk
 * (-EFAULT). A kernel stack's -EFAULT is no error: the task was in user mode, with no kernel frames. */
static __always_inline __u64 stack_of(void *ctx, bool user, __s32 *err)
{
	__u32 zero = 0;
	struct stack_ips *ips = bpf_map_lookup_elem(&profile_ips, &zero);
	__u64 h;

	if (!ips) {
		*err = STACKS_ENOSPC;
		return 0;
	}
	h = take_stack(ctx, &profile_stack_map, ips, user, err);
	if (!h && *err == -14) {
		if (user)
			count_stat(&profile_stats, STACKS_STAT_USER_FAULT);
	} else if (!h) {
		count_stat(&profile_stats, user ? STACKS_STAT_USER_LOST : STACKS_STAT_KERNEL_LOST);
	}
	return h;
}

SEC("?perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct stack_key key = {};
	struct stack_val one = {.count = 1}, *val;
	__u64 id = bpf_get_current_pid_tgid();

	count_stat(&profile_stats, STACKS_STAT_SAMPLES);
	if ((__u32)id == 0) {
		count_stat(&profile_stats, STACKS_STAT_IDLE);
		return 0;
	}
	if (!cgroup_wanted())
		return 0;
	key.tgid = id >> 32;
	key.cgroup = bpf_get_current_cgroup_id();
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	key.kernel_stack = stack_of(ctx, false, &key.kernel_err);
	if (BPF_CORE_READ(task, flags) & PF_KTHREAD) {
		key.flags |= STACK_KEY_KTHREAD;
		key.user_err = STACKS_NONE;
	} else {
		key.user_stack = stack_of(ctx, true, &key.user_err);
	}
	val = bpf_map_lookup_elem(&profile_counts, &key);
	if (val) {
		__sync_fetch_and_add(&val->count, 1);
		return 0;
	}
	if (bpf_map_update_elem(&profile_counts, &key, &one, BPF_NOEXIST)) {
		/* Another CPU made it first, or the map is full. */
		val = bpf_map_lookup_elem(&profile_counts, &key);
		if (val)
			__sync_fetch_and_add(&val->count, 1);
		else
			count_stat(&profile_stats, STACKS_STAT_MAP_FULL);
	}
	return 0;
}
