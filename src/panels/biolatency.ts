/**
 * The biolatency panel: block I/O latency as a distribution (the seed's biolatency -D, per disk and operation), with
 * p50/p99/max, the exact mean, iostat's await beside it, the distribution's modes, and the heat map of the last
 * intervals. A view of biotop's hooks: it reads biotop's rows each tick (after it), so it adds nothing in the kernel.
 */
import { biotopPanel } from './biotop.js';
import { heatLines } from './runqlat.js';
import { deriveBiolatency, groupBiotopRows, slotTop, type BiolatencyRow, type BiolatencySample } from '../models/biolatency.js';
import { histBars, humanBytes, humanCount, humanNs } from '../format.js';
import { asNumber, type Column, type PanelDef, type PanelStats, type Summary } from './types.js';
import { latencyColumn } from './columns.js';
import { addCounts } from '../models/delta.js';

/** How many intervals the heat map shows. */
export const BIOLAT_HEAT = 40;
/** The distribution column: from slot 9 (512 ns to 1 µs), two log2 slots a cell, the last cell a second and longer. */
const DIST_FROM = 9;

/** A log2 latency histogram (ns slots) as 12 cells of bars, 1 µs to a second and longer: two slots a cell. */
export function latencyDist(hist: readonly number[]): string {
  const cells: number[] = [];
  for (let i = DIST_FROM; i < hist.length; i += 2) cells.push((hist[i] ?? 0) + (hist[i + 1] ?? 0));
  return histBars(cells, 12);
}

/** Reads biotop's rows of this tick and keeps the last intervals' histograms over every disk. */
export function createBiolatencyReader(host: { panels?: () => readonly { id: string; status: string; reason: string | null; rows: readonly unknown[] }[] }) {
  let recent: number[][] = [];
  return (): BiolatencySample => {
    const bio = host.panels?.().find((p) => p.id === biotopPanel.id);
    if (!bio) return { off: `${biotopPanel.id} is not in this run (biolatency is read from its hooks: --panels ${biotopPanel.id},…)`, groups: [], recent };
    if (bio.status !== 'ok')
      return { off: `${biotopPanel.id}, whose hooks it reads, is ${bio.status}${bio.reason ? `: ${bio.reason}` : ''}`, groups: [], recent };
    const groups = groupBiotopRows(bio.rows as never);
    const all: number[] = [];
    for (const g of groups) addCounts(all, g.hist);
    recent = [...recent, Array.from(all, (c) => c ?? 0)].slice(-BIOLAT_HEAT);
    return { off: null, groups, recent };
  };
}

/** The histogram as biolatency prints it: one line per slot from the first to the last with a count, with stars. */
export function latencyLines(hist: readonly number[], width: number): string[] {
  let first = -1;
  let last = -1;
  hist.forEach((c, i) => {
    if (c > 0) {
      if (first < 0) first = i;
      last = i;
    }
  });
  if (first < 0) return ['  (no requests timed in the interval)'];
  const max = Math.max(...hist);
  const bar = Math.max(10, Math.min(40, width - 44));
  const out = [`  ${'latency'.padStart(19)} : ${'count'.padEnd(9)} distribution`];
  for (let i = first; i <= last; i++) {
    const c = hist[i] ?? 0;
    const range = `${humanNs(2 ** i)} -> ${humanNs(slotTop(i))}`;
    out.push(`  ${range.padStart(19)} : ${String(c).padEnd(9)} |${'*'.repeat(Math.round((c / max) * bar)).padEnd(bar)}|`);
  }
  return out;
}

/** The heat map: runqlat's, on this histogram's slots (2^i ns to 2^(i+1) − 1 ns). */
export const latencyHeat = (recent: readonly (readonly number[])[], width: number): string[] => heatLines(recent, width, slotTop, '(no requests yet)');

export function biolatencySummary(rows: readonly BiolatencyRow[], stats: PanelStats, elapsedNs: number): Summary {
  if ((stats.off ?? 0) > 0)
    return { text: `read from ${biotopPanel.id}'s rows, and ${biotopPanel.id} is not reading (its panel says why)`, values: {}, warning: true };
  const all = rows.find((r) => r.disk === 'all');
  if (!all) return { text: '', values: {} };
  const perS = elapsedNs > 0 ? (all.io * 1e9) / elapsedNs : null;
  let worst: BiolatencyRow | undefined;
  for (const r of rows) if (r.disk !== 'all' && (r.p99_ns ?? -1) > (worst?.p99_ns ?? -1)) worst = r;
  const modes = all.modes.length > 1 ? `; ${all.modes.length} modes: ${all.modes.map((s) => `≤${humanNs(slotTop(s))}`).join(' and ')}` : '';
  const text =
    `all disks: ${humanCount(perS === null ? null : Math.round(perS))} IO/s, p50 ≤${humanNs(all.p50_ns)} p99 ≤${humanNs(all.p99_ns)} max ≤${humanNs(all.max_ns)}, ` +
    `mean ${humanNs(all.avg_ns)}, await ${humanNs(all.await_ns)}${modes}` +
    (worst && worst.p99_ns !== null ? `; worst p99: ${worst.disk} ${worst.op} ≤${humanNs(worst.p99_ns)}` : '');
  return { text, values: { io_per_s: perS, p50_ns: all.p50_ns, p99_ns: all.p99_ns, max_ns: all.max_ns, avg_ns: all.avg_ns, await_ns: all.await_ns } };
}

