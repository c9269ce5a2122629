/**
 * A recorded segment as what changed since the frame before (recording container 2). Most of a panel is the same from
 * one second to the next: the process table lists the same processes, most of them idle, and at 34 KB of JSON it is
 * too long for deflate's 32 KB window to find its previous self. So a segment that is not a block's first is stored as
 * a patch against the same segment one frame before:
 *
 *   patch := { "~": 1, key: value..., "~-": [key...], "~rows": [rowPatch...] }
 *            the keys whose values changed (whole), the keys gone, and the rows (when both frames have rows)
 *   rowPatch := { "~": j, field: value..., "~-": [field...] }   row j of the frame before, with these changes
 *             | { "~": -1, field: value... }                     a row the frame before did not have
 *
 * From container 5 (`compact`), two more:
 *
 *   rowPatch := { "~": j, "~n": n }                  rows j to j + n - 1 of the frame before, unchanged (a quiet process
 *                                                    table's idle rows were each a `{"~":j}` of their own)
 *   in a rowPatch, "~<": { field: [s, tail] }        the field is the frame before's list without its first s items and
 *                                                    with `tail` after them: a heat map one column on (runqlat's,
 *                                                    biolatency's: 40 histograms, of which one is new each second)
 *
 * Rows are matched by their `id` (every panel's rows have one), so a row that moved in the sort costs its index.
 * Reading applies a patch to the segment it read one frame before; what it builds shares the unchanged parts with it
 * (nothing here or after it changes a value it was given). A patch is data from a file: every index and field list is
 * checked, and a panel's rows are bounded, so a small patch cannot be made to stand for a huge frame.
 */

import { isObj } from './frames.js';

type Obj = Record<string, unknown>;

/** Equal as JSON (what a stored value is: numbers, text, null, booleans, arrays and objects of them). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!(k in b) || !sameJson((a as Obj)[k], (b as Obj)[k])) return false;
  return true;
}

/** rows from which a segment whose rows are mostly new is stored whole */
const MOSTLY_NEW_FROM = 8;
const MARK = '~';
const GONE = '~-';
const ROWS = '~rows';
const RUN = '~n';
const SHIFT = '~<';
/** the most items a list may have dropped from its front to be stored as a shift */
const MAX_SHIFT = 4;

/**
 * The keys of `prev` that `cur` no longer has. A key whose value is undefined is no key (JSON.stringify leaves it out):
 * a field that turns undefined is gone, not unchanged.
 */
function goneKeys(cur: Obj, prev: Obj): string[] {
  const out: string[] = [];
  for (const k in prev) if (prev[k] !== undefined && cur[k] === undefined) out.push(k);
  return out;
}

/**
 * `cur` as `prev` without its first s items and with a tail after them ([s, tail]), where at least half of `cur` is
 * `prev`'s (else undefined: stored whole).
 */
function shiftOf(cur: readonly unknown[], prev: readonly unknown[]): [number, unknown[]] | undefined {
  for (let s = 0; s <= MAX_SHIFT && s <= prev.length; s++) {
    const kept = prev.length - s;
    if (kept * 2 < cur.length || kept > cur.length) continue;
    let same = true;
    for (let i = 0; i < kept && same; i++) same = sameJson(prev[s + i], cur[i]);
    if (same) return [s, cur.slice(kept)];
  }
  return undefined;
}

/** Consecutive unchanged rows (`{"~": j}`, `{"~": j + 1}`, …) as one run (`{"~": j, "~n": n}`). */
function runs(patches: Obj[]): Obj[] {
  const out: Obj[] = [];
  let open: Obj | null = null;
  for (const d of patches) {
    let only = true;
    for (const k in d) if (k !== MARK) only = false;
    const j = d[MARK] as number;
    if (only && j >= 0 && open !== null && (open[MARK] as number) + ((open[RUN] as number | undefined) ?? 1) === j) {
      open[RUN] = ((open[RUN] as number | undefined) ?? 1) + 1;
      continue;
    }
    open = only && j >= 0 ? { [MARK]: j } : null;
    out.push(open ?? d);
  }
  return out;
}

function rowPatches(rows: readonly unknown[], prev: readonly unknown[], compact: boolean): Obj[] {
  // Loops, not arrows made per call: each would be compiled again after every major GC (models/delta.ts, addCounts).
  const index = new Map<unknown, number>();
  for (let j = 0; j < prev.length; j++) {
    const r = prev[j];
    if (isObj(r) && r.id !== undefined && !index.has(r.id)) index.set(r.id, j);
  }
  const out: Obj[] = [];
  for (const r of rows) {
    const j = isObj(r) ? index.get(r.id) : undefined;
    if (j === undefined || !isObj(r)) {
      out.push({ [MARK]: -1, ...(r as Obj) });
      continue;
    }
    // Each row of the frame before is used once (what the reader holds a patch to): a second row of the same id
    // is stored whole.
    index.delete(r.id);
    const base = prev[j] as Obj;
    const d: Obj = { [MARK]: j };
    let shifts: Obj | undefined;
    for (const k in r) {
      const v = r[k];
      const was = base[k];
      if (v === undefined || (was !== undefined && sameJson(was, v))) continue;
      const shift = compact && Array.isArray(v) && Array.isArray(was) && v.length >= 2 * MAX_SHIFT ? shiftOf(v, was) : undefined;
      if (shift) (shifts ??= {})[k] = shift;
      else d[k] = v;
    }
    if (shifts) d[SHIFT] = shifts;
    const gone = goneKeys(r, base);
    if (gone.length) d[GONE] = gone;
    out.push(d);
  }
  return out;
}

