/* biotop: the records shared by biotop.bpf.c and user space (declared in src/records/biotop.ts). */
#ifndef SIXTY_BIOTOP_H
#define SIXTY_BIOTOP_H

#define BIOTOP_COMM_LEN 16
#define BIOTOP_DISK_LEN 32
/* Latency histogram: slot i counts I/Os of 2^i .. 2^(i+1)-1 ns; slot 0 also takes 0 and 1 ns, the last everything
 * from 2^39 ns (about 9 minutes) up. */
#define BIOTOP_HIST_SLOTS 40
#define BIOTOP_MAX_INFLIGHT 16384
#define BIOTOP_MAX_ROWS 10240

/* The operation of a request, as sixty reports it: discards and flushes are their own, not reads. */
enum biotop_op {
	BIOTOP_OP_READ = 0,
	BIOTOP_OP_WRITE = 1,
	BIOTOP_OP_DISCARD = 2,
	BIOTOP_OP_FLUSH = 3,
	BIOTOP_OP_OTHER = 4,
};

/* A request in flight, keyed by its pointer. Who asked for it is taken when it starts (completions run in another
 * context), its size and the latency clock when it is issued to the device (its length is 0 by completion). */
struct biotop_inflight {
	__u64 issue_ns; /* 0 until issued */
	__u32 pid;      /* tgid of the submitter; 0 when no start event was seen (flushes have none) */
	__u32 bytes;
	__u32 dev;      /* the disk: major << 20 | minor, as the kernel encodes dev_t */
	__u32 op;       /* enum biotop_op */
	char comm[BIOTOP_COMM_LEN];
	char disk[BIOTOP_DISK_LEN];
	__u64 cgid;     /* the submitter's cgroup2 id, taken with its comm */
};

/* One row: a process's I/O of one kind to one disk. Cumulative since the entry was created; user space takes deltas. */
struct biotop_key {
	__u32 pid;
	__u32 dev;
	__u32 op;
	__u32 pad;
};

struct biotop_val {
	__u64 io;        /* completed requests: those whose completion a program saw, and those it did not (unseen) */
	__u64 bytes;     /* their sizes, taken at issue */
	__u64 lat_io;    /* the requests whose completion was seen: the ones lat_ns and hist cover */
	__u64 lat_ns;    /* issue → completion, summed */
	__u64 await_ns;  /* the request's start (rq->start_time_ns, as /proc/diskstats and iostat count) → completion */
	__u64 await_io;  /* the requests await_ns covers (those with a start time) */
	__u64 created_ns;
	__u64 hist[BIOTOP_HIST_SLOTS];
	char comm[BIOTOP_COMM_LEN];
	char disk[BIOTOP_DISK_LEN];
	__u64 cgid; /* the cgroup2 id of the request that made the row, taken with comm */
};

/* Counters in the biotop_stats per-CPU array. */
enum biotop_stat {
	BIOTOP_STAT_MAP_FULL = 0,  /* completions not counted: no room for their row */
	BIOTOP_STAT_UNSEEN = 1,    /* requests that completed with no program seeing it (the kernel ran none: see
				    * biotop.bpf.c), counted, without latency, when their request started again */
	BIOTOP_STAT_UNMATCHED = 2, /* completions with no issue seen (attached mid-flight, or the issue was missed) */
	BIOTOP_STAT_NR = 3,
};

struct biotop_stats_val {
	__u64 count;
};

#endif
