/** Sorting rows by a column: pinned rows first, then compare, then break ties by row id. Never subtracts. */
import { compareValues } from '../models/delta.js';
import type { AnyPanelSpec, Row, SortSpec } from './types.js';

export function sortRows<R extends Row>(spec: AnyPanelSpec, rows: readonly R[], sort: SortSpec): R[] {
  const col = spec.columns.find((c) => c.key === sort.key) ?? spec.columns[0];
  if (!col) return [...rows];
  const pinned = spec.pinned;
  const keyed = rows.map((row) => ({ row, v: col.value(row), pin: pinned ? pinned(row) : false }));
  keyed.sort((a, b) => {
    if (a.pin !== b.pin) return a.pin ? -1 : 1;
    // Nulls go last whichever the direction.
    const c = compareValues(a.v, b.v);
    if (c !== 0) return a.v === null || b.v === null || !sort.descending ? c : -c;
    return compareValues(a.row.id, b.row.id);
  });
  return keyed.map((k) => k.row);
}
