/**
 * tcplife model: the TCP sessions that ended in the interval, per (process, remote address and port, direction), and
 * the recent sessions as events. Pure: the reader decodes and keeps the scrollback; derive aggregates a sample.
 */
import type { Row } from '../rows.js';
import type { SessionKind } from '../records/tcplife.js';

/** One session, as the recent-events view lists it. */
export interface SessionEvent extends Row {
  seq: number;
  time_ms: number;
  pid: number;
  comm: string;
  /** connect: this end opened it (tcpconnect); accept: it accepted it (tcpaccept); unknown: opened before sixty */
  kind: SessionKind;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  rx_bytes: number;
  tx_bytes: number;
  life_ns: number;
  /** the connect's latency (SYN sent → established), for sessions this end opened */
  connect_ns: number | null;
  cgroup: string;
  workload: string;
}

export interface TcplifeSample {
  /** the sessions that ended in the interval */
  sessions: readonly SessionEvent[];
  /** the last sessions, oldest first (the scrollback) */
  recent: readonly SessionEvent[];
  ringFull: number;
  mapFull: number;
  rateDropped: number;
}

/** The sessions of one (process, remote address, remote port, direction) that ended in the interval. */
export interface TcplifeRow extends Row {
  pid: number;
  comm: string;
  kind: SessionKind;
  raddr: string;
  rport: number;
  /** the local port where this end accepted (a server's port), else null */
  lport: number | null;
  sessions: number;
  rx_bytes: number;
  tx_bytes: number;
  life_avg_ns: number;
  life_max_ns: number;
  /** the mean connect latency of those this end opened */
  connect_avg_ns: number | null;
  cgroup: string;
  workload: string;
}

/** One row per (pid, direction, remote address, remote port: or the local port, for sessions accepted). */
export function deriveTcplife(sample: TcplifeSample, previous: TcplifeSample | undefined, _elapsedNs: number): TcplifeRow[] {
  if (!previous) return [];
  const rows = new Map<string, TcplifeRow & { lifeSum: number; connSum: number; conns: number }>();
  for (const e of sample.sessions) {
    // A server's sessions come from every client port: they are one row per its own port; a client's, per service.
    const accepted = e.kind === 'accept';
    const k = `${e.pid}\u0000${e.kind}\u0000${e.raddr}\u0000${accepted ? `l${e.lport}` : e.rport}`;
    let r = rows.get(k);
    if (!r) {
      r = {
        id: `${e.pid}/${e.kind}/${e.raddr}/${accepted ? `l${e.lport}` : e.rport}`,
        pid: e.pid,
        comm: e.comm,
        kind: e.kind,
        raddr: e.raddr,
        rport: accepted ? 0 : e.rport,
        lport: accepted ? e.lport : null,
        sessions: 0,
        rx_bytes: 0,
        tx_bytes: 0,
        life_avg_ns: 0,
        life_max_ns: 0,
        connect_avg_ns: null,
        cgroup: e.cgroup,
        workload: e.workload,
        lifeSum: 0,
        connSum: 0,
        conns: 0,
      };
      rows.set(k, r);
    }
    r.sessions++;
    r.rx_bytes += e.rx_bytes;
    r.tx_bytes += e.tx_bytes;
    r.lifeSum += e.life_ns;
    r.life_max_ns = Math.max(r.life_max_ns, e.life_ns);
    if (e.connect_ns !== null) {
      r.connSum += e.connect_ns;
      r.conns++;
    }
  }
  return [...rows.values()].map(({ lifeSum, connSum, conns, ...r }) => ({
    ...r,
    life_avg_ns: lifeSum / r.sessions,
    connect_avg_ns: conns > 0 ? connSum / conns : null,
  }));
}
