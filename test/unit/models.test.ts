import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delta, perSecond, compareValues, addCounts, sumCounts, lastCounted } from '../../src/models/delta.js';
import { deriveSoftirqs, type SoftirqsSample } from '../../src/models/softirqs.js';
import { softirqsSummary } from '../../src/panels/softirqs.js';
import { deriveTcptop, tcptopStats } from '../../src/models/tcptop.js';
import { conn, softirqsSample, tcptopSample } from '../helpers/fixtures.js';
import { firstK } from '../../src/models/select.js';
import { deriveMpstat } from '../../src/models/mpstat.js';
import { parseProcStat } from '../../src/records/procstat.js';

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

test('tcptop: deltas for known entries, whole value for new ones, long-idle ones left out', () => {
  const prev = tcptopSample([conn('a', 1, 100, 1000), conn('idle', 2, 5, 5, { lastActiveNs: -Infinity })], { nowNs: 10e9 });
  const cur = tcptopSample(
    [conn('a', 1, 150, 4000, { lastActiveNs: 20e9 }), conn('idle', 2, 5, 5, { lastActiveNs: -Infinity }), conn('new', 3, 7, 0, { lastActiveNs: 20e9 })],
    { nowNs: 20e9 },
  );
  const rows = deriveTcptop(cur, prev, 5e8);
  assert.deepEqual(
    rows.map((r) => [r.id, r.rx_bytes, r.tx_bytes, r.rx_per_s, r.tx_per_s, r.quiet_ns]),
    [
      ['a', 50, 3000, 100, 6000, 0],
      ['new', 7, 0, 14, 0, 0],
    ],
  );
});

test('tcptop: a connection that goes quiet stays listed with 0 bytes for 10 s (or three intervals), then leaves', () => {
  const at = (nowNs: number, rx: number) => tcptopSample([conn('s', 1, rx, 0, { lastActiveNs: 1e9 })], { nowNs });
  const quiet = deriveTcptop(at(5e9, 100), at(4e9, 100), 1e9);
  assert.deepEqual(
    quiet.map((r) => [r.id, r.rx_bytes, r.quiet_ns]),
    [['s', 0, 4e9]],
  );
  assert.deepEqual(deriveTcptop(at(11.5e9, 100), at(10.5e9, 100), 1e9), [], 'gone after 10 s');
  assert.equal(deriveTcptop(at(21e9, 100), at(1e9, 100), 20e9).length, 1, 'with a 20 s interval, kept for three of them');
});

test('tcptop: an entry created again (evicted, then back) counts from zero; a counter going backwards gives null', () => {
  const prev = tcptopSample([conn('a', 1, 100, 1000)]);
  const again = deriveTcptop(tcptopSample([conn('a', 1, 10, 40, { created: 2 })]), prev, 1e9);
  assert.deepEqual([again[0]!.rx_bytes, again[0]!.tx_bytes], [10, 40]);
  const back = deriveTcptop(tcptopSample([conn('a', 1, 10, 4000)]), prev, 1e9);
  assert.equal(back[0]!.rx_bytes, null);
  assert.equal(back[0]!.rx_per_s, null);
  assert.equal(back[0]!.tx_bytes, 3000);
});

test('tcptop: empty data, and drops, evictions and totals per interval and in total', () => {
  assert.deepEqual(deriveTcptop(tcptopSample([]), undefined, 1e9), []);
  assert.deepEqual(tcptopStats(tcptopSample([], { mapFull: 12, evicted: 7, nowNs: 2e9 }), tcptopSample([], { mapFull: 10, evicted: 3, nowNs: 1e9 })), {
    map_full_drops: 2,
    map_full_drops_total: 12,
    lru_evicted: 4,
    lru_evicted_total: 7,
    counts_kept: 0,
    entries: 0,
    capacity: 16384,
    connections: 0,
    quiet_connections: 0,
    listed: 0,
    rx_bytes: 0,
    tx_bytes: 0,
    rx_per_s: 0,
    tx_per_s: 0,
  });
});

