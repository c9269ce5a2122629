/**
 * `sixty diff A B`: what changed between two moments (two snapshots, or two frames of recordings). Pure: two frames and
 * the panels' definitions in, a ranked list out.
 *
 * - The checklist: each step's verdict and headline figure in A and in B; steps whose verdict got worse come first
 *   (by how much), then by how far their figure moved (relative to the larger of the two).
 * - Each panel: its rows matched by id, measured by the panel's own trend figure (what its sparkline follows: bytes a
 *   second for tcptop, %CPU for profile); a row only in B is new (from 0), only in A gone (to 0). Rows rank by how
 *   far their figure moved. Panels keep their tab order; a panel where nothing moved is left out.
 */
import type { Frame, PanelFrame } from '../frame.js';
import type { AnyPanelDef, Row } from '../panels/types.js';
import { escapeControl, quoteInput } from '../format.js';

export type RowChange = 'new' | 'gone' | 'up' | 'down';

export interface RowDiff {
  id: string;
  /** the row as its panel's text columns name it (process, disk, stack…) */
  label: string;
  a: number;
  b: number;
  change: RowChange;
}

export interface PanelDiff {
  panel: string;
  /** what the figure is (the panel's trend label) */
  measure: string;
  /** the rows that moved most, biggest first */
  rows: RowDiff[];
  /** rows in A and in B */
  rowsA: number;
  rowsB: number;
}

export interface StepDiff {
  step: string;
  verdictA: string;
  verdictB: string;
  valueA: number | null;
  valueB: number | null;
  readingA: string;
  readingB: string;
}

export interface FrameDiff {
  steps: StepDiff[];
  panels: PanelDiff[];
}

const SEVERITY: Record<string, number> = { '-': 0, ok: 0, look: 1, bad: 2 };

const finite = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** How far a figure moved, relative to the larger of the two (0…1; 0 when both are 0). */
function relative(a: number, b: number): number {
  const m = Math.max(Math.abs(a), Math.abs(b));
  return m === 0 ? 0 : Math.abs(b - a) / m;
}

/** The panel's identity of a row (PanelDef.identity), where it has one; a row a file made up that it cannot name has none. */
function identityOf(def: AnyPanelDef, row: Row): string | undefined {
  try {
    return def.identity?.(row as never);
  } catch {
    return undefined;
  }
}

/** A row's name from its panel's text columns (left-aligned, before the trend), as the table shows them. */
export function rowLabel(def: AnyPanelDef, row: Row): string {
  const parts: string[] = [];
  for (const c of def.columns) {
    if (c.align !== 'left' || parts.length >= 3) continue;
    let text: string;
    try {
      text = c.format(c.value(row as never), row as never).trim();
    } catch {
      continue;
    }
    // Not a drawing (a histogram's bars): a name.
    if (text !== '' && text !== '-' && !/[\u2580-\u259f]/.test(text)) parts.push(text);
  }
  const name = parts.join(' ');
  // A row's own identity where its id is only the run's numbering (a connection: its process and ports).
  const identity = identityOf(def, row);
  if (identity !== undefined) return name === '' ? identity : `${name} ${identity}`;
  if (name === '') return row.id;
  return row.id.length <= 12 && !parts.includes(row.id) ? `${name} (${row.id})` : name;
}

/** The checklist's steps, worse verdicts first, then the biggest moves. */
function diffSteps(a: PanelFrame | undefined, b: PanelFrame | undefined): StepDiff[] {
  if (!a || !b) return [];
  const byId = new Map(a.rows.map((r) => [r.id, r as Row & Record<string, unknown>]));
  const out: (StepDiff & { rank: [number, number] })[] = [];
  for (const rb of b.rows as (Row & Record<string, unknown>)[]) {
    const ra = byId.get(rb.id);
    const verdictA = String(ra?.verdict ?? '-');
    const verdictB = String(rb.verdict ?? '-');
    const valueA = typeof ra?.value === 'number' ? ra.value : null;
    const valueB = typeof rb.value === 'number' ? rb.value : null;
    out.push({
      step: rb.id,
      verdictA,
      verdictB,
      valueA,
      valueB,
      readingA: String(ra?.reading ?? ''),
      readingB: String(rb.reading ?? ''),
      rank: [(SEVERITY[verdictB] ?? 0) - (SEVERITY[verdictA] ?? 0), relative(valueA ?? 0, valueB ?? 0)],
    });
  }
  return out.sort((x, y) => y.rank[0] - x.rank[0] || y.rank[1] - x.rank[1]).map(({ rank: _r, ...s }) => s);
}

/**
 * A frame's rows by identity (the panel's, or the id): the two frames may come from two runs of sixty. Rows that
 * share one (a connection's ports used again) are told apart by their order.
 */
