/** runqlen without a kernel: the per-CPU decoder, the model (deltas, the "all" row, max from the histogram), the summary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRunqlen, type RunqlenSample } from '../../src/models/runqlen.js';
import { histBars, runqlenSummary } from '../../src/panels/runqlen.js';
import { decodeRunqlen, RUNQLEN_RECORDS, RUNQLEN_SLOTS, type RunqlenRecord } from '../../src/records/runqlen.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { u32key } from '../helpers/fixtures.js';

const L = naturalLayout(RUNQLEN_RECORDS.val);

test('decoder: one record per CPU from a raw per-CPU read, in CPU order', () => {
  const hist = (slot: number, n: number): number[] => Array.from({ length: RUNQLEN_SLOTS }, (_, i) => (i === slot ? n : 0));
  const values = Buffer.concat([
    encode(L, { samples: 99, queued: 0, runnable: 20, occupied: 0, hist: hist(0, 99) }),
    encode(L, { samples: 98, queued: 196, runnable: 294, occupied: 98, hist: hist(2, 98) }),
  ]);
  const recs = decodeRunqlen({ keys: u32key(0), values, count: 1, keySize: 4, valueSize: L.size, batched: false, cpus: 2 }, L);
  assert.equal(L.size, 8 * 4 + 8 * RUNQLEN_SLOTS);
  assert.deepEqual(
    recs.map((r) => [r.cpu, r.samples, r.queued, r.runnable, r.occupied, r.hist[0], r.hist[2]]),
    [
      [0, 99, 0, 20, 0, 99, 0],
      [1, 98, 196, 294, 98, 0, 98],
    ],
  );
  assert.throws(() => decodeRunqlen({ keys: u32key(0), values: values.subarray(8), count: 1, keySize: 4, valueSize: L.size, batched: false, cpus: 2 }, L));
});

const rec = (cpu: number, samples: number, queued: number, runnable: number, occupied: number, hist: Record<number, number>): RunqlenRecord => {
  const h = new Float64Array(RUNQLEN_SLOTS);
  for (const [k, v] of Object.entries(hist)) h[Number(k)] = v;
  return { cpu, samples, queued, runnable, occupied, hist: h };
};
const sample = (...cpus: RunqlenRecord[]): RunqlenSample => ({ cpus, online: 2, hz: 99 });

test('model: per-CPU means over the interval; the all row averages the online CPUs; max from the histogram', () => {
  const prev = sample(rec(0, 100, 10, 120, 10, { 0: 90, 1: 10 }), rec(1, 100, 0, 50, 0, { 0: 100 }), rec(2, 7, 0, 0, 0, { 0: 7 }));
  // cpu0: 99 samples, 1 waiting in 50, 2 waiting in 49 → 148 waiting; cpu1: 99 idle ones; cpu2 possible, not online.
  const cur = sample(rec(0, 199, 10 + 148, 120 + 99 + 148, 10 + 99, { 0: 90, 1: 60, 2: 49 }), rec(1, 199, 0, 50, 0, { 0: 199 }), rec(2, 9, 0, 2, 0, { 0: 9 }));
  const rows = deriveRunqlen(cur, prev, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.samples, r.queue_mean, r.queue_max, r.occupancy_pct, r.runnable_mean]),
    [
      ['cpu0', 99, 148 / 99, 2, 100, (99 + 148) / 99],
      ['cpu1', 99, 0, 0, 0, 0],
      ['all', 198, 148 / 99 / 2, 2, 50, (99 + 148) / 99 / 2],
    ],
  );
  assert.deepEqual(rows[0]!.hist.slice(0, 3), [0, 50, 49]);
  assert.deepEqual(rows[2]!.hist.slice(0, 3), [99, 50, 49]);
  assert.ok(Object.isFrozen(rows[2]!.hist));
});

test('model: samples an idle CPU did not take count as idle; one that took none still has its row', () => {
  // Over 2 s at 99 Hz: cpu0 busy with one task for 99 samples (1 s), idle and unsampled for the other second;
  // cpu1 took no sample at all.
  const prev = sample(rec(0, 0, 0, 0, 0, {}), rec(1, 0, 0, 0, 0, {}));
  const rows = deriveRunqlen(sample(rec(0, 99, 0, 99, 0, { 0: 99 }), rec(1, 0, 0, 0, 0, {})), prev, 2e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.samples, r.queue_mean, r.queue_max, r.occupancy_pct, r.runnable_mean]),
    [
      ['cpu0', 99, 0, 0, 0, 0.5],
      ['cpu1', 0, 0, 0, 0, 0],
      ['all', 99, 0, 0, 0, 0.25],
    ],
  );
  // More samples than the rate (timer jitter) are taken as they are.
  const over = deriveRunqlen(sample(rec(0, 101, 0, 101, 0, { 0: 101 }), rec(1, 0, 0, 0, 0, {})), prev, 1e9);
  assert.equal(over[0]!.runnable_mean, 1);
});

test('model: no previous sample gives no rows; a counter going backwards skips that CPU', () => {
  const a = sample(rec(0, 100, 0, 0, 0, { 0: 100 }));
  assert.deepEqual(deriveRunqlen(a, undefined, 1e9), []);
  assert.deepEqual(deriveRunqlen(sample(rec(0, 50, 0, 0, 0, { 0: 50 })), a, 1e9), []);
});

test('summary and histogram bars: the all row, the longest queue, a queue past the last slot', () => {
  const prev = sample(rec(0, 0, 0, 0, 0, {}), rec(1, 0, 0, 0, 0, {}));
  const cur = sample(rec(0, 10, 0, 5, 0, { 0: 10 }), rec(1, 10, 400, 410, 10, { [RUNQLEN_SLOTS - 1]: 10 }));
  const rows = deriveRunqlen(cur, prev, (10 / 99) * 1e9); // ten samples' worth of time
  assert.equal(
    runqlenSummary(rows).text,
    'all CPUs: 20.00 tasks waiting on average (max 31+), one waiting in 50.0% of samples, 20.75 runnable per CPU; longest queue: cpu1 (40.00 waiting)',
  );
  assert.equal(histBars([10, 5, 0, 0, 0, 0, 0, 0]), '█▄      ');
  assert.equal(histBars([0, 0, 0, 0, 0, 0, 0, 1, 1, 2]), '       █', 'lengths of 7 and more share the last bar');
  assert.equal(histBars([]), '        ');
});
