/** Batch output as scripts see it: JSON lines with --format json, plain text when stdout is not a terminal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tracefsMounted } from '../../src/kernel/tracefs.js';
import { PANELS } from '../../src/panels/registry.js';
import { lines, needsBpf, spawnCli } from '../helpers/kernel.js';

test('sixty --batch --count 3 --format json prints three well-formed frames and exits 0', async (t) => {
  if (!needsBpf(t)) return;
  const out = lines(spawnCli(['--batch', '--count', '3', '--format', 'json', '--interval', '0.3']));
  const { code } = await out.exit;
  assert.equal(code, 0);
  assert.equal(out.stderr(), '');
  assert.equal(out.all.length, 3);
  let last: number | null = null;
  for (const line of out.all) {
    const f = JSON.parse(line) as { time: string; interval_ns: number; panels: Record<string, { status: string; tier: string; rows: unknown[] }> };
    const time = Date.parse(f.time);
    assert.ok(f.interval_ns > 0);
    // interval_ns is measured, not nominal: it is the time between this frame's tick and the one before (the clocks
    // differ in resolution only), whatever the machine's load made of the 0.3 s.
    if (last !== null) assert.ok(Math.abs(f.interval_ns / 1e6 - (time - last)) <= 2, `interval_ns ${f.interval_ns} vs ${time - last} ms between frame times`);
    last = time;
    assert.deepEqual(
      Object.keys(f.panels),
      PANELS.map((p) => p.id),
    );
    // Every panel runs, but those attached only while on screen (filetop), which --panels did not name: on standby.
    for (const def of PANELS) assert.equal(f.panels[def.id]!.status, def.attach === 'on-screen' ? 'standby' : 'ok', def.id);
    assert.equal(f.panels.softirqs!.rows.length, 10);
  }
});

test('--panels names a panel attached only while on screen: it runs from start, and says since when', async (t) => {
  if (!needsBpf(t)) return;
  const out = lines(spawnCli(['--batch', '--count', '2', '--format', 'json', '--interval', '0.3', '--panels', 'filetop']));
  const { code } = await out.exit;
  assert.equal(code, 0, out.stderr());
  for (const line of out.all) {
    const p = (JSON.parse(line) as { panels: Record<string, { status: string; attached_at?: string; rows: { comm: string; path: string }[] }> }).panels
      .filetop!;
    assert.equal(p.status, 'ok');
    assert.ok(Date.parse(p.attached_at!) > 0);
  }
});

test('without a terminal and without --batch, the same frames come as plain text', async (t) => {
  if (!needsBpf(t)) return;
  const out = lines(spawnCli(['--count', '2', '--interval', '0.2', '--panels', 'softirqs']));
  const { code } = await out.exit;
  assert.equal(code, 0);
  const text = out.all.join('\n');
  assert.doesNotMatch(text, /\x1b/);
  assert.equal(text.match(/^--- \d{4}-\d\d-\d\dT/gm)?.length, 2);
  assert.match(text, /^softirqs( in kernel [^[]*)? \[tp_btf softirq_entry \+ softirq_exit\]$/m);
  assert.match(text, /^VECTOR\s+COUNT\/s\s+TIME\/s▼\s+AVG\s+%CPU/m);
});

test('bad arguments: one line, exit 2, nothing loaded', async (t) => {
  if (!needsBpf(t)) return;
  const out = lines(spawnCli(['--interval', 'soon']));
  const { code } = await out.exit;
  assert.equal(code, 2);
  assert.equal(out.stderr(), "sixty: invalid interval 'soon': give seconds between 0.1 and 3600\n");
});

test('--tier forces a tier: the classic tracepoint, with tracefs mounted on demand', async (t) => {
  if (!needsBpf(t)) return;
  if (tracefsMounted()) spawnSync('umount', ['/sys/kernel/tracing']);
  const out = lines(spawnCli(['-c', '1', '-f', 'json', '-i', '0.2', '--tier', 'softirqs=tracepoint', '--tier', 'biotop=raw_tp_legacy']));
  const { code } = await out.exit;
  assert.equal(code, 0);
  const f = JSON.parse(out.all[0]!) as { panels: Record<string, { status: string; tier: string }> };
  assert.deepEqual([f.panels.softirqs!.tier, f.panels.biotop!.tier], ['tracepoint', 'raw_tp_legacy']);
  assert.ok(tracefsMounted(), 'sixty mounted tracefs');
});

test('--record while printing JSON, then --replay --batch: the same frames; CSV per panel from it', async (t) => {
  if (!needsBpf(t)) return;
  const { mkdtempSync, readFileSync, readdirSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sixty-rec-'));
  try {
    const rec = join(dir, 'a.sixtyrec');
    const live = lines(
      spawnCli(['--batch', '--count', '4', '--format', 'json', '--interval', '0.3', '--panels', 'home,softirqs,tcptop,filetop', '--record', rec]),
    );
    assert.equal((await live.exit).code, 0, live.stderr());
    const replay = lines(spawnCli(['--replay', rec, '--batch', '--format', 'json']));
    assert.equal((await replay.exit).code, 0, replay.stderr());
    assert.equal(replay.all.length, 4);
    // A recording keeps each panel's busiest 100 rows (a busy host's filetop may have more): live, cut the same way.
    const kept = (line: string): unknown => {
      const f = JSON.parse(line) as { panels: Record<string, { rows: unknown[] }> };
      for (const p of Object.values(f.panels)) p.rows = p.rows.slice(0, 100);
      return f;
    };
    assert.deepEqual(replay.all.map(kept), live.all.map(kept));
    const csv = lines(spawnCli(['--replay', rec, '--format', 'csv', '--csv-dir', dir]));
    assert.equal((await csv.exit).code, 0, csv.stderr());
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.csv'))
        .sort(),
      ['filetop.csv', 'home.csv', 'softirqs.csv', 'tcptop.csv'],
    );
    const soft = readFileSync(join(dir, 'softirqs.csv'), 'utf8').trimEnd().split('\r\n');
    assert.match(soft[0]!, /^time,interval_s,vector,count,/);
    assert.equal(soft.length, 1 + 4 * 10, 'a line per vector per interval');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
