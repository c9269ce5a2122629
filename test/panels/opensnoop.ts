import { opensnoopPanel } from '../../src/panels/opensnoop.js';
import type { OpenEvent, OpensnoopSample } from '../../src/models/opensnoop.js';
import { opensnoopGroundTruth } from '../helpers/open-truth.js';
import { openloop, using, type PanelFixture } from './kit.js';
import { execFileSync } from 'node:child_process';

// Local time: the TIME column shows the clock where it runs.
const T0 = new Date(2026, 11, 6, 14, 0, 0).getTime();

function open(seq: number, over: Partial<OpenEvent>): OpenEvent {
  return {
    id: `o${seq}`,
    seq,
    time_ms: T0 + seq * 7,
    pid: 1201,
    tid: 1201,
    uid: 33,
    comm: 'nginx',
    call: 'openat',
    path: '/var/www/html/index.html',
    relative: false,
    cut: false,
    flags: 0o2000000,
    flags_text: 'O_RDONLY|O_CLOEXEC',
    mode: 0,
    ret: 12,
    error: '',
    call_ns: 2400,
    cgroup: '/system.slice/nginx.service',
    workload: 'nginx.service',
    ...over,
  };
}

/** A web server's opens, a cron job failing to find its config, and a relative path that could not be resolved. */
export function opensnoopSamples(): OpensnoopSample[] {
  let seq = 0;
  const recent: OpenEvent[] = [];
  return [0, 1, 2].map((k) => {
    const opens: OpenEvent[] = [];
    for (let i = 0; i < 40 + k; i++) opens.push(open(++seq, { path: i % 4 ? '/var/www/html/index.html' : '/var/www/html/app.js' }));
    for (let i = 0; i < 6; i++)
      opens.push(
        open(++seq, {
          pid: 3310,
          tid: 3310,
          uid: 0,
          comm: 'backup.sh',
          path: '/etc/backup/targets.conf',
          ret: -2,
          error: 'ENOENT',
          cgroup: '/system.slice/cron.service',
          workload: 'cron.service',
        }),
      );
    opens.push(
      open(++seq, {
        pid: 3315,
        comm: 'tar',
        path: 'out/part-0001.tar',
        relative: true,
        flags: 0o1101,
        flags_text: 'O_WRONLY|O_CREAT|O_TRUNC',
        mode: 0o644,
        ret: 3,
      }),
    );
    recent.push(...opens);
    return { opens, recent: [...recent], ringFull: 0, mapFull: 0, rateDropped: 0 };
  });
}

export const fixture: PanelFixture = {
  panel: opensnoopPanel,
  tiers: { '5.10': 'tracepoint', '6.1': 'tracepoint', '6.12': 'tracepoint', '6.18': 'tracepoint' },
  groundTruth: async (open) => using(await open(), opensnoopGroundTruth),
  samples: { make: opensnoopSamples, shows: 'backup.sh' },
  bench: {
    budgetNs: 3000,
    // An open runs the enter and the exit program.
    runsPerEvent: 2,
    perEvent: openloop(200000),
    burst: () => {
      execFileSync('python3', ['-c', 'import os\nfor _ in range(20000): os.close(os.open("/etc/hostname", os.O_RDONLY))']);
    },
  },
};