test('tcptop: at most MAX_ROWS rows, the biggest talkers; the totals count every connection', async () => {
  const { MAX_ROWS } = await import('../../src/models/tcptop.js');
  const n = MAX_ROWS + 500;
  // Connection i moved i % 1000 bytes (many ties), and one moved a million.
  const moved = (i: number): number => (i === 1234 ? 1e6 : i % 1000);
  const list = (k: number) => Array.from({ length: n }, (_, i) => conn(`c${i}`, i, k * moved(i), 0, { lastActiveNs: moved(i) ? k * 1e9 : 0 }));
  const prev = tcptopSample(list(0), { nowNs: 0 });
  const cur = tcptopSample(list(1), { nowNs: 1e9 });
  const rows = deriveTcptop(cur, prev, 1e9);
  assert.equal(rows.length, MAX_ROWS);
  assert.ok(
    rows.some((r) => r.rx_bytes === 1e6),
    'the biggest talker is listed',
  );
  const smallestListed = Math.min(...rows.map((r) => r.rx_bytes!));
  const left = list(1).filter((c) => !rows.some((r) => r.id === c.id));
  assert.ok(
    left.every((c) => c.rx <= smallestListed),
    'no connection left out moved more than one listed',
  );
  const stats = tcptopStats(cur, prev);
  assert.equal(stats.listed, MAX_ROWS);
  assert.deepEqual([stats.connections, stats.quiet_connections], [n - 3, 3], 'c0, c1000 and c2000 moved nothing: quiet');
  assert.equal(
    stats.rx_bytes,
    list(1).reduce((s, c) => s + c.rx, 0),
  );
});

test('tcptop: a stalled transfer stays listed among more small talkers than MAX_ROWS: a quiet row ranks by all it moved', async () => {
  const { MAX_ROWS } = await import('../../src/models/tcptop.js');
  const crowd = (k: number) => Array.from({ length: MAX_ROWS + 500 }, (_, i) => conn(`c${i}`, 100, 10 * k, 10 * k, { lastActiveNs: k * 1e9 }));
  // The big one moved 5 GB until a second ago, nothing since (SIGSTOP).
  const stalled = conn('big', 200, 5e9, 0, { lastActiveNs: 1e9 });
  const prev = tcptopSample([...crowd(1), stalled], { nowNs: 1e9 });
  const cur = tcptopSample([...crowd(2), stalled], { nowNs: 2e9 });
  const rows = deriveTcptop(cur, prev, 1e9);
  assert.equal(rows.length, MAX_ROWS);
  const big = rows.find((r) => r.id === 'big');
  assert.ok(big, 'the stalled transfer is listed');
  assert.deepEqual([big.rx_bytes, big.quiet_ns], [0, 1e9], 'with 0 bytes in the interval, quiet');
});

test('tcptop: the summary keeps the running total of what a full map lost, and says when not every row is listed', async () => {
  const { tcptopSummary } = await import('../../src/panels/tcptop.js');
  const prev = tcptopSample([conn('a', 1, 0, 0)], { nowNs: 0 });
  const cur = tcptopSample([conn('a', 1, 2097152, 0, { lastActiveNs: 1e9 })], { nowNs: 1e9 });
  const stats = tcptopStats(cur, prev);
  const rows = deriveTcptop(cur, prev, 1e9);
  assert.equal(tcptopSummary(rows, { ...stats, entries: 1, capacity: 16384 }).text, '1 active connections, RX 2.00 MiB/s, TX 0.00 MiB/s, map 1/16384');
  // The warning is a flag the views read, not a phrase they look for; counts kept per socket are no loss.
  assert.equal(tcptopSummary(rows, { ...stats, entries: 1, capacity: 16384 }).warning, undefined);
  assert.equal(tcptopSummary(rows, { ...stats, lru_evicted_total: 40, map_full_drops_total: 2 }).warning, true);
  assert.equal(tcptopSummary(rows, { ...stats, lru_evicted_total: 40, map_full_drops_total: 0, counts_kept: 1 }).warning, undefined);
  assert.equal(
    tcptopSummary(rows, { ...stats, entries: 16384, capacity: 16384, lru_evicted_total: 40, map_full_drops_total: 2 }).text,
    '1 active connections, RX 2.00 MiB/s, TX 0.00 MiB/s, map 16384/16384; totals incomplete: 42 dropped since start (map full: 40 entries evicted, 2 events not stored)',
  );
  assert.equal(
    tcptopSummary(rows, { ...stats, entries: 16384, capacity: 16384, lru_evicted_total: 40, map_full_drops_total: 0, counts_kept: 1 }).text,
    '1 active connections, RX 2.00 MiB/s, TX 0.00 MiB/s, map 16384/16384; map full: 40 entries evicted since start, their counts kept per socket',
  );
  assert.match(tcptopSummary(rows, { ...stats, connections: 19000, listed: 2000 }).text, /^19000 active connections \(the 2000 biggest listed\), /);
});

