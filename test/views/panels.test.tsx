/**
 * Golden screens of every BPF panel not drawn from the fake kernel (biotop, filetop, cachetop, runqlen) at 80×24 and
 * 120×40, and of the states every panel can be in: help, detail, empty, standby, too small. Each panel's frame comes
 * from its own model (derive, stats, summarize) over three synthetic samples, as the engine builds it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../helpers/ink.js';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { EMPTY_SUMMARY } from '../../src/frame.js';
import type { AnyPanelDef } from '../../src/panels/types.js';
import { sortRows } from '../../src/panels/sort.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import { cachetopPanel } from '../../src/panels/cachetop.js';
import { runqlenPanel } from '../../src/panels/runqlen.js';
import type { BiotopEntry, BiotopSample } from '../../src/models/biotop.js';
import { filetopSample, type FiletopEntry, type FiletopSample } from '../../src/models/filetop.js';
import type { CachetopEntry, CachetopSample } from '../../src/models/cachetop.js';
import type { RunqlenSample } from '../../src/models/runqlen.js';
import { RUNQLEN_SLOTS, type RunqlenRecord } from '../../src/records/runqlen.js';
import { App } from '../../views/App.js';
import { CATALOG } from '../helpers/fixtures.js';
import { assertGolden } from '../helpers/golden.js';
import { until } from '../helpers/screen.js';

/** The panel's frame after `samples` read one second apart: rows of the last interval, history of every one. */
function panelFrame(def: AnyPanelDef, samples: readonly unknown[]): PanelFrame {
  const history: Record<string, (number | null)[]> = {};
  let rows: ReturnType<AnyPanelDef['derive']> = [];
  let stats: Record<string, number> = {};
  for (let i = 1; i < samples.length; i++) {
    rows = def.derive(samples[i], samples[i - 1], 1e9);
    stats = def.stats(samples[i], samples[i - 1]);
    for (const id of Object.keys(history)) history[id]!.push(null);
    for (const r of rows) (history[r.id] ??= new Array<number | null>(i - 1).fill(null)).push(def.trend(r));
    for (const id of Object.keys(history)) history[id] = history[id]!.slice(-i);
  }
  const tier = def.source.kind === 'bpf' ? def.source.tiers[def.source.tiers.length - 1]! : null;
  return {
    id: def.id,
    status: 'ok',
    tier: tier?.name ?? 'proc',
    hooks: tier?.hooks ?? '',
    reason: null,
    attempts: [],
    attachedAt: def.attach === 'on-screen' ? '2026-11-25T12:00:00.000Z' : null,
    rows: sortRows(def, rows, def.defaultSort),
    summary: def.summarize(rows, stats, 1e9),
    stats,
    history: Object.fromEntries(rows.map((r) => [r.id, history[r.id]!])),
  };
}

const frameOf = (...panels: PanelFrame[]): Frame => ({ time: '2026-11-25T12:00:03.000Z', elapsedNs: 1e9, panels, self: { cpuPct: 0.8, rssBytes: 100 * 1048576 } });

function bioEntry(id: string, pid: number, comm: string, op: BiotopEntry['op'], disk: string, minor: number, io: number, size: number, latNs: number): BiotopEntry {
  const hist = new Float64Array(40);
  hist[Math.floor(Math.log2(latNs))] = io;
  return { id, pid, dev: (259 << 20) | minor, op, comm, disk, io, bytes: io * size, latIo: io, latNs: latNs * io, awaitNs: latNs * io * 1.2, awaitIo: io, created: 1, hist };
}
function biotopSamples(): BiotopSample[] {
  const at = (k: number): BiotopSample => {
    const rows = [
      bioEntry('a', 4242, 'postgres', 'read', 'nvme0n1', 0, 1200 * k, 8192, 180_000),
      bioEntry('b', 4242, 'postgres', 'write', 'nvme0n1', 0, 300 * k, 16384, 25_000_000),
      bioEntry('c', 977, 'dd', 'write', 'loop3', 3, 64 * k, 1048576, 2_100_000),
      bioEntry('d', 0, '', 'flush', 'nvme0n1', 0, 2 * k, 0, 900_000),
    ];
    // Each entry cumulative: its histogram too.
    for (const r of rows) r.hist = r.hist.map((x) => x);
    return { rows: new Map(rows.map((r) => [r.id, r])), unseen: 0, inFlight: 0, unmatched: 0, mapFull: 0, entries: rows.length, capacity: 10240 };
  };
  return [at(1), at(2), at(3)];
}

function fileEntry(id: string, pid: number, comm: string, type: FiletopEntry['type'], path: string, reads: number, writes: number, rb: number, wb: number): FiletopEntry {
  return { id, pid, dev: (8 << 20) | 1, ino: id.length * 1000 + pid, type, comm, path, reads, writes, readBytes: rb, writeBytes: wb, created: 1 };
}
function filetopSamples(): FiletopSample[] {
  const at = (k: number): FiletopSample => {
    const e = [
      fileEntry('a', 4242, 'postgres', 'R', '/var/lib/postgresql/15/main/base/16384/2619', 900 * k, 0, 900 * 8192 * k, 0),
      fileEntry('b', 4242, 'postgres', 'R', '/var/lib/postgresql/15/main/pg_wal/000000010000000000000042', 0, 300 * k, 0, 300 * 16384 * k),
      fileEntry('c', 977, 'dd', 'R', '/mnt/scratch/very/deep/directory/tree/that/goes/on/and/on/out.img', 0, 64 * k, 0, 64 * 1048576 * k),
      fileEntry('d', 1201, 'nginx', 'S', 'socket:[884213]', 40 * k, 40 * k, 40 * 512 * k, 40 * 4096 * k),
      fileEntry('e', 1201, 'nginx', 'O', 'pipe:[884300]', 3 * k, 3 * k, 3 * k, 3 * k),
    ];
    return filetopSample(e);
  };
  return [at(1), at(2), at(3)];
}

