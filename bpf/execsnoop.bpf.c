// SPDX-License-Identifier: GPL-2.0
/* execsnoop: every exec (its process, parent, file name, argv and result) and the exit of each process whose exec was
 * seen (its status and how long it lived), as events through a ring buffer. Events are submitted without a wake-up:
 * the addon's thread drains the ring on its own period, so a burst of execs costs no wake-up per event. An event the
 * ring has no room for is counted (RING_FULL), never silently lost.
 * Tiers:
 *   tracepoint: syscalls:sys_enter_execve(at) keeps the call (its process, parent, and its pointers);
 *               sched:sched_process_exec, as an exec succeeds, gives it the kernel's own copies of its strings (the
 *               file name the tracepoint gives, argv from the new image's mm->arg_start..arg_end, where the kernel
 *               just wrote them); sys_exit_execve(at) sends it with the result, a failed one with what the caller's
 *               memory gives of its strings: a forked child's copy of a program's constants is often not mapped in
 *               yet, and a BPF program cannot fault it in (flagged UNREAD). Needs tracefs.
 *   tp_btf:     sched_process_exec: successful execs only, argv from the new image as above.
 * Both: sched_process_exit of the last thread of a process whose exec was seen sends its exit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "execsnoop.h"

char LICENSE[] SEC("license") = "GPL";

#define ARGS_MASK (EXECSNOOP_ARGS_LEN - 1)
#define ARG_MASK (EXECSNOOP_ARG_LEN - 1)

/* The exit record's type kept in the object's BTF (user space resolves its layout from there): it is only ever
 * reserved in the ring, which keeps no type. */
const volatile struct execsnoop_exit *execsnoop_exit_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EXECSNOOP_RING_BYTES);
} execsnoop_events SEC(".maps");

/* Exec calls in flight, by thread id: allocated as they come (few are in flight at once). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, EXECSNOOP_MAX_PENDING);
	__type(key, __u32);
	__type(value, struct execsnoop_event);
} execsnoop_pending SEC(".maps");

/* Processes whose exec was seen, by pid: when it was. Their exit is sent; a process exec'd again keeps its entry. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EXECSNOOP_MAX_LIVE);
	__type(key, __u32);
	__type(value, __u64);
} execsnoop_live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct execsnoop_event);
} execsnoop_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EXECSNOOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct execsnoop_stats_val);
} execsnoop_stats SEC(".maps");

/* The fields every event has from the current task: pid, parent, uid, cgroup, names. */
static __always_inline void fill_head(struct execsnoop_event *e, __u32 kind)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	e->ts_ns = bpf_ktime_get_ns();
	e->cgid = bpf_get_current_cgroup_id();
	e->kind = kind;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	BPF_CORE_READ_STR_INTO(&e->pcomm, task, real_parent, comm);
}

/* Sends an exec: the record up to the end of its arguments. */
static __always_inline void send_exec(struct execsnoop_event *e)
{
	__u32 len = e->args_len;
	__u32 pid = e->pid;

	if (len > EXECSNOOP_ARGS_LEN + EXECSNOOP_ARG_LEN)
		len = EXECSNOOP_ARGS_LEN + EXECSNOOP_ARG_LEN;
	if (bpf_ringbuf_output(&execsnoop_events, e, offsetof(struct execsnoop_event, args) + len, BPF_RB_NO_WAKEUP))
		count_stat(&execsnoop_stats, EXECSNOOP_STAT_RING_FULL);
	if (e->retval == 0 && bpf_map_update_elem(&execsnoop_live, &pid, &e->ts_ns, BPF_ANY))
		count_stat(&execsnoop_stats, EXECSNOOP_STAT_MAP_FULL);
}

static __always_inline struct execsnoop_event *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&execsnoop_scratch, &zero);
}

/* argv as the new image has it: its argument area, NUL-separated strings back to back, in one read (argc is counted
 * in user space from the NULs). The kernel has just written it: it is in memory. */