test('tcptop: the map is sized from the TCP sockets in use', async () => {
  const { tcptopMapSize } = await import('../../src/panels/tcptop.js');
  assert.equal(tcptopMapSize('TCP: inuse 5 orphan 0 tw 0 alloc 8 mem 1\nTCP6: inuse 3\n'), 65536);
  assert.equal(tcptopMapSize('TCP: inuse 19000 orphan 0 tw 0 alloc 19001 mem 900\n'), 65536);
  assert.equal(tcptopMapSize('TCP: inuse 30000 orphan 0 tw 0 alloc 30001 mem 900\nTCP6: inuse 20000\n'), 131072);
  assert.equal(tcptopMapSize('TCP: inuse 900000\n'), 262144);
  assert.equal(tcptopMapSize(''), 65536);
});

test('JSON frames carry raw units, opaque row ids and the summary, never a kernel pointer', async () => {
  const { frameToJson } = await import('../../src/json.js');
  const { CATALOG, fixtureFrame } = await import('../helpers/fixtures.js');
  const json = frameToJson(await fixtureFrame(), CATALOG) as {
    time: string;
    interval_ns: number;
    panels: Record<string, { rows: Record<string, unknown>[]; status: string; summary: Record<string, number> }>;
  };
  assert.equal(json.time, '2026-11-25T12:00:03.000Z');
  assert.equal(json.interval_ns, 1e9);
  assert.deepEqual((json as unknown as { self: unknown }).self, { cpu_pct: 1.2, rss_bytes: 100 * 1048576 }, "sixty's own cost over the interval");
  const row = json.panels.tcptop!.rows[0]!;
  assert.deepEqual(Object.keys(row), [
    'id',
    'pid',
    'comm',
    'family',
    'laddr',
    'lport',
    'raddr',
    'rport',
    'cgroup',
    'workload',
    'rx_bytes',
    'tx_bytes',
    'rx_per_s',
    'tx_per_s',
    'quiet_ns',
    'total',
  ]);
  assert.equal(row.total, (row.rx_bytes as number) + (row.tx_bytes as number), 'computed columns are in the JSON too');
  const soft = json.panels.softirqs!.rows.find((r) => r.vector === 'timer')!;
  assert.equal(soft.avg_ns, 9000);
  assert.equal(soft.cpu_pct, 0.45, 'floats rounded to what they measure');
  assert.equal(row.id, 'c2');
  assert.equal(typeof row.tx_bytes, 'number');
  assert.equal(json.panels.tcptop!.summary.connections, 3);
  assert.equal(json.panels.softirqs!.status, 'ok');
  assert.doesNotMatch(JSON.stringify(json), /ffff888/);
});

