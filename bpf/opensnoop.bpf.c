// SPDX-License-Identifier: GPL-2.0
/* opensnoop: every open(2), openat(2), openat2(2) and creat(2) with its process, path, flags and result (the fd or
 * the error), as events through a ring buffer submitted without a wake-up (the addon's thread drains it on its own
 * period). An event the ring has no room for is counted (RING_FULL).
 * Tier tracepoint: syscalls:sys_enter_X keeps the path (read from the caller's memory) and flags per thread,
 * sys_exit_X sends them with the result. Needs tracefs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "opensnoop.h"

char LICENSE[] SEC("license") = "GPL";

#define AT_FDCWD -100
#define O_CREAT_WRONLY_TRUNC 01101

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, OPENSNOOP_RING_BYTES);
} opensnoop_events SEC(".maps");

/* Opens in flight, by thread id: allocated as they come. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, OPENSNOOP_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct opensnoop_event);
} opensnoop_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct opensnoop_event);
} opensnoop_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OPENSNOOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct opensnoop_stats_val);
} opensnoop_stats SEC(".maps");

static __always_inline void on_enter(__u32 call, int dfd, const char *path, __u64 flags, __u32 mode)
{
	struct opensnoop_event *e;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0;
	long n;

	if (!task_wanted())
		return;
	e = bpf_map_lookup_elem(&opensnoop_scratch, &zero);
	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	e->cgid = bpf_get_current_cgroup_id();
	e->pid = id >> 32;
	e->tid = tid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->dfd = dfd;
	e->call = call;
	e->flags = flags;
	e->mode = mode;
	e->ret = 0;
	e->call_ns = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), path);
	e->path_len = n > 0 ? n : 0;
	if (bpf_map_update_elem(&opensnoop_pending, &tid, e, BPF_ANY))
		count_stat(&opensnoop_stats, OPENSNOOP_STAT_MAP_FULL);
}

static __always_inline void on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct opensnoop_event *e = bpf_map_lookup_elem(&opensnoop_pending, &tid);
	__u32 len;
	__u64 now;

	if (!e)
		return;
	now = bpf_ktime_get_ns();
	e->call_ns = now - e->ts_ns;
	e->ts_ns = now;
	e->ret = ret;
	len = e->path_len;
	if (len > OPENSNOOP_PATH_LEN)
		len = OPENSNOOP_PATH_LEN;
	if (bpf_ringbuf_output(&opensnoop_events, e, offsetof(struct opensnoop_event, path) + len, BPF_RB_NO_WAKEUP))
		count_stat(&opensnoop_stats, OPENSNOOP_STAT_RING_FULL);
	bpf_map_delete_elem(&opensnoop_pending, &tid);
}

SEC("?tracepoint/syscalls/sys_enter_open")
int opensnoop_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	on_enter(OPENSNOOP_CALL_OPEN, AT_FDCWD, (const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_openat")
int opensnoop_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	on_enter(OPENSNOOP_CALL_OPENAT, (int)ctx->args[0], (const char *)ctx->args[1], ctx->args[2], ctx->args[3]);
	return 0;
}

/* openat2(dfd, path, struct open_how *how, size): flags and mode from the caller's open_how. */
SEC("?tracepoint/syscalls/sys_enter_openat2")
int opensnoop_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	on_enter(OPENSNOOP_CALL_OPENAT2, (int)ctx->args[0], (const char *)ctx->args[1], how.flags, how.mode);
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_creat")
int opensnoop_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	on_enter(OPENSNOOP_CALL_CREAT, AT_FDCWD, (const char *)ctx->args[0], O_CREAT_WRONLY_TRUNC, ctx->args[1]);
	return 0;
}

SEC("?tracepoint/syscalls/sys_exit_open")
int opensnoop_exit_open(struct trace_event_raw_sys_exit *ctx) { on_exit(ctx->ret); return 0; }
SEC("?tracepoint/syscalls/sys_exit_openat")
int opensnoop_exit_openat(struct trace_event_raw_sys_exit *ctx) { on_exit(ctx->ret); return 0; }
SEC("?tracepoint/syscalls/sys_exit_openat2")
int opensnoop_exit_openat2(struct trace_event_raw_sys_exit *ctx) { on_exit(ctx->ret); return 0; }
SEC("?tracepoint/syscalls/sys_exit_creat")
int opensnoop_exit_creat(struct trace_event_raw_sys_exit *ctx) { on_exit(ctx->ret); return 0; }
