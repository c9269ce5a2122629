/** Columns every per-process panel has, the same way: its PID and its name. The help says what made the row. */
import type { Column } from './types.js';

/** PID: sorts ascending; `none` is shown for pid 0 where 0 means "no process seen" (biotop's flushes). */
export function pidColumn<R extends { pid: number }>(help: string, none?: string): Column<R> {
  return {
    key: 'pid',
    ascending: true,
    title: 'PID',
    width: 7,
    align: 'right',
    value: (r) => r.pid,
    format: none === undefined ? (v) => String(v) : (v) => (v === 0 ? none : String(v)),
    help,
  };
}

/** COMM: 14 cells, squeezed to 8 (or fixed at `width`); `kernel` stands for an empty name (work done by no task). */
export function commColumn<R extends { comm: string }>(help: string, opts: { width?: number; minWidth?: number; kernel?: boolean } = {}): Column<R> {
  return {
    key: 'comm',
    title: 'COMM',
    width: opts.width ?? 14,
    minWidth: opts.minWidth ?? 8,
    align: 'left',
    value: (r) => r.comm,
    format: opts.kernel ? (v) => String(v || '[kernel]') : (v) => String(v),
    help,
  };
}
