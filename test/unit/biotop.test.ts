/** biotop without a kernel: the record decoder, the model (deltas, re-created rows, histogram quantiles), the summary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveBiotop, histQuantile, type BiotopEntry, type BiotopSample } from '../../src/models/biotop.js';
import { biotopSummary, createBiotopReader, disksInFlight } from '../../src/panels/biotop.js';
import { fakeAddon, fakeKernel, setMap } from '../helpers/fake-addon.js';
import { BIOTOP_RECORDS, decodeBiotop } from '../../src/records/biotop.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { mapRead } from '../helpers/fixtures.js';

const L = {
  key: naturalLayout(BIOTOP_RECORDS.key),
  val: naturalLayout(BIOTOP_RECORDS.val),
  stat: naturalLayout(BIOTOP_RECORDS.stat),
  inflight: naturalLayout(BIOTOP_RECORDS.inflight),
};

test('decoder: rows by process, disk and operation; names escaped; the histogram whole', () => {
  const hist = Array.from({ length: 40 }, (_, i) => (i === 14 ? 1990 : i === 17 ? 10 : 0));
  const keys = Buffer.concat([encode(L.key, { pid: 42, dev: (7 << 20) | 3, op: 2 }), encode(L.key, { pid: 0, dev: (254 << 20) | 0, op: 3 })]);
  const values = Buffer.concat([
    encode(L.val, {
      io: 2000,
      bytes: 8_192_000,
      lat_io: 2000,
      lat_ns: 40_000_000,
      await_ns: 50_000_000,
      await_io: 1999,
      created_ns: 5,
      hist,
      comm: 'dd\x1b[2J',
      disk: 'loop3',
      cgid: 4242,
    }),
    encode(L.val, { io: 1, bytes: 0, lat_io: 1, lat_ns: 900, created_ns: 6, comm: '', disk: 'vda' }),
  ]);
  const recs = decodeBiotop(mapRead(keys, values, 2, L.key.size, L.val.size), L);
  assert.equal(L.val.size, 8 * 7 + 320 + 16 + 32 + 8);
  assert.deepEqual(
    recs.map((r) => [r.pid, r.dev >>> 20, r.dev & 0xfffff, r.op, r.comm, r.disk, r.io, r.bytes, r.latNs, r.awaitNs, r.awaitIo, r.created, r.cgid]),
    [
      [42, 7, 3, 'discard', 'dd\\x1b[2J', 'loop3', 2000, 8_192_000, 40_000_000, 50_000_000, 1999, 5, 4242],
      [0, 254, 0, 'flush', '', 'vda', 1, 0, 900, 0, 0, 6, 0],
    ],
  );
  assert.equal(recs[0]!.hist[14], 1990);
  assert.equal(recs[0]!.hist[17], 10);
});

test('histogram quantiles: the upper edge of the bucket that holds them', () => {
  const h = new Array(40).fill(0);
  h[10] = 99;
  h[20] = 1;
  assert.equal(histQuantile(h, 0.99), 2047, '99 of 100 fall in 1024..2047 ns');
  assert.equal(histQuantile(h, 1), 2 ** 21 - 1);
  assert.equal(histQuantile(new Array(40).fill(0), 0.99), null);
});

const entry = (
  id: string,
  io: number,
  bytes: number,
  latNs: number,
  created = 1,
  hist = new Float64Array(40),
  awaitNs = latNs * 2,
  awaitIo = io,
): BiotopEntry => ({
  id,
  cgid: 0,
  cgroup: '',
  workload: '',
  pid: 7,
  dev: (7 << 20) | 1,
  op: 'write',
  comm: 'dd',
  disk: 'loop1',
  io,
  bytes,
  latIo: io,
  latNs,
  awaitNs,
  awaitIo,
  created,
  hist,
});
const sample = (rows: BiotopEntry[]): BiotopSample => ({
  rows: new Map(rows.map((r) => [r.id, r])),
  unseen: 0,
  inFlight: 0,
  unmatched: 0,
  mapFull: 0,
  entries: rows.length,
  capacity: 10240,
});

test('model: per-interval requests, bytes, average and p99; a re-created row counts whole; idle rows left out', () => {
  const h0 = new Float64Array(40);
  h0[12] = 10;
  const h1 = new Float64Array(40);
  h1[12] = 10 + 98;
  h1[16] = 2;
  const prev = sample([entry('a', 10, 40960, 100_000, 1, h0), entry('idle', 5, 5, 5), entry('again', 50, 500, 500)]);
  // 'a': 100 requests, 99 of them with a start time (await over those); 'again' has none (iostats off).
  const cur = sample([
    entry('a', 110, 450560, 1_100_000, 1, h1, 200_000 + 2_970_000, 109),
    entry('idle', 5, 5, 5),
    entry('again', 3, 30, 300, 2, undefined, 0, 0),
  ]);
  const rows = deriveBiotop(cur, prev, 2e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.io, r.bytes, r.avg_lat_ns, r.await_ns, r.p99_lat_ns, r.io_per_s, r.major, r.minor]),
    [
      ['a', 100, 409600, 10_000, 30_000, 2 ** 17 - 1, 50, 7, 1],
      ['again', 3, 30, 100, null, null, 1.5, 7, 1],
    ],
  );
  assert.equal(rows[0]!.lat_hist[12], 98);
  assert.ok(Object.isFrozen(rows[0]!.lat_hist));
});

test('summary: rates by direction; completions no hook saw and completions of requests from before sixty said', () => {
  const rows = deriveBiotop(sample([entry('a', 100, 1048576, 1)]), undefined, 1e9);
  assert.equal(biotopSummary(rows, {}).text, '1 processes doing I/O, 100 IO/s, read 0.00 MiB/s, write 1.00 MiB/s');
  assert.match(biotopSummary(rows, { unseen_completions_total: 3 }).text, /; 3 completions no hook saw since start \(counted, without latency\)/);
  assert.match(biotopSummary(rows, { unmatched_completions_total: 2 }).text, /; 2 completions of requests started before sixty \(not counted\)/);
});

test('model: a request whose completion no hook saw counts with its bytes; latencies cover the ones seen', () => {
  const h = new Float64Array(40);
  h[12] = 9;
  // 10 requests completed, 9 of them seen (their latency summed and in the histogram), 1 counted without latency.
  const cur = sample([{ ...entry('a', 10, 40960, 9 * 4000, 1, h, 9 * 5000, 9), latIo: 9 }]);
  const [r] = deriveBiotop(cur, undefined, 1e9);
  assert.deepEqual([r!.io, r!.bytes, r!.avg_lat_ns, r!.await_ns], [10, 40960, 4000, 5000]);
  // Only unseen completions in the interval: counted, and no latency to show.
  const later = sample([{ ...entry('a', 12, 49152, 9 * 4000, 1, h, 9 * 5000, 9), latIo: 9 }]);
  const [u] = deriveBiotop(later, cur, 1e9);
  assert.deepEqual([u!.io, u!.bytes, u!.avg_lat_ns, u!.await_ns, u!.p99_lat_ns], [2, 8192, null, null, null]);
});

test('diskstats: requests in flight per disk, keyed as biotop keys disks', () => {
  const text = [
    ' 254       0 vda 80207 16104 4659406 39187 52118 40325 2716698 101372 3 102336 140560 0 0 0 0 1931 0',
    '   7       3 loop3 3000 0 32000 123 2000 0 16000 456 0 600 579 0 0 0 0 0 0',
    'garbage',
  ].join('\n');
  const m = disksInFlight(text);
  assert.equal(m.get((254 << 20) | 0), 3);
  assert.equal(m.get((7 << 20) | 3), 0);
  assert.equal(m.size, 2);
});

/** biotop's reader over a fake kernel: rows, stats, requests in flight, and the kernel's diskstats. */
async function readerSetup() {
  const kernel = fakeKernel();
  const u64key = (n: bigint): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const stat = (unseen: number): void =>
    setMap(
      kernel,
      'biotop_stats',
      4,
      8,
      [0, 1, 2].map((i) => [Buffer.from([i, 0, 0, 0]), encode(L.stat, { count: i === 1 ? unseen : 0 })]),
      3,
    );
  const rows = (list: { pid: number; op: number; io: number; bytes: number; created: number }[]): void =>
    setMap(
      kernel,
      'biotop_rows',
      L.key.size,
      L.val.size,
      list.map((r) => [
        encode(L.key, { pid: r.pid, dev: (7 << 20) | 3, op: r.op }),
        encode(L.val, { io: r.io, bytes: r.bytes, lat_io: r.io, lat_ns: r.io * 1000, created_ns: r.created, comm: 'dd', disk: 'loop3' }),
      ]),
      10240,
    );
  const inflight = (list: { rq: bigint; issue: number; pid: number; bytes: number }[]): void =>
    setMap(
      kernel,
      'biotop_inflight',
      8,
      L.inflight.size,
      list.map((e) => [
        u64key(e.rq),
        encode(L.inflight, { issue_ns: e.issue, pid: e.pid, bytes: e.bytes, dev: (7 << 20) | 3, op: 1, comm: 'dd', disk: 'loop3' }),
      ]),
      16384,
    );
  let busy = 0;
  let now = 0;
  const host = {
    onlineCpus: () => 2,
    nowNs: () => now,
    readText: (p: string) => (p === '/proc/diskstats' ? `   7       3 loop3 1 0 8 0 1 0 8 0 ${busy} 0 0 0 0 0 0 0 0\n` : ''),
  };
  stat(0);
  rows([]);
  inflight([]);
  const obj = await fakeAddon(kernel).load('/x/biotop.bpf.o', []);
  const read = createBiotopReader(obj, L, host);
  return { kernel, stat, rows, inflight, read, setBusy: (n: number) => (busy = n), at: (ns: number) => (now = ns) };
}

