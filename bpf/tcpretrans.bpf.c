// SPDX-License-Identifier: GPL-2.0
/* tcpretrans: every TCP segment retransmitted, with its connection, its state, and what sent it (the RTO timer, a tail
 * loss probe, or recovery driven by ACKs); and every packet the kernel drops, counted per drop reason (skb:kfree_skb,
 * 5.17 and later; before, per the place that dropped it), per packet (addresses, ports, protocol). Retransmits cross
 * through a ring buffer without a wake-up (one the ring has no room for is counted); drops are counted in a hash here,
 * read by user space each interval (a drop with no room for its packet's key is counted under its reason alone).
 * Tiers: tp_btf (BTF-typed), then the classic tracepoints (their record for what they carry; the socket and the packet
 * read by their addresses). Both read the same fields the same way: only the entry differs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "tcpretrans.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_SCTP 132
#define IPPROTO_UDPLITE 136
/* include/net/inet_connection_sock.h */
#define ICSK_TIME_LOSS_PROBE 5

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TCPRETRANS_RING_BYTES);
} tcpretrans_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPRETRANS_MAX_DROPS);
	__type(key, struct tcpretrans_drop_key);
	__type(value, struct tcpretrans_drop_val);
} tcpretrans_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPRETRANS_STAT_NR);
	__type(key, __u32);
	__type(value, struct tcpretrans_stats_val);
} tcpretrans_stats SEC(".maps");

/* The event's type kept in the object's BTF (it is only ever reserved in the ring, which keeps no type). */
const volatile struct tcpretrans_event *tcpretrans_event_type __attribute__((unused));

/* Before 5.15, sock_cgroup_data was a union whose u64 is the cgroup pointer unless its low bit says it holds a
 * net_cls classid and net_prio index instead. */
struct sock_cgroup_data___old {
	union {
		__u64 val;
	};
} __attribute__((preserve_access_index));

struct sock___old {
	struct sock_cgroup_data___old sk_cgrp_data;
} __attribute__((preserve_access_index));

/* The cgroup2 id of a socket: the cgroup of the task that created it. */
static __always_inline __u64 sock_cgid(struct sock *sk)
{
	struct cgroup *cg;

	if (!sk)
		return 0;
	if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup)) {
		cg = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	} else {
		__u64 v = BPF_CORE_READ((struct sock___old *)sk, sk_cgrp_data.val);

		if (v & 1)
			return 0;
		cg = (struct cgroup *)v;
	}
	return cg ? BPF_CORE_READ(cg, kn, id) : 0;
}

