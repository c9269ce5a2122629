/**
 * Fixtures for unit and view tests (no kernel): map contents encoded with the panels' own record declarations, and
 * frames made by the real engine (real readers, decoders, models and history) over a fake addon and a fake clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { RECORDING_FORMAT, type RecordingMeta } from '../../src/persist/recording.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MapRead } from '../../src/native.js';
import { Engine } from '../../src/engine.js';
import type { Frame } from '../../src/frame.js';
import type { Privileges } from '../../src/kernel/privileges.js';
import type { SoftirqsSample } from '../../src/models/softirqs.js';
import type { TcptopSample } from '../../src/models/tcptop.js';
import type { TcptopNames } from '../../src/records/tcptop.js';
import { mpstatPanel } from '../../src/panels/mpstat.js';
import { CATALOG } from '../../src/panels/registry.js';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import type { AnyPanelDef } from '../../src/panels/types.js';
import { encode, naturalLayout, type FieldValue } from '../../src/records/layout.js';
import { SOFTIRQ_VECTORS, SOFTIRQS_RECORDS, type SoftirqsRecord } from '../../src/records/softirqs.js';
import { TCPTOP_RECORDS } from '../../src/records/tcptop.js';
import { fakeAddon, fakeKernel, setMap, type FakeKernel } from './fake-addon.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const procFixture = (name: string): string => readFileSync(join(FIXTURES, 'proc', name), 'utf8');

export const SOFTIRQS_VAL = naturalLayout(SOFTIRQS_RECORDS.val);
export const TCPTOP = {
  key: naturalLayout(TCPTOP_RECORDS.key),
  val: naturalLayout(TCPTOP_RECORDS.val),
  stat: naturalLayout(TCPTOP_RECORDS.stat),
};

export function mapRead(keys: Buffer, values: Buffer, count: number, keySize: number, valueSize: number): MapRead {
  return { keys, values, count, keySize, valueSize, batched: true, cpus: 1 };
}

export const u32key = (i: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(i);
  return b;
};

/** softirqs_stats entries: [vector index, count, time_ns], as one CPU's values. */
export function softirqsEntries(triples: [number, bigint, bigint][]): [Buffer, Buffer][] {
  return triples.map(([vec, count, time_ns]) => [u32key(vec), encode(SOFTIRQS_VAL, { count, time_ns })]);
}

/**
 * softirqs_stats entries with two CPUs' values each: a quarter of each count and time on CPU 0, the rest on CPU 1,
 * and the longest softirq of interval `epoch` (CPU 1's, a tenth of its time) in slot epoch & 1.
 */
export function softirqsEntries2(triples: [number, bigint, bigint][], epoch: number): [Buffer, Buffer][] {
  return triples.map(([vec, count, time_ns]) => {
    const c0 = count / 4n;
    const t0 = time_ns / 4n;
    const slot = epoch & 1;
    const max = [0n, 0n];
    const tag = [0n, 0n];
    max[slot] = (time_ns - t0) / 10n;
    tag[slot] = time_ns > 0n ? BigInt(epoch) : 0n;
    return [
      u32key(vec),
      Buffer.concat([
        encode(SOFTIRQS_VAL, { count: c0, time_ns: t0 }),
        encode(SOFTIRQS_VAL, { count: count - c0, time_ns: time_ns - t0, max_ns: max, max_epoch: tag }),
      ]),
    ];
  });
}

export function softirqsRead(triples: [number, bigint, bigint][]): MapRead {
  const e = softirqsEntries(triples);
  return mapRead(Buffer.concat(e.map((x) => x[0])), Buffer.concat(e.map((x) => x[1])), e.length, 4, SOFTIRQS_VAL.size);
}

export interface ConnFixture {
  sk: bigint;
  pid: number;
  lport: number;
  rport: number;
  rx: bigint;
  tx: bigint;
  /** the kernel's creation time (default 1): another value is the same key created again */
  created?: bigint;
  family: 2 | 10;
  laddr: number[];
  raddr: number[];
  comm: string | Buffer;
  /** the process's cgroup2 id (default 0: none) */
  cgid?: bigint;
}

