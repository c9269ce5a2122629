/**
 * tcpretrans model: the TCP segments retransmitted in the interval, per connection, and the packets the kernel
 * dropped, per reason, place and flow, in one table: what a retransmit is the sender's side of, a drop is often the
 * cause. Pure: the reader decodes the ring and the drop counters (cumulative per key); derive makes the interval's rows.
 */
import type { Row } from '../rows.js';
import type { RetransKind } from '../records/tcpretrans.js';

/** One retransmitted segment, as the recent-events view lists it. */
export interface RetransEvent extends Row {
  seq: number;
  time_ms: number;
  kind: RetransKind;
  /** the socket's state at the retransmit */
  state: string;
  /** the transmit's result (0: sent); the kernel gives it from 6.13 */
  err: number;
  /** the connection's retransmits so far (the kernel's own count, tcpi_total_retrans) */
  total_retrans: number;
  srtt_us: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  cgroup: string;
  workload: string;
}

/** One drop counter, cumulative since its key was made. */
export interface PacketDrop {
  /** reason, place and flow: the row it counts in */
  id: string;
  /** the kernel's drop reason, named by the running kernel ('' where it gives none: before 5.17) */
  reason: string;
  /** the kernel function that freed it */
  where: string;
  /** tcp, udp, icmp… or the ethertype where it was not IP */
  proto: string;
  src: string;
  dst: string;
  total: number;
  /** this counter left the map in this read (its last count): the next one of that key starts again from 0 */
  taken: boolean;
  cgroup: string;
  workload: string;
}

export interface TcpretransSample {
  /** the retransmits of the interval */
  retransmits: readonly RetransEvent[];
  /** the last retransmits, oldest first (the scrollback) */
  recent: readonly RetransEvent[];
  drops: readonly PacketDrop[];
  ringFull: number;
  mapFull: number;
  rateDropped: number;
  /** drops not counted at all (no room for even their reason's key) */
  dropsLost: number;
}

export type TcpretransEventKind = 'retransmit' | 'drop';

/** A connection's retransmits, or a (reason, place, flow)'s drops, in the interval. */
export interface TcpretransRow extends Row {
  event: TcpretransEventKind;
  /** retransmit: its connection's last state; drop: its reason ('' where the kernel gives none) */
  reason: string;
  /** drop: the kernel function that freed the packets; retransmit: '' */
  where: string;
  proto: string;
  /** a retransmit's local end, a drop's packet source */
  src: string;
  dst: string;
  /** retransmits sent, or packets dropped, in the interval */
  count: number;
  /** of the retransmits: by the RTO timer, by a tail loss probe, in ACK-driven recovery; and not sent (an error) */
  timeouts: number;
  probes: number;
  fast: number;
  failed: number;
  cgroup: string;
  workload: string;
}

/** addr:port, IPv6 in brackets; the address alone where there is no port. */
export const endpoint = (addr: string, port: number): string =>
  !addr ? '-' : port === 0 ? addr : addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;

export function deriveTcpretrans(sample: TcpretransSample, previous: TcpretransSample | undefined, _elapsedNs: number): TcpretransRow[] {
  if (!previous) return [];
  const rows = new Map<string, TcpretransRow>();
  for (const e of sample.retransmits) {
    const src = endpoint(e.laddr, e.lport);
    const dst = endpoint(e.raddr, e.rport);
    const id = `r/${src}/${dst}`;
    let r = rows.get(id);
    if (!r) {
      r = {
        id,
        event: 'retransmit',
        reason: e.state,
        where: '',
        proto: 'tcp',
        src,
        dst,
        count: 0,
        timeouts: 0,
        probes: 0,
        fast: 0,
        failed: 0,
        cgroup: e.cgroup,
        workload: e.workload,
      };
      rows.set(id, r);
    }
    r.reason = e.state; // the last one seen
    if (e.err !== 0) {
      r.failed++;
      continue;
    }
    r.count++;
    if (e.kind === 'timeout') r.timeouts++;
    else if (e.kind === 'probe') r.probes++;
    else r.fast++;
  }
  // A counter's interval: its total less the previous read's (none: new; taken then: it started again).
  const before = new Map<string, number>();
  for (const d of previous.drops) if (!d.taken) before.set(d.id, (before.get(d.id) ?? 0) + d.total);
  const now = new Map<string, number>();
  const first = new Map<string, PacketDrop>();
  for (const d of sample.drops) {
    now.set(d.id, (now.get(d.id) ?? 0) + d.total);
    if (!first.has(d.id)) first.set(d.id, d);
  }
  for (const [id, total] of now) {
    const n = total - (before.get(id) ?? 0);
    if (n <= 0) continue;
    const d = first.get(id)!;
    rows.set(`d/${id}`, {
      id: `d/${id}`,
      event: 'drop',
      reason: d.reason,
      where: d.where,
      proto: d.proto,
      src: d.src,
      dst: d.dst,
      count: n,
      timeouts: 0,
      probes: 0,
      fast: 0,
      failed: 0,
      cgroup: d.cgroup,
      workload: d.workload,
    });
  }
  return [...rows.values()];
}
