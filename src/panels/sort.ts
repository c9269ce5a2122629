/** Sorting rows by a column: compare, then break ties by row id. Never subtracts. */
import { compareValues } from '../models/delta.js';
import type { AnyPanelDef } from './types.js';

export interface SortSpec {
  key: string;
  descending: boolean;
}

export function sortRows<R extends object>(def: AnyPanelDef, rows: R[], sort: SortSpec): R[] {
  const col = def.columns.find((c) => c.key === sort.key) ?? def.columns[0];
  if (!col) return rows;
  const keyed = rows.map((row) => ({ row, v: col.value(row), id: def.rowId(row) as string }));
  keyed.sort((a, b) => {
    // Nulls go last whichever the direction.
    if (a.v === null || b.v === null) {
      const c = compareValues(a.v, b.v);
      if (c !== 0) return c;
    } else {
      const c = compareValues(a.v, b.v);
      if (c !== 0) return sort.descending ? -c : c;
    }
    return compareValues(a.id, b.id);
  });
  return keyed.map((k) => k.row);
}
