/**
 * Snapshots, recordings and replay in a real terminal: `e` writes the pair, `R` records, a read-only directory is
 * said in the status line while sixty runs on, and the recording replays as nobody, without root or BPF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AS_NOBODY, LAUNCHER, needsBpf } from '../helpers/kernel.js';
import { Tmux } from '../helpers/tmux.js';
import { parseSnapshot } from '../../src/persist/snapshot.js';
import { RecordingReader } from '../../src/persist/recording.js';
import { CATALOG } from '../../src/panels/registry.js';

test('console: e exports, R records, a read-only directory is reported and sixty runs on; the recording replays without root', async (t) => {
  if (!needsBpf(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'sixty-export-'));
  const ro = join(dir, 'ro');
  mkdirSync(ro);
  let mounted = false;
  const tm = new Tmux();
  try {
    tm.start(`${LAUNCHER} --interval 0.5 --export-dir ${dir}; echo EXIT=$?; sleep 60`, 120, 40);
    await tm.waitFor((x) => /^ 3 vmstat\s+(ok|look|bad)\s/m.test(x));
    tm.keys('e');
    // The stack panels' stacks beside it, folded, when they have any.
    const s = await tm.waitFor((x) => /^snapshot written: \S+\.json \(and \.txt(, \.\w+\.folded)*\)/m.test(x));
    const json = /^snapshot written: (\S+\.json)/m.exec(s)![1]!;
    assert.match(json, new RegExp(`^${dir}/sixty-[A-Za-z0-9._-]+-\\d{8}T\\d{6}Z\\.json$`));
    assert.equal(statSync(json).mode & 0o777, 0o600);
    const snap = parseSnapshot(readFileSync(json), CATALOG);
    assert.ok(
      snap.frame.panels.some((p) => p.id === 'home' && p.rows.length === 10),
      'the checklist is in it',
    );
    const text = readFileSync(json.replace(/json$/, 'txt'), 'utf8');
    assert.match(text, /^ 3 vmstat\s+(ok|look|bad)\s/m, 'the screen as text');
    assert.match(text, /^softirqs( in kernel [^[]*)? \[tp_btf/m, 'and every panel');
    assert.doesNotMatch(text, /\x1b/);

    tm.keys('R');
    await tm.waitFor((x) => /^recording to \S+\.sixtyrec \(R stops\)/m.test(x));
    await tm.waitFor((x) => /● REC ([4-9]|\d\d+) /.test(x));
    tm.keys('R');
    const done = await tm.waitFor((x) => /^recorded \d+ frames to \S+\.sixtyrec/m.test(x));
    const [, n, rec] = /^recorded (\d+) frames to (\S+\.sixtyrec)/m.exec(done)!;
    const r = new RecordingReader(rec!, CATALOG);
    assert.equal(r.frames, Number(n));
    r.close();
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0);
    tm.keys('q');
    assert.match(await tm.waitFor((x) => x.includes('EXIT=')), /EXIT=0/);
    tm.kill();

    // A directory that can no longer be written (a read-only file system mounted over it after sixty checked it at
    // start): the status line says so in words; the console goes on.
    const tm2 = new Tmux();
    try {
      tm2.start(`${LAUNCHER} --interval 0.5 --export-dir ${ro}; echo EXIT=$?; sleep 60`, 120, 40);
      await tm2.waitFor((x) => /^ 3 vmstat/m.test(x));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
      mounted = true;
      tm2.keys('e');
      await tm2.waitFor((x) => new RegExp(`^export failed: ${ro.replace(/[/.]/g, '\\$&')} is on a read-only file system`, 'm').test(x));
      const clock = (x: string): string => /\d\d:\d\d:\d\d/.exec(x.split('\n')[0]!)![0];
      const before = clock(tm2.screen());
      await tm2.waitFor((x) => clock(x) !== before);
      tm2.keys('q');
      assert.match(await tm2.waitFor((x) => x.includes('EXIT=')), /EXIT=0/);
    } finally {
      tm2.kill();
    }

    // Replay as nobody: no root, no BPF. ] steps, the title says where; L opens the timeline, Enter goes where it points.
    const pub = join(tmpdir(), `sixty-replay-${process.pid}.sixtyrec`);
    copyFileSync(rec!, pub);
    chmodSync(pub, 0o644);
    const tm3 = new Tmux();
    try {
      tm3.start(`setpriv ${AS_NOBODY.join(' ')} ${LAUNCHER} --replay ${pub}; echo EXIT=$?; sleep 60`, 120, 40);
      await tm3.waitFor((x) => new RegExp(`REPLAY frame 1 of ${n}`).test(x) && /^ 3 vmstat/m.test(x));
      tm3.keys(']', ']');
      await tm3.waitFor((x) => new RegExp(`REPLAY frame 3 of ${n}`).test(x));
      // p plays it on from there, at the recorded pace, to the last frame, and says so.
      tm3.keys('p');
      await tm3.waitFor((x) => new RegExp(`REPLAY frame ${n} of ${n}`).test(x) && /^the end of the replay/m.test(x));
      // L: the timeline of the checklist's verdicts, ▲ under the last frame; Home and Enter go back to the first.
      tm3.keys('L');
      await tm3.waitFor((x) => /^timeline of the checklist .* \d+ frames/m.test(x) && /^ {2}3 vmstat|^vmstat +[·▒█ ]+$/m.test(x) && /▲ on screen/.test(x));
      tm3.keys('Home', 'Enter');
      await tm3.waitFor((x) => new RegExp(`REPLAY frame 1 of ${n}`).test(x) && !/^timeline of the checklist/m.test(x) && /^ 3 vmstat/m.test(x));
      // m marks this frame; two frames on, D shows what changed from it (as sixty diff ranks it); Esc closes it.
      tm3.keys('m', ']', ']');
      await tm3.waitFor((x) => new RegExp(`REPLAY frame 3 of ${n}`).test(x) && /^marked frame 1 /m.test(x));
      tm3.keys('D');
      await tm3.waitFor((x) => /^what changed from frame 1 to frame 3 \(the marked one\)/m.test(x) && /^B {2}\S+ .*\(\+\d+ s\)/m.test(x));
      tm3.keys('Escape');
      await tm3.waitFor((x) => !/^what changed from/m.test(x) && /^ 3 vmstat/m.test(x));
      tm3.keys('q');
      assert.match(await tm3.waitFor((x) => x.includes('EXIT=')), /EXIT=0/);
    } finally {
      tm3.kill();
      rmSync(pub, { force: true });
    }
  } finally {
    tm.kill();
    if (mounted) execFileSync('umount', [ro]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--export-dir that cannot be written to is said at start in words (not when e is pressed, not as an errno)', async (t) => {
  if (!needsBpf(t)) return;
  const tm = new Tmux();
  try {
    tm.start(`${LAUNCHER} --export-dir /nonexistent/exports; echo EXIT=$?; sleep 60`, 100, 30);
    const s = await tm.waitFor((x) => x.includes('EXIT='));
    assert.match(s, /^sixty: --export-dir: the directory \/nonexistent\/exports does not exist \(any more\)$/m);
    assert.match(s, /^EXIT=2$/m);
  } finally {
    tm.kill();
  }
});
