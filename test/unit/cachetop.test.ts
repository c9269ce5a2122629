/** cachetop without a kernel: the record decoder, the model (hits per direction, clamps, re-created rows), the reader's room-making, the summary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveCachetop, type CachetopEntry, type CachetopSample } from '../../src/models/cachetop.js';
import { cachetopPanel, cachetopSummary, createCachetopReader } from '../../src/panels/cachetop.js';
import { CACHETOP_RECORDS, decodeCachetop, type CachetopLayouts } from '../../src/records/cachetop.js';
import { encode, naturalLayout } from '../../src/records/layout.js';
import type { BpfObject, MapRead } from '../../src/native.js';
import type { HostInfo, Tier } from '../../src/panels/types.js';
import { mapRead } from '../helpers/fixtures.js';

const L: CachetopLayouts = { key: naturalLayout(CACHETOP_RECORDS.key), val: naturalLayout(CACHETOP_RECORDS.val), stat: naturalLayout(CACHETOP_RECORDS.stat) };

test('decoder: one row per process, counts in pages, uid, names escaped', () => {
  assert.equal(L.key.size, 4);
  assert.equal(L.val.size, 6 * 8 + 8 + 16 + 8);
  const keys = Buffer.concat([encode(L.key, { pid: 42 }), encode(L.key, { pid: 7 })]);
  const values = Buffer.concat([
    encode(L.val, { read_pages: 16384, write_pages: 3, misses: 16390, write_misses: 3, dirties: 3, created_ns: 5, uid: 1000, comm: 'dd\x1b[2J' }),
    encode(L.val, { read_pages: 0, write_pages: 12800, misses: 12800, write_misses: 12800, dirties: 12803, created_ns: 6, uid: 0, comm: 'python3' }),
  ]);
  const recs = decodeCachetop(mapRead(keys, values, 2, L.key.size, L.val.size), L);
  assert.deepEqual(
    recs.map((r) => [r.pid, r.uid, r.comm, r.readPages, r.writePages, r.misses, r.writeMisses, r.dirties, r.created]),
    [
      [42, 1000, 'dd\\x1b[2J', 16384, 3, 16390, 3, 3, 5],
      [7, 0, 'python3', 0, 12800, 12800, 12800, 12803, 6],
    ],
  );
});

const entry = (id: string, readPages: number, writePages: number, misses: number, writeMisses: number, dirties: number, created = 1): CachetopEntry => ({
  id,
  cgid: 0,
  cgroup: '',
  workload: '',
  pid: Number(id.slice(1)),
  uid: 0,
  comm: 'dd',
  readPages,
  writePages,
  misses,
  writeMisses,
  dirties,
  created,
});
const sample = (rows: CachetopEntry[], estimated = true): CachetopSample => ({
  rows: new Map(rows.map((r) => [r.id, r])),
  estimated,
  mapFull: 0,
  evicted: 0,
  entries: rows.length,
  capacity: 16384,
});

test('model: cold read, warm read, new-file write, overwrite of cached pages; per interval; idle rows left out', () => {
  const prev = sample([entry('p1', 100, 0, 10, 0, 0), entry('p2', 0, 0, 0, 0, 0), entry('p3', 0, 50, 0, 0, 0), entry('p4', 5, 5, 5, 5, 5)]);
  const cur = sample([
    entry('p1', 100 + 16384, 0, 10 + 16384 + 64, 0, 0), // cold: readahead brought 64 pages more than were read
    entry('p2', 16384, 0, 0, 0, 0), // warm
    entry('p3', 0, 50 + 12800, 12800, 12800, 12803), // a new file: every page written is a miss, and dirtied
    entry('p4', 5, 5, 5, 5, 5), // idle
  ]);
  const rows = deriveCachetop(cur, prev, 2e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.hits, r.misses, r.read_misses, r.write_misses, r.dirties, r.read_hit_pct, r.write_hit_pct, r.hit_pct, r.estimated]),
    [
      ['p1', 0, 16448, 16448, 0, 0, 0, null, 0, true],
      ['p2', 16384, 0, 0, 0, 0, 100, null, 100, true],
      ['p3', 0, 12800, 0, 12800, 12803, null, 0, 0, true],
    ],
  );
  assert.equal(rows[1]!.hits_per_s, 8192);
  // An overwrite of cached, clean pages: every write a hit, every page dirtied; reads and writes apart.
  const mixed = deriveCachetop(sample([entry('p5', 1000, 256, 100, 0, 256)], false), undefined, 1e9)[0]!;
  assert.deepEqual([mixed.hits, mixed.read_hit_pct, mixed.write_hit_pct, mixed.accesses, mixed.estimated], [1156, 90, 100, 1256, false]);
});

test('model: a re-created row counts whole; a counter going backwards never gives a negative', () => {
  const prev = sample([entry('p1', 500, 0, 10, 0, 0, 1), entry('p2', 500, 0, 10, 0, 0, 1)]);
  const cur = sample([entry('p1', 40, 0, 4, 0, 0, 2), entry('p2', 400, 0, 10, 0, 0, 1)]);
  const rows = deriveCachetop(cur, prev, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.read_pages, r.misses, r.hits]),
    [
      ['p1', 40, 4, 36],
      ['p2', 400, 10, 390],
    ],
  );
  for (const r of rows) for (const v of [r.hits, r.misses, r.dirties, r.read_pages, r.write_pages]) assert.ok(v >= 0);
});

test('model: write misses never exceed misses (events racing a read of the map)', () => {
  const [r] = deriveCachetop(sample([entry('p1', 0, 10, 4, 6, 0)]), undefined, 1e9);
  assert.deepEqual([r!.write_misses, r!.read_misses, r!.write_hit_pct], [4, 0, 60]);
});

test('summary: totals per second, the hit ratio, "estimated" said, drops never silent', () => {
  const rows = deriveCachetop(sample([entry('p1', 900, 100, 100, 100, 100)]), undefined, 2e9);
  const s = cachetopSummary(rows, { estimated: 1 }, 2e9);
  assert.equal(s.text, '1 processes, hits 450/s, misses 50/s, dirtied 50/s (pages), hit ratio 90.0% (estimated: this kernel has no hook on page accesses)');
  assert.equal(s.values.hit_pct, 90);
  assert.match(
    cachetopSummary(rows, { estimated: 0, map_full_drops_total: 7 }, 1e9).text,
    /ratio 90\.0%; totals incomplete: 7 events dropped since start \(map full\)$/,
  );
});

test('panel: default sort by hits; the columns the spec names; every tier is the same record', () => {
  assert.deepEqual(cachetopPanel.defaultSort, { key: 'hits', descending: true });
  const keys = cachetopPanel.columns.map((c) => c.key);
  for (const k of ['pid', 'uid', 'comm', 'hits', 'misses', 'dirties', 'read_hit_pct', 'write_hit_pct', 'estimated']) assert.ok(keys.includes(k), k);
  const tiers = cachetopPanel.source.kind === 'bpf' ? cachetopPanel.source.tiers : [];
  assert.deepEqual(
    tiers.map((t) => t.name),
    ['fentry', 'fentry_page', 'kprobe', 'kprobe_page', 'tracepoint'],
  );
  assert.deepEqual(
    tiers.filter((t) => t.traits?.includes('estimated')).map((t) => t.name),
    ['tracepoint'],
  );
  for (const t of tiers) assert.ok(t.programs.includes('cachetop_exec'), `${t.name} renames at exec`);
});

/** A BpfObject over one in-memory hash map of rows (and the stats array), enough for the reader. */
function fakeObject(rows: Map<number, Record<string, number | string>>, capacity: number, mapFull = 0): BpfObject {
  const read = (pids: number[]): MapRead =>
    mapRead(
      Buffer.concat(pids.map((pid) => encode(L.key, { pid }))),
      Buffer.concat(pids.map((pid) => encode(L.val, rows.get(pid)!))),
      pids.length,
      L.key.size,
      L.val.size,
    );
  const obj = {
    mapInfo: () => ({ maxEntries: capacity }),
    readMap: (name: string) => {
      if (name === 'cachetop_stats') return mapRead(Buffer.from([0, 0, 0, 0]), encode(L.stat, { count: mapFull }), 1, 4, 8);
      return read([...rows.keys()]);
    },
    takeKeys: (_: string, keys: Buffer) => {
      const pids: number[] = [];
      for (let o = 0; o < keys.length; o += 4) pids.push(keys.readUInt32LE(o));
      const r = read(pids.filter((p) => rows.has(p)));
      for (const p of pids) rows.delete(p);
      return r;
    },
  };
  return obj as unknown as BpfObject;
}

