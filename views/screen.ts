/**
 * The console's output layer: Ink renders each frame as text (lines with SGR colour codes); this writes to the terminal
 * only the cells that changed since the previous frame, each run of them after one absolute cursor move. Over SSH the
 * bytes per frame are what a user feels: Ink alone rewrites every line (about 4.8 KB a frame at 120×40, htop about 600
 * bytes). Pure: frame text in, terminal bytes out; tested without a terminal.
 */
import stringWidth from 'string-width';
import { placeholders } from './placeholders.js';
import { oneCellEach } from './cells.js';

interface Cell {
  /** the grapheme; '' for the second column of a wide character */
  ch: string;
  /** its style as one canonical SGR sequence ('' = default) */
  style: string;
}

interface Style {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  fg: string;
  bg: string;
}

const PLAIN: Style = { bold: false, dim: false, italic: false, underline: false, inverse: false, fg: '', bg: '' };
const BLANK: Cell = { ch: ' ', style: '' };
const segmenter = new Intl.Segmenter();

/** Applies one SGR sequence's parameters to a style. */
function applySgr(s: Style, params: string): Style {
  const p = params === '' ? [0] : params.split(';').map(Number);
  const out = { ...s };
  for (let i = 0; i < p.length; i++) {
    const n = p[i]!;
    if (n === 0) Object.assign(out, PLAIN);
    else if (n === 1) out.bold = true;
    else if (n === 2) out.dim = true;
    else if (n === 22) out.bold = out.dim = false;
    else if (n === 3) out.italic = true;
    else if (n === 23) out.italic = false;
    else if (n === 4) out.underline = true;
    else if (n === 24) out.underline = false;
    else if (n === 7) out.inverse = true;
    else if (n === 27) out.inverse = false;
    else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) out.fg = String(n);
    else if (n === 39) out.fg = '';
    else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) out.bg = String(n);
    else if (n === 49) out.bg = '';
    else if (n === 38 || n === 48) {
      // 256 colours (5;n) or true colour (2;r;g;b)
      const len = p[i + 1] === 5 ? 2 : p[i + 1] === 2 ? 4 : 0;
      const v = p.slice(i, i + 1 + len).join(';');
      if (n === 38) out.fg = v;
      else out.bg = v;
      i += len;
    }
  }
  return out;
}

/** The canonical SGR sequence of a style ('' for the default). */
function sgr(s: Style): string {
  const p: string[] = [];
  if (s.bold) p.push('1');
  if (s.dim) p.push('2');
  if (s.italic) p.push('3');
  if (s.underline) p.push('4');
  if (s.inverse) p.push('7');
  if (s.fg) p.push(s.fg);
  if (s.bg) p.push(s.bg);
  return p.length ? `\x1b[${p.join(';')}m` : '';
}

/** One line of Ink's output as cells. Escape sequences other than SGR are dropped (views escape kernel text). */
export function toCells(line: string): Cell[] {
  const cells: Cell[] = [];
  let style = PLAIN;
  let code = '';
  const re = /\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;
  let last = 0;
  const text = (t: string): void => {
    if (!t) return;
    // Printable ASCII and the arrows, blocks and marks sixty draws (most of every line): a cell per character,
    // without grapheme segmentation.
    if (oneCellEach(t)) {
      for (let i = 0; i < t.length; i++) cells.push({ ch: t[i]!, style: code });
      return;
    }
    for (const { segment } of segmenter.segment(t)) {
      const w = stringWidth(segment);
      if (w === 0) {
        if (cells.length) cells[cells.length - 1]!.ch += segment;
        continue;
      }
      cells.push({ ch: segment, style: code });
      if (w === 2) cells.push({ ch: '', style: code });
    }
  };
  for (let m = re.exec(line); m; m = re.exec(line)) {
    text(line.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined && m[0].endsWith('m')) {
      style = applySgr(style, m[1]);
      code = sgr(style);
    }
  }
  text(line.slice(last));
  return cells;
}

const same = (a: Cell, b: Cell): boolean => a.ch === b.ch && a.style === b.style;

/**
 * Keeps the screen as last written and turns each new frame into the bytes that change it: per row, runs of changed
 * cells (runs closer than GAP cells apart are merged: a cursor move costs more than rewriting a few cells), each
 * after a cursor move, and an erase to the end of the row where the rest of it became blank.
 */
