/**
 * Frames as stored in snapshots and recordings, and read back. A frame is plain data already, so storing it is
 * JSON; reading one back is where the care goes: a file may be damaged, hand-edited, from another version or hostile.
 * `checkFrame` accepts only what the views can draw: every field of the expected type, every row drawable by its
 * panel's columns and detail fields, raw control characters escaped (a recorded name was escaped when it was read from
 * the kernel; one that is not was not written by sixty). Anything else is a FormatError, one line long.
 */
import type { Frame, PanelFrame, PanelStatus, TierAttempt } from '../frame.js';
import { deepFreeze, hostOf } from '../frame.js';
import type { AnyPanelSpec, Catalog, Row } from '../panels/types.js';
import { newEvents, roundDeep } from '../json.js';
import { perSecond } from '../models/delta.js';
import { escapeRawControls, escapeRawControlsKeepLines } from '../format.js';

/** The version of the stored frame's shape: snapshots and recordings carry it; a reader takes this one and older. */
export const SCHEMA_VERSION = 1;

/**
 * Rows kept per panel in each recorded interval: the busiest by the panel's default sort (summaries cover all). More
 * than two screens; on a host forking hundreds of processes a second, filetop's rows are mostly new every second and
 * were most of a recording at 200.
 */
export const RECORD_ROWS = 100;

/** An event panel's events kept per recorded interval (the newest); the rest are counted as omitted. */
export const RECORD_EVENTS = 500;

/**
 * An event panel's events in a recording (container 4), when it has at least this many: by column rather than one object
 * each (`eventColumns`). Each field's name is then written once, not once an event, and a column of whole numbers
 * (a sequence, a time in ms) is stored as its differences where they are smaller: `{ "d": [first, difference...] }`.
 * The fields the panel makes from others (EventsSpec.stored) are left out. A busy opensnoop's second of 500 opens comes
 * to 57 % of the bytes it took as objects, deflated, at the same cost to write.
 */
export const COLUMNS_FROM = 8;

/** What a damaged or foreign file gets: one line, exit code 2. */
export class FormatError extends Error {
  override name = 'FormatError';
}

const STATUSES: readonly PanelStatus[] = ['starting', 'ok', 'error', 'off', 'standby'];

/** Limits past which a file is not believed: no frame of sixty's comes near them. */
export const MAX_PANELS = 64;
/** rows per panel in a snapshot: a panel lists at most a few thousand (tcptop and filetop 2000, biotop's map 10240) */
export const MAX_ROWS = 20_000;
const MAX_HISTORY = 600;
/** characters in any text: a path of PATH_MAX bytes, each escaped to \xNN (libbpf's log tail, LOG_TAIL, is shorter) */
const MAX_TEXT = 4 * 4096;
/** items in a row's list (a latency histogram, a CPU's counts) and fields in a row: far above any panel's */
const MAX_ARRAY = 4096;
const MAX_FIELDS = 256;

/** The rows or events not of process `pid`. */
function notOf<T>(xs: readonly T[], pid: number): T[] {
  const out: T[] = [];
  for (const x of xs) {
    const r = x as { pid?: unknown; tgid?: unknown };
    if (r.pid !== pid && r.tgid !== pid) out.push(x);
  }
  return out;
}

/**
 * A frame as one interval of a recording: no history (replay rebuilds it), the busiest rows of each panel, and numbers
 * rounded to what they measure, as the JSON output has them (a rate's sixteenth digit is noise that would not compress).
 */
export function storedFrame(
  frame: Frame,
  catalog: Catalog,
  maxRows = RECORD_ROWS,
  eventsAfter = new Map<string, number>(),
  /** rows and events of this process left out (the always-on sixty's own: its /proc reads are most opens of a quiet host) */
  omitPid?: number,
  /** events by column (container 4; a file of an older container is extended as it was written) */
  columns = true,
): Record<string, unknown> {
  // Loops over functions of the module's own, not arrows made per call (see addCounts in models/delta.ts).
  const panels: Record<string, unknown>[] = [];
  for (const p of frame.panels) panels.push(storedPanel(p, catalog.spec(p.id), frame.elapsedNs, maxRows, eventsAfter, omitPid, columns));
  return {
    time: frame.time,
    elapsedNs: frame.elapsedNs,
    ...(frame.intervalMs ? { intervalMs: frame.intervalMs } : {}),
    ...(frame.self ? { self: roundDeep(frame.self, 3) } : {}),
    panels,
  };
}