export function tcptopEntries(conns: ConnFixture[]): [Buffer, Buffer][] {
  return conns.map((c) => {
    const key: Record<string, FieldValue> = { sk: c.sk, pid: c.pid, lport: c.lport, rport: c.rport };
    const val: Record<string, FieldValue> = {
      rx_bytes: c.rx,
      tx_bytes: c.tx,
      created_ns: c.created ?? 1n,
      laddr: Buffer.from(c.laddr),
      raddr: Buffer.from(c.raddr),
      family: c.family,
      comm: c.comm,
      cgid: c.cgid ?? 0n,
    };
    return [encode(TCPTOP.key, key), encode(TCPTOP.val, val)];
  });
}

export function tcptopRead(conns: ConnFixture[]): MapRead {
  const e = tcptopEntries(conns);
  return mapRead(Buffer.concat(e.map((x) => x[0])), Buffer.concat(e.map((x) => x[1])), e.length, TCPTOP.key.size, TCPTOP.val.size);
}

export const V4_LOCAL = [127, 0, 0, 1];
export const V6_LOCAL = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

export function softirqsSample(counts: number[], times: number[], ncpu = 2): SoftirqsSample {
  // All on CPU 0 of `ncpu`, with no longest softirq recorded.
  const vectors: SoftirqsRecord[] = SOFTIRQ_VECTORS.map((vector, i) => {
    const pad = new Array<number>(ncpu - 1).fill(0);
    return {
      vector,
      count: BigInt(counts[i] ?? 0),
      timeNs: BigInt(times[i] ?? 0),
      cpuCounts: [counts[i] ?? 0, ...pad],
      cpuTimeNs: [times[i] ?? 0, ...pad],
      maxNs: null,
    };
  });
  return { vectors, ncpu };
}

/** One connection of a sample, as a test writes it. */
export interface TcptopConn {
  id: string;
  names: TcptopNames;
  rx: number;
  tx: number;
  created: number;
  lastActiveNs: number;
}

export function conn(id: string, pid: number, rx: number, tx: number, extra: Partial<TcptopConn> & { comm?: string; cgroup?: string } = {}): TcptopConn {
  const { comm, cgroup, ...rest } = extra;
  const cg = cgroup ?? '/system.slice/app.service';
  const names = {
    pid,
    comm: comm ?? 'proc',
    family: 'IPv4' as const,
    laddr: '127.0.0.1',
    lport: 1000,
    raddr: '127.0.0.1',
    rport: 2000,
    cgroup: cg,
    workload: cg.split('/').pop() || '/',
  };
  return { id, names, rx, tx, created: 1, lastActiveNs: 0, ...rest };
}

/** A sample whose slots are the list's order (the same connection must keep its place from one sample to the next). */
export function tcptopSample(conns: TcptopConn[], opts: { mapFull?: number; evicted?: number; nowNs?: number } = {}): TcptopSample {
  return {
    ids: conns.map((c) => c.id),
    names: conns.map((c) => c.names),
    rx: Float64Array.from(conns, (c) => c.rx),
    tx: Float64Array.from(conns, (c) => c.tx),
    created: Float64Array.from(conns, (c) => c.created),
    lastActiveNs: Float64Array.from(conns, (c) => c.lastActiveNs),
    nowNs: opts.nowNs ?? 0,
    mapFull: opts.mapFull ?? 0,
    evicted: opts.evicted ?? 0,
    countsKept: false,
    entries: conns.length,
    capacity: 16384,
  };
}

/** A sample's connections as objects, by id (for reading a reader's output in tests). */
export function connsOf(s: TcptopSample): Map<string, TcptopConn> {
  const out = new Map<string, TcptopConn>();
  s.ids.forEach((id, i) => {
    if (id) out.set(id, { id, names: s.names[i]!, rx: s.rx[i]!, tx: s.tx[i]!, created: s.created[i]!, lastActiveNs: s.lastActiveNs[i]! });
  });
  return out;
}