static __always_inline void read_mm_args(struct execsnoop_event *e, struct task_struct *task)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	unsigned long len = end > start ? end - start : 0;

	e->argc = 0;
	if (len > EXECSNOOP_ARGS_LEN) {
		len = EXECSNOOP_ARGS_LEN;
		e->flags |= EXECSNOOP_FLAG_TRUNCATED;
	} else {
		e->flags &= ~EXECSNOOP_FLAG_TRUNCATED;
	}
	e->args_len = len && !bpf_probe_read_user(e->args, len, (void *)start) ? len : 0;
}

/* A failed call's file name and argv, from the caller's memory (unchanged: the exec failed), as far as it gives them. */
static __always_inline void read_call_strings(struct execsnoop_event *e)
{
	const char *const *argv = (const char *const *)e->argv_ptr;
	__u32 off = 0;
	__u64 at;
	long n;

	e->argc = 0;
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const char *)e->filename_ptr) < 0) {
		e->filename[0] = 0;
		e->flags |= EXECSNOOP_FLAG_UNREAD;
	}
	for (int i = 0; i < EXECSNOOP_MAX_ARGS; i++) {
		const char *arg = NULL;

		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i])) {
			e->flags |= EXECSNOOP_FLAG_UNREAD;
			goto done;
		}
		if (!arg)
			goto done;
		if (off >= EXECSNOOP_ARGS_LEN) {
			e->flags |= EXECSNOOP_FLAG_TRUNCATED;
			goto done;
		}
		/* The mask, kept from the compiler (which knows off < ARGS_LEN here and would drop it): 5.10's verifier
		 * loses the bound of an unmasked offset through the 32-bit zero-extension. */
		at = off;
		barrier_var(at);
		at &= ARGS_MASK;
		n = bpf_probe_read_user_str(&e->args[at], EXECSNOOP_ARG_LEN, arg);
		if (n <= 0) {
			e->flags |= EXECSNOOP_FLAG_UNREAD;
			goto done;
		}
		if (n == EXECSNOOP_ARG_LEN)
			e->flags |= EXECSNOOP_FLAG_TRUNCATED;
		off += n;
		e->argc++;
	}
	/* Every slot held an argument: there may be more. */
	{
		const char *arg = NULL;

		if (!bpf_probe_read_user(&arg, sizeof(arg), &argv[EXECSNOOP_MAX_ARGS]) && arg)
			e->flags |= EXECSNOOP_FLAG_TRUNCATED;
	}
done:
	e->args_len = off;
}

/* Tier tracepoint: the call and its pointers, kept until it returns. Its strings are not read here: a successful
 * exec's come from the kernel's copies (sched_process_exec), and reading them here would often fault for nothing
 * (a forked child's copy of a program's constants is not mapped in yet: about 7 µs a string on this machine). */
static __always_inline void on_enter(const char *filename, const char *const *argv)
{
	struct execsnoop_event *e;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!cgroup_wanted())
		return;
	e = scratch();
	if (!e)
		return;
	fill_head(e, EXECSNOOP_KIND_EXEC);
	e->retval = 0;
	e->flags = 0;
	e->duration_ns = 0;
	e->argc = 0;
	e->args_len = 0;
	e->filename[0] = 0;
	e->filename_ptr = (__u64)filename;
	e->argv_ptr = (__u64)argv;
	if (bpf_map_update_elem(&execsnoop_pending, &tid, e, BPF_ANY))
		count_stat(&execsnoop_stats, EXECSNOOP_STAT_MAP_FULL);
}

static __always_inline void on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct execsnoop_event *e = bpf_map_lookup_elem(&execsnoop_pending, &tid);
	__u64 start;

	if (!e)
		return;
	start = e->ts_ns;
	e->retval = ret;
	e->ts_ns = bpf_ktime_get_ns();
	e->duration_ns = e->ts_ns - start;
	if (ret < 0)
		read_call_strings(e);
	/* After a successful exec the task has its new name (and a thread that exec'd is now the process's leader). */
	if (ret == 0) {
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		e->pid = bpf_get_current_pid_tgid() >> 32;
	}
	send_exec(e);
	bpf_map_delete_elem(&execsnoop_pending, &tid);
}

