/**
 * opensnoop's ground truth: a Python driver opens files of a directory the test makes, a known number of times each,
 * with known flags, through open, openat with a directory fd, relative paths and creat; and fails known numbers of
 * opens with known errors (as root: ENOENT, ENOTDIR, EEXIST, ELOOP, EISDIR). Every one is found in the panel's recent
 * opens, with its flags and result, and counted in its rows. The driver starts its opens when told, once Python has
 * started, and stays alive until they are read, so its relative paths can be resolved; they are read in short
 * intervals, so that the recent opens a frame keeps (the last 1000) are not filled by a busy host's (another sixty
 * reads /proc: 1500 opens a second at -i 0.5).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Engine } from '../../src/engine.js';
import type { PanelFrame } from '../../src/frame.js';
import type { OpenEvent, OpensnoopRow } from '../../src/models/opensnoop.js';
import { sleep } from './kernel.js';
import { CountedMisses } from './misses.js';

const DRIVER = `
import os, sys, errno
print('ready', flush=True)
sys.stdin.readline()
d = sys.argv[1]
n = int(sys.argv[2])
os.mkdir(d + '/sub')
open(d + '/data', 'w').close()
os.symlink(d + '/data', d + '/link')
def fail(path, flags, want):
    try:
        os.close(os.open(path, flags, 0o644))
    except OSError as e:
        assert e.errno == want, (path, e.errno)
        return
    raise AssertionError(path)
for _ in range(n):
    os.close(os.open(d + '/data', os.O_RDONLY))
for _ in range(n // 2):
    os.close(os.open(d + '/data', os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC))
dfd = os.open(d + '/sub', os.O_RDONLY | os.O_DIRECTORY)
for _ in range(n // 5):
    os.close(os.open('made', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600, dir_fd=dfd))
os.chdir(d + '/sub')
for _ in range(n // 5):
    os.close(os.open('../data', os.O_RDONLY))
for _ in range(n // 5):
    fail(d + '/missing', os.O_RDONLY, errno.ENOENT)
    fail(d + '/data/x', os.O_RDONLY, errno.ENOTDIR)
    fail(d + '/data', os.O_WRONLY | os.O_CREAT | os.O_EXCL, errno.EEXIST)
    fail(d + '/link', os.O_RDONLY | os.O_NOFOLLOW, errno.ELOOP)
    fail(d + '/sub', os.O_WRONLY, errno.EISDIR)
print(os.getpid(), flush=True)
sys.stdin.readline()
`;

export const OPEN_RUNS = 50;

export async function opensnoopGroundTruth(engine: Engine): Promise<string> {
  const dir = mkdtempSync('/tmp/sixty-open-');
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  const driver = spawn(python, ['-c', DRIVER, dir, String(OPEN_RUNS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: driver.stdout! })[Symbol.asyncIterator]();
  const line = async (): Promise<string> => String((await lines.next()).value);
  try {
    assert.equal(await line(), 'ready');
    engine.tick();
    driver.stdin!.write('\n');
    const pid = Number(await line());
    assert.equal(pid, driver.pid);
    // Every open of the driver was submitted before it said its pid: a few short intervals take them all.
    const frames: PanelFrame[] = [];
    for (let i = 0; i < 4; i++) {
      await sleep(40);
      frames.push(engine.tick().panels[0]!);
    }
    const stat = (k: string): number => frames.reduce((a, f) => a + (f.stats[k] ?? 0), 0);
    for (const f of frames) assert.equal(f.status, 'ok', f.reason ?? '');
    assert.equal(stat('ring_full_drops') + stat('rate_drops'), 0, 'no event lost');
    // A frame's events are the last 1000 opens, of this interval and those before: each taken once, by its id.
    const byId = new Map(frames.flatMap((f) => (f.events ?? []) as OpenEvent[]).map((e) => [e.id, e]));
    const mine = [...byId.values()].filter((e) => e.pid === pid && e.path.startsWith(dir));
    const count = (path: string, error: string, flags: string): number =>
      mine.filter((e) => e.path === `${dir}/${path}` && e.error === error && e.flags_text === flags).length;
    const n = OPEN_RUNS;
    // Python opens every file non-inheritable (O_CLOEXEC), and made the data file with open(…, 'w') first.
    const want: [string, string, string, number][] = [
      ['data', '', 'O_WRONLY|O_CREAT|O_TRUNC', 1],
      ['data', '', 'O_RDONLY', n + n / 5],
      ['data', '', 'O_WRONLY|O_APPEND', n / 2],
      ['sub', '', 'O_RDONLY|O_DIRECTORY', 1],
      ['sub/made', '', 'O_WRONLY|O_CREAT|O_TRUNC', n / 5],
      ['missing', 'ENOENT', 'O_RDONLY', n / 5],
      ['data/x', 'ENOTDIR', 'O_RDONLY', n / 5],
      ['data', 'EEXIST', 'O_WRONLY|O_CREAT|O_EXCL', n / 5],
      ['link', 'ELOOP', 'O_RDONLY|O_NOFOLLOW', n / 5],
      ['sub', 'EISDIR', 'O_WRONLY', n / 5],
    ];
    // Each open exactly, but for those the kernel skipped and counted (CountedMisses: a classic tracepoint program does
    // not run while another process's map syscall holds bpf_prog_active on its CPU, even preempted).
    const misses = new CountedMisses(stat('bpf_missed_drops'));
    for (const [path, error, flags, k] of want) misses.allow(k - count(path, error, `${flags}|O_CLOEXEC`), `${path} ${error || 'ok'} ${flags}`);
    const total = want.reduce((a, w) => a + w[3], 0);
    assert.equal(mine.length, total - misses.used, 'nothing else of the driver under the directory');
    for (const e of mine) {
      assert.equal(e.comm, 'python3');
      assert.equal(e.relative, false, `${e.path}: resolved`);
      assert.equal(e.ret < 0, e.error !== '');
      if (e.ret >= 0) assert.ok(e.ret >= 3, 'a real fd');
    }
    // The relative opens: the process's directory joined (../data from sub), and the dfd's (made in sub).
    const rows = frames.flatMap((f) => f.rows as OpensnoopRow[]).filter((r) => r.pid === pid && r.path.startsWith(dir));
    const opensOf = (path: string, error: string): number =>
      rows.filter((r) => r.path === `${dir}/${path}` && r.error === error).reduce((a, r) => a + r.opens, 0);
    // Each row, the events of its file and result (all of them: none is lost between the events and the rows).
    const events = (path: string, error: string): number => mine.filter((e) => e.path === `${dir}/${path}` && e.error === error).length;
    for (const [path, error] of [
      ['data', ''],
      ['missing', 'ENOENT'],
      ['data/x', 'ENOTDIR'],
      ['data', 'EEXIST'],
      ['link', 'ELOOP'],
      ['sub', 'EISDIR'],
    ] as const)
      assert.equal(opensOf(path, error), events(path, error), `${path} ${error || 'ok'}: its rows`);
    const calls = mine.map((e) => e.call_ns).sort((a, b) => a - b);
    const skipped = misses.used > 0 ? ` (${misses.used} skipped by the kernel and counted, of ${misses.counted} misses)` : '';
    return `${total - misses.used} of ${total} opens of the driver found${skipped} with their flags and results (${mine.filter((e) => e.error).length} failed: ENOENT, ENOTDIR, EEXIST, ELOOP, EISDIR ${n / 5} each), relative paths resolved; calls ${calls[0]}–${calls[calls.length - 1]} ns; rows exact`;
  } finally {
    driver.stdin!.end('\n');
    await once(driver, 'exit').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
