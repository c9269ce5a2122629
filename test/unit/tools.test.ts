/**
 * The panels that read panels, without a kernel: the BCC tools checklist (home's second page, its rows from the panels'
 * readings and their verdicts), and biolatency (biotop's rows as distributions).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveTools, histModes, type ToolPanels } from '../../src/models/tools.js';
import type { PanelReading } from '../../src/panels/types.js';
import { toolsSamples } from '../panels/tools.js';
import { deriveBiolatency, groupBiotopRows } from '../../src/models/biolatency.js';

const IDS: ToolPanels = {
  execsnoop: 'e',
  opensnoop: 'o',
  ext4slower: 'f',
  tcplife: 't',
  tcpretrans: 'x',
  biolatency: 'b',
  biosnoop: 's',
  cachestat: 'c',
  runqlat: 'r',
  profile: 'p',
};

const reading = (id: string, over: Partial<PanelReading>): PanelReading => ({
  id,
  status: 'ok',
  reason: null,
  rows: [],
  stats: {},
  summary: { text: '', values: {} },
  ...over,
});

test('histModes: one peak, or two far apart; a shoulder is not a mode', () => {
  assert.deepEqual(histModes([]), []);
  assert.deepEqual(histModes([0, 0, 5, 10, 5, 0]), [3]);
  assert.deepEqual(histModes([0, 9, 1, 0, 0, 0, 0, 8, 2]), [1, 7]);
  // A valley that is still more than half the smaller peak: one mode.
  assert.deepEqual(histModes([0, 10, 7, 8, 0]), [1]);
  // Peaks under a tenth of the largest are noise.
  assert.deepEqual(histModes([100, 0, 0, 0, 5]), [0]);
});

test('rows in the book’s order; verdicts from each panel’s figures; a panel that is not reading says why, with no verdict', () => {
  const hist = (slots: Record<number, number>): number[] => Array.from({ length: 40 }, (_, i) => slots[i] ?? 0);
  const rows = deriveTools(
    {
      panels: [
        reading('e', { stats: { execs: 150, failed: 0 }, rows: [{ id: 'x', pcomm: 'make', comm: 'cc1', execs: 120 } as never] }),
        reading('o', { status: 'standby', reason: 'attached only while on screen' }),
        // 2^23 ns ≈ 8 ms and 2^14 ns ≈ 16 µs: two modes, p99 in the slow one (≥ 10 ms: look).
        reading('b', {
          // biolatency's rows: its all row is left out, the (disk, op) rows merged per disk.
          rows: [
            { id: 'all', disk: 'all', hist: hist({ 1: 5000 }) } as never,
            { id: 'a', disk: 'sda', hist: hist({ 13: 900, 23: 50 }) } as never,
            { id: 'b', disk: 'sda', hist: hist({ 23: 60 }) } as never,
          ],
        }),
        reading('c', { summary: { text: '', values: { hit_pct: 40, misses_per_s: 5000, dirties_per_s: 0, hits_per_s: 3000 } } }),
      ],
    },
    undefined,
    1e9,
    IDS,
  );
  assert.deepEqual(
    rows.map((r) => [r.step, r.tool, r.panel, r.verdict]),
    [
      [1, 'execsnoop', 'e', 'look'],
      [2, 'opensnoop', 'o', '-'],
      [3, 'ext4slower', 'f', '-'],
      [4, 'biolatency', 'b', 'look'],
      [5, 'biosnoop', 's', '-'],
      [6, 'cachestat', 'c', 'bad'],
      [7, 'tcplife', 't', '-'],
      [8, 'tcpretrans', 'x', '-'],
      [9, 'runqlat', 'r', '-'],
      [10, 'profile', 'p', '-'],
    ],
  );
  assert.equal(rows[0]!.reading, '150 execs/s, most: make → cc1 120/s');
  assert.equal(rows[1]!.reading, 'attached only while on screen: Enter opens it');
  assert.match(rows[3]!.reading, /^sda p50 ≤16\.4us p99 ≤16\.8ms, 2 modes: ≤16\.4us and ≤16\.8ms$/);
  assert.equal(rows[8]!.reading, 'not in this run (--panels leaves it out)');
});

test("the fixture's readings: every tool a row, the standby one without a verdict", () => {
  const rows = deriveTools(toolsSamples()[0]!, undefined, 1e9, {
    execsnoop: 'execsnoop',
    opensnoop: 'opensnoop',
    ext4slower: 'fsslower',
    tcplife: 'tcplife',
    tcpretrans: 'tcpretrans',
    biolatency: 'biolatency',
    biosnoop: 'biosnoop',
    cachestat: 'cachestat',
    runqlat: 'runqlat',
    profile: 'profile',
  });
  assert.equal(rows.length, 10);
  assert.equal(rows.find((r) => r.tool === 'cachestat')!.verdict, '-');
});

test("biolatency: biotop's rows merged per (disk, op): counts and bytes summed, means weighted, the all row over every disk", () => {
  const h = (slots: Record<number, number>): number[] => Array.from({ length: 40 }, (_, i) => slots[i] ?? 0);
  const groups = groupBiotopRows([
    { id: '1', disk: 'sda', op: 'read', io: 10, bytes: 40960, avg_lat_ns: 1000, await_ns: 1200, lat_hist: h({ 9: 10 }) },
    { id: '2', disk: 'sda', op: 'read', io: 30, bytes: 122880, avg_lat_ns: 3000, await_ns: 3200, lat_hist: h({ 11: 29 }) },
    { id: '3', disk: 'sdb', op: 'write', io: 5, bytes: 5, avg_lat_ns: null, await_ns: null, lat_hist: h({}) },
  ] as never);
  const sample = { off: null, groups, recent: [h({ 9: 10, 11: 29 })] };
  const rows = deriveBiolatency(sample, sample, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.io, r.bytes]),
    [
      ['all', 45, 163845],
      ['sda/read', 40, 163840],
      ['sdb/write', 5, 5],
    ],
  );
  const sda = rows[1]!;
  assert.equal(sda.avg_ns, (10 * 1000 + 29 * 3000) / 39, 'the mean over the requests timed');
  assert.equal(sda.await_ns, (10 * 1200 + 30 * 3200) / 40, 'await over every request');
  assert.deepEqual([sda.p50_ns, sda.max_ns], [4095, 4095]);
  assert.equal(rows[0]!.heat?.length, 1);
  assert.deepEqual(deriveBiolatency({ ...sample, off: 'biotop is off' }, sample, 1e9), [], 'nothing while biotop is not reading');
});
