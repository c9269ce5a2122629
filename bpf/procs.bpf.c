// SPDX-License-Identifier: GPL-2.0
/* procs: per-thread run-queue waits, and every process that ends.
 * A thread's wait runs from its wake-up (sched_wakeup, sched_wakeup_new) or its preemption (sched_switch with the
 * thread still TASK_RUNNING) to the sched_switch that puts it on a CPU: the interval the kernel's schedstat counts as
 * run_delay. sched_process_exit marks the thread's entry exited (user space takes it with its final counts) and, for
 * the last thread of a process, records the process: CPU time, peak RSS, faults, lifetime and exit status.
 * Tiers (chosen by user space before load, all `?` = not autoloaded): tp_btf → raw_tp → classic tracepoint. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "runq-wait.h"
#include "procs.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROCS_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct procs_wait);
} procs_waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROCS_MAX_EXITS);
	__type(key, struct procs_exit_key);
	__type(value, struct procs_exit);
} procs_exits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PROCS_STAT_NR);
	__type(key, __u32);
	__type(value, struct procs_stats_val);
} procs_stats SEC(".maps");

/* The thread became runnable and was queued: its wait starts now. */
static __always_inline void enqueue(__u32 tid, __u32 tgid)
{
	struct procs_wait *w, zero = {};

	if (!tid)
		return;
	w = bpf_map_lookup_elem(&procs_waits, &tid);
	if (!w) {
		zero.tgid = tgid;
		/* Fails when another CPU created it meanwhile (then it is there) or when the map is full. */
		bpf_map_update_elem(&procs_waits, &tid, &zero, BPF_NOEXIST);
		w = bpf_map_lookup_elem(&procs_waits, &tid);
		if (!w) {
			count_stat(&procs_stats, PROCS_STAT_MAP_FULL);
			return;
		}
	}
	if (w->exited)
		return;
	if (tgid)
		w->tgid = tgid;
	w->enq_ns = bpf_ktime_get_ns();
}

static __always_inline void on_switch(struct task_struct *prev, __u32 next_tid, __u32 next_tgid)
{
	struct procs_wait *w;
	__u32 prev_tid = BPF_CORE_READ(prev, pid);
	__u64 now, d;
	__u32 slot;

	/* Preempted, still runnable: back in the queue, waiting again. */
	if (task_state(prev) == 0)
		enqueue(prev_tid, BPF_CORE_READ(prev, tgid));
	else if (prev_tid) {
		/* Leaving to sleep: learn its process where the tier could not say it at wake-up. */
		w = bpf_map_lookup_elem(&procs_waits, &prev_tid);
		if (w && !w->tgid)
			w->tgid = BPF_CORE_READ(prev, tgid);
	}
	if (!next_tid)
		return;
	w = bpf_map_lookup_elem(&procs_waits, &next_tid);
	if (!w || !w->enq_ns)
		return;
	now = bpf_ktime_get_ns();
	d = now > w->enq_ns ? now - w->enq_ns : 0;
	w->enq_ns = 0;
	if (next_tgid)
		w->tgid = next_tgid;
	/* One CPU puts a thread on the CPU at a time, but its waker may be queuing it again elsewhere: atomic adds. */
	__sync_fetch_and_add(&w->wait_ns, d);
	__sync_fetch_and_add(&w->waits, 1);
	slot = sched_slot(d);
	if (slot < PROCS_SLOTS)
		__sync_fetch_and_add(&w->hist[slot], 1);
}

