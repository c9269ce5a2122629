import { execFileSync } from 'node:child_process';
import { tcplifePanel } from '../../src/panels/tcplife.js';
import type { SessionEvent, TcplifeSample } from '../../src/models/tcplife.js';
import { tcplifeGroundTruth } from '../helpers/tcplife-truth.js';
import { using, type PanelFixture } from './kit.js';

// Local time: the TIME column shows the clock where it runs.
const T0 = new Date(2026, 11, 6, 14, 0, 0).getTime();

function session(seq: number, over: Partial<SessionEvent>): SessionEvent {
  return {
    id: `s${seq}`,
    seq,
    time_ms: T0 + seq * 11,
    pid: 2101,
    comm: 'php-fpm',
    kind: 'connect',
    laddr: '10.0.0.5',
    lport: 40000 + seq,
    raddr: '10.0.0.9',
    rport: 3306,
    rx_bytes: 18_000,
    tx_bytes: 900,
    life_ns: 4_500_000,
    connect_ns: 310_000,
    cgroup: '/system.slice/php-fpm.service',
    workload: 'php-fpm.service',
    ...over,
  };
}

/** A PHP pool's short MySQL sessions, a web server's accepted ones, and a long IPv6 transfer. */
export function tcplifeSamples(): TcplifeSample[] {
  let seq = 0;
  const recent: SessionEvent[] = [];
  return [0, 1, 2].map((k) => {
    const sessions: SessionEvent[] = [];
    for (let i = 0; i < 30 + k; i++) sessions.push(session(++seq, { life_ns: 3_000_000 + i * 100_000 }));
    for (let i = 0; i < 12; i++)
      sessions.push(
        session(++seq, {
          pid: 880,
          comm: 'nginx',
          kind: 'accept',
          laddr: '10.0.0.5',
          lport: 443,
          raddr: `198.51.100.${i}`,
          rport: 50000 + seq,
          rx_bytes: 700,
          tx_bytes: 42_000,
          connect_ns: null,
          cgroup: '/system.slice/nginx.service',
          workload: 'nginx.service',
        }),
      );
    sessions.push(
      session(++seq, { pid: 3020, comm: 'rsync', laddr: '2001:db8::5', raddr: '2001:db8::7', rport: 873, tx_bytes: 2 ** 30, rx_bytes: 4096, life_ns: 61e9 }),
    );
    recent.push(...sessions);
    return { sessions, recent: [...recent], ringFull: 0, mapFull: 0, rateDropped: 0 };
  });
}

export const fixture: PanelFixture = {
  panel: tcplifePanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) => using(await open(), tcplifeGroundTruth),
  samples: { make: tcplifeSamples, shows: 'php-fpm' },
  bench: {
    budgetNs: 6000,
    // A session's state changes: about six runs.
    runsPerEvent: 6,
    burst: () => {
      execFileSync('python3', [
        '-c',
        'import socket\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(128)\nfor _ in range(500):\n  c=socket.create_connection(s.getsockname());a,_=s.accept();c.close();a.close()',
      ]);
    },
  },
};
