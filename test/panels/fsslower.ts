import { execFileSync } from 'node:child_process';
import { fsslowerPanel } from '../../src/panels/fsslower.js';
import type { FsslowerSample, SlowOp } from '../../src/models/fsslower.js';
import type { FsHist } from '../../src/records/fsslower.js';
import { fsslowerGroundTruth } from '../helpers/fsslower-truth.js';
import { using, type PanelFixture } from './kit.js';

// Local time: the TIME column shows the clock where it runs.
const T0 = new Date(2026, 11, 6, 14, 0, 0).getTime();

function slow(seq: number, over: Partial<SlowOp>): SlowOp {
  return {
    id: `f${seq}`,
    seq,
    time_ms: T0 + seq * 13,
    pid: 4100,
    tid: 4100,
    comm: 'postgres',
    op: 'fsync',
    fs: 'ext4',
    dev: '259:1',
    file: 'pg_wal/000000010000000000000042',
    ino: 131075,
    offset: 0,
    ret: 0,
    lat_ns: 24_000_000 + seq * 100_000,
    cgroup: '/system.slice/postgresql.service',
    workload: 'postgresql.service',
    ...over,
  };
}

const hist = (slots: Record<number, number>, k: number): FsHist['counts'] => Array.from({ length: 40 }, (_, i) => (slots[i] ?? 0) * (k + 1));

/** A database's writes and fsyncs on ext4 (the fsyncs slow), its reads in two modes (cache and disk), and a backup's on xfs. */
export function fsslowerSamples(): FsslowerSample[] {
  let seq = 0;
  const recent: SlowOp[] = [];
  const heat: number[][] = [];
  return [0, 1, 2].map((k) => {
    const h = (fs: FsHist['fs'], op: FsHist['op'], slots: Record<number, number>, meanNs: number): FsHist => {
      const counts = hist(slots, k);
      return { fs, op, counts, sums: counts.map((c) => c * meanNs) };
    };
    const hists = [
      h('ext4', 'read', { 12: 900, 13: 300, 21: 40, 22: 20 }, 200_000),
      h('ext4', 'write', { 13: 400, 14: 100 }, 12_000),
      h('ext4', 'fsync', { 23: 5, 24: 12 }, 18_000_000),
      h('ext4', 'open', { 14: 30 }, 20_000),
      h('xfs', 'read', { 17: 80, 18: 20 }, 190_000),
    ];
    const fresh = [
      ...Array.from({ length: 8 + k }, () => slow(++seq, {})),
      slow(++seq, {
        comm: 'rsync',
        pid: 5200,
        tid: 5200,
        op: 'read',
        fs: 'xfs',
        dev: '8:17',
        file: 'backup/base.tar',
        offset: 2 ** 30,
        ret: 131072,
        lat_ns: 41_000_000,
        cgroup: '/system.slice/backup.service',
        workload: 'backup.service',
      }),
    ];
    recent.push(...fresh);
    heat.push(Array.from({ length: 40 }, (_, i) => ({ 12: 900, 13: 700, 21: 40, 23: 5, 24: 12 })[i] ?? 0));
    return { hists, slow: fresh, recent: [...recent], heat: [...heat], thresholdNs: 10e6, ringFull: 0, mapFull: 0, rateDropped: 0 };
  });
}

export const fixture: PanelFixture = {
  panel: fsslowerPanel,
  tiers: { '5.10': 'tracepoint', '6.1': 'tracepoint', '6.12': 'tracepoint', '6.18': 'tracepoint' },
  groundTruth: async (open) => using(await open(), fsslowerGroundTruth),
  samples: { make: fsslowerSamples, shows: 'fsync' },
  bench: {
    budgetNs: 3000,
    // A read of a cached ext4 file: the enter (its file looked up) and the exit (a histogram slot).
    runsPerEvent: 2,
    // A 64-byte read of a page-cached file (the bench's, on this host's ext4 or tmpfs: on tmpfs the enter is all it pays).
    perEvent: ({ readloop, cached }) => {
      const [calls, ns] = execFileSync(readloop, [cached, '400000', '64'], { encoding: 'utf8' }).trim().split(' ').map(Number);
      return { events: calls!, ns: ns! };
    },
    burst: () => {
      execFileSync('python3', ['-c', 'import os\nfd=os.open("/etc/hostname",os.O_RDONLY)\nfor _ in range(20000): os.pread(fd,64,0)']);
    },
  },
};
