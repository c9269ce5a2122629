/* execsnoop: the records shared by execsnoop.bpf.c and user space (declared in src/records/execsnoop.ts). */
#ifndef SIXTY_EXECSNOOP_H
#define SIXTY_EXECSNOOP_H

#define EXECSNOOP_COMM_LEN 16
#define EXECSNOOP_FILE_LEN 256
/* argv: at most this many arguments, each cut at ARG_LEN bytes, together at most ARGS_LEN bytes (NUL-separated) */
#define EXECSNOOP_MAX_ARGS 32
#define EXECSNOOP_ARG_LEN 256
#define EXECSNOOP_ARGS_LEN 1024
/* exec system calls in flight (between enter and exit), and processes followed from their exec to their exit */
#define EXECSNOOP_MAX_PENDING 10240
#define EXECSNOOP_MAX_LIVE 65536
#define EXECSNOOP_RING_BYTES (4 * 1024 * 1024)

enum execsnoop_kind {
	EXECSNOOP_KIND_EXEC = 0,
	EXECSNOOP_KIND_EXIT = 1,
};

enum execsnoop_flags {
	EXECSNOOP_FLAG_TRUNCATED = 1, /* argv had more than was kept */
	EXECSNOOP_FLAG_NO_RESULT = 2, /* an exec seen at its success only (tier tp_btf: failures are not seen) */
	EXECSNOOP_FLAG_UNREAD = 4,    /* a failed exec whose file name or argv could not be read from the caller's memory
				       * (pages not mapped in yet, as a forked child's copy of a program's constants) */
};

/* What both records start with: an exit record is this alone. */
#define EXECSNOOP_HEAD                                                                                   \
	__u64 ts_ns;       /* monotonic, as bpf_ktime_get_ns */                                          \
	__u64 cgid;        /* the task's cgroup2 id */                                                   \
	__u64 duration_ns; /* exit: since its exec; exec: the system call's time */                      \
	__u32 kind;        /* enum execsnoop_kind */                                                     \
	__u32 pid;                                                                                       \
	__u32 ppid;                                                                                      \
	__u32 uid;                                                                                       \
	__s32 retval;      /* exec: 0 or -errno; exit: the status as wait(2) gives it */                 \
	__u32 flags;       /* enum execsnoop_flags */                                                    \
	char comm[EXECSNOOP_COMM_LEN];                                                                   \
	char pcomm[EXECSNOOP_COMM_LEN];

struct execsnoop_exit {
	EXECSNOOP_HEAD
};

/* An exec: sent as far as args_len reaches into args. */
struct execsnoop_event {
	EXECSNOOP_HEAD
	__u32 argc;     /* arguments kept */
	__u32 args_len; /* bytes of args used */
	__u64 filename_ptr; /* the call's pointers (user memory): a failed call's strings are read from them at its */
	__u64 argv_ptr;     /* return; a successful one's come from the kernel's copies */
	char filename[EXECSNOOP_FILE_LEN];
	char args[EXECSNOOP_ARGS_LEN + EXECSNOOP_ARG_LEN];
};

/* Counters in the execsnoop_stats per-CPU array. */
enum execsnoop_stat {
	EXECSNOOP_STAT_RING_FULL = 0, /* events the ring buffer had no room for */
	EXECSNOOP_STAT_MAP_FULL = 1,  /* execs not followed: no room in the pending or live map */
	EXECSNOOP_STAT_NR = 2,
};

struct execsnoop_stats_val {
	__u64 count;
};

#endif
