/**
 * The home screen: the Linux 60-second checklist, live, from /proc and /dev/kmsg (no BPF, no privilege but for the
 * ring buffer). Each step is a row: the command it stands for, its headline, a verdict (ok / look / bad, by the USE
 * method), and the BPF panels that explain it (Enter drills into them).
 */
import { hostConstants } from '../kernel/auxv.js';
import {
  CHECKLIST_FIELDS,
  cpuMeters,
  psiShares,
  deriveChecklist,
  VERDICT_HELP,
  type ChecklistRow,
  type ChecklistSample,
  type KmsgState,
  type StepId,
} from '../models/checklist.js';
import { biolatencyPanel } from './biolatency.js';
import { biotopPanel } from './biotop.js';
import { cachetopPanel } from './cachetop.js';
import { cgroupsPanel } from './cgroups.js';
import { cgroupHostOf, cgroupSetup, createTreeCache, createWorkloadNames, hostPsi, readCgroupPressure } from '../kernel/cgroups.js';
import { parsePressure, type CgroupPressure } from '../records/cgroupfs.js';
import { workloadOf } from '../models/workload.js';
import { execsnoopPanel } from './execsnoop.js';
import { filetopPanel } from './filetop.js';
import { procsPanel } from './procs.js';
import { profilePanel } from './profile.js';
import { runqlatPanel } from './runqlat.js';
import { runqlenPanel } from './runqlen.js';
import { softirqsPanel } from './softirqs.js';
import { tcptopPanel } from './tcptop.js';
import { tcplifePanel } from './tcplife.js';
import { tcpretransPanel } from './tcpretrans.js';
import { fsslowerPanel } from './fsslower.js';
import { cachestatPanel } from './cachestat.js';
import { parseProcStat } from '../records/procstat.js';
import {
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parsePidStat,
  parseSnmpTcp,
  parseUptime,
  parseVmstat,
  freeOf,
  type KmsgReader,
  type KmsgRecord,
  type ProcTask,
} from '../records/procfs.js';
import { escapeControl, escapeRawControls } from '../format.js';
import type { HostFigures } from '../frame.js';
import type { HostInfo, PanelDef, PanelStats, Summary } from './types.js';

/** Records of the ring buffer kept between reads (dmesg | tail shows the last ones). */
const KMSG_KEEP = 200;
const VERDICT_ORDER: Record<string, number> = { bad: 3, look: 2, ok: 1, '-': 0 };
/** sixty_check_verdict's values (a step without a verdict has no sample). */
const VERDICT_VALUE: Record<string, number> = { ok: 0, look: 1, bad: 2 };
/** Fields that name something (a process, a CPU) rather than measure it: not readings. */
const IDENTITY_FIELDS = new Set(['culprit_pid', 'top_pid', 'busiest_cpu', 'max_soft_cpu']);

/** What each step's TREND follows (its `value`): up is worse on every one. */
export const HOME_TREND: Readonly<Record<string, string>> = {
  uptime: 'the 1-minute load average',
  dmesg: 'new kernel messages per interval',
  vmstat: 'runnable tasks waiting (r)',
  mpstat: 'the busiest CPU, % busy',
  pidstat: 'the busiest process, % of a CPU',
  iostat: 'the busiest disk, %util',
  free: 'memory used, % of total',
  'sar-dev': 'the busiest interface, kB/s',
  'sar-tcp': 'TCP retransmits per second',
  top: 'running tasks',
};
/** Each step's name in the CHECK column (the command in full is in the detail view and JSON). */
const SHORT: Readonly<Record<string, string>> = { 'sar-dev': 'sar DEV', 'sar-tcp': 'sar TCP' };

/**
 * Every process's /proc/PID/stat, in one call where the host can (the addon; the engine reads each once a tick for this
 * and the process table); processes that exit while being read are skipped.
 */
function readTasks(host: HostInfo, listDir: (path: string) => string[]): ProcTask[] {
  const paths: string[] = [];
  for (const name of listDir('/proc')) if (/^\d+$/.test(name)) paths.push(`/proc/${name}/stat`);
  const texts = host.readFiles
    ? host.readFiles(paths)
    : paths.map((p) => {
        try {
          return host.readText(p);
        } catch {
          return null; // gone
        }
      });
  const out: ProcTask[] = [];
  for (const text of texts) {
    const t = text === null ? null : parsePidStat(text);
    if (t) out.push(t);
  }
  return out;
}