const ns = (key: 'avg_ns' | 'await_ns' | 'p50_ns' | 'p99_ns' | 'max_ns', title: string, help: string, bound: boolean): Column<BiolatencyRow> =>
  latencyColumn<BiolatencyRow>(key, title, help, bound);

export const biolatencyPanel: PanelDef<BiolatencySample, BiolatencyRow> = {
  id: 'biolatency',
  title: 'biolatency',
  readsPanels: 1,
  source: {
    kind: 'proc',
    files: [`(${biotopPanel.id}'s rows: its hooks)`],
    createReader: (_readText, host) => createBiolatencyReader(host),
  },
  hookList: [{ name: 'proc', hooks: `${biotopPanel.id}'s hooks, read from its rows each tick (nothing more in the kernel)` }],
  derive: deriveBiolatency,
  stats: (sample) => ({ off: sample.off === null ? 0 : 1 }),
  summarize: (rows, stats, elapsedNs) => biolatencySummary(rows, stats, elapsedNs),
  trend: (r) => r.p99_ns,
  trendOf: { label: 'p99 latency (slot upper bound)', format: humanNs },
  pinned: (r) => r.disk === 'all',
  columns: [
    {
      key: 'disk',
      ascending: true,
      title: 'DISK',
      width: 10,
      minWidth: 6,
      align: 'left',
      value: (r) => r.disk,
      format: (v) => String(v),
      help: 'the disk ("all": every disk and operation)',
    },
    {
      key: 'op',
      ascending: true,
      title: 'OP',
      width: 7,
      align: 'left',
      value: (r) => r.op,
      format: (v) => String(v),
      help: 'read, write, discard, flush or other',
    },
    {
      key: 'io',
      title: 'IOS',
      width: 7,
      align: 'right',
      perInterval: true,
      unit: 'count',
      value: (r) => r.io,
      format: (v) => humanCount(asNumber(v)),
      help: 'requests completed in the interval',
      decimals: 0,
    },
    {
      key: 'bytes',
      title: 'BYTES',
      width: 8,
      align: 'right',
      perInterval: true,
      unit: 'bytes',
      drop: 2,
      value: (r) => r.bytes,
      format: (v) => humanBytes(asNumber(v)),
      help: 'their bytes',
      decimals: 0,
    },
    ns('avg_ns', 'AVG', 'the mean issue → completion latency (exact): the device’s time', false),
    ns('await_ns', 'AWAIT', 'the mean start → completion, queueing in the scheduler included: what iostat’s await counts', false),
    ns('p50_ns', 'P50', 'the median (its log2 slot’s upper bound: within 2×)', true),
    ns('p99_ns', 'P99', 'the 99th percentile (slot upper bound)', true),
    ns('max_ns', 'MAX', 'the longest request’s slot upper bound', true),
    {
      key: 'hist',
      title: 'DIST 1us…1s+',
      width: 12,
      align: 'left',
      drop: 1,
      value: () => null,
      format: (_v, r) => latencyDist(r.hist),
      help: 'the requests by latency, 1 µs on the left to a second and longer on the right (two log2 slots a cell), as bars scaled to the largest; the detail view: every slot, and the heat map',
    },
    {
      key: 'modes',
      title: 'MODES',
      width: 18,
      align: 'left',
      drop: 3,
      value: (r) => r.modes.length,
      format: (_v, r) => (r.modes.length > 1 ? r.modes.map((s) => `≤${humanNs(slotTop(s))}`).join(' + ') : '-'),
      help: 'where the distribution has more than one mode far apart (a device’s cache hits and misses, reads queued behind writes): each peak’s slot',
    },
  ],
  defaultSort: { key: 'io', descending: true },
  detail: [
    { label: 'disk', value: (r) => `${r.disk} ${r.op}: ${r.io} requests, ${humanBytes(r.bytes)}` },
    {
      label: 'latency',
      value: (r) =>
        `mean ${humanNs(r.avg_ns)} (issue → completion), await ${humanNs(r.await_ns)}, p50 ≤${humanNs(r.p50_ns)}, p99 ≤${humanNs(r.p99_ns)}, max ≤${humanNs(r.max_ns)}`,
    },
    { label: 'histogram (this interval)', value: () => '', lines: (r, width) => latencyLines(r.hist, width) },
    { label: 'heat map (every disk)', value: (r) => (r.heat ? '' : 'on the all row'), lines: (r, width) => (r.heat ? latencyHeat(r.heat, width) : []) },
  ],
  blindSpots:
    'Read from biotop’s rows each interval: it runs only where biotop runs (the default), and sees what biotop sees: requests whose completion a hook saw (biotop counts the rest, without latency). Percentiles and the maximum are log2 slot upper bounds (within 2×); the mean is exact. On biotop’s legacy tier (before 6.5) a request’s start is taken at insert, which requests to a device without a scheduler skip.',
};
