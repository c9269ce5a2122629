// SPDX-License-Identifier: GPL-2.0
/* filetop: reads and writes per (process, file), counted from the ten read/write system calls (read, write, pread64,
 * pwrite64, readv, writev, preadv, pwritev, preadv2, pwritev2), with the bytes each call returned. A file's full path
 * (across mount points, up to the process's root mount) is resolved once, when its first row is created, into a
 * name map that user space empties as it takes the names: names are stored once per file, never in every row.
 * Tiers, all producing the same records through count_io():
 *   fentry:     fexit vfs_read + vfs_write + vfs_readv + vfs_writev (the ten calls go through these four)
 *   kprobe:     kprobe+kretprobe on the same four functions
 *   tracepoint: syscalls:sys_enter_X / sys_exit_X for the ten calls; the fd is resolved to its file at exit
 *               (current->files->fdt->fd[fd]), needs tracefs
 *   tp_btf:     raw_syscalls sys_enter / sys_exit, filtered by syscall number (x86-64 and arm64): the last resort,
 *               it runs on every system call of every process */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "filetop.h"

char LICENSE[] SEC("license") = "GPL";

#define PATH_MASK (FILETOP_PATH_LEN - 1)

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FILETOP_MAX_FILES);
	__type(key, struct filetop_key);
	__type(value, struct filetop_val);
} filetop_rows SEC(".maps");

/* Names waiting for user space; allocated as they come (user space takes them every interval, so few live at once). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FILETOP_MAX_NAMES);
	__type(key, struct filetop_file);
	__type(value, struct filetop_name);
} filetop_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FILETOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct filetop_stats_val);
} filetop_stats SEC(".maps");

/* Where a name is built: the components' names and lengths, leaf first, then the path itself. */
struct filetop_scratch {
	__u64 comp[FILETOP_MAX_DEPTH]; /* const unsigned char * of each component's name, leaf first */
	__u32 clen[FILETOP_MAX_DEPTH];
	/* Counters kept in the map, not in registers: a value loaded from a map is unknown to the verifier, so the
	 * paths through a loop meet again instead of multiplying (one per exact count). */
	__u32 depth;
	__u32 top;
	/* The file, as a number: a global function takes only scalars, and fentry's `file` is a typed pointer. */
	__u64 file;
	char buf[2 * FILETOP_PATH_LEN];
	struct filetop_name name;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct filetop_scratch);
} filetop_scratch SEC(".maps");

/* A call in progress, per thread, from entry to return: the fd (system call tiers) or the file (kprobe tier). */
struct filetop_call {
	__u64 file;
	__u32 fd;
	__u32 op;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct filetop_call);
} filetop_calls SEC(".maps");

static __always_inline void bump_stat(__u32 stat)
{
	count_stat(&filetop_stats, stat);
}

/* The file's path into the scratch's name: its own dentry name for a pseudo file (pipe, socket, anonymous inode,
 * whose names the kernel makes up in d_dname), otherwise every component up to the process's root (its chroot or
 * container root, as d_path stops; else the namespace's root mount), crossing mount points. Two passes, so the verifier sees simple loops: the components leaf first, then the path written root first from
 * the deepest component that leaves room for the leaf. A global function: verified once, not at every call site.
 * Returns 0, or -1 when there is no scratch. */
