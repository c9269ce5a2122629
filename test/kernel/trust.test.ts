/**
 * What trying to break sixty found, on this kernel and as root: output that cannot be written (a full disk) is said
 * in one line with exit 74, and what was written is whole (frames, CSV lines, recorded frames); a recording whose file
 * is removed stops and says so; a replay of a file with no panel this sixty knows says what it lacks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingReader } from '../../src/persist/recording.js';
import { ROOT } from '../../src/paths.js';
import { CATALOG } from '../../src/panels/registry.js';
import { CLI, needsBpf } from '../helpers/kernel.js';

const V1 = join(ROOT, 'test', 'fixtures', 'recordings', 'v1.sixtyrec');

/** A tmpfs of `size` bytes mounted for the duration of `f`: a disk that fills. */
function withSmallDisk<T>(size: number, f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sixty-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  try {
    return f(dir);
  } finally {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const sixty = (args: string[], stdout?: string) =>
  spawnSync('sh', ['-c', `exec "${process.execPath}" "${CLI}" "$@"${stdout ? ` > "${stdout}"` : ''}`, 'sh', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });

test('--replay --batch onto a full disk: one line, exit 74, and the output ends with the last whole frame', (t) => {
  if (!needsBpf(t)) return;
  const whole = sixty(['--replay', V1, '--batch', '--format', 'json']);
  assert.equal(whole.status, 0);
  withSmallDisk(64 * 1024, (dir) => {
    const out = join(dir, 'frames.json');
    const r = sixty(['--replay', V1, '--batch', '--format', 'json'], out);
    assert.equal(r.status, 74, r.stderr);
    assert.equal(r.stderr, 'sixty: cannot write the output: no space left on the device (it ends with the last whole piece written)\n');
    const written = readFileSync(out, 'utf8');
    assert.ok(written.length > 0 && written.length < whole.stdout.length, `${written.length} of ${whole.stdout.length} bytes`);
    assert.ok(whole.stdout.startsWith(written) && written.endsWith('\n'), 'a prefix of the frames, ending with a whole one');
    for (const line of written.trimEnd().split('\n')) JSON.parse(line);
  });
});

test('--csv-dir on a full disk: one line naming the file, exit 74, and every file ends with a whole line', (t) => {
  if (!needsBpf(t)) return;
  withSmallDisk(48 * 1024, (dir) => {
    const r = sixty(['--replay', V1, '--format', 'csv', '--csv-dir', dir]);
    assert.equal(r.status, 74, r.stderr);
    assert.match(r.stderr, /^sixty: cannot write \/\S+\/\w+\.csv: no space left on the device \(it ends with the last whole piece written\)\n$/);
    const files = readdirSync(dir);
    assert.ok(files.length > 0);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(text === '' || text.endsWith('\r\n'), `${f} ends with a whole line`);
    }
  });
});

test('--record on a full disk: the run says so and exits 74; the recording holds every frame it says, whole', (t) => {
  if (!needsBpf(t)) return;
  withSmallDisk(64 * 1024, (dir) => {
    const rec = join(dir, 'r.sixtyrec');
    const r = sixty(['--batch', '--format', 'json', '--interval', '0.1', '--count', '200', '--record', rec], '/dev/null');
    assert.equal(r.status, 74, r.stderr);
    const m = /^sixty: recording to \S+ stopped after (\d+) frames: no space left on the device \(the file ends with the last whole frame\)\n$/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const reader = new RecordingReader(rec, CATALOG);
    try {
      assert.deepEqual([reader.frames, reader.tornTail], [Number(m[1]), false]);
      reader.frame(reader.frames - 1);
    } finally {
      reader.close();
    }
  });
});

test('--replay of a file with no panel this sixty knows: says so, not "undefined"', (t) => {
  if (!needsBpf(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'sixty-later-'));
  try {
    const snap = JSON.parse(sixty(['--replay', V1, '--batch', '--format', 'json', '--count', '1']).stdout) as unknown;
    assert.ok(snap);
    const doc = {
      format: 'sixty-snapshot',
      schemaVersion: 1,
      sixty: '9.0',
      createdAt: '2026-12-06T00:00:00Z',
      host: { hostname: 'h', kernel: 'k', cpus: 2 },
      intervalS: 1,
      frame: {
        time: '2026-12-06T00:00:00Z',
        elapsedNs: 1e9,
        panels: [{ id: 'zfstop', status: 'ok', rows: [], summary: { text: '', values: {} }, stats: {}, history: {} }],
      },
    };
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'later.json');
    writeFileSync(path, JSON.stringify(doc));
    const r = sixty(['--replay', path, '--batch']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `sixty: cannot replay ${path}: it has no panel this sixty knows (a later version wrote it?)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CSV of several panels without --csv-dir: a new directory of their own, said on stderr; taken names passed over', (t) => {
  if (!needsBpf(t)) return;
  const cwd = mkdtempSync(join(tmpdir(), 'sixty-csvdir-'));
  try {
    const run = () =>
      spawnSync(process.execPath, [CLI, '--replay', V1, '--format', 'csv'], { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
    const a = run();
    assert.equal(a.status, 0, a.stderr);
    const m = /^sixty: CSV of (\d+) panels, one file each, in (sixty-csv-host1-\d{8}T\d{6}Z(-\d+)?)\/ /.exec(a.stderr);
    assert.ok(m, a.stderr);
    const files = readdirSync(join(cwd, m[2]!)).sort();
    assert.equal(files.length, Number(m[1]));
    assert.ok(files.every((f) => f.endsWith('.csv')));
    const b = run();
    assert.equal(b.status, 0, b.stderr);
    assert.notEqual(/in (\S+)\//.exec(b.stderr)?.[1], m[2], 'a second run in the same second gets its own directory');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
