import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../helpers/ink.js';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { App } from '../../views/App.js';
import { PanelView } from '../../views/PanelView.js';
import { renderFrameText, renderPanelText, statusLine } from '../../views/text.js';
import { fakeKernel, setMap } from '../helpers/fake-addon.js';
import { CATALOG, fixtureFrame, softirqsEntries, softirqsPanel, SOFTIRQS_VAL, tcptopPanel, testEngine } from '../helpers/fixtures.js';
import { assertGolden } from '../helpers/golden.js';
import { homeFrame } from '../helpers/checklist.js';
import { until } from '../helpers/screen.js';

function storeOf(frame: Frame) {
  return { subscribe: () => () => {}, getSnapshot: () => frame };
}

function app(frame: Frame, width: number, height: number, onQuit = () => {}) {
  return render(<App store={storeOf(frame)} catalog={CATALOG} width={width} height={height} hostname="host1" intervalS={1} onQuit={onQuit} />);
}

const view = (panel: PanelFrame, width = 80) => {
  const spec = CATALOG.spec(panel.id)!;
  return render(<PanelView spec={spec} panel={panel} rows={panel.rows} sort={spec.defaultSort} width={width} height={10} selected={0} />);
};

for (const width of [80, 120]) {
  test(`softirqs panel at ${width} columns`, async () => {
    const r = app(await fixtureFrame(), width, 20);
    assertGolden(`softirqs-${width}`, r.lastFrame() ?? '');
    r.unmount();
  });

  test(`tcptop panel at ${width} columns`, async () => {
    const r = app(await fixtureFrame(), width, 16);
    r.stdin.write('\t');
    const out = await until(r.lastFrame, (s) => s.includes('COMM'), 'the tcptop table');
    assertGolden(`tcptop-${width}`, out);
    r.unmount();
  });

  test(`mpstat panel at ${width} columns`, async () => {
    const r = app(await fixtureFrame(), width, 16);
    r.stdin.write('\x1b[Z'); // Shift-Tab: from the first panel to the last
    const out = await until(r.lastFrame, (s) => s.includes('%iowait'), 'the mpstat table');
    assertGolden(`mpstat-${width}`, out);
    r.unmount();
  });
}

for (const [width, height] of [
  [80, 24],
  [120, 40],
] as const) {
  test(`home: the 60-second checklist and the host's meters at ${width}×${height}`, async () => {
    const r = app(await homeFrame(), width, height);
    const out = r.lastFrame() ?? '';
    assertGolden(`home-${width}`, out);
    assert.ok(out.split('\n').every((l) => [...l].length <= width));
    r.unmount();
  });
}

test('the smallest terminal, 60×10: home keeps READING (the sparkline gives way first) and its summary; a panel keeps its summary', async () => {
  const r = app(await homeFrame(), 60, 10);
  const out = r.lastFrame() ?? '';
  assertGolden('home-60x10', out);
  const lines = out.split('\n');
  assert.ok(lines.length <= 10 && lines.every((l) => [...l].length <= 60));
  assert.match(out, /READING/);
  assert.doesNotMatch(out, /TREND/);
  assert.match(out, /^look: uptime/m, "home's summary");
  r.stdin.write('\t');
  const soft = await until(r.lastFrame, (s) => s.includes('all vectors'), 'softirqs');
  assertGolden('softirqs-60x10', soft);
  assert.match(soft, /^all vectors: /m, "the summary's first line");
  r.unmount();
});

