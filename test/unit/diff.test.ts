/** `sixty diff A B`: rows matched by id and ranked by how far their figure moved; new and gone rows; its arguments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, PanelFrame } from '../../src/frame.js';
import { diffFrames, diffPanel } from '../../src/models/diff.js';
import { parseDiffArgs, runDiff, splitMoment } from '../../src/modes/diff.js';
import { homePanel } from '../../src/panels/home.js';
import { panelById } from '../../src/panels/registry.js';
import { tcptopPanel } from '../../src/panels/tcptop.js';
import { snapshotDocument } from '../../src/persist/snapshot.js';
import type { Lifecycle } from '../../src/lifecycle.js';
import { UserError } from '../../src/errors.js';
import { CATALOG, fixtureFrames } from '../helpers/fixtures.js';

const FRAMES = await fixtureFrames(12);
const tcp = (f: Frame): PanelFrame => f.panels.find((p) => p.id === tcptopPanel.id)!;

/** Frame `f` with tcptop's rows changed by `edit`. */
function withTcp(f: Frame, edit: (rows: PanelFrame['rows']) => PanelFrame['rows']): Frame {
  return { ...f, panels: f.panels.map((p) => (p.id === tcptopPanel.id ? { ...p, rows: edit(p.rows) } : p)) };
}

test('a panel: the row that moved most first; a row only in B is new, only in A gone; a row that did not move is left out', () => {
  const a = FRAMES[5]!;
  const rows = tcp(a).rows as (PanelFrame['rows'][number] & Record<string, unknown>)[];
  assert.ok(rows.length >= 2, 'the fixture has connections');
  const [first, second] = rows as [Record<string, unknown> & { id: string }, Record<string, unknown> & { id: string }];
  // B: a new connection moving far more than any, the first connection gone, the rest as they were.
  const big = { ...first, id: 'new-conn', comm: 'bigsender', pid: 99999, lport: 1, rx_bytes: 0, tx_bytes: 1e13 };
  const b = withTcp(a, (rs) => [big as never, ...rs.filter((r) => r.id !== first.id)]);
  const d = diffPanel(tcptopPanel as never, tcp(a), tcp(b), 10)!;
  assert.equal(d.rows[0]!.id, 'new-conn');
  assert.equal(d.rows[0]!.change, 'new');
  assert.equal(d.rows[0]!.b, tcptopPanel.trend(big as never));
  assert.match(d.rows[0]!.label, /bigsender/);
  const gone = d.rows.find((r) => r.id === first.id);
  assert.equal(gone?.change, 'gone');
  assert.equal(gone?.b, 0);
  assert.ok(!d.rows.some((r) => r.id === second.id), 'a row that did not move is not listed');
  assert.equal(diffPanel(tcptopPanel as never, tcp(a), tcp(a), 10), null, 'nothing moved: no panel');
  // --top bounds the rows.
  assert.equal(diffPanel(tcptopPanel as never, tcp(a), tcp(b), 1)!.rows.length, 1);
});

test('two runs number their connections each on its own: rows are matched by the connection, not by its id there', () => {
  const a = FRAMES[5]!;
  const [first, second] = tcp(a).rows as (Record<string, unknown> & { id: string; tx_bytes: number })[] as [
    Record<string, unknown> & { id: string; tx_bytes: number },
    Record<string, unknown> & { id: string; tx_bytes: number },
  ];
  // A: one run's c1 is `first`. B, another run: its c1 is a new sender, and `first` (moving more) is its c2.
  const before = withTcp(a, () => [{ ...first, id: 'c1' } as never]);
  const sender = { ...second, id: 'c1', comm: 'sender', pid: 99999, lport: 1, rx_bytes: 0, tx_bytes: 1e12 };
  const after = withTcp(a, () => [sender as never, { ...first, id: 'c2', tx_bytes: (first.tx_bytes ?? 0) + 1e9 } as never]);
  const d = diffPanel(tcptopPanel as never, tcp(before), tcp(after), 10)!;
  assert.deepEqual(
    d.rows.map((r) => [r.id, r.change]),
    [
      ['c1', 'new'],
      ['c2', 'up'],
    ],
  );
  // Named by its process and ends, not by the run's number.
  assert.match(d.rows[0]!.label, /^sender .* 99999 \S+:1 → \S+:\d+$/);
  assert.ok(!d.rows[0]!.label.includes('(c1)'), d.rows[0]!.label);
  // One run's connection that used its ports again: both rows kept, in their order.
  const twice = withTcp(a, () => [{ ...first, id: 'c1' } as never, { ...first, id: 'c9', tx_bytes: 5e9 } as never]);
  assert.deepEqual(
    diffPanel(tcptopPanel as never, tcp(before), tcp(twice), 10)!.rows.map((r) => [r.id, r.change]),
    [['c9', 'new']],
  );
});

