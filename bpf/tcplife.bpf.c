// SPDX-License-Identifier: GPL-2.0
/* tcplife: every TCP session, from its first state change to its close: who (the last process that changed its state
 * in process context: the connecting one, or the one that accepted and closed it), its addresses and ports, the bytes
 * each way (tcp_sock's bytes_received and bytes_acked at the close), its lifetime, whether this end opened it
 * (active: tcpconnect) or accepted it (passive: tcpaccept), and the connect's latency (SYN_SENT → ESTABLISHED). One
 * event per session, sent at TCP_CLOSE through a ring buffer without a wake-up; one the ring has no room for is
 * counted. All from sock:inet_sock_set_state (4.16 and later), which fires in whichever context changes the state.
 * Tiers: tp_btf (BTF-typed), then the classic tracepoint (its fields, and the socket by its address). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.h"
#include "tcplife.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
/* include/net/tcp_states.h */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_CLOSE 7
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TCPLIFE_RING_BYTES);
} tcplife_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPLIFE_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct tcplife_sock);
} tcplife_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPLIFE_STAT_NR);
	__type(key, __u32);
	__type(value, struct tcplife_stats_val);
} tcplife_stats SEC(".maps");

/* The event's type kept in the object's BTF (it is only ever reserved in the ring, which keeps no type). */
const volatile struct tcplife_event *tcplife_event_type __attribute__((unused));

static __always_inline void on_state(struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk, now = bpf_ktime_get_ns();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct tcplife_sock *s, init = {};
	struct tcplife_event *e;

	if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_INET && BPF_CORE_READ(sk, __sk_common.skc_family) != AF_INET6)
		return;
	/* A listener is not a session (an accepted socket is born from its copy: LISTEN → SYN_RECV). */
	if (newstate == TCP_LISTEN || (oldstate == TCP_LISTEN && newstate == TCP_CLOSE)) {
		bpf_map_delete_elem(&tcplife_socks, &key);
		return;
	}
	s = bpf_map_lookup_elem(&tcplife_socks, &key);
	if (!s) {
		if (newstate == TCP_CLOSE)
			return; /* a socket closed before it was seen opening (a listener, a failed connect seen late) */
		init.born_ns = now;
		init.kind = newstate == TCP_SYN_SENT ? TCPLIFE_KIND_ACTIVE : newstate == TCP_SYN_RECV ? TCPLIFE_KIND_PASSIVE : TCPLIFE_KIND_UNKNOWN;
		if (newstate == TCP_SYN_SENT)
			init.syn_ns = now;
		if (bpf_map_update_elem(&tcplife_socks, &key, &init, BPF_NOEXIST)) {
			count_stat(&tcplife_stats, TCPLIFE_STAT_MAP_FULL);
			return;
		}
		s = bpf_map_lookup_elem(&tcplife_socks, &key);
		if (!s)
			return;
	}
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED && s->syn_ns)
		s->connect_ns = now - s->syn_ns;
	/* The owner: the transitions only its own calls make, in its context (connect: SYN_SENT; close or shutdown:
	 * FIN_WAIT1, or LAST_ACK after the peer's FIN). The others run where the packet arrives (softirq, in whatever task
	 * it interrupted), so they name no one; an accepted session is named by the process that closes it. */
	if (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK)
		s->fin_sent = 1;
	if (pid && (newstate == TCP_SYN_SENT || newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK)) {
		s->pid = pid;
		bpf_get_current_comm(s->comm, sizeof(s->comm));
		s->cgid = bpf_get_current_cgroup_id();
	}
	if (newstate != TCP_CLOSE)
		return;
	e = bpf_ringbuf_reserve(&tcplife_events, sizeof(*e), 0);
	if (!e) {
		count_stat(&tcplife_stats, TCPLIFE_STAT_RING_FULL);
	} else {
		struct tcp_sock *tp = (struct tcp_sock *)sk;
		struct inet_sock *inet = (struct inet_sock *)sk;
		__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
		__u64 rx = BPF_CORE_READ(tp, bytes_received), tx = BPF_CORE_READ(tp, bytes_acked);

		/* The counters are sequence space: the SYN and the FIN take one each. Our SYN is in bytes_acked when this end
		 * connected (an accepted socket starts past it); our FIN when it was sent (the socket went through FIN_WAIT1 or
		 * LAST_ACK) and acknowledged (nothing after snd_una left to write); the peer's FIN is in bytes_received once it
		 * came in sequence (tcp_fin sets SOCK_DONE; close(2) sets sk_shutdown whatever came, so that says nothing). */
		if (s->kind == TCPLIFE_KIND_ACTIVE && tx)
			tx--;
		if (s->fin_sent && BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq) && tx)
			tx--;
		if ((BPF_CORE_READ(sk, __sk_common.skc_flags) & (1UL << bpf_core_enum_value(enum sock_flags, SOCK_DONE))) && rx)
			rx--;
		e->ts_ns = now;
		e->life_ns = now - s->born_ns;
		e->connect_ns = s->connect_ns;
		e->rx_bytes = rx;
		e->tx_bytes = tx;
		e->cgid = s->cgid;
		e->pid = s->pid;
		e->kind = s->kind;
		e->family = family;
		/* inet_num is 0 by now (the port was released just before TCP_CLOSE); inet_sport stays. */
		e->lport = __builtin_bswap16(BPF_CORE_READ(inet, inet_sport));
		e->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		e->oldstate = oldstate;
		__builtin_memset(e->laddr, 0, sizeof(e->laddr));
		__builtin_memset(e->raddr, 0, sizeof(e->raddr));
		if (family == AF_INET) {
			bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
			bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
		} else {
			bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
		__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	}
	bpf_map_delete_elem(&tcplife_socks, &key);
}

SEC("?tp_btf/inet_sock_set_state")
int BPF_PROG(tcplife_state_btf, struct sock *sk, int oldstate, int newstate)
{
	if (BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP)
		on_state(sk, oldstate, newstate);
	return 0;
}

SEC("?tracepoint/sock/inet_sock_set_state")
int tcplife_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol == IPPROTO_TCP)
		on_state((struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
	return 0;
}