__attribute__((noinline)) int filetop_build_name(void)
{
	__u32 zero = 0, n, top, off = 0, total = 0;
	struct filetop_scratch *s = bpf_map_lookup_elem(&filetop_scratch, &zero);
	struct task_struct *task = (void *)bpf_get_current_task();
	struct dentry *d, *root;
	struct vfsmount *vm, *root_mnt;
	struct mount *mnt;
	const struct dentry_operations *dops;
	struct file *f;
	bool whole = false;

	if (!s)
		return -1;
	f = (struct file *)s->file;
	d = BPF_CORE_READ(f, f_path.dentry);
	vm = BPF_CORE_READ(f, f_path.mnt);
	mnt = (void *)vm - bpf_core_field_offset(struct mount, mnt);
	dops = BPF_CORE_READ(d, d_op);
	/* The process's root (chroot, a container's pivot_root): paths are as it sees them, as d_path gives them. */
	root = BPF_CORE_READ(task, fs, root.dentry);
	root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	s->name.magic = BPF_CORE_READ(f, f_inode, i_sb, s_magic);
	s->name.flags = 0;
	if (dops && BPF_CORE_READ(dops, d_dname)) {
		long len = bpf_probe_read_kernel_str(s->name.path, sizeof(s->name.path), BPF_CORE_READ(d, d_name.name));

		s->name.flags = FILETOP_NAME_PSEUDO;
		s->name.len = len > 0 ? len - 1 : 0;
		return 0;
	}
	s->depth = 0;
	for (int i = 0; i < FILETOP_MAX_DEPTH + 8; i++) {
		struct dentry *parent;

		n = s->depth;
		if (n >= FILETOP_MAX_DEPTH)
			break;
		if (d == root && (void *)mnt + bpf_core_field_offset(struct mount, mnt) == (void *)root_mnt) {
			whole = true;
			break;
		}
		if (d == BPF_CORE_READ(mnt, mnt.mnt_root)) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt) {
				whole = true;
				break;
			}
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == d) {
			whole = true;
			break;
		}
		s->comp[n & (FILETOP_MAX_DEPTH - 1)] = (__u64)BPF_CORE_READ(d, d_name.name);
		s->clen[n & (FILETOP_MAX_DEPTH - 1)] = BPF_CORE_READ(d, d_name.len);
		s->depth = n + 1;
		d = parent;
	}
	/* The deepest components that fit, leaf included: "/" + name each. Every loop below runs straight on or stops
	 * (no `continue` that would fork the verifier's paths at each step). */
	n = s->depth;
	s->top = 0;
	for (int i = 0; i < FILETOP_MAX_DEPTH; i++) {
		__u32 len;

		if (i >= n)
			break;
		len = s->clen[i & (FILETOP_MAX_DEPTH - 1)] + 1;
		if (total + len > FILETOP_PATH_LEN - 1) {
			whole = false;
			break;
		}
		total += len;
		s->top = i + 1;
	}
	top = s->top;
	for (int j = 0; j < FILETOP_MAX_DEPTH; j++) {
		__u32 k, len;

		if (j >= top || off >= FILETOP_PATH_LEN)
			break;
		k = (top - 1 - j) & (FILETOP_MAX_DEPTH - 1);
		len = s->clen[k] & PATH_MASK;
		s->buf[off & PATH_MASK] = '/';
		off++;
		bpf_probe_read_kernel(&s->buf[off & PATH_MASK], len, (void *)s->comp[k]);
		off += len;
	}
	if (off == 0)
		s->buf[off++] = '/';
	if (off > FILETOP_PATH_LEN - 1)
		off = FILETOP_PATH_LEN - 1;
	barrier_var(off); /* keeps the mask below: the compiler would drop it, and the verifier needs it */
	s->buf[off & PATH_MASK] = 0;
	s->name.len = off;
	if (!whole)
		s->name.flags |= FILETOP_NAME_TRUNCATED;
	bpf_probe_read_kernel(s->name.path, sizeof(s->name.path), s->buf);
	return 0;
}

/* Stores the file's name, unless one is already waiting for user space. */
static __always_inline void store_name(struct file *f, struct filetop_key *key)
{
	struct filetop_file fk = { .dev = key->dev, .ino = key->ino };
	struct filetop_scratch *s;
	__u32 zero = 0;
	long err;

	if (bpf_map_lookup_elem(&filetop_names, &fk))
		return;
	s = bpf_map_lookup_elem(&filetop_scratch, &zero);
	if (!s)
		return;
	s->file = (__u64)f;
	if (filetop_build_name())
		return;
	err = bpf_map_update_elem(&filetop_names, &fk, &s->name, BPF_NOEXIST);
	if (err && err != -EEXIST)
		bump_stat(FILETOP_STAT_NAMES_FULL);
}

static __always_inline __u32 file_type(struct inode *inode)
{
	__u32 mode = BPF_CORE_READ(inode, i_mode) & S_IFMT;

	return mode == S_IFREG ? FILETOP_TYPE_REGULAR : mode == S_IFSOCK ? FILETOP_TYPE_SOCKET : FILETOP_TYPE_OTHER;
}