test('reader: a request whose completion no hook saw, on a disk gone quiet, is counted once with its bytes, at the second read', async () => {
  const r = await readerSetup();
  r.rows([{ pid: 42, op: 1, io: 10, bytes: 40960, created: 5 }]);
  r.inflight([{ rq: 0xffff1n, issue: 100, pid: 42, bytes: 4096 }]);
  let s = r.read();
  assert.equal(s.rows.get('p42-7:3-write')!.io, 10, 'first seen: not yet');
  // Still there, unchanged, but the disk is busy: it may be the one in flight.
  r.setBusy(1);
  s = r.read();
  assert.equal(s.rows.get('p42-7:3-write')!.io, 10);
  r.setBusy(0);
  s = r.read();
  assert.deepEqual([s.rows.get('p42-7:3-write')!.io, s.rows.get('p42-7:3-write')!.bytes, s.unseen], [11, 45056, 1]);
  assert.equal(r.kernel.maps.get('biotop_inflight')!.entries.size, 0, 'taken out of the map');
  s = r.read();
  assert.deepEqual([s.rows.get('p42-7:3-write')!.io, s.unseen], [11, 1], 'once');
  // The kernel's own count of such requests (at reuse) adds to the summary's.
  r.stat(2);
  assert.equal(r.read().unseen, 3);
});

