// SPDX-License-Identifier: GPL-2.0
/* fsslower: reads, writes, opens and fsyncs of files on ext4, xfs and btrfs, timed from the system call's entry to
 * its return: every one counted in a latency histogram per (file system, operation), and those slower than a
 * threshold (user space sets it, a key changes it) sent one by one through a ring buffer, with the process, the file's
 * name and its directory's, the offset, the bytes and the latency. The file system is the file's superblock's magic,
 * read at the entry for calls on an fd (a socket's or a pipe's read goes no further) and at the return of an open
 * (from the fd it returns). Tiers, the same records through the same two functions:
 *   tracepoint: syscalls:sys_enter_X / sys_exit_X for read, write, pread64, pwrite64, readv, writev, preadv,
 *               pwritev, preadv2, pwritev2, fsync, fdatasync, openat and openat2
 *   tp_btf:     raw_syscalls sys_enter / sys_exit, filtered by call number (x86-64 and arm64): it runs on every
 *               system call of every process, the last resort */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "fsslower.h"

char LICENSE[] SEC("license") = "GPL";

#define EXT4_SUPER_MAGIC 0xEF53
#define XFS_SB_MAGIC 0x58465342
#define BTRFS_SUPER_MAGIC 0x9123683E

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FSSLOWER_RING_BYTES);
} fsslower_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FSSLOWER_MAX_CALLS);
	__type(key, __u32);
	__type(value, struct fsslower_call);
} fsslower_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (FSSLOWER_FS_NR - 1) * FSSLOWER_OP_NR * FSSLOWER_HIST_SLOTS);
	__type(key, __u32);
	__type(value, struct fsslower_slot);
} fsslower_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fsslower_config);
} fsslower_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FSSLOWER_STAT_NR);
	__type(key, __u32);
	__type(value, struct fsslower_stats_val);
} fsslower_stats SEC(".maps");

/* The event's type kept in the object's BTF (it is only ever reserved in the ring, which keeps no type). */
const volatile struct fsslower_event *fsslower_event_type __attribute__((unused));

static __always_inline __u32 fs_of(struct file *f)
{
	unsigned long magic;

	if (!f)
		return 0;
	magic = BPF_CORE_READ(f, f_inode, i_sb, s_magic);
	return magic == EXT4_SUPER_MAGIC ? FSSLOWER_FS_EXT4 : magic == XFS_SB_MAGIC ? FSSLOWER_FS_XFS : magic == BTRFS_SUPER_MAGIC ? FSSLOWER_FS_BTRFS : 0;
}

/* An operation on fd begins (read, write, fsync): kept only when the file is on a file system it times. `pos`: the
 * call's own offset (pread, pwrite), or ~0 for the file's position. */
static __always_inline void enter_fd(__u32 fd, __u32 op, __u64 pos)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fsslower_call c = {};
	struct file *f = fd_file(fd);
	__u32 fs = fs_of(f);

	if (!fs || !cgroup_wanted())
		return;
	c.ts_ns = bpf_ktime_get_ns();
	c.file = (__u64)f;
	c.pos = pos == ~0ULL ? (__u64)BPF_CORE_READ(f, f_pos) : pos;
	c.op = op;
	c.fs = fs;
	if (bpf_map_update_elem(&fsslower_calls, &tid, &c, BPF_ANY))
		count_stat(&fsslower_stats, FSSLOWER_STAT_MAP_FULL);
}

/* An open begins: its file is known only from the fd it returns. */
static __always_inline void enter_open(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fsslower_call c = {};

	if (!cgroup_wanted())
		return;
	c.ts_ns = bpf_ktime_get_ns();
	c.op = FSSLOWER_OP_OPEN;
	if (bpf_map_update_elem(&fsslower_calls, &tid, &c, BPF_ANY))
		count_stat(&fsslower_stats, FSSLOWER_STAT_MAP_FULL);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 s = 0;

	/* 64 - clz, without a loop the verifier would unroll */
	if (v >> 32) { s += 32; v >>= 32; }
	if (v >> 16) { s += 16; v >>= 16; }
	if (v >> 8) { s += 8; v >>= 8; }
	if (v >> 4) { s += 4; v >>= 4; }
	if (v >> 2) { s += 2; v >>= 2; }
	if (v >> 1) { s += 1; }
	return s < FSSLOWER_HIST_SLOTS ? s : FSSLOWER_HIST_SLOTS - 1;
}

