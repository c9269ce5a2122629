// SPDX-License-Identifier: GPL-2.0
/* tcptop: TCP bytes moved per (process, connection), counted from return values (bytes actually moved).
 * Tiers, all producing the same record through count_bytes():
 *   fentry:     fexit tcp_sendmsg + fexit tcp_recvmsg
 *   kprobe:     kprobe/kretprobe tcp_sendmsg + kprobe/kretprobe tcp_recvmsg
 *   tp_btf:     sock_send_length / sock_recv_length (6.3+), BTF-typed
 *   raw_tp:     the same tracepoints, untyped
 *   tracepoint: the same tracepoints, classic format (needs tracefs)
 * Receives are counted from recvmsg's return value, not from tcp_cleanup_rbuf's `copied` (as BCC does): that is
 * called more than once per recvmsg when it waits (MSG_WAITALL), and it also sees MSG_PEEK copies. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "common.h"
#include "tcptop.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define MSG_PEEK 2

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCPTOP_MAX_CONNS);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_val);
} tcptop_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPTOP_MAX_BIG);
	__type(key, struct tcptop_key);
	__type(value, struct tcptop_val);
} tcptop_big SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcptop_sock);
} tcptop_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPTOP_STAT_NR);
	__type(key, __u32);
	__type(value, struct tcptop_stats_val);
} tcptop_stats SEC(".maps");

/* tcp_recvmsg's parameter count on the running kernel, set by user space from the kernel's BTF before load.
 * 6: (sk, msg, len, nonblock, flags, addr_len), before 5.19, which removed `nonblock`;
 * 5: (sk, msg, len, flags, addr_len); 4: (sk, msg, len, flags), after `addr_len` was removed too.
 * `flags` is the fifth argument with 6 parameters and the fourth otherwise. */
const volatile __u32 tcp_recvmsg_nargs = 4;

/* kprobe tier only: the arguments a return probe needs, saved at entry, per thread. */
struct tcptop_call {
	__u64 sk;
	__u64 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct tcptop_call);
} tcptop_calls SEC(".maps");

static __always_inline void bump_stat(__u32 stat)
{
	count_stat(&tcptop_stats, stat);
}

/* What identifies a connection on the hot path: read on every event, so cheaply. */
struct tcptop_sk_id {
	__u16 family;
	__u16 lport;
	__u16 rport;
	__u16 protocol;
};

/* Programs whose `sk` is a BTF-typed pointer (tp_btf, fentry/fexit) read its fields with plain loads; the others
 * (kprobe, raw_tp, classic tracepoint) go through bpf_probe_read_kernel. Same fields, same CO-RE relocations. */
#define SK_ID_DIRECT(sk)                                                                        \
	((struct tcptop_sk_id){ .family = (sk)->__sk_common.skc_family,                         \
				.lport = (sk)->__sk_common.skc_num,                             \
				.rport = bpf_ntohs((sk)->__sk_common.skc_dport),                \
				.protocol = (sk)->sk_protocol })
#define SK_ID_PROBED(sk)                                                                        \
	((struct tcptop_sk_id){ .family = BPF_CORE_READ(sk, __sk_common.skc_family),            \
				.lport = BPF_CORE_READ(sk, __sk_common.skc_num),                \
				.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)),   \
				.protocol = BPF_CORE_READ(sk, sk_protocol) })

/* Raises *p to v unless it is already higher: copies of a socket's counts can race between CPUs, and a copy must
 * never make an entry go backwards. */
static __always_inline void store_max(__u64 *p, __u64 v)
{
	for (int i = 0; i < 4; i++) {
		__u64 old = *p;

		if (old >= v || __sync_val_compare_and_swap(p, old, v) == old)
			return;
	}
}

/* Adds an event to an entry: from the socket's storage (a copy that only grows), or the bytes themselves. */
static __always_inline void add_bytes(struct tcptop_val *val, struct tcptop_sock *st, __s64 bytes, bool tx)
{
	if (st) {
		store_max(&val->rx_bytes, st->rx_bytes);
		store_max(&val->tx_bytes, st->tx_bytes);
	} else if (tx) {
		__sync_fetch_and_add(&val->tx_bytes, bytes);
	} else {
		__sync_fetch_and_add(&val->rx_bytes, bytes);
	}
}

/* Counts `bytes` for (process, socket). `typed` programs (fentry, tp_btf: `sk` is a BTF-typed pointer) keep the
 * counts in the socket's own storage and copy them into the map entry, so an entry the LRU evicts loses nothing;
 * the others add into the entry. `typed` is a constant in each program, so the others never see the helper. */
