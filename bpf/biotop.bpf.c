// SPDX-License-Identifier: GPL-2.0
/* biotop: block I/O per (process, disk, operation): requests, bytes, and issue→completion latency (sum and a log2
 * histogram). Who asked is taken at the request's start (completions run in interrupt or another task's context),
 * its size and the latency clock at issue (its length is already 0 at completion). Beside issue→completion, each row
 * sums the time from the request's start (rq->start_time_ns) to completion: what /proc/diskstats and iostat's await
 * count, the time queued in the scheduler included.
 * Tiers, all producing the same records through on_start/on_issue/on_done:
 *   tp_btf:     block_io_start + block_rq_issue + block_io_done (6.5+), BTF-typed
 *   raw_tp:     the same tracepoints, untyped
 *   fentry:     blk_account_io_start + blk_mq_start_request (issue) + blk_account_io_done, where the kernel
 *               keeps them as functions (5.10 and 6.12 do; 6.1 inlines blk_account_io_start)
 *   kprobe:     the same functions
 *   raw_tp_legacy: raw_tp block_rq_insert + block_rq_issue + block_rq_complete, for kernels before 6.5 (insert
 *               does not fire under the `none` scheduler: those requests count with pid 0)
 * Every tier also takes raw_tp block_rq_requeue: a requeued request is issued (and, on the legacy tier, inserted)
 * again, and completes once.
 *
 * Completions no program sees. On 6.18 here, about one completion in 100,000 reached no BPF program at all (tp_btf,
 * raw_tp and classic tracepoint programs alike, with no recursion miss counted), while ftrace's own probe on the same
 * tracepoint recorded it and /proc/diskstats counted it: each one ran in a softirq processed on the exit of an
 * interrupt that came while the VM's guest agent ran. Such a request is not lost: its slot (the request's address) is
 * used again by a later request, and on_start counts it then, with its bytes but no latency (BIOTOP_STAT_UNSEEN). A
 * slot that is not used again (the disk went quiet) is counted by user space (src/panels/biotop.ts) once the kernel
 * says the disk has nothing in flight. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "biotop.h"

char LICENSE[] SEC("license") = "GPL";

#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1 << REQ_OP_BITS) - 1)
#define MINORBITS 20

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BIOTOP_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct biotop_inflight);
} biotop_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BIOTOP_MAX_ROWS);
	__type(key, struct biotop_key);
	__type(value, struct biotop_val);
} biotop_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BIOTOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct biotop_stats_val);
} biotop_stats SEC(".maps");

/* A zeroed row to create entries from (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct biotop_val);
} biotop_scratch SEC(".maps");

/* Before 5.17 a request named its disk directly (rq->rq_disk); since, through its queue (rq->q->disk). */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline void bump_stat(__u32 stat)
{
	count_stat(&biotop_stats, stat);
}