test('reader: under pressure the quietest, smallest rows leave the map with their counts; idle rows leave after 30 s', () => {
  const rows = new Map<number, Record<string, number | string>>();
  for (let pid = 1; pid <= 80; pid++) rows.set(pid, { read_pages: pid, misses: 0, created_ns: 1, comm: 'p' });
  let now = 0;
  const host: HostInfo = { onlineCpus: () => 2, nowNs: () => now, readText: () => '' };
  const tier: Tier<never> = { name: 'tracepoint', types: [], programs: [], hooks: '', traits: ['estimated'] };
  const read = createCachetopReader(fakeObject(rows, 100, 3), L, host, tier);
  const first = read();
  // 80 of 100 is above the high water mark (75): down to 60, the 20 smallest out, their counts still in the sample.
  assert.equal(first.rows.size, 80);
  assert.equal(first.evicted, 20);
  assert.equal(first.entries, 60);
  assert.equal(first.mapFull, 3);
  assert.equal(first.estimated, true);
  assert.deepEqual([...rows.keys()].sort((a, b) => a - b)[0], 21, 'the smallest went first');
  // Row 21 keeps moving; the rest go idle and leave after 30 s.
  now = 31e9;
  rows.set(21, { read_pages: 1000, created_ns: 1, comm: 'p' });
  const middle = read();
  assert.deepEqual([...rows.keys()], [21]);
  assert.equal(middle.rows.get('p22')?.readPages, 22, 'an idle row leaves with its last counts');
  now = 62e9;
  rows.set(21, { read_pages: 2000, created_ns: 1, comm: 'p' });
  assert.equal(read().rows.get('p21')?.readPages, 2000);
  assert.deepEqual([...rows.keys()], [21], 'a busy row stays');
});
