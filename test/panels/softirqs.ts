import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { softirqsPanel } from '../../src/panels/softirqs.js';
import { softirqsGroundTruth } from '../helpers/softirqs.js';
import { TCP_LOAD, using, type PanelFixture } from './kit.js';

export const fixture: PanelFixture = {
  panel: softirqsPanel,
  tiers: { '5.10': 'tp_btf', '6.1': 'tp_btf', '6.12': 'tp_btf', '6.18': 'tp_btf' },
  groundTruth: async (open) =>
    using(await open(), async (engine) => {
      const { rows, report, missed } = await softirqsGroundTruth(engine);
      const netRx = rows.find((r) => r.vector === 'net_rx')!.count!;
      assert.ok(netRx > 0, `the workload raised NET_RX (${netRx}; see softirqs.test.ts: fewer runs on a busy host)`);
      return `recursion misses ${missed}; ${report.join(', ')}`;
    }),
  bench: {
    budgetNs: 600,
    // entry and exit
    runsPerEvent: 2,
    // 3000 small loopback sends: NET_RX and friends.
    burst: () =>
      execFileSync('python3', [
        '-c',
        "import socket\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen()\nc=socket.create_connection(s.getsockname());a,_=s.accept()\nfor i in range(3000): c.send(b'x'*100); a.recv(100)",
      ]),
    peer: { tool: ['/usr/sbin/softirqs'], load: () => TCP_LOAD },
  },
};
