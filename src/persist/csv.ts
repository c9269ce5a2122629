/**
 * Batch CSV (RFC 4180): one stream per panel, its header from the panel's column definitions, one line per row per
 * interval, in raw units (bytes, ns, counts) as the JSON has them (the row's own field where the column has one),
 * after the interval's time. Text that a spreadsheet
 * would run as a formula (a process may name itself "=cmd|...") gets a leading apostrophe, as OWASP advises.
 */
import type { PanelFrame } from '../frame.js';
import { roundTo } from '../json.js';
import type { AnyPanelSpec } from '../panels/types.js';

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  // A spreadsheet trims leading blanks before it looks for a formula (" =1+2" is one too).
  if (/^[\s\u00a0]*[=+\-@]/.test(s) || /^[\t\r\n]/.test(s)) s = `'${s}`;
  // Quoted: the separator, quotes, line breaks, and ';' (the separator where the decimal mark is a comma).
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(spec: AnyPanelSpec): string {
  return ['time', 'interval_s', ...spec.columns.map((c) => c.key), ...(spec.csvExtra?.keys ?? [])].map(csvField).join(',') + '\r\n';
}

/** The panel's rows of one interval as CSV lines. */
export function csvRows(spec: AnyPanelSpec, panel: PanelFrame, time: string, elapsedNs: number): string {
  const head = `${csvField(time)},${csvField(roundTo(elapsedNs / 1e9, 6))}`;
  let out = '';
  for (const row of panel.rows) {
    const fields = row as unknown as Record<string, unknown>;
    const cells = spec.columns.map((c) => {
      // The row's own field where it has one (as the JSON): a verdict as its word, not its rank in the sort.
      const own = fields[c.key];
      const v = typeof own === 'string' || typeof own === 'number' || own === null ? own : c.value(row);
      return csvField(typeof v === 'number' ? roundTo(v, c.decimals) : v);
    });
    for (const k of spec.csvExtra?.keys ?? []) {
      const v = spec.csvExtra!.value(row, k);
      cells.push(csvField(typeof v === 'number' ? roundTo(v) : v));
    }
    out += `${head},${cells.join(',')}\r\n`;
  }
  return out;
}