test('reader: a row that exists only for such requests, and a slot a new request took between the read and the take', async () => {
  const r = await readerSetup();
  r.inflight([
    { rq: 1n, issue: 100, pid: 7, bytes: 512 },
    { rq: 2n, issue: 200, pid: 8, bytes: 1024 },
  ]);
  r.read();
  // Between the read and the take, slot 2 ends unseen and a new request takes it (issued at 300).
  r.kernel.beforeTake = () => {
    r.inflight([
      { rq: 1n, issue: 100, pid: 7, bytes: 512 },
      { rq: 2n, issue: 300, pid: 9, bytes: 2048 },
    ]);
    r.kernel.beforeTake = undefined;
  };
  const s = r.read();
  assert.deepEqual(
    [s.rows.get('p7-7:3-write')?.io, s.rows.get('p7-7:3-write')?.bytes, s.rows.has('p8-7:3-write'), s.rows.has('p9-7:3-write')],
    [1, 512, false, false],
  );
  const left = [...r.kernel.maps.get('biotop_inflight')!.entries.values()];
  assert.deepEqual(
    left.map((e) => e.key.readBigUInt64LE(0)),
    [2n],
    'the new request is back in the map, as it was',
  );
  const rows = deriveBiotop(s, undefined, 1e9);
  assert.deepEqual(
    rows.map((x) => [x.pid, x.io, x.bytes, x.avg_lat_ns]),
    [[7, 1, 512, null]],
  );
});
