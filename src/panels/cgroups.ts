/**
 * The cgroup panel (below's main view): every cgroup with its CPU and throttling, memory with its limits and events,
 * I/O, tasks and pressure stall, from the cgroup files (no BPF). Every layout: pure v2, hybrid (membership and pressure
 * from cgroup2, CPU, memory and I/O from the v1 controllers where v2 has none), and v1 only. Enter lists a cgroup's
 * processes in the process panel.
 */
import { hostConstants } from '../kernel/auxv.js';
import { cgroupHostOf, cgroupSetup, createTreeCache, createWorkloadNames, hostPsi, underCgroup, V1_CONTROLLERS, type TreeCache } from '../kernel/cgroups.js';
import { procsPanel } from './procs.js';
import { deriveCgroups, type CgroupEntry, type CgroupRow, type CgroupSample } from '../models/cgroup.js';
import { workloadOf } from '../models/workload.js';
import { parseBlkio, parseIoStat, parseKeyed, parsePressure, parseSingle } from '../records/cgroupfs.js';
import { escapeControl, humanBytes, humanCount, percent } from '../format.js';
import { workloadColumn } from './columns.js';
import { num } from './metric-kit.js';
import { asNumber, type Column, type HostInfo, type PanelDef, type PanelStats, type Summary } from './types.js';

