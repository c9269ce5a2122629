import { execFileSync } from 'node:child_process';
import { tcpretransPanel } from '../../src/panels/tcpretrans.js';
import type { PacketDrop, RetransEvent, TcpretransSample } from '../../src/models/tcpretrans.js';
import { tcpretransGroundTruth } from '../helpers/tcpretrans-truth.js';
import { using, type PanelFixture } from './kit.js';

// Local time: the TIME column shows the clock where it runs.
const T0 = new Date(2026, 11, 6, 14, 0, 0).getTime();

function retrans(seq: number, over: Partial<RetransEvent>): RetransEvent {
  return {
    id: `r${seq}`,
    seq,
    time_ms: T0 + seq * 37,
    kind: 'timeout',
    state: 'ESTABLISHED',
    err: 0,
    total_retrans: seq,
    srtt_us: 1800,
    laddr: '10.0.0.5',
    lport: 443,
    raddr: '203.0.113.9',
    rport: 51234,
    cgroup: '/system.slice/nginx.service',
    workload: 'nginx.service',
    ...over,
  };
}

function drop(id: string, over: Partial<PacketDrop>): PacketDrop {
  return {
    id,
    reason: 'NO_SOCKET',
    where: 'tcp_v4_rcv',
    proto: 'tcp',
    src: '198.51.100.7:40000',
    dst: '10.0.0.5:8080',
    total: 0,
    taken: false,
    cgroup: '',
    workload: '',
    ...over,
  };
}

/** A lossy client of nginx (timeouts and probes), a backup's transfer in recovery, and the drops beside them. */
export function tcpretransSamples(): TcpretransSample[] {
  let seq = 0;
  const recent: RetransEvent[] = [];
  return [0, 1, 2].map((k) => {
    const retransmits: RetransEvent[] = [];
    for (let i = 0; i < 6 + k; i++) retransmits.push(retrans(++seq, { kind: i === 0 ? 'probe' : 'timeout' }));
    for (let i = 0; i < 20; i++)
      retransmits.push(
        retrans(++seq, {
          kind: 'fast',
          laddr: '2001:db8::5',
          lport: 40100,
          raddr: '2001:db8::7',
          rport: 873,
          srtt_us: 24000,
          cgroup: '/system.slice/backup.service',
          workload: 'backup.service',
        }),
      );
    recent.push(...retransmits);
    const drops = [
      drop('scan', { total: 300 * (k + 1) }),
      drop('full', {
        reason: 'TCP_OFOMERGE',
        where: 'tcp_data_queue_ofo',
        src: '[2001:db8::7]:873',
        dst: '[2001:db8::5]:40100',
        total: 12 * (k + 1),
        cgroup: '/system.slice/backup.service',
        workload: 'backup.service',
      }),
      drop('udp', { reason: 'UDP_CSUM', where: '__udp4_lib_rcv', proto: 'udp', src: '10.0.0.1:53', dst: '10.0.0.5:41000', total: k }),
    ];
    return { retransmits, recent: [...recent], drops, ringFull: 0, mapFull: 0, rateDropped: 0, dropsLost: 0 };
  });
}

export const fixture: PanelFixture = {
  panel: tcpretransPanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) => using(await open(), tcpretransGroundTruth),
  samples: { make: tcpretransSamples, shows: 'NO_SOCKET' },
  bench: {
    budgetNs: 1500,
    // A datagram to a port no one listens on: one drop (NO_SOCKET), freed in the kernel's UDP receive path.
    runsPerEvent: 1,
    burst: () => {
      execFileSync('python3', [
        '-c',
        'import socket\nr=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);r.bind(("127.0.0.1",0));p=r.getsockname()[1];r.close()\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor _ in range(20000):\n  try: s.sendto(b"x",("127.0.0.1",p))\n  except OSError: pass',
      ]);
    },
  },
};