/** Reads every file of the checklist; the ring buffer is read incrementally, its last records kept. */
export function createChecklistReader(readText: (path: string) => string, host: HostInfo): (() => ChecklistSample) & { close: () => void } {
  const listDir = host.listDir ?? ((): string[] => []);
  let kmsg: KmsgReader | null = null;
  let kmsgReason: string | null = null;
  try {
    kmsg = host.openKmsg?.() ?? null;
  } catch (e) {
    kmsgReason = (e as Error).message;
  }
  let recent: KmsgRecord[] = [];
  let seen = 0;
  // Pressure: the host's, and each cgroup2 cgroup's (the culprit a step under pressure names). The cgroups' files are
  // read only while the host is under some pressure (any resource stalled 1 % of the time since the last reading):
  // on a host with hundreds of cgroups they are thousands of files, and a culprit is only named under pressure. The
  // first interval under pressure gives the shares for the next: the culprit is named from the second.
  const psiHost = hostPsi(readText);
  const cg = cgroupHostOf(host);
  const v2 = psiHost.ok ? cgroupSetup(readText).mounts.v2 : null;
  const tree = v2 ? createTreeCache(cg, v2) : null;
  const names = createWorkloadNames(cg);
  const workloads = new Map<string, string>();
  let last: { psi: CgroupPressure; ns: number } | null = null;
  const pressure = (): { psi: CgroupPressure | null; cgroupPsi?: Map<string, CgroupPressure & { workload: string }> } => {
    if (!psiHost.ok) return { psi: null };
    const one = (f: string): ReturnType<typeof parsePressure> => {
      try {
        return parsePressure(readText(`/proc/pressure/${f}`));
      } catch {
        return null;
      }
    };
    const psi = { cpu: one('cpu'), memory: one('memory'), io: one('io') };
    const ns = host.nowNs();
    const before = last;
    last = { psi, ns };
    const moved = (k: 'cpu' | 'memory' | 'io'): boolean =>
      before !== null && (psi[k]?.some.totalUs ?? 0) - (before.psi[k]?.some.totalUs ?? 0) >= ((ns - before.ns) / 1000) * 0.01;
    if (!v2 || !tree || !(moved('cpu') || moved('memory') || moved('io'))) return { psi };
    const cgroupPsi = new Map<string, CgroupPressure & { workload: string }>();
    if (workloads.size > 10_000) workloads.clear();
    for (const [path, c] of readCgroupPressure(cg, v2, tree)) {
      let w = workloads.get(path);
      if (w === undefined) workloads.set(path, (w = escapeControl(workloadOf(path, names).name)));
      cgroupPsi.set(path, { ...c, workload: w });
    }
    return { psi, cgroupPsi };
  };
  const blockDevices = (): Set<string> => {
    try {
      return new Set(listDir('/sys/block'));
    } catch {
      return new Set();
    }
  };
  const read = (): ChecklistSample => {
    let state: KmsgState;
    if (kmsg && kmsgReason === null) {
      try {
        const fresh = kmsg.read();
        seen += fresh.length;
        recent = [...recent, ...fresh].slice(-KMSG_KEEP);
      } catch (e) {
        kmsgReason = (e as Error).message;
      }
    }
    if (kmsgReason !== null || !kmsg) state = { readable: false, reason: kmsgReason ?? '/dev/kmsg is not available', recent: [], seen };
    else state = { readable: true, reason: null, recent, seen };
    const disks = blockDevices();
    let tcp: ChecklistSample['tcp'] = new Map();
    try {
      tcp = parseSnmpTcp(readText('/proc/net/snmp'));
    } catch {
      /* no IPv4 */
    }
    return {
      nowNs: host.nowNs(),
      uptimeS: parseUptime(readText('/proc/uptime')),
      ncpu: host.onlineCpus(),
      hz: hostConstants().clockTicks,
      pageKb: hostConstants().pageSize / 1024,
      stat: parseProcStat(readText('/proc/stat')),
      load: parseLoadavg(readText('/proc/loadavg')),
      mem: parseMeminfo(readText('/proc/meminfo')),
      vm: parseVmstat(readText('/proc/vmstat')),
      disks: parseDiskstats(readText('/proc/diskstats')).filter((d) => disks.has(d.name)),
      net: parseNetDev(readText('/proc/net/dev')),
      tcp,
      tasks: readTasks(host, listDir),
      kmsg: state,
      ...pressure(),
      psiReason: psiHost.reason,
    };
  };
  return Object.assign(read, { close: () => kmsg?.close() });
}

