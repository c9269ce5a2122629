/**
 * The BCC tools checklist (home's second page): the book's second checklist, one row per tool sixty has, each read
 * from the panel that is that tool (execsnoop, opensnoop, fsslower for ext4slower, biolatency, cachestat, tcplife,
 * tcpretrans, runqlat, profile), with a verdict where one makes sense. Pure: rows from the panels'
 * readings of this tick.
 */
import type { PanelReading } from '../sources/types.js';
import type { Row } from '../rows.js';
import { histQuantile } from './biotop.js';
import { histModes } from './biolatency.js';

export { histModes };
import { humanCount, humanNs } from '../format.js';
import { addCounts } from './delta.js';

export type ToolVerdict = 'ok' | 'look' | 'bad' | '-';

export interface ToolRow extends Row {
  /** its place in the book's order (1 first) */
  step: number;
  /** the BCC tool's name */
  tool: string;
  /** the panel it reads, and Enter opens */
  panel: string;
  reading: string;
  verdict: ToolVerdict;
  /** why the verdict is what it is ('' for ok) */
  why: string;
  /** the figure its trend follows (up is worse) */
  value: number | null;
}

export interface ToolsSample {
  panels: readonly PanelReading[];
}

/** The panels the tools are read from, by the tool: given by the panel (ids are theirs, not this model's). */
export interface ToolPanels {
  execsnoop: string;
  opensnoop: string;
  /** ext4slower (and btrfs*, xfs*): sixty's fsslower */
  ext4slower: string;
  tcplife: string;
  tcpretrans: string;
  biosnoop: string;
  biolatency: string;
  cachestat: string;
  runqlat: string;
  profile: string;
}

/** Where a verdict turns: look from the first, bad from the second. */
export const TOOL_THRESHOLDS = {
  /** execs a second: a storm of short-lived processes */
  execsPerS: [100, 1000],
  /** execs or opens failing a second */
  failedPerS: [1, 100],
  /** file system operations a second slower than the fsslower threshold (10 ms unless changed) */
  slowFsPerS: [1, 10],
  /** a disk's 99th percentile I/O latency (ms) */
  ioP99Ms: [10, 100],
  /** page-cache misses a second, with the hit ratio under 90 % (look) or 50 % (bad) */
  cacheMissesPerS: [100, 1000],
  /** a session's mean connect latency (ms): SYNs retransmitted take a second */
  connectMs: [100, 1000],
  /** TCP segments retransmitted a second by the RTO timer (each one a connection stalled for at least 200 ms) */
  rtoPerS: [1, 50],
  /** run-queue latency's 99th percentile (ms) */
  runqP99Ms: [10, 100],
} as const;

export const TOOL_VERDICT_HELP: Readonly<Record<keyof ToolPanels, string>> = {
  execsnoop: `execs look ≥ ${TOOL_THRESHOLDS.execsPerS[0]}/s, bad ≥ ${TOOL_THRESHOLDS.execsPerS[1]}/s (short-lived processes cost CPU the process panel does not show); failed execs look ≥ ${TOOL_THRESHOLDS.failedPerS[0]}/s`,
  opensnoop: `failed opens look ≥ ${TOOL_THRESHOLDS.failedPerS[0]}/s, bad ≥ ${TOOL_THRESHOLDS.failedPerS[1]}/s (a program searching paths, or missing its files)`,
  tcplife: `mean connect latency look ≥ ${TOOL_THRESHOLDS.connectMs[0]} ms, bad ≥ ${TOOL_THRESHOLDS.connectMs[1]} ms (a lost SYN is retransmitted after a second); tcpconnect and tcpaccept are its two directions`,
  ext4slower: `operations slower than the threshold (10 ms unless ( or ) changed it) look ≥ ${TOOL_THRESHOLDS.slowFsPerS[0]}/s, bad ≥ ${TOOL_THRESHOLDS.slowFsPerS[1]}/s; ext4, xfs and btrfs, read from the fsslower panel`,
  biolatency: `a disk's p99 I/O latency look ≥ ${TOOL_THRESHOLDS.ioP99Ms[0]} ms, bad ≥ ${TOOL_THRESHOLDS.ioP99Ms[1]} ms; two modes are named (cache hits and misses of a device, reads behind writes)`,
  biosnoop: 'a request completed with an error status: bad',
  cachestat: `page-cache hit ratio under 90 % with ≥ ${TOOL_THRESHOLDS.cacheMissesPerS[0]} misses/s look, under 50 % with ≥ ${TOOL_THRESHOLDS.cacheMissesPerS[1]} bad`,
  tcpretrans: `retransmits by the RTO timer look ≥ ${TOOL_THRESHOLDS.rtoPerS[0]}/s, bad ≥ ${TOOL_THRESHOLDS.rtoPerS[1]}/s (each stalls its connection for at least 200 ms); tail loss probes and ACK-driven recovery are counted but not graded; packet drops are listed by reason`,
  runqlat: `run-queue latency p99 look ≥ ${TOOL_THRESHOLDS.runqP99Ms[0]} ms, bad ≥ ${TOOL_THRESHOLDS.runqP99Ms[1]} ms (CPU saturation)`,
  profile: 'where the CPU time goes: no verdict (the busiest process and the hottest function are named; Enter opens the flame graph with f)',
};

