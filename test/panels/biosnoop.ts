import { biosnoopPanel } from '../../src/panels/biosnoop.js';
import type { BiosnoopSample, IoEvent } from '../../src/models/biosnoop.js';
import { biosnoopGroundTruth } from '../helpers/biosnoop-truth.js';
import { withLoopDevice } from '../helpers/ground-truth.js';
import { using, type PanelFixture } from './kit.js';
import { fixture as biotop } from './biotop.js';

// Local time: the TIME column shows the clock where it runs.
const T0 = new Date(2026, 11, 6, 14, 0, 0).getTime();

function io(seq: number, over: Partial<IoEvent>): IoEvent {
  return {
    id: `b${seq}`,
    seq,
    time_ms: T0 + seq * 3,
    pid: 4242,
    comm: 'postgres',
    disk: 'nvme0n1',
    op: 'read',
    sector: 1_000_000 + seq * 16,
    bytes: 8192,
    lat_ns: 180_000,
    error: 0,
    cgroup: '/system.slice/postgresql.service',
    workload: 'postgresql.service',
    ...over,
  };
}

/** A database's reads, a flusher's writes (one slow), and a failed request. */
export function biosnoopSamples(): BiosnoopSample[] {
  let seq = 0;
  const recent: IoEvent[] = [];
  return [0, 1, 2].map((k) => {
    const ios: IoEvent[] = [];
    for (let i = 0; i < 40 + k; i++) ios.push(io(++seq, { lat_ns: 150_000 + i * 1000 }));
    for (let i = 0; i < 8; i++)
      ios.push(io(++seq, { pid: 211, comm: 'kworker/u4:2', op: 'write', bytes: 131072, lat_ns: i === 7 ? 38_000_000 : 900_000, cgroup: '', workload: '' }));
    ios.push(io(++seq, { pid: 977, comm: 'smartd', disk: 'sdb', error: 10, lat_ns: 30e9, cgroup: '/system.slice/smartd.service', workload: 'smartd.service' }));
    recent.push(...ios);
    return { ios, recent: [...recent], ringFull: 0, mapFull: 0, rateDropped: 0, unseen: 0 };
  });
}

export const fixture: PanelFixture = {
  panel: biosnoopPanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) => withLoopDevice('none', async (loop) => using(await open(), (engine) => biosnoopGroundTruth(engine, loop))),
  samples: { make: biosnoopSamples, shows: 'postgres' },
  bench: {
    budgetNs: 3000,
    // A request: its issue and its completion.
    runsPerEvent: 2,
    // biotop's burst: 2000 O_DIRECT writes of 4 KiB to a loop device.
    burst: biotop.bench!.burst,
  },
};
