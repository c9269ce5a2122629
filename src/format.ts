/** Human-readable numbers for the UI and text exports. JSON never goes through here: it carries raw units. */

const BYTE_UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

/** 1536 → "1.5K"; binary units; at most 5 characters. */
export function humanBytes(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '-';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const sign = n < 0 ? '-' : '';
  if (i === 0) return `${sign}${Math.round(v)}${BYTE_UNITS[0]}`;
  return `${sign}${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${BYTE_UNITS[i]}`;
}

/** Nanoseconds → "850ns", "12.3us", "4.56ms", "1.20s". */
export function humanNs(ns: number | null): string {
  if (ns === null || !Number.isFinite(ns)) return '-';
  if (ns < 1_000) return `${Math.round(ns)}ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)}us`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)}ms`;
  return `${(ns / 1_000_000_000).toFixed(2)}s`;
}

/** Counts: 999 → "999", 12345 → "12.3k", 4.5e6 → "4.5M". */
export function humanCount(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a < 10_000) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  if (a < 1_000_000) return `${(n / 1_000).toFixed(1)}k`;
  if (a < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  return `${(n / 1_000_000_000).toFixed(1)}G`;
}

export function percent(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '-';
  return n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** C0/C1 controls, DEL and the bidirectional controls. */
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const ESCAPED = new RegExp(`[\\\\${CONTROLS}]`, 'g');
const RAW = new RegExp(`[${CONTROLS}]`, 'g');

function escapeChar(c: string): string {
  if (c === '\\') return '\\\\';
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Kernel-supplied names (comm, file names) and other text from outside (a hostname) are data: C0 and C1 control
 * characters and DEL become \xNN, so they cannot move the cursor or change colours when printed, and bidirectional
 * controls (U+202E and kin) become \u{NNNN}, so they cannot reorder the rest of a line. The backslash is escaped too,
 * so the escape is unambiguous.
 */
export function escapeControl(s: string): string {
  return s.replace(ESCAPED, escapeChar);
}

/**
 * Text that was escaped already (a name sixty recorded) checked again: any control character still in it is escaped
 * the same way, and backslashes are left as they are (they are the escapes).
 */
export function escapeRawControls(s: string): string {
  return s.replace(RAW, escapeChar);
}

/**
 * Text of several lines from outside (libbpf's log of a tier that failed): each line escaped as escapeControl does,
 * the line breaks kept, so that the JSON output, a recording and its replay all carry the same text.
 */
export function escapeLines(s: string): string {
  return s.split('\n').map(escapeControl).join('\n');
}

/** escapeLines' text checked again (a recorded log): any control character but a line break escaped. */
export function escapeRawControlsKeepLines(s: string): string {
  return s.split('\n').map(escapeRawControls).join('\n');
}

/** Text from outside echoed in a message: escaped, and cut to `max` characters. */
export function quoteInput(s: string, max = 60): string {
  const e = escapeControl(s);
  return e.length > max ? `${e.slice(0, max - 1)}…` : e;
}

const BARS = ' ▁▂▃▄▅▆▇█';
/** A histogram in `cells` bars scaled to the largest: its first cells − 1 slots one each, the rest summed in the last. */
export function histBars(hist: readonly number[], cells: number): string {
  const shown = hist.slice(0, cells - 1).concat(hist.slice(cells - 1).reduce((a, b) => a + b, 0));
  const max = Math.max(...shown);
  if (!(max > 0)) return ' '.repeat(cells);
  return shown.map((v) => BARS[v <= 0 ? 0 : Math.max(1, Math.round((v / max) * 8))]).join('');
}
