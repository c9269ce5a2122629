/**
 * Synthetic cgroup samples: a systemd host with a service, a Docker container, a Kubernetes pod and a throttled,
 * memory-starved batch job, read one second apart. Their figures are chosen so that each column has a known value.
 */
import type { CgroupEntry, CgroupSample } from '../../src/models/cgroup.js';
import type { Pressure } from '../../src/records/cgroupfs.js';
import { workloadOf } from '../../src/models/workload.js';

const psi = (someUs: number, fullUs: number): Pressure => ({
  some: { avg10: 0, avg60: 0, avg300: 0, totalUs: someUs },
  full: { avg10: 0, avg60: 0, avg300: 0, totalUs: fullUs },
});

export const DOCKER_ID = 'f1e2d3c4b5a697887766554433221100ffeeddccbbaa99887766554433221100';
export const POD_UID = '5f0c7b8e-1a2b-4c3d-9e8f-0123456789ab';

/** One cgroup, `t` seconds in: every counter grows at its rate per second. */
function entry(
  path: string,
  t: number,
  r: {
    cpu: number;
    thr?: number;
    memMiB: number;
    high?: number;
    max?: number;
    highEv?: number;
    rd?: number;
    wr?: number;
    memSome?: number;
    memFull?: number;
    ioSome?: number;
    cpuSome?: number;
    procs: number;
  },
): CgroupEntry {
  const w = workloadOf(path, { container: (id) => (id === DOCKER_ID ? 'web' : undefined), pod: (uid) => (uid === POD_UID ? 'shop/cart-7d9f' : undefined) });
  const s = 1e6 * t;
  return {
    path,
    inV2: true,
    source: 'v2',
    workload: w.name,
    kind: w.kind,
    procs: r.procs,
    cpu: { usageUs: 1e9 + r.cpu * s, userUs: 5e8 + r.cpu * 0.75 * s, systemUs: 5e8 + r.cpu * 0.25 * s },
    throttle: { periods: 10 * t, throttled: (r.thr ?? 0) * 10 * t, throttledUs: (r.thr ?? 0) * 0.7 * s },
    quotaCpus: r.thr ? 0.25 : Infinity,
    mem: { current: r.memMiB * 1048576, high: r.high ?? Infinity, max: r.max ?? Infinity },
    memEvents: { high: (r.highEv ?? 0) * t, max: 0, oom: 0, oomKill: 0 },
    io: [{ dev: '8:0', rbytes: (r.rd ?? 0) * t, wbytes: (r.wr ?? 0) * t, rios: ((r.rd ?? 0) / 4096) * t, wios: ((r.wr ?? 0) / 4096) * t }],
    pids: { current: r.procs * 2, max: Infinity },
    psi: { cpu: psi((r.cpuSome ?? 0) * s, 0), memory: psi((r.memSome ?? 0) * s, (r.memFull ?? 0) * s), io: psi((r.ioSome ?? 0) * s, 0) },
  };
}

export function cgroupSamples(): CgroupSample[] {
  return [0, 1, 2].map((t) => {
    const list = [
      entry('/', t, { cpu: 1.3, memMiB: 3000, procs: 40, cpuSome: 0.2, memSome: 0.05, memFull: 0.02, ioSome: 0.1, rd: 2e6, wr: 1e6 }),
      entry('/system.slice', t, { cpu: 0.9, memMiB: 1800, procs: 0, cpuSome: 0.1, memSome: 0.05, memFull: 0.02, rd: 2e6, wr: 1e6 }),
      entry('/system.slice/nginx.service', t, { cpu: 0.2, memMiB: 120, procs: 5, rd: 1e6 }),
      entry(`/system.slice/docker-${DOCKER_ID}.scope`, t, { cpu: 0.45, memMiB: 900, procs: 3, cpuSome: 0.1, wr: 1e6 }),
      entry('/system.slice/batch.service', t, { cpu: 0.25, thr: 0.6, memMiB: 500, high: 512 * 1048576, highEv: 40, procs: 1, memSome: 0.3, memFull: 0.2 }),
      entry('/kubepods.slice', t, { cpu: 0.3, memMiB: 700, procs: 0 }),
      entry(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_UID.replace(/-/g, '_')}.slice`, t, { cpu: 0.3, memMiB: 700, procs: 0 }),
      entry('/user.slice/user-1000.slice/session-3.scope', t, { cpu: 0.1, memMiB: 60, procs: 4 }),
    ];
    return {
      nowNs: 1e12 + t * 1e9,
      layout: 'v2',
      describe: 'cgroup2 at /sys/fs/cgroup',
      psi: true,
      psiReason: null,
      entries: new Map(list.map((e) => [e.path, e])),
      cut: 0,
    };
  });
}
