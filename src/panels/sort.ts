/** Sorting rows by a column: pinned rows first, then compare, then break ties. Never subtracts values. */
import { compareValues } from '../models/delta.js';
import type { AnyPanelSpec, Row, SortSpec } from './types.js';

export function sortRows<R extends Row>(spec: AnyPanelSpec, rows: readonly R[], sort: SortSpec): R[] {
  const col = spec.columns.find((c) => c.key === sort.key) ?? spec.columns[0];
  if (!col) return [...rows];
  const pinned = spec.pinned;
  const values = new Array<ReturnType<typeof col.value>>(rows.length);
  let numeric = !pinned;
  for (let i = 0; i < rows.length; i++) {
    const v = (values[i] = col.value(rows[i]!));
    if (typeof v !== 'number' || Number.isNaN(v)) numeric = false;
  }
  if (numeric) return sortNumeric(rows, values as number[], sort.descending);
  const keyed = rows.map((row, i) => ({ row, v: values[i]!, pin: pinned ? pinned(row) : false }));
  keyed.sort((a, b) => {
    if (a.pin !== b.pin) return a.pin ? -1 : 1;
    // Nulls go last whichever the direction.
    const c = compareValues(a.v, b.v);
    if (c !== 0) return a.v === null || b.v === null || !sort.descending ? c : -c;
    return compareValues(a.row.id, b.row.id);
  });
  return keyed.map((k) => k.row);
}

const EMPTY = new Float64Array(0);
/** the values that byValueUp and byValueDown compare by (set for one sort) */
let sortBy = EMPTY;
const byValueUp = (a: number, b: number): number => {
  const x = sortBy[a]!;
  const y = sortBy[b]!;
  return x !== y ? (x < y ? -1 : 1) : a - b;
};
const byValueDown = (a: number, b: number): number => {
  const x = sortBy[a]!;
  const y = sortBy[b]!;
  return x !== y ? (x > y ? -1 : 1) : a - b;
};

/**
 * A column of plain numbers (no nulls), without an object per row: tens of thousands of rows. Equal values keep the
 * order the rows came in (a panel's rows come in a stable order of their own: vectors, CPUs, connections as first
 * seen), which is as total as breaking ties by id and, with many equal values, several times cheaper.
 */
function sortNumeric<R extends Row>(rows: readonly R[], values: number[], descending: boolean): R[] {
  const order = new Uint32Array(rows.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const v = Float64Array.from(values);
  // The comparators are made once (not an arrow per call: see addCounts in models/delta.ts); `sortBy` hands them the values.
  sortBy = v;
  order.sort(descending ? byValueDown : byValueUp);
  sortBy = EMPTY;
  const out = new Array<R>(order.length);
  for (let i = 0; i < order.length; i++) out[i] = rows[order[i]!]!;
  return out;
}
