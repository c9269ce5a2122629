/**
 * Cgroup model: one row per cgroup (below's view) from two readings of its files: CPU used and throttled, memory and
 * its limits and events, I/O, tasks, and pressure stall (PSI). Pure: a function of the sample, the previous one and the
 * measured elapsed time.
 *
 * Definitions (the panel's help says the same):
 * - CPU %: usage in the interval ÷ elapsed, 100 = one CPU (cpu.stat usage_usec on v2, cpuacct.usage on v1). Counts
 *   the cgroup and every cgroup below it, as the kernel keeps them.
 * - THR: CFS periods in which the cgroup was throttled (cpu.stat nr_throttled), THR%: the time throttled ÷ elapsed.
 * - pressure: the share of the interval in which some (or all: full) of the cgroup's non-idle tasks were stalled on
 *   the resource, from the `total` counters (µs) of its *.pressure files: exact over the interval, where avg10 is a
 *   decaying average.
 */
import type { DeviceIo, Pressure } from '../records/cgroupfs.js';
import type { WorkloadKind } from './workload.js';

/** What one cgroup's files said (null: the file is not there in this layout, or not readable). */
export interface CgroupEntry {
  /** the path below the hierarchy's root: '/', '/system.slice/nginx.service' */
  path: string;
  /** the cgroup exists in cgroup2 (membership and pressure), not only in a v1 hierarchy */
  inV2: boolean;
  /** which hierarchies gave its figures: 'v2', 'v1', 'v2+v1' */
  source: string;
  workload: string;
  kind: WorkloadKind;
  /** processes in it (not below it): cgroup.procs */
  procs: number | null;
  /** cumulative µs */
  cpu: { usageUs: number; userUs: number | null; systemUs: number | null } | null;
  throttle: { periods: number; throttled: number; throttledUs: number } | null;
  /** the CPU limit in CPUs (cpu.max, cpu.cfs_quota_us ÷ period); Infinity: none */
  quotaCpus: number | null;
  mem: { current: number; high: number | null; max: number | null } | null;
  /** cumulative: v2's memory.events; v1's failcnt counts as max, oom_control's oom_kill as oom_kill */
  memEvents: { high: number | null; max: number; oom: number | null; oomKill: number } | null;
  /** per device, cumulative */
  io: readonly DeviceIo[] | null;
  pids: { current: number; max: number | null } | null;
  psi: { cpu: Pressure | null; memory: Pressure | null; io: Pressure | null };
}

export interface CgroupSample {
  nowNs: number;
  layout: string;
  /** the layout in words (cgroup2 at …; hybrid …) */
  describe: string;
  /** the host has pressure stall information (/proc/pressure) */
  psi: boolean;
  /** why not, when it has none */
  psiReason: string | null;
  entries: ReadonlyMap<string, CgroupEntry>;
  /** cgroups left out past the listing's cap */
  cut: number;
}

export interface CgroupRow {
  id: string;
  path: string;
  /** its last component ('/' for the root) */
  name: string;
  parent: string | null;
  depth: number;
  workload: string;
  kind: WorkloadKind;
  source: string;
  /** processes in the cgroup itself */
  processes: number | null;
  cpu_pct: number | null;
  usr_pct: number | null;
  sys_pct: number | null;
  quota_cpus: number | null;
  /** periods throttled in the interval, and of how many */
  throttled: number | null;
  periods: number | null;
  throttled_pct: number | null;
  mem_bytes: number | null;
  mem_high: number | null;
  mem_max: number | null;
  /** events in the interval */
  mem_high_events: number | null;
  mem_max_events: number | null;
  oom: number | null;
  oom_kill: number | null;
  read_bytes: number | null;
  write_bytes: number | null;
  read_ios: number | null;
  write_ios: number | null;
  pids: number | null;
  pids_max: number | null;
  cpu_some_pct: number | null;
  cpu_full_pct: number | null;
  mem_some_pct: number | null;
  mem_full_pct: number | null;
  io_some_pct: number | null;
  io_full_pct: number | null;
  /** per device in the interval: 'major:minor r BYTES w BYTES' */
  devices: string;
}

const delta = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || a < b ? null : a - b;

/** The share (%) of `us` in the elapsed time. */
const share = (us: number | null, elapsedUs: number): number | null => (us === null || elapsedUs <= 0 ? null : Math.min(100, (us / elapsedUs) * 100));

/** A pressure file's stall share over the interval: `some` and `full`. */
export function pressureShare(
  cur: Pressure | null | undefined,
  prev: Pressure | null | undefined,
  elapsedUs: number,
): { some: number | null; full: number | null } {
  if (!cur || !prev) return { some: null, full: null };
  return {
    some: share(delta(cur.some.totalUs, prev.some.totalUs), elapsedUs),
    full: cur.full && prev.full ? share(delta(cur.full.totalUs, prev.full.totalUs), elapsedUs) : null,
  };
}

const sumIo = (io: readonly DeviceIo[] | null | undefined): DeviceIo | null =>
  io
    ? io.reduce((a, d) => ({ dev: '', rbytes: a.rbytes + d.rbytes, wbytes: a.wbytes + d.wbytes, rios: a.rios + d.rios, wios: a.wios + d.wios }), {
        dev: '',
        rbytes: 0,
        wbytes: 0,
        rios: 0,
        wios: 0,
      })
    : null;

