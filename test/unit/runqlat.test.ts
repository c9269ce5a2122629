/** runqlat without a kernel: its records, its model over cumulative per-CPU histograms, and what its detail draws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRunqlat } from '../../src/models/runqlat.js';
import { distBars, heatLines, histogramLines, runqlatSummary, slotRange } from '../../src/panels/runqlat.js';
import { decodeRunqlat, RUNQLAT_RECORDS, RUNQLAT_SLOTS } from '../../src/records/runqlat.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { runqlatSamples } from '../panels/runqlat.js';

test('records: one histogram per possible CPU from the raw per-CPU read', () => {
  const L = naturalLayout(RUNQLAT_RECORDS.val);
  const h = new Array<bigint>(RUNQLAT_SLOTS).fill(0n);
  h[3] = 7n;
  const values = Buffer.concat([
    encode(L, { count: 7n, sum_ns: 35000n, hist: h }),
    encode(L, { count: 0n, sum_ns: 0n, hist: new Array<bigint>(RUNQLAT_SLOTS).fill(0n) }),
  ]);
  const recs = decodeRunqlat({ keys: Buffer.alloc(4), values, count: 1, keySize: 4, valueSize: L.size, batched: true, cpus: 2 }, L);
  assert.deepEqual(
    recs.map((r) => [r.cpu, r.count, r.sumNs, r.hist[3]]),
    [
      [0, 7, 35000, 7],
      [1, 0, 0, 0],
    ],
  );
});

test('model: per-CPU and all-CPU waits in the interval, exact mean, slot-bound percentiles, the heat map on the all row', () => {
  const [s1, s2] = runqlatSamples();
  assert.deepEqual(deriveRunqlat(s1!, undefined, 1e9), [], 'no previous reading: no rows');
  const rows = deriveRunqlat(s2!, s1, 1e9);
  assert.deepEqual(
    rows.map((r) => r.id),
    ['all', 'cpu0', 'cpu1'],
  );
  const [all, c0, c1] = rows;
  assert.equal(c0!.count, 740);
  assert.equal(c1!.count, 352);
  assert.equal(all!.count, 1092);
  assert.equal(all!.sum_ns, c0!.sum_ns + c1!.sum_ns);
  assert.equal(c0!.avg_ns, c0!.sum_ns / 740);
  assert.equal(c0!.p50_ns, 4000, 'slot 2 holds the median: under 4 µs');
  assert.equal(c1!.p99_ns, 4096_000, 'slot 12: under 4.096 ms');
  assert.equal(c1!.max_ns, 8192_000);
  assert.equal(all!.heat?.length, 2);
  assert.equal(c0!.heat, undefined);
  assert.match(runqlatSummary(rows, {}, 1e9).text, /^all CPUs: 1092 waits\/s, p50 ≤8\.00us p99 ≤4\.10ms max ≤8\.19ms/);
});

test('detail: the histogram as runqlat prints it, the heat map, the bars', () => {
  assert.equal(slotRange(0), '0 -> 1');
  assert.equal(slotRange(4), '8 -> 15');
  const h = new Array<number>(RUNQLAT_SLOTS).fill(0);
  h[2] = 10;
  h[4] = 5;
  const lines = histogramLines(h, 80);
  assert.equal(lines.length, 4, 'a header, then slots 2 to 4');
  assert.match(lines[1]!, /^\s+2 -> 3 : 10\s+\|\*{38}\|$/);
  assert.match(lines[2]!, /^\s+4 -> 7 : 0\s+\|\s{38}\|$/);
  assert.match(lines[3]!, /^\s+8 -> 15 : 5\s+\|\*{19}\s{19}\|$/);
  const heat = heatLines([h, h.map((v) => v * 100)], 80);
  assert.equal(heat.length, 4, 'slots 4 to 2, then the axis');
  assert.match(heat[0]!, /<16\.0us [░▒▓█]█$/);
  assert.equal(distBars(h).length, 15);
  assert.deepEqual(heatLines([], 80), ['  (no waits yet)']);
});
