/** The key bindings: one table drives input handling, the help screen and the key hint. */
import type { KeyEvent } from './input.js';

/** What the console asks of its host (the composition root): these act outside the view. */
export type Command =
  | { type: 'interval'; step: 1 | -1 }
  | { type: 'seek'; step: 1 | -1; unit: 'interval' | 'minute' }
  | { type: 'export' }
  | { type: 'record' }
  | { type: 'bpfStats' }
  | { type: 'threads' }
  /** fsslower: a higher (1) or lower (−1) threshold; profile: a higher or lower sampling rate (`panel`: the one on screen) */
  | { type: 'threshold'; step: 1 | -1; panel?: string }
  /** offcputime: kernel threads listed, or left out */
  | { type: 'kthreads' }
  /** signal process `pid` (if it is still the one that started at `start`, epoch seconds) */
  | { type: 'signal'; pid: number; start: number; signal: number }
  /** set process `pid`'s nice value (the same check) */
  | { type: 'renice'; pid: number; start: number; nice: number }
  | { type: 'redraw' }
  | { type: 'play' }
  /** L where there is no timeline (a live host, a snapshot): the host says why */
  | { type: 'timeline' }
  /** a replay: go to frame `frame` (the timeline's Enter) */
  | { type: 'goFrame'; frame: number }
  /** a replay: remember the frame on screen as the one D compares with */
  | { type: 'mark' }
  /** a replay: what changed from the marked frame (or a minute before) to the one on screen, as a page (D) */
  | { type: 'diff' };

export type Action =
  | { type: 'nextPanel' }
  | { type: 'prevPanel' }
  | { type: 'gotoPanel'; index: number }
  | { type: 'gotoStep'; step: number }
  | { type: 'goHome' }
  | { type: 'goSecond' }
  | { type: 'drill' }
  | { type: 'escape' }
  | { type: 'interval'; step: 1 | -1 }
  | { type: 'command'; cmd: Command }
  | { type: 'filter' }
  | { type: 'sortMenu' }
  | { type: 'up' }
  | { type: 'down' }
  | { type: 'pageUp' }
  | { type: 'pageDown' }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'sortNext' }
  | { type: 'sortPrev' }
  | { type: 'sortReverse' }
  | { type: 'group' }
  | { type: 'togglePause' }
  | { type: 'toggleSelf' }
  | { type: 'toggleHelp' }
  | { type: 'closeHelp' }
  | { type: 'quit'; force?: boolean }
  | { type: 'toggleTree' }
  | { type: 'toggleEvents' }
  | { type: 'toggleFlame' }
  | { type: 'toggleTimeline' }
  | { type: 'openDiff' }
  | { type: 'openStacks' }
  | { type: 'nextUser' }
  | { type: 'cgroupOnly' }
  | { type: 'detail' }
  | { type: 'signalPrompt' }
  | { type: 'nicePrompt'; step: 1 | -1 };

export interface Binding {
  /** key names as the input decoder gives them (views/input.ts) */
  keys: readonly string[];
  /** how the help screen names the keys */
  label: string;
  help: string;
  /** the binding's label in the one-line key hint, if it has one there */
  hint?: string;
  action: (key: string) => Action;
}

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