/** Whether every row's rates are exactly its counts over the interval (then they are left out, and made again on reading). */
function ratesDerivable(rows: readonly Row[], rates: readonly [string, string][], elapsedNs: number): boolean {
  if (rates.length === 0) return false;
  for (const r of rows) {
    const f = r as unknown as Record<string, unknown>;
    for (const [rate, of] of rates) if (f[rate] !== perSecond(f[of] as number | null, elapsedNs)) return false;
  }
  return true;
}

/** A row as stored: its fields rounded to their column's decimals, the derived rates left out. */
function storedRow(r: Row, drop: ReadonlySet<string>, decimals: ReadonlyMap<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const row = r as unknown as Record<string, unknown>;
  // for-in, not Object.entries: no array of pairs for each of a hundred rows a panel, each second (rows are plain
  // objects: nothing enumerable is inherited).
  for (const k in row) if (!drop.has(k)) out[k] = roundDeep(row[k], decimals.get(k) ?? 3);
  return out;
}

/** What storing a panel's rows needs of its spec, made once per spec (the recorder stores every panel every second). */
interface Storing {
  decimals: ReadonlyMap<string, number>;
  rates: readonly [string, string][];
}
const NO_SPEC: Storing = { decimals: new Map(), rates: [] };
const storings = new WeakMap<AnyPanelSpec, Storing>();
function storing(spec: AnyPanelSpec | undefined): Storing {
  if (!spec) return NO_SPEC;
  let s = storings.get(spec);
  if (!s) {
    const decimals = new Map<string, number>();
    for (const c of spec.columns) decimals.set(c.key, c.decimals ?? 3);
    s = { decimals, rates: Object.entries(spec.rates ?? {}) };
    storings.set(spec, s);
  }
  return s;
}

function storedPanel(
  p: PanelFrame,
  spec: AnyPanelSpec | undefined,
  elapsedNs: number,
  maxRows: number,
  eventsAfter: Map<string, number>,
  omitPid: number | undefined,
  columns: boolean,
): Record<string, unknown> {
  const { history: _h, byProcess: _b, summary, stats, ...rest } = p;
  const rows = omitPid === undefined ? p.rows : notOf(p.rows, omitPid);
  const events = p.events && omitPid !== undefined ? notOf(p.events, omitPid) : p.events;
  const { decimals, rates } = storing(spec);
  const top = rows.length > maxRows ? rows.slice(0, maxRows) : rows;
  const derived = ratesDerivable(top, rates, elapsedNs);
  const drop = new Set<string>();
  if (derived) for (const [rate] of rates) drop.add(rate);
  const kept: Record<string, unknown>[] = [];
  for (const r of top) kept.push(storedRow(r, drop, decimals));
  const fresh = newEvents(p.id, events, spec, eventsAfter, RECORD_EVENTS);
  const byColumn = columns && fresh.events ? eventColumns(fresh.events, spec?.events?.stored?.omit ?? []) : undefined;
  if (byColumn) delete fresh.events;
  // The frame's events (a panel's recent ones) as stored: what newEvents kept, by column or as a list.
  if (spec?.events?.order) delete (rest as { events?: unknown }).events;
  return {
    ...rest,
    rows: kept,
    ...fresh,
    ...(byColumn ? { eventColumns: byColumn } : {}),
    ...(derived ? { ratesDerived: true } : {}),
    ...(rows.length > maxRows ? { rowsOmitted: rows.length - maxRows } : {}),
    summary: { text: summary.text, values: roundDeep(summary.values, 3), ...(summary.warning ? { warning: true } : {}) },
    stats: roundDeep(stats, 3),
  };
}

type Obj = Record<string, unknown>;

/** A column of whole numbers as its differences, where their sum is smaller (and each is still exact). */
function differences(v: readonly number[]): readonly number[] | { d: number[] } {
  const d = new Array<number>(v.length);
  let plain = 0;
  let diff = 0;
  for (let i = 0; i < v.length; i++) {
    d[i] = i === 0 ? v[0]! : v[i]! - v[i - 1]!;
    if (!Number.isSafeInteger(d[i])) return v;
    plain += Math.abs(v[i]!);
    diff += Math.abs(d[i]!);
  }
  return diff < plain ? { d } : v;
}

