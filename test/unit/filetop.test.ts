/**
 * filetop without a kernel: names as /proc shows them, the model (deltas, re-created rows, the row cap), the reader
 * (names taken once per file, idle and pressure eviction with last counts kept, LRU evictions counted), the summary,
 * and the engine's on-screen attaching.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveFiletop, filetopStats, MAX_ROWS, type FiletopEntry, type FiletopRow, type FiletopSample } from '../../src/models/filetop.js';
import { filetopSample } from '../panels/filetop.js';
import { filetopMapSizes, filetopPanel, filetopSummary } from '../../src/panels/filetop.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { FILETOP_RECORDS, formatName } from '../../src/records/filetop.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { fakeKernel, setMap } from '../helpers/fake-addon.js';
import { SOFTIRQS_VAL, softirqsEntries, testEngine, u32key } from '../helpers/fixtures.js';

const L = {
  key: naturalLayout(FILETOP_RECORDS.key),
  val: naturalLayout(FILETOP_RECORDS.val),
  file: naturalLayout(FILETOP_RECORDS.file),
  name: naturalLayout(FILETOP_RECORDS.name),
  stat: naturalLayout(FILETOP_RECORDS.stat),
};
const DEV = (8 << 20) | 1;

test('names: pseudo files as /proc/PID/fd names them, cut paths marked, control characters escaped', () => {
  assert.equal(formatName(0xef53, 0, '/var/log/syslog', 12), '/var/log/syslog');
  assert.equal(formatName(0x50495045, 1, '', 4242), 'pipe:[4242]');
  assert.equal(formatName(0x534f434b, 1, 'TCP', 77), 'socket:[77]');
  assert.equal(formatName(0x09041934, 1, '[eventfd]', 9), 'anon_inode:[eventfd]');
  assert.equal(formatName(0xef53, 2, '/deep/leaf', 1), '…/deep/leaf');
  assert.equal(formatName(0xef53, 0, '/tmp/evil\x1b]2;x\x07\n', 1), '/tmp/evil\\x1b]2;x\\x07\\x0a');
});

const entry = (id: string, reads: number, writes: number, readBytes: number, writeBytes: number, created = 1): FiletopEntry => ({
  id,
  cgid: 0,
  cgroup: '',
  workload: '',
  pid: 7,
  dev: DEV,
  ino: 99,
  type: 'R',
  comm: 'cat',
  path: `/f/${id}`,
  reads,
  writes,
  readBytes,
  writeBytes,
  created,
});
const sample = (entries: FiletopEntry[]): FiletopSample => filetopSample(entries);

test('model: per-interval calls and bytes; a re-created row counts whole; rows that did nothing are left out', () => {
  const idle = entry('idle', 5, 5, 50, 50);
  const prev = sample([entry('a', 10, 2, 4096, 100), idle, entry('again', 50, 0, 500, 0)]);
  const cur = sample([entry('a', 30, 3, 12288, 300), idle, entry('again', 3, 1, 30, 10, 2), entry('new', 1, 0, 0, 0)]);
  const rows = deriveFiletop(cur, prev, 2e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.reads, r.writes, r.read_bytes, r.write_bytes, r.read_bytes_per_s, r.major, r.minor, r.path]),
    [
      ['a', 20, 1, 8192, 200, 4096, 8, 1, '/f/a'],
      ['again', 3, 1, 30, 10, 15, 8, 1, '/f/again'],
      ['new', 1, 0, 0, 0, 0, 8, 1, '/f/new'],
    ],
  );
  const stats = filetopStats(cur, prev);
  assert.deepEqual([stats.files, stats.processes, stats.reads, stats.writes, stats.read_bytes, stats.write_bytes], [3, 1, 24, 2, 8222, 210]);
  const s = filetopSummary(rows, stats, 2e9);
  assert.match(s.text, /^3 files by 1 processes, read 0\.00 MiB\/s in 12 calls\/s, write 0\.00 MiB\/s in 1 calls\/s, map 4\/16384$/);
});

test('model: above MAX_ROWS files, the busiest are listed and the totals still cover all', () => {
  const many = Array.from({ length: MAX_ROWS + 500 }, (_, i) => entry(`f${i}`, 1, 0, i, 0));
  const rows = deriveFiletop(sample(many), undefined, 1e9);
  assert.equal(rows.length, MAX_ROWS);
  assert.equal(Math.min(...rows.map((r) => r.read_bytes)), 500, 'the 500 smallest are the ones left out');
  const stats = filetopStats(sample(many), undefined);
  assert.equal(stats.files, MAX_ROWS + 500);
  assert.match(filetopSummary(rows, stats, 1e9).text, /^2500 files \(the 2000 busiest listed\)/);
});

/** A kernel row and, when named, its waiting name. */
function kernelRow(
  pid: number,
  ino: number,
  c: { reads?: number; writes?: number; read_bytes?: number; write_bytes?: number; created_ns?: number },
  comm = 'cat',
): [Buffer, Buffer] {
  return [encode(L.key, { pid, dev: DEV, ino }), encode(L.val, { created_ns: 1, ...c, type: 0, comm })];
}
const nameEntry = (ino: number, path: string): [Buffer, Buffer] => [
  encode(L.file, { dev: DEV, ino }),
  encode(L.name, { magic: 0xef53, flags: 0, len: Buffer.byteLength(path), path }),
];
const stats = (created: number, mapFull = 0): [Buffer, Buffer][] =>
  [0, 1, 2, 3].map((i) => [u32key(i), encode(L.stat, { count: i === 1 ? created : i === 0 ? mapFull : 0 })]);