/** The checklist's summary: how many steps say look or bad, and the host's essentials for the header. */
export function homeSummary(rows: readonly ChecklistRow[], stats: PanelStats): Summary {
  const bad = rows.filter((r) => r.verdict === 'bad');
  const look = rows.filter((r) => r.verdict === 'look');
  const text =
    bad.length + look.length === 0
      ? 'every step looks ok'
      : [bad.length ? `bad: ${bad.map((r) => r.id).join(', ')}` : '', look.length ? `look: ${look.map((r) => r.id).join(', ')}` : '']
          .filter(Boolean)
          .join('; ');
  return { text, values: { bad: bad.length, look: look.length, ...stats } };
}

/** The header's figures (load, memory, per-CPU meters), carried in the panel's stats so every screen can draw them. */
export function homeStats(sample: ChecklistSample, previous: ChecklistSample | undefined): Record<string, number> {
  const m = freeOf(sample.mem);
  const out: Record<string, number> = {
    load1: sample.load.load1,
    load5: sample.load.load5,
    load15: sample.load.load15,
    cpus: sample.ncpu,
    mem_total_kb: m.total,
    mem_used_kb: m.used,
    mem_buff_cache_kb: m.buffCache,
    mem_available_kb: m.available,
    swap_total_kb: m.swapTotal,
    swap_used_kb: m.swapUsed,
  };
  const psi = previous ? psiShares(sample, previous, (sample.nowNs - previous.nowNs) / 1e9) : null;
  if (!sample.psi) out.psi_missing = 1;
  else if (psi) {
    out.psi_cpu_some_pct = psi.cpu.some ?? 0;
    out.psi_mem_some_pct = psi.mem.some ?? 0;
    out.psi_mem_full_pct = psi.mem.full ?? 0;
    out.psi_io_some_pct = psi.io.some ?? 0;
    out.psi_io_full_pct = psi.io.full ?? 0;
  }
  for (const c of cpuMeters(sample, previous)) {
    out[`cpu${c.cpu}_busy_pct`] = c.busy;
    out[`cpu${c.cpu}_soft_pct`] = c.soft;
    out[`cpu${c.cpu}_iowait_pct`] = c.iowait;
  }
  return out;
}

/** The header's figures from home's own stats (the keys homeStats writes). */
export function homeHost(stats: PanelStats): HostFigures | undefined {
  if (stats.cpus === undefined) return undefined;
  const meters: { cpu: number; busy: number; soft: number; iowait: number }[] = [];
  for (const [k, busy] of Object.entries(stats)) {
    const m = /^cpu(\d+)_busy_pct$/.exec(k);
    if (m) meters.push({ cpu: Number(m[1]), busy, soft: stats[`cpu${m[1]}_soft_pct`] ?? 0, iowait: stats[`cpu${m[1]}_iowait_pct`] ?? 0 });
  }
  meters.sort((a, b) => a.cpu - b.cpu);
  return {
    cpus: stats.cpus,
    load1: stats.load1 ?? 0,
    load5: stats.load5 ?? 0,
    load15: stats.load15 ?? 0,
    memTotalKb: stats.mem_total_kb ?? 0,
    memUsedKb: stats.mem_used_kb ?? 0,
    memAvailableKb: stats.mem_available_kb ?? 0,
    memBuffCacheKb: stats.mem_buff_cache_kb ?? 0,
    swapTotalKb: stats.swap_total_kb ?? 0,
    swapUsedKb: stats.swap_used_kb ?? 0,
    meters,
    // Pressure: the interval's stall shares; absent before the first interval, and null on a kernel without PSI.
    ...(stats.psi_missing
      ? { psi: null }
      : stats.psi_cpu_some_pct !== undefined
        ? {
            psi: {
              cpu: stats.psi_cpu_some_pct,
              memory: stats.psi_mem_some_pct ?? 0,
              memoryFull: stats.psi_mem_full_pct ?? 0,
              io: stats.psi_io_some_pct ?? 0,
              ioFull: stats.psi_io_full_pct ?? 0,
            },
          }
        : {}),
  };
}

/**
 * The BPF panels that explain each step, in the order Enter tries them (the first that runs): by the panels
 * themselves, so a panel renamed or removed is a compile error here, not a dead drill.
 */
