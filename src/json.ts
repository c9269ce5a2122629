/**
 * A frame as JSON: raw units only (bytes, ns, counts); one object per interval. Rows carry their opaque ids and
 * every column, computed ones (total, avg_ns) included, with floats rounded to what they measure.
 */
import type { Frame, PanelFrame } from './frame.js';
import type { AnyPanelSpec, Catalog, Row } from './panels/types.js';

/** Rates and shares: 3 decimals is finer than any of them is measured (ns clocks, USER_HZ ticks). */
const DECIMALS = 3;

export function roundTo(v: number, decimals = DECIMALS): number {
  if (Number.isInteger(v) || !Number.isFinite(v)) return v;
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/**
 * Numbers rounded to `decimals`, inside arrays and objects too (a step's figures, a histogram). An array or object
 * that rounding leaves as it was is given back itself, not copied: the always-on sixty rounds every recorded row each
 * second, and most of what it rounds (counts, histograms) is whole already.
 */
export function roundDeep(v: unknown, decimals = DECIMALS): unknown {
  if (typeof v === 'number') return roundTo(v, decimals);
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = roundDeep(x, decimals);
      if (out) out.push(y);
      else if (y !== x) (out = v.slice(0, i)).push(y);
    }
    return out ?? v;
  }
  if (v !== null && typeof v === 'object') {
    let out: Record<string, unknown> | null = null;
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      const y = roundDeep(x, decimals);
      if (out) out[k] = y;
      else if (y !== x) (out = { ...o })[k] = y;
    }
    return out ?? v;
  }
  return v;
}

function rowJson(spec: AnyPanelSpec | undefined, row: Row): Record<string, unknown> {
  const decimals = new Map((spec?.columns ?? []).map((c) => [c.key, c.decimals ?? DECIMALS]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = roundDeep(v, decimals.get(k));
  for (const c of spec?.columns ?? []) {
    if (c.key in out) continue;
    const v = c.value(row);
    out[c.key] = typeof v === 'number' ? roundTo(v, c.decimals) : v;
  }
  return out;
}

const rounded = (o: Readonly<Record<string, number | null>>): Record<string, number | null> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? null : roundTo(v)]));

/**
 * An event panel's events not given before: the frame's events are the panel's scrollback, newest first; `after`
 * holds, per panel, the last event given (a recording stores each event once, batch JSON prints each once). At most
 * `max`, the newest; the rest counted as omitted.
 */
export function newEvents(
  id: string,
  events: readonly Row[] | undefined,
  spec: AnyPanelSpec | undefined,
  after: Map<string, number>,
  max: number,
): { events?: readonly Row[]; eventsOmitted?: number } {
  const order = spec?.events?.order;
  if (!events || !order) return {};
  // Loops, not arrows made per call (models/delta.ts, addCounts).
  const orders = new Array<number>(events.length);
  let newest = -Infinity;
  for (let i = 0; i < events.length; i++) newest = Math.max(newest, (orders[i] = order(events[i]!)));
  // The panel's reader started again (its order restarted): everything it has is new.
  const before = after.get(id) ?? -Infinity;
  const last = before > newest ? -Infinity : before;
  if (orders.length) after.set(id, newest);
  const fresh: Row[] = [];
  for (let i = 0; i < events.length; i++) if (orders[i]! > last) fresh.push(events[i]!);
  return { events: fresh.slice(0, max), ...(fresh.length > max ? { eventsOmitted: fresh.length - max } : {}) };
}

function panelJson(p: PanelFrame, spec: AnyPanelSpec | undefined, eventsAfter?: Map<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = { status: p.status, tier: p.tier };
  if (p.hooks) out.hooks = p.hooks;
  if (p.reason) out.reason = p.reason;
  if (p.attempts.length > 0) out.attempts = p.attempts;
  if (p.attachedAt) out.attached_at = p.attachedAt;
  out.summary = rounded(p.summary.values);
  out.stats = rounded(p.stats);
  out.rows = p.rows.map((r) => rowJson(spec, r));
  // An event panel: the events of this interval (each printed once over a run of frames), with the events' columns.
  if (eventsAfter && spec?.events) {
    const { events, eventsOmitted } = newEvents(p.id, p.events, spec, eventsAfter, Infinity);
    const evSpec = { ...spec, columns: spec.events.columns } as AnyPanelSpec;
    if (events) out.events = events.map((e) => rowJson(evSpec, e));
    if (eventsOmitted) out.events_omitted = eventsOmitted;
  }
  return out;
}

/** One frame as JSON; `eventsAfter` (kept over a run of frames): event panels list the events new since the last frame. */
export function frameToJson(frame: Frame, catalog: Catalog, eventsAfter?: Map<string, number>): Record<string, unknown> {
  return {
    time: frame.time,
    interval_ns: frame.elapsedNs,
    ...(frame.self ? { self: { cpu_pct: frame.self.cpuPct === null ? null : roundTo(frame.self.cpuPct), rss_bytes: frame.self.rssBytes } } : {}),
    panels: Object.fromEntries(frame.panels.map((p) => [p.id, panelJson(p, catalog.spec(p.id), eventsAfter)])),
  };
}
