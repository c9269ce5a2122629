/**
 * What a panel declares for /metrics: its metric families and a fold that turns one frame of its rows into samples.
 * The metrics layer (src/metrics/) discovers them through the panels and keeps the running totals; a panel that
 * declares none has no families of its own (sixty's own families cover every panel: up, info, drops, BPF cost).
 */
import type { PanelFrame } from '../frame.js';
import type { Row } from '../rows.js';

export type Labels = Readonly<Record<string, string>>;

/** One family as Prometheus shows it. Counter names end in _total; units are base units (seconds, bytes). */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** a histogram's upper bounds, ascending (+Inf is implied) */
  bounds?: readonly number[];
}

/** Where a panel's fold writes, by the keys of its own families. */
export interface MetricSink<K extends string> {
  /** a counter grows by the interval's amount (nothing for amounts that are not positive) */
  add(family: K, labels: Labels, v: number): void;
  /** a gauge's value in this frame (a gauge holds what the latest frame gave it) */
  gauge(family: K, labels: Labels, v: number): void;
  /** a histogram: the interval's counts per bound (not cumulative), their sum and how many */
  observe(family: K, labels: Labels, counts: readonly number[], sum: number, count: number): void;
  /**
   * The label each process name is counted under in this panel's families, from how busy each was in this frame: its
   * own name while it is among the busiest `--metrics-top`, else OTHER. A name that leaves takes its series with it.
   */
  processLabels(busy: ReadonlyMap<string, number>): (comm: string) => string;
}

export interface PanelMetrics<R extends Row = Row, K extends string = string> {
  families: Readonly<Record<K, MetricFamily>>;
  /** One frame of the panel, when it is reading (status ok). */
  fold(panel: PanelFrame<R>, sink: MetricSink<K>): void;
}

/**
 * The label of everything beyond the top names. Longer than any process name can be (comm is at most 15 bytes, and
 * this holds no backslash, so no escaped name gives it either): a process that calls itself "other" is itself.
 */
export const OTHER = '(other processes)';

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

/**
 * Rows summed by the label their process name gets (and an extra label where the panel splits further): one entry per
 * label set, with the sums of `fields`.
 */
export function sumByProcess<T extends string>(
  rows: readonly Record<string, unknown>[],
  fields: readonly T[],
  labelOf: (comm: string) => string,
  extra?: (r: Record<string, unknown>) => Record<string, string>,
): { labels: Labels; sums: Record<T, number> }[] {
  const out = new Map<string, { labels: Labels; sums: Record<T, number> }>();
  for (const r of rows) {
    // Keyed by the label alone where there is no extra label: no object and no JSON for each row.
    const comm = labelOf(str(r.comm));
    const more = extra?.(r);
    const k = more ? JSON.stringify({ comm, ...more }) : comm;
    let e = out.get(k);
    if (!e) out.set(k, (e = { labels: { comm, ...more }, sums: Object.fromEntries(fields.map((f) => [f, 0])) as Record<T, number> }));
    for (const f of fields) e.sums[f] += num(r[f]);
  }
  return [...out.values()];
}

/** How busy each process name was: a rank summed over its rows. */
export function busyByName(rows: readonly Record<string, unknown>[], rank: (r: Record<string, unknown>) => number): Map<string, number> {
  const busy = new Map<string, number>();
  for (const r of rows) busy.set(str(r.comm), (busy.get(str(r.comm)) ?? 0) + rank(r));
  return busy;
}

/** Counts per log2 slot (slot i holds 2^i … 2^(i+1) − 1) merged into a histogram's bounds at 2^k: slot i is under 2^k when i < k. */
export function log2Buckets(hist: readonly number[], boundExponents: readonly number[]): { counts: number[]; count: number } {
  const counts = boundExponents.map(() => 0);
  let count = 0;
  hist.forEach((c, i) => {
    if (!(c > 0)) return;
    const b = boundExponents.findIndex((k) => i < k);
    if (b >= 0) counts[b]! += c;
    count += c;
  });
  return { counts, count };
}
