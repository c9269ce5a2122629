// SPDX-License-Identifier: GPL-2.0
/* softirqs: count and time every softirq vector, per CPU, from the softirq_entry/exit tracepoints.
 * Tiers (chosen by user space before load, all `?` = not autoloaded): tp_btf → raw_tp → classic tracepoint. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "softirqs.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SOFTIRQS_NR_VECTORS);
	__type(key, __u32);
	__type(value, struct softirqs_val);
} softirqs_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct softirqs_start);
} softirqs_inflight SEC(".maps");

/* The interval in progress, numbered by user space (see struct softirqs_val). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} softirqs_epoch SEC(".maps");

static __always_inline int on_entry(__u32 vec)
{
	__u32 zero = 0;
	struct softirqs_val *val;
	struct softirqs_start *start;

	if (vec >= SOFTIRQS_NR_VECTORS)
		return 0;
	/* Per-CPU slots, and softirq_entry never nests with itself on a CPU: plain increments are safe. */
	val = bpf_map_lookup_elem(&softirqs_stats, &vec);
	if (val)
		val->count++;
	start = bpf_map_lookup_elem(&softirqs_inflight, &zero);
	if (start) {
		start->ts = bpf_ktime_get_ns();
		start->vec = vec;
	}
	return 0;
}

static __always_inline int on_exit(__u32 vec)
{
	__u32 zero = 0, slot;
	__u64 dur, epoch, *ep;
	struct softirqs_val *val;
	struct softirqs_start *start;

	start = bpf_map_lookup_elem(&softirqs_inflight, &zero);
	/* No matched entry (attached mid-softirq, or a missed event): no time, rather than a wrong one. */
	if (!start || !start->ts || start->vec != vec || vec >= SOFTIRQS_NR_VECTORS)
		return 0;
	dur = bpf_ktime_get_ns() - start->ts;
	start->ts = 0;
	val = bpf_map_lookup_elem(&softirqs_stats, &vec);
	if (!val)
		return 0;
	val->time_ns += dur;
	ep = bpf_map_lookup_elem(&softirqs_epoch, &zero);
	epoch = ep ? *ep : 0;
	slot = epoch & 1;
	if (val->max_epoch[slot] != epoch) {
		val->max_epoch[slot] = epoch;
		val->max_ns[slot] = dur;
	} else if (dur > val->max_ns[slot]) {
		val->max_ns[slot] = dur;
	}
	return 0;
}

/* Tier tp_btf: BTF-typed arguments, the cheapest. */
SEC("?tp_btf/softirq_entry")
int BPF_PROG(softirqs_entry_btf, unsigned int vec_nr) { return on_entry(vec_nr); }
SEC("?tp_btf/softirq_exit")
int BPF_PROG(softirqs_exit_btf, unsigned int vec_nr) { return on_exit(vec_nr); }

/* Tier raw_tp: same arguments, untyped (kernels without BTF-typed tracepoints). */
SEC("?raw_tp/softirq_entry")
int BPF_PROG(softirqs_entry_raw, unsigned int vec_nr) { return on_entry(vec_nr); }
SEC("?raw_tp/softirq_exit")
int BPF_PROG(softirqs_exit_raw, unsigned int vec_nr) { return on_exit(vec_nr); }

/* Tier tracepoint: the classic, stable-format tracepoint (needs tracefs). */
SEC("?tracepoint/irq/softirq_entry")
int softirqs_entry_tp(struct trace_event_raw_softirq *ctx) { return on_entry(ctx->vec); }
SEC("?tracepoint/irq/softirq_exit")
int softirqs_exit_tp(struct trace_event_raw_softirq *ctx) { return on_exit(ctx->vec); }
