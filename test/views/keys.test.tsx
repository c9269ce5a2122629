/**
 * The console with colour forced on (the selection and dim rows are visible only as attributes): keys typed fast, a
 * paste, wide and hostile names, quiet rows.
 */
import '../helpers/force-color.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../helpers/ink.js';
import stringWidth from 'string-width';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { App } from '../../views/App.js';
import { PanelView } from '../../views/PanelView.js';
import { fakeKernel, setMap } from '../helpers/fake-addon.js';
import { CATALOG, fixtureFrame, TCPTOP, tcptopEntries, tcptopPanel, testEngine } from '../helpers/fixtures.js';
import { until } from '../helpers/screen.js';
import { homeFrame } from '../helpers/checklist.js';
import type { ChecklistRow } from '../../src/models/checklist.js';

function storeOf(frame: Frame) {
  return { subscribe: () => () => {}, getSnapshot: () => frame };
}

const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

/** The name in the first cell of the highlighted (selected) row: the one drawn on a cyan background. */
function selectedRow(r: { lastFrame: () => string | undefined }): string {
  const line = (r.lastFrame() ?? '').split('\n').find((l) => l.includes('\x1b[46m'));
  return line ? plain(line).trim().split(/\s+/)[0]! : '';
}

const view = (panel: PanelFrame, width = 80) => {
  const spec = CATALOG.spec(panel.id)!;
  return render(<PanelView spec={spec} panel={panel} rows={panel.rows} sort={spec.defaultSort} width={width} height={10} selected={0} />);
};

test('every key in one read counts: jj moves two rows, three Down arrows three, a pasted text runs nothing', async () => {
  let quit = 0;
  const r = render(<App store={storeOf(await fixtureFrame())} catalog={CATALOG} width={100} height={30} hostname="h" intervalS={1} onQuit={() => quit++} />);
  const sel = async (name: string): Promise<void> => {
    await until(r.lastFrame, () => selectedRow(r) === name, `the selection on ${name}`);
  };
  await sel('net_rx');
  r.stdin.write('jj');
  await sel('sched');
  r.stdin.write('\x1b[B\x1b[B\x1b[B');
  await sel('net_tx');
  r.stdin.write('k');
  await sel('block');
  r.stdin.write('\x1b[200~qqq\x1b[201~');
  r.stdin.write('k');
  await sel('rcu');
  assert.equal(quit, 0, 'the pasted q did not quit');
  r.unmount();
});

test('a process named in wide characters leaves the header and the summary on screen', async () => {
  const kernel = fakeKernel();
  const t = testEngine([tcptopPanel], { kernel });
  const wide = (rx: bigint) =>
    setMap(
      kernel,
      'tcptop_conns',
      TCPTOP.key.size,
      TCPTOP.val.size,
      tcptopEntries([
        { sk: 1n, pid: 7, lport: 1, rport: 2, rx, tx: 0n, family: 2, laddr: [127, 0, 0, 1], raddr: [127, 0, 0, 1], comm: '日本語日本' },
        { sk: 2n, pid: 8, lport: 3, rport: 4, rx, tx: 0n, family: 2, laddr: [127, 0, 0, 1], raddr: [127, 0, 0, 1], comm: 'a\u202eevil' },
      ]),
    );
  setMap(kernel, 'tcptop_stats', 4, 8, [], 3);
  setMap(kernel, 'tcptop_big', TCPTOP.key.size, TCPTOP.val.size, [], 4096);
  wide(0n);
  await t.engine.open();
  wide(1000n);
  t.engine.tick();
  for (const width of [80, 120]) {
    const r = render(<App store={t.engine.store} catalog={CATALOG} width={width} height={12} hostname="h" intervalS={1} onQuit={() => {}} />);
    const screen = r.lastFrame() ?? '';
    const lines = screen.split('\n');
    assert.ok(lines.length <= 12, `${lines.length} lines at ${width}`);
    assert.ok(
      lines.every((l) => stringWidth(l) <= width),
      `no line wider than ${width}`,
    );
    assert.match(screen, /2 active connections/, 'the summary is there');
    assert.match(screen, /PID\s+COMM/, 'and the header');
    assert.match(screen, /日本語/);
    assert.match(screen, /a\\u\{202e\}/, 'a right-to-left override is shown escaped');
    assert.doesNotMatch(screen, /\u202e/);
    r.unmount();
  }
  t.engine.close();
});