static __always_inline void leave(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid, zero = 0, idx;
	struct fsslower_call *c = bpf_map_lookup_elem(&fsslower_calls, &tid);
	struct fsslower_config *cfg;
	struct fsslower_slot *slot;
	struct fsslower_event *e;
	struct file *f;
	struct dentry *d;
	__u64 now, lat, min_ns;
	__u32 op, fs;

	if (!c)
		return;
	now = bpf_ktime_get_ns();
	lat = now - c->ts_ns;
	op = c->op;
	fs = c->fs;
	f = (struct file *)c->file;
	__u64 pos = c->pos;
	bpf_map_delete_elem(&fsslower_calls, &tid);
	if (op == FSSLOWER_OP_OPEN) {
		/* A failed open never reached a file system's open (it found no file, or no right to it). */
		if (ret < 0)
			return;
		f = fd_file((__u32)ret);
		fs = fs_of(f);
		if (!fs)
			return;
	}
	if (fs < 1 || fs >= FSSLOWER_FS_NR || op >= FSSLOWER_OP_NR)
		return;
	idx = ((fs - 1) * FSSLOWER_OP_NR + op) * FSSLOWER_HIST_SLOTS + log2_slot(lat);
	slot = bpf_map_lookup_elem(&fsslower_hist, &idx);
	if (slot) {
		slot->count++;
		slot->sum_ns += lat;
	}
	cfg = bpf_map_lookup_elem(&fsslower_config, &zero);
	min_ns = cfg ? cfg->min_ns : 0;
	if (lat < min_ns)
		return;
	e = bpf_ringbuf_reserve(&fsslower_events, sizeof(*e), 0);
	if (!e) {
		count_stat(&fsslower_stats, FSSLOWER_STAT_RING_FULL);
		return;
	}
	e->ts_ns = now;
	e->lat_ns = lat;
	e->offset = op == FSSLOWER_OP_READ || op == FSSLOWER_OP_WRITE ? pos : 0;
	e->ino = BPF_CORE_READ(f, f_inode, i_ino);
	e->cgid = bpf_get_current_cgroup_id();
	e->ret = ret;
	e->pid = pid_tgid >> 32;
	e->tid = tid;
	e->op = op;
	e->fs = fs;
	e->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	d = BPF_CORE_READ(f, f_path.dentry);
	if (bpf_probe_read_kernel_str(e->name, sizeof(e->name), BPF_CORE_READ(d, d_name.name)) < 0)
		e->name[0] = 0;
	if (bpf_probe_read_kernel_str(e->dir, sizeof(e->dir), BPF_CORE_READ(d, d_parent, d_name.name)) < 0)
		e->dir[0] = 0;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* Tier tracepoint: each call's own enter and exit. The enter record is laid out as raw_syscalls's (common fields,
 * the call's number, then its arguments). */
#define FD_CALL(name, op, posarg)                                                   \
	SEC("?tracepoint/syscalls/sys_enter_" #name)                                \
	int fsslower_enter_##name(struct trace_event_raw_sys_enter *ctx)            \
	{                                                                           \
		enter_fd((__u32)ctx->args[0], op, posarg);                          \
		return 0;                                                           \
	}                                                                           \
	SEC("?tracepoint/syscalls/sys_exit_" #name)                                 \
	int fsslower_exit_##name(struct trace_event_raw_sys_exit *ctx)              \
	{                                                                           \
		leave(ctx->ret);                                                    \
		return 0;                                                           \
	}

#define OPEN_CALL(name)                                                             \
	SEC("?tracepoint/syscalls/sys_enter_" #name)                                \
	int fsslower_enter_##name(struct trace_event_raw_sys_enter *ctx)            \
	{                                                                           \
		enter_open();                                                       \
		return 0;                                                           \
	}                                                                           \
	SEC("?tracepoint/syscalls/sys_exit_" #name)                                 \
	int fsslower_exit_##name(struct trace_event_raw_sys_exit *ctx)              \
	{                                                                           \
		leave(ctx->ret);                                                    \
		return 0;                                                           \
	}

FD_CALL(read, FSSLOWER_OP_READ, ~0ULL)
FD_CALL(write, FSSLOWER_OP_WRITE, ~0ULL)
FD_CALL(pread64, FSSLOWER_OP_READ, ctx->args[3])
FD_CALL(pwrite64, FSSLOWER_OP_WRITE, ctx->args[3])
FD_CALL(readv, FSSLOWER_OP_READ, ~0ULL)
FD_CALL(writev, FSSLOWER_OP_WRITE, ~0ULL)
FD_CALL(preadv, FSSLOWER_OP_READ, ctx->args[3])
FD_CALL(pwritev, FSSLOWER_OP_WRITE, ctx->args[3])
FD_CALL(preadv2, FSSLOWER_OP_READ, ctx->args[3]) /* -1: the file position (enter_fd reads it) */
FD_CALL(pwritev2, FSSLOWER_OP_WRITE, ctx->args[3])
FD_CALL(fsync, FSSLOWER_OP_FSYNC, 0)
FD_CALL(fdatasync, FSSLOWER_OP_FSYNC, 0)
OPEN_CALL(openat)
OPEN_CALL(openat2)

/* Tier tp_btf: raw_syscalls, for kernels without per-call tracepoints. The call numbers are the architecture's;
 * -1: not one it times. The position argument's index, where the call has one, in *posarg (else -1). */
#if defined(__TARGET_ARCH_x86) || defined(__TARGET_ARCH_arm64)
static __always_inline int syscall_op(long nr, int *posarg)
{
	*posarg = -1;
#if defined(__TARGET_ARCH_x86)
	switch (nr) {
	case 0: case 19: return FSSLOWER_OP_READ;                          /* read readv */
	case 17: case 295: case 327: *posarg = 3; return FSSLOWER_OP_READ; /* pread64 preadv preadv2 */
	case 1: case 20: return FSSLOWER_OP_WRITE;                         /* write writev */
	case 18: case 296: case 328: *posarg = 3; return FSSLOWER_OP_WRITE;
	case 74: case 75: return FSSLOWER_OP_FSYNC;                        /* fsync fdatasync */
	case 257: case 437: return FSSLOWER_OP_OPEN;                       /* openat openat2 */
	}
#else
	switch (nr) {
	case 63: case 65: return FSSLOWER_OP_READ;
	case 67: case 69: case 286: *posarg = 3; return FSSLOWER_OP_READ;
	case 64: case 66: return FSSLOWER_OP_WRITE;
	case 68: case 70: case 287: *posarg = 3; return FSSLOWER_OP_WRITE;
	case 82: case 83: return FSSLOWER_OP_FSYNC;
	case 56: case 437: return FSSLOWER_OP_OPEN;
	}
#endif
	return -1;
}

SEC("?tp_btf/sys_enter")
int BPF_PROG(fsslower_sys_enter_btf, struct pt_regs *regs, long id)
{
	int posarg;
	int op = syscall_op(id, &posarg);

	if (op == FSSLOWER_OP_OPEN)
		enter_open();
	else if (op >= 0)
		enter_fd((__u32)PT_REGS_PARM1_CORE_SYSCALL(regs), op, posarg == 3 ? (__u64)PT_REGS_PARM4_CORE_SYSCALL(regs) : ~0ULL);
	return 0;
}

SEC("?tp_btf/sys_exit")
int BPF_PROG(fsslower_sys_exit_btf, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	int posarg;

	/* Other calls leave at once, without a map lookup: the call's number is still in orig_ax. */
	if (syscall_op(BPF_CORE_READ(regs, orig_ax), &posarg) < 0)
		return 0;
#endif
	leave(ret);
	return 0;
}
#endif
