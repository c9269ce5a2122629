/** A synthetic machine for the 60-second checklist: two readings 2 s apart whose figures are known (test/unit/checklist.test.ts). */
import type { ChecklistSample } from '../../src/models/checklist.js';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { homeHost, homePanel } from '../../src/panels/home.js';
import { fixtureFrame } from './fixtures.js';
import { parseProcStat } from '../../src/records/procstat.js';
import { parseDiskstats, parseLoadavg, parseMeminfo, parseNetDev, parsePidStat, parseSnmpTcp, parseVmstat, type KmsgRecord } from '../../src/records/procfs.js';
import type { Pressure } from '../../src/records/cgroupfs.js';

export const MEMINFO = `MemTotal:       16000000 kB
MemFree:         2000000 kB
MemAvailable:    6000000 kB
Buffers:          100000 kB
Cached:          3000000 kB
SwapCached:            0 kB
SReclaimable:     400000 kB
SwapTotal:       1000000 kB
SwapFree:         750000 kB
`;

const stat = (user: number, sys: number, idle: number, iowait: number, soft: number, c1busy: number, running: number, blocked: number): string =>
  [
    `cpu  ${user} 0 ${sys} ${idle} ${iowait} 0 ${soft} 0 0 0`,
    `cpu0 ${user - c1busy} 0 ${sys} ${idle} ${iowait} 0 ${soft} 0 0 0`,
    `cpu1 ${c1busy} 0 0 0 0 0 0 0 0 0`,
    `procs_running ${running}`,
    `procs_blocked ${blocked}`,
  ].join('\n');

const disk = (reads: number, rsec: number, rms: number, writes: number, wsec: number, wms: number, io: number, weighted: number): string =>
  `   8       0 sda ${reads} 0 ${rsec} ${rms} ${writes} 0 ${wsec} ${wms} 0 ${io} ${weighted} 0 0 0 0 0 0\n   8       1 sda1 ${reads} 0 ${rsec} ${rms} ${writes} 0 ${wsec} ${wms} 0 ${io} ${weighted} 0 0 0 0 0 0`;

const netdev = (rx: number, tx: number, errs: number, lo = 999999): string => `Inter-|   Receive |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: ${lo} 10 0 0 0 0 0 0 ${lo} 10 0 0 0 0 0 0
  eth0: ${rx} ${rx / 1000} ${errs} 0 0 0 0 0 ${tx} ${tx / 1000} 0 0 0 0 0 0
`;

const snmp = (active: number, passive: number, out: number, retrans: number, inErrs: number): string =>
  `Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Tcp: 1 200 120000 -1 ${active} ${passive} 0 0 3 1000 ${out} ${retrans} ${inErrs} 0 0
`;

export const task = (pid: number, comm: string, state: string, ticks: number): string =>
  `${pid} (${comm}) ${state} 1 1 1 0 -1 0 0 0 0 0 ${ticks} 0 0 0 20 0 1 0 100 0 0`;

/** Pressure files whose totals grow by these µs per reading (some, full). */
const pressure = (k: number, some: number, full: number): Pressure => ({
  some: { avg10: 0, avg60: 0, avg300: 0, totalUs: 1e9 + k * some },
  full: { avg10: 0, avg60: 0, avg300: 0, totalUs: 1e8 + k * full },
});

/**
 * With `psi`: over the 2 s, CPU pressure some 0.3 s (15 %, all of it app.service's), memory none, I/O some 40 ms (2 %)
 * and full 10 ms.
 */
function psiOf(k: number): Pick<ChecklistSample, 'psi' | 'cgroupPsi'> {
  const none = pressure(k, 0, 0);
  return {
    psi: { cpu: pressure(k, 300000, 0), memory: none, io: pressure(k, 40000, 10000) },
    cgroupPsi: new Map([
      ['/', { cpu: pressure(k, 300000, 0), memory: none, io: pressure(k, 40000, 10000), workload: '/' }],
      ['/system.slice', { cpu: pressure(k, 300000, 0), memory: none, io: none, workload: 'system.slice' }],
      ['/system.slice/app.service', { cpu: pressure(k, 300000, 0), memory: none, io: none, workload: 'app.service' }],
    ]),
  };
}