export function deriveCgroups(sample: CgroupSample, previous: CgroupSample | undefined, elapsedNs: number): CgroupRow[] {
  // Rates over the time between this panel's own two reads: the tick's interval is measured from its start, and the
  // panels before this one take a varying part of each tick (a /proc scan), so the counters' window is not the tick's.
  const us = (previous && sample.nowNs > previous.nowNs ? sample.nowNs - previous.nowNs : elapsedNs) / 1000;
  const out: CgroupRow[] = [];
  for (const e of sample.entries.values()) {
    const p = previous?.entries.get(e.path);
    const cpuUs = delta(e.cpu?.usageUs, p?.cpu?.usageUs);
    const io = sumIo(e.io);
    const pio = sumIo(p?.io);
    const ps = {
      cpu: pressureShare(e.psi.cpu, p?.psi.cpu, us),
      mem: pressureShare(e.psi.memory, p?.psi.memory, us),
      io: pressureShare(e.psi.io, p?.psi.io, us),
    };
    const before = new Map((p?.io ?? []).map((d) => [d.dev, d]));
    const devices = (e.io ?? [])
      .map((d) => ({ d, b: before.get(d.dev) }))
      .filter((x) => x.b && x.d.rbytes + x.d.wbytes > x.b.rbytes + x.b.wbytes)
      .map((x) => `${x.d.dev} r ${x.d.rbytes - x.b!.rbytes} w ${x.d.wbytes - x.b!.wbytes}`)
      .join(', ');
    const parts = e.path.split('/').filter(Boolean);
    const parentAt = e.path.lastIndexOf('/');
    out.push({
      id: e.path,
      path: e.path,
      name: parts[parts.length - 1] ?? '/',
      parent: e.path === '/' ? null : parentAt <= 0 ? '/' : e.path.slice(0, parentAt),
      depth: parts.length,
      workload: e.workload,
      kind: e.kind,
      source: e.source,
      processes: e.procs,
      cpu_pct: share(cpuUs, us) === null ? null : ((cpuUs as number) / us) * 100,
      usr_pct: delta(e.cpu?.userUs, p?.cpu?.userUs) === null || us <= 0 ? null : ((e.cpu!.userUs! - p!.cpu!.userUs!) / us) * 100,
      sys_pct: delta(e.cpu?.systemUs, p?.cpu?.systemUs) === null || us <= 0 ? null : ((e.cpu!.systemUs! - p!.cpu!.systemUs!) / us) * 100,
      quota_cpus: e.quotaCpus,
      throttled: delta(e.throttle?.throttled, p?.throttle?.throttled),
      periods: delta(e.throttle?.periods, p?.throttle?.periods),
      throttled_pct: share(delta(e.throttle?.throttledUs, p?.throttle?.throttledUs), us),
      mem_bytes: e.mem?.current ?? null,
      mem_high: e.mem?.high ?? null,
      mem_max: e.mem?.max ?? null,
      mem_high_events: delta(e.memEvents?.high, p?.memEvents?.high),
      mem_max_events: delta(e.memEvents?.max, p?.memEvents?.max),
      oom: delta(e.memEvents?.oom, p?.memEvents?.oom),
      oom_kill: delta(e.memEvents?.oomKill, p?.memEvents?.oomKill),
      read_bytes: delta(io?.rbytes, pio?.rbytes),
      write_bytes: delta(io?.wbytes, pio?.wbytes),
      read_ios: delta(io?.rios, pio?.rios),
      write_ios: delta(io?.wios, pio?.wios),
      pids: e.pids?.current ?? null,
      pids_max: e.pids?.max ?? null,
      cpu_some_pct: ps.cpu.some,
      cpu_full_pct: ps.cpu.full,
      mem_some_pct: ps.mem.some,
      mem_full_pct: ps.mem.full,
      io_some_pct: ps.io.some,
      io_full_pct: ps.io.full,
      devices,
    });
  }
  return out;
}

/** A cgroup's stall shares over the interval for one resource (% of the time). */
export interface StallShare {
  path: string;
  parent: string | null;
  workload: string;
  some: number | null;
  full: number | null;
}

/**
 * The cgroup under the most pressure of one resource in the interval (its `full` share, then `some`), or undefined.
 * Pressure counts in every ancestor too, so from the worst cgroup the walk goes down while a child has nearly all of
 * it (within a point): the culprit, not the slice above it. The root is the host, not a culprit.
 */
export function mostPressure(items: readonly StallShare[]): { path: string; workload: string; some: number; full: number } | undefined {
  const fig = (r: StallShare): { some: number; full: number } => ({ some: r.some ?? 0, full: r.full ?? 0 });
  const worse = (a: StallShare, b: StallShare | undefined): boolean => {
    if (!b) return true;
    const x = fig(a);
    const y = fig(b);
    return x.full > y.full || (x.full === y.full && x.some > y.some);
  };
  let best: StallShare | undefined;
  const kids = new Map<string, StallShare[]>();
  for (const r of items) {
    if (r.parent !== null) kids.set(r.parent, [...(kids.get(r.parent) ?? []), r]);
    if (r.path === '/') continue;
    const f = fig(r);
    if ((f.some > 0 || f.full > 0) && worse(r, best)) best = r;
  }
  if (!best) return undefined;
  for (;;) {
    let next: StallShare | undefined;
    for (const k of kids.get(best.path) ?? []) if (worse(k, next)) next = k;
    if (!next) break;
    const a = fig(best);
    const b = fig(next);
    if (b.full < a.full - 1 || b.some < a.some - 1) break;
    best = next;
  }
  return { path: best.path, workload: best.workload, ...fig(best) };
}

/** The stall shares of one resource from the cgroup panel's rows. */
export const rowShares = (rows: readonly CgroupRow[], resource: 'cpu' | 'mem' | 'io'): StallShare[] =>
  rows.map((r) => ({ path: r.path, parent: r.parent, workload: r.workload, some: r[`${resource}_some_pct`], full: r[`${resource}_full_pct`] }));
