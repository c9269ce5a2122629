/* tcptop: the record shared by tcptop.bpf.c and user space (decoded in src/records/tcptop.ts). */
#ifndef SIXTY_TCPTOP_H
#define SIXTY_TCPTOP_H

#define TCPTOP_COMM_LEN 16
/* The object's default capacity; user space sizes the map at load from the sockets in use (65536 to 262144). */
#define TCPTOP_MAX_CONNS 16384
/* A connection that has moved this many bytes moves to tcptop_big, a plain hash that nothing evicts: under any churn
 * of small connections, the big talkers stay. */
#define TCPTOP_BIG_BYTES (1 << 20)
#define TCPTOP_MAX_BIG 4096

/* One connection as one process sees it. The ports are part of the key, so a socket pointer that the kernel
 * reuses for a new connection before user space evicts the old entry gets an entry of its own. */
struct tcptop_key {
	__u64 sk;    /* struct sock pointer, an identity only: never dereferenced from user space */
	__u32 pid;   /* tgid */
	__u16 lport; /* host order */
	__u16 rport; /* host order */
};

/* Bytes are cumulative since the entry was created; user space takes deltas. Addresses and comm are
 * resolved once, when the entry is created. The map is an LRU: when it is full, creating an entry evicts the least
 * recently used one, so a new talker is always counted; created_ns tells user space that a key it knows was evicted
 * and created again (the bytes of the old entry since the last read are lost, and counted as such). */
struct tcptop_val {
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u64 created_ns; /* bpf_ktime_get_ns() when the entry was created */
	__u8 laddr[16]; /* IPv4 in the first 4 bytes, network order */
	__u8 raddr[16];
	__u16 family;   /* AF_INET or AF_INET6 */
	__u16 pad[3];
	char comm[TCPTOP_COMM_LEN];
	__u64 cgid; /* the process's cgroup2 id, taken with comm */
};

/* Per socket, in the socket's own storage (tiers with a BTF-typed socket: fentry, tp_btf): the cumulative counts of
 * the process that uses it, which outlive the socket's map entry. An entry the LRU evicted comes back with these
 * counts and the same created_ns, so user space sees one entry that never left, and no byte is lost. */
struct tcptop_sock {
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u64 created_ns;
	__u32 pid; /* the process these counts belong to; a socket shared by another process counts per entry */
	__u32 pad;
};

/* Counters in the tcptop_stats per-CPU array. */
enum tcptop_stat {
	TCPTOP_STAT_MAP_FULL = 0, /* events dropped because no entry could be created in tcptop_conns */
	TCPTOP_STAT_CREATED = 1,  /* entries created: with the entries user space deleted and the entries left, this
				   * tells how many the LRU evicted, seen or not */
	TCPTOP_STAT_CARRIED = 2,  /* entries created again with their counts carried from the socket's storage */
	TCPTOP_STAT_PROMOTED = 3, /* entries moved from tcptop_conns to tcptop_big */
	TCPTOP_STAT_NR = 4,
};

struct tcptop_stats_val {
	__u64 count;
};

#endif