static __always_inline struct gendisk *rq_disk(struct request *rq)
{
	struct request___old *old = (void *)rq;

	if (bpf_core_field_exists(old->rq_disk))
		return BPF_CORE_READ(old, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

static __always_inline __u32 rq_op(struct request *rq)
{
	__u32 op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;

	switch (op) {
	case REQ_OP_READ:
		return BIOTOP_OP_READ;
	case REQ_OP_WRITE:
		return BIOTOP_OP_WRITE;
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
		return BIOTOP_OP_DISCARD;
	case REQ_OP_FLUSH:
		return BIOTOP_OP_FLUSH;
	default:
		return BIOTOP_OP_OTHER;
	}
}

static __always_inline void count_done(struct biotop_inflight *in, __u64 lat, __u64 await, bool seen);

/*
 * Start: the task that submitted the request. A request still issued at this address completed without a program
 * seeing it (a request's memory is used again only once it has ended): it is counted now, without its latency.
 */
static __always_inline void on_start(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct biotop_inflight init = {}, *cur;

	cur = bpf_map_lookup_elem(&biotop_inflight, &key);
	if (cur && cur->issue_ns) {
		bump_stat(BIOTOP_STAT_UNSEEN);
		count_done(cur, 0, 0, false);
	}
	/* --cgroup: a request from outside the subtree is not followed (its slot, if it held an older one, is freed). */
	if (!cgroup_wanted()) {
		if (cur)
			bpf_map_delete_elem(&biotop_inflight, &key);
		return;
	}
	init.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(init.comm, sizeof(init.comm));
	init.cgid = bpf_get_current_cgroup_id();
	bpf_map_update_elem(&biotop_inflight, &key, &init, BPF_ANY);
}

/* Issue: the request goes to the device; its size, operation and disk, and the latency clock. */
static __always_inline void on_issue(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct biotop_inflight init = {}, *cur;
	struct gendisk *disk;

	cur = bpf_map_lookup_elem(&biotop_inflight, &key);
	if (!cur) {
		/* No start seen (a flush, or a start hook that does not fire for it): counted as pid 0; with --cgroup, not
		 * followed (no task of the subtree started it, or it was left out at its start). */
		if (cgroup_filter_id)
			return;
		bpf_map_update_elem(&biotop_inflight, &key, &init, BPF_ANY);
		cur = bpf_map_lookup_elem(&biotop_inflight, &key);
		if (!cur)
			return;
	}
	/* Issued again (a requeue the requeue hook did not see): the clock starts again; it completes once. */
	cur->bytes = BPF_CORE_READ(rq, __data_len);
	cur->op = rq_op(rq);
	disk = rq_disk(rq);
	if (disk) {
		cur->dev = ((__u32)BPF_CORE_READ(disk, major) << MINORBITS) | (__u32)BPF_CORE_READ(disk, first_minor);
		bpf_probe_read_kernel_str(cur->disk, sizeof(cur->disk), disk->disk_name);
	}
	cur->issue_ns = bpf_ktime_get_ns();
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	/* Bounded shifts (the verifier needs a bounded loop). */
	for (int i = 0; i < BIOTOP_HIST_SLOTS - 1; i++) {
		if (v < 2)
			break;
		v >>= 1;
		slot++;
	}
	return slot;
}

/* One completed request into its row: the count and bytes always; latency, await and histogram when it was seen. */
static __always_inline void count_done(struct biotop_inflight *in, __u64 lat, __u64 await, bool seen)
{
	struct biotop_key rk = {};
	struct biotop_val *row;
	__u32 zero = 0, slot;

	rk.pid = in->pid;
	rk.dev = in->dev;
	rk.op = in->op;
	row = bpf_map_lookup_elem(&biotop_rows, &rk);
	if (!row) {
		struct biotop_val *init = bpf_map_lookup_elem(&biotop_scratch, &zero);
		long err;

		if (!init)
			return;
		__builtin_memset(init, 0, sizeof(*init));
		init->created_ns = bpf_ktime_get_ns();
		__builtin_memcpy(init->comm, in->comm, sizeof(init->comm));
		__builtin_memcpy(init->disk, in->disk, sizeof(init->disk));
		init->cgid = in->cgid;
		err = bpf_map_update_elem(&biotop_rows, &rk, init, BPF_NOEXIST);
		if (err && err != -EEXIST /* another CPU created it first */) {
			bump_stat(BIOTOP_STAT_MAP_FULL);
			return;
		}
		row = bpf_map_lookup_elem(&biotop_rows, &rk);
		if (!row)
			return;
	}
	__sync_fetch_and_add(&row->io, 1);
	__sync_fetch_and_add(&row->bytes, in->bytes);
	if (!seen)
		return;
	__sync_fetch_and_add(&row->lat_io, 1);
	__sync_fetch_and_add(&row->lat_ns, lat);
	if (await) {
		__sync_fetch_and_add(&row->await_ns, await);
		__sync_fetch_and_add(&row->await_io, 1);
	}
	slot = log2_slot(lat);
	if (slot < BIOTOP_HIST_SLOTS)
		__sync_fetch_and_add(&row->hist[slot], 1);
}

/* Done: the request completed; its row gets one I/O, its bytes and its latency. */
static __always_inline void on_done(struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns(), start;
	struct biotop_inflight *in;

	in = bpf_map_lookup_elem(&biotop_inflight, &key);
	/* --cgroup: a request not followed is not a lost completion. */
	if (!in && cgroup_filter_id)
		return;
	if (!in || !in->issue_ns) {
		bump_stat(BIOTOP_STAT_UNMATCHED);
		if (in)
			bpf_map_delete_elem(&biotop_inflight, &key);
		return;
	}
	/* The time since the request was allocated, as the kernel's own accounting counts it (0 without iostats). */
	start = BPF_CORE_READ(rq, start_time_ns);
	count_done(in, now - in->issue_ns, start && start <= now ? now - start : 0, true);
	bpf_map_delete_elem(&biotop_inflight, &key);
}

/* Requeue: the request goes back to wait; it will be issued (and on the legacy tier inserted) again. */
static __always_inline void on_requeue(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct biotop_inflight *cur = bpf_map_lookup_elem(&biotop_inflight, &key);

	if (cur)
		cur->issue_ns = 0;
}

SEC("?raw_tp/block_rq_requeue")
int BPF_PROG(biotop_requeue_raw, struct request *rq) { on_requeue(rq); return 0; }

/* Tier tp_btf. */
SEC("?tp_btf/block_io_start")
int BPF_PROG(biotop_start_btf, struct request *rq) { on_start(rq); return 0; }
SEC("?tp_btf/block_rq_issue")
int BPF_PROG(biotop_issue_btf, struct request *rq) { on_issue(rq); return 0; }
SEC("?tp_btf/block_io_done")
int BPF_PROG(biotop_done_btf, struct request *rq) { on_done(rq); return 0; }

/* Tier raw_tp. */
SEC("?raw_tp/block_io_start")
int BPF_PROG(biotop_start_raw, struct request *rq) { on_start(rq); return 0; }
SEC("?raw_tp/block_rq_issue")
int BPF_PROG(biotop_issue_raw, struct request *rq) { on_issue(rq); return 0; }
SEC("?raw_tp/block_io_done")
int BPF_PROG(biotop_done_raw, struct request *rq) { on_done(rq); return 0; }

/* Tier fentry: the accounting functions around a request's life, where the kernel keeps them as functions. */
SEC("?fentry/blk_account_io_start")
int BPF_PROG(biotop_start_fentry, struct request *rq) { on_start(rq); return 0; }
SEC("?fentry/blk_mq_start_request")
int BPF_PROG(biotop_issue_fentry, struct request *rq) { on_issue(rq); return 0; }
SEC("?fentry/blk_account_io_done")
int BPF_PROG(biotop_done_fentry, struct request *rq) { on_done(rq); return 0; }

/* Tier kprobe: the same functions. */
SEC("?kprobe/blk_account_io_start")
int BPF_KPROBE(biotop_start_kprobe, struct request *rq) { on_start(rq); return 0; }
SEC("?kprobe/blk_mq_start_request")
int BPF_KPROBE(biotop_issue_kprobe, struct request *rq) { on_issue(rq); return 0; }
SEC("?kprobe/blk_account_io_done")
int BPF_KPROBE(biotop_done_kprobe, struct request *rq) { on_done(rq); return 0; }

/* Tier tracepoint: the classic format carries no request pointer, so the raw tracepoints' arguments are used through
 * the classic tier's cousin: raw_tp on insert/issue/complete (kernels before block_io_start, 6.5). */
SEC("?raw_tp/block_rq_insert")
int BPF_PROG(biotop_insert_raw, struct request *rq) { on_start(rq); return 0; }
SEC("?raw_tp/block_rq_complete")
int BPF_PROG(biotop_complete_raw, struct request *rq) { on_done(rq); return 0; }
