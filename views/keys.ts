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
  match: (input: string, key: KeyInfo) => boolean;
  action: (input: string) => Action;
}

export const BINDINGS: readonly Binding[] = [
  { keys: 'Tab →', help: 'next panel', match: (i, k) => (!!k.tab && !k.shift) || !!k.rightArrow, action: () => ({ type: 'nextPanel' }) },
  { keys: 'S-Tab ←', help: 'previous panel', match: (i, k) => (!!k.tab && !!k.shift) || !!k.leftArrow, action: () => ({ type: 'prevPanel' }) },
  { keys: '1-9', help: 'go to panel N', match: (i) => /^[1-9]$/.test(i), action: (i) => ({ type: 'gotoPanel', index: Number(i) - 1 }) },
  { keys: '↑ k', help: 'select the row above', match: (i, k) => !!k.upArrow || i === 'k', action: () => ({ type: 'up' }) },
  { keys: '↓ j', help: 'select the row below', match: (i, k) => !!k.downArrow || i === 'j', action: () => ({ type: 'down' }) },
  { keys: 'PgUp PgDn', help: 'page up / down', match: (i, k) => !!k.pageUp, action: () => ({ type: 'pageUp' }) },
  { keys: '', help: '', match: (i, k) => !!k.pageDown, action: () => ({ type: 'pageDown' }) },
  { keys: 'Home End', help: 'first / last row', match: (i, k) => !!k.home || i === 'g', action: () => ({ type: 'home' }) },
  { keys: '', help: '', match: (i, k) => !!k.end || i === 'G', action: () => ({ type: 'end' }) },
  { keys: '> .', help: 'sort by the next column', match: (i) => i === '>' || i === '.', action: () => ({ type: 'sortNext' }) },
  { keys: '< ,', help: 'sort by the previous column', match: (i) => i === '<' || i === ',', action: () => ({ type: 'sortPrev' }) },
  { keys: 'r', help: 'reverse the sort', match: (i) => i === 'r', action: () => ({ type: 'sortReverse' }) },
  { keys: 'p Space', help: 'pause / resume the display', match: (i) => i === 'p' || i === ' ', action: () => ({ type: 'togglePause' }) },
  { keys: '? h', help: 'help: keys and columns', match: (i) => i === '?' || i === 'h', action: () => ({ type: 'toggleHelp' }) },
  { keys: 'Esc', help: 'close help', match: (i, k) => !!k.escape, action: () => ({ type: 'closeHelp' }) },
  { keys: 'q Ctrl-C', help: 'quit', match: (i, k) => i === 'q' || (!!k.ctrl && i === 'c'), action: () => ({ type: 'quit' }) },
];

export function decodeKey(input: string, key: KeyInfo): Action | null {
  const b = BINDINGS.find((x) => x.match(input, key));
  return b ? b.action(input) : null;
}

/** The one-line key hint at the bottom of the screen. */
export const KEY_HINT = 'Tab panel  ↑↓ select  <> sort  r reverse  p pause  ? help  q quit';