test('softirqs: per-CPU counts and times over the interval, the busiest CPU, the longest softirq, and the summary', () => {
  const rec = (count: number[], time: number[], maxNs: number | null): SoftirqsSample['vectors'][number] => ({
    vector: 'net_rx',
    count: BigInt(count.reduce((a, b) => a + b, 0)),
    timeNs: BigInt(time.reduce((a, b) => a + b, 0)),
    cpuCounts: count,
    cpuTimeNs: time,
    maxNs,
  });
  const timer = (t: number): SoftirqsSample['vectors'][number] => ({
    vector: 'timer',
    count: 1n,
    timeNs: BigInt(t),
    cpuCounts: [1, 0],
    cpuTimeNs: [t, 0],
    maxNs: 5,
  });
  const prev: SoftirqsSample = { vectors: [rec([100, 50], [1000, 2000], 7), timer(0)], ncpu: 2 };
  // NET_RX pinned to CPU 1: 0.3 s of its 0.5 s interval.
  const cur: SoftirqsSample = { vectors: [rec([110, 5050], [2000, 300_002_000], 9000), timer(1_000_000)], ncpu: 2 };
  const [rx, tm] = deriveSoftirqs(cur, prev, 5e8);
  assert.deepEqual([rx!.cpu_counts, rx!.cpu_time_ns, rx!.busiest_cpu, rx!.busiest_cpu_pct, rx!.max_ns], [[10, 5000], [1000, 300_000_000], 1, 60, 9000]);
  assert.equal(tm!.busiest_cpu, 0);
  assert.equal(
    softirqsSummary([rx!, tm!], {}, 5e8).text,
    'all vectors: 10020/s, 30.10% of CPU time; busiest cpu1: 60.00% of its time in softirqs (net_rx 60.00%)',
  );
  const first = deriveSoftirqs(cur, undefined, 5e8)[0]!;
  assert.deepEqual([first.cpu_counts, first.busiest_cpu, first.max_ns], [null, null, null], 'no interval yet');
  const reset = deriveSoftirqs(cur, { vectors: [rec([200, 50], [0, 0], null)], ncpu: 2 }, 5e8)[0]!;
  assert.equal(reset.cpu_counts, null, 'a CPU whose counter went backwards gives no per-CPU row');
});

test('firstK: the first k in order, as a full sort would give them, on random, sorted, reversed and tied input', () => {
  let seed = 7;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  type X = { v: number; id: number };
  const cmp = (a: X, b: X): number => b.v - a.v || a.id - b.id; // busiest first, ties by id
  const shapes: Record<string, (n: number) => X[]> = {
    random: (n) => Array.from({ length: n }, (_, id) => ({ v: Math.floor(rand() * 50), id })),
    sorted: (n) => Array.from({ length: n }, (_, id) => ({ v: n - id, id })),
    reversed: (n) => Array.from({ length: n }, (_, id) => ({ v: id, id })),
    tied: (n) => Array.from({ length: n }, (_, id) => ({ v: 1, id: (id * 7919) % n })),
  };
  for (const [shape, make] of Object.entries(shapes)) {
    for (const n of [0, 1, 2, 3, 10, 257, 5000]) {
      const items = make(n);
      const before = JSON.stringify(items);
      for (const k of [1, 2, 5, 100, 2000]) {
        assert.deepEqual(firstK(items, k, cmp), [...items].sort(cmp).slice(0, k), `${shape} n=${n} k=${k}`);
      }
      assert.equal(JSON.stringify(items), before, 'the input is left as it was');
    }
  }
});

test('mpstat and the checklist: a CPU going offline between two reads leaves the all-CPU figures whole', () => {
  const line = (name: string, user: number, idle: number): string => `${name} ${user} 0 0 ${idle} 0 0 0 0 0 0`;
  // Two CPUs, each half busy over the interval; then cpu1 goes offline: the kernel's total line drops its times.
  const a = parseProcStat([line('cpu', 200, 200), line('cpu0', 100, 100), line('cpu1', 100, 100)].join('\n'));
  const b = parseProcStat([line('cpu', 150, 150), line('cpu0', 150, 150)].join('\n'));
  const rows = deriveMpstat(b, a, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.busy_pct, r.usr_pct, r.idle_pct]),
    [
      ['all', 50, 50, 50],
      ['cpu0', 50, 50, 50],
    ],
  );
  // And back online (it comes back with its old counters): the all row still from the CPUs of both samples.
  const c = parseProcStat([line('cpu', 400, 400), line('cpu0', 200, 200), line('cpu1', 200, 200)].join('\n'));
  assert.deepEqual(
    deriveMpstat(c, b, 1e9).map((r) => [r.id, r.busy_pct]),
    [
      ['all', 50],
      ['cpu0', 50],
    ],
  );
});

test('histogram helpers: counts added slot by slot (a longer one extends), their sum, the last slot counted', () => {
  const into = [1, 2];
  addCounts(into, [3, 0, 5]);
  assert.deepEqual(into, [4, 2, 5]);
  assert.equal(sumCounts(into), 11);
  assert.equal(sumCounts([]), 0);
  assert.equal(lastCounted([0, 7, 0, 1, 0]), 3);
  assert.equal(lastCounted([0, 0]), -1);
});
