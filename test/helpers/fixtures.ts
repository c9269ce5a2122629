/** Byte fixtures and frames built from the real layouts, for unit and view tests (no kernel). */
import type { MapRead } from '../../src/native.js';
import type { SoftirqsSample } from '../../src/models/softirqs.js';
import type { TcptopSample } from '../../src/models/tcptop.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import { sortRows } from '../../src/panels/sort.js';
import type { AnyPanelDef } from '../../src/panels/types.js';
import { SOFTIRQ_VECTORS, type SoftirqsRecord } from '../../src/records/softirqs.js';
import { TCPTOP_KEY, TCPTOP_VAL, type TcptopRecord } from '../../src/records/tcptop.js';
import { History, type Frame, type PanelState } from '../../src/store.js';

export function mapRead(keys: Buffer, values: Buffer, count: number, keySize: number, valueSize: number): MapRead {
  return { keys, values, count, keySize, valueSize, batched: true };
}

/** softirqs_stats as the addon returns it: u32 keys, {count, time_ns} values. */
export function softirqsRead(pairs: [number, bigint, bigint][]): MapRead {
  const keys = Buffer.alloc(pairs.length * 4);
  const values = Buffer.alloc(pairs.length * 16);
  pairs.forEach(([vec, count, time], i) => {
    keys.writeUInt32LE(vec, i * 4);
    values.writeBigUInt64LE(count, i * 16);
    values.writeBigUInt64LE(time, i * 16 + 8);
  });
  return mapRead(keys, values, pairs.length, 4, 16);
}

export interface ConnFixture {
  sk: bigint;
  pid: number;
  lport: number;
  rport: number;
  rx: bigint;
  tx: bigint;
  family: 2 | 10;
  laddr: number[];
  raddr: number[];
  comm: string | Buffer;
}

export function tcptopRead(conns: ConnFixture[]): MapRead {
  const keys = Buffer.alloc(conns.length * TCPTOP_KEY.size);
  const values = Buffer.alloc(conns.length * TCPTOP_VAL.size);
  conns.forEach((c, i) => {
    const k = i * TCPTOP_KEY.size;
    keys.writeBigUInt64LE(c.sk, k);
    keys.writeUInt32LE(c.pid, k + 8);
    keys.writeUInt16LE(c.lport, k + 12);
    keys.writeUInt16LE(c.rport, k + 14);
    const v = i * TCPTOP_VAL.size;
    values.writeBigUInt64LE(c.rx, v);
    values.writeBigUInt64LE(c.tx, v + 8);
    Buffer.from(c.laddr).copy(values, v + 16);
    Buffer.from(c.raddr).copy(values, v + 32);
    values.writeUInt16LE(c.family, v + 48);
    (typeof c.comm === 'string' ? Buffer.from(c.comm) : c.comm).copy(values, v + 56, 0, 15);
  });
  return mapRead(keys, values, conns.length, TCPTOP_KEY.size, TCPTOP_VAL.size);
}

export const V4_LOCAL = [127, 0, 0, 1];
export const V6_LOCAL = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

export function softirqsSample(counts: number[], times: number[], ncpu = 2): SoftirqsSample {
  const vectors: SoftirqsRecord[] = SOFTIRQ_VECTORS.map((vector, i) => ({
    vector,
    count: BigInt(counts[i] ?? 0),
    timeNs: BigInt(times[i] ?? 0),
  }));
  return { vectors, ncpu };
}

export function conn(id: string, pid: number, rx: number, tx: number, extra: Partial<TcptopRecord> = {}): TcptopRecord {
  return {
    rawKey: Buffer.alloc(16),
    id,
    pid,
    comm: 'proc',
    family: 'IPv4',
    laddr: '127.0.0.1',
    lport: 1000,
    raddr: '127.0.0.1',
    rport: 2000,
    rx: BigInt(rx),
    tx: BigInt(tx),
    ...extra,
  };
}

export function tcptopSample(conns: TcptopRecord[], mapFull = 0n): TcptopSample {
  return { conns: new Map(conns.map((c) => [c.id, c])), mapFull, entries: conns.length, capacity: 16384 };
}

/** A panel state as the engine would publish it after `samples` (history from every step). */
export function panelState<S>(def: AnyPanelDef, samples: S[], elapsedNs = 1e9): PanelState {
  const history = new History();
  let rows: object[] = [];
  let stats = {};
  for (let i = 1; i < samples.length; i++) {
    rows = def.derive(samples[i], samples[i - 1], elapsedNs) as object[];
    stats = def.stats(samples[i], samples[i - 1]);
    history.record(new Map(rows.map((r) => [def.rowId(r) as string, def.trend(r)])));
  }
  return {
    def,
    status: 'ok',
    tier: def.tiers.find((t) => t.name === 'tp_btf')?.name ?? null,
    hooks: def.tiers.find((t) => t.name === 'tp_btf')?.hooks ?? null,
    reason: null,
    attempts: [],
    rows: sortRows(def, rows, def.defaultSort),
    sort: { ...def.defaultSort },
    stats,
    history: history.view(),
  };
}

/** A fixed frame with both panels busy, for golden tests. */
export function fixtureFrame(): Frame {
  const soft = [0, 1, 2, 3].map((k) =>
    softirqsSample([3 * k, 1000 * k, 10 * k, 4000 * k + k * k * 100, 50 * k, 0, 2 * k, 800 * k, 0, 600 * k], [1000 * k, 9_000_000 * k, 40_000 * k, 52_000_000 * k + k * 1_000_000, 900_000 * k, 0, 5_000 * k, 3_000_000 * k, 0, 2_500_000 * k]),
  );
  const tcp = [0, 1, 2, 3].map((k) =>
    tcptopSample([
      conn('a', 4242, 1_000_000 * k * k, 20_000 * k, { comm: 'nginx', lport: 443, raddr: '10.1.2.3', rport: 51234, laddr: '10.0.0.5' }),
      conn('b', 4243, 3000 * k, 150_000_000 * k, { comm: 'rsync', family: 'IPv6', laddr: '2001:db8::5', raddr: '2001:db8:ffff::1234', lport: 873, rport: 40000 }),
      conn('c', 777, 0, 64 * k, { comm: 'ssh\\x1b[31m', lport: 22, rport: 50022 }),
    ]),
  );
  return {
    time: new Date('2026-11-25T12:00:00.000Z'),
    elapsedNs: 1e9,
    panels: [panelState(softirqsPanel, soft), panelState(tcptopPanel, tcp)],
  };
}

export { softirqsPanel, tcptopPanel };