/** Events by column (COLUMNS_FROM), or undefined when they are few or do not all have the same fields. */
export function eventColumns(events: readonly Row[], omit: readonly string[]): { keys: string[]; cols: unknown[] } | undefined {
  if (events.length < COLUMNS_FROM) return undefined;
  const first = events[0] as unknown as Obj;
  const fields = Object.keys(first);
  const keys = fields.filter((k) => !omit.includes(k));
  const cols: unknown[] = [];
  for (const e of events) {
    let n = 0;
    for (const _k in e) n++;
    if (n !== fields.length) return undefined;
  }
  for (const k of keys) {
    const v = new Array<unknown>(events.length);
    let whole = true;
    for (let i = 0; i < events.length; i++) {
      const x = (events[i] as unknown as Obj)[k];
      if (x === undefined) return undefined;
      v[i] = x;
      if (whole && !Number.isSafeInteger(x)) whole = false;
    }
    cols.push(whole ? differences(v as number[]) : v);
  }
  return { keys, cols };
}

/** Events stored by column, as objects again (the fields they were made from restored), bounded as a list of events is. */
function eventsFromColumns(v: unknown, maxRows: number, restore: ((e: Obj) => void) | undefined, w: string): Obj[] {
  need(isObj(v) && Array.isArray(v.keys) && Array.isArray(v.cols), `${w}: eventColumns is not keys and columns`);
  need(v.keys.length <= MAX_FIELDS, `${w}: eventColumns has more than ${MAX_FIELDS} fields`);
  const keys = v.keys.map((k) => str(k, `${w}: an event field name`));
  need(new Set(keys).size === keys.length, `${w}: eventColumns has a field twice`);
  need(v.cols.length === keys.length, `${w}: eventColumns has ${v.cols.length} columns for ${keys.length} fields`);
  const cols = v.cols.map((c, j) => {
    const list = Array.isArray(c) ? c : isObj(c) && Array.isArray(c.d) ? c.d : undefined;
    need(list !== undefined, `${w}: event column ${j} is not a list`);
    need(list.length <= maxRows, `${w}: more than ${maxRows} events`);
    if (Array.isArray(c)) return c as unknown[];
    let at = 0;
    return list.map((x, i) => {
      need(Number.isSafeInteger(x), `${w}: event column ${j}: difference ${i} is not a whole number`);
      at = i === 0 ? (x as number) : at + (x as number);
      need(Number.isSafeInteger(at), `${w}: event column ${j} runs past whole numbers`);
      return at;
    });
  });
  const n = cols[0]?.length ?? 0;
  need(
    cols.every((c) => c.length === n),
    `${w}: event columns of different lengths`,
  );
  return Array.from({ length: n }, (_, i) => {
    const e = Object.fromEntries(keys.map((k, j) => [k, cols[j]![i]]));
    restore?.(e);
    return e;
  });
}

/** A JSON object (not an array, not null). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function need(cond: boolean, what: string): asserts cond {
  if (!cond) throw new FormatError(what);
}

const str = (v: unknown, what: string): string => {
  need(typeof v === 'string', `${what} is not text`);
  need(v.length <= MAX_TEXT, `${what} is longer than ${MAX_TEXT} characters`);
  return escapeRawControls(v);
};
/** Text of several lines (libbpf's log): its line breaks are what it is made of, not controls to escape. */
const lines = (v: unknown, what: string): string => {
  need(typeof v === 'string', `${what} is not text`);
  need(v.length <= MAX_TEXT, `${what} is longer than ${MAX_TEXT} characters`);
  return escapeRawControlsKeepLines(v);
};
const strOrNull = (v: unknown, what: string): string | null => (v === null || v === undefined ? null : str(v, what));
const num = (v: unknown, what: string): number => {
  need(typeof v === 'number' && Number.isFinite(v), `${what} is not a number`);
  return v;
};
const numOrNull = (v: unknown, what: string): number | null => (v === null ? null : num(v, what));

/** Any JSON value with its strings escaped and its depth bounded (a row's fields: numbers, text, arrays of numbers). */
function clean(v: unknown, what: string, depth = 0): unknown {
  need(depth < 8, `${what} is nested too deep`);
  if (typeof v === 'string') return str(v, what);
  if (Array.isArray(v)) {
    need(v.length <= MAX_ARRAY, `${what} has more than ${MAX_ARRAY} items`);
    return v.map((x, i) => clean(x, `${what}[${i}]`, depth + 1));
  }
  if (isObj(v)) {
    const entries = Object.entries(v);
    need(entries.length <= MAX_FIELDS, `${what} has more than ${MAX_FIELDS} fields`);
    return Object.fromEntries(entries.map(([k, x]) => [str(k, `${what}: a field name`), clean(x, `${what}.${k.slice(0, 40)}`, depth + 1)]));
  }
  return v;
}

