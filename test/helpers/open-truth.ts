/**
 * opensnoop's ground truth: a Python driver opens files of a directory the test makes, a known number of times each,
 * with known flags, through open, openat with a directory fd, relative paths and creat; and fails known numbers of
 * opens with known errors (as root: ENOENT, ENOTDIR, EEXIST, ELOOP, EISDIR). Every one is found in the panel's recent
 * opens, with its flags and result, and counted in its rows, within one interval. The driver stays alive until the
 * interval is read, so its relative paths can be resolved.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Engine } from '../../src/engine.js';
import type { OpenEvent, OpensnoopRow } from '../../src/models/opensnoop.js';
import { sleep } from './kernel.js';

const DRIVER = `
import os, sys, errno
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
  engine.tick();
  const driver = spawn(python, ['-c', DRIVER, dir, String(OPEN_RUNS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(driver.stdout!, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    assert.equal(pid, driver.pid);
    await sleep(200);
    const frame = engine.tick();
    const p = frame.panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    assert.equal((p.stats.ring_full_drops ?? 0) + (p.stats.rate_drops ?? 0), 0, 'no event lost');
    const mine = ((p.events ?? []) as OpenEvent[]).filter((e) => e.pid === pid && e.path.startsWith(dir));
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
    for (const [path, error, flags, k] of want) assert.equal(count(path, error, `${flags}|O_CLOEXEC`), k, `${path} ${error || 'ok'} ${flags}`);
    const total = want.reduce((a, w) => a + w[3], 0);
    assert.equal(mine.length, total, 'nothing else of the driver under the directory');
    for (const e of mine) {
      assert.equal(e.comm, 'python3');
      assert.equal(e.relative, false, `${e.path}: resolved`);
      assert.equal(e.ret < 0, e.error !== '');
      if (e.ret >= 0) assert.ok(e.ret >= 3, 'a real fd');
    }
    // The relative opens: the process's directory joined (../data from sub), and the dfd's (made in sub).
    const rows = (p.rows as OpensnoopRow[]).filter((r) => r.pid === pid && r.path.startsWith(dir));
    const row = (path: string, error: string): OpensnoopRow | undefined => rows.find((r) => r.path === `${dir}/${path}` && r.error === error);
    assert.equal(row('data', '')?.opens, 1 + n + n / 2 + n / 5, 'data opened, every way');
    for (const [path, error] of [
      ['missing', 'ENOENT'],
      ['data/x', 'ENOTDIR'],
      ['data', 'EEXIST'],
      ['link', 'ELOOP'],
      ['sub', 'EISDIR'],
    ] as const)
      assert.equal(row(path, error)?.opens, n / 5, `${path} ${error}`);
    const calls = mine.map((e) => e.call_ns).sort((a, b) => a - b);
    return `${total} opens of the driver found with their flags and results (${mine.filter((e) => e.error).length} failed: ENOENT, ENOTDIR, EEXIST, ELOOP, EISDIR ${n / 5} each), relative paths resolved; calls ${calls[0]}–${calls[calls.length - 1]} ns; rows exact`;
  } finally {
    driver.stdin!.end('\n');
    await once(driver, 'exit').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
