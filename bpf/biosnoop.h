/* biosnoop: the records shared by biosnoop.bpf.c and user space (declared in src/records/biosnoop.ts). */
#ifndef SIXTY_BIOSNOOP_H
#define SIXTY_BIOSNOOP_H

#define BIOSNOOP_COMM_LEN 16
#define BIOSNOOP_DISK_LEN 32
#define BIOSNOOP_MAX_INFLIGHT 16384
#define BIOSNOOP_RING_BYTES (8 * 1024 * 1024)

enum biosnoop_op {
	BIOSNOOP_OP_READ = 0,
	BIOSNOOP_OP_WRITE = 1,
	BIOSNOOP_OP_DISCARD = 2,
	BIOSNOOP_OP_FLUSH = 3,
	BIOSNOOP_OP_OTHER = 4,
};

/* A request in flight, from its issue to the device. */
struct biosnoop_inflight {
	__u64 issue_ns;
	__u64 sector;
	__u64 cgid;
	__u32 bytes;
	__u32 pid;
	char comm[BIOSNOOP_COMM_LEN];
};

/* One request, sent at its completion. */
struct biosnoop_event {
	__u64 ts_ns;
	__u64 lat_ns;   /* issue → completion */
	__u64 sector;
	__u64 cgid;
	__u32 bytes;
	__u32 pid;      /* the task that issued it (the submitter for direct I/O; a flusher or kworker for writeback) */
	__u32 dev;      /* major << 20 | minor */
	__u32 op;       /* enum biosnoop_op */
	__s32 error;    /* blk_status_t, 0: ok */
	__u32 pad;
	char comm[BIOSNOOP_COMM_LEN];
	char disk[BIOSNOOP_DISK_LEN];
};

enum biosnoop_stat {
	BIOSNOOP_STAT_RING_FULL = 0, /* requests the ring buffer had no room for */
	BIOSNOOP_STAT_MAP_FULL = 1,  /* requests not followed: no room in the in-flight map */
	BIOSNOOP_STAT_UNSEEN = 2,    /* requests whose completion no program saw (their slot was issued again) */
	BIOSNOOP_STAT_NR = 3,
};

struct biosnoop_stats_val {
	__u64 count;
};

#endif
