import { execFileSync } from 'node:child_process';
import { filetopPanel } from '../../src/panels/filetop.js';
import { newFiletopSample, putSlot, type FiletopEntry, type FiletopSample } from '../../src/models/filetop.js';
import { filetopGroundTruth } from '../helpers/ground-truth.js';
import { READ_LOAD, using, type PanelFixture } from './kit.js';

/** A sample from entry objects, slot i for entries[i] (undefined: a free slot), as the reader would make it. */
export function filetopSample(entries: readonly (FiletopEntry | undefined)[], counters: Partial<Parameters<typeof newFiletopSample>[1]> = {}): FiletopSample {
  const s = newFiletopSample(entries.length, {
    mapFull: 0,
    evicted: 0,
    namesFull: 0,
    noFile: 0,
    entries_in_map: entries.filter(Boolean).length,
    capacity: 16384,
    ...counters,
  });
  entries.forEach(
    (e, i) =>
      e &&
      putSlot(
        s,
        i,
        { id: e.id, pid: e.pid, dev: e.dev, ino: e.ino, type: e.type, comm: e.comm, cgid: e.cgid, cgroup: e.cgroup, workload: e.workload, path: e.path },
        e,
      ),
  );
  return s;
}

function fileEntry(
  id: string,
  pid: number,
  comm: string,
  type: FiletopEntry['type'],
  path: string,
  reads: number,
  writes: number,
  rb: number,
  wb: number,
): FiletopEntry {
  const cgroup = pid === 4242 ? '/system.slice/postgresql.service' : '/user.slice/user-1000.slice/session-3.scope';
  return {
    id,
    pid,
    dev: (8 << 20) | 1,
    ino: id.length * 1000 + pid,
    type,
    comm,
    cgid: 0,
    cgroup,
    workload: cgroup.split('/').pop()!,
    path,
    reads,
    writes,
    readBytes: rb,
    writeBytes: wb,
    created: 1,
  };
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

export const fixture: PanelFixture = {
  panel: filetopPanel,
  tiers: { '5.10': 'fentry', '6.1': 'fentry', '6.12': 'fentry', '6.18': 'tracepoint' },
  groundTruth: async (open) => using(await open(), async (engine) => filetopGroundTruth(engine)),
  samples: { make: filetopSamples, shows: 'postgres' },
  bench: {
    budgetNs: 970,
    // pread(2) of 64 bytes from a page-cached regular file, one event per call
    perEvent: ({ readloop, cached }) => {
      const [calls, ns] = execFileSync(readloop, [cached, '400000', '64'], { encoding: 'utf8' }).trim().split(' ').map(Number);
      return { events: calls!, ns: ns! };
    },
    // 20,000 reads and 20,000 writes of 64 bytes (dd between /dev/zero and /dev/null): two calls per block.
    burst: () => execFileSync('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=64', 'count=20000'], { stdio: 'ignore' }),
    peer: { tool: ['/usr/sbin/filetop', '-C'], load: READ_LOAD },
  },
};
