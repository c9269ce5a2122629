import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cachetopPanel } from '../../src/panels/cachetop.js';
import type { CachetopEntry, CachetopSample } from '../../src/models/cachetop.js';
import { cachetopGroundTruth } from '../helpers/ground-truth.js';
import { READ_LOAD, using, type PanelFixture } from './kit.js';

function cacheEntry(pid: number, comm: string, readPages: number, writePages: number, misses: number, writeMisses: number, dirties: number): CachetopEntry {
  const cgroup = pid === 4242 ? '/system.slice/postgresql.service' : '/user.slice/user-1000.slice/session-3.scope';
  return {
    id: `p${pid}`,
    pid,
    uid: pid === 4242 ? 105 : 0,
    comm,
    cgid: 0,
    cgroup,
    workload: cgroup.split('/').pop()!,
    readPages,
    writePages,
    misses,
    writeMisses,
    dirties,
    created: 1,
  };
}
function cachetopSamples(): CachetopSample[] {
  const at = (k: number): CachetopSample => {
    const rows = [
      cacheEntry(4242, 'postgres', 90000 * k, 1200 * k, 300 * k, 20 * k, 1200 * k),
      cacheEntry(977, 'tar', 25000 * k, 0, 24000 * k, 0, 0),
      cacheEntry(1, 'systemd', 12 * k, 0, 0, 0, 0),
    ];
    return { rows: new Map(rows.map((r) => [r.id, r])), estimated: false, mapFull: 0, evicted: 0, entries: rows.length, capacity: 16384 };
  };
  return [at(1), at(2), at(3)];
}

export const fixture: PanelFixture = {
  panel: cachetopPanel,
  // 5.10 has no folios, so its page functions (fentry_page). 6.18 here: no kprobes, fentry refused; so cachetop's
  // accesses are the estimated proxy.
  tiers: { '5.10': 'fentry_page', '6.1': 'fentry', '6.12': 'fentry', '6.18': 'tracepoint' },
  groundTruth: async (open) => using(await open(), cachetopGroundTruth),
  samples: { make: cachetopSamples, shows: 'postgres' },
  bench: {
    budgetNs: 1300,
    perEvent: ({ readloop, cached }) => {
      const [calls, ns] = execFileSync(readloop, [cached, '400000', '64'], { encoding: 'utf8' }).trim().split(' ').map(Number);
      return { events: calls!, ns: ns! };
    },
    // A 16 MiB file written, then read twice: page-cache misses, dirties and hits.
    burst: () => {
      const f = `/dev/shm/sixty-tiercost-${process.pid}.dat`;
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${f}`, 'bs=1M', 'count=16'], { stdio: 'ignore' });
        for (let i = 0; i < 2; i++) execFileSync('dd', [`if=${f}`, 'of=/dev/null', 'bs=64K'], { stdio: 'ignore' });
      } finally {
        rmSync(f, { force: true });
      }
    },
    peer: { tool: ['/usr/sbin/cachestat'], load: READ_LOAD },
  },
};