static __always_inline void on_exit(struct task_struct *task)
{
	struct procs_exit_key key = {};
	struct procs_exit rec = {};
	struct procs_wait *w;
	struct signal_struct *sig;
	struct task_struct *leader;
	__u32 tid = BPF_CORE_READ(task, pid);

	w = bpf_map_lookup_elem(&procs_waits, &tid);
	if (w) {
		w->enq_ns = 0;
		w->exited = 1;
		if (!w->tgid)
			w->tgid = BPF_CORE_READ(task, tgid);
	}
	sig = BPF_CORE_READ(task, signal);
	/* Not the process's last thread: the process goes on. */
	if (!sig || BPF_CORE_READ(sig, live.counter) != 0)
		return;
	leader = BPF_CORE_READ(task, group_leader);
	key.pid = BPF_CORE_READ(task, tgid);
	key.start_ns = BPF_CORE_READ(leader, start_time);
	rec.end_ns = bpf_ktime_get_ns();
	/* The threads gone before it are in the signal struct; its own times are still its own. */
	rec.cpu_ns = BPF_CORE_READ(sig, sum_sched_runtime) + BPF_CORE_READ(task, se.sum_exec_runtime);
	rec.utime_ns = BPF_CORE_READ(sig, utime) + BPF_CORE_READ(task, utime);
	rec.stime_ns = BPF_CORE_READ(sig, stime) + BPF_CORE_READ(task, stime);
	rec.maxrss_pages = BPF_CORE_READ(sig, maxrss);
	rec.minflt = BPF_CORE_READ(sig, min_flt) + BPF_CORE_READ(task, min_flt);
	rec.majflt = BPF_CORE_READ(sig, maj_flt) + BPF_CORE_READ(task, maj_flt);
	rec.ppid = BPF_CORE_READ(task, real_parent, tgid);
	rec.uid = BPF_CORE_READ(task, cred, euid.val);
	rec.exit_code = BPF_CORE_READ(task, exit_code);
	BPF_CORE_READ_STR_INTO(&rec.comm, leader, comm);
	if (bpf_map_update_elem(&procs_exits, &key, &rec, BPF_ANY))
		count_stat(&procs_stats, PROCS_STAT_EXITS_LOST);
}

/* Tier tp_btf: BTF-typed arguments, the cheapest. */
SEC("?tp_btf/sched_wakeup")
int BPF_PROG(procs_wakeup_btf, struct task_struct *p)
{
	enqueue(p->pid, p->tgid);
	return 0;
}
SEC("?tp_btf/sched_wakeup_new")
int BPF_PROG(procs_wakeup_new_btf, struct task_struct *p)
{
	enqueue(p->pid, p->tgid);
	return 0;
}
SEC("?tp_btf/sched_switch")
int BPF_PROG(procs_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(prev, next->pid, next->tgid);
	return 0;
}
SEC("?tp_btf/sched_process_exit")
int BPF_PROG(procs_exit_btf, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

/* Tier raw_tp: the same arguments, untyped (kernels without BTF-typed tracepoints). */
SEC("?raw_tp/sched_wakeup")
int BPF_PROG(procs_wakeup_raw, struct task_struct *p)
{
	enqueue(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
	return 0;
}
SEC("?raw_tp/sched_wakeup_new")
int BPF_PROG(procs_wakeup_new_raw, struct task_struct *p)
{
	enqueue(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
	return 0;
}
SEC("?raw_tp/sched_switch")
int BPF_PROG(procs_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(prev, BPF_CORE_READ(next, pid), BPF_CORE_READ(next, tgid));
	return 0;
}
SEC("?raw_tp/sched_process_exit")
int BPF_PROG(procs_exit_raw, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

/* Tier tracepoint: the classic, stable-format tracepoints (need tracefs). They give pids, not tasks: the woken
 * thread's process is learned when it first leaves a CPU; at sched_switch and sched_process_exit the current task is
 * the one leaving (prev) or exiting. */
SEC("?tracepoint/sched/sched_wakeup")
int procs_wakeup_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	enqueue(ctx->pid, 0);
	return 0;
}
SEC("?tracepoint/sched/sched_wakeup_new")
int procs_wakeup_new_tp(struct trace_event_raw_sched_wakeup_template *ctx)
{
	enqueue(ctx->pid, 0);
	return 0;
}
SEC("?tracepoint/sched/sched_switch")
int procs_switch_tp(struct trace_event_raw_sched_switch *ctx)
{
	on_switch((struct task_struct *)bpf_get_current_task(), ctx->next_pid, 0);
	return 0;
}
SEC("?tracepoint/sched/sched_process_exit")
int procs_exit_tp(struct trace_event_raw_sched_process_template *ctx)
{
	on_exit((struct task_struct *)bpf_get_current_task());
	return 0;
}
