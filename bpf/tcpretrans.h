/* tcpretrans: the records shared by tcpretrans.bpf.c and user space (declared in src/records/tcpretrans.ts). */
#ifndef SIXTY_TCPRETRANS_H
#define SIXTY_TCPRETRANS_H

#define TCPRETRANS_RING_BYTES (1024 * 1024)
#define TCPRETRANS_MAX_DROPS 16384
/* A drop's reason where the kernel gives none (before 5.17): 0 is a reason of its own there (NOT_SPECIFIED). */
#define TCPRETRANS_NO_REASON 0xffffffffU

/* What sent the retransmit, from the socket's pending timer at the hook. */
enum tcpretrans_kind {
	TCPRETRANS_KIND_TIMEOUT = 1, /* the retransmission timer (RTO) fired: the timer is no longer pending */
	TCPRETRANS_KIND_PROBE = 2,   /* a tail loss probe (TLP): the loss-probe timer is the one running */
	TCPRETRANS_KIND_FAST = 3,    /* recovery driven by ACKs (duplicate ACKs, SACK, RACK), with the RTO armed */
};

/* One retransmitted segment (skb), sent at the hook. */
struct tcpretrans_event {
	__u64 ts_ns;
	__u64 cgid;          /* the socket's cgroup2 id (its creator's), 0: none */
	__u32 state;         /* the socket's TCP state */
	__s32 err;           /* the transmit's result where the kernel gives it (6.13 and later): 0 sent */
	__u32 kind;          /* enum tcpretrans_kind */
	__u32 total_retrans; /* the socket's retransmits so far (tcp_sock.total_retrans) */
	__u32 srtt_us;       /* its smoothed round-trip time */
	__u16 family;        /* AF_INET or AF_INET6 */
	__u16 lport;         /* host order */
	__u16 rport;         /* host order */
	__u16 pad;
	__u8 laddr[16];      /* IPv4 in the first 4 bytes, network order */
	__u8 raddr[16];
};

/* A packet freed as dropped (skb:kfree_skb), counted per reason, place and packet. */
struct tcpretrans_drop_key {
	__u64 location;      /* the kernel address that dropped it */
	__u64 cgid;          /* the cgroup2 id of the socket it belonged to, 0: none */
	__u32 reason;        /* enum skb_drop_reason (5.17 and later); TCPRETRANS_NO_REASON: the kernel gives none */
	__u16 ethertype;     /* skb->protocol, host order */
	__u8 l4proto;        /* the IP protocol (6 TCP, 17 UDP, 1 ICMP…), 0: not IP */
	__u8 family;         /* 4, 6, or 0: not IP */
	__u16 sport;         /* host order; 0 where the packet has no ports */
	__u16 dport;
	__u32 pad;
	__u8 saddr[16];      /* as in the packet: IPv4 in the first 4 bytes */
	__u8 daddr[16];
};

struct tcpretrans_drop_val {
	__u64 count;
};

enum tcpretrans_stat {
	TCPRETRANS_STAT_RING_FULL = 0, /* retransmits the ring buffer had no room for */
	TCPRETRANS_STAT_MAP_FULL = 1,  /* drops counted without their packet: no room for another key */
	TCPRETRANS_STAT_LOST = 2,      /* drops not counted at all: no room even for the reason's own key */
	TCPRETRANS_STAT_NR = 3,
};

struct tcpretrans_stats_val {
	__u64 count;
};

#endif
