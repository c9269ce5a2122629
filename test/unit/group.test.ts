import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PanelFrame } from '../../src/frame.js';
import { EMPTY_SUMMARY } from '../../src/frame.js';
import { groupView, sumHistories, weightedMean } from '../../src/panels/group.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { filetopPanel } from '../../src/panels/filetop.js';
import type { BiotopRow } from '../../src/models/biotop.js';
import type { FiletopRow } from '../../src/models/filetop.js';
import type { Row } from '../../src/panels/types.js';
import { initialUiState, reduce, type UiContext } from '../../views/state.js';
import { conn, tcptopPanel, tcptopSample } from '../helpers/fixtures.js';

function frameOf(id: string, rows: readonly Row[], history: Record<string, (number | null)[]> = {}): PanelFrame {
  return { id, status: 'ok', tier: 't', hooks: 'h', reason: null, attempts: [], attachedAt: null, rows, summary: EMPTY_SUMMARY, stats: {}, history };
}

const cells = (spec: ReturnType<typeof groupView>['spec'], row: Row): Record<string, string> =>
  Object.fromEntries(spec.columns.map((c) => [c.key, c.format(c.value(row), row)]));

/** Four connections of two processes, one second apart: nginx moves 100+200 / 10+20 bytes, ssh 1000 / 1 and nothing. */
function tcptopFrame(): PanelFrame {
  const at = (rx: number[], tx: number[], nowNs: number) =>
    tcptopSample(
      [
        conn('a', 10, rx[0]!, tx[0]!, { comm: 'nginx', lastActiveNs: nowNs }),
        conn('b', 10, rx[1]!, tx[1]!, {
          comm: 'nginx',
          lastActiveNs: nowNs,
          names: {
            pid: 10,
            comm: 'nginx',
            family: 'IPv6',
            laddr: '::1',
            lport: 443,
            raddr: '::1',
            rport: 2001,
            cgroup: '/system.slice/nginx.service',
            workload: 'nginx.service',
          },
        }),
        conn('c', 20, rx[2]!, tx[2]!, { comm: 'ssh', lastActiveNs: nowNs }),
        conn('d', 20, rx[3]!, tx[3]!, { comm: 'ssh', lastActiveNs: 0 }),
      ],
      { nowNs },
    );
  const prev = at([0, 0, 0, 5], [0, 0, 0, 5], 1e9);
  const cur = at([100, 200, 1000, 5], [10, 20, 1, 5], 2e9);
  const rows = tcptopPanel.derive(cur, prev, 1e9);
  return frameOf('tcptop', rows, Object.fromEntries(rows.map((r, i) => [r.id, i === 0 ? [1, 2, 3] : [null, 5]])));
}

test('tcptop by process: one row per process, bytes and rates summed, the connection columns left out, a ROWS column', () => {
  const panel = tcptopFrame();
  const g = tcptopPanel.groupings![0]!;
  assert.equal(g.name, 'process');
  const v = groupView(tcptopPanel, panel, g);
  assert.deepEqual(
    v.spec.columns.map((c) => c.key),
    ['pid', 'comm', 'group_rows', 'rx_bytes', 'tx_bytes', 'total', 'workload', 'cgroup'],
  );
  const byComm = new Map(v.panel.rows.map((r) => [cells(v.spec, r).comm, r]));
  assert.equal(v.panel.rows.length, 2);
  const nginx = byComm.get('nginx')!;
  const app = { workload: 'app.service', cgroup: '/system.slice/app.service' };
  assert.deepEqual(cells(v.spec, nginx), { pid: '10', comm: 'nginx', group_rows: '2', rx_bytes: '300B', tx_bytes: '30B', total: '330B', ...app });
  assert.deepEqual(cells(v.spec, byComm.get('ssh')!), { pid: '20', comm: 'ssh', group_rows: '2', rx_bytes: '1000B', tx_bytes: '1B', total: '1001B', ...app });
  // The hidden fields are gone from the row itself (the detail lists a row's fields): no first member's address.
  assert.equal('laddr' in nginx, false);
  assert.equal('rport' in nginx, false);
  // The detail: its rows, each by what tells it apart.
  const listed = v.spec.detail.find((d) => d.label === 'rows')!.value(nginx);
  assert.equal(listed, '2: 127.0.0.1:1000 → 127.0.0.1:2000; ::1:443 → ::1:2001');
  assert.equal(
    v.spec.detail.some((d) => d.label === 'local' || d.label === 'remote'),
    false,
  );
  assert.deepEqual(
    v.spec.detail.filter((d) => d.label === 'process').map((d) => d.value(nginx)),
    ['10 nginx'],
    'the process, once',
  );
  // Quiet only when every member is: ssh has a moving connection.
  assert.equal(v.spec.quiet?.(byComm.get('ssh')!), false);
});

