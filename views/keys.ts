/** The key bindings: one table drives both input handling and the help screen. */

/** The subset of Ink's Key that sixty reads. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  tab?: boolean;
  shift?: boolean;
  ctrl?: boolean;
  escape?: boolean;
  return?: boolean;
}

export type Action =
  | { type: 'nextPanel' }
  | { type: 'prevPanel' }
  | { type: 'gotoPanel'; index: number }
  | { type: 'up' }
  | { type: 'down' }
  | { type: 'pageUp' }
  | { type: 'pageDown' }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'sortNext' }
  | { type: 'sortPrev' }
  | { type: 'sortReverse' }
  | { type: 'togglePause' }
  | { type: 'toggleHelp' }
  | { type: 'closeHelp' }
  | { type: 'quit' };

export interface Binding {
  /** how the help screen names the keys */
  keys: string;
  help: string;
  /** the binding's label in the one-line key hint, if it has one there */
  hint?: string;
  /** the action for this input, or null when the binding does not match it */
  decode: (input: string, key: KeyInfo) => Action | null;
}

const when = (ok: boolean, action: Action): Action | null => (ok ? action : null);

export const BINDINGS: readonly Binding[] = [
  { keys: 'Tab →', help: 'next panel', hint: 'Tab panel', decode: (i, k) => when((!!k.tab && !k.shift) || !!k.rightArrow, { type: 'nextPanel' }) },
  { keys: 'S-Tab ←', help: 'previous panel', decode: (i, k) => when((!!k.tab && !!k.shift) || !!k.leftArrow, { type: 'prevPanel' }) },
  { keys: '1-9', help: 'go to panel N', decode: (i) => when(/^[1-9]$/.test(i), { type: 'gotoPanel', index: Number(i) - 1 }) },
  { keys: '↑ k', help: 'select the row above', hint: '↑↓ select', decode: (i, k) => when(!!k.upArrow || i === 'k', { type: 'up' }) },
  { keys: '↓ j', help: 'select the row below', decode: (i, k) => when(!!k.downArrow || i === 'j', { type: 'down' }) },
  { keys: 'PgUp PgDn', help: 'page up / down', decode: (i, k) => (k.pageUp ? { type: 'pageUp' } : k.pageDown ? { type: 'pageDown' } : null) },
  { keys: 'Home End', help: 'first / last row', decode: (i, k) => (k.home || i === 'g' ? { type: 'home' } : k.end || i === 'G' ? { type: 'end' } : null) },
  { keys: '> .', help: 'sort by the next column', hint: '<> sort', decode: (i) => when(i === '>' || i === '.', { type: 'sortNext' }) },
  { keys: '< ,', help: 'sort by the previous column', decode: (i) => when(i === '<' || i === ',', { type: 'sortPrev' }) },
  { keys: 'r', help: 'reverse the sort', hint: 'r reverse', decode: (i) => when(i === 'r', { type: 'sortReverse' }) },
  { keys: 'p Space', help: 'pause / resume the display', hint: 'p pause', decode: (i) => when(i === 'p' || i === ' ', { type: 'togglePause' }) },
  { keys: '? h', help: 'help: keys and columns', hint: '? help', decode: (i) => when(i === '?' || i === 'h', { type: 'toggleHelp' }) },
  { keys: 'Esc', help: 'close help', decode: (i, k) => when(!!k.escape, { type: 'closeHelp' }) },
  { keys: 'q Ctrl-C', help: 'quit', hint: 'q quit', decode: (i, k) => when(i === 'q' || (!!k.ctrl && i === 'c'), { type: 'quit' }) },
];

export function decodeKey(input: string, key: KeyInfo): Action | null {
  for (const b of BINDINGS) {
    const a = b.decode(input, key);
    if (a) return a;
  }
  return null;
}

/** The key table as help lines: "  KEYS       what they do". */
export function keyHelpLines(): string[] {
  return BINDINGS.map((b) => `  ${b.keys.padEnd(10)} ${b.help}`);
}

/** The one-line key hint at the bottom of the screen. */
export const KEY_HINT = BINDINGS.flatMap((b) => (b.hint ? [b.hint] : [])).join('  ');