/* One call that moved `ret` bytes (0 at end of file) to or from `f`. Failed calls (ret < 0) are not counted. */
static __always_inline void count_io(struct file *f, __s64 ret, __u32 op)
{
	struct filetop_key key = {};
	struct filetop_val *v;
	struct inode *inode;

	if (ret < 0)
		return;
	/* A process outside --cgroup's subtree, or the always-on sixty itself. */
	if (!task_wanted())
		return;
	if (!f) {
		bump_stat(FILETOP_STAT_NO_FILE);
		return;
	}
	inode = BPF_CORE_READ(f, f_inode);
	if (!inode) {
		bump_stat(FILETOP_STAT_NO_FILE);
		return;
	}
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	v = bpf_map_lookup_elem(&filetop_rows, &key);
	if (!v) {
		struct filetop_val init = {};
		long err;

		init.created_ns = bpf_ktime_get_ns();
		init.type = file_type(inode);
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		init.cgid = bpf_get_current_cgroup_id();
		if (op == FILETOP_OP_READ) {
			init.reads = 1;
			init.read_bytes = ret;
		} else {
			init.writes = 1;
			init.write_bytes = ret;
		}
		err = bpf_map_update_elem(&filetop_rows, &key, &init, BPF_NOEXIST);
		if (!err) {
			bump_stat(FILETOP_STAT_CREATED);
			store_name(f, &key);
			return;
		}
		/* An LRU map evicts to make room: this fails only when nothing can be freed at once (-ENOMEM). */
		if (err != -EEXIST) {
			bump_stat(FILETOP_STAT_MAP_FULL);
			return;
		}
		v = bpf_map_lookup_elem(&filetop_rows, &key);
		if (!v)
			return;
	}
	if (op == FILETOP_OP_READ) {
		__sync_fetch_and_add(&v->reads, 1);
		__sync_fetch_and_add(&v->read_bytes, ret);
	} else {
		__sync_fetch_and_add(&v->writes, 1);
		__sync_fetch_and_add(&v->write_bytes, ret);
	}
}

/* Tier fentry: the four VFS functions the ten calls go through, with the file and the result in hand. */
SEC("?fexit/vfs_read")
int BPF_PROG(filetop_read_fexit, struct file *file, char *buf, size_t count, loff_t *pos, ssize_t ret)
{
	count_io(file, ret, FILETOP_OP_READ);
	return 0;
}

SEC("?fexit/vfs_write")
int BPF_PROG(filetop_write_fexit, struct file *file, const char *buf, size_t count, loff_t *pos, ssize_t ret)
{
	count_io(file, ret, FILETOP_OP_WRITE);
	return 0;
}

SEC("?fexit/vfs_readv")
int BPF_PROG(filetop_readv_fexit, struct file *file, const struct iovec *vec, unsigned long vlen, loff_t *pos,
	     int flags, ssize_t ret)
{
	count_io(file, ret, FILETOP_OP_READ);
	return 0;
}

SEC("?fexit/vfs_writev")
int BPF_PROG(filetop_writev_fexit, struct file *file, const struct iovec *vec, unsigned long vlen, loff_t *pos,
	     int flags, ssize_t ret)
{
	count_io(file, ret, FILETOP_OP_WRITE);
	return 0;
}

/* Calls in progress, per thread (kprobe and system call tiers). */
static __always_inline void save_call(__u64 file, __u32 fd, __u32 op)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct filetop_call call = { .file = file, .fd = fd, .op = op };

	/* A call from outside --cgroup's subtree (or the always-on sixty's own) is not followed. */
	if (!task_wanted())
		return;
	bpf_map_update_elem(&filetop_calls, &tid, &call, BPF_ANY);
}

static __always_inline void finish_call(__s64 ret, bool by_fd)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct filetop_call *call = bpf_map_lookup_elem(&filetop_calls, &tid);
	struct filetop_call c;

	if (!call)
		return;
	c = *call;
	bpf_map_delete_elem(&filetop_calls, &tid);
	if (ret < 0)
		return;
	count_io(by_fd ? fd_file(c.fd) : (struct file *)c.file, ret, c.op);
}