function filetopKernel(rows: [Buffer, Buffer][], names: [Buffer, Buffer][], created: number, capacity = 16384) {
  const kernel = fakeKernel();
  setMap(kernel, 'filetop_rows', L.key.size, L.val.size, rows, capacity);
  setMap(kernel, 'filetop_names', L.file.size, L.name.size, names, 8192);
  setMap(kernel, 'filetop_stats', 4, L.stat.size, stats(created), 4);
  return kernel;
}

test('reader and engine: names taken once per file and kept; idle rows taken out with their last calls; LRU evictions counted', async () => {
  const kernel = filetopKernel([kernelRow(10, 1, { reads: 2, read_bytes: 200 })], [nameEntry(1, '/srv/a')], 1);
  const t = testEngine([filetopPanel], { kernel, requested: ['filetop'] });
  await t.engine.open();
  assert.equal(kernel.maps.get('filetop_names')!.entries.size, 0, 'names are taken as they are read');
  // Next interval: the row moved; a second process opened the same file (its name comes again), a third file has no
  // name yet (being created on another CPU as sixty read): it shows as device and inode until its name comes.
  setMap(kernel, 'filetop_rows', L.key.size, L.val.size, [
    kernelRow(10, 1, { reads: 5, read_bytes: 500 }),
    kernelRow(11, 1, { writes: 1, write_bytes: 10 }),
    kernelRow(10, 2, { reads: 1, read_bytes: 1 }),
  ]);
  setMap(kernel, 'filetop_names', L.file.size, L.name.size, [nameEntry(1, '/srv/a')]);
  setMap(kernel, 'filetop_stats', 4, L.stat.size, stats(3));
  let p = t.engine.tick().panels[0]!;
  assert.deepEqual(
    p.rows.map((r) => [r.id, (r as FiletopRow).path, (r as FiletopRow).reads]),
    [
      ['10-8:1-1', '/srv/a', 3],
      ['11-8:1-1', '/srv/a', 0],
      ['10-8:1-2', '[8:1 inode 2]', 1],
    ],
  );
  setMap(kernel, 'filetop_names', L.file.size, L.name.size, [nameEntry(2, '/srv/b')]);
  p = t.engine.tick().panels[0]!;
  assert.equal(p.rows.length, 0, 'nothing moved');
  // 31 s later, nothing moved: the rows are taken out, and a call that came between the read and the delete counts.
  kernel.beforeTake = () =>
    setMap(kernel, 'filetop_rows', L.key.size, L.val.size, [
      kernelRow(10, 1, { reads: 6, read_bytes: 600 }),
      kernelRow(11, 1, { writes: 1, write_bytes: 10 }),
      kernelRow(10, 2, { reads: 1, read_bytes: 1 }),
    ]);
  let ticks = 0;
  while (kernel.maps.get('filetop_rows')!.entries.size > 0 && ticks < 40) {
    p = t.engine.tick().panels[0]!;
    ticks++;
  }
  kernel.beforeTake = undefined;
  assert.equal(ticks, 29, 'idle rows are deleted from the kernel map after 30 s idle');
  assert.deepEqual(
    p.rows.map((r) => [r.id, (r as FiletopRow).reads]),
    [['10-8:1-1', 1]],
    'the late call is counted',
  );
  // A row created and evicted by the LRU between two reads, and one evicted that sixty knew: counted, said.
  setMap(kernel, 'filetop_rows', L.key.size, L.val.size, [kernelRow(12, 3, { reads: 1 })]);
  setMap(kernel, 'filetop_stats', 4, L.stat.size, stats(3 + 2));
  t.engine.tick();
  setMap(kernel, 'filetop_rows', L.key.size, L.val.size, []);
  setMap(kernel, 'filetop_stats', 4, L.stat.size, stats(3 + 2));
  p = t.engine.tick().panels[0]!;
  assert.equal(p.stats.lru_evicted_total, 2);
  assert.match(p.summary.text, /totals incomplete: 2 dropped since start \(map full: 2 rows evicted, 0 calls not stored\)/);
  t.engine.close();
});

