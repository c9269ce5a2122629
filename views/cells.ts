/** Cell-level text helpers for the views: measuring and fitting text in terminal cells, wrapping, sparklines. */
import stringWidth from 'string-width';

/**
 * Text whose every character is one cell and one UTF-16 unit: printable ONE_CELL, Latin-1 (but the soft hyphen), and
 * the arrows, blocks, triangles and ellipsis sixty draws. Measured by its length, without segmenting.
 */
const ONE_CELL = /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u00ff\u2026\u2190-\u2193\u2581-\u2588\u25b2\u25bc]*$/;
const segmenter = new Intl.Segmenter();

/** Every character of the text is one cell and one UTF-16 unit (see ONE_CELL): it can be measured by its length. */
export function oneCellEach(text: string): boolean {
  return ONE_CELL.test(text);
}

/** Terminal cells the text takes: wide (CJK) characters take two, combining and zero-width ones none. */
export function cellWidth(text: string): number {
  return ONE_CELL.test(text) ? text.length : stringWidth(text);
}

/** Grapheme clusters with their cell widths. */
function clusters(text: string): { s: string; w: number }[] {
  return [...segmenter.segment(text)].map(({ segment }) => ({ s: segment, w: stringWidth(segment) }));
}

/**
 * Fits text to exactly `width` terminal cells, cutting with "…" when too long. Cells, not characters: a wide
 * character that would straddle the edge is left out and its cell padded, so a row never outgrows its column.
 */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left', keep: 'start' | 'end' = align === 'right' ? 'end' : 'start'): string {
  if (width <= 0) return '';
  const keepEnd = keep === 'end';
  if (ONE_CELL.test(text)) {
    if (text.length > width) {
      if (width === 1) return '…';
      // Right-aligned values (numbers, addresses) and paths keep their end, which carries the most information.
      return keepEnd ? `…${text.slice(text.length - width + 1)}` : `${text.slice(0, width - 1)}…`;
    }
    const pad = ' '.repeat(width - text.length);
    return align === 'right' ? pad + text : text + pad;
  }
  const parts = clusters(text);
  let total = 0;
  for (const p of parts) total += p.w;
  let body = text;
  let used = total;
  if (total > width) {
    const room = width - 1;
    const kept: string[] = [];
    used = 0;
    const order = keepEnd ? [...parts].reverse() : parts;
    for (const p of order) {
      if (used + p.w > room) break;
      kept.push(p.s);
      used += p.w;
    }
    if (keepEnd) kept.reverse();
    body = keepEnd ? `…${kept.join('')}` : `${kept.join('')}…`;
    used += 1;
  }
  const pad = ' '.repeat(Math.max(0, width - used));
  return align === 'right' ? pad + body : body + pad;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * A one-line trend of the last `width` values, scaled to their own maximum. Zero is a blank (nothing happened),
 * any non-zero value at least the lowest block; nulls are gaps. Right-aligned: the newest value is last.
 */
export function sparkline(values: readonly (number | null)[], width: number, scaleMax?: number): string {
  if (width <= 0) return '';
  const tail = values.slice(-width);
  let max = scaleMax ?? 0;
  if (scaleMax === undefined) for (const v of tail) if (v !== null && v > max) max = v;
  const out = tail.map((v) => {
    if (v === null || v <= 0 || max <= 0) return ' ';
    const i = Math.round((v / max) * (BLOCKS.length - 1));
    return BLOCKS[Math.min(BLOCKS.length - 1, Math.max(0, i))] ?? ' ';
  });
  return ' '.repeat(width - out.length) + out.join('');
}

/**
 * Word-wraps text to `width` cells, keeping its spacing; continuation lines get `indent`. A word longer than the
 * width is cut.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const len = cellWidth;
  if (len(text) <= width) return [text];
  if (width <= len(indent) + 1) return [fit(text, Math.max(0, width))];
  const out: string[] = [];
  let line = '';
  for (const token of text.split(/(\s+)/)) {
    if (token === '') continue;
    if (len(line) + len(token) <= width || line.trim() === '') line += token;
    else if (/^\s+$/.test(token)) {
      out.push(line);
      line = indent;
    } else {
      out.push(line);
      line = indent + token;
    }
  }
  if (line.trim() !== '') out.push(line);
  return out.map((l) => (len(l) > width ? fit(l, width) : l.trimEnd()));
}

/** The largest value in the last `width` points of any of the series: one scale for every row of a table. */
export function sharedMax(series: readonly (readonly (number | null)[] | undefined)[], width: number): number {
  let max = 0;
  for (const s of series) {
    if (!s) continue;
    for (let i = Math.max(0, s.length - width); i < s.length; i++) {
      const v = s[i];
      if (v !== null && v !== undefined && v > max) max = v;
    }
  }
  return max;
}