export const ROOT: Privileges = { uid: 0, capBpf: true, capPerfmon: true, capSysAdmin: true };
export const NOBODY: Privileges = { uid: 65534, capBpf: false, capPerfmon: false, capSysAdmin: false };

export interface TestEngine {
  engine: Engine;
  kernel: FakeKernel;
  /** what /proc/stat reads next (each read takes the next; the last one repeats) */
  procStat: string[];
}

/**
 * An engine over the fake kernel. Each tick is exactly one second after the one before (the clock advances only
 * when the engine reads it), starting at 2026-11-25T12:00:00Z.
 */
export function testEngine(
  panels: readonly AnyPanelDef[],
  opts: {
    kernel?: FakeKernel;
    privileges?: Privileges;
    ncpu?: number;
    procStat?: string[];
    requested?: readonly string[];
    bpfStats?: () => boolean;
    byProcess?: boolean;
    trends?: boolean;
  } = {},
): TestEngine {
  const kernel = opts.kernel ?? fakeKernel();
  const procStat = opts.procStat ?? [];
  let ns = 0n;
  const engine = new Engine({
    panels,
    intervalMs: 1000,
    requested: new Set(opts.requested ?? []),
    byProcess: opts.byProcess ?? true,
    ...(opts.trends !== undefined ? { trends: opts.trends } : {}),
    deps: {
      privileges: () => opts.privileges ?? ROOT,
      btfPath: import.meta.filename,
      addon: () => fakeAddon(kernel),
      tracefs: () => null,
      readText: (path) => {
        if (path !== '/proc/stat') throw new Error(`${path}: no such fixture`);
        const text = procStat.length > 1 ? procStat.shift()! : procStat[0];
        if (text === undefined) throw new Error('/proc/stat: no fixture left');
        return text;
      },
      onlineCpus: () => opts.ncpu ?? 2,
      hrtime: () => ns,
      now: () => Date.parse('2026-11-25T12:00:00.000Z') + Number(ns / 1_000_000n),
      // sixty's own cost, fixed: 12 ms of CPU per second, 100 MiB.
      selfUsage: () => ({ cpuUs: Number(ns / 1000n) * 0.012, rssBytes: 100 * 1048576 }),
      bpfStatsEnabled: opts.bpfStats ?? (() => false),
    },
  });
  const tick = engine.tick.bind(engine);
  engine.tick = () => {
    ns += 1_000_000_000n;
    return tick();
  };
  return { engine, kernel, procStat };
}

/** A /proc/stat text for two CPUs after `k` seconds of a fixed load (cpu1 busier than cpu0). */
export function procStatText(k: number): string {
  const line = (name: string, user: number, sys: number, idle: number, iowait: number, soft: number): string =>
    `${name} ${user} 0 ${sys} ${idle} ${iowait} 0 ${soft} 0 0 0`;
  const c0 = [1000 + 20 * k, 500 + 5 * k, 9000 + 70 * k, 10 + 2 * k, 30 + 3 * k];
  const c1 = [2000 + 60 * k, 800 + 20 * k, 8000 + 15 * k, 10 + 4 * k, 40 + 1 * k];
  const all = c0.map((v, i) => v + c1[i]!);
  return [
    line('cpu ', ...(all as [number, number, number, number, number])),
    line('cpu0', ...(c0 as [number, number, number, number, number])),
    line('cpu1', ...(c1 as [number, number, number, number, number])),
  ].join('\n');
}