function byIdentity(def: AnyPanelDef, rows: readonly Row[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of rows) {
    const base = identityOf(def, r) ?? r.id;
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base}#${n}`;
    out.set(key, r);
  }
  return out;
}

/** One panel's rows, matched by identity and ranked by how far their figure moved. */
export function diffPanel(def: AnyPanelDef, a: PanelFrame | undefined, b: PanelFrame | undefined, top: number): PanelDiff | null {
  const trend = (r: Row): number => {
    try {
      return finite(def.trend(r as never));
    } catch {
      return 0;
    }
  };
  const rowsA = byIdentity(def, a?.rows ?? []);
  const rowsB = byIdentity(def, b?.rows ?? []);
  const moved: RowDiff[] = [];
  for (const [key, rb] of rowsB) {
    const ra = rowsA.get(key);
    const vb = trend(rb);
    const va = ra ? trend(ra) : 0;
    // A row that did not move (a new one at 0 included) is not a change.
    if (va === vb) continue;
    moved.push({ id: rb.id, label: rowLabel(def, rb), a: va, b: vb, change: !ra ? 'new' : vb > va ? 'up' : 'down' });
  }
  for (const [key, ra] of rowsA) {
    const va = trend(ra);
    if (!rowsB.has(key) && va !== 0) moved.push({ id: ra.id, label: rowLabel(def, ra), a: va, b: 0, change: 'gone' });
  }
  if (moved.length === 0) return null;
  moved.sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a) || x.label.localeCompare(y.label, 'en'));
  const label = def.trendOf?.label;
  return { panel: def.id, measure: typeof label === 'string' ? label : 'its trend figure', rows: moved.slice(0, top), rowsA: rowsA.size, rowsB: rowsB.size };
}

/** What changed from frame A to frame B: the checklist's steps and each panel's rows, ranked. */
export function diffFrames(a: Frame, b: Frame, panelById: (id: string) => AnyPanelDef | undefined, opts: { top: number; home: string }): FrameDiff {
  const ids = [...new Set([...b.panels.map((p) => p.id), ...a.panels.map((p) => p.id)])];
  const pa = new Map(a.panels.map((p) => [p.id, p]));
  const pb = new Map(b.panels.map((p) => [p.id, p]));
  const panels: PanelDiff[] = [];
  for (const id of ids) {
    if (id === opts.home) continue;
    const def = panelById(id);
    if (!def) continue;
    const d = diffPanel(def, pa.get(id), pb.get(id), opts.top);
    if (d) panels.push(d);
  }
  return { steps: diffSteps(pa.get(opts.home), pb.get(opts.home)), panels };
}

const fmt = (v: number | null): string => {
  if (v === null) return '-';
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return a >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(a >= 10 ? 1 : 2);
};

const signed = (v: number): string => (v > 0 ? `+${fmt(v)}` : v < 0 ? `-${fmt(-v)}` : '0');

/** The diff as text: the checklist's steps that changed, then each panel's rows. */
export function diffText(d: FrameDiff, a: { file: string; time: string }, b: { file: string; time: string }): string {
  const out: string[] = [];
  const secs = (Date.parse(b.time) - Date.parse(a.time)) / 1000;
  out.push(`A  ${a.time}  ${quoteInput(a.file, 120)}`);
  out.push(`B  ${b.time}  ${quoteInput(b.file, 120)}  (${secs >= 0 ? '+' : ''}${secs.toFixed(0)} s)`);
  const steps = d.steps.filter((s) => s.verdictA !== s.verdictB || s.valueA !== s.valueB);
  out.push('', steps.length ? 'checklist (worse verdicts first, then the biggest moves):' : 'checklist: no step changed');
  for (const s of steps) {
    const verdict = s.verdictA === s.verdictB ? s.verdictB : `${s.verdictA} → ${s.verdictB}`;
    out.push(`  ${s.step.padEnd(8)} ${verdict.padEnd(12)} ${fmt(s.valueA)} → ${fmt(s.valueB)}   ${escapeControl(s.readingB).slice(0, 100)}`);
  }
  for (const p of d.panels) {
    out.push('', `${p.panel}: ${p.measure} (${p.rowsA} rows in A, ${p.rowsB} in B; the ${p.rows.length} that moved most)`);
    for (const r of p.rows)
      out.push(
        `  ${r.change.padEnd(4)} ${signed(r.b - r.a).padStart(8)}  ${fmt(r.a).padStart(7)} → ${fmt(r.b).padEnd(7)}  ${escapeControl(r.label).slice(0, 100)}`,
      );
  }
  return `${out.join('\n')}\n`;
}
