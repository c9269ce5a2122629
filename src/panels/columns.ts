/**
 * Columns every per-process panel has, the same way: its PID and its name. The help says what made the row. And the
 * latency columns the histogram panels share (runqlat, biolatency, fsslower).
 */
import { humanNs } from '../format.js';
import { asNumber, type Column } from './types.js';

/** A latency in ns, 8 cells; `bound`: a log2 slot's upper bound (p50, p99, max), drawn with ≤. */
export function latencyColumn<R>(key: keyof R & string, title: string, help: string, bound: boolean): Column<R> {
  return {
    key,
    title,
    width: 8,
    align: 'right',
    unit: 'latency',
    value: (r) => r[key] as number | null,
    format: (v) => (asNumber(v) === null ? '-' : `${bound ? '≤' : ''}${humanNs(asNumber(v))}`),
    help,
    decimals: 0,
  };
}

/** PID: sorts ascending; `none` is shown for pid 0 where 0 means "no process seen" (biotop's flushes). */
export function pidColumn<R extends { pid: number }>(help: string, none?: string): Column<R> {
  return {
    key: 'pid',
    ascending: true,
    title: 'PID',
    width: 7,
    align: 'right',
    value: (r) => r.pid,
    format: none === undefined ? (v) => String(v) : (v) => (v === 0 ? none : String(v)),
    help,
  };
}

/** COMM: 14 cells, squeezed to 8 (or fixed at `width`); `kernel` stands for an empty name (work done by no task). */
export function commColumn<R extends { comm: string }>(help: string, opts: { width?: number; minWidth?: number; kernel?: boolean } = {}): Column<R> {
  return {
    key: 'comm',
    title: 'COMM',
    width: opts.width ?? 14,
    minWidth: opts.minWidth ?? 8,
    align: 'left',
    value: (r) => r.comm,
    format: opts.kernel ? (v) => String(v || '[kernel]') : (v) => String(v),
    help,
  };
}

/** WORKLOAD: whose a row is, from its cgroup's path (a systemd unit, a container, a pod). */
export function workloadColumn<R extends { workload: string }>(drop: number, opts: { always?: boolean } = {}): Column<R> {
  return {
    key: 'workload',
    title: 'WORKLOAD',
    width: 18,
    maxWidth: 40,
    drop,
    // Where the rows are cgroups it is what they are: squeezed like any column, not left out for want of room.
    ...(opts.always ? { minWidth: 10 } : { whenRoom: true }),
    align: 'left',
    keep: 'start',
    value: (r) => r.workload,
    format: (v) => String(v || '-'),
    help: "whose it is, from its cgroup's path: a systemd unit (nginx.service), a container (docker:, ctr:, crio:, podman: and its short id, or its name where the runtime's files give it), a Kubernetes pod (pod:namespace/name, else its uid); the cgroup itself otherwise",
  };
}

/** CGROUP: the row's cgroup path (cgroup2's where the host has one); the start is cut first on a narrow screen. */
export function cgroupColumn<R extends { cgroup: string }>(drop: number): Column<R> {
  return {
    key: 'cgroup',
    title: 'CGROUP',
    width: 24,
    maxWidth: 60,
    drop,
    whenRoom: true,
    align: 'left',
    keep: 'end',
    ascending: true,
    value: (r) => r.cgroup,
    format: (v) => String(v || '-'),
    help: "its cgroup (cgroup2's path where the host has cgroup2, as /proc/PID/cgroup gives it): `c` shows one cgroup's subtree at a time, --cgroup PATH from start",
  };
}