test('frames: the panels in tab order with what moved; the checklist compared when both have it', () => {
  const a = FRAMES[3]!;
  const b = FRAMES[10]!;
  const d = diffFrames(a, b, panelById, { top: 5, home: homePanel.id });
  assert.deepEqual(d.steps, [], 'no home panel in these frames');
  assert.ok(d.panels.length > 0);
  for (const p of d.panels) {
    assert.ok(p.rows.length <= 5);
    for (let i = 1; i < p.rows.length; i++) assert.ok(Math.abs(p.rows[i - 1]!.b - p.rows[i - 1]!.a) >= Math.abs(p.rows[i]!.b - p.rows[i]!.a));
  }
  const order = b.panels.map((p) => p.id).filter((id) => d.panels.some((x) => x.panel === id));
  assert.deepEqual(
    d.panels.map((p) => p.panel),
    order,
  );
});

test('sixty diff of two snapshots: text and JSON rank the new sender first; bad arguments are one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixty-diff-'));
  try {
    const meta = { host: { hostname: 'h', kernel: '6.18', cpus: 2 }, sixty: '0.1.0', intervalS: 1, createdAt: FRAMES[5]!.time };
    const a = FRAMES[5]!;
    const first = tcp(a).rows[0] as unknown as Record<string, unknown>;
    const b = withTcp(a, (rs) => [{ ...first, id: 'new-conn', comm: 'bigsender', pid: 99999, lport: 1, tx_bytes: 1e13 } as never, ...rs]);
    writeFileSync(join(dir, 'a.json'), JSON.stringify(snapshotDocument(meta, a, CATALOG)));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(snapshotDocument(meta, b, CATALOG)));
    let out = '';
    const life = { emit: (s: string) => (out += s) } as unknown as Lifecycle;
    assert.equal(runDiff(life, [join(dir, 'a.json'), join(dir, 'b.json'), '--format', 'json', '--panels', 'tcptop']), 0);
    const j = JSON.parse(out) as { panels: { panel: string; rows: { id: string; change: string }[] }[] };
    assert.deepEqual(
      j.panels.map((p) => p.panel),
      ['tcptop'],
    );
    assert.deepEqual(j.panels[0]!.rows[0], { ...j.panels[0]!.rows[0]!, id: 'new-conn', change: 'new' });
    out = '';
    runDiff(life, [join(dir, 'a.json'), join(dir, 'b.json')]);
    const tcpLines = out.split('\n').slice(out.split('\n').findIndex((l) => l.startsWith('tcptop:')));
    assert.match(tcpLines[1]!, /^ {2}new .*bigsender/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const now = Date.UTC(2026, 11, 7, 3, 0, 0);
  assert.deepEqual(splitMoment('/no/such/rec@10m ago', now), { path: '/no/such/rec', at: now - 600_000 });
  assert.deepEqual(splitMoment('/no/such/rec', now), { path: '/no/such/rec', at: null });
  assert.equal(parseDiffArgs(['--help']), 'help');
  for (const [argv, re] of [
    [['a'], /give two snapshots or recordings, A and B \(1 given/],
    [['a', 'b', 'c'], /3 given/],
    [['a', 'b', '--format', 'xml'], /invalid format 'xml': text or json/],
    [['a', 'b', '--top', '0'], /invalid --top '0'/],
    [['a', 'b', '--panels', 'nope'], /unknown panel 'nope'/],
    [['a', 'b', '--bogus'], /unknown option '--bogus'/],
  ] as [string[], RegExp][])
    assert.throws(
      () => parseDiffArgs(argv),
      (e: unknown) => e instanceof UserError && re.test(e.message),
      argv.join(' '),
    );
});
