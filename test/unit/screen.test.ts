/**
 * The output layer without a terminal: each frame becomes only the changed cells, after absolute cursor moves; a
 * terminal emulated here (cells and their styles) must show exactly the frame after every update.
 */
import { Placeholders } from '../../views/placeholders.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Screen, toCells, translate } from '../../views/screen.js';

/** A tiny terminal: applies cursor moves (CUP), erase to end of line (EL) and SGR, keeps cells and their style. */
class Term {
  rows: { ch: string; style: string }[][] = [];
  private r = 0;
  private c = 0;
  private style = '';
  write(s: string): void {
    const re = /\x1b\[(\d+);(\d+)H|\x1b\[K|\x1b\[([0-9;]*)m|\x1b\[\?\d+[hl]|([\s\S])/gu;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      if (m[1] !== undefined) {
        this.r = Number(m[1]) - 1;
        this.c = Number(m[2]) - 1;
      } else if (m[0] === '\x1b[K') {
        const row = (this.rows[this.r] ??= []);
        row.length = Math.min(row.length, this.c);
      } else if (m[3] !== undefined) this.style = m[3] === '0' || m[3] === '' ? '' : `${this.style}${m[0]}`;
      else if (m[4] !== undefined) {
        const row = (this.rows[this.r] ??= []);
        while (row.length < this.c) row.push({ ch: ' ', style: '' });
        row[this.c++] = { ch: m[4], style: this.style };
      }
    }
  }
  /** The screen as text, trailing blanks trimmed per row. */
  text(): string {
    return this.rows
      .map((row) =>
        row
          .map((x) => x.ch)
          .join('')
          .trimEnd(),
      )
      .join('\n')
      .replace(/\n+$/, '');
  }
}

const plain = (frame: string): string =>
  frame
    .split('\n')
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trimEnd())
    .join('\n')
    .replace(/\n+$/, '');

test('a frame unchanged costs nothing; one changed cell costs a cursor move and the cell', () => {
  const s = new Screen();
  const t = new Term();
  const f1 = 'sixty  host  10:00:01\nVECTOR  COUNT\nnet_rx     12\ntimer       3\n';
  t.write(s.update(f1));
  assert.equal(t.text(), plain(f1));
  assert.equal(s.update(f1), '', 'nothing changed, nothing written');
  const f2 = f1.replace('10:00:01', '10:00:02');
  const bytes = s.update(f2);
  t.write(bytes);
  assert.equal(t.text(), plain(f2));
  assert.equal(bytes, '\x1b[1;21H2');
});

test('styles are written where they change, rows that shrink are erased to their end, removed rows too', () => {
  const s = new Screen();
  const t = new Term();
  const f1 = 'title\n\x1b[46m\x1b[30mselected row   \x1b[39m\x1b[49m\nother row with more text\nlast\n';
  t.write(s.update(f1));
  assert.equal(t.text(), plain(f1));
  assert.equal(t.rows[1]![0]!.style !== '', true, 'the selection keeps its colours');
  const f2 = 'title\nselected row\nother\n';
  const bytes = s.update(f2);
  t.write(bytes);
  assert.equal(t.text(), plain(f2));
  assert.equal(t.rows[1]![0]!.style, '', 'the colours are gone where the frame has none');
  assert.match(bytes, /\x1b\[3;6H\x1b\[K/, 'the shrunk row erased from its new end');
  assert.match(bytes, /\x1b\[4;1H\x1b\[K/, 'the removed row erased');
});

test('wide characters are cells of two columns: a change in one is written whole', () => {
  const s = new Screen();
  const t = new Term();
  t.write(s.update('名前 a\n'));
  const bytes = s.update('名札 a\n');
  t.write(bytes);
  assert.equal(bytes, '\x1b[1;3H札');
  assert.deepEqual(
    toCells('名a').map((c) => c.ch),
    ['名', '', 'a'],
  );
});

test("Ink's writes: its line erasing is dropped, private modes pass, a frame becomes changes; invalidate redraws", () => {
  const s = new Screen();
  assert.equal(translate(s, '\x1b[?2026h'), '\x1b[?2026h');
  assert.equal(translate(s, '\x1b[?25l'), '\x1b[?25l');
  assert.equal(translate(s, 'hello\n'), '\x1b[1;1Hhello');
  assert.equal(translate(s, '\x1b[2K\x1b[1A\x1b[2K\x1b[Ghello\n'), '', 'the same frame after the erase: nothing');
  assert.equal(translate(s, '\x1b[2K\x1b[1A\x1b[2K\x1b[G'), '', 'a clear alone: dropped');
  s.invalidate();
  assert.equal(translate(s, 'hello\n'), '\x1b[1;1Hhello', 'after a resize the frame is written whole');
});

test('a frame larger than the terminal (drawn for the size before a resize) is cut to it: nothing lands past the edges', () => {
  const s = new Screen();
  s.setSize(10, 3);
  const out = s.update(['0123456789ABCDEF', 'second line that is long', 'third', 'fourth', 'fifth'].join('\n'));
  const moves = [...out.matchAll(/\x1b\[(\d+);(\d+)H/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(
    moves.every(([r, c]) => r! <= 3 && c! <= 10),
    JSON.stringify(moves),
  );
  assert.doesNotMatch(out, /ABCDEF|fourth|fifth|that is long/);
  assert.equal(s.text(), '0123456789\nsecond lin\nthird');
  // A wide character whose second column would fall outside: a blank in its place.
  s.setSize(4, 2);
  s.update('abc字');
  assert.equal(s.text(), 'abc');
  // A new size forgets what was drawn: the next frame is written whole.
  s.setSize(10, 3);
  assert.match(s.update('abc'), /\x1b\[1;1Habc/);
});

test('placeholders: a line is one character for Ink, put back whole after; the same text keeps its character, a new one never takes one in use; text from the kernel is never read as one', () => {
  const p = new Placeholders();
  const a = p.of('alpha    ');
  assert.equal(a.length, 1);
  assert.equal(p.of('alpha    '), a, 'the same text, the same placeholder: Ink sees no change');
  const b = p.of('beta');
  assert.notEqual(a, b);
  // Ink's styles around a placeholder stay around the line; blanks at the ends of rows go.
  assert.equal(p.expand(`\x1b[1m${a}\x1b[22m\n${b}   \n`), '\x1b[1malpha    \x1b[22m\nbeta\n');
  // A comm that holds a private-use character, even the very one of another line: put in place, never expanded again.
  const hostile = p.of(`comm ${a} here`);
  assert.equal(p.expand(hostile), `comm ${a} here`);
  // Thousands of new lines later (many frames of lines that all change), the lines drawn last still have their own.
  const shown: string[] = [];
  for (let i = 0; i < 10000; i++) {
    const ch = p.of(`line ${i}`);
    if (i >= 9960) shown.push(ch);
  }
  assert.equal(new Set(shown).size, 40, 'one character each');
  assert.deepEqual(
    shown.map((ch) => p.expand(ch)),
    Array.from({ length: 40 }, (_, k) => `line ${9960 + k}`),
  );
});
