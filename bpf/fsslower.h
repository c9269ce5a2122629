/* fsslower: the records shared by fsslower.bpf.c and user space (declared in src/records/fsslower.ts). */
#ifndef SIXTY_FSSLOWER_H
#define SIXTY_FSSLOWER_H

#define FSSLOWER_RING_BYTES (4 * 1024 * 1024)
#define FSSLOWER_MAX_CALLS 16384
#define FSSLOWER_NAME_LEN 64
#define FSSLOWER_DIR_LEN 32
/* Latency histogram: slot i counts operations of 2^i .. 2^(i+1)-1 ns; slot 0 also takes 0 and 1 ns, the last
 * everything longer (as biotop's). */
#define FSSLOWER_HIST_SLOTS 40

/* The file systems it times (by their superblock's magic); operations on any other are left alone. */
enum fsslower_fs {
	FSSLOWER_FS_EXT4 = 1,  /* EXT4_SUPER_MAGIC: ext2 and ext3 mounted by the ext4 driver too */
	FSSLOWER_FS_XFS = 2,
	FSSLOWER_FS_BTRFS = 3,
	FSSLOWER_FS_NR = 4,
};

enum fsslower_op {
	FSSLOWER_OP_READ = 0,
	FSSLOWER_OP_WRITE = 1,
	FSSLOWER_OP_OPEN = 2,
	FSSLOWER_OP_FSYNC = 3,
	FSSLOWER_OP_NR = 4,
};

/* A call in progress, per thread: from its entry to its return. */
struct fsslower_call {
	__u64 ts_ns;
	__u64 file;   /* struct file * (read, write, fsync); 0 for an open (its file is the fd it returns) */
	__u64 pos;    /* the offset it starts at (read, write) */
	__u32 op;
	__u32 fs;
};

/* One operation slower than the threshold. */
struct fsslower_event {
	__u64 ts_ns;       /* when it returned */
	__u64 lat_ns;
	__u64 offset;      /* read, write: where it started */
	__u64 ino;
	__u64 cgid;
	__s64 ret;         /* bytes read or written, the fd opened, 0 (fsync), or -errno */
	__u32 pid;
	__u32 tid;
	__u32 op;          /* enum fsslower_op */
	__u32 fs;          /* enum fsslower_fs */
	__u32 dev;         /* the file system's device (the kernel's dev_t: major << 20 | minor) */
	__u32 pad;
	char comm[16];
	char name[FSSLOWER_NAME_LEN]; /* the file's name */
	char dir[FSSLOWER_DIR_LEN];   /* its directory's */
};

/* Per (fs, op, slot): operations and their summed latency, in a per-CPU array indexed
 * ((fs - 1) * FSSLOWER_OP_NR + op) * FSSLOWER_HIST_SLOTS + slot. */
struct fsslower_slot {
	__u64 count;
	__u64 sum_ns;
};

/* What user space sets while the programs run: the threshold (a key changes it). */
struct fsslower_config {
	__u64 min_ns;
};

enum fsslower_stat {
	FSSLOWER_STAT_RING_FULL = 0, /* slow operations the ring buffer had no room for */
	FSSLOWER_STAT_MAP_FULL = 1,  /* calls not timed: no room to keep their start */
	FSSLOWER_STAT_NR = 2,
};

struct fsslower_stats_val {
	__u64 count;
};

#endif
