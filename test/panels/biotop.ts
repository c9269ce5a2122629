import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { biotopPanel } from '../../src/panels/biotop.js';
import type { BiotopEntry, BiotopSample } from '../../src/models/biotop.js';
import { biotopGroundTruth, withLoopDevice } from '../helpers/ground-truth.js';
import { using, type PanelFixture } from './kit.js';

function bioEntry(
  id: string,
  pid: number,
  comm: string,
  op: BiotopEntry['op'],
  disk: string,
  minor: number,
  io: number,
  size: number,
  latNs: number,
): BiotopEntry {
  const hist = new Float64Array(40);
  hist[Math.floor(Math.log2(latNs))] = io;
  return {
    id,
    pid,
    dev: (259 << 20) | minor,
    op,
    comm,
    disk,
    cgid: 0,
    // The database's service, a user's session, and no cgroup for the kernel's own flushes.
    cgroup: pid === 0 ? '' : pid === 4242 ? '/system.slice/postgresql.service' : '/user.slice/user-1000.slice/session-3.scope',
    workload: pid === 0 ? '' : pid === 4242 ? 'postgresql.service' : 'session-3.scope',
    io,
    bytes: io * size,
    latIo: io,
    latNs: latNs * io,
    awaitNs: latNs * io * 1.2,
    awaitIo: io,
    created: 1,
    hist,
  };
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

export const fixture: PanelFixture = {
  panel: biotopPanel,
  // 5.10: block_io_* tracepoints are 6.5+. 6.1: blk_account_io_start is inlined and block_io_start does not exist yet:
  // biotop takes the legacy tracepoints.
  tiers: { '5.10': 'fentry', '6.1': 'raw_tp_legacy', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  // Its loop device is set up around the engine (the legacy tier with a scheduler that inserts).
  groundTruth: async (open, tier) => {
    const legacy = tier === 'raw_tp_legacy';
    return withLoopDevice(legacy ? 'mq-deadline' : 'none', async (loop) => using(await open(), (engine) => biotopGroundTruth(engine, loop, legacy)));
  },
  samples: { make: biotopSamples, shows: 'postgres' },
  bench: {
    budgetNs: 2200,
    // 16,000 O_DIRECT writes of 4 KiB to a loop device backed by /dev/shm, one I/O each, timed by dd's own clock
    perEvent: () => {
      const img = `/dev/shm/sixty-panelcost-${process.pid}.img`;
      writeFileSync(img, '');
      execFileSync('truncate', ['-s', '64M', img]);
      const loop = execFileSync('losetup', ['--find', '--show', img], { encoding: 'utf8' }).trim();
      try {
        // dd's own timing of its copy loop (process start-up left out): "..., 0.281 s, 117 MB/s".
        const r = spawnSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4096', 'count=16000', 'oflag=direct'], { encoding: 'utf8' });
        const s = /, ([\d.]+) s,/.exec(r.stderr);
        if (r.status !== 0 || !s) throw new Error(`dd: ${r.stderr}`);
        return { events: 16000, ns: Number(s[1]) * 1e9 };
      } finally {
        execFileSync('losetup', ['-d', loop]);
        rmSync(img, { force: true });
      }
    },
    // 2000 O_DIRECT writes of 4 KiB to a loop device.
    burst: () => {
      const img = `/dev/shm/sixty-tiercost-${process.pid}.img`;
      writeFileSync(img, '');
      execFileSync('truncate', ['-s', '32M', img]);
      const loop = execFileSync('losetup', ['--find', '--show', img], { encoding: 'utf8' }).trim();
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4096', 'count=2000', 'oflag=direct'], { stdio: 'ignore' });
      } finally {
        execFileSync('losetup', ['-d', loop]);
        rmSync(img, { force: true });
      }
    },
    peer: {
      tool: ['/usr/sbin/biotop', '-C'],
      load: (scratch) => ['sh', '-c', `while :; do dd if=/dev/zero of=${scratch}/direct bs=4k count=256 oflag=direct conv=notrunc status=none; done`],
    },
  },
};
