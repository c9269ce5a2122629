/**
 * profile as scripts and colleagues get it: folded stacks from --format folded, and a recording of them that replays
 * the same stacks (a recorded profile opens as a flame graph: its rows are its stacks).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureBinary } from '../helpers/ground-truth.js';
import { lines, needsBpf, scaled, spawnCli } from '../helpers/kernel.js';

/**
 * A busy program with frame pointers whose stacks are known: main → work70 and main → work30, for `s` seconds stretched
 * as the tests' waits are (it is stopped when the test ends): in the 6.1 guest on a busy host, sixty took 28 s to run
 * its two intervals, and a burn of 20 s had ended before them.
 */
function burn(s: number): { pid: number; stop: () => void; comm: string } {
  const bin = fixtureBinary('burn', { name: 'fp', flags: ['-O0', '-fno-omit-frame-pointer'] });
  const c = spawn(bin, [String(Math.ceil(scaled(s * 1000) / 1000))], { stdio: 'ignore' });
  return { pid: c.pid!, stop: () => c.kill('SIGKILL'), comm: 'burn-fp' };
}

/** The folded lines of one program's two functions: "comm;frames… count" (its heaviest stacks). */
const linesOf = (out: readonly string[], comm: string): string[] => out.filter((l) => l.startsWith(`${comm};`) && /;main;work(70|30) \d+$/.test(l));

test('--format folded: each interval of stacks after a "# time profile" line, comm first, a count last', async (t) => {
  if (!needsBpf(t)) return;
  const b = burn(20);
  try {
    const out = lines(spawnCli(['--format', 'folded', '--count', '2', '--interval', '1', '--panels', 'profile']));
    assert.equal((await out.exit).code, 0, out.stderr());
    assert.equal(out.all.filter((l) => /^# \d{4}-\d\d-\d\dT\S+ profile \d+\.\d{3}s$/.test(l)).length, 2, out.all.join('\n'));
    for (const l of out.all.filter((x) => !x.startsWith('#')))
      assert.match(l, /^[^;\s]+(;[^;\s]+)* \d+$/, 'folded: frames without spaces or semicolons, then a count');
    const mine = linesOf(out.all, b.comm);
    assert.ok(
      mine.some((l) => /^burn-fp;__libc_start_call_main;main;work70 \d+$/.test(l)),
      mine.join('\n'),
    );
  } finally {
    b.stop();
  }
});

test('a recorded profile replays its stacks: the same folded lines, and rows with their stacks in JSON', async (t) => {
  if (!needsBpf(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'sixty-prof-'));
  const b = burn(20);
  try {
    const rec = join(dir, 'p.sixtyrec');
    const live = lines(spawnCli(['--format', 'folded', '--count', '3', '--interval', '1', '--panels', 'profile', '--record', rec]));
    assert.equal((await live.exit).code, 0, live.stderr());
    const replay = lines(spawnCli(['--replay', rec, '--format', 'folded']));
    assert.equal((await replay.exit).code, 0, replay.stderr());
    // A recording keeps a panel's 100 heaviest rows a frame (a busy host's light stacks may be left out): the program's
    // two functions, each a CPU's worth, are among them.
    assert.deepEqual(linesOf(replay.all, b.comm), linesOf(live.all, b.comm));
    assert.ok(linesOf(replay.all, b.comm).length > 0);
    const json = lines(spawnCli(['--replay', rec, '--format', 'json', '--count', '1']));
    assert.equal((await json.exit).code, 0, json.stderr());
    const rows = (JSON.parse(json.all[0]!) as { panels: { profile: { rows: { pid: number; stack: string[]; kinds: string }[] } } }).panels.profile.rows;
    const row = rows.find((r) => r.pid === b.pid && r.stack.at(-1) === 'work70');
    assert.ok(row, JSON.stringify(rows.slice(0, 3)));
    assert.deepEqual(row.stack, ['__libc_start_call_main', 'main', 'work70']);
    assert.equal(row.kinds, 'uuu');
  } finally {
    b.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--format folded without a stack panel: one line, exit 2', async () => {
  const out = lines(spawnCli(['--format', 'folded', '--count', '1', '--panels', 'softirqs']));
  const { code } = await out.exit;
  assert.equal(code, 2);
  assert.match(out.stderr().trim(), /^sixty: --format folded prints stacks: give --panels profile or offcputime$/);
});