function numberRecord(v: unknown, what: string, nulls: boolean): Record<string, number | null> {
  need(isObj(v), `${what} is not an object`);
  const entries = Object.entries(v);
  need(entries.length <= MAX_FIELDS, `${what} has more than ${MAX_FIELDS} fields`);
  const out: Record<string, number | null> = {};
  for (const [k, x] of entries) out[str(k, `${what}: a name`)] = nulls ? numOrNull(x, `${what}.${k.slice(0, 40)}`) : num(x, `${what}.${k.slice(0, 40)}`);
  return out;
}

/** Every column formats the row, every detail field reads it: what the table, the detail view and the exports do. */
function drawable(spec: AnyPanelSpec, row: Row, what: string): void {
  try {
    for (const c of spec.columns) {
      const text = c.format(c.value(row), row);
      need(typeof text === 'string', `${what}: column ${c.key} gives no text`);
    }
    for (const d of spec.detail) {
      need(typeof d.value(row) === 'string', `${what}: detail ${d.label} gives no text`);
      need(!d.lines || Array.isArray(d.lines(row, 80)), `${what}: detail ${d.label} gives no lines`);
    }
    if (spec.quiet) spec.quiet(row);
    if (spec.tone) spec.tone(row);
    if (spec.drill) spec.drill(row);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${what} does not fit the ${spec.id} panel (${e instanceof Error ? e.message : String(e)})`);
  }
}

function checkPanel(v: unknown, what: string, catalog: Catalog, withHistory: boolean, elapsedNs: number, maxRows: number): PanelFrame | null {
  need(isObj(v), `${what} is not an object`);
  const id = str(v.id, `${what}.id`);
  const spec = catalog.spec(id);
  // A panel this version does not know (a later one's) is left out; the others still replay.
  if (!spec) return null;
  const w = `panel ${id}`;
  need(typeof v.status === 'string' && (STATUSES as readonly string[]).includes(v.status), `${w}: unknown status`);
  need(Array.isArray(v.attempts ?? []) && ((v.attempts ?? []) as unknown[]).length <= 16, `${w}: attempts is not a list of at most 16`);
  const attempts: TierAttempt[] = ((v.attempts ?? []) as unknown[]).map((a, i) => {
    need(isObj(a), `${w}: attempt ${i} is not an object`);
    return {
      tier: str(a.tier, `${w}: attempt tier`),
      reason: str(a.reason, `${w}: attempt reason`),
      ...(a.log === undefined ? {} : { log: lines(a.log, `${w}: attempt log`) }),
    };
  });
  need(Array.isArray(v.rows), `${w}: rows is not a list`);
  need(v.rows.length <= maxRows, `${w}: more than ${maxRows} rows`);
  const ids = new Set<string>();
  const rows = v.rows.map((r, i) => {
    need(isObj(r), `${w}: row ${i} is not an object`);
    const row = clean(r, `${w}: row ${i}`) as Row;
    need(typeof row.id === 'string', `${w}: row ${i} has no id`);
    if (v.ratesDerived === true)
      for (const [rate, of] of Object.entries(spec.rates ?? {})) {
        const n = (row as unknown as Record<string, unknown>)[of];
        need(n === null || typeof n === 'number', `${w}: row ${i}: ${of} is not a number`);
        (row as unknown as Record<string, unknown>)[rate] = perSecond(n as number | null, elapsedNs);
      }
    need(!ids.has(row.id), `${w}: row id ${row.id.slice(0, 40)} twice`);
    ids.add(row.id);
    drawable(spec, row, `${w}: row ${i}`);
    return row;
  });
  let events: Row[] | undefined;
  if ((v.events !== undefined || v.eventColumns !== undefined) && spec.events) {
    const evSpec = catalog.eventsView(spec, { id, rows: [], history: {} } as unknown as PanelFrame).spec;
    need(v.events === undefined || v.eventColumns === undefined, `${w}: events both as a list and by column`);
    const list = v.events ?? eventsFromColumns(v.eventColumns, maxRows, spec.events.stored?.restore, w);
    need(Array.isArray(list), `${w}: events is not a list`);
    need(list.length <= maxRows, `${w}: more than ${maxRows} events`);
    events = list.map((e, i) => {
      need(isObj(e), `${w}: event ${i} is not an object`);
      const ev = clean(e, `${w}: event ${i}`) as Row;
      need(typeof ev.id === 'string', `${w}: event ${i} has no id`);
      drawable(evSpec, ev, `${w}: event ${i}`);
      need(Number.isFinite(spec.events!.order(ev)), `${w}: event ${i} has no place in the order`);
      return ev;
    });
  }
  need(isObj(v.summary), `${w}: summary is not an object`);
  need(v.summary.warning === undefined || typeof v.summary.warning === 'boolean', `${w}: summary warning is not true or false`);
  const text = str(v.summary.text, `${w}: summary text`);
  // Files written before the flag existed said it in the text only.
  const warning = v.summary.warning === true || (v.summary.warning === undefined && /totals incomplete/.test(text));
  const summary = { text, values: numberRecord(v.summary.values, `${w}: summary values`, true), ...(warning ? { warning: true } : {}) };
  const history: Record<string, (number | null)[]> = {};
  if (withHistory && v.history !== undefined) {
    need(isObj(v.history), `${w}: history is not an object`);
    const series = Object.entries(v.history);
    need(series.length <= maxRows, `${w}: history of more than ${maxRows} rows`);
    for (const [rid, s] of series) {
      need(Array.isArray(s) && s.length <= MAX_HISTORY, `${w}: history of ${rid.slice(0, 40)} is not a list of at most ${MAX_HISTORY}`);
      history[escapeRawControls(rid)] = s.map((x, i) => numOrNull(x, `${w}: history point ${i}`));
    }
  }
  return {
    id,
    status: v.status as PanelStatus,
    tier: strOrNull(v.tier, `${w}: tier`),
    hooks: strOrNull(v.hooks, `${w}: hooks`),
    reason: strOrNull(v.reason, `${w}: reason`),
    attempts,
    attachedAt: strOrNull(v.attachedAt, `${w}: attachedAt`),
    rows,
    summary,
    stats: numberRecord(v.stats ?? {}, `${w}: stats`, false) as Record<string, number>,
    history,
    ...(events ? { events } : {}),
  };
}

/**
 * A stored frame, checked and made safe to draw (deep-frozen, as the engine's). `withHistory`: a snapshot's frame
 * carries its rows' trends; a recording's does not (replay rebuilds them).
 */
export function checkFrame(v: unknown, catalog: Catalog, withHistory: boolean, maxRows = MAX_ROWS): Frame {
  need(isObj(v), 'the frame is not an object');
  const time = str(v.time, 'the frame time');
  need(Number.isFinite(Date.parse(time)), 'the frame time is not a time');
  const elapsedNs = num(v.elapsedNs, 'the frame interval');
  need(elapsedNs >= 0, 'the frame interval is negative');
  const intervalMs = v.intervalMs === undefined ? undefined : num(v.intervalMs, "the frame's interval in force");
  need(intervalMs === undefined || (intervalMs >= 100 && intervalMs <= 3_600_000), "the frame's interval in force is out of range");
  need(Array.isArray(v.panels) && v.panels.length <= MAX_PANELS, 'the frame has no list of panels');
  const panels = v.panels.map((p, i) => checkPanel(p, `panel ${i}`, catalog, withHistory, elapsedNs, maxRows)).filter((p): p is PanelFrame => p !== null);
  const seen = new Set<string>();
  for (const p of panels) {
    need(!seen.has(p.id), `panel ${p.id} twice`);
    seen.add(p.id);
  }
  let self: Frame['self'];
  if (v.self !== undefined) {
    need(isObj(v.self), 'self is not an object');
    self = {
      cpuPct: numOrNull(v.self.cpuPct, 'self.cpuPct'),
      rssBytes: num(v.self.rssBytes, 'self.rssBytes'),
      ...(v.self.pid === undefined ? {} : { pid: num(v.self.pid, 'self.pid') }),
    };
  }
  // The header's figures are not stored: they come again from the panel that reads them, as the engine made them.
  const host = hostOf(panels, (id) => catalog.spec(id));
  return deepFreeze({ time, elapsedNs, ...(intervalMs === undefined ? {} : { intervalMs }), panels, ...(self ? { self } : {}), ...(host ? { host } : {}) });
}

/** The host a file says it was written on; what is missing or not text is '?'. */
export function hostFrom(v: unknown): { hostname: string; kernel: string; cpus: number } {
  const h = isObj(v) ? v : {};
  return { hostname: textOr(h.hostname, '?'), kernel: textOr(h.kernel, '?'), cpus: typeof h.cpus === 'number' && Number.isFinite(h.cpus) ? h.cpus : 0 };
}

/** A text field of a file's header, escaped; `d` when it is not text. */
export function textOr(x: unknown, d: string): string {
  return typeof x === 'string' ? escapeRawControls(x) : d;
}
