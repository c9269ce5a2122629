import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delta, perSecond, compareValues } from '../../src/models/delta.js';
import { deriveSoftirqs } from '../../src/models/softirqs.js';
import { deriveTcptop, tcptopStats } from '../../src/models/tcptop.js';
import { conn, softirqsSample, tcptopSample } from '../helpers/fixtures.js';

test('delta: backwards counters give null, never a negative', () => {
  assert.equal(delta(10n, 4n), 6);
  assert.equal(delta(4n, 4n), 0);
  assert.equal(delta(3n, 4n), null);
});

test('perSecond divides by the measured elapsed time', () => {
  assert.equal(perSecond(100, 2e9), 50);
  assert.equal(perSecond(100, 0), null);
  assert.equal(perSecond(null, 1e9), null);
});

test('compareValues: nulls last, numbers numerically, strings by code point', () => {
  assert.equal(compareValues(2, 10), -1);
  assert.equal(compareValues(null, 1), 1);
  assert.equal(compareValues(1, null), -1);
  assert.equal(compareValues('b', 'a'), 1);
  assert.equal(compareValues(5, 5), 0);
});

test('softirqs: per-interval counts and time, rates over the measured elapsed time', () => {
  const prev = softirqsSample([0, 100, 0, 50], [0, 1_000_000, 0, 500_000]);
  const cur = softirqsSample([0, 300, 0, 50], [0, 5_000_000, 0, 500_000]);
  const rows = deriveSoftirqs(cur, prev, 2e9);
  const timer = rows.find((r) => r.vector === 'timer')!;
  assert.equal(timer.count, 200);
  assert.equal(timer.time_ns, 4_000_000);
  assert.equal(timer.count_per_s, 100); // 200 over 2 s, not over a nominal 1 s
  assert.equal(timer.cpu_pct, (4_000_000 / 2e9 / 2) * 100);
  assert.equal(rows.find((r) => r.vector === 'net_rx')!.count, 0);
  assert.equal(rows.length, 10);
});

test('softirqs: no previous sample gives nulls; a counter going backwards gives null', () => {
  const cur = softirqsSample([5, 5], [5, 5]);
  assert.ok(deriveSoftirqs(cur, undefined, 1e9).every((r) => r.count === null && r.time_ns === null && r.cpu_pct === null));
  const rows = deriveSoftirqs(softirqsSample([1, 10], [1, 10]), softirqsSample([5, 5], [5, 5]), 1e9);
  assert.equal(rows[0]!.count, null);
  assert.equal(rows[0]!.count_per_s, null);
  assert.equal(rows[1]!.count, 5);
});

test('softirqs: empty data gives no rows', () => {
  assert.deepEqual(deriveSoftirqs({ vectors: [], ncpu: 2 }, { vectors: [], ncpu: 2 }, 1e9), []);
});

test('tcptop: deltas for known entries, whole value for new ones, idle ones left out', () => {
  const prev = tcptopSample([conn('a', 1, 100, 1000), conn('idle', 2, 5, 5)]);
  const cur = tcptopSample([conn('a', 1, 150, 4000), conn('idle', 2, 5, 5), conn('new', 3, 7, 0)]);
  const rows = deriveTcptop(cur, prev, 5e8);
  assert.deepEqual(
    rows.map((r) => [r.id, r.rx_bytes, r.tx_bytes, r.rx_per_s, r.tx_per_s]),
    [
      ['a', 50, 3000, 100, 6000],
      ['new', 7, 0, 14, 0],
    ],
  );
});

test('tcptop: a counter that goes backwards gives null', () => {
  const rows = deriveTcptop(tcptopSample([conn('a', 1, 10, 4000)]), tcptopSample([conn('a', 1, 100, 1000)]), 1e9);
  assert.equal(rows[0]!.rx_bytes, null);
  assert.equal(rows[0]!.rx_per_s, null);
  assert.equal(rows[0]!.tx_bytes, 3000);
});

test('tcptop: empty data, and map-full drops per interval and in total', () => {
  assert.deepEqual(deriveTcptop(tcptopSample([]), undefined, 1e9), []);
  assert.deepEqual(tcptopStats(tcptopSample([], 12n), tcptopSample([], 10n)), { map_full_drops: 2, map_full_drops_total: 12, entries: 0, capacity: 16384 });
});

test('JSON frames carry raw units, opaque row ids and the summary, never a kernel pointer', async () => {
  const { frameToJson } = await import('../../src/json.js');
  const { fixtureFrame } = await import('../helpers/fixtures.js');
  const json = frameToJson(await fixtureFrame()) as { time: string; interval_ns: number; panels: Record<string, { rows: Record<string, unknown>[]; status: string; summary: Record<string, number> }> };
  assert.equal(json.time, '2026-11-25T12:00:03.000Z');
  assert.equal(json.interval_ns, 1e9);
  const row = json.panels.tcptop!.rows[0]!;
  assert.deepEqual(Object.keys(row), ['id', 'pid', 'comm', 'family', 'laddr', 'lport', 'raddr', 'rport', 'rx_bytes', 'tx_bytes', 'rx_per_s', 'tx_per_s']);
  assert.equal(row.id, 'c2');
  assert.equal(typeof row.tx_bytes, 'number');
  assert.equal(json.panels.tcptop!.summary.connections, 3);
  assert.equal(json.panels.softirqs!.status, 'ok');
  assert.doesNotMatch(JSON.stringify(json), /ffff888/);
});