const EXPLAINED_BY: Readonly<Record<StepId, readonly { id: string }[]>> = {
  uptime: [procsPanel, runqlatPanel, runqlenPanel],
  dmesg: [],
  vmstat: [procsPanel, runqlatPanel, runqlenPanel],
  mpstat: [procsPanel, profilePanel, runqlatPanel, runqlenPanel, softirqsPanel],
  pidstat: [procsPanel, profilePanel, execsnoopPanel, filetopPanel],
  iostat: [biotopPanel, biolatencyPanel, fsslowerPanel, procsPanel, filetopPanel],
  free: [procsPanel, cachestatPanel, cachetopPanel],
  'sar-dev': [tcptopPanel, softirqsPanel],
  'sar-tcp': [tcptopPanel, tcpretransPanel, tcplifePanel],
  top: [procsPanel, profilePanel, execsnoopPanel, runqlatPanel, runqlenPanel],
};
/** A step's explanation, with the panel that names its cause first where the step's figures say which (retransmits). */
function explainedBy(row: ChecklistRow): string {
  let list = EXPLAINED_BY[row.id];
  if (row.id === 'sar-tcp' && ((row.fields.retrans_s as number | null) ?? 0) > 0) list = [tcpretransPanel, ...list.filter((p) => p !== tcpretransPanel)];
  return list.map((p) => p.id).join(',');
}

const byCol = (key: string): { key: string; descending: boolean } => ({ key, descending: true });

/**
 * How the process panel opens from a step: sorted by what the step is about (CPU; resident memory for free and for
 * vmstat while it swaps, major faults next; the heavier direction of iostat's I/O), its culprit selected.
 */
function procsViewOf(row: ChecklistRow): { sort: { key: string; descending: boolean }; select?: string } {
  const f = row.fields;
  const select = typeof f.culprit_pid === 'number' ? { select: String(f.culprit_pid) } : {};
  const swapping = row.id === 'vmstat' && ((f.si_kb_s as number | null) ?? 0) + ((f.so_kb_s as number | null) ?? 0) > 0;
  if (row.id === 'free') return { sort: byCol('rss_bytes'), ...select };
  if (swapping) return { sort: byCol('majflt'), ...select };
  if (row.id === 'iostat') return { sort: byCol(((f.rkb_s as number | null) ?? 0) > ((f.wkb_s as number | null) ?? 0) ? 'read_bytes' : 'write_bytes') };
  return { sort: byCol('cpu_pct'), ...select };
}