/** v2 files per cgroup, v1 files per controller: read in one call for every cgroup. */
const V2_FILES = [
  'cgroup.procs',
  'cpu.stat',
  'cpu.max',
  'memory.current',
  'memory.high',
  'memory.max',
  'memory.events',
  'io.stat',
  'pids.current',
  'pids.max',
  'cpu.pressure',
  'memory.pressure',
  'io.pressure',
] as const;
const V1_FILES: Readonly<Record<(typeof V1_CONTROLLERS)[number], readonly string[]>> = {
  cpuacct: ['cpuacct.usage', 'cpuacct.stat', 'cgroup.procs'],
  cpu: ['cpu.stat', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cgroup.procs'],
  memory: ['memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.failcnt', 'memory.oom_control', 'cgroup.procs'],
  blkio: ['blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_serviced_recursive', 'cgroup.procs'],
  pids: ['pids.current', 'pids.max', 'cgroup.procs'],
};

/** v1 writes "no limit" as a page-rounded 2^63 − 1. */
const v1Limit = (v: number | null): number | null => (v === null ? null : v >= 2 ** 62 ? Infinity : v);
const lines = (text: string | null | undefined): number | null => (text === null || text === undefined ? null : text.split('\n').filter(Boolean).length);

/** Limits change rarely: read when the trees are walked again (every 10 s, or when cgroups came or went). */
const SLOW_FILES: ReadonlySet<string> = new Set([
  'cpu.max',
  'memory.high',
  'memory.max',
  'pids.max',
  'cpu.cfs_quota_us',
  'cpu.cfs_period_us',
  'memory.limit_in_bytes',
]);

type Where = 'v2' | (typeof V1_CONTROLLERS)[number];

/**
 * Reads every cgroup's files each interval, in one call: the union of the hierarchies' trees. What makes it cheap
 * with hundreds of cgroups: the trees are walked again only when they may have changed (createTreeCache), a file no
 * cgroup of a hierarchy has (memory.current where cgroup2 has no memory controller) is not asked for again until the
 * next walk, limits are read at walks only, and a cgroup's processes are counted from one hierarchy.
 */
export function createCgroupReader(host: HostInfo): () => CgroupSample {
  const ch = cgroupHostOf(host);
  const setup = cgroupSetup(ch.readText);
  const names = createWorkloadNames(ch);
  const psi = hostPsi(ch.readText);
  const hz = hostConstants().clockTicks;
  const hierarchies: { where: Where; root: string }[] = [
    ...(setup.mounts.v2 ? [{ where: 'v2' as const, root: setup.mounts.v2 }] : []),
    ...V1_CONTROLLERS.filter((c) => setup.mounts.v1.has(c)).map((c) => ({ where: c, root: setup.mounts.v1.get(c)! })),
  ];
  // One cache per mount: cpu and cpuacct are often mounted together.
  const caches = new Map<string, TreeCache>();
  for (const h of hierarchies) if (!caches.has(h.root)) caches.set(h.root, createTreeCache(ch, h.root));
  const missing = new Map<Where, Set<string>>();
  const slow = new Map<string, string | null>();
  const workloads = new Map<string, { name: string; kind: CgroupEntry['kind'] }>();
  const filter = host.cgroupFilter?.path;
  return () => {
    let cut = 0;
    const walkedRoots = new Map<string, { paths: Set<string>; walked: boolean }>();
    for (const [root, cache] of caches) {
      const t = cache.get();
      cut += t.cut;
      walkedRoots.set(root, { paths: new Set(t.paths), walked: t.walked });
    }
    const trees = hierarchies.map((h) => ({ ...h, ...walkedRoots.get(h.root)! }));
    for (const t of trees) if (t.walked) missing.delete(t.where);
    const all = new Set<string>();
    for (const t of trees) for (const p of t.paths) if (!filter || underCgroup(p, filter)) all.add(p);
    // Limits are read again for a hierarchy walked again.
    const rewalked = new Set(trees.filter((t) => t.walked).map((t) => t.where));
    if (rewalked.size > 0) {
      for (const k of slow.keys()) if (rewalked.has(k.slice(k.indexOf('\0') + 1, k.lastIndexOf('\0')) as Where)) slow.delete(k);
      if (workloads.size > 4 * all.size + 1000) workloads.clear();
    }
    // Every file to read, in one call; where each landed, by cgroup, hierarchy and file.
    const files: string[] = [];
    const at = new Map<string, number>();
    const asked = new Map<string, { where: Where; file: string; path: string }>();
    const inV2 = (path: string): boolean => trees[0]?.where === 'v2' && trees[0].paths.has(path);
    // What a cgroup's limits make worth reading (known from the limits read at the last walk; at a walk, everything):
    // v1's throttling counters only under a quota, its limit hits only under a limit; v1's CPU usage only where
    // cgroup2's cpu.stat (which every cgroup2 cgroup has) does not give it.
    const limit = (path: string, where: Where, file: string): number | null => parseSingle(slow.get(`${path}\0${where}\0${file}`) ?? '');
    const needed = (path: string, where: Where, f: string): boolean => {
      if (where === 'cpuacct') return !inV2(path);
      if (where === 'cpu' && f === 'cpu.stat') {
        const q = limit(path, 'cpu', 'cpu.cfs_quota_us');
        return q === null || q >= 0;
      }
      if (where === 'memory' && (f === 'memory.failcnt' || f === 'memory.oom_control')) {
        const l = limit(path, 'memory', 'memory.limit_in_bytes');
        return l === null || l < 2 ** 62;
      }
      return true;
    };
    for (const path of all) {
      let procs = false;
      for (const t of trees) {
        if (!t.paths.has(path)) continue;
        const dir = path === '/' ? t.root : t.root + path;
        const gone = missing.get(t.where);
        for (const f of t.where === 'v2' ? V2_FILES : V1_FILES[t.where]) {
          if (gone?.has(f)) continue;
          const key = `${path}\0${t.where}\0${f}`;
          if (SLOW_FILES.has(f) && slow.has(key)) continue;
          if (!needed(path, t.where, f)) continue;
          // Processes: cgroup2's, else the first v1 hierarchy that has the cgroup.
          if (f === 'cgroup.procs') {
            if (procs || (t.where !== 'v2' && inV2(path))) continue;
            procs = true;
          }
          at.set(key, files.length);
          asked.set(key, { where: t.where, file: f, path });
          files.push(`${dir}/${f}`);
        }
      }
    }
    const texts = ch.readFiles(files);
    // A file no cgroup of a hierarchy has is not asked for again until the next walk.
    const seen = new Map<string, boolean>();
    for (const [key, a] of asked) {
      const fk = `${a.where}\0${a.file}`;
      seen.set(fk, (seen.get(fk) ?? false) || (texts[at.get(key)!] ?? null) !== null);
      if (SLOW_FILES.has(a.file)) slow.set(key, texts[at.get(key)!] ?? null);
    }
    for (const [fk, any] of seen)
      if (!any) {
        const [where, file] = fk.split('\0') as [Where, string];
        let m = missing.get(where);
        if (!m) missing.set(where, (m = new Set()));
        m.add(file);
      }
    // A cgroup none of whose files could be read (of those its hierarchy's cgroups have) is gone: its tree is walked
    // again at the next read.
    const ok = new Map<string, boolean>();
    for (const [key, a] of asked) {
      if (!seen.get(`${a.where}\0${a.file}`)) continue;
      const ck = `${a.where}\0${a.path}`;
      ok.set(ck, (ok.get(ck) ?? false) || (texts[at.get(key)!] ?? null) !== null);
    }
    for (const [ck, fine] of ok)
      if (!fine) {
        const h = hierarchies.find((x) => x.where === ck.slice(0, ck.indexOf('\0')));
        if (h) caches.get(h.root)?.invalidate();
      }
    const entries = new Map<string, CgroupEntry>();
    for (const path of all) {
      const get = (where: string, f: string): string | null => {
        const key = `${path}\0${where}\0${f}`;
        const i = at.get(key);
        if (i !== undefined) return texts[i] ?? null;
        return slow.get(key) ?? null;
      };
      const used = new Set<string>();
      const from = <T>(v2: T | null, v1v: () => T | null, ctrl: string): T | null => {
        if (v2 !== null) {
          used.add('v2');
          return v2;
        }
        const v = v1v();
        if (v !== null) used.add(ctrl);
        return v;
      };
      const v2stat = get('v2', 'cpu.stat');
      const cs = v2stat === null ? null : parseKeyed(v2stat);
      const cpu = from(
        cs?.has('usage_usec') ? { usageUs: cs.get('usage_usec')!, userUs: cs.get('user_usec') ?? null, systemUs: cs.get('system_usec') ?? null } : null,
        () => {
          const u = parseSingle(get('cpuacct', 'cpuacct.usage') ?? '');
          if (u === null) return null;
          const st = parseKeyed(get('cpuacct', 'cpuacct.stat') ?? '');
          const tick = (k: string): number | null => (st.has(k) ? (st.get(k)! * 1e6) / hz : null);
          return { usageUs: u / 1000, userUs: tick('user'), systemUs: tick('system') };
        },
        'v1',
      );
      const throttle = from(
        cs?.has('nr_throttled') ? { periods: cs.get('nr_periods') ?? 0, throttled: cs.get('nr_throttled')!, throttledUs: cs.get('throttled_usec') ?? 0 } : null,
        () => {
          const t = get('cpu', 'cpu.stat');
          if (t === null) return null;
          const k = parseKeyed(t);
          return k.has('nr_throttled')
            ? { periods: k.get('nr_periods') ?? 0, throttled: k.get('nr_throttled')!, throttledUs: (k.get('throttled_time') ?? 0) / 1000 }
            : null;
        },
        'v1',
      );
      const max = get('v2', 'cpu.max');
      const quotaCpus = from(
        max === null
          ? null
          : ((): number => {
              const [q, p] = max.trim().split(' ');
              return q === 'max' ? Infinity : Number(q) / Number(p || 100000);
            })(),
        () => {
          const q = parseSingle(get('cpu', 'cpu.cfs_quota_us') ?? '');
          const p = parseSingle(get('cpu', 'cpu.cfs_period_us') ?? '');
          return q === null || p === null || p <= 0 ? null : q < 0 ? Infinity : q / p;
        },
        'v1',
      );
      const cur = parseSingle(get('v2', 'memory.current') ?? '');
      const mem = from(
        cur === null ? null : { current: cur, high: parseSingle(get('v2', 'memory.high') ?? ''), max: parseSingle(get('v2', 'memory.max') ?? '') },
        () => {
          const u = parseSingle(get('memory', 'memory.usage_in_bytes') ?? '');
          return u === null ? null : { current: u, high: null, max: v1Limit(parseSingle(get('memory', 'memory.limit_in_bytes') ?? '')) };
        },
        'v1',
      );
      const ev = get('v2', 'memory.events');
      const memEvents = from<CgroupEntry['memEvents']>(
        ev === null
          ? null
          : ((k) => ({ high: k.get('high') ?? 0, max: k.get('max') ?? 0, oom: k.get('oom') ?? 0, oomKill: k.get('oom_kill') ?? 0 }))(parseKeyed(ev)),
        () => {
          const fail = parseSingle(get('memory', 'memory.failcnt') ?? '');
          if (fail === null) return null;
          return { high: null, max: fail, oom: null, oomKill: parseKeyed(get('memory', 'memory.oom_control') ?? '').get('oom_kill') ?? 0 };
        },
        'v1',
      );
      const iostat = get('v2', 'io.stat');
      const io = from(
        iostat === null ? null : parseIoStat(iostat),
        () => {
          const b = get('blkio', 'blkio.throttle.io_service_bytes_recursive');
          return b === null ? null : parseBlkio(b, get('blkio', 'blkio.throttle.io_serviced_recursive') ?? '');
        },
        'v1',
      );
      const pc = parseSingle(get('v2', 'pids.current') ?? '');
      const pids = from(
        pc === null ? null : { current: pc, max: parseSingle(get('v2', 'pids.max') ?? '') },
        () => {
          const c = parseSingle(get('pids', 'pids.current') ?? '');
          return c === null ? null : { current: c, max: parseSingle(get('pids', 'pids.max') ?? '') };
        },
        'v1',
      );
      // Membership: cgroup2's, else the first v1 hierarchy that has the cgroup.
      let procs = lines(get('v2', 'cgroup.procs'));
      for (const h of hierarchies) if (procs === null && h.where !== 'v2') procs = lines(get(h.where, 'cgroup.procs'));
      const pressure = (f: string): ReturnType<typeof parsePressure> => {
        const t = get('v2', f);
        return t === null ? null : parsePressure(t);
      };
      let w = workloads.get(path);
      if (!w) {
        const named = workloadOf(path, names);
        workloads.set(path, (w = { name: escapeControl(named.name), kind: named.kind }));
      }
      entries.set(path, {
        path,
        inV2: inV2(path),
        source: used.size === 0 ? (inV2(path) ? 'v2' : 'v1') : [...used].sort().reverse().join('+'),
        workload: w.name,
        kind: w.kind,
        procs,
        cpu,
        throttle,
        quotaCpus,
        mem,
        memEvents,
        io,
        pids,
        psi: { cpu: pressure('cpu.pressure'), memory: pressure('memory.pressure'), io: pressure('io.pressure') },
      });
    }
    return { nowNs: host.nowNs(), layout: setup.layout, describe: setup.describe, psi: psi.ok, psiReason: psi.reason, entries, cut };
  };
}

const pct = (key: keyof CgroupRow & string, title: string, help: string, drop?: number, width = 6): Column<CgroupRow> => ({
  key,
  title,
  width,
  align: 'right',
  ...(drop !== undefined ? { drop } : {}),
  value: (r) => r[key] as number | null,
  format: (v) => percent(asNumber(v)),
  help,
});

const bytesCol = (key: 'mem_bytes' | 'mem_high' | 'mem_max', title: string, help: string, drop?: number): Column<CgroupRow> => ({
  key,
  title,
  width: 6,
  align: 'right',
  unit: 'bytes',
  ...(drop !== undefined ? { drop } : {}),
  // No limit sorts as the biggest, and reads "max" as the file does.
  value: (r) => (r[key] === Infinity ? Number.MAX_VALUE : r[key]),
  format: (v) => (v === Number.MAX_VALUE ? 'max' : humanBytes(asNumber(v))),
  help,
  decimals: 0,
});

const countCol = (key: 'throttled' | 'mem_high_events' | 'mem_max_events' | 'oom_kill', title: string, help: string, drop: number): Column<CgroupRow> => ({
  key,
  title,
  width: Math.max(5, title.length + 2),
  align: 'right',
  drop,
  perInterval: true,
  unit: 'count',
  value: (r) => r[key],
  format: (v) => humanCount(asNumber(v)),
  help,
  decimals: 0,
});

const f1 = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
const limit = (v: number | null): string => (v === null ? '-' : v === Infinity ? 'max' : humanBytes(v));

export function cgroupSummary(rows: readonly CgroupRow[], stats: PanelStats): Summary {
  const root = rows.find((r) => r.path === '/');
  // The busiest cgroup that holds processes (a slice's figures are its children's).
  const busiest = rows.filter((r) => r.path !== '/' && (r.processes ?? 0) > 0).sort((a, b) => (b.cpu_pct ?? -1) - (a.cpu_pct ?? -1))[0];
  const throttled = rows.filter((r) => (r.throttled ?? 0) > 0).length;
  const ooms = rows.reduce((a, r) => a + (r.path === '/' ? 0 : (r.oom_kill ?? 0)), 0);
  const text = [
    `${rows.length} cgroups`,
    busiest?.cpu_pct ? `busiest ${busiest.workload} ${f1(busiest.cpu_pct)} %` : '',
    throttled ? `${throttled} throttled` : '',
    ooms ? `${ooms} OOM kills` : '',
    (stats.psi ?? 0) === 0
      ? 'no pressure stall information (PSI)'
      : root
        ? `host pressure cpu ${f1(root.cpu_some_pct)} mem ${f1(root.mem_some_pct)} io ${f1(root.io_some_pct)} %`
        : '',
    (stats.cut ?? 0) > 0 ? `${stats.cut} not listed` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return { text, values: { cgroups: rows.length, throttled, oom_kills: ooms, busiest_cpu_pct: busiest?.cpu_pct ?? null } };
}

export const cgroupsPanel: PanelDef<CgroupSample, CgroupRow> = {
  id: 'cgroups',
  title: 'cgroups',
  source: {
    kind: 'proc',
    files: ['/sys/fs/cgroup/** (cgroup2: cpu.stat, memory.*, io.stat, pids.*, *.pressure; v1: cpuacct, cpu, memory, blkio, pids)', '/proc/pressure/*'],
    createReader: (_readText, host) => createCgroupReader(host),
  },
  hookList: [{ name: 'proc', hooks: 'the cgroup files (no BPF, no privilege)' }],
  // Every cgroup's files each interval (5 or so per cgroup: 40 ms a read with 500 cgroups here): read only while on
  // screen, or from start when --panels names it. The checklist reads the cgroups' pressure itself, under pressure.
  attach: 'on-screen',
  derive: deriveCgroups,
  stats: (s, p) => ({
    psi: s.psi ? 1 : 0,
    cut: s.cut,
    v2: s.layout === 'v2' || s.layout === 'hybrid' ? 1 : 0,
    // the interval in seconds, for /metrics (shares of it become seconds)
    elapsed_s: p ? (s.nowNs - p.nowNs) / 1e9 : 0,
  }),
  summarize: cgroupSummary,
  trend: (r) => r.cpu_pct,
  trendOf: { label: 'CPU % (100 = one CPU)', format: (v) => `${v.toFixed(0)}%` },
  pinned: (r) => r.path === '/',
  tree: { parent: (r: CgroupRow) => r.parent, name: 'path', sums: {} },
  // A cgroup's processes; not for a cgroup only a v1 hierarchy has (processes are listed by their cgroup2 membership).
  drill: (r) => (r.source === 'v1' ? [] : [procsPanel.id]),
  // Its processes, the busiest first.
  drillView: (r) => ({ cgroup: r.path, sort: { key: 'cpu_pct', descending: true } }),
  cgroupOf: (r) => r.path,
  tone: (r) => ((r.oom_kill ?? 0) > 0 || (r.mem_full_pct ?? 0) >= 10 ? 'bad' : (r.throttled ?? 0) > 0 || (r.mem_max_events ?? 0) > 0 ? 'look' : null),
  columns: [
    {
      key: 'path',
      title: 'CGROUP',
      width: 30,
      minWidth: 22,
      maxWidth: 70,
      align: 'left',
      keep: 'end',
      ascending: true,
      value: (r) => r.path,
      // In the tree, each cgroup by its own name under its parent.
      format: (v, r) => ('tree_depth' in r ? r.name : String(v)),
      help: "the cgroup's path below the hierarchy's root (cgroup2's where there is one)",
    },
    workloadColumn<CgroupRow>(3, { always: true }),
    {
      key: 'processes',
      title: 'PROCS',
      width: 5,
      align: 'right',
      value: (r) => r.processes,
      format: (v) => humanCount(asNumber(v)),
      help: 'processes in the cgroup itself (cgroup.procs), not below it',
    },
    pct('cpu_pct', 'CPU%', 'CPU in the interval, 100 = one CPU, the cgroup and all below it (cpu.stat usage_usec; v1: cpuacct.usage)'),
    countCol('throttled', 'THR', 'CFS periods in which it was throttled (cpu.stat nr_throttled), per second', 2),
    pct('throttled_pct', 'THR%', 'share of the interval it was throttled (cpu.stat throttled_usec; v1: throttled_time)', 2),
    bytesCol('mem_bytes', 'MEM', 'memory charged to it and below (memory.current; v1: memory.usage_in_bytes)'),
    bytesCol('mem_high', 'HIGH', 'memory.high: above it, it is throttled and reclaimed (v1 has none)', 4),
    bytesCol('mem_max', 'MAX', 'memory.max (v1: memory.limit_in_bytes): above it, the OOM killer', 4),
    countCol('mem_high_events', 'HIGH↑', 'times it went over memory.high (memory.events high), per second', 5),
    countCol('mem_max_events', 'MAX↑', 'times it hit memory.max (memory.events max; v1: memory.failcnt), per second', 5),
    countCol('oom_kill', 'OOMK', 'processes the OOM killer killed in it (memory.events oom_kill; v1: memory.oom_control)', 4),
    {
      key: 'read_bytes',
      title: 'READ',
      width: 6,
      align: 'right',
      drop: 3,
      perInterval: true,
      unit: 'bytes',
      value: (r) => r.read_bytes,
      format: (v) => humanBytes(asNumber(v)),
      help: 'bytes read from block devices (io.stat rbytes; v1: blkio.throttle.io_service_bytes_recursive)',
      decimals: 0,
    },
    {
      key: 'write_bytes',
      title: 'WRITE',
      width: 6,
      align: 'right',
      drop: 3,
      perInterval: true,
      unit: 'bytes',
      value: (r) => r.write_bytes,
      format: (v) => humanBytes(asNumber(v)),
      help: 'bytes written to block devices (io.stat wbytes; v1: blkio)',
      decimals: 0,
    },
    {
      key: 'pids',
      title: 'TASKS',
      width: 5,
      align: 'right',
      drop: 4,
      value: (r) => r.pids,
      format: (v) => humanCount(asNumber(v)),
      help: 'tasks (threads) in it and below (pids.current)',
    },
    pct('cpu_some_pct', 'CPU.P', 'CPU pressure: share of the interval some of its tasks waited for a CPU (cpu.pressure some total)', 1),
    pct('mem_some_pct', 'MEM.P', 'memory pressure: share of the interval some of its tasks stalled on memory (reclaim, swap-in, thrashing)', 1),
    pct('mem_full_pct', 'MEM.F', 'memory pressure, full: share of the interval all its non-idle tasks stalled on memory at once', 3),
    pct('io_some_pct', 'IO.P', 'I/O pressure: share of the interval some of its tasks waited for I/O', 1),
    pct('io_full_pct', 'IO.F', 'I/O pressure, full: all its non-idle tasks waited for I/O at once', 4),
  ],
  defaultSort: { key: 'cpu_pct', descending: true },
  detail: [
    { label: 'cgroup', value: (r) => `${r.path} (${r.source})` },
    { label: 'workload', value: (r) => `${r.workload} (${r.kind})` },
    {
      label: 'CPU',
      value: (r) =>
        `${f1(r.cpu_pct)} % (user ${f1(r.usr_pct)} system ${f1(r.sys_pct)}), limit ${r.quota_cpus === null ? '-' : r.quota_cpus === Infinity ? 'none' : `${r.quota_cpus.toFixed(2)} CPUs`}`,
    },
    { label: 'throttled', value: (r) => `${r.throttled ?? '-'} of ${r.periods ?? '-'} periods, ${f1(r.throttled_pct)} % of the time` },
    { label: 'memory', value: (r) => `${limit(r.mem_bytes)}, high ${limit(r.mem_high)}, max ${limit(r.mem_max)}` },
    {
      label: 'memory events',
      value: (r) => `high ${r.mem_high_events ?? '-'}, max ${r.mem_max_events ?? '-'}, oom ${r.oom ?? '-'}, oom_kill ${r.oom_kill ?? '-'} (in the interval)`,
    },
    {
      label: 'I/O',
      value: (r) =>
        `read ${humanBytes(r.read_bytes)} (${r.read_ios ?? '-'} requests), write ${humanBytes(r.write_bytes)} (${r.write_ios ?? '-'})${r.devices ? `; ${r.devices}` : ''}`,
    },
    {
      label: 'tasks',
      value: (r) => `${r.pids ?? '-'} of ${r.pids_max === null ? '-' : r.pids_max === Infinity ? 'max' : r.pids_max}; processes in it: ${r.processes ?? '-'}`,
    },
    {
      label: 'pressure',
      value: (r) =>
        `cpu some ${f1(r.cpu_some_pct)} full ${f1(r.cpu_full_pct)}, memory some ${f1(r.mem_some_pct)} full ${f1(r.mem_full_pct)}, io some ${f1(r.io_some_pct)} full ${f1(r.io_full_pct)} (% of the interval)`,
    },
  ],
  metrics: {
    families: {
      cpu: { name: 'sixty_cgroup_cpu_seconds_total', help: 'CPU time of a cgroup and those below it, for the busiest cgroups.', type: 'counter' },
      throttled: {
        name: 'sixty_cgroup_throttled_seconds_total',
        help: 'Time a cgroup was throttled by its CPU limit, for the busiest cgroups.',
        type: 'counter',
      },
      memory: { name: 'sixty_cgroup_memory_bytes', help: 'Memory charged to a cgroup and those below it, for the busiest cgroups.', type: 'gauge' },
      stalled: {
        name: 'sixty_cgroup_pressure_stalled_seconds_total',
        help: "Time some (or all: full) of a cgroup's tasks were stalled on a resource (PSI), for the busiest cgroups.",
        type: 'counter',
      },
    },
    fold(panel, sink) {
      // A cgroup's figures include those below it, so they are not summed: the busiest cgroups by CPU (--metrics-top)
      // each have their series, labelled by path and workload; the rest have none (a sum of them would count twice).
      const rows = panel.rows.filter((r) => r.path !== '/');
      const labelOf = sink.processLabels(new Map(rows.map((r) => [r.path, (r.cpu_pct ?? 0) + (r.mem_bytes ?? 0) / 1e12])));
      const elapsedS = num(panel.stats.elapsed_s);
      const secs = (pct: number | null): number => ((pct ?? 0) / 100) * elapsedS;
      for (const r of rows) {
        if (labelOf(r.path) !== r.path) continue;
        const labels = { cgroup: r.path, workload: r.workload };
        sink.add('cpu', labels, secs(r.cpu_pct));
        sink.add('throttled', labels, secs(r.throttled_pct));
        if (r.mem_bytes !== null) sink.gauge('memory', labels, r.mem_bytes);
        for (const [resource, some, full] of [
          ['cpu', r.cpu_some_pct, r.cpu_full_pct],
          ['memory', r.mem_some_pct, r.mem_full_pct],
          ['io', r.io_some_pct, r.io_full_pct],
        ] as const) {
          sink.add('stalled', { ...labels, resource, kind: 'some' }, secs(some));
          sink.add('stalled', { ...labels, resource, kind: 'full' }, secs(full));
        }
      }
    },
  },
  blindSpots:
    "Figures are the kernel's per-cgroup counters: CPU, memory, I/O and pressure include every cgroup below (the root's are the host's). On a hybrid host, pressure exists only for cgroup2's cgroups and CPU, memory and I/O come from the v1 controllers (the same path in each hierarchy); a cgroup that exists only in a v1 hierarchy has no pressure. v1 has no memory.high, so HIGH and HIGH↑ are empty there. Without PSI (CONFIG_PSI off, psi=0) the pressure columns are empty. cgroup.procs lists only processes in the cgroup itself.",
};
