/** F9 (signal) and F7 F8 (renice) on the process panel: the prompt's keys, and what the host does once asked. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { initialUiState, promptText, reduceInput, type UiContext } from '../../views/state.js';
import { actOnProcess } from '../../src/kernel/signal.js';
import { parsePidStatFull } from '../../src/records/procpid.js';
import { readFileSync } from 'node:fs';
import { hostConstants } from '../../src/kernel/auxv.js';

const ctx: UiContext = {
  panelIds: ['procs'],
  rowIds: ['4242'],
  pageRows: 10,
  columnKeys: ['pid'],
  defaultSort: { key: 'cpu_pct', descending: true },
  selectedProcess: { pid: 4242, comm: 'stress', nice: 0, start: 1000, ended: false },
};
const keys = (s: ReturnType<typeof initialUiState>, c: UiContext, ...ks: string[]) => ks.reduce((st, key) => reduceInput(st, { key }, c), s);

test('F9 asks before it signals: SIGTERM first, ←→ another signal, y sends it, n or Esc sends nothing', () => {
  let s = keys(initialUiState(['procs']), ctx, 'f9');
  assert.equal(promptText(s.prompt!), 'send SIGTERM to 4242 (stress)? y sends, ←→ another signal, n or Esc cancels');
  s = keys(s, ctx, 'right', 'j', 'q');
  assert.equal(s.prompt, null, 'q cancels, and j asked nothing of the table meanwhile');
  assert.deepEqual(s.commands, []);
  s = keys(s, ctx, 'f9', 'right', 'y');
  assert.deepEqual(s.commands.at(-1)?.cmd, { type: 'signal', pid: 4242, start: 1000, signal: 9 });
  assert.equal(s.prompt, null);
  assert.equal(keys(s, ctx, 'f9', 'esc').commands.length, s.commands.length, 'Esc sends nothing');
});

test('F7 F8 ask before a renice; in a replay, or on an ended process, nothing is asked and the host says why', () => {
  let s = keys(initialUiState(['procs']), ctx, 'f8', 'f8');
  assert.equal(s.prompt?.nice, 2);
  s = keys(s, ctx, 'f7', 'f7', 'f7', 'enter');
  assert.deepEqual(s.commands.at(-1)?.cmd, { type: 'renice', pid: 4242, start: 1000, nice: -1 });
  const replay = keys(initialUiState(['procs']), { ...ctx, replay: true }, 'f9');
  assert.equal(replay.prompt ?? null, null);
  assert.deepEqual(replay.commands.at(-1)?.cmd, { type: 'signal', pid: 4242, start: 1000, signal: 0 });
  const none = keys(initialUiState(['procs']), { ...ctx, selectedProcess: null }, 'f9', 'f7');
  assert.deepEqual([none.prompt ?? null, none.commands], [null, []], 'a panel whose rows are not processes');
});

test('the host signals and renices only the process the row showed, and says why not otherwise', async () => {
  const child = spawn('sleep', ['60']);
  await new Promise((r) => child.once('spawn', r));
  const pid = child.pid!;
  const st = parsePidStatFull(readFileSync(`/proc/${pid}/stat`, 'utf8'))!;
  const start = Date.now() / 1000 - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) + st.starttime / hostConstants().clockTicks;
  assert.match(actOnProcess({ type: 'signal', pid, start: start - 60, signal: 15 }).text, /another process .*nothing sent/);
  const r = actOnProcess({ type: 'renice', pid, start, nice: 5 });
  assert.deepEqual(r, { text: `${pid} reniced to 5`, error: false });
  assert.equal(getPriority(pid), 5);
  const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, sig) => res(sig)));
  assert.deepEqual(actOnProcess({ type: 'signal', pid, start, signal: 15 }), { text: `sent SIGTERM to ${pid}`, error: false });
  assert.equal(await exited, 'SIGTERM');
  assert.match(actOnProcess({ type: 'signal', pid, start, signal: 15 }).text, /has ended: nothing sent/);
});

test('T draws the rows as a tree where the panel has one; a grouping and the tree replace each other', () => {
  const c = { ...ctx, tree: true, groupings: 1 };
  let s = keys(initialUiState(['procs']), c, 'T');
  assert.equal(s.panels.procs?.tree, true);
  s = keys(s, c, 't');
  assert.deepEqual([s.panels.procs?.tree, s.panels.procs?.group], [undefined, 0], 't groups: no tree');
  s = keys(s, c, 'T');
  assert.deepEqual([s.panels.procs?.tree, s.panels.procs?.group], [true, undefined], 'T: the tree, no grouping');
  assert.equal(keys(initialUiState(['procs']), { ...ctx, tree: false }, 'T').panels.procs, undefined, 'no tree here');
});

test('u: one user at a time, the user with the most rows first, then every user again', () => {
  const c = { ...ctx, users: ['root', 'alice'] };
  let s = keys(initialUiState(['procs']), c, 'u');
  assert.equal(s.panels.procs?.user, 'root');
  s = keys(s, c, 'u');
  assert.equal(s.panels.procs?.user, 'alice');
  s = keys(s, c, 'u');
  assert.equal(s.panels.procs?.user, undefined, 'after the last: all users');
  assert.equal(keys(initialUiState(['procs']), ctx, 'u').panels.procs, undefined, 'a panel without users');
});
