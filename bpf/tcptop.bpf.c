// SPDX-License-Identifier: GPL-2.0
/* tcptop: TCP bytes moved per (process, connection), counted from return values (bytes actually moved).
 * Tiers, all producing the same record through count_bytes():
 *   fentry:     fexit tcp_sendmsg + fentry tcp_cleanup_rbuf
 *   kprobe:     kprobe/kretprobe tcp_sendmsg + kprobe tcp_cleanup_rbuf
 *   tp_btf:     sock_send_length / sock_recv_length (6.3+), BTF-typed
 *   raw_tp:     the same tracepoints, untyped
 *   tracepoint: the same tracepoints, classic format (needs tracefs) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tcptop.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPTOP_MAX_CONNS);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_val);
} tcptop_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPTOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct tcptop_stats_val);
} tcptop_stats SEC(".maps");

/* kprobe tier only: tcp_sendmsg's sock, from entry to return, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} tcptop_send_sk SEC(".maps");

static __always_inline void bump_stat(__u32 stat)
{
	struct tcptop_stats_val *v = bpf_map_lookup_elem(&tcptop_stats, &stat);

	if (v)
		v->count++;
}

static __always_inline void count_bytes(struct sock *sk, __s64 bytes, bool tx)
{
	struct tcptop_key key = {};
	struct tcptop_val *val;
	__u16 family;

	if (bytes <= 0 || !sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return;
	key.sk = (__u64)sk;
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	key.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));

	val = bpf_map_lookup_elem(&tcptop_conns, &key);
	if (!val) {
		struct tcptop_val init = {};
		long err;

		init.family = family;
		if (family == AF_INET) {
			BPF_CORE_READ_INTO((__u32 *)init.laddr, sk, __sk_common.skc_rcv_saddr);
			BPF_CORE_READ_INTO((__u32 *)init.raddr, sk, __sk_common.skc_daddr);
		} else {
			BPF_CORE_READ_INTO((struct in6_addr *)init.laddr, sk, __sk_common.skc_v6_rcv_saddr);
			BPF_CORE_READ_INTO((struct in6_addr *)init.raddr, sk, __sk_common.skc_v6_daddr);
		}
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		err = bpf_map_update_elem(&tcptop_conns, &key, &init, BPF_NOEXIST);
		if (err && err != -17 /* EEXIST: another CPU created it first */) {
			bump_stat(TCPTOP_STAT_MAP_FULL);
			return;
		}
		val = bpf_map_lookup_elem(&tcptop_conns, &key);
		if (!val)
			return;
	}
	if (tx)
		__sync_fetch_and_add(&val->tx_bytes, bytes);
	else
		__sync_fetch_and_add(&val->rx_bytes, bytes);
}

static __always_inline bool is_tcp(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

/* Tier fentry. tcp_cleanup_rbuf's `copied` is what recvmsg handed to the user. */
SEC("?fexit/tcp_sendmsg")
int BPF_PROG(tcptop_sendmsg_fexit, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	count_bytes(sk, ret, true);
	return 0;
}

SEC("?fentry/tcp_cleanup_rbuf")
int BPF_PROG(tcptop_cleanup_rbuf_fentry, struct sock *sk, int copied)
{
	count_bytes(sk, copied, false);
	return 0;
}

/* Tier kprobe: the same functions; the return needs the sock saved at entry. */
SEC("?kprobe/tcp_sendmsg")
int BPF_KPROBE(tcptop_sendmsg_kprobe, struct sock *sk)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ptr = (__u64)sk;

	bpf_map_update_elem(&tcptop_send_sk, &tid, &ptr, BPF_ANY);
	return 0;
}

SEC("?kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(tcptop_sendmsg_kretprobe, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *ptr = bpf_map_lookup_elem(&tcptop_send_sk, &tid);

	if (!ptr)
		return 0;
	count_bytes((struct sock *)*ptr, ret, true);
	bpf_map_delete_elem(&tcptop_send_sk, &tid);
	return 0;
}

SEC("?kprobe/tcp_cleanup_rbuf")
int BPF_KPROBE(tcptop_cleanup_rbuf_kprobe, struct sock *sk, int copied)
{
	count_bytes(sk, copied, false);
	return 0;
}

/* Tier tp_btf: sock_sendmsg/sock_recvmsg report every socket's result; keep TCP, drop MSG_PEEK. */
SEC("?tp_btf/sock_send_length")
int BPF_PROG(tcptop_send_length_btf, struct sock *sk, int ret, int flags)
{
	if (is_tcp(sk))
		count_bytes(sk, ret, true);
	return 0;
}

SEC("?tp_btf/sock_recv_length")
int BPF_PROG(tcptop_recv_length_btf, struct sock *sk, int ret, int flags)
{
	if (!(flags & MSG_PEEK) && is_tcp(sk))
		count_bytes(sk, ret, false);
	return 0;
}

/* Tier raw_tp. */
SEC("?raw_tp/sock_send_length")
int BPF_PROG(tcptop_send_length_raw, struct sock *sk, int ret, int flags)
{
	if (is_tcp(sk))
		count_bytes(sk, ret, true);
	return 0;
}

SEC("?raw_tp/sock_recv_length")
int BPF_PROG(tcptop_recv_length_raw, struct sock *sk, int ret, int flags)
{
	if (!(flags & MSG_PEEK) && is_tcp(sk))
		count_bytes(sk, ret, false);
	return 0;
}

/* Tier tracepoint: the classic format carries family and protocol already. */
SEC("?tracepoint/sock/sock_send_length")
int tcptop_send_length_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	if (ctx->protocol == IPPROTO_TCP)
		count_bytes((struct sock *)ctx->sk, ctx->ret, true);
	return 0;
}

SEC("?tracepoint/sock/sock_recv_length")
int tcptop_recv_length_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	if (!(ctx->flags & MSG_PEEK) && ctx->protocol == IPPROTO_TCP)
		count_bytes((struct sock *)ctx->sk, ctx->ret, false);
	return 0;
}
