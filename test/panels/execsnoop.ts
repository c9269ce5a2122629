import { execFileSync } from 'node:child_process';
import { execsnoopPanel } from '../../src/panels/execsnoop.js';
import type { ExecEvent, ExecsnoopSample, ExitSeen } from '../../src/models/execsnoop.js';
import { execsnoopGroundTruth } from '../helpers/exec-truth.js';
import { schedloop, using, type PanelFixture } from './kit.js';

// Local time: the TIME column shows the clock where it runs.
const T0 = new Date(2026, 11, 6, 14, 0, 0).getTime();

function exec(seq: number, over: Partial<ExecEvent>): ExecEvent {
  return {
    id: `e${seq}`,
    seq,
    time_ms: T0 + seq * 40,
    pid: 4000 + seq,
    ppid: 812,
    uid: 0,
    comm: 'sh',
    pcomm: 'cron',
    filename: '/bin/sh',
    args: "/bin/sh -c 'run-parts /etc/cron.hourly'",
    argc: 3,
    truncated: false,
    unread: false,
    ret: 0,
    error: '',
    searched: false,
    call_ns: 310_000,
    exit_status: null,
    exit: '',
    life_ns: null,
    cgroup: '/system.slice/cron.service',
    workload: 'cron.service',
    ...over,
  };
}

const exitOf = (e: ExecEvent, status: number, lifeNs: number): ExitSeen => ({
  ppid: e.ppid,
  pcomm: e.pcomm,
  comm: e.comm,
  uid: e.uid,
  status,
  lifeNs,
  cgroup: e.cgroup,
  workload: e.workload,
});

/** A cron job's shells, a build's compilers (one with a very long argv) and a failing exec, over three seconds. */
export function execsnoopSamples(): ExecsnoopSample[] {
  let seq = 0;
  const recent: ExecEvent[] = [];
  return [0, 1, 2].map((k) => {
    const execs: ExecEvent[] = [];
    const exits: ExitSeen[] = [];
    for (let i = 0; i < 6 + k; i++) {
      const e = exec(++seq, { exit_status: i % 3 === 0 ? 256 : 0, exit: i % 3 === 0 ? 'exit 1' : 'exit 0', life_ns: 4_200_000 + i * 100_000 });
      execs.push(e);
      exits.push(exitOf(e, e.exit_status!, e.life_ns!));
    }
    for (let i = 0; i < 3; i++) {
      execs.push(
        exec(++seq, {
          comm: 'cc1',
          pcomm: 'gcc',
          ppid: 2201,
          filename: '/usr/libexec/gcc/x86_64-linux-gnu/12/cc1',
          args: `/usr/libexec/gcc/x86_64-linux-gnu/12/cc1 -quiet -I include -D_GNU_SOURCE src/file${seq}.c -o /tmp/cc${seq}.s`,
          argc: 9,
          truncated: i === 2,
          cgroup: '/user.slice/user-1000.slice/session-3.scope',
          workload: 'session-3.scope',
        }),
      );
    }
    execs.push(
      exec(++seq, {
        comm: 'deploy',
        pcomm: 'bash',
        ppid: 1990,
        filename: '/opt/app/bin/missing',
        args: '/opt/app/bin/missing --now',
        argc: 2,
        ret: -2,
        error: 'ENOENT',
        cgroup: '',
        workload: '',
      }),
    );
    recent.push(...execs);
    return { execs, exits, recent: [...recent], ringFull: 0, mapFull: 0, rateDropped: 0 };
  });
}

export const fixture: PanelFixture = {
  panel: execsnoopPanel,
  // System call tracepoints first (they see failed execs): every kernel of the matrix has them.
  tiers: { '5.10': 'tracepoint', '6.1': 'tracepoint', '6.12': 'tracepoint', '6.18': 'tracepoint' },
  groundTruth: async (open, tier) => using(await open(), (engine) => execsnoopGroundTruth(engine, tier)),
  samples: { make: execsnoopSamples, shows: 'cc1' },
  bench: {
    // Four runs an exec (the call's enter and exit, sched_process_exec reading the new image's argv, the process's
    // exit), the enter copying its 1.6 KiB record into the pending map: about 7 µs, against the exec's 2.5 ms here.
    budgetNs: 8000,
    runsPerEvent: 4,
    perEvent: schedloop('forkexec', 2000),
    burst: () => {
      execFileSync('sh', ['-c', 'for i in $(seq 200); do /bin/true; done']);
    },
  },
};
