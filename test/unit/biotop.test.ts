/** biotop without a kernel: the record decoder, the model (deltas, re-created rows, histogram quantiles), the summary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveBiotop, histQuantile, type BiotopEntry, type BiotopSample } from '../../src/models/biotop.js';
import { biotopSummary } from '../../src/panels/biotop.js';
import { BIOTOP_RECORDS, decodeBiotop } from '../../src/records/biotop.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { mapRead } from '../helpers/fixtures.js';

const L = { key: naturalLayout(BIOTOP_RECORDS.key), val: naturalLayout(BIOTOP_RECORDS.val), stat: naturalLayout(BIOTOP_RECORDS.stat) };

test('decoder: rows by process, disk and operation; names escaped; the histogram whole', () => {
  const hist = Array.from({ length: 40 }, (_, i) => (i === 14 ? 1990 : i === 17 ? 10 : 0));
  const keys = Buffer.concat([encode(L.key, { pid: 42, dev: (7 << 20) | 3, op: 2 }), encode(L.key, { pid: 0, dev: (254 << 20) | 0, op: 3 })]);
  const values = Buffer.concat([
    encode(L.val, { io: 2000, bytes: 8_192_000, lat_ns: 40_000_000, await_ns: 50_000_000, await_io: 1999, created_ns: 5, hist, comm: 'dd\x1b[2J', disk: 'loop3' }),
    encode(L.val, { io: 1, bytes: 0, lat_ns: 900, created_ns: 6, comm: '', disk: 'vda' }),
  ]);
  const recs = decodeBiotop(mapRead(keys, values, 2, L.key.size, L.val.size), L);
  assert.equal(L.val.size, 8 * 6 + 320 + 16 + 32);
  assert.deepEqual(
    recs.map((r) => [r.pid, r.dev >>> 20, r.dev & 0xfffff, r.op, r.comm, r.disk, r.io, r.bytes, r.latNs, r.awaitNs, r.awaitIo, r.created]),
    [
      [42, 7, 3, 'discard', 'dd\\x1b[2J', 'loop3', 2000, 8_192_000, 40_000_000, 50_000_000, 1999, 5],
      [0, 254, 0, 'flush', '', 'vda', 1, 0, 900, 0, 0, 6],
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

const entry = (id: string, io: number, bytes: number, latNs: number, created = 1, hist = new Float64Array(40), awaitNs = latNs * 2, awaitIo = io): BiotopEntry => ({
  id,
  pid: 7,
  dev: (7 << 20) | 1,
  op: 'write',
  comm: 'dd',
  disk: 'loop1',
  io,
  bytes,
  latNs,
  awaitNs,
  awaitIo,
  created,
  hist,
});
const sample = (rows: BiotopEntry[]): BiotopSample => ({ rows: new Map(rows.map((r) => [r.id, r])), lost: 0, unmatched: 0, mapFull: 0, entries: rows.length, capacity: 10240 });

test('model: per-interval requests, bytes, average and p99; a re-created row counts whole; idle rows left out', () => {
  const h0 = new Float64Array(40);
  h0[12] = 10;
  const h1 = new Float64Array(40);
  h1[12] = 10 + 98;
  h1[16] = 2;
  const prev = sample([entry('a', 10, 40960, 100_000, 1, h0), entry('idle', 5, 5, 5), entry('again', 50, 500, 500)]);
  // 'a': 100 requests, 99 of them with a start time (await over those); 'again' has none (iostats off).
  const cur = sample([entry('a', 110, 450560, 1_100_000, 1, h1, 200_000 + 2_970_000, 109), entry('idle', 5, 5, 5), entry('again', 3, 30, 300, 2, undefined, 0, 0)]);
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

test('summary: rates by direction, and lost completions said', () => {
  const rows = deriveBiotop(sample([entry('a', 100, 1048576, 1)]), undefined, 1e9);
  assert.equal(biotopSummary(rows, {}).text, '1 processes doing I/O, 100 IO/s, read 0.00 MiB/s, write 1.00 MiB/s');
  assert.match(biotopSummary(rows, { lost_completions_total: 3 }).text, /; 3 lost completions since start/);
});
