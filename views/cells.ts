/** Cell-level text helpers for the views: fitting text to a width, and one-line sparklines. */

/** Fits text to exactly `width` cells, cutting with "…" when too long. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) {
    if (width === 1) return '…';
    // Right-aligned values (numbers, addresses) keep their end, which carries the most information.
    return align === 'right' ? `…${chars.slice(chars.length - width + 1).join('')}` : `${chars.slice(0, width - 1).join('')}…`;
  }
  const pad = ' '.repeat(width - chars.length);
  return align === 'right' ? pad + text : text + pad;
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * A one-line trend of the last `width` values, scaled to their own maximum. Zero is a blank (nothing happened),
 * any non-zero value at least the lowest block; nulls are gaps. Right-aligned: the newest value is last.
 */
export function sparkline(values: readonly (number | null)[], width: number): string {
  if (width <= 0) return '';
  const tail = values.slice(-width);
  let max = 0;
  for (const v of tail) if (v !== null && v > max) max = v;
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
  const len = (t: string): number => [...t].length;
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