function cacheEntry(pid: number, comm: string, readPages: number, writePages: number, misses: number, writeMisses: number, dirties: number): CachetopEntry {
  return { id: `p${pid}`, pid, uid: pid === 4242 ? 105 : 0, comm, readPages, writePages, misses, writeMisses, dirties, created: 1 };
}
function cachetopSamples(): CachetopSample[] {
  const at = (k: number): CachetopSample => {
    const rows = [cacheEntry(4242, 'postgres', 90000 * k, 1200 * k, 300 * k, 20 * k, 1200 * k), cacheEntry(977, 'tar', 25000 * k, 0, 24000 * k, 0, 0), cacheEntry(1, 'systemd', 12 * k, 0, 0, 0, 0)];
    return { rows: new Map(rows.map((r) => [r.id, r])), estimated: false, mapFull: 0, evicted: 0, entries: rows.length, capacity: 16384 };
  };
  return [at(1), at(2), at(3)];
}

function runqRec(cpu: number, k: number, hist: Record<number, number>): RunqlenRecord {
  const h = new Float64Array(RUNQLEN_SLOTS);
  let samples = 0;
  let queued = 0;
  let occupied = 0;
  for (const [len, n] of Object.entries(hist)) {
    h[Number(len)] = n * k;
    samples += n * k;
    queued += Number(len) * n * k;
    if (Number(len) > 0) occupied += n * k;
  }
  return { cpu, samples, queued, runnable: queued + samples - h[0]!, occupied, hist: h };
}
function runqlenSamples(): RunqlenSample[] {
  const at = (k: number): RunqlenSample => ({ cpus: [runqRec(0, k, { 0: 60, 1: 30, 2: 9 }), runqRec(1, k, { 0: 95, 3: 4 })], online: 2, hz: 99 });
  return [at(1), at(2), at(3)];
}

const PANELS: [AnyPanelDef, () => unknown[], string][] = [
  [biotopPanel, biotopSamples, 'postgres'],
  [filetopPanel, filetopSamples, 'postgres'],
  [cachetopPanel, cachetopSamples, 'postgres'],
  [runqlenPanel, runqlenSamples, 'all'],
];

function app(frame: Frame, width: number, height: number) {
  return render(<App store={{ subscribe: () => () => {}, getSnapshot: () => frame }} catalog={CATALOG} width={width} height={height} hostname="host1" kernel="6.18.0" intervalS={1} onQuit={() => {}} />);
}

for (const [def, samples, seen] of PANELS) {
  for (const [w, h] of [
    [80, 24],
    [120, 40],
  ] as const) {
    test(`${def.id} at ${w}×${h}`, async () => {
      const frame = frameOf(panelFrame(def, samples()));
      assert.ok(frame.panels[0]!.rows.length > 0, `${def.id}: the model made rows`);
      const r = app(frame, w, h);
      const out = await until(r.lastFrame, (s) => s.includes(seen), `${def.id}'s table`);
      assertGolden(`${def.id}-${w}`, out);
      r.unmount();
    });
  }
}

test('help at 80×24: biotop\'s columns first, then the keys', async () => {
  const r = app(frameOf(panelFrame(biotopPanel, biotopSamples())), 80, 24);
  r.stdin.write('?');
  const out = await until(r.lastFrame, (s) => /^biotop: columns$/m.test(s), 'the help');
  assertGolden('help-80', out);
  r.unmount();
});

test('detail at 80×24: biotop\'s top row, its fields and its history chart', async () => {
  const r = app(frameOf(panelFrame(biotopPanel, biotopSamples())), 80, 24);
  r.stdin.write('\r');
  const out = await until(r.lastFrame, (s) => s.includes('Esc or q back'), 'the detail view');
  assertGolden('detail-80', out);
  r.unmount();
});

test('empty, standby and too small at 80×24', async () => {
  const quiet = panelFrame(biotopPanel, [biotopSamples()[0], biotopSamples()[0]]);
  assert.equal(quiet.rows.length, 0);
  let r = app(frameOf(quiet), 80, 24);
  assertGolden('empty-80', await until(r.lastFrame, (s) => s.includes('no activity'), 'the empty table'));
  r.unmount();
  const standby: PanelFrame = { ...quiet, id: 'filetop', status: 'standby', tier: null, hooks: null, reason: 'attached while on screen (its hooks run on every read and write)', rows: [], summary: EMPTY_SUMMARY, stats: {}, history: {} };
  r = app(frameOf(standby), 80, 24);
  assertGolden('standby-80', await until(r.lastFrame, (s) => s.includes('not attached'), 'the standby line'));
  r.unmount();
  r = app(frameOf(quiet), 59, 24);
  assertGolden('too-small-59', await until(r.lastFrame, (s) => s.includes('too small'), 'the message'));
  r.unmount();
});