export class Screen {
  private rows: Cell[][] = [];
  /** the last frame's lines as cells, by their text: a line that did not change is not parsed again */
  private parsed = new Map<string, Cell[]>();
  private static readonly GAP = 6;
  /** the terminal's size: nothing is written outside it (a row past the last would land on the last, and stay) */
  private width = Infinity;
  private height = Infinity;

  /** The terminal's size now. A change also forgets what is on the screen: a terminal that shrinks reflows or drops it. */
  setSize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.invalidate();
  }

  /** Forget what is on the screen (it was cleared, or resized): the next frame is written whole. */
  invalidate(): void {
    this.rows = [];
  }

  /** The screen as plain text (what the user sees, without styles): the snapshot's text rendering. */
  text(): string {
    return this.rows
      .map((r) =>
        r
          .map((c) => c.ch)
          .join('')
          .trimEnd(),
      )
      .join('\n');
  }

  /** The bytes that turn the screen as last written into `frame` (lines separated by \n), from the top-left cell. */
  update(frame: string): string {
    const lines = frame.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    // Only what fits: a frame drawn for a larger terminal (one rendered just before a resize) is cut to this one.
    const parsed = new Map<string, Cell[]>();
    const next = lines.slice(0, this.height).map((l) => {
      const cells = this.parsed.get(l) ?? toCells(l);
      parsed.set(l, cells);
      if (cells.length <= this.width) return cells;
      const cut = cells.slice(0, this.width);
      // A wide character whose second column is cut off would be drawn past the edge: a blank instead.
      if (cells[this.width]?.ch === '') cut[this.width - 1] = BLANK;
      return cut;
    });
    let out = '';
    let written = ''; // the style the terminal has now, as far as this write goes
    const height = Math.max(next.length, this.rows.length);
    for (let r = 0; r < height; r++) {
      const a = this.rows[r] ?? [];
      const b = next[r] ?? [];
      const width = Math.max(a.length, b.length);
      // Where the new row is blank to its end (and the old one was not), one erase does the rest.
      let end = b.length;
      while (end > 0 && same(b[end - 1]!, BLANK)) end--;
      // The changed cells before that, grouped into runs (a gap of at most GAP unchanged cells joins two runs).
      const runs: [number, number][] = [];
      for (let c = 0; c < Math.min(end, width); c++) {
        if (same(a[c] ?? BLANK, b[c] ?? BLANK)) continue;
        const lastRun = runs[runs.length - 1];
        if (lastRun && c - lastRun[1] - 1 <= Screen.GAP) lastRun[1] = c;
        else runs.push([c, c]);
      }
      for (const [first, last] of runs) {
        const start = b[first]?.ch === '' && first > 0 ? first - 1 : first; // a wide character is written whole
        out += `\x1b[${r + 1};${start + 1}H`;
        for (let i = start; i <= last; i++) {
          const cell = b[i] ?? BLANK;
          if (cell.ch === '') continue;
          if (cell.style !== written) {
            out += `\x1b[0m${cell.style}`;
            written = cell.style;
          }
          out += cell.ch;
        }
      }
      const oldEnd = (() => {
        let e = a.length;
        while (e > 0 && same(a[e - 1]!, BLANK)) e--;
        return e;
      })();
      if (oldEnd > end) {
        if (written !== '') {
          out += '\x1b[0m';
          written = '';
        }
        out += `\x1b[${r + 1};${end + 1}H\x1b[K`;
      }
    }
    if (written !== '') out += '\x1b[0m';
    this.rows = next;
    this.parsed = parsed;
    return out;
  }
}

/** What Ink's log-update puts before a frame: erasing the previous one line by line. The screen needs none of it. */
const ERASE = /^(?:\x1b\[2K(?:\x1b\[1A)?)*(?:\x1b\[G)?/;

/**
 * What to send to the terminal for one write of Ink's: a frame becomes the changes `screen` computes; private modes
 * (cursor show/hide, synchronized output) pass through; Ink's line erasing (before each frame, and on clear) is dropped, since the screen is kept by
 * absolute position and erasing relative to the cursor would blank rows it believes drawn.
 */
export function translate(screen: Screen, chunk: string): string {
  const body = chunk.replace(ERASE, '');
  if (body === '') return '';
  // Cursor show/hide, and Ink's synchronized-update markers around each frame (?2026h … ?2026l).
  if (/^(?:\x1b\[\?\d+[hl])+$/.test(body)) return body;
  return screen.update(placeholders.expand(body));
}
