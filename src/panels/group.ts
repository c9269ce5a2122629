/**
 * Grouping a panel's rows (the console's `t` / F5, as htop's tree key): rows with the same key (a process, a remote
 * port, a disk) become one row whose counters and rates are the sums of its members', whose averages are weighted
 * by the members' counts and whose histograms are merged. Pure: the merge is the panel's own (it knows which fields
 * add up), and this module turns it into a table of the same shape: the panel's columns less those that differ within
 * a group, with a column for the number of rows in each. The grouped rows' trend is the sum of their members'.
 */
import type { PanelFrame } from '../frame.js';
import type { AnyPanelSpec, Column, DetailField, GroupedView, Grouping, Row } from './types.js';

export type { GroupedView, Grouping } from './types.js';

/** The sum of a field over rows. */
export function sumOf<R>(rows: readonly R[], f: (r: R) => number): number {
  let s = 0;
  for (const r of rows) s += f(r);
  return s;
}

/** The sum of a rate over rows: null when no member has one (before the second interval). */
export function sumRate<R>(rows: readonly R[], f: (r: R) => number | null): number | null {
  let s: number | null = null;
  for (const r of rows) {
    const v = f(r);
    if (v !== null) s = (s ?? 0) + v;
  }
  return s;
}

/** An average over rows weighted by each member's count (a latency by its requests): null when no member has both. */
export function weightedMean<R>(rows: readonly R[], f: (r: R) => number | null, weight: (r: R) => number): number | null {
  let s = 0;
  let w = 0;
  for (const r of rows) {
    const v = f(r);
    const n = weight(r);
    if (v === null || !(n > 0)) continue;
    s += v * n;
    w += n;
  }
  return w > 0 ? s / w : null;
}

/** The element-wise sum of arrays of counts (histograms of one shape). */
export function sumArrays(arrays: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const a of arrays) for (let i = 0; i < a.length; i++) out[i] = (out[i] ?? 0) + a[i]!;
  return out;
}

/** Members' trend series summed point by point, aligned on the newest (a member seen for fewer intervals is shorter). */
export function sumHistories(series: readonly (readonly (number | null)[] | undefined)[]): (number | null)[] {
  const len = Math.max(0, ...series.map((s) => s?.length ?? 0));
  const out: (number | null)[] = new Array(len).fill(null);
  for (const s of series) {
    if (!s) continue;
    const off = len - s.length;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (v !== null && v !== undefined && Number.isFinite(v)) out[off + i] = (out[off + i] ?? 0) + v;
    }
  }
  return out;
}

/** The member rows most worth listing in a group's detail. */
const MEMBERS_LISTED = 20;

/**
 * The grouped table of one frame: rows merged by the grouping's key, in the order their first member came (the panel's
 * default order, so the biggest group of a sorted panel tends to come first; the console re-sorts anyway).
 */
export function groupView<R extends Row>(spec: AnyPanelSpec, panel: PanelFrame, g: Grouping<R>): GroupedView {
  const byKey = new Map<string, R[]>();
  for (const r of panel.rows as readonly R[]) {
    const k = g.key(r);
    const m = byKey.get(k);
    if (m) m.push(r);
    else byKey.set(k, [r]);
  }
  const hidden = new Set(g.hide);
  const members = new Map<string, readonly R[]>();
  const history: Record<string, readonly (number | null)[]> = {};
  const rows: R[] = [];
  for (const [k, m] of byKey) {
    const id = `${g.name}:${k}`;
    const merged = { ...g.merge(m), id } as unknown as Record<string, unknown>;
    for (const h of hidden) delete merged[h];
    rows.push(merged as unknown as R);
    members.set(id, m);
    history[id] = m.length === 1 ? (panel.history[m[0]!.id] ?? []) : sumHistories(m.map((r) => panel.history[r.id]));
  }
  const count: Column<Row> = {
    key: 'group_rows',
    title: 'ROWS',
    width: 5,
    align: 'right',
    value: (r) => members.get(r.id)?.length ?? null,
    format: (v) => (v === null ? '' : String(v)),
    help: `rows in the group (grouped by ${g.name}; t or F5 changes the grouping)`,
  };
  const hideDetail = new Set(g.hideDetail ?? []);
  // What the group is, first: the fields that name it, as their columns print them (a port, a process, a disk).
  const naming = g.by.map((k) => spec.columns.find((c) => c.key === k)).filter((c) => c !== undefined);
  const what: DetailField<Row> = { label: g.name, value: (r) => naming.map((c) => c.format(c.value(r), r).trim()).join(' ') };
  const listed: DetailField<Row> = {
    label: 'rows',
    value: (r) => {
      const m = members.get(r.id) ?? [];
      const shown = m.slice(0, MEMBERS_LISTED).map((x) => g.member(x));
      return `${m.length}: ${shown.join('; ')}${m.length > shown.length ? `; and ${m.length - shown.length} more` : ''}`;
    },
  };
  // The columns that name the group come first (shown whatever the room: a cgroup's path is what its group is), then
  // the count, then the rest.
  const kept = spec.columns.filter((c) => !hidden.has(c.key));
  const named = g.by.flatMap((k) => kept.filter((c) => c.key === k)).map((c) => (c.whenRoom ? { ...c, whenRoom: false, minWidth: Math.min(c.width, 12) } : c));
  const columns = [...named, ...kept.filter((c) => !g.by.includes(c.key))];
  const at = named.length;
  // Pinned rows, drills and tones read fields of single rows: a group has none of them.
  const { pinned: _pinned, drill: _drill, tone: _tone, quiet, ...rest } = spec;
  const grouped: AnyPanelSpec = {
    ...rest,
    columns: [...columns.slice(0, at), count, ...columns.slice(at)],
    defaultSort: columns.some((c) => c.key === spec.defaultSort.key) ? spec.defaultSort : { key: 'group_rows', descending: true },
    detail: [what, ...spec.detail.filter((d) => !hideDetail.has(d.label) && d.label !== g.name), listed],
    // A group is quiet when every member is.
    ...(quiet ? { quiet: (r: Row) => (members.get(r.id) ?? []).every((m) => quiet(m)) } : {}),
  };
  return { spec: grouped, panel: { ...panel, rows, history } };
}

/**
 * Grouping by cgroup (`t`), as every panel whose rows have one offers it: the cgroup and its workload name the group,
 * `hide` are the columns that differ within it.
 */
export function byCgroup<R extends Row & { cgroup: string; workload: string }>(
  merge: (rows: readonly R[]) => R,
  hide: readonly string[],
  member: (r: R) => string,
  hideDetail?: readonly string[],
): Grouping<R> {
  return { name: 'cgroup', by: ['cgroup', 'workload'], key: (r) => r.cgroup || '-', merge, hide, member, ...(hideDetail ? { hideDetail } : {}) };
}