test("tcptop by remote port: process and addresses left out; the trend is the members' sum, aligned on the newest", () => {
  const panel = tcptopFrame();
  const v = groupView(tcptopPanel, panel, tcptopPanel.groupings![1]!);
  assert.deepEqual(
    v.spec.columns.map((c) => c.key),
    ['rport', 'group_rows', 'rx_bytes', 'tx_bytes', 'total'],
  );
  const byPort = new Map(v.panel.rows.map((r) => [cells(v.spec, r).rport, r]));
  assert.deepEqual([...byPort.keys()].sort(), ['2000', '2001']);
  assert.equal((byPort.get('2000') as unknown as { rx_bytes: number }).rx_bytes, 1100);
  assert.equal(cells(v.spec, byPort.get('2000')!).group_rows, '3');
  // The detail says which port first (the addresses that carried it are hidden, the port is not).
  assert.equal(v.spec.detail[0]!.label, 'remote port');
  assert.equal(v.spec.detail[0]!.value(byPort.get('2000')!), '2000');
  // Members' histories: one is [1,2,3], the others [null,5]: summed aligned right.
  const hist = v.panel.history[byPort.get('2000')!.id]!;
  const members = panel.rows.filter((r) => (r as unknown as { rport: number }).rport === 2000).map((r) => panel.history[r.id]);
  assert.deepEqual(hist, sumHistories(members));
});

test('sumHistories: aligned on the newest point; gaps stay gaps only where no member has a value', () => {
  assert.deepEqual(sumHistories([[1, 2, 3], [null, 5], undefined, [7]]), [1, 2, 15]);
  assert.deepEqual(
    sumHistories([
      [1, 2],
      [3, null, 4],
    ]),
    [3, 1, 6],
  );
  assert.deepEqual(sumHistories([[null, null], [null]]), [null, null]);
  assert.deepEqual(sumHistories([]), []);
});

function bioRow(id: string, pid: number, disk: string, minor: number, op: BiotopRow['op'], io: number, avg: number, hist: number[]): BiotopRow {
  return {
    id,
    pid,
    comm: `p${pid}`,
    cgroup: `/p${pid}`,
    workload: `p${pid}`,
    op,
    major: 7,
    minor,
    disk,
    io,
    bytes: io * 4096,
    avg_lat_ns: avg,
    await_ns: avg * 2,
    p99_lat_ns: null,
    io_per_s: io,
    bytes_per_s: io * 4096,
    lat_hist: hist,
  };
}