export const BINDINGS: readonly Binding[] = [
  { keys: ['tab', 'right'], label: 'Tab →', help: 'next panel', hint: 'Tab panel', action: () => ({ type: 'nextPanel' }) },
  { keys: ['S-tab', 'left'], label: 'S-Tab ←', help: 'previous panel', action: () => ({ type: 'prevPanel' }) },
  {
    keys: DIGITS,
    label: '1-9 0',
    help: 'home: select step N of the 60-second checklist (0 is step 10)',
    action: (k) => ({ type: 'gotoStep', step: k === '0' ? 10 : Number(k) }),
  },
  {
    keys: ['enter'],
    label: 'Enter',
    help: "home: open the panel that explains the selected step; cgroup: the selected cgroup's processes (procs); elsewhere: the selected row's detail and history chart",
    hint: 'Enter explain',
    action: () => ({ type: 'drill' }),
  },
  {
    keys: ['i'],
    label: 'i',
    help: "the selected row's detail and history chart (where Enter goes elsewhere: home, cgroup)",
    action: () => ({ type: 'detail' }),
  },
  { keys: ['h'], label: 'h', help: 'home: the 60-second checklist', hint: 'h home', action: () => ({ type: 'goHome' }) },
  {
    keys: ['b'],
    label: 'b',
    help: "home's second page: the BCC tools checklist (execsnoop, opensnoop, ext4slower, biolatency, biosnoop, cachestat, tcplife, tcpretrans, runqlat), each with its reading and verdict, Enter opens its panel; again: home",
    action: () => ({ type: 'goSecond' }),
  },
  { keys: ['up', 'k'], label: '↑ k', help: 'select the row above (in the help or a detail view: scroll)', hint: '↑↓ select', action: () => ({ type: 'up' }) },
  { keys: ['down', 'j'], label: '↓ j', help: 'select the row below', action: () => ({ type: 'down' }) },
  { keys: ['pgup'], label: 'PgUp', help: 'page up', action: () => ({ type: 'pageUp' }) },
  { keys: ['pgdn'], label: 'PgDn', help: 'page down', action: () => ({ type: 'pageDown' }) },
  { keys: ['home', 'g'], label: 'Home g', help: 'first row', action: () => ({ type: 'home' }) },
  { keys: ['end', 'G'], label: 'End G', help: 'last row', action: () => ({ type: 'end' }) },
  { keys: ['>', '.'], label: '> .', help: 'sort by the next column', hint: '<> sort', action: () => ({ type: 'sortNext' }) },
  { keys: ['<', ','], label: '< ,', help: 'sort by the previous column', action: () => ({ type: 'sortPrev' }) },
  { keys: ['f6'], label: 'F6', help: 'choose the sort column from a list (↑↓ Enter; Esc closes)', action: () => ({ type: 'sortMenu' }) },
  { keys: ['r'], label: 'r', help: 'reverse the sort', action: () => ({ type: 'sortReverse' }) },
  {
    keys: ['t', 'f5'],
    label: 't F5',
    help: "group the rows, with sums (the panel's groupings are listed below its columns); again: the next grouping, then single rows",
    action: () => ({ type: 'group' }),
  },
  { keys: ['+', '='], label: '+', help: 'a longer interval (0.1 0.2 0.5 1 2 5 10 30 60 s)', action: () => ({ type: 'interval', step: 1 }) },
  { keys: ['-'], label: '-', help: 'a shorter interval', action: () => ({ type: 'interval', step: -1 }) },
  {
    keys: ['e'],
    label: 'e',
    help: 'export a snapshot: sixty-<host>-<time>.json (everything sixty knows now; sixty --replay opens it) and .txt (the screen as text), in --export-dir or here',
    action: () => ({ type: 'command', cmd: { type: 'export' } }),
  },
  {
    keys: ['R'],
    label: 'R',
    help: 'start / stop recording one frame per interval to sixty-<host>-<time>.sixtyrec (sixty --replay opens it)',
    action: () => ({ type: 'command', cmd: { type: 'record' } }),
  },
  {
    keys: ['B'],
    label: 'B',
    help: "BPF program stats on / off (kernel.bpf_stats_enabled; root; put back as it was at exit): each panel's time in the kernel, its runs per second and the time per run, and the total beside sixty's own CPU. Counting costs the kernel two clock reads per run while on",
    action: () => ({ type: 'command', cmd: { type: 'bpfStats' } }),
  },
  {
    keys: ['T'],
    label: 'T',
    help: "procs: the rows as a tree (each process under its parent, with its subtree's CPU and memory summed); again: a table",
    action: () => ({ type: 'toggleTree' }),
  },
  {
    keys: ['v'],
    label: 'v',
    help: 'event panels (execsnoop, opensnoop, fsslower, biosnoop, tcplife, tcpretrans): the recent events, one per line, newest first (p pauses them, / filters, Enter opens one); again: the counts per process. Stack panels (profile, offcputime): the top functions, self and total',
    action: () => ({ type: 'toggleEvents' }),
  },
  {
    keys: ['f'],
    label: 'f',
    help: 'stack panels (profile, offcputime): the flame graph of the stacks shown (an icicle: the root on top, one line per depth, widths by weight; kernel red, user yellow, JIT green); ↑↓←→ select a frame, Enter zooms into it, Esc zooms out; again: the table',
    action: () => ({ type: 'toggleFlame' }),
  },
  {
    keys: ['P'],
    label: 'P',
    help: "the selected process's profile (its stacks only): from home's top, pidstat and mpstat steps the busiest process's, from procs the selected one's (Enter there too)",
    action: () => ({ type: 'openStacks' }),
  },
  {
    keys: ['K'],
    label: 'K',
    help: 'offcputime: kernel threads listed too (left out at start: they block by design); again: left out',
    action: () => ({ type: 'command', cmd: { type: 'kthreads' } }),
  },
  {
    keys: ['u'],
    label: 'u',
    help: "procs: only one user's processes, the user with the most first; again: the next user, then all of them",
    action: () => ({ type: 'nextUser' }),
  },
  {
    keys: ['c'],
    label: 'c',
    help: "only the selected row's cgroup and those below it (procs, cgroup); again: every cgroup (--cgroup PATH does it from start, in the kernel for BPF panels)",
    action: () => ({ type: 'cgroupOnly' }),
  },
  {
    keys: ['f9'],
    label: 'F9',
    help: 'procs: send a signal to the selected process (asks first: y sends, ←→ another signal, n or Esc cancels; SIGTERM first)',
    action: () => ({ type: 'signalPrompt' }),
  },
  {
    keys: ['f7', 'f8'],
    label: 'F7 F8',
    help: 'procs: renice the selected process, -1 (more CPU; root) or +1 (asks first: y sets it, F7 F8 change it, n or Esc cancels)',
    action: (k) => ({ type: 'nicePrompt', step: k === 'f7' ? -1 : 1 }),
  },
  {
    keys: ['H'],
    label: 'H',
    help: 'procs: one row per thread, or per process again (as htop); the next reading follows',
    action: () => ({ type: 'command', cmd: { type: 'threads' } }),
  },
  {
    keys: ['(', ')'],
    label: '( )',
    help: 'fsslower: a lower / higher threshold for the slow operations it lists (0 1 2 5 10 20 50 100 200 500 1000 ms; 10 at start, as ext4slower); profile: a lower / higher sampling rate (19 49 99 199 499 999 Hz; 49 at start); the next reading follows',
    action: (k) => ({ type: 'command', cmd: { type: 'threshold', step: k === '(' ? -1 : 1 } }),
  },
  {
    keys: ['[', ']'],
    label: '[ ]',
    help: 'replay: the previous / next interval',
    action: (k) => ({ type: 'command', cmd: { type: 'seek', step: k === '[' ? -1 : 1, unit: 'interval' } }),
  },
  {
    keys: ['{', '}'],
    label: '{ }',
    help: 'replay: a minute back / on',
    action: (k) => ({ type: 'command', cmd: { type: 'seek', step: k === '{' ? -1 : 1, unit: 'minute' } }),
  },
  {
    keys: ['/'],
    label: '/',
    help: 'filter the rows by a regular expression over their text (Enter keeps it, Esc clears it)',
    hint: '/ filter',
    action: () => ({ type: 'filter' }),
  },
  {
    keys: ['S'],
    label: 'S',
    help: "hide / show sixty's own rows (its /proc reads in filetop, its map reads and its process elsewhere)",
    action: () => ({ type: 'toggleSelf' }),
  },
  {
    keys: ['m'],
    label: 'm',
    help: 'replay: mark the frame on screen, the one D compares with',
    action: () => ({ type: 'command', cmd: { type: 'mark' } }),
  },
  {
    keys: ['D'],
    label: 'D',
    help: 'replay: what changed from the marked frame (m; without one, a minute before) to the one on screen, ranked as sixty diff ranks it',
    action: () => ({ type: 'openDiff' }),
  },
  {
    keys: ['L'],
    label: 'L',
    help: "replay of a recording: the timeline of the checklist's verdicts over it (←→ move, Enter goes to that moment, Esc closes)",
    action: () => ({ type: 'toggleTimeline' }),
  },
  {
    keys: ['p', ' '],
    label: 'p Space',
    help: 'pause / resume the display (in a replay: play / stop, at the recorded pace; + - change the speed)',
    action: () => ({ type: 'togglePause' }),
  },
  { keys: ['?', 'f1'], label: '? F1', help: 'help: keys and columns', hint: '? help', action: () => ({ type: 'toggleHelp' }) },
  {
    keys: ['C-l'],
    label: 'C-l',
    help: 'redraw the whole screen (after something else wrote on it)',
    action: () => ({ type: 'command', cmd: { type: 'redraw' } }),
  },
  { keys: ['esc'], label: 'Esc', help: 'close the help or the detail view; otherwise home', action: () => ({ type: 'escape' }) },
  {
    keys: ['q', 'f10'],
    label: 'q F10',
    help: 'quit (in the help, the detail view or the sort list: close it)',
    hint: 'q quit',
    action: () => ({ type: 'quit' }),
  },
  { keys: ['C-c'], label: 'C-c', help: 'quit, from anywhere', action: () => ({ type: 'quit', force: true }) },
];

const BY_KEY = new Map<string, Binding>(BINDINGS.flatMap((b) => b.keys.map((k) => [k, b] as [string, Binding])));

/** The action for one decoded key; null for keys and pastes that are not bound. */
export function decodeKey(ev: KeyEvent): Action | null {
  if (!('key' in ev)) return null;
  const b = BY_KEY.get(ev.key);
  return b ? b.action(ev.key) : null;
}

/** The key table as help lines: "  KEYS       what they do". */
export function keyHelpLines(): string[] {
  return BINDINGS.map((b) => `  ${b.label.padEnd(10)} ${b.help}`);
}

/** The one-line key hint at the bottom of the screen. */
export const KEY_HINT = BINDINGS.flatMap((b) => (b.hint ? [b.hint] : [])).join('  ');
