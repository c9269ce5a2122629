// SPDX-License-Identifier: GPL-2.0
/* probe: one tiny program per attach type. sixty loads and attaches each on its own at start to learn which
 * attach types this kernel really allows (libbpf's feature probes report KPROBE and TRACING wrongly on some kernels). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* vfs_read and sched_switch exist on every kernel sixty supports. */
SEC("?fentry/vfs_read")
int BPF_PROG(probe_fentry) { return 0; }
SEC("?fexit/vfs_read")
int BPF_PROG(probe_fexit) { return 0; }
SEC("?kprobe/vfs_read")
int BPF_KPROBE(probe_kprobe) { return 0; }
SEC("?kretprobe/vfs_read")
int BPF_KRETPROBE(probe_kretprobe) { return 0; }
SEC("?tp_btf/sched_switch")
int BPF_PROG(probe_tp_btf) { return 0; }
SEC("?raw_tp/sched_switch")
int BPF_PROG(probe_raw_tp) { return 0; }
SEC("?tracepoint/sched/sched_switch")
int probe_tracepoint(void *ctx) { return 0; }
/* Sampling: a software cpu-clock event on every CPU (the addon opens the events). */
SEC("?perf_event")
int probe_perf_event(void *ctx) { return 0; }

/* Not an attach-type probe: a program the verifier must reject after a long log (a few KiB), for the test that
 * libbpf's log reaches user space whole, verdict included. Never loaded otherwise. */
SEC("?raw_tp/sched_switch")
int BPF_PROG(probe_rejected)
{
	__u64 acc = 0;

#pragma unroll
	for (int i = 0; i < 64; i++)
		acc += bpf_ktime_get_ns();
	return *(int *)(long)acc;
}
