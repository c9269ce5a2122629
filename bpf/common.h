/* SPDX-License-Identifier: GPL-2.0 */
/* What sixty's BPF programs share: constants the UAPI headers would give (vmlinux.h has no macros), a counter bump for
 * the panels' per-CPU stats arrays, and a task's open file by descriptor. Included after vmlinux.h and libbpf's headers. */
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

#endif