test('reader under pressure: above 75 % of the map, the quietest and smallest rows are taken out down to 60 %', async () => {
  const rows = Array.from({ length: 80 }, (_, i) => kernelRow(20, 100 + i, { reads: 1, read_bytes: i }));
  const kernel = filetopKernel(rows, [], 80, 100);
  const t = testEngine([filetopPanel], { kernel, requested: ['filetop'] });
  await t.engine.open();
  const left = [...kernel.maps.get('filetop_rows')!.entries.values()].map((e) => Number(e.key.readBigUInt64LE(8)) - 100);
  assert.equal(left.length, 60);
  assert.deepEqual(
    left.sort((a, b) => a - b),
    Array.from({ length: 60 }, (_, i) => i + 20),
    'the 20 smallest went',
  );
  t.engine.close();
});

test('engine: a panel attached only while on screen waits in standby, attaches when shown, detaches when left', async () => {
  const kernel = filetopKernel([kernelRow(10, 1, { reads: 2, read_bytes: 200 })], [nameEntry(1, '/srv/a')], 1);
  setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([[1, 5n, 50n]]), 10);
  const t = testEngine([softirqsPanel, filetopPanel], { kernel });
  const file = () => t.engine.store.getSnapshot().panels[1]!;
  const filetopLoads = (): number => kernel.loads.filter((l) => l.stem === 'filetop').length;
  await t.engine.open();
  assert.equal(file().status, 'standby');
  assert.match(file().reason!, /^attached only while on screen: .*\(--panels filetop keeps it attached\)$/);
  assert.equal(filetopLoads(), 0, 'nothing of filetop loaded');
  t.engine.show('filetop');
  assert.equal(file().status, 'starting');
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(file().status, 'ok');
  assert.equal(file().attachedAt, '2026-11-25T12:00:00.000Z');
  assert.equal(filetopLoads(), 1);
  setMap(kernel, 'filetop_rows', L.key.size, L.val.size, [kernelRow(10, 1, { reads: 7, read_bytes: 700 })]);
  const f = t.engine.tick();
  assert.deepEqual(
    f.panels[1]!.rows.map((r) => (r as FiletopRow).reads),
    [5],
    'its first interval starts at its own first read',
  );
  const closedBefore = kernel.closed;
  t.engine.show('softirqs');
  assert.equal(file().status, 'standby');
  assert.deepEqual([file().rows.length, file().attachedAt, kernel.closed], [0, null, closedBefore + 1]);
  assert.equal(kernel.closedAsync, 1, 'closed off the JavaScript thread: leaving the screen does not wait for the kernel');
  // Shown and left before its open finished: what it opened is closed, and it is in standby again.
  t.engine.show('filetop');
  t.engine.show('softirqs');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(file().status, 'standby');
  assert.equal(kernel.closed, closedBefore + 2);
  assert.equal(kernel.closedAsync, 2);
  t.engine.show('filetop');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(file().status, 'ok');
  t.engine.close();
  assert.deepEqual([kernel.closed, kernel.closedAsync], [closedBefore + 4, 2], 'at exit (filetop and softirqs), closed before close returns');
});

test('engine: asked for with --panels, it is attached from start like any other', async () => {
  const kernel = filetopKernel([], [], 0);
  const t = testEngine([filetopPanel], { kernel, requested: ['filetop'] });
  await t.engine.open();
  assert.equal(t.engine.store.getSnapshot().panels[0]!.status, 'ok');
  t.engine.close();
});

test('the maps are sized when filetop attaches: twice the file handles open, a power of two from 16384 to 262144', () => {
  const sizes = (n: number) => filetopMapSizes(`${n}\t0\t2466165\n`).filetop_rows;
  assert.equal(sizes(412), 16384);
  assert.equal(sizes(8192), 16384);
  assert.equal(sizes(8193), 32768);
  assert.equal(sizes(100_500), 262144);
  assert.equal(sizes(5_000_000), 262144, 'bounded');
  assert.deepEqual(filetopMapSizes(''), { filetop_rows: 16384, filetop_names: 16384 }, 'no /proc: the smallest');
  const host = { onlineCpus: () => 2, nowNs: () => 0, readText: (p: string) => (p === '/proc/sys/fs/file-nr' ? '70000 0 9\n' : '') };
  const src = filetopPanel.source;
  assert.ok(src.kind === 'bpf' && src.mapSizes);
  assert.deepEqual(src.mapSizes(host), { filetop_rows: 262144, filetop_names: 262144 });
});
