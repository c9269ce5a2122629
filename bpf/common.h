/* SPDX-License-Identifier: GPL-2.0 */
/* What sixty's BPF programs share: constants the UAPI headers would give (vmlinux.h has no macros), a counter bump for
 * the panels' per-CPU stats arrays, a task's open file by descriptor, the cgroup filter (--cgroup) and the process left
 * out (--serve's own). Included after vmlinux.h and libbpf's headers. */
#ifndef SIXTY_COMMON_H
#define SIXTY_COMMON_H

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define EEXIST 17

/* One more in slot `idx` of a per-CPU stats array whose values start with a __u64 count (every panel's *_stats). */
static __always_inline void count_stat(void *stats, __u32 idx)
{
	__u64 *count = bpf_map_lookup_elem(stats, &idx);

	if (count)
		(*count)++;
}

/* The current task's open file for descriptor `fd` (current->files->fdt->fd[fd]), or NULL. */
static __always_inline struct file *fd_file(__u32 fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/*
 * --cgroup: only tasks in this cgroup2 cgroup or below it are counted. Its id (cgroup_id(), the inode number of its
 * directory) and its depth (the root is level 0), set by user space between open and load; 0: every task. With no
 * filter the verifier sees a constant 0 and drops the check: it costs nothing then.
 */
const volatile __u64 cgroup_filter_id = 0;
const volatile __u32 cgroup_filter_level = 0;

/* Deeper than this, a cgroup is taken as outside the filter (systemd's trees are a handful of levels). */
#define SIXTY_CGROUP_MAX_DEPTH 32

/*
 * The filter's verdict per cgroup2 id, so that a task's walk is done once per cgroup, not once per event: a cgroup's
 * ancestors never change, and an id is never used again. Only programs that call cgroup_wanted() touch it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} cgroup_verdicts SEC(".maps");

/*
 * The current task's cgroup2 cgroup is the filter's or below it: walked up to the filter's level (cgroup->level, then
 * self.parent, whose css is its cgroup's first member). A walk rather than bpf_get_current_ancestor_cgroup_id, which
 * tracing programs may call only from 5.14.
 */
static __always_inline bool cgroup_walk(void)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	int level;

	if (!cg)
		return false;
	level = BPF_CORE_READ(cg, level);
	if (level < (int)cgroup_filter_level || level - (int)cgroup_filter_level > SIXTY_CGROUP_MAX_DEPTH)
		return false;
	for (int i = 0; i < SIXTY_CGROUP_MAX_DEPTH; i++) {
		if (level <= (int)cgroup_filter_level)
			break;
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
		if (!cg)
			return false;
		level--;
	}
	return BPF_CORE_READ(cg, kn, id) == cgroup_filter_id;
}

/* The current task is in the filter's subtree (always, without a filter): its cgroup's verdict, walked once. */
static __always_inline bool cgroup_wanted(void)
{
	__u64 id;
	__u8 *seen, verdict;

	if (!cgroup_filter_id)
		return true;
	id = bpf_get_current_cgroup_id();
	if (id == cgroup_filter_id)
		return true;
	seen = bpf_map_lookup_elem(&cgroup_verdicts, &id);
	if (seen)
		return *seen;
	verdict = cgroup_walk();
	bpf_map_update_elem(&cgroup_verdicts, &id, &verdict, BPF_ANY);
	return verdict;
}

/*
 * The always-on sixty (--serve) leaves its own process out, in the kernel, where its own work would be most of what a
 * program sees: its scan of /proc each interval is hundreds of opens and reads (opensnoop, filetop), which it would
 * otherwise carry through a ring buffer or a map, decode and fold, only to leave them out of what it records. Its
 * process id (tgid), set between open and load; 0: no process is left out, and the verifier drops the check.
 */
const volatile __u32 omit_tgid = 0;

/* The current task is counted: not the process left out, and in --cgroup's subtree. */
static __always_inline bool task_wanted(void)
{
	if (omit_tgid && (bpf_get_current_pid_tgid() >> 32) == omit_tgid)
		return false;
	return cgroup_wanted();
}

#endif