export function checklistSample(
  k: number,
  o: { kmsg?: KmsgRecord[]; readable?: boolean; memAvail?: number; loBytes?: number; psi?: boolean } = {},
): ChecklistSample {
  // Over 2 s between k=0 and k=1: CPU ticks (USER_HZ 100, 2 CPUs: 400 ticks) split as below; the disk does 200 reads
  // of 4 KiB and 100 writes of 8 KiB with 1 s of I/O time; eth0 moves 2 MB in and 1 MB out; TCP sends 1000 segments
  // with 20 retransmits.
  const mem = o.memAvail === undefined ? MEMINFO : MEMINFO.replace('MemAvailable:    6000000', `MemAvailable:    ${o.memAvail}`);
  return {
    nowNs: k * 2e9,
    uptimeS: 1000 + 2 * k,
    ncpu: 2,
    hz: 100,
    pageKb: 4,
    stat: parseProcStat(k === 0 ? stat(1000, 500, 8000, 100, 10, 400, 1, 0) : stat(1000 + 200, 500 + 40, 8000 + 140, 100 + 12, 10 + 8, 400 + 200, 4, 1)),
    load: parseLoadavg(k === 0 ? '0.50 0.40 0.30 1/100 1' : '3.00 1.50 1.00 4/100 2'),
    mem: parseMeminfo(mem),
    vm: parseVmstat(k === 0 ? 'pswpin 100\npswpout 200\n' : 'pswpin 110\npswpout 230\n'),
    disks: parseDiskstats(
      k === 0
        ? disk(1000, 8000, 500, 500, 8000, 400, 10000, 20000)
        : disk(1200, 8000 + 1600, 500 + 400, 600, 8000 + 1600, 400 + 300, 10000 + 1000, 20000 + 1400),
    ).filter((d) => d.name === 'sda'),
    net: parseNetDev(k === 0 ? netdev(1_000_000, 1_000_000, 0) : netdev(3_000_000, 2_000_000, 0, o.loBytes)),
    tcp: parseSnmpTcp(k === 0 ? snmp(10, 20, 5000, 100, 0) : snmp(14, 30, 6000, 120, 0)),
    tasks: [
      parsePidStat(task(1, 'init', 'S', 50))!,
      parsePidStat(task(42, 'spin (x) y', 'R', k === 0 ? 1000 : 1190))!,
      parsePidStat(task(43, 'zomb', k === 0 ? 'S' : 'Z', 7))!,
    ],
    kmsg: {
      readable: o.readable ?? true,
      reason: o.readable === false ? 'reading /dev/kmsg needs root or CAP_SYSLOG (kernel.dmesg_restrict)' : null,
      recent: o.kmsg ?? [],
      seen: (o.kmsg ?? []).length,
    },
    ...(o.psi ? psiOf(k) : {}),
  };
}

/** A frame with the checklist home first, from the synthetic machine of test/helpers/checklist.ts. */
export async function homeFrame(): Promise<Frame> {
  const base = await fixtureFrame();
  const cur = checklistSample(1, { psi: true });
  const prev = checklistSample(0, { psi: true });
  const rows = homePanel.derive(cur, prev, 2e9);
  const stats = homePanel.stats(cur, prev);
  const home: PanelFrame = {
    id: homePanel.id,
    status: 'ok',
    tier: 'proc',
    hooks: '/proc and /dev/kmsg',
    reason: null,
    attempts: [],
    attachedAt: null,
    rows,
    summary: homePanel.summarize(rows, stats, 2e9),
    stats,
    history: Object.fromEntries(rows.map((r) => [r.id, [r.value, r.value]])),
  };
  return { ...base, panels: [home, ...base.panels], host: homeHost(stats)! };
}
