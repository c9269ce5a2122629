/** Synthetic readings of the process panel (one second apart) for its unit tests and golden screens. */
import type { ExitEntry, ProcEntry, ProcsSample } from '../../src/models/procs.js';
import type { PidStat } from '../../src/records/procpid.js';
import { PROCS_SLOTS } from '../../src/records/procs.js';

const HZ = 100;
const PAGE = 4096;

export function stat(pid: number, comm: string, o: Partial<PidStat> = {}): PidStat {
  return {
    pid,
    comm,
    state: 'S',
    ppid: 1,
    flags: 0,
    minflt: 0,
    majflt: 0,
    utime: 0,
    stime: 0,
    priority: 20,
    nice: 0,
    threads: 1,
    starttime: 100,
    vsize: 0,
    rss: 256,
    processor: 0,
    ...o,
  };
}

export function entry(s: PidStat, o: Partial<ProcEntry> = {}): ProcEntry {
  return {
    id: s.pid,
    tgid: s.pid,
    stat: s,
    status: { uid: 0, vcsw: 0, nvcsw: 0 },
    io: { readBytes: 0, writeBytes: 0, cancelledWriteBytes: 0 },
    cmdline: s.comm,
    comm: s.comm,
    user: 'root',
    cgroup: '/',
    workload: '/',
    ...o,
  };
}

/** Waits of `n` each `us` long (in their log2 slot), cumulative. */
export function waits(n: number, us: number): { waitNs: number; waits: number; hist: number[] } {
  const hist = new Array<number>(PROCS_SLOTS).fill(0);
  let slot = 0;
  for (let v = us; v >= 1 && slot < PROCS_SLOTS - 1; v >>= 1) slot++;
  hist[slot] = n;
  return { waitNs: n * us * 1000, waits: n, hist };
}

/** k seconds in: a busy `stress` (two threads' worth), a growing `java`, an idle `sshd`, and a short `make` that ended just before k = 3. */
export function procsSample(k: number, o: Partial<ProcsSample> = {}): ProcsSample {
  const stress = stat(4242, 'stress', { state: 'R', utime: 190 * k, stime: 8 * k, threads: 2, minflt: 10 * k });
  const java = stat(3100, 'java', { utime: 20 * k, stime: 5 * k, threads: 41, rss: 262144 + 2560 * k, minflt: 2560 * k, majflt: 3 * k, starttime: 50 });
  const sshd = stat(812, 'sshd', { starttime: 10, rss: 2048 });
  const entries = new Map<number, ProcEntry>([
    [4242, entry(stress, { status: { uid: 1000, vcsw: 2 * k, nvcsw: 120 * k }, user: 'alice', cmdline: 'stress --cpu 2' })],
    [
      3100,
      entry(java, {
        status: { uid: 0, vcsw: 900 * k, nvcsw: 40 * k },
        io: { readBytes: 1 << (20 + Math.min(k, 3)), writeBytes: 65536 * k, cancelledWriteBytes: 0 },
        cmdline: 'java -Xmx8g -jar app.jar',
      }),
    ],
    [812, entry(sshd, { cmdline: '/usr/sbin/sshd -D' })],
  ]);
  const w = new Map([
    [4242, waits(400 * k, 900)],
    [3100, waits(1000 * k, 40)],
    [812, waits(0, 0)],
    [5150, waits(30, 2000)],
  ]);
  const exits: ExitEntry[] =
    k >= 3
      ? [
          {
            seq: 3,
            pid: 5150,
            ppid: 812,
            uid: 0,
            user: 'root',
            comm: 'make',
            startNs: 1000e9 + 1.2e9,
            endNs: 1000e9 + 1.9e9,
            cpuNs: 450e6,
            utimeNs: 300e6,
            stimeNs: 150e6,
            maxRssPages: 5120,
            minflt: 900,
            majflt: 1,
            exitCode: 2 << 8,
          },
        ]
      : [];
  return {
    seq: k,
    nowNs: 1000e9 + k * 1e9,
    bootMs: Date.UTC(2026, 11, 6, 0, 0, 0),
    uptimeS: 1000 + k,
    hz: HZ,
    pageSize: PAGE,
    threads: false,
    entries,
    waits: w,
    exits,
    mapFull: 0,
    exitsLost: 0,
    ...o,
  };
}

export function procsSamples(): ProcsSample[] {
  return [procsSample(1), procsSample(2), procsSample(3)];
}
