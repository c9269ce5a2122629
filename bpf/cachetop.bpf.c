// SPDX-License-Identifier: GPL-2.0
/* cachetop: page-cache accesses, misses and dirtied pages per process, counted in pages (a large folio counts all its
 * pages: counting folios made dirties 240x too small on 6.18).
 *   misses:   pages added to the page cache (tracepoint mm_filemap_add_to_page_cache, in __filemap_add_folio);
 *             a write miss when the thread is in a write syscall (its number, from its saved user registers).
 *   dirties:  pages turned from clean to dirty, where the kernel accounts them (tracepoint writeback_dirty_folio in
 *             folio_account_dirtied; writeback_dirty_page in account_page_dirtied before folios).
 *   accesses: exact tiers: folio_mark_accessed (mark_page_accessed before folios) x the folio's pages, a read access
 *             unless the thread is in a write syscall. Proxy tier (kernels with no hook on page accesses, such as one
 *             without kprobes or trampolines): regular-file bytes moved by read/write syscalls, in pages (rounded up
 *             per call), plus pages mapped by mmap faults: an estimate, and user space says so.
 * A row keeps the uid and name of its process's first event, renamed at exec (tp_btf sched_process_exec, every tier).
 * User space derives hits = accesses - misses (never below 0), per direction.
 * Tiers, all producing the same record through on_access/on_miss/on_dirty, all with the miss and dirty tracepoints:
 *   fentry:      folio_mark_accessed (5.16+)
 *   fentry_page: mark_page_accessed, with writeback_dirty_page (before folios, 5.10)
 *   kprobe, kprobe_page: the same functions
 *   tracepoint:  tp_btf mm_filemap_map_pages + mm_filemap_fault, and the classic syscall tracepoints of read/write and
 *                their p/v variants: the estimate.
 * Built a second time as cachestat (bpf/cachestat.bpf.c defines CACHETOP_HOSTWIDE): the same hooks and counts, into
 * one per-CPU row for the whole host instead of a row per process (no hash, no exec rename). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "cachetop.h"

char LICENSE[] SEC("license") = "GPL";

/* The host's page size, as a shift: set by user space from its auxiliary vector (AT_PAGESZ) before load. */
const volatile __u32 page_shift = 12;
#define NO_FD 0xffffffff

/* Syscall numbers of the write family, O_DIRECT, and how to find the current task's user registers before the
 * bpf_task_pt_regs helper (5.15). */
#if defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
#define IS_WRITE_NR(nr) ((nr) == 64 || (nr) == 66 || (nr) == 68 || (nr) == 70 || (nr) == 287)
#define CACHETOP_O_DIRECT 0200000
#define STACK_TOP_OFFSET (16384 - 16)
#else
#define SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#define IS_WRITE_NR(nr) ((nr) == 1 || (nr) == 18 || (nr) == 20 || (nr) == 296 || (nr) == 328)
#define CACHETOP_O_DIRECT 040000
#define STACK_TOP_OFFSET 16384 /* THREAD_SIZE without KASAN; no padding on x86_64 */
#endif

#ifdef CACHETOP_HOSTWIDE
/* cachestat: the host's counts, one row per CPU (user space sums them). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cachetop_val);
} cachestat_totals SEC(".maps");
#else
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CACHETOP_MAX_ROWS);
	__type(key, struct cachetop_key);
	__type(value, struct cachetop_val);
} cachetop_rows SEC(".maps");
#endif

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CACHETOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct cachetop_stats_val);
} cachetop_stats SEC(".maps");

/* Proxy tier: the fd of the read or write in flight per thread, from its entry to its exit (an LRU: threads that die
 * mid-call leave nothing behind for long). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CACHETOP_MAX_CALLS);
	__type(key, __u32);
	__type(value, struct cachetop_call);
} cachetop_calls SEC(".maps");

/* struct folio's flags became a memdesc_flags_t (a struct of one unsigned long) in 6.18. */
struct memdesc_flags___sixty {
	unsigned long f;
};
struct folio___memdesc {
	struct memdesc_flags___sixty flags;
} __attribute__((preserve_access_index));
struct folio___ulong {
	unsigned long flags;
} __attribute__((preserve_access_index));
/* A large folio's page count: _nr_pages since 6.15 (64-bit), _folio_nr_pages from 5.18 until then. */
struct folio___nr {
	unsigned int _nr_pages;
} __attribute__((preserve_access_index));
struct folio___v518 {
	unsigned int _folio_nr_pages;
} __attribute__((preserve_access_index));

static __always_inline void bump_stat(__u32 stat)
{
	count_stat(&cachetop_stats, stat);
}

/* folio_nr_pages(): 1 for a small folio (no PG_head), else the large folio's count. `p` is a struct page before folios
 * (5.16), where page-cache pages of regular files are single pages. */
