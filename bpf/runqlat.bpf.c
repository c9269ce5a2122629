// SPDX-License-Identifier: GPL-2.0
/* runqlat: how long runnable tasks wait for a CPU, as a log2 histogram per CPU (the seed's runqlat, per CPU).
 * A wait runs from the task's wake-up (sched_wakeup, sched_wakeup_new) or its preemption (sched_switch with the task
 * still TASK_RUNNING) to the sched_switch that puts it on a CPU: what the kernel's schedstat counts as run_delay, and
 * it is counted on the CPU it ends on. The idle task (pid 0) is left out.
 * Tiers (chosen by user space before load, all `?` = not autoloaded): tp_btf → raw_tp → classic tracepoint. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "runq-wait.h"
#include "runqlat.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RUNQLAT_MAX_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} runqlat_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct runqlat_val);
} runqlat_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RUNQLAT_STAT_NR);
	__type(key, __u32);
	__type(value, struct runqlat_stats_val);
} runqlat_stats SEC(".maps");

/* A thread's entry stays while it lives (its start is set at each wake-up and cleared when it runs), so the common
 * path is a lookup and a store, not a map update and a delete per wait; sched_process_exit removes it. */
static __always_inline void enqueue(__u32 tid)
{
	__u64 *start, ts;

	if (!tid)
		return;
	ts = bpf_ktime_get_ns();
	start = bpf_map_lookup_elem(&runqlat_start, &tid);
	if (start) {
		*start = ts;
		return;
	}
	if (bpf_map_update_elem(&runqlat_start, &tid, &ts, BPF_NOEXIST) && !bpf_map_lookup_elem(&runqlat_start, &tid))
		count_stat(&runqlat_stats, RUNQLAT_STAT_MAP_FULL);
}

static __always_inline void on_switch(struct task_struct *prev, __u32 next_tid)
{
	struct runqlat_val *val;
	__u64 *start, now, d;
	__u32 zero = 0, slot;

	if (task_state(prev) == 0)
		enqueue(BPF_CORE_READ(prev, pid));
	if (!next_tid)
		return;
	start = bpf_map_lookup_elem(&runqlat_start, &next_tid);
	if (!start || !*start)
		return;
	now = bpf_ktime_get_ns();
	d = now > *start ? now - *start : 0;
	*start = 0;
	val = bpf_map_lookup_elem(&runqlat_hist, &zero);
	if (!val)
		return;
	/* Per-CPU, and sched_switch does not nest with itself on a CPU: plain increments are safe. */
	val->count++;
	val->sum_ns += d;
	slot = sched_slot(d);
	if (slot < RUNQLAT_SLOTS)
		val->hist[slot]++;
}

/* A thread that exits leaves no start behind (its tid may be used again). */
static __always_inline void on_exit(__u32 tid)
{
	bpf_map_delete_elem(&runqlat_start, &tid);
}

SEC("?tp_btf/sched_wakeup")
int BPF_PROG(runqlat_wakeup_btf, struct task_struct *p) { enqueue(p->pid); return 0; }
SEC("?tp_btf/sched_wakeup_new")
int BPF_PROG(runqlat_wakeup_new_btf, struct task_struct *p) { enqueue(p->pid); return 0; }
SEC("?tp_btf/sched_switch")
int BPF_PROG(runqlat_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next) { on_switch(prev, next->pid); return 0; }
SEC("?tp_btf/sched_process_exit")
int BPF_PROG(runqlat_exit_btf, struct task_struct *p) { on_exit(p->pid); return 0; }

SEC("?raw_tp/sched_wakeup")
int BPF_PROG(runqlat_wakeup_raw, struct task_struct *p) { enqueue(BPF_CORE_READ(p, pid)); return 0; }
SEC("?raw_tp/sched_wakeup_new")
int BPF_PROG(runqlat_wakeup_new_raw, struct task_struct *p) { enqueue(BPF_CORE_READ(p, pid)); return 0; }
SEC("?raw_tp/sched_switch")
int BPF_PROG(runqlat_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(prev, BPF_CORE_READ(next, pid));
	return 0;
}
SEC("?raw_tp/sched_process_exit")
int BPF_PROG(runqlat_exit_raw, struct task_struct *p) { on_exit(BPF_CORE_READ(p, pid)); return 0; }

/* Classic tracepoints give pids; at sched_switch the current task is the one leaving (prev). */
SEC("?tracepoint/sched/sched_wakeup")
int runqlat_wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx) { enqueue(ctx->pid); return 0; }
SEC("?tracepoint/sched/sched_wakeup_new")
int runqlat_wakeup_new_tp(struct trace_event_raw_sched_wakeup_template *ctx) { enqueue(ctx->pid); return 0; }
SEC("?tracepoint/sched/sched_switch")
int runqlat_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	on_switch((struct task_struct *)bpf_get_current_task(), ctx->next_pid);
	return 0;
}
SEC("?tracepoint/sched/sched_process_exit")
int runqlat_exit_tp(struct trace_event_raw_sched_process_template *ctx) { on_exit(ctx->pid); return 0; }