/* Tier tracepoint: the exec succeeds. The pending call (by the tid that entered it: a thread other than the leader
 * that execs takes the leader's pid, and the tracepoint gives the old one) gets the kernel's copies of its file name
 * and argv, and is moved to the tid that will return from it. */
SEC("?tracepoint/sched/sched_process_exec")
int execsnoop_exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 old = ctx->old_pid, tid = (__u32)bpf_get_current_pid_tgid();
	struct execsnoop_event *e = bpf_map_lookup_elem(&execsnoop_pending, &old);
	unsigned int loc;

	if (!e)
		return 0;
	loc = ctx->__data_loc_filename & 0xFFFF;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + loc);
	read_mm_args(e, task);
	if (old != tid) {
		if (bpf_map_update_elem(&execsnoop_pending, &tid, e, BPF_ANY))
			count_stat(&execsnoop_stats, EXECSNOOP_STAT_MAP_FULL);
		bpf_map_delete_elem(&execsnoop_pending, &old);
	}
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_execve")
int execsnoop_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	on_enter((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_execveat")
int execsnoop_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	on_enter((const char *)ctx->args[1], (const char *const *)ctx->args[2]);
	return 0;
}

SEC("?tracepoint/syscalls/sys_exit_execve")
int execsnoop_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	on_exit(ctx->ret);
	return 0;
}

SEC("?tracepoint/syscalls/sys_exit_execveat")
int execsnoop_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	on_exit(ctx->ret);
	return 0;
}

/* Tier tp_btf: the exec as it succeeds; argv from the new image's argument area, in one read. */
SEC("?tp_btf/sched_process_exec")
int BPF_PROG(execsnoop_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct execsnoop_event *e;

	if (!cgroup_wanted())
		return 0;
	e = scratch();
	if (!e)
		return 0;
	fill_head(e, EXECSNOOP_KIND_EXEC);
	e->retval = 0;
	e->flags = EXECSNOOP_FLAG_NO_RESULT;
	e->duration_ns = 0;
	e->argc = 0;
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename)) < 0)
		e->filename[0] = 0;
	read_mm_args(e, p);
	send_exec(e);
	return 0;
}

/* Both tiers: the last thread of a process whose exec was seen exits. */
static __always_inline void on_process_exit(void)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct execsnoop_exit *x;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 *since;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return;
	since = bpf_map_lookup_elem(&execsnoop_live, &pid);
	if (!since)
		return;
	x = bpf_ringbuf_reserve(&execsnoop_events, sizeof(*x), 0);
	if (!x) {
		count_stat(&execsnoop_stats, EXECSNOOP_STAT_RING_FULL);
	} else {
		x->ts_ns = bpf_ktime_get_ns();
		x->cgid = bpf_get_current_cgroup_id();
		x->duration_ns = x->ts_ns - *since;
		x->kind = EXECSNOOP_KIND_EXIT;
		x->pid = pid;
		x->ppid = BPF_CORE_READ(task, real_parent, tgid);
		x->uid = (__u32)bpf_get_current_uid_gid();
		x->retval = BPF_CORE_READ(task, exit_code);
		x->flags = 0;
		bpf_get_current_comm(x->comm, sizeof(x->comm));
		BPF_CORE_READ_STR_INTO(&x->pcomm, task, real_parent, comm);
		bpf_ringbuf_submit(x, BPF_RB_NO_WAKEUP);
	}
	bpf_map_delete_elem(&execsnoop_live, &pid);
}

SEC("?tracepoint/sched/sched_process_exit")
int execsnoop_exit_tp(void *ctx)
{
	on_process_exit();
	return 0;
}

SEC("?tp_btf/sched_process_exit")
int BPF_PROG(execsnoop_exit_btf)
{
	on_process_exit();
	return 0;
}
