/* tcptop: the record shared by tcptop.bpf.c and user space (decoded in src/records/tcptop.ts). */
#ifndef SIXTY_TCPTOP_H
#define SIXTY_TCPTOP_H

#define TCPTOP_COMM_LEN 16
#define TCPTOP_MAX_CONNS 16384

/* One connection as one process sees it. The ports are part of the key, so a socket pointer that the kernel
 * reuses for a new connection before user space evicts the old entry gets an entry of its own. */
struct tcptop_key {
	__u64 sk;    /* struct sock pointer, an identity only: never dereferenced from user space */
	__u32 pid;   /* tgid */
	__u16 lport; /* host order */
	__u16 rport; /* host order */
};

/* Bytes are cumulative since the entry was created; user space takes deltas. Addresses and comm are
 * resolved once, when the entry is created. */
struct tcptop_val {
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u8 laddr[16]; /* IPv4 in the first 4 bytes, network order */
	__u8 raddr[16];
	__u16 family;   /* AF_INET or AF_INET6 */
	__u16 pad[3];
	char comm[TCPTOP_COMM_LEN];
};

/* Counters in the tcptop_stats per-CPU array. */
enum tcptop_stat {
	TCPTOP_STAT_MAP_FULL = 0, /* events dropped because tcptop_conns was full */
	TCPTOP_STAT_NR = 1,
};

struct tcptop_stats_val {
	__u64 count;
};

#endif