export const homePanel: PanelDef<ChecklistSample, ChecklistRow> = {
  id: 'home',
  title: 'home',
  role: 'start',
  host: homeHost,
  source: {
    kind: 'proc',
    files: ['/proc/{stat,loadavg,meminfo,vmstat,diskstats,uptime,net/dev,net/snmp,PID/stat}', '/dev/kmsg'],
    createReader: createChecklistReader,
  },
  hookList: [{ name: 'proc', hooks: '/proc and /dev/kmsg (no BPF; the ring buffer needs root or CAP_SYSLOG)' }],
  derive: (sample, previous, elapsedNs) =>
    deriveChecklist(sample, previous, elapsedNs, escapeControl, escapeRawControls).map((r) => ({
      ...r,
      // A step under pressure is explained first by the cgroup under the most of it.
      explains: typeof r.fields.pressure_cgroup === 'string' ? [cgroupsPanel.id, explainedBy(r)].filter(Boolean).join(',') : explainedBy(r),
    })),
  stats: homeStats,
  summarize: homeSummary,
  csvExtra: { keys: ['value', ...CHECKLIST_FIELDS], value: (r, k) => (k === 'value' ? r.value : (r.fields[k] ?? null)) },
  trend: (row) => row.value,
  // Each step follows its own figure, and up is worse on every one (free follows memory used, not available).
  trendOf: {
    label: (row) => HOME_TREND[row.id] ?? "the step's figure",
    help: `each step's own figure over the last intervals, each on its own scale, up is worse: ${Object.entries(HOME_TREND)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`,
  },
  // Each step its own unit (load, %util, kB/s): each row's sparkline on its own scale.
  trendScale: 'row',
  drill: (row) => (row.explains ? row.explains.split(',') : []),
  drillView: (row, target) =>
    target === procsPanel.id
      ? procsViewOf(row)
      : target === profilePanel.id
        ? // P: the busiest process's profile (its stacks only), where the step names one.
          typeof row.fields.culprit_pid === 'number'
          ? { pid: row.fields.culprit_pid }
          : undefined
        : target === cgroupsPanel.id && typeof row.fields.pressure_cgroup === 'string'
          ? {
              sort: {
                key: `${row.fields.pressure_resource === 'mem' ? 'mem' : row.fields.pressure_resource === 'io' ? 'io' : 'cpu'}_some_pct`,
                descending: true,
              },
              select: row.fields.pressure_cgroup,
            }
          : undefined,
  tone: (row) => (row.verdict === 'bad' || row.verdict === 'look' ? row.verdict : null),
  metrics: {
    families: {
      verdict: {
        name: 'sixty_check_verdict',
        help: "The 60-second checklist's verdict per step: 0 ok, 1 look, 2 bad (no sample while a step has none, as dmesg without the right to read the kernel log).",
        type: 'gauge',
      },
      value: {
        name: 'sixty_check_value',
        help:
          "Each step's headline figure, the one its sparkline follows (up is worse): " +
          Object.entries(HOME_TREND)
            .map(([k, v]) => `${k} ${v}`)
            .join('; ') +
          '.',
        type: 'gauge',
      },
      reading: {
        name: 'sixty_check_reading',
        help: "The numbers behind each step's verdict, by step and field (the fields of home's JSON and CSV, units in their names: _pct, _kb, _s per second, _ms; docs/columns.md).",
        type: 'gauge',
      },
    },
    fold(panel, sink) {
      for (const r of panel.rows) {
        const step = { step: r.id };
        const v = VERDICT_VALUE[r.verdict];
        if (v !== undefined) sink.gauge('verdict', step, v);
        if (r.value !== null && Number.isFinite(r.value)) sink.gauge('value', step, r.value);
        for (const [field, x] of Object.entries(r.fields))
          if (typeof x === 'number' && Number.isFinite(x) && !IDENTITY_FIELDS.has(field)) sink.gauge('reading', { ...step, field }, x);
      }
    },
  },
  columns: [
    {
      key: 'step',
      ascending: true,
      title: '#',
      width: 2,
      align: 'right',
      value: (r) => r.step,
      format: (v) => String(v),
      help: 'the step of the 60-second checklist (the key that selects it: 1–9, 0 for 10)',
    },
    {
      key: 'check',
      title: 'CHECK',
      width: 7,
      align: 'left',
      value: (r) => r.check,
      format: (_v, r) => SHORT[r.id] ?? r.id,
      help: 'the command the step stands for (JSON: `check`, in full), computed from the same /proc files as that command',
    },
    {
      key: 'verdict',
      // Worst first when chosen: bad, look, ok.
      ascending: false,
      title: 'VERDICT',
      width: 8,
      align: 'left',
      value: (r) => VERDICT_ORDER[r.verdict] ?? 0,
      format: (_v, r) => r.verdict,
      help: `ok / look / bad by the USE method (utilisation, saturation, errors): ${Object.entries(VERDICT_HELP)
        .map(([k, v]) => `${k}: ${v}`)
        .join('. ')}`,
    },
    {
      key: 'explains',
      title: 'NEXT',
      width: 9,
      minWidth: 7,
      align: 'left',
      value: (r) => r.explains,
      // The first panel, and how many more (the detail view and JSON list them all).
      format: (v) => {
        const all = String(v ?? '')
          .split(',')
          .filter(Boolean);
        return all.length === 0 ? '-' : all.length === 1 ? all[0]! : `${all[0]}+${all.length - 1}`;
      },
      help: 'the BPF panels that explain the step (the first, and how many more): Enter opens the first',
    },
    {
      key: 'reading',
      title: 'READING',
      width: 48,
      minWidth: 24,
      maxWidth: 110,
      beforeTrend: true,
      align: 'left',
      value: (r) => r.reading,
      format: (v) => String(v),
      help: 'the headline of the step over the interval (kernel text escaped)',
    },
  ],
  defaultSort: { key: 'step', descending: false },
  detail: [
    { label: 'check', value: (r) => `${r.step} ${r.check}` },
    { label: 'reading', value: (r) => r.reading },
    { label: 'verdict', value: (r) => `${r.verdict}${r.why ? `: ${r.why}` : ''}` },
    {
      label: 'figures',
      value: (r) =>
        Object.entries(r.fields)
          .map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toFixed(2)) : v}`)
          .join(', '),
    },
    { label: 'explained by', value: (r) => r.explains || '-' },
  ],
  blindSpots:
    'Rates need two readings: the first interval says "measuring…". Load averages count tasks in D state too (Linux). %util is the time a disk had I/O in flight: on devices that serve many requests at once (SSDs, RAID) 100 % is not saturation. The ring buffer (dmesg) needs root or CAP_SYSLOG where kernel.dmesg_restrict is set.',
};
