/**
 * Terminal input → key names. Pure and stateful only across chunks (a bracketed paste spans several). Every key
 * in a chunk counts: `jj` typed fast (or a held key over SSH) arrives in one read and is two keys. F-keys, which Ink
 * reports as empty strings, are decoded from their escape sequences. Pasted text is reported as one `paste` event,
 * so it can never run commands.
 */

/** A key: one printable character ("j", ">", " "), or a name ("up", "S-tab", "f6", "C-c", "esc", "enter"…). */
export type KeyEvent = { key: string } | { paste: string };

const CSI_TILDE: Record<string, string> = {
  '1': 'home',
  '2': 'insert',
  '3': 'delete',
  '4': 'end',
  '5': 'pgup',
  '6': 'pgdn',
  '7': 'home',
  '8': 'end',
  '11': 'f1',
  '12': 'f2',
  '13': 'f3',
  '14': 'f4',
  '15': 'f5',
  '17': 'f6',
  '18': 'f7',
  '19': 'f8',
  '20': 'f9',
  '21': 'f10',
  '23': 'f11',
  '24': 'f12',
};
const CSI_FINAL: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'S-tab', P: 'f1', Q: 'f2', R: 'f3', S: 'f4' };
const SS3: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', P: 'f1', Q: 'f2', R: 'f3', S: 'f4', M: 'enter' };
/** The Linux console's F1–F5: ESC [ [ A … E. */
const LINUX_F: Record<string, string> = { A: 'f1', B: 'f2', C: 'f3', D: 'f4', E: 'f5' };

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

function controlKey(c: string): string {
  switch (c) {
    case '\t':
      return 'tab';
    case '\r':
    case '\n':
      return 'enter';
    case '\x7f':
    case '\b':
      return 'backspace';
    case '\x1b':
      return 'esc';
    default:
      return `C-${String.fromCharCode(c.charCodeAt(0) + 96)}`;
  }
}

export class InputDecoder {
  private paste: string | null = null;

  /** The keys in this chunk, in order. */
  decode(chunk: string): KeyEvent[] {
    const out: KeyEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.paste !== null) {
        const end = chunk.indexOf(PASTE_END, i);
        if (end < 0) {
          this.paste += chunk.slice(i);
          break;
        }
        this.paste += chunk.slice(i, end);
        out.push({ paste: this.paste });
        this.paste = null;
        i = end + PASTE_END.length;
        continue;
      }
      if (chunk.startsWith(PASTE_START, i)) {
        this.paste = '';
        i += PASTE_START.length;
        continue;
      }
      const c = chunk[i]!;
      if (c === '\x1b') {
        const [key, len] = escapeSequence(chunk, i);
        if (key) out.push({ key });
        i += len;
        continue;
      }
      const cp = chunk.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      i += ch.length;
      if (cp < 0x20 || cp === 0x7f) out.push({ key: controlKey(ch) });
      else out.push({ key: ch });
    }
    return out;
  }
}

/** The key an escape sequence at `i` stands for (null for ones sixty does not use) and its length. */
function escapeSequence(s: string, i: number): [string | null, number] {
  const next = s[i + 1];
  if (next === undefined) return ['esc', 1];
  if (next === '[') {
    if (s[i + 2] === '[' && s[i + 3] !== undefined) return [LINUX_F[s[i + 3]!] ?? null, 4];
    // CSI: parameter bytes 0x30–0x3f, intermediate 0x20–0x2f, one final byte 0x40–0x7e.
    let j = i + 2;
    while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
    const final = s[j];
    if (final === undefined) return [null, s.length - i];
    const params = s.slice(i + 2, j).split(';');
    const len = j + 1 - i;
    if (final === '~') return [CSI_TILDE[params[0] ?? ''] ?? null, len];
    // Modified arrows (ESC [ 1 ; 2 A) are the arrows.
    return [CSI_FINAL[final] ?? null, len];
  }
  if (next === 'O' && s[i + 2] !== undefined) return [SS3[s[i + 2]!] ?? null, 3];
  // ESC followed by anything else (Esc then a key typed fast, or Alt+key, which sixty binds none of): Esc, and the
  // next key is decoded on its own.
  return ['esc', 1];
}