test('a quiet connection is listed dimmed; a summary that warns wraps instead of being cut', async () => {
  const p = (await fixtureFrame()).panels[1]!;
  const rows = [{ ...p.rows[0]!, quiet_ns: 4e9, rx_bytes: 0, tx_bytes: 0 }, ...p.rows.slice(1)];
  const text =
    '3 active connections, RX 4.77 MiB/s, TX 143.07 MiB/s, map 65536/65536; totals incomplete: 12 dropped since start (map full: 10 entries evicted, 2 events not stored)';
  const panel: PanelFrame = { ...p, rows, summary: { text, values: {}, warning: true } };
  const r = view(panel, 80);
  const screen = r.lastFrame() ?? '';
  assert.match(plain(screen).replace(/\s+/g, ' '), /totals incomplete: 12 dropped since start \(map full: 10 entries evicted, 2 events not stored\)/);
  const warned = screen.split('\n').filter((l) => l.includes('\x1b[31m'));
  assert.ok(warned.length >= 2 && warned.every((l) => !l.includes('TOTAL')), 'the summary, wrapped, is red (the flag), the table not');
  r.unmount();
  // The same text without the flag is no warning: the views read the flag, not the words.
  const calm = view({ ...panel, summary: { text, values: {} } }, 80);
  assert.ok(!(calm.lastFrame() ?? '').includes('\x1b[31m'));
  calm.unmount();
  const { Table } = await import('../../views/Table.js');
  const spec = CATALOG.spec('tcptop')!;
  const t = render(<Table spec={spec} panel={panel} rows={rows} sort={spec.defaultSort} width={100} height={6} selected={1} />);
  const firstRow = (t.lastFrame() ?? '').split('\n')[1]!;
  assert.match(firstRow, /^\x1b\[2m/, 'the quiet row is dim');
  t.unmount();
});

test('NO_COLOR: no colour codes at all; the selection is inverse video', async () => {
  process.env.NO_COLOR = '1';
  try {
    const r = render(<App store={storeOf(await fixtureFrame())} catalog={CATALOG} width={100} height={30} hostname="h" intervalS={1} onQuit={() => {}} />);
    const out = r.lastFrame() ?? '';
    assert.doesNotMatch(out, /\x1b\[(3[0-7]|4[0-7]|9[0-7]|10[0-7])m/, 'no foreground or background colour');
    const selected = out.split('\n').find((l) => l.includes('\x1b[7m') && /net_rx/.test(l));
    assert.ok(selected, 'the selected row (net_rx) in inverse video');
    r.unmount();
  } finally {
    delete process.env.NO_COLOR;
  }
});

test('NO_COLOR: bad rows are bold and look rows underlined (what red and yellow said); ok rows are plain', async () => {
  process.env.NO_COLOR = '1';
  try {
    const base = await homeFrame();
    // The synthetic machine has no bad step: vmstat is made one (the verdict is all the view reads).
    const rows = base.panels[0]!.rows as unknown as readonly ChecklistRow[];
    const home = { ...base.panels[0]!, rows: rows.map((r) => (r.step === 3 ? { ...r, verdict: 'bad' as const } : r)) };
    const frame = { ...base, panels: [home, ...base.panels.slice(1)] };
    const r = render(<App store={storeOf(frame)} catalog={CATALOG} width={120} height={40} hostname="h" intervalS={1} onQuit={() => {}} />);
    const lines = (r.lastFrame() ?? '').split('\n');
    const seen = new Set<string>();
    for (const row of home.rows as readonly ChecklistRow[]) {
      const line = lines.find((l) => plain(l).startsWith(`${String(row.step).padStart(2)} ${row.id.split('-')[0]}`));
      assert.ok(line, `step ${row.step} is on screen`);
      if (line.includes('\x1b[7m')) continue; // the selection: inverse video
      seen.add(row.verdict);
      assert.equal(line.includes('\x1b[1m'), row.verdict === 'bad', `step ${row.step} (${row.verdict}): bold only when bad`);
      assert.equal(line.includes('\x1b[4m'), row.verdict === 'look', `step ${row.step} (${row.verdict}): underlined only when look`);
    }
    assert.ok(seen.has('bad') && seen.has('look') && seen.has('ok'), `the fixture has all three verdicts off the selection (${[...seen].join(' ')})`);
    assert.doesNotMatch(lines.join('\n'), /\x1b\[(3[0-7]|4[0-7]|9[0-7]|10[0-7])m/, 'no colour');
    r.unmount();
  } finally {
    delete process.env.NO_COLOR;
  }
});

test('colour draws the eye to magnitude: MiB cyan, GiB red, slow latencies yellow; selected and toned rows keep their own colour', async () => {
  const p = (await fixtureFrame()).panels[1]!;
  // rsync's TX (143M) and TOTAL are in MiB; nginx's RX is 4.8M; a made-up row moves 2 GiB.
  const big = { ...p.rows[2]!, id: 'big', rx_bytes: 2 * 2 ** 30, tx_bytes: 0 };
  const rows = [...p.rows, big];
  const { Table } = await import('../../views/Table.js');
  const spec = CATALOG.spec('tcptop')!;
  const t = render(<Table spec={spec} panel={{ ...p, rows }} rows={rows} sort={spec.defaultSort} width={100} height={8} selected={3} elapsedNs={1e9} />);
  const lines = (t.lastFrame() ?? '').split('\n');
  const rsync = lines.find((l) => plain(l).includes('rsync'))!;
  assert.match(rsync, /\x1b\[36m\s*143M\x1b\[39m +\x1b\[36m\s*143M\x1b\[39m/, 'TX and TOTAL in MiB: cyan');
  assert.doesNotMatch(rsync, /\x1b\[36m\s*2\.9K/, 'KiB: plain');
  const ssh = lines.find((l) => plain(l).includes('64B'))!;
  assert.doesNotMatch(ssh, /\x1b\[3\dm/, 'a small row has no colour');
  // The selected row (the 2 GiB one, index 3) is black on cyan, without magnitude colours inside it.
  const sel = lines.find((l) => l.includes('\x1b[46m'))!;
  assert.match(plain(sel), /2\.0G/);
  assert.doesNotMatch(sel, /\x1b\[31m/);
  t.unmount();
  const t2 = render(<Table spec={spec} panel={{ ...p, rows }} rows={rows} sort={spec.defaultSort} width={100} height={8} selected={0} elapsedNs={1e9} />);
  const bigLine = (t2.lastFrame() ?? '').split('\n').find((l) => plain(l).includes('2.0G'))!;
  assert.match(bigLine, /\x1b\[31m\s*2\.0G\x1b\[39m/, 'GiB: red');
  t2.unmount();
  // Latency: biotop's AVG of 20 ms yellow, 2 s red.
  const { magnitudeColor } = await import('../../views/text.js');
  assert.deepEqual(
    [
      magnitudeColor('latency', 5e6),
      magnitudeColor('latency', 2e7),
      magnitudeColor('latency', 2e9),
      magnitudeColor('count', 2e6),
      magnitudeColor(undefined, 1e12),
      magnitudeColor('bytes', null),
    ],
    [undefined, 'yellow', 'red', 'cyan', undefined, undefined],
  );
});

test('a table with no room under its header says how many rows it has, not a header over nothing', async () => {
  const p = (await fixtureFrame()).panels[1]!;
  const { Table } = await import('../../views/Table.js');
  const spec = CATALOG.spec('tcptop')!;
  const t = render(<Table spec={spec} panel={p} rows={p.rows} sort={spec.defaultSort} width={80} height={1} selected={0} elapsedNs={1e9} />);
  assert.equal(plain(t.lastFrame() ?? '').trim(), `(${p.rows.length} rows: no room to show them; a taller terminal shows them)`);
  t.unmount();
});
