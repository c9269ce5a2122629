// SPDX-License-Identifier: GPL-2.0
/* biosnoop: every block I/O request, from its issue to the device to its completion: the task that issued it, the
 * disk, the operation, the sector, the bytes and the latency, one event per request through a ring buffer submitted
 * without a wake-up; one the ring has no room for is counted. The request's size and sector are taken at issue (its
 * length is already 0 at completion).
 * Tiers: tp_btf block_rq_issue + block_rq_complete (BTF-typed), then raw_tp on the same (both on every kernel since
 * 4.x; the classic tracepoints carry no request pointer to pair the two). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "biosnoop.h"

char LICENSE[] SEC("license") = "GPL";

#define REQ_OP_BITS 8
#define REQ_OP_MASK ((1 << REQ_OP_BITS) - 1)
#define MINORBITS 20

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BIOSNOOP_RING_BYTES);
} biosnoop_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BIOSNOOP_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct biosnoop_inflight);
} biosnoop_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BIOSNOOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct biosnoop_stats_val);
} biosnoop_stats SEC(".maps");

/* The event's type kept in the object's BTF (it is only ever reserved in the ring, which keeps no type). */
const volatile struct biosnoop_event *biosnoop_event_type __attribute__((unused));

/* Before 5.17 a request named its disk directly (rq->rq_disk); since, through its queue (rq->q->disk). */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *rq_disk(struct request *rq)
{
	struct request___old *old = (void *)rq;

	if (bpf_core_field_exists(old->rq_disk))
		return BPF_CORE_READ(old, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

static __always_inline __u32 rq_op(struct request *rq)
{
	switch (BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK) {
	case REQ_OP_READ:
		return BIOSNOOP_OP_READ;
	case REQ_OP_WRITE:
		return BIOSNOOP_OP_WRITE;
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
		return BIOSNOOP_OP_DISCARD;
	case REQ_OP_FLUSH:
		return BIOSNOOP_OP_FLUSH;
	default:
		return BIOSNOOP_OP_OTHER;
	}
}

static __always_inline void on_issue(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct biosnoop_inflight in = {};

	/* --cgroup: the issuing task's (the submitter's, for direct I/O). */
	if (!cgroup_wanted())
		return;
	/* A slot still in flight: its completion reached no program (it ended; its memory is issued again). */
	if (bpf_map_lookup_elem(&biosnoop_inflight, &key))
		count_stat(&biosnoop_stats, BIOSNOOP_STAT_UNSEEN);
	in.issue_ns = bpf_ktime_get_ns();
	in.sector = BPF_CORE_READ(rq, __sector);
	in.bytes = BPF_CORE_READ(rq, __data_len);
	in.pid = bpf_get_current_pid_tgid() >> 32;
	in.cgid = bpf_get_current_cgroup_id();
	bpf_get_current_comm(in.comm, sizeof(in.comm));
	if (bpf_map_update_elem(&biosnoop_inflight, &key, &in, BPF_ANY))
		count_stat(&biosnoop_stats, BIOSNOOP_STAT_MAP_FULL);
}

static __always_inline void on_complete(struct request *rq, int error)
{
	__u64 key = (__u64)rq;
	struct biosnoop_inflight *in = bpf_map_lookup_elem(&biosnoop_inflight, &key);
	struct biosnoop_event *e;
	struct gendisk *disk;

	/* Not issued while attached, or a later part of a request completed in parts (its first part sent it). */
	if (!in)
		return;
	e = bpf_ringbuf_reserve(&biosnoop_events, sizeof(*e), 0);
	if (!e) {
		count_stat(&biosnoop_stats, BIOSNOOP_STAT_RING_FULL);
	} else {
		e->ts_ns = bpf_ktime_get_ns();
		e->lat_ns = e->ts_ns - in->issue_ns;
		e->sector = in->sector;
		e->cgid = in->cgid;
		e->bytes = in->bytes;
		e->pid = in->pid;
		e->op = rq_op(rq);
		e->error = error;
		e->pad = 0;
		__builtin_memcpy(e->comm, in->comm, sizeof(e->comm));
		disk = rq_disk(rq);
		e->dev = disk ? ((__u32)BPF_CORE_READ(disk, major) << MINORBITS) | (__u32)BPF_CORE_READ(disk, first_minor) : 0;
		if (!disk || bpf_probe_read_kernel_str(e->disk, sizeof(e->disk), disk->disk_name) < 0)
			e->disk[0] = 0;
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	}
	bpf_map_delete_elem(&biosnoop_inflight, &key);
}

SEC("?tp_btf/block_rq_issue")
int BPF_PROG(biosnoop_issue_btf, struct request *rq) { on_issue(rq); return 0; }
SEC("?tp_btf/block_rq_complete")
int BPF_PROG(biosnoop_complete_btf, struct request *rq, int error) { on_complete(rq, error); return 0; }

SEC("?raw_tp/block_rq_issue")
int BPF_PROG(biosnoop_issue_raw, struct request *rq) { on_issue(rq); return 0; }
SEC("?raw_tp/block_rq_complete")
int BPF_PROG(biosnoop_complete_raw, struct request *rq, int error) { on_complete(rq, error); return 0; }