static __always_inline __u64 folio_pages(void *p)
{
	unsigned long flags;
	__u32 nr = 0;

	if (!bpf_core_type_exists(struct folio))
		return 1;
	if (bpf_core_field_exists(((struct folio___memdesc *)p)->flags))
		flags = BPF_CORE_READ((struct folio___memdesc *)p, flags.f);
	else
		flags = BPF_CORE_READ((struct folio___ulong *)p, flags);
	if (!(flags & (1UL << bpf_core_enum_value(enum pageflags, PG_head))))
		return 1;
	if (bpf_core_field_exists(((struct folio___nr *)p)->_nr_pages))
		nr = BPF_CORE_READ((struct folio___nr *)p, _nr_pages);
	else if (bpf_core_field_exists(((struct folio___v518 *)p)->_folio_nr_pages))
		nr = BPF_CORE_READ((struct folio___v518 *)p, _folio_nr_pages);
	return nr ? nr : 1;
}

/* Is this thread in a write syscall? Read from the syscall number in its saved user registers (a kernel thread's are
 * not a syscall's: its misses are read misses). */
static __always_inline bool in_write_syscall(void)
{
	struct pt_regs *regs;
	long nr;

	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs)) {
		regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	} else {
		struct task_struct *task = (void *)bpf_get_current_task();

		regs = (struct pt_regs *)((__u64)BPF_CORE_READ(task, stack) + STACK_TOP_OFFSET) - 1;
	}
	nr = SYSCALL_NR(regs);
	return IS_WRITE_NR(nr);
}