test('home: 4 then Enter opens the panel that explains mpstat; h comes back', async () => {
  const r = app(await homeFrame(), 100, 30);
  r.stdin.write('4\r');
  await until(r.lastFrame, (s) => /softirqs( in kernel [^[]*)? \[tp_btf/.test(s), 'softirqs, the first panel of the fixture that explains mpstat');
  r.stdin.write('h');
  await until(r.lastFrame, (s) => /CHECK\s+VERDICT/.test(s), 'home again');
  r.unmount();
});

test("Enter opens the selected row's detail: its fields and its history as a chart; Esc goes back", async () => {
  const r = app(await fixtureFrame(), 100, 40);
  r.stdin.write('\r');
  const out = await until(r.lastFrame, (s) => s.includes('history of time in softirqs'), 'the detail view');
  assert.match(out, /^softirqs: net_rx {2}\(Esc or q back/m);
  assert.match(out, /^ {2}count +4500$/m);
  assert.match(out, /┼|┤/, 'an asciichart chart');
  // Its axis in the series' unit (time in ns: ms and us, not M and K), from 0.
  assert.match(out, /\d(\.\d+)?(ms|us)\s+[┼┤]/);
  assert.match(out, /^\s+0ns [┼┤]/m, 'the baseline is 0');
  // The key line says what works here.
  assert.match(out, /Esc q back to the table/);
  assert.doesNotMatch(out, /<> sort/);
  r.stdin.write('\x1b');
  await until(r.lastFrame, (s) => s.includes('TIME/s▼'), 'the table again');
  r.unmount();
});

test('help scrolls at 80×24: nothing is cut, the last line says how much more', async () => {
  const r = app(await fixtureFrame(), 80, 24);
  r.stdin.write('?');
  const first = await until(r.lastFrame, (s) => s.includes('more lines'), 'the help, with more below');
  assert.match(first, /^softirqs: columns$/m);
  r.stdin.write('\x1b[F'); // End
  const end = await until(r.lastFrame, (s) => s.includes('softirqs: blind spots'), 'the end of the help');
  assert.doesNotMatch(end, /more lines/);
  r.unmount();
});

test('error and off states show the reason and the tiers tried', async () => {
  const frame = await fixtureFrame();
  const err: PanelFrame = {
    ...frame.panels[1]!,
    status: 'error',
    reason: 'no hook tier attached',
    rows: [],
    attempts: [
      { tier: 'fentry', reason: 'fexit unavailable (load: probe.bpf.o: Operation not permitted)' },
      { tier: 'kprobe', reason: 'kprobe unavailable (attach: probe_kprobe: No such file or directory)' },
    ],
  };
  const r = view(err);
  assertGolden('tcptop-error-80', r.lastFrame() ?? '');
  r.unmount();
  const off: PanelFrame = { ...frame.panels[0]!, status: 'off', reason: 'BPF panels need root; run sudo sixty', rows: [] };
  const r2 = view(off);
  assert.equal(r2.lastFrame(), 'softirqs: off: BPF panels need root; run sudo sixty');
  r2.unmount();
});

test('empty panel says there was no activity', async () => {
  const frame = await fixtureFrame();
  const r = view({ ...frame.panels[1]!, rows: [] });
  assert.match(r.lastFrame() ?? '', /\(no activity in this interval\)/);
  r.unmount();
});

test('keys: sort moves the marker and re-sorts the rows, help lists columns and hooks, q quits', async () => {
  let quit = 0;
  const r = render(<App store={storeOf(await fixtureFrame())} catalog={CATALOG} width={100} height={40} hostname="h" intervalS={1} onQuit={() => quit++} />);
  const firstRow = (s: string): string =>
    s
      .split('\n')
      .find((l) => /^[a-z_]+\s+\d/.test(l))
      ?.split(/\s+/)[0] ?? '';
  assert.equal(firstRow(r.lastFrame()!), 'net_rx', 'by TIME, descending');
  r.stdin.write('>');
  await until(r.lastFrame, (s) => s.includes('AVG▼'), 'the AVG sort marker');
  assert.equal(firstRow(r.lastFrame()!), 'block', 'by AVG: block 18.0us');
  r.stdin.write('r');
  const asc = await until(r.lastFrame, (s) => s.includes('AVG▲'), 'the ascending marker');
  assert.equal(firstRow(asc), 'hi', 'ascending: the vector with the shortest average (333ns) first, nulls last');
  r.stdin.write('?');
  // The panel's own columns first, then the keys.
  const help = await until(
    r.lastFrame,
    (s) => /^softirqs: columns$/m.test(s) && /TIME\/s\s+time between softirq_entry and softirq_exit/.test(s),
    'the columns in the help',
  );
  assert.ok(help.indexOf('softirqs: columns') < help.search(/^keys$/m) || !/^keys$/m.test(help), 'columns before the keys');
  r.stdin.write('\x1b[F'); // End: the help scrolls to its last lines
  const end = await until(r.lastFrame, (s) => s.includes('blind spots'), 'the end of the help');
  // Tier names apart from what they hook (fentry_page ran into its hooks).
  assert.match(end, /\* tp_btf {2,}tp_btf softirq_entry \+ softirq_exit/);
  r.stdin.write('q');
  await until(r.lastFrame, (s) => s.includes('AVG▲') && !s.includes('blind spots'), 'q closing the help');
  assert.equal(quit, 0, 'q in the help closes it, not sixty');
  r.stdin.write('q');
  await until(
    () => String(quit),
    (s) => s === '1',
    'onQuit',
  );
  r.unmount();
});

test('paused, the screen holds its frame while ticks go on; resumed, it follows again', async () => {
  const kernel = fakeKernel();
  const t = testEngine([softirqsPanel], { kernel });
  const step = (k: number): void =>
    setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([[1, BigInt(100 * k * k), BigInt(1000 * k * k)]]), 10);
  step(0);
  await t.engine.open();
  for (let k = 1; k <= 2; k++) {
    step(k);
    t.engine.tick();
  }
  const r = render(<App store={t.engine.store} catalog={CATALOG} width={100} height={20} hostname="h" intervalS={1} onQuit={() => {}} />);
  const timerLine = (s: string): string => s.split('\n').find((l) => l.startsWith('timer'))!;
  const before = await until(r.lastFrame, (s) => /^timer\s+300\s/m.test(s), 'the second interval');
  r.stdin.write(' ');
  await until(r.lastFrame, (s) => s.includes('[PAUSED]'), 'the pause badge');
  for (let k = 3; k <= 6; k++) {
    step(k);
    t.engine.tick();
  }
  r.stdin.write('r'); // a key that re-renders with the latest store value underneath
  const during = await until(r.lastFrame, (s) => s.includes('TIME/s▲'), 'the reversed sort');
  assert.equal(timerLine(during), timerLine(before), 'count, time and the sparkline did not move');
  r.stdin.write(' ');
  const after = await until(r.lastFrame, (s) => !s.includes('[PAUSED]'), 'resuming');
  assert.match(timerLine(after), /^timer\s+1100\s/, 'the latest interval: 100 × (36 − 25)');
  r.unmount();
  t.engine.close();
});

test('a terminal that is too small gets a message, not a broken table', async () => {
  const r = app(await fixtureFrame(), 50, 8);
  assert.equal(r.lastFrame(), 'terminal too small: 50×8, sixty needs 60×10');
  r.unmount();
});

test('batch text: the same columns and summaries as the UI, no escape codes, kernel names escaped', async () => {
  const text = renderFrameText(CATALOG, await fixtureFrame(), 120);
  assert.doesNotMatch(text, /\x1b/);
  assert.ok(text.includes('ssh\\x1b[31m'));
  assert.ok(text.includes('3 active connections, RX 4.77 MiB/s'));
  assertGolden('batch-text-120', text);
  const head = renderFrameText(CATALOG, await fixtureFrame(), 120, { host: 'host1 6.18.0' }).split('\n')[0];
  assert.equal(
    head,
    '--- 2026-11-25T12:00:03.000Z  interval 1.000s  host1 6.18.0  sixty 1.2% CPU 100M  bpf ~0.09% est',
    'its in-kernel cost estimated from its events (stats off)',
  );
  const noTrend = renderFrameText(CATALOG, await fixtureFrame(), 120, { trend: false });
  assert.doesNotMatch(noTrend, /TREND|[▁▂▃▄▅▆▇█]/, '--no-trend: no sparkline column');
});

test("the export's text has every reading whole (a long kernel message is not cut at the screen's width)", async () => {
  const base = await homeFrame();
  const message = `1018 s ago: ${'nvme0n1: I/O 123 QID 4 timeout, aborting; '.repeat(6)}end of message`;
  const home = {
    ...base.panels[0]!,
    rows: base.panels[0]!.rows.map((r) => (r.id === 'dmesg' ? { ...r, reading: `1 error in 10 min, 1 new; ${message}` } : r)),
  };
  const frame = { ...base, panels: [home, ...base.panels.slice(1)] };
  const whole = renderFrameText(CATALOG, frame, 160, { whole: true });
  const line = whole.split('\n').find((l) => l.startsWith(' 2 dmesg'))!;
  assert.ok(line.includes(message), 'the message whole, to its end');
  const cut = renderFrameText(CATALOG, frame, 160)
    .split('\n')
    .find((l) => l.startsWith(' 2 dmesg'))!;
  assert.ok(!cut.includes('end of message') && cut.length <= 160, 'batch text keeps its width');
  // Other panels' lines are as wide as their content needs, not padded to some large width.
  assert.ok(whole.split('\n').every((l) => l === l.trimEnd()));
});

test('TREND shares one scale across the rows: a small row draws small', async () => {
  const f = await fixtureFrame();
  const soft = f.panels[0]!;
  const text = renderPanelText(CATALOG.spec('softirqs')!, soft, 120);
  const trend = (name: string): string =>
    text
      .find((l) => l.startsWith(`${name} `))!
      .split(/\s+/)
      .pop()!;
  assert.match(trend('net_rx'), /█/, 'the biggest row reaches the top');
  assert.doesNotMatch(trend('tasklet'), /[▂▃▄▅▆▇█]/, 'a row 10,000× smaller stays at the bottom');
});

test('drops are shown in the panel line, never silent', async () => {
  const p = (await fixtureFrame()).panels[1]!;
  assert.equal(
    statusLine(tcptopPanel, { ...p, stats: { ...p.stats, map_full_drops: 3, bpf_missed_drops: 0 } }),
    'tcptop [tp_btf sock_send_length + sock_recv_length]  map full drops: 3',
  );
  assert.equal(statusLine(tcptopPanel, p), 'tcptop [tp_btf sock_send_length + sock_recv_length]', 'the tier said once');
  assert.equal(
    statusLine(tcptopPanel, { ...p, tier: 'proc', hooks: '/proc/stat' }),
    'tcptop [proc: /proc/stat]',
    'a hook list that does not start with the tier',
  );
});

test('/ filters the rows by a regular expression over their text; typed text runs no command; Esc clears it', async () => {
  let quit = 0;
  const r = render(<App store={storeOf(await fixtureFrame())} catalog={CATALOG} width={100} height={30} hostname="h" intervalS={1} onQuit={() => quit++} />);
  const names = (s: string): string[] =>
    s
      .split('\n')
      .filter((l) => /^[a-z_]+\s+\d/.test(l))
      .map((l) => l.split(/\s+/)[0]!);
  // "q", "r" and "j" in the text are text: nothing quits, reverses or moves.
  r.stdin.write('/^(net|rcu|qq)');
  await until(r.lastFrame, (s) => s.includes('filter /^(net|rcu|qq)/▏'), 'the filter being typed');
  r.stdin.write('\r');
  const out = await until(r.lastFrame, (s) => s.includes('3 of 10 rows'), 'the filtered table');
  assert.deepEqual(names(out), ['net_rx', 'rcu', 'net_tx']);
  assert.equal(quit, 0);
  r.stdin.write('/\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7fhi(');
  await until(r.lastFrame, (s) => s.includes('filter /hi(/ (not a regular expression: matched as text)▏'), 'an unbalanced pattern, said to be one');
  r.stdin.write('\r');
  const literal = await until(r.lastFrame, (s) => s.includes('0 of 10 rows'), 'taken literally: no row has "hi("');
  assert.deepEqual(names(literal), []);
  // An empty table says why: the filter hid the rows, not a quiet interval.
  assert.match(literal, /\(no row matches \/hi\(\/: 10 rows hidden; Esc clears the filter\)/);
  assert.doesNotMatch(literal, /no activity/);
  r.stdin.write('\x1b');
  const back = await until(r.lastFrame, (s) => !s.includes('filter /'), 'Esc clears the filter');
  assert.equal(names(back).length, 10);
  r.unmount();
});

test('F6 lists the columns to sort by: the cursor starts on the current one, Enter sorts by the chosen one', async () => {
  const r = app(await fixtureFrame(), 100, 30);
  r.stdin.write('\x1b[17~'); // F6
  const menu = await until(r.lastFrame, (s) => s.includes('softirqs: sort by'), 'the sort list');
  assert.match(menu, /^▶ TIME\/s▼ /m, 'the cursor on the current sort column');
  r.stdin.write('\x1b[B'); // Down: AVG
  await until(r.lastFrame, (s) => /^▶ AVG /m.test(s), 'the cursor on AVG');
  r.stdin.write('\r');
  const table = await until(r.lastFrame, (s) => s.includes('AVG▼'), 'the table sorted by AVG');
  assert.doesNotMatch(table, /sort by/);
  r.unmount();
});

test('t groups tcptop by process, then by remote port, then by cgroup, then back to single rows; Enter on a group lists its rows', async () => {
  const r = app(await fixtureFrame(), 80, 24);
  r.stdin.write('\t');
  await until(r.lastFrame, (s) => s.includes('LADDR'), 'the tcptop table');
  r.stdin.write('t');
  const byProcess = await until(r.lastFrame, (s) => s.includes('grouped by process'), 'grouped by process');
  assertGolden('tcptop-grouped-80', byProcess);
  assert.doesNotMatch(byProcess, /LADDR|RPORT/);
  r.stdin.write('\x1b[15~'); // F5: the next grouping
  const byPort = await until(r.lastFrame, (s) => s.includes('grouped by remote port'), 'grouped by remote port');
  assert.match(byPort, /RPORT\s+ROWS/);
  assert.doesNotMatch(byPort, /COMM/);
  r.stdin.write('\r');
  const detail = await until(r.lastFrame, (s) => s.includes('rows: 1: 4243 rsync'), "the group's rows in its detail");
  assert.match(detail, /2001:db8::5:873 → 2001:db8:ffff::1234/);
  r.stdin.write('\x1bt');
  // Then by cgroup: its path and workload name the group, first, whatever the width.
  const byCgroup = await until(r.lastFrame, (s) => s.includes('grouped by cgroup'), 'grouped by cgroup');
  assert.match(byCgroup, /CGROUP\s+WORKLOAD\s+ROWS/);
  // The fake kernel's connections carry no cgroup id: one group, '-'.
  assert.match(byCgroup, /^\s*-\s+-\s+3 /m);
  r.stdin.write('t');
  const single = await until(r.lastFrame, (s) => s.includes('LADDR') && !s.includes('grouped'), 'single rows again');
  assert.match(single, /LADDR/);
  r.unmount();
});

test('keys typed in one read act on the panel the earlier ones went to: Tab then t groups tcptop, Tab then > sorts its columns', async () => {
  const r = app(await fixtureFrame(), 100, 24);
  r.stdin.write('\tt');
  await until(r.lastFrame, (s) => s.includes('grouped by process: 3 groups of 3 rows'), 'tcptop grouped');
  r.unmount();
  const r2 = app(await fixtureFrame(), 100, 24);
  r2.stdin.write('\t<');
  // tcptop's default sort is TOTAL, its last column: one back is TX (softirqs has no TX column).
  await until(r2.lastFrame, (s) => /\bTX\/s▼/.test(s), 'tcptop sorted by TX');
  r2.unmount();
});

test('a notice (a snapshot written, a write that failed) wraps instead of being cut; the badge is asked at each render', async () => {
  const text = "export failed: EROFS: read-only file system, open '/mnt/ro/.sixty-host1-20261125T120003Z.json.4242.tmp'";
  let n = 0;
  const r = render(
    <App
      store={storeOf(await fixtureFrame())}
      catalog={CATALOG}
      width={80}
      height={24}
      hostname="h"
      intervalS={1}
      onQuit={() => {}}
      notice={{ text, error: true }}
      badge={() => `REC ${++n}`}
    />,
  );
  const out = r.lastFrame() ?? '';
  assert.match(out.replace(/\n\s*/g, ' '), /export failed: EROFS: read-only file system, open '\/mnt\/ro\/\.sixty-host1-20261125T120003Z\.json\.4242\.tmp'/);
  assert.match(out, /REC \d+/);
  r.unmount();
});

test('the detail view follows its row: when it leaves the table it stays, marked ended, with its last figures', async () => {
  const first = await fixtureFrame();
  const soft = first.panels[0]!;
  const gone = {
    ...first,
    time: '2026-11-25T12:00:04.000Z',
    panels: [{ ...soft, rows: soft.rows.filter((x) => x.id !== soft.rows[0]!.id) }, ...first.panels.slice(1)],
  };
  let current = first;
  const listeners = new Set<() => void>();
  const store = { subscribe: (f: () => void) => (listeners.add(f), () => listeners.delete(f)), getSnapshot: () => current };
  const r = render(<App store={store} catalog={CATALOG} width={100} height={40} hostname="h" intervalS={1} onQuit={() => {}} />);
  r.stdin.write('\r');
  const id = soft.rows[0]!.id;
  await until(r.lastFrame, (s) => s.includes(`softirqs: ${id}  (Esc`), 'the detail of the top row');
  current = gone;
  for (const f of listeners) f();
  const ended = await until(r.lastFrame, (s) => s.includes('[ENDED'), 'the row marked ended');
  assert.match(ended, new RegExp(`^softirqs: ${id} {2}\\[ENDED`, 'm'), 'the same row, not the one that took its place');
  r.unmount();
});

test("S hides sixty's own rows (by its pid) and says so; S again shows them", async () => {
  const f = await fixtureFrame();
  const tcp = f.panels[1]!;
  const selfPid = (tcp.rows[0] as unknown as { pid: number }).pid;
  const frame = { ...f, self: { cpuPct: 1, rssBytes: 1, pid: selfPid } };
  const r = app(frame, 120, 30);
  r.stdin.write('\t');
  const before = await until(r.lastFrame, (s) => s.includes('RPORT'), 'tcptop');
  const mine = before.split('\n').filter((l) => new RegExp(`^\\s+${selfPid}\\s`).test(l)).length;
  assert.ok(mine > 0);
  r.stdin.write('S');
  const hidden = await until(r.lastFrame, (s) => s.includes("sixty's own rows hidden"), 'the note');
  assert.equal(hidden.split('\n').filter((l) => new RegExp(`^\\s+${selfPid}\\s`).test(l)).length, 0);
  r.stdin.write('S');
  await until(r.lastFrame, (s) => !s.includes("sixty's own rows hidden") && s.split('\n').some((l) => new RegExp(`^\\s+${selfPid}\\s`).test(l)), 'shown again');
  r.unmount();
});
