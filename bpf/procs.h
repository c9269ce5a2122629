/* procs: the records shared by procs.bpf.c and user space (declared in src/records/procs.ts). */
#ifndef SIXTY_PROCS_H
#define SIXTY_PROCS_H

#define PROCS_COMM_LEN 16
/* Waits by log2 of their length in µs (runq-wait.h's SCHED_SLOTS, which it must equal). */
#define PROCS_SLOTS 28
#define PROCS_MAX_THREADS 32768
#define PROCS_MAX_EXITS 8192

/* One per thread (key: its tid), cumulative from its first wake-up seen; user space sums a process's threads. */
struct procs_wait {
	__u64 enq_ns;   /* when it became runnable and was queued (0: not waiting) */
	__u64 wait_ns;  /* time runnable but waiting for a CPU */
	__u64 waits;    /* waits that ended on a CPU */
	__u32 tgid;     /* its process (0 until known: the classic tier learns it when the thread first leaves a CPU) */
	__u32 exited;   /* 1: the thread has exited and counts no more; user space takes the entry */
	__u32 hist[PROCS_SLOTS];
};

/* A process that ended (its last thread exited), kept until user space takes it. */
struct procs_exit_key {
	__u32 pid;
	__u32 pad;
	__u64 start_ns; /* its start (monotonic): a pid used again is another key */
};

struct procs_exit {
	__u64 end_ns;       /* monotonic, as bpf_ktime_get_ns */
	__u64 cpu_ns;       /* on-CPU time of all its threads (sum_exec_runtime), exact */
	__u64 utime_ns;     /* user and system time as the kernel accounts them (ticks, unless precise accounting): */
	__u64 stime_ns;     /* their ratio splits cpu_ns */
	__u64 maxrss_pages; /* peak resident set (the kernel's hiwater mark, as getrusage's ru_maxrss) */
	__u64 minflt;
	__u64 majflt;
	__u32 ppid;
	__u32 uid;          /* effective uid */
	__s32 exit_code;    /* as wait(2) gives it: status << 8, or the signal (| 0x80 with a core dump) */
	__u32 pad;
	char comm[PROCS_COMM_LEN];
};

/* Counters in the procs_stats per-CPU array. */
enum procs_stat {
	PROCS_STAT_MAP_FULL = 0, /* wake-ups not followed: no room for their thread's entry */
	PROCS_STAT_EXITS_LOST = 1, /* exits not recorded: no room in procs_exits */
	PROCS_STAT_NR = 2,
};

struct procs_stats_val {
	__u64 count;
};

#endif