/**
 * `cur` as a patch against `prev` (both a segment's value: an object), or null where it is better stored whole: most
 * of its rows are new (an event panel's, a fork storm's), so a patch would save nothing, and a reader seeking through
 * it would have to read it to read the frame after.
 */
export function makePatch(cur: Obj, prev: Obj, compact = false): Obj | null {
  const out: Obj = { [MARK]: 1 };
  for (const k in cur) {
    const v = cur[k];
    if (v === undefined || (prev[k] !== undefined && sameJson(prev[k], v))) continue;
    if (k === 'rows' && Array.isArray(v) && Array.isArray(prev.rows)) {
      const rows = rowPatches(v, prev.rows, compact);
      let added = 0;
      for (const r of rows) if (r[MARK] === -1) added++;
      if (rows.length >= MOSTLY_NEW_FROM && added * 2 > rows.length) return null;
      out[ROWS] = compact ? runs(rows) : rows;
    } else out[k] = v;
  }
  const gone = goneKeys(cur, prev);
  if (gone.length) out[GONE] = gone;
  return out;
}

/** Whether a segment's value is a patch (a segment sixty stores whole never has the key "~"). */
export const isPatch = (v: unknown): v is Obj => isObj(v) && v[MARK] === 1;

function dropKeys(o: Obj, gone: unknown, bad: (why: string) => never): void {
  if (gone === undefined) return;
  if (!Array.isArray(gone) || !gone.every((k) => typeof k === 'string')) bad('has a damaged patch (its list of keys gone)');
  for (const k of gone as string[]) delete o[k];
}

/** o[k] = v for a key read from a file: "__proto__" would set the object's prototype, not a field. */
function set(o: Obj, k: string, v: unknown, bad: (why: string) => never): void {
  if (k === '__proto__') bad('has a damaged patch (a field named __proto__)');
  o[k] = v;
}

/**
 * The value a patch stands for, given the value the same segment had one frame before. `maxRows`: the most rows a
 * panel may have (checked before they are built). `bad` throws (a FormatError naming the frame).
 */
export function applyPatch(prev: unknown, patch: Obj, maxRows: number, bad: (why: string) => never): Obj {
  if (!isObj(prev)) return bad('is a patch, but the frame before has no such segment');
  const out: Obj = { ...prev };
  dropKeys(out, patch[GONE], bad);
  for (const k in patch) {
    if (k === MARK || k === GONE || k === ROWS) continue;
    set(out, k, patch[k], bad);
  }
  const rp = patch[ROWS];
  if (rp !== undefined) {
    const base = prev.rows;
    if (!Array.isArray(rp) || !Array.isArray(base)) return bad('has a damaged patch (rows)');
    if (rp.length > maxRows) return bad(`has more than ${maxRows} rows in a panel`);
    // Each row of the frame before is used at most once, so what a patch stands for is at most the frame before and
    // the patch itself: a file cannot make a few bytes stand for a row repeated a thousand times.
    const used = new Uint8Array(base.length);
    const rows: Obj[] = [];
    const of = (j: unknown): Obj => {
      if (typeof j !== 'number' || !Number.isInteger(j) || j < 0 || j >= base.length || !isObj(base[j]))
        return bad('has a damaged patch (a row of the frame before that it does not have)');
      if (used[j]!++) return bad('has a damaged patch (a row of the frame before used twice)');
      return base[j];
    };
    for (const d of rp as unknown[]) {
      if (!isObj(d)) return bad('has a damaged patch (a row)');
      const j = d[MARK];
      if (j === -1) {
        const { [MARK]: _m, ...row } = d;
        rows.push(row);
      } else if (d[RUN] !== undefined) {
        const n = d[RUN];
        if (Object.keys(d).length !== 2 || typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > base.length)
          return bad('has a damaged patch (a run of rows)');
        for (let i = 0; i < n; i++) rows.push(of((j as number) + i));
      } else {
        const before = of(j);
        const row: Obj = { ...before };
        dropKeys(row, d[GONE], bad);
        for (const k in d) if (k !== MARK && k !== GONE && k !== SHIFT) set(row, k, d[k], bad);
        if (d[SHIFT] !== undefined) shifted(row, before, d[SHIFT], bad);
        rows.push(row);
      }
      if (rows.length > maxRows) return bad(`has more than ${maxRows} rows in a panel`);
    }
    out.rows = rows;
  }
  return out;
}

/** A row's lists stored as shifts of the frame before's ("~<"): each the list before, less its first s items, and a tail. */
function shifted(row: Obj, before: Obj, shifts: unknown, bad: (why: string) => never): void {
  if (!isObj(shifts)) return bad('has a damaged patch (its shifted lists)');
  for (const k in shifts) {
    const v = shifts[k];
    const was = before[k];
    if (!Array.isArray(v) || v.length !== 2 || !Array.isArray(v[1]) || !Array.isArray(was)) return bad(`has a damaged patch (a shift of ${k.slice(0, 40)})`);
    const s = v[0] as unknown;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > was.length) return bad(`has a damaged patch (a shift of ${k.slice(0, 40)})`);
    if (k in row && row[k] !== was) return bad(`has a damaged patch (${k.slice(0, 40)} both set and shifted)`);
    set(row, k, [...was.slice(s), ...(v[1] as unknown[])], bad);
  }
}
