/**
 * fsslower without a kernel: its records on the C layouts (a slow operation; the histogram's flat index back to its
 * file system, operation and slot), the model's interval (per (fs, op) and the all row), the thresholds the keys step
 * through, and the reader giving the kernel a new threshold only when it changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encode, naturalLayout } from '../../src/records/layout.js';
import { ringData } from '../../src/records/ring.js';
import { decodeFsHist, FS_SLOTS, FSSLOWER_RECORDS, slowDecoder, type FsslowerLayouts } from '../../src/records/fsslower.js';
import { createFsslowerReader, fsslowerView, nextThreshold, DEFAULT_THRESHOLD_MS } from '../../src/panels/fsslower.js';
import { deriveFsslower, type FsslowerSample } from '../../src/models/fsslower.js';
import type { BpfObject } from '../../src/native.js';
import type { HostInfo } from '../../src/panels/types.js';
import { fsslower as names } from '../../src/generated/bpf.js';

const L: FsslowerLayouts = {
  event: naturalLayout(FSSLOWER_RECORDS.event),
  slot: naturalLayout(FSSLOWER_RECORDS.slot),
  config: naturalLayout(FSSLOWER_RECORDS.config),
  stat: naturalLayout(FSSLOWER_RECORDS.stat),
};
const { fsslower_fs: FS, fsslower_op: OP } = names.enums;
const index = (fs: number, op: number, slot: number): number => ((fs - 1) * OP.NR + op) * FS_SLOTS + slot;

function histRead(entries: readonly [number, number, number][]) {
  const keys = Buffer.alloc(entries.length * 4);
  entries.forEach(([i], n) => keys.writeUInt32LE(i, n * 4));
  return {
    keys,
    values: Buffer.concat(entries.map(([, count, sum]) => encode(L.slot, { count, sum_ns: sum }))),
    count: entries.length,
    keySize: 4,
    valueSize: L.slot.size,
    batched: true,
    cpus: 1,
  };
}

test('records on their C layouts: a slow operation (its result signed, its names escaped), the histogram’s index', () => {
  const e = slowDecoder(L.event)(
    encode(L.event, {
      ts_ns: 1,
      lat_ns: 12_000_000,
      offset: 4096,
      ino: 77,
      ret: BigInt(-5) & 0xffffffffffffffffn,
      pid: 10,
      tid: 11,
      op: OP.FSYNC,
      fs: FS.XFS,
      dev: (259 << 20) | 3,
      comm: 'pg\x1b[2J',
      name: 'data.bin',
      dir: 'sub',
    }),
  );
  assert.deepEqual([e?.op, e?.fs, e?.ret, e?.major, e?.minor, e?.name, e?.dir, e?.comm], ['fsync', 'xfs', -5, 259, 3, 'data.bin', 'sub', 'pg\\x1b[2J']);
  assert.equal(slowDecoder(L.event)(encode(L.event, { op: 9, fs: FS.EXT4 })), null, 'an op it does not know');
  const h = decodeFsHist(
    histRead([
      [index(FS.EXT4, OP.WRITE, 13), 5, 50_000],
      [index(FS.BTRFS, OP.OPEN, 0), 1, 1],
      [index(FS.EXT4, OP.WRITE, 39), 2, 9e9],
    ]),
    L.slot,
  );
  const w = h.find((x) => x.fs === 'ext4' && x.op === 'write')!;
  assert.deepEqual([w.counts[13], w.counts[39], w.sums[13]], [5, 2, 50_000]);
  assert.deepEqual(h.find((x) => x.fs === 'btrfs')!.op, 'open');
});

test('the model: per (fs, op) over the interval, the all row over every one; the first reading is the baseline', () => {
  const hist = (slots: Record<number, number>) => Array.from({ length: FS_SLOTS }, (_, i) => slots[i] ?? 0);
  const base = { slow: [], recent: [], heat: [], thresholdNs: 0, ringFull: 0, mapFull: 0, rateDropped: 0 };
  const prev: FsslowerSample = { ...base, hists: [{ fs: 'ext4', op: 'read', counts: hist({ 10: 5 }), sums: hist({ 10: 5000 }) }] };
  const cur: FsslowerSample = {
    ...base,
    hists: [
      { fs: 'ext4', op: 'read', counts: hist({ 10: 8, 20: 1 }), sums: hist({ 10: 8000, 20: 1_500_000 }) },
      { fs: 'xfs', op: 'fsync', counts: hist({ 23: 2 }), sums: hist({ 23: 20_000_000 }) },
    ],
  };
  assert.deepEqual(deriveFsslower(cur, undefined, 1e9), []);
  const rows = deriveFsslower(cur, prev, 1e9);
  assert.deepEqual(
    rows.map((r) => [r.id, r.ops, r.avg_ns]),
    [
      ['all', 6, (3000 + 1_500_000 + 20_000_000) / 6],
      ['ext4/read', 4, (3000 + 1_500_000) / 4],
      ['xfs/fsync', 2, 10_000_000],
    ],
  );
  assert.equal(rows[1]!.p50_ns, 2047);
  assert.equal(rows[1]!.max_ns, 2 ** 21 - 1);
});

test('thresholds: ( and ) step through 0 1 2 5 10 … 1000 ms, held at the ends; between steps, to the next', () => {
  assert.deepEqual(
    [nextThreshold(10, 1), nextThreshold(10, -1), nextThreshold(0, -1), nextThreshold(1000, 1), nextThreshold(7, 1), nextThreshold(7, -1)],
    [20, 5, 0, 1000, 10, 5],
  );
});

test('the reader gives the kernel the threshold when it changed, and only then; slow operations named by directory and file', () => {
  const writes: Buffer[] = [];
  let ring: Buffer[] = [
    encode(L.event, { op: OP.WRITE, fs: FS.EXT4, lat_ns: 2e7, ret: 1n << 20n, name: 'data.bin', dir: 'sub', comm: 'dd', pid: 9 }),
    encode(L.event, { op: OP.OPEN, fs: FS.EXT4, lat_ns: 2e7, ret: 3n, name: 'top', dir: '/', comm: 'dd', pid: 9 }),
  ];
  const obj = {
    openRing: () => {},
    takeRing: () => {
      const data = ringData(ring);
      ring = [];
      return { data, count: 0, dropped: 0, taken: 0 };
    },
    readMap: (name: string) => (name === 'fsslower_hist' ? histRead([]) : { keys: Buffer.alloc(0), values: Buffer.alloc(0), count: 0 }),
    updateKeys: (_n: string, _k: Buffer, v: Buffer) => {
      writes.push(Buffer.from(v));
      return 1;
    },
  } as unknown as BpfObject;
  const host: HostInfo = { onlineCpus: () => 2, nowNs: () => 1e9, readText: (p) => readFileSync(p, 'utf8') };
  const read = createFsslowerReader(obj as never, L, host);
  try {
    const s = read();
    assert.deepEqual(
      s.slow.map((e) => [e.op, e.file, e.ret]),
      [
        ['write', 'sub/data.bin', 1 << 20],
        ['open', 'top', 3],
      ],
    );
    read();
    fsslowerView.thresholdMs = 50;
    read();
    assert.deepEqual(
      writes.map((w) => Number(w.readBigUInt64LE(0))),
      [DEFAULT_THRESHOLD_MS * 1e6, 50e6],
    );
  } finally {
    fsslowerView.thresholdMs = DEFAULT_THRESHOLD_MS;
  }
});