/** Sets the fake kernel's maps for step k of the fixture workload. */
export function fixtureStep(kernel: FakeKernel, k: number): void {
  const counts = [3 * k, 1000 * k, 10 * k, 4000 * k + k * k * 100, 50 * k, 0, 2 * k, 800 * k, 0, 600 * k];
  const times = [1000 * k, 9_000_000 * k, 40_000 * k, 52_000_000 * k + k * 1_000_000, 900_000 * k, 0, 5_000 * k, 3_000_000 * k, 0, 2_500_000 * k];
  // The softirqs reader closes interval k + 1 at step k (the engine's first read, at open, closes interval 1).
  setMap(
    kernel,
    'softirqs_stats',
    4,
    SOFTIRQS_VAL.size,
    softirqsEntries2(
      counts.map((c, i) => [i, BigInt(c), BigInt(times[i]!)]),
      k + 1,
    ),
    10,
    2,
  );
  const rsync6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];
  const rsyncPeer = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34];
  setMap(
    kernel,
    'tcptop_conns',
    TCPTOP.key.size,
    TCPTOP.val.size,
    tcptopEntries([
      {
        sk: 0xffff888000000a00n,
        pid: 4242,
        lport: 443,
        rport: 51234,
        rx: BigInt(1_000_000 * k * k),
        tx: BigInt(20_000 * k),
        family: 2,
        laddr: [10, 0, 0, 5],
        raddr: [10, 1, 2, 3],
        comm: 'nginx',
      },
      {
        sk: 0xffff888000000b00n,
        pid: 4243,
        lport: 873,
        rport: 40000,
        rx: BigInt(3000 * k),
        tx: BigInt(150_000_000 * k),
        family: 10,
        laddr: rsync6,
        raddr: rsyncPeer,
        comm: 'rsync',
      },
      {
        sk: 0xffff888000000c00n,
        pid: 777,
        lport: 22,
        rport: 50022,
        rx: 0n,
        tx: BigInt(64 * k),
        family: 2,
        laddr: V4_LOCAL,
        raddr: V4_LOCAL,
        comm: 'ssh\x1b[31m',
      },
    ]),
  );
  setMap(kernel, 'tcptop_stats', 4, TCPTOP.stat.size, [[u32key(0), encode(TCPTOP.stat, { count: 0n })]], 1);
  setMap(kernel, 'tcptop_big', TCPTOP.key.size, TCPTOP.val.size, [], 4096);
}

/** A frame with every panel busy, made by the engine over three one-second intervals, for golden tests. */
export async function fixtureFrame(panels: readonly AnyPanelDef[] = [softirqsPanel, tcptopPanel, mpstatPanel]): Promise<Frame> {
  const t = testEngine(panels, { procStat: [0, 1, 2, 3].map(procStatText) });
  fixtureStep(t.kernel, 0);
  await t.engine.open();
  let frame: Frame = t.engine.store.getSnapshot();
  for (let k = 1; k <= 3; k++) {
    fixtureStep(t.kernel, k);
    frame = t.engine.tick();
  }
  t.engine.close();
  return frame;
}

export { CATALOG, mpstatPanel, softirqsPanel, tcptopPanel };

/**
 * The frames of `n` one-second intervals of the fixture workload (softirqs, tcptop and mpstat on the fake kernel),
 * with their trends, as the engine publishes them: the material of recordings and snapshots in tests.
 */
export async function fixtureFrames(n: number, panels: readonly AnyPanelDef[] = [softirqsPanel, tcptopPanel, mpstatPanel]): Promise<Frame[]> {
  const t = testEngine(panels, { procStat: Array.from({ length: n + 1 }, (_, k) => procStatText(k)) });
  fixtureStep(t.kernel, 0);
  await t.engine.open();
  const frames: Frame[] = [];
  for (let k = 1; k <= n; k++) {
    fixtureStep(t.kernel, k);
    frames.push(t.engine.tick());
  }
  t.engine.close();
  return frames;
}

/** A recording's header as the persistence tests write it (the time it states does not matter to them). */
export const RECORDING_META: RecordingMeta = {
  format: RECORDING_FORMAT,
  schemaVersion: 1,
  sixty: '0.1.0',
  host: { hostname: 'host1', kernel: '6.18.0', cpus: 2 },
  intervalS: 1,
  startedAt: '2026-11-25T12:00:00.000Z',
  rowsPerPanel: 200,
};

/** Runs `f` in a new temporary directory (`sixty-<name>-…`), removed after. */
export async function inScratch(name: string, f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(joinPath(tmpdir(), `sixty-${name}-`));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