/** The book's tools that sixty does not have yet, in its order: said in the page's summary, not drawn as rows. */
export const NOT_YET: readonly string[] = [];

const grade = (v: number | null, [look, bad]: readonly [number, number]): ToolVerdict => (v === null ? 'ok' : v >= bad ? 'bad' : v >= look ? 'look' : 'ok');
const worse = (a: ToolVerdict, b: ToolVerdict): ToolVerdict => ['bad', 'look', 'ok', '-'].find((v) => v === a || v === b) as ToolVerdict;
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const field = (r: Row, k: string): unknown => (r as unknown as Record<string, unknown>)[k];

/** What a panel that is not reading says in its tool's row. */
function notReading(p: PanelReading | undefined): string | null {
  if (!p) return 'not in this run (--panels leaves it out)';
  if (p.status === 'ok') return null;
  if (p.status === 'standby') return 'attached only while on screen: Enter opens it';
  if (p.status === 'starting') return 'starting…';
  return `${p.status}: ${p.reason ?? ''}`;
}

export function deriveTools(sample: ToolsSample, _previous: ToolsSample | undefined, elapsedNs: number, ids: ToolPanels): ToolRow[] {
  const byId = new Map(sample.panels.map((p) => [p.id, p]));
  const per = (n: number): number => (elapsedNs > 0 ? (n * 1e9) / elapsedNs : 0);
  const rows: ToolRow[] = [];
  const add = (tool: keyof ToolPanels, make: (p: PanelReading) => Omit<ToolRow, 'id' | 'step' | 'tool' | 'panel'>): void => {
    const p = byId.get(ids[tool]);
    const off = notReading(p);
    const base = { id: tool, step: rows.length + 1, tool, panel: ids[tool] };
    rows.push(off === null ? { ...base, ...make(p!) } : { ...base, reading: off, verdict: '-', why: '', value: null });
  };

  // In the book's order (the keys are the tools' names).
  const makers: Record<keyof ToolPanels, (p: PanelReading) => Omit<ToolRow, 'id' | 'step' | 'tool' | 'panel'>> = {
    execsnoop: (p) => {
      const execs = per(num(p.stats.execs));
      const failed = per(num(p.stats.failed));
      let top: Row | undefined;
      for (const r of p.rows) if (num(field(r, 'execs')) > num(top && field(top, 'execs'))) top = r;
      const v = worse(grade(execs, TOOL_THRESHOLDS.execsPerS), grade(failed, TOOL_THRESHOLDS.failedPerS));
      const reading =
        `${humanCount(Math.round(execs))} execs/s` +
        (failed ? ` (${humanCount(Math.round(failed))} failed/s)` : '') +
        (top ? `, most: ${String(field(top, 'pcomm'))} → ${String(field(top, 'comm'))} ${humanCount(Math.round(per(num(field(top, 'execs')))))}/s` : '');
      const why = v === 'ok' ? '' : failed >= TOOL_THRESHOLDS.failedPerS[0] ? 'execs are failing' : 'a storm of short-lived processes';
      return { reading, verdict: v, why, value: execs };
    },

    opensnoop: (p) => {
      const failed = per(num(p.stats.failed));
      const v = grade(failed, TOOL_THRESHOLDS.failedPerS);
      // The summary names the busiest process and the most failed path already.
      return { reading: p.summary.text, verdict: v, why: v === 'ok' ? '' : 'opens are failing', value: failed };
    },

    ext4slower: (p) => {
      const slow = p.summary.values.slow_per_s ?? 0;
      const v = grade(slow, TOOL_THRESHOLDS.slowFsPerS);
      return { reading: p.summary.text, verdict: v, why: v === 'ok' ? '' : 'file system operations are slow', value: slow };
    },

    biolatency: (p) => {
      // It reads biotop's rows: when biotop is not reading, neither is it.
      if (num(p.stats.off) > 0) return { reading: p.summary.text, verdict: '-', why: '', value: null };
      const disks = new Map<string, number[]>();
      // Its rows, one per (disk, op), merged per disk (its all row left out).
      for (const r of p.rows) {
        const hist = field(r, 'hist');
        if (!Array.isArray(hist) || field(r, 'disk') === 'all') continue;
        const disk = String(field(r, 'disk'));
        const sum = disks.get(disk) ?? [];
        addCounts(sum, hist as number[]);
        disks.set(disk, sum);
      }
      if (disks.size === 0) return { reading: 'no I/O completed in the interval', verdict: 'ok', why: '', value: null };
      let worstMs = 0;
      let verdict: ToolVerdict = 'ok';
      const parts = [...disks.entries()]
        .map(([disk, hist]) => ({ disk, hist, p99: histQuantile(hist, 0.99) ?? 0 }))
        .sort((a, b) => b.p99 - a.p99)
        .map(({ disk, hist, p99 }) => {
          worstMs = Math.max(worstMs, p99 / 1e6);
          verdict = worse(verdict, grade(p99 / 1e6, TOOL_THRESHOLDS.ioP99Ms));
          const modes = histModes(hist);
          const two = modes.length > 1 ? `, ${modes.length} modes: ${modes.map((s) => `≤${humanNs(2 ** (s + 1) - 1)}`).join(' and ')}` : '';
          return `${disk} p50 ≤${humanNs(histQuantile(hist, 0.5))} p99 ≤${humanNs(p99)}${two}`;
        });
      return { reading: parts.join('; '), verdict, why: verdict === 'ok' ? '' : 'slow I/O at the tail', value: worstMs };
    },

    biosnoop: (p) => {
      const errors = num(p.stats.errors);
      return { reading: p.summary.text, verdict: errors > 0 ? 'bad' : 'ok', why: errors > 0 ? `${errors} requests failed` : '', value: num(p.stats.ios) };
    },

    cachestat: (p) => {
      const v = p.summary.values;
      const hit = v.hit_pct ?? null;
      const misses = v.misses_per_s ?? 0;
      const verdict: ToolVerdict =
        hit !== null && hit < 50 && misses >= TOOL_THRESHOLDS.cacheMissesPerS[1]
          ? 'bad'
          : hit !== null && hit < 90 && misses >= TOOL_THRESHOLDS.cacheMissesPerS[0]
            ? 'look'
            : 'ok';
      const reading =
        `hit ${hit === null ? '-' : `${hit.toFixed(1)} %`}, ${humanCount(Math.round(misses))} misses/s, ` +
        `${humanCount(Math.round(v.dirties_per_s ?? 0))} dirtied/s, ${humanCount(Math.round(v.hits_per_s ?? 0))} hits/s` +
        ((v.estimated ?? 0) > 0 ? ' (hits estimated)' : '');
      return { reading, verdict, why: verdict === 'ok' ? '' : 'the page cache misses', value: misses };
    },

    tcplife: (p) => {
      const c = p.summary.values.connect_mean_ns ?? null;
      const verdict = grade(c === null ? null : c / 1e6, TOOL_THRESHOLDS.connectMs);
      return { reading: p.summary.text, verdict, why: verdict === 'ok' ? '' : 'connects are slow', value: p.summary.values.sessions_per_s ?? null };
    },

    tcpretrans: (p) => {
      const rto = per(num(p.stats.timeouts));
      const verdict = grade(rto, TOOL_THRESHOLDS.rtoPerS);
      // The summary names the retransmits' busiest destination and the drops' most common reason.
      return {
        reading: p.summary.text,
        verdict,
        why: verdict === 'ok' ? '' : 'connections stall on retransmission timeouts',
        value: per(num(p.stats.retransmits)),
      };
    },

    runqlat: (p) => {
      const v = p.summary.values;
      const p99 = v.p99_ns ?? null;
      const verdict = grade(p99 === null ? null : p99 / 1e6, TOOL_THRESHOLDS.runqP99Ms);
      const reading =
        p99 === null
          ? 'no waits in the interval'
          : `p50 ≤${humanNs(v.p50_ns ?? null)} p99 ≤${humanNs(p99)}, mean ${humanNs(v.avg_ns ?? null)}; ${(v.waiting_mean ?? 0).toFixed(2)} tasks waiting`;
      return { reading, verdict, why: verdict === 'ok' ? '' : 'tasks wait for a CPU', value: p99 === null ? null : p99 / 1e6 };
    },

    // Where the CPU time goes, as its summary says it: informative, no verdict.
    profile: (p) => ({ reading: p.summary.text, verdict: 'ok', why: '', value: p.summary.values.busy_cpus ?? null }),
  };
  for (const tool of Object.keys(makers) as (keyof ToolPanels)[]) add(tool, makers[tool]);
  return rows;
}