static __always_inline void count_bytes(struct sock *sk, struct tcptop_sk_id id, __s64 bytes, bool tx, bool typed)
{
	struct tcptop_key key = {};
	struct tcptop_val *val;
	struct tcptop_sock *st = NULL;
	__u64 now;

	if (bytes <= 0 || !sk || id.protocol != IPPROTO_TCP)
		return;
	if (id.family != AF_INET && id.family != AF_INET6)
		return;
	/* --cgroup: the sender or receiver is outside the subtree. */
	if (!cgroup_wanted())
		return;
	key.sk = (__u64)sk;
	key.pid = bpf_get_current_pid_tgid() >> 32;
	key.lport = id.lport;
	key.rport = id.rport;
	now = bpf_ktime_get_ns();

	if (typed) {
		st = bpf_sk_storage_get(&tcptop_socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (st && !st->created_ns) {
			st->pid = key.pid;
			st->created_ns = now;
		}
		if (st && st->pid != key.pid)
			st = NULL; /* a socket used by a second process: that process's entry counts on its own */
		if (st) {
			if (tx)
				__sync_fetch_and_add(&st->tx_bytes, bytes);
			else
				__sync_fetch_and_add(&st->rx_bytes, bytes);
		}
	}

	/* A big talker lives in tcptop_big, which nothing evicts. */
	val = bpf_map_lookup_elem(&tcptop_big, &key);
	if (val) {
		add_bytes(val, st, bytes, tx);
		return;
	}
	val = bpf_map_lookup_elem(&tcptop_conns, &key);
	if (!val) {
		/* First event of this entry: resolve addresses and comm once. */
		struct tcptop_val init = {};
		long err;

		init.family = id.family;
		if (st) {
			init.rx_bytes = st->rx_bytes;
			init.tx_bytes = st->tx_bytes;
			init.created_ns = st->created_ns;
		} else {
			init.created_ns = now;
			if (tx)
				init.tx_bytes = bytes;
			else
				init.rx_bytes = bytes;
		}
		if (id.family == AF_INET) {
			BPF_CORE_READ_INTO((__u32 *)init.laddr, sk, __sk_common.skc_rcv_saddr);
			BPF_CORE_READ_INTO((__u32 *)init.raddr, sk, __sk_common.skc_daddr);
		} else {
			BPF_CORE_READ_INTO((struct in6_addr *)init.laddr, sk, __sk_common.skc_v6_rcv_saddr);
			BPF_CORE_READ_INTO((struct in6_addr *)init.raddr, sk, __sk_common.skc_v6_daddr);
		}
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		init.cgid = bpf_get_current_cgroup_id();
		/* Back from an eviction already big (its counts were kept with the socket): straight to tcptop_big. */
		if (init.rx_bytes + init.tx_bytes >= TCPTOP_BIG_BYTES &&
		    bpf_map_update_elem(&tcptop_big, &key, &init, BPF_NOEXIST) == 0)
			return;
		err = bpf_map_update_elem(&tcptop_conns, &key, &init, BPF_NOEXIST);
		/* An LRU map evicts to make room, so this fails only when no entry can be freed at once (-ENOMEM). */
		if (err && err != -EEXIST /* another CPU created it first */) {
			bump_stat(TCPTOP_STAT_MAP_FULL);
			return;
		}
		if (!err) {
			bump_stat(TCPTOP_STAT_CREATED);
			if (st && init.rx_bytes + init.tx_bytes > (__u64)bytes)
				bump_stat(TCPTOP_STAT_CARRIED);
			return; /* the entry already holds this event's bytes */
		}
		val = bpf_map_lookup_elem(&tcptop_conns, &key);
		if (!val)
			return;
	}
	add_bytes(val, st, bytes, tx);
	/* Big enough to keep: moved to tcptop_big. Typed tiers carry exact counts through the socket's storage; the others
	 * can lose what another CPU adds between the copy and the delete, at this one moment. */
	if (val->rx_bytes + val->tx_bytes >= TCPTOP_BIG_BYTES) {
		struct tcptop_val copy = *val;

		if (bpf_map_update_elem(&tcptop_big, &key, &copy, BPF_NOEXIST) == 0) {
			bpf_map_delete_elem(&tcptop_conns, &key);
			bump_stat(TCPTOP_STAT_PROMOTED);
		}
	}
}

/* Tier fentry. */
SEC("?fexit/tcp_sendmsg")
int BPF_PROG(tcptop_sendmsg_fexit, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	count_bytes(sk, SK_ID_DIRECT(sk), ret, true, true);
	return 0;
}

SEC("?fexit/tcp_recvmsg")
int BPF_PROG(tcptop_recvmsg_fexit, struct sock *sk)
{
	__u64 flags = 0, ret = 0;

	/* The argument helpers (5.17+) take a run-time index; without them this tier fails to load and sixty
	 * takes the kprobe tier. */
	if (bpf_get_func_arg(ctx, tcp_recvmsg_nargs == 6 ? 4 : 3, &flags) || bpf_get_func_ret(ctx, &ret))
		return 0;
	if (!(flags & MSG_PEEK))
		count_bytes(sk, SK_ID_DIRECT(sk), (int)ret, false, true);
	return 0;
}

/* Tier kprobe: the same functions; return probes need the arguments saved at entry. */
static __always_inline void save_call(struct sock *sk, __u64 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tcptop_call call = { .sk = (__u64)sk, .flags = flags };

	bpf_map_update_elem(&tcptop_calls, &tid, &call, BPF_ANY);
}

static __always_inline void finish_call(long ret, bool tx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct tcptop_call *call = bpf_map_lookup_elem(&tcptop_calls, &tid);
	struct sock *sk;

	if (!call)
		return;
	sk = (struct sock *)call->sk;
	if (tx || !(call->flags & MSG_PEEK))
		count_bytes(sk, SK_ID_PROBED(sk), (int)ret, tx, false);
	bpf_map_delete_elem(&tcptop_calls, &tid);
}

SEC("?kprobe/tcp_sendmsg")
int BPF_KPROBE(tcptop_sendmsg_kprobe, struct sock *sk)
{
	save_call(sk, 0);
	return 0;
}

SEC("?kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(tcptop_sendmsg_kretprobe, int ret)
{
	finish_call(ret, true);
	return 0;
}

SEC("?kprobe/tcp_recvmsg")
int BPF_KPROBE(tcptop_recvmsg_kprobe, struct sock *sk)
{
	/* Both registers are read at fixed offsets; a computed offset into ctx is refused by the verifier. */
	__u64 p4 = PT_REGS_PARM4(ctx), p5 = PT_REGS_PARM5(ctx);

	barrier_var(p4);
	barrier_var(p5);
	save_call(sk, tcp_recvmsg_nargs == 6 ? p5 : p4);
	return 0;
}

SEC("?kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(tcptop_recvmsg_kretprobe, int ret)
{
	finish_call(ret, false);
	return 0;
}

/* Tier tp_btf: sock_sendmsg/sock_recvmsg report every socket's result; count_bytes keeps TCP. */
SEC("?tp_btf/sock_send_length")
int BPF_PROG(tcptop_send_length_btf, struct sock *sk, int ret, int flags)
{
	count_bytes(sk, SK_ID_DIRECT(sk), ret, true, true);
	return 0;
}

SEC("?tp_btf/sock_recv_length")
int BPF_PROG(tcptop_recv_length_btf, struct sock *sk, int ret, int flags)
{
	if (!(flags & MSG_PEEK))
		count_bytes(sk, SK_ID_DIRECT(sk), ret, false, true);
	return 0;
}

/* Tier raw_tp: untyped arguments, so reads are probed. */
SEC("?raw_tp/sock_send_length")
int BPF_PROG(tcptop_send_length_raw, struct sock *sk, int ret, int flags)
{
	count_bytes(sk, SK_ID_PROBED(sk), ret, true, false);
	return 0;
}

SEC("?raw_tp/sock_recv_length")
int BPF_PROG(tcptop_recv_length_raw, struct sock *sk, int ret, int flags)
{
	if (!(flags & MSG_PEEK))
		count_bytes(sk, SK_ID_PROBED(sk), ret, false, false);
	return 0;
}

/* Tier tracepoint: the classic, stable format (needs tracefs). */
SEC("?tracepoint/sock/sock_send_length")
int tcptop_send_length_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	struct sock *sk = (struct sock *)ctx->sk;
	struct tcptop_sk_id id = SK_ID_PROBED(sk);

	count_bytes(sk, id, ctx->ret, true, false);
	return 0;
}

SEC("?tracepoint/sock/sock_recv_length")
int tcptop_recv_length_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	struct sock *sk = (struct sock *)ctx->sk;

	if (!(ctx->flags & MSG_PEEK))
		count_bytes(sk, SK_ID_PROBED(sk), ctx->ret, false, false);
	return 0;
}