static __always_inline void on_retransmit(struct sock *sk, int err)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct inet_sock *inet = (struct inet_sock *)sk;
	struct tcpretrans_event *e;
	__u16 family;
	__u8 pending;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	e = bpf_ringbuf_reserve(&tcpretrans_events, sizeof(*e), 0);
	if (!e) {
		count_stat(&tcpretrans_stats, TCPRETRANS_STAT_RING_FULL);
		return;
	}
	/* tcp_write_timer_handler clears the pending timer before the RTO's retransmit, and leaves it set for the loss
	 * probe's; a retransmit in recovery (from an ACK) finds the RTO armed. */
	pending = BPF_CORE_READ(icsk, icsk_pending);
	e->ts_ns = bpf_ktime_get_ns();
	e->cgid = sock_cgid(sk);
	e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	e->err = err;
	e->kind = pending == 0 ? TCPRETRANS_KIND_TIMEOUT : pending == ICSK_TIME_LOSS_PROBE ? TCPRETRANS_KIND_PROBE : TCPRETRANS_KIND_FAST;
	e->total_retrans = BPF_CORE_READ(tp, total_retrans);
	e->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	e->family = family;
	e->lport = __builtin_bswap16(BPF_CORE_READ(inet, inet_sport));
	e->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->pad = 0;
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	if (family == AF_INET) {
		bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* Ports where the protocol has them at the start of its header. */
static __always_inline bool has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

static __always_inline void on_drop(struct sk_buff *skb, void *location, __u32 reason, struct sock *rx_sk)
{
	struct tcpretrans_drop_key k = {};
	struct tcpretrans_drop_val one = {1}, *v;
	unsigned char *head;
	__u16 nh;
	__u8 hdr[40];
	__u8 ports[4];

	if (!skb)
		return;
	head = BPF_CORE_READ(skb, head);
	nh = BPF_CORE_READ(skb, network_header);
	k.location = (__u64)location;
	k.reason = reason;
	k.ethertype = __builtin_bswap16(BPF_CORE_READ(skb, protocol));
	k.cgid = sock_cgid(rx_sk ? rx_sk : BPF_CORE_READ(skb, sk));
	/* The packet's addresses and ports, where it has an IP header (network_header is ~0 before one is set). */
	if (nh != (__u16)~0U && k.ethertype == ETH_P_IP && !bpf_probe_read_kernel(hdr, 20, head + nh) && (hdr[0] >> 4) == 4) {
		k.family = 4;
		k.l4proto = hdr[9];
		__builtin_memcpy(k.saddr, hdr + 12, 4);
		__builtin_memcpy(k.daddr, hdr + 16, 4);
		/* the first fragment only has the ports */
		if (has_ports(k.l4proto) && !(((hdr[6] & 0x1f) << 8) | hdr[7]) &&
		    !bpf_probe_read_kernel(ports, 4, head + nh + (hdr[0] & 0xf) * 4)) {
			k.sport = (ports[0] << 8) | ports[1];
			k.dport = (ports[2] << 8) | ports[3];
		}
	} else if (nh != (__u16)~0U && k.ethertype == ETH_P_IPV6 && !bpf_probe_read_kernel(hdr, 40, head + nh) && (hdr[0] >> 4) == 6) {
		k.family = 6;
		k.l4proto = hdr[6]; /* the next header: the protocol where no extension header comes first */
		__builtin_memcpy(k.saddr, hdr + 8, 16);
		__builtin_memcpy(k.daddr, hdr + 24, 16);
		if (has_ports(k.l4proto) && !bpf_probe_read_kernel(ports, 4, head + nh + 40)) {
			k.sport = (ports[0] << 8) | ports[1];
			k.dport = (ports[2] << 8) | ports[3];
		}
	}
	v = bpf_map_lookup_elem(&tcpretrans_drops, &k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	if (!bpf_map_update_elem(&tcpretrans_drops, &k, &one, BPF_NOEXIST))
		return;
	/* Another CPU made it meanwhile, or the map is full: once more, then the reason's own key (no packet). */
	v = bpf_map_lookup_elem(&tcpretrans_drops, &k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		return;
	}
	count_stat(&tcpretrans_stats, TCPRETRANS_STAT_MAP_FULL);
	k.cgid = 0;
	k.l4proto = 0;
	k.family = 0;
	k.sport = 0;
	k.dport = 0;
	__builtin_memset(k.saddr, 0, sizeof(k.saddr));
	__builtin_memset(k.daddr, 0, sizeof(k.daddr));
	v = bpf_map_lookup_elem(&tcpretrans_drops, &k);
	if (v)
		__sync_fetch_and_add(&v->count, 1);
	else if (bpf_map_update_elem(&tcpretrans_drops, &k, &one, BPF_NOEXIST))
		count_stat(&tcpretrans_stats, TCPRETRANS_STAT_LOST);
}

/* The tracepoints' arguments grew over the years: tcp_retransmit_skb got its err (6.13: it fires on failed transmits
 * too), kfree_skb its reason (5.17) and its receiving socket (6.11). Their records grew with them, so a record's field
 * says whether the argument is there; on a kernel without it, the branch is dead and the verifier never sees it. */
SEC("?tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcpretrans_btf, struct sock *sk, struct sk_buff *skb)
{
	int err = 0;

	if (bpf_core_field_exists(struct trace_event_raw_tcp_retransmit_skb, err))
		err = (int)ctx[2];
	on_retransmit(sk, err);
	return 0;
}

SEC("?tp_btf/kfree_skb")
int BPF_PROG(tcpretrans_drop_btf, struct sk_buff *skb, void *location)
{
	__u32 reason = TCPRETRANS_NO_REASON;
	struct sock *rx_sk = NULL;

	if (bpf_core_field_exists(struct trace_event_raw_kfree_skb, reason))
		reason = (__u32)ctx[2];
	if (bpf_core_field_exists(struct trace_event_raw_kfree_skb, rx_sk))
		rx_sk = (struct sock *)ctx[3];
	on_drop(skb, location, reason, rx_sk);
	return 0;
}

/* The classic records: tcp_retransmit_skb's is its own on 6.13 and later (with err), tcp_event_sk_skb's before; both
 * start with the common header (8 bytes), skbaddr and skaddr, whatever the class is named (no relocation here). */
struct tcpretrans_tp_head {
	__u64 ent;
	const void *skbaddr;
	const void *skaddr;
};

SEC("?tracepoint/tcp/tcp_retransmit_skb")
int tcpretrans_tp(void *ctx)
{
	struct tcpretrans_tp_head *r = ctx;
	int err = 0;

	if (bpf_core_field_exists(struct trace_event_raw_tcp_retransmit_skb, err))
		err = ((struct trace_event_raw_tcp_retransmit_skb *)ctx)->err;
	on_retransmit((struct sock *)r->skaddr, err);
	return 0;
}

SEC("?tracepoint/skb/kfree_skb")
int tcpretrans_drop_tp(struct trace_event_raw_kfree_skb *ctx)
{
	__u32 reason = TCPRETRANS_NO_REASON;
	struct sock *rx_sk = NULL;

	if (bpf_core_field_exists(ctx->reason))
		reason = BPF_CORE_READ(ctx, reason);
	if (bpf_core_field_exists(ctx->rx_sk))
		rx_sk = BPF_CORE_READ(ctx, rx_sk);
	on_drop((struct sk_buff *)BPF_CORE_READ(ctx, skbaddr), BPF_CORE_READ(ctx, location), reason, rx_sk);
	return 0;
}
