// SPDX-License-Identifier: GPL-2.0
/* runqlen: the CPU run queue's length, sampled on every CPU by a perf_event timer (99 Hz, opened by the addon).
 * It reads the CPU's run queue (rq->nr_running: every runnable task on the CPU, of every class, the running one
 * included), reached from the interrupted task's scheduling entity (task->se.cfs_rq->rq), never the task's own
 * cfs_rq->nr_running as BCC's runqlen does: with autogroup or cgroups that counts only the task's group and
 * undercounts badly. Kernels built without group scheduling have no cfs_rq->rq; there the cfs_rq is the rq's own
 * (rq->cfs), so the rq is found by its offset. rq->nr_running kept its name when cfs_rq->nr_running became
 * nr_queued (6.14). One tier: perf_event works wherever BPF does. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "runqlen.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct runqlen_val);
} runqlen_stats SEC(".maps");

static __always_inline struct rq *task_rq_of(struct task_struct *task)
{
	struct cfs_rq *cfs = BPF_CORE_READ(task, se.cfs_rq);

	if (!cfs)
		return NULL;
	if (bpf_core_field_exists(cfs->rq))
		return BPF_CORE_READ(cfs, rq);
	return (struct rq *)((void *)cfs - bpf_core_field_offset(struct rq, cfs));
}

SEC("?perf_event")
int runqlen_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct runqlen_val *val;
	struct rq *rq;
	__u32 zero = 0, running, queued, slot;

	rq = task_rq_of(task);
	if (!rq)
		return 0;
	running = BPF_CORE_READ(rq, nr_running);
	queued = running > 1 ? running - 1 : 0;
	slot = queued < RUNQLEN_SLOTS ? queued : RUNQLEN_SLOTS - 1;
	val = bpf_map_lookup_elem(&runqlen_stats, &zero);
	if (!val)
		return 0;
	/* Per-CPU, and a CPU's timer sample does not nest with itself: plain increments are safe. */
	val->samples++;
	val->queued += queued;
	val->runnable += running;
	if (queued)
		val->occupied++;
	if (slot < RUNQLEN_SLOTS)
		val->hist[slot]++;
	return 0;
}