test('biotop by disk: requests summed, latencies averaged over the requests (not over the rows), p99 from the merged histogram', () => {
  // loop0: 1 request of 1000 ns and 99 of 100 ns; the mean of the rows' means would be 550, over the requests 109.
  const h1 = new Array(32).fill(0);
  h1[9] = 1; // 512..1023
  const h2 = new Array(32).fill(0);
  h2[6] = 99; // 64..127
  const rows = [
    bioRow('x', 1, 'loop0', 0, 'write', 1, 1000, h1),
    bioRow('y', 2, 'loop0', 0, 'read', 99, 100, h2),
    bioRow(
      'z',
      1,
      'loop1',
      1,
      'read',
      3,
      50,
      h2.map((n) => (n ? 3 : 0)),
    ),
  ];
  const v = groupView(biotopPanel, frameOf('biotop', rows), biotopPanel.groupings![0]!);
  const loop0 = v.panel.rows.find((r) => (r as BiotopRow).disk === 'loop0') as BiotopRow;
  assert.equal(loop0.io, 100);
  assert.equal(loop0.bytes, 100 * 4096);
  assert.equal(loop0.avg_lat_ns, (1000 + 99 * 100) / 100);
  assert.equal(loop0.await_ns, (2000 + 99 * 200) / 100);
  // 99 of 100 in the 64..127 bucket: the 99th percentile is there, under 128 ns.
  assert.equal(loop0.p99_lat_ns, 127);
  assert.equal(loop0.lat_hist[9], 1);
  assert.equal(loop0.lat_hist[6], 99);
  assert.equal(loop0.io_per_s, 100);
  assert.deepEqual(v.spec.columns.map((c) => c.key).slice(0, 2), ['disk', 'group_rows']);
  assert.equal(v.panel.rows.length, 2);
  assert.equal(
    weightedMean(
      [{ v: null, n: 1 }],
      (r) => r.v,
      (r) => r.n,
    ),
    null,
    'no latency: no mean',
  );
});

test('filetop by process: calls and bytes summed over its files; the file columns left out', () => {
  const f = (id: string, pid: number, path: string, reads: number, rb: number): FiletopRow => ({
    id,
    cgroup: '',
    workload: '',
    pid,
    comm: `c${pid}`,
    type: 'R',
    path,
    major: 8,
    minor: 1,
    ino: 1,
    reads,
    writes: 1,
    read_bytes: rb,
    write_bytes: 10,
    read_bytes_per_s: rb,
    write_bytes_per_s: null,
  });
  const rows = [f('1', 5, '/a', 2, 100), f('2', 5, '/b', 3, 200), f('3', 6, '/a', 1, 1)];
  const v = groupView(filetopPanel, frameOf('filetop', rows), filetopPanel.groupings![0]!);
  const p5 = v.panel.rows.find((r) => (r as FiletopRow).pid === 5) as FiletopRow;
  assert.deepEqual([p5.reads, p5.writes, p5.read_bytes, p5.write_bytes, p5.read_bytes_per_s, p5.write_bytes_per_s], [5, 2, 300, 20, 300, null]);
  assert.equal(
    v.spec.columns.some((c) => c.key === 'path' || c.key === 'type'),
    false,
  );
  assert.equal(v.spec.detail.find((d) => d.label === 'rows')!.value(p5), '2: /a; /b');
});

test('t steps through the groupings, then back to single rows; a panel without groupings ignores it', () => {
  const ctx: UiContext = {
    panelIds: ['tcptop'],
    rowIds: ['a'],
    pageRows: 10,
    columnKeys: ['pid'],
    defaultSort: { key: 'total', descending: true },
    groupings: 2,
  };
  let s = initialUiState(['tcptop']);
  const steps: (number | undefined)[] = [];
  for (let i = 0; i < 3; i++) {
    s = reduce(s, { type: 'group' }, ctx);
    steps.push(s.panels.tcptop?.group);
  }
  assert.deepEqual(steps, [0, 1, undefined]);
  const none = reduce(initialUiState(['tcptop']), { type: 'group' }, { ...ctx, groupings: 0 });
  assert.equal(none.panels.tcptop?.group, undefined);
  // Grouping closes a detail view: its row is gone from the grouped table.
  const open = { ...initialUiState(['tcptop']), detail: true };
  assert.equal(reduce(open, { type: 'group' }, ctx).detail, false);
});