#ifdef CACHETOP_HOSTWIDE
/* The host's row on this CPU (--cgroup: NULL for a task outside the subtree). */
static __always_inline struct cachetop_val *row(void)
{
	__u32 zero = 0;

	if (!cgroup_wanted())
		return NULL;
	return bpf_map_lookup_elem(&cachestat_totals, &zero);
}
#else
/* This process's row, created on its first event with its uid and name. NULL when the map is full (counted). */
static __always_inline struct cachetop_val *row(void)
{
	struct cachetop_key key = { .pid = bpf_get_current_pid_tgid() >> 32 };
	struct cachetop_val init = {}, *v;
	long err;

	/* --cgroup: a process outside the subtree has no row. */
	if (!cgroup_wanted())
		return NULL;
	v = bpf_map_lookup_elem(&cachetop_rows, &key);
	if (v)
		return v;
	init.created_ns = bpf_ktime_get_ns();
	init.uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(init.comm, sizeof(init.comm));
	init.cgid = bpf_get_current_cgroup_id();
	err = bpf_map_update_elem(&cachetop_rows, &key, &init, BPF_NOEXIST);
	if (err && err != -EEXIST /* another CPU created it first */) {
		bump_stat(CACHETOP_STAT_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&cachetop_rows, &key);
}
#endif

static __always_inline void on_access(__u64 pages, bool write)
{
	struct cachetop_val *v = row();

	if (!v)
		return;
	if (write)
		__sync_fetch_and_add(&v->write_pages, pages);
	else
		__sync_fetch_and_add(&v->read_pages, pages);
}

static __always_inline void on_miss(__u64 pages, bool write)
{
	struct cachetop_val *v = row();

	if (!v)
		return;
	__sync_fetch_and_add(&v->misses, pages);
	if (write)
		__sync_fetch_and_add(&v->write_misses, pages);
}

static __always_inline void on_dirty(__u64 pages)
{
	struct cachetop_val *v = row();

	if (v)
		__sync_fetch_and_add(&v->dirties, pages);
}

#ifndef CACHETOP_HOSTWIDE
/* Every tier: a process that execs after its row was created (a shell's fork running dd) is renamed, once per exec. */
SEC("?tp_btf/sched_process_exec")
int BPF_PROG(cachetop_exec)
{
	struct cachetop_key key = { .pid = bpf_get_current_pid_tgid() >> 32 };
	struct cachetop_val *v = bpf_map_lookup_elem(&cachetop_rows, &key);

	if (v) {
		bpf_get_current_comm(v->comm, sizeof(v->comm));
		v->cgid = bpf_get_current_cgroup_id();
	}
	return 0;
}
#endif

/* Every tier: misses and dirties from the tracepoints inside the functions that add pages and account dirtied ones
 * (__filemap_add_folio, folio_account_dirtied). filemap_add_folio and __folio_mark_dirty, the functions around them,
 * are called from their own files too, where the compiler may inline them: an fentry or kprobe there can miss calls. */
SEC("?tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(cachetop_miss_tp, struct folio *folio) { on_miss(folio_pages(folio), in_write_syscall()); return 0; }
SEC("?tp_btf/writeback_dirty_folio")
int BPF_PROG(cachetop_dirty_tp, struct folio *folio) { on_dirty(folio_pages(folio)); return 0; }
/* Before folios (5.10): the same tracepoint took a page. raw_tp, which resolves its tracepoint at attach, not at load:
 * the object's page tiers then pass the verifier on kernels without it (the native tests load every tier). */
SEC("?raw_tp/writeback_dirty_page")
int BPF_PROG(cachetop_dirty_page_tp, struct page *page) { on_dirty(1); return 0; }

/* Exact accesses, tier fentry (folios, 5.16+): every folio marked accessed, x its pages. */
SEC("?fentry/folio_mark_accessed")
int BPF_PROG(cachetop_access_fentry, struct folio *folio) { on_access(folio_pages(folio), in_write_syscall()); return 0; }
/* Tier fentry_page (before folios, 5.10). */
SEC("?fentry/mark_page_accessed")
int BPF_PROG(cachetop_access_fpage, struct page *page) { on_access(1, in_write_syscall()); return 0; }
/* Tiers kprobe and kprobe_page: the same functions. */
SEC("?kprobe/folio_mark_accessed")
int BPF_KPROBE(cachetop_access_kprobe, struct folio *folio) { on_access(folio_pages(folio), in_write_syscall()); return 0; }
SEC("?kprobe/mark_page_accessed")
int BPF_KPROBE(cachetop_access_kpage) { on_access(1, in_write_syscall()); return 0; }

/* Tier tracepoint (the proxy): accesses estimated from what reads and writes moved, and from mmap faults. */
/* mmap: the pages a fault maps around the faulting address (an upper bound: holes are skipped), and faults that
 * reach filemap_fault (one page each). */
SEC("?tp_btf/mm_filemap_map_pages")
int BPF_PROG(cachetop_mapped_tp, struct address_space *mapping, unsigned long index, unsigned long last)
{
	if (last >= index)
		on_access(last - index + 1, false);
	return 0;
}
SEC("?tp_btf/mm_filemap_fault")
int BPF_PROG(cachetop_fault_tp, struct address_space *mapping, unsigned long index) { on_access(1, false); return 0; }

static __always_inline void on_enter(__u64 fd, __u32 write)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cachetop_call c = { .fd = (__u32)fd, .write = write };

	/* --cgroup: a call from outside the subtree is not followed. */
	if (!cgroup_wanted())
		return;
	bpf_map_update_elem(&cachetop_calls, &tid, &c, BPF_ANY);
}

/* The kernel's own file systems, whose regular files are made as they are read (/proc, /sys, cgroups, tracefs…): no
 * page cache behind them. A monitor reading /proc would otherwise count as page-cache hits. */
static __always_inline bool pseudo_fs(unsigned long magic)
{
	return magic == 0x9fa0 /* proc */ || magic == 0x62656572 /* sysfs */ || magic == 0x27e0eb /* cgroup */ ||
	       magic == 0x63677270 /* cgroup2 */ || magic == 0x74726163 /* tracefs */ || magic == 0x64626720 /* debugfs */ ||
	       magic == 0x73636673 /* securityfs */ || magic == 0xcafe4a11 /* bpf */ || magic == 0x62656570 /* configfs */;
}

/* The syscall's bytes moved, as page accesses, when its fd is a regular file read through the page cache. */
static __always_inline void on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), fd, write;
	struct cachetop_call *c = bpf_map_lookup_elem(&cachetop_calls, &tid);
	struct file *f;

	if (!c || c->fd == NO_FD)
		return;
	fd = c->fd;
	write = c->write;
	c->fd = NO_FD; /* kept for the thread's next call: cheaper than a delete and a new entry each time */
	if (ret <= 0)
		return;
	f = fd_file(fd);
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFREG || pseudo_fs(BPF_CORE_READ(f, f_inode, i_sb, s_magic)))
		return;
	if (BPF_CORE_READ(f, f_flags) & CACHETOP_O_DIRECT)
		return;
	on_access(((__u64)ret + (1ULL << page_shift) - 1) >> page_shift, write);
}

#define SYSCALL_PAIR(name, write)                                                         \
	SEC("?tracepoint/syscalls/sys_enter_" #name)                                      \
	int cachetop_in_##name(struct trace_event_raw_sys_enter *ctx)                     \
	{                                                                                 \
		on_enter(ctx->args[0], write);                                            \
		return 0;                                                                 \
	}                                                                                 \
	SEC("?tracepoint/syscalls/sys_exit_" #name)                                       \
	int cachetop_out_##name(struct trace_event_raw_sys_exit *ctx)                     \
	{                                                                                 \
		on_exit(ctx->ret);                                                        \
		return 0;                                                                 \
	}

SYSCALL_PAIR(read, 0)
SYSCALL_PAIR(pread64, 0)
SYSCALL_PAIR(readv, 0)
SYSCALL_PAIR(preadv, 0)
SYSCALL_PAIR(preadv2, 0)
SYSCALL_PAIR(write, 1)
SYSCALL_PAIR(pwrite64, 1)
SYSCALL_PAIR(writev, 1)
SYSCALL_PAIR(pwritev, 1)
SYSCALL_PAIR(pwritev2, 1)