/* Tier kprobe: the same four functions; the return probe needs the file saved at entry. */
#define KPROBE_PAIR(fn, op)                                          \
	SEC("?kprobe/" #fn)                                          \
	int BPF_KPROBE(filetop_##fn##_kprobe, struct file *file)     \
	{                                                            \
		save_call((__u64)file, 0, op);                       \
		return 0;                                            \
	}                                                            \
	SEC("?kretprobe/" #fn)                                       \
	int BPF_KRETPROBE(filetop_##fn##_kretprobe, long ret)        \
	{                                                            \
		finish_call(ret, false);                             \
		return 0;                                            \
	}

KPROBE_PAIR(vfs_read, FILETOP_OP_READ)
KPROBE_PAIR(vfs_write, FILETOP_OP_WRITE)
KPROBE_PAIR(vfs_readv, FILETOP_OP_READ)
KPROBE_PAIR(vfs_writev, FILETOP_OP_WRITE)

/* Tier tracepoint: each call's own enter and exit tracepoints. The enter record is laid out as raw_syscalls's
 * (common fields, the call's number, then its arguments), so args[0] is the fd. */
#define SYSCALL_TP(name, op)                                                        \
	SEC("?tracepoint/syscalls/sys_enter_" #name)                                \
	int filetop_enter_##name(struct trace_event_raw_sys_enter *ctx)             \
	{                                                                           \
		save_call(0, (__u32)ctx->args[0], op);                              \
		return 0;                                                           \
	}                                                                           \
	SEC("?tracepoint/syscalls/sys_exit_" #name)                                 \
	int filetop_exit_##name(struct trace_event_raw_sys_exit *ctx)               \
	{                                                                           \
		finish_call(ctx->ret, true);                                        \
		return 0;                                                           \
	}

SYSCALL_TP(read, FILETOP_OP_READ)
SYSCALL_TP(write, FILETOP_OP_WRITE)
SYSCALL_TP(pread64, FILETOP_OP_READ)
SYSCALL_TP(pwrite64, FILETOP_OP_WRITE)
SYSCALL_TP(readv, FILETOP_OP_READ)
SYSCALL_TP(writev, FILETOP_OP_WRITE)
SYSCALL_TP(preadv, FILETOP_OP_READ)
SYSCALL_TP(pwritev, FILETOP_OP_WRITE)
SYSCALL_TP(preadv2, FILETOP_OP_READ)
SYSCALL_TP(pwritev2, FILETOP_OP_WRITE)

/* Tier tp_btf: raw_syscalls, for kernels without per-call tracepoints. The call numbers are the architecture's. */
#if defined(__TARGET_ARCH_x86) || defined(__TARGET_ARCH_arm64)
static __always_inline int syscall_op(long nr)
{
#if defined(__TARGET_ARCH_x86)
	switch (nr) {
	case 0: case 17: case 19: case 295: case 327: /* read pread64 readv preadv preadv2 */
		return FILETOP_OP_READ;
	case 1: case 18: case 20: case 296: case 328: /* write pwrite64 writev pwritev pwritev2 */
		return FILETOP_OP_WRITE;
	}
#else
	switch (nr) {
	case 63: case 67: case 65: case 69: case 286:
		return FILETOP_OP_READ;
	case 64: case 68: case 66: case 70: case 287:
		return FILETOP_OP_WRITE;
	}
#endif
	return -1;
}

SEC("?tp_btf/sys_enter")
int BPF_PROG(filetop_sys_enter_btf, struct pt_regs *regs, long id)
{
	int op = syscall_op(id);

	if (op >= 0)
		save_call(0, (__u32)PT_REGS_PARM1_CORE_SYSCALL(regs), op);
	return 0;
}

SEC("?tp_btf/sys_exit")
int BPF_PROG(filetop_sys_exit_btf, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	/* Other calls leave at once, without a map lookup: the call's number is still in orig_ax. */
	if (syscall_op(BPF_CORE_READ(regs, orig_ax)) < 0)
		return 0;
#endif
	finish_call(ret, true);
	return 0;
}
#endif
