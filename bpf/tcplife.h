/* tcplife: the records shared by tcplife.bpf.c and user space (declared in src/records/tcplife.ts). */
#ifndef SIXTY_TCPLIFE_H
#define SIXTY_TCPLIFE_H

#define TCPLIFE_COMM_LEN 16
#define TCPLIFE_MAX_SOCKS 65536
#define TCPLIFE_RING_BYTES (4 * 1024 * 1024)

enum tcplife_kind {
	TCPLIFE_KIND_ACTIVE = 1,  /* this end connected (tcpconnect) */
	TCPLIFE_KIND_PASSIVE = 2, /* this end accepted (tcpaccept) */
	TCPLIFE_KIND_UNKNOWN = 0, /* born before the panel attached */
};

/* One socket from its first state change seen to its close. */
struct tcplife_sock {
	__u64 born_ns;      /* its first state change seen (SYN_SENT, SYN_RECV, or any, for one born before) */
	__u64 syn_ns;       /* SYN_SENT: when the connect began (0: not an active open seen) */
	__u64 connect_ns;   /* SYN_SENT → ESTABLISHED: the connect's latency */
	__u64 cgid;
	__u32 pid;          /* the last process that changed its state in process context (0: none yet) */
	__u32 kind;         /* enum tcplife_kind */
	__u32 fin_sent;     /* it went through FIN_WAIT1 or LAST_ACK: this end sent a FIN */
	__u32 pad;
	char comm[TCPLIFE_COMM_LEN];
};

/* A session that ended: sent at its TCP_CLOSE. */
struct tcplife_event {
	__u64 ts_ns;
	__u64 life_ns;
	__u64 connect_ns;
	__u64 rx_bytes;     /* data received: tcp_sock.bytes_received, less the peer's FIN */
	__u64 tx_bytes;     /* data sent and acknowledged: tcp_sock.bytes_acked, less our SYN and FIN */
	__u64 cgid;
	__u32 pid;
	__u32 kind;
	__u16 family;       /* AF_INET or AF_INET6 */
	__u16 lport;        /* host order */
	__u16 rport;        /* host order */
	__u16 oldstate;     /* the state it closed from */
	__u8 laddr[16];     /* IPv4 in the first 4 bytes, network order */
	__u8 raddr[16];
	char comm[TCPLIFE_COMM_LEN];
};

enum tcplife_stat {
	TCPLIFE_STAT_RING_FULL = 0, /* sessions the ring buffer had no room for */
	TCPLIFE_STAT_MAP_FULL = 1,  /* sockets not followed: no room in the map */
	TCPLIFE_STAT_NR = 2,
};

struct tcplife_stats_val {
	__u64 count;
};

#endif
