/* filetop: the records shared by filetop.bpf.c and user space (declared in src/records/filetop.ts). */
#ifndef SIXTY_FILETOP_H
#define SIXTY_FILETOP_H

#define FILETOP_COMM_LEN 16
/* A path longer than this keeps its last FILETOP_PATH_LEN - 1 bytes' worth of whole components and is marked
 * truncated; deeper than FILETOP_MAX_DEPTH components, the top ones are left out (also marked). */
#define FILETOP_PATH_LEN 512
#define FILETOP_MAX_DEPTH 32
#define FILETOP_MAX_FILES 16384
#define FILETOP_MAX_NAMES 8192

enum filetop_op {
	FILETOP_OP_READ = 0,
	FILETOP_OP_WRITE = 1,
};

/* enum filetop_type: what the file is, from its inode's mode. */
enum filetop_type {
	FILETOP_TYPE_REGULAR = 0, /* R */
	FILETOP_TYPE_SOCKET = 1,  /* S */
	FILETOP_TYPE_OTHER = 2,   /* O: pipes, character devices, anonymous inodes, directories */
};

/* One row: a process's reads and writes of one file. */
struct filetop_key {
	__u32 pid; /* tgid */
	__u32 dev; /* the file's super block: major << 20 | minor */
	__u64 ino;
};

/* Cumulative since the entry was created; user space takes deltas. Only read(2)/write(2)-family calls that
 * succeeded count, with the bytes they returned. */
struct filetop_val {
	__u64 reads;
	__u64 writes;
	__u64 read_bytes;
	__u64 write_bytes;
	__u64 created_ns;
	__u32 type; /* enum filetop_type */
	__u32 pad;
	char comm[FILETOP_COMM_LEN];
	__u64 cgid; /* the process's cgroup2 id, taken with comm */
};

/* A file's name, stored once per file (not in every row), when a row for it is created and no name is waiting:
 * user space takes it (lookup-and-delete) the first time it sees the file, and keeps it. */
struct filetop_file {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

enum filetop_name_flags {
	FILETOP_NAME_PSEUDO = 1,    /* a pseudo file (pipe, socket, anonymous inode): `path` is its dentry's own name */
	FILETOP_NAME_TRUNCATED = 2, /* the path was longer or deeper than the buffer: components at the top are missing */
};

struct filetop_name {
	__u64 magic; /* the file system's magic number (pipefs, sockfs, anon_inodefs...) */
	__u32 flags; /* enum filetop_name_flags */
	__u32 len;   /* bytes of path, without the NUL */
	char path[FILETOP_PATH_LEN];
};

/* Counters in the filetop_stats per-CPU array. */
enum filetop_stat {
	FILETOP_STAT_MAP_FULL = 0,   /* calls not counted: no row could be created */
	FILETOP_STAT_CREATED = 1,    /* rows created (with those user space deleted and those left: the LRU's evictions) */
	FILETOP_STAT_NAMES_FULL = 2, /* names not stored: the name map was full */
	FILETOP_STAT_NO_FILE = 3,    /* calls whose file could not be found (the fd was closed before the call returned) */
	FILETOP_STAT_NR = 4,
};

struct filetop_stats_val {
	__u64 count;
};

#endif
