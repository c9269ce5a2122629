/* opensnoop: the records shared by opensnoop.bpf.c and user space (declared in src/records/opensnoop.ts). */
#ifndef SIXTY_OPENSNOOP_H
#define SIXTY_OPENSNOOP_H

#define OPENSNOOP_COMM_LEN 16
#define OPENSNOOP_PATH_LEN 512
#define OPENSNOOP_MAX_PENDING 10240
#define OPENSNOOP_RING_BYTES (8 * 1024 * 1024)

enum opensnoop_call {
	OPENSNOOP_CALL_OPEN = 0,
	OPENSNOOP_CALL_OPENAT = 1,
	OPENSNOOP_CALL_OPENAT2 = 2,
	OPENSNOOP_CALL_CREAT = 3,
};

/* One open, sent when it returns: as far as path_len reaches into path. */
struct opensnoop_event {
	__u64 ts_ns;      /* monotonic, at the return */
	__u64 cgid;       /* the task's cgroup2 id */
	__u64 call_ns;    /* the system call's time */
	__u64 flags;      /* open(2) flags */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 ret;        /* the fd, or -errno */
	__s32 dfd;        /* the directory fd a relative path is taken from (AT_FDCWD: -100) */
	__u32 call;       /* enum opensnoop_call */
	__u32 mode;
	__u32 path_len;   /* bytes of path used, its NUL included */
	char comm[OPENSNOOP_COMM_LEN];
	char path[OPENSNOOP_PATH_LEN];
};

enum opensnoop_stat {
	OPENSNOOP_STAT_RING_FULL = 0, /* events the ring buffer had no room for */
	OPENSNOOP_STAT_MAP_FULL = 1,  /* opens not followed: no room in the pending map */
	OPENSNOOP_STAT_NR = 2,
};

struct opensnoop_stats_val {
	__u64 count;
};

#endif
