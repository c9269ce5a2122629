import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { App } from '../../views/App.js';
import { PanelView } from '../../views/PanelView.js';
import { renderFrameText } from '../../views/text.js';
import type { Frame, PanelState } from '../../src/store.js';
import { fixtureFrame, softirqsPanel, tcptopPanel } from '../helpers/fixtures.js';
import { assertGolden } from '../helpers/golden.js';

function storeOf(frame: Frame) {
  return { subscribe: () => () => {}, getSnapshot: () => frame };
}

/** Polls until the frame satisfies `ok` (a bare setTimeout(0) is flaky with Ink). */
async function until(get: () => string | undefined, ok: (s: string) => boolean): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const s = get() ?? '';
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  return get() ?? '';
}

function app(frame: Frame, width: number, height: number, onQuit = () => {}) {
  return render(
    <App store={storeOf(frame)} width={width} height={height} hostname="host1" intervalS={1} onSort={() => {}} onQuit={onQuit} />,
  );
}

for (const width of [80, 120]) {
  test(`softirqs panel at ${width} columns`, () => {
    const r = app(fixtureFrame(), width, 20);
    assertGolden(`softirqs-${width}`, r.lastFrame() ?? '');
    r.unmount();
  });

  test(`tcptop panel at ${width} columns`, async () => {
    const r = app(fixtureFrame(), width, 16);
    r.stdin.write('\t');
    const out = await until(r.lastFrame, (s) => s.includes('COMM'));
    assertGolden(`tcptop-${width}`, out);
    r.unmount();
  });
}

test('error and off states show the reason and the tiers tried', () => {
  const frame = fixtureFrame();
  const err: PanelState = {
    ...frame.panels[1]!,
    status: 'error',
    reason: 'no hook tier attached',
    rows: [],
    attempts: [
      { tier: 'fentry', reason: 'fexit unavailable (load: probe.bpf.o: Operation not permitted)' },
      { tier: 'kprobe', reason: 'kprobe unavailable (attach: probe_kprobe: No such file or directory)' },
    ],
  };
  const r = render(<PanelView panel={err} width={80} height={10} selected={0} />);
  assertGolden('tcptop-error-80', r.lastFrame() ?? '');
  r.unmount();
  const off: PanelState = { ...frame.panels[0]!, status: 'off', reason: 'BPF panels need root; run sudo sixty', rows: [] };
  const r2 = render(<PanelView panel={off} width={80} height={10} selected={0} />);
  assert.equal(r2.lastFrame(), 'softirqs: off: BPF panels need root; run sudo sixty');
  r2.unmount();
});

test('empty panel says there was no activity', () => {
  const frame = fixtureFrame();
  const empty: PanelState = { ...frame.panels[1]!, rows: [] };
  const r = render(<PanelView panel={empty} width={80} height={10} selected={0} />);
  assert.match(r.lastFrame() ?? '', /\(no activity in this interval\)/);
  r.unmount();
});

test('keys: sort moves the marker, help lists columns, q quits', async () => {
  let quit = 0;
  const sorts: string[] = [];
  const frame = fixtureFrame();
  const r = render(
    <App
      store={storeOf(frame)}
      width={100}
      height={30}
      hostname="h"
      intervalS={1}
      onSort={(id, s) => sorts.push(`${id}:${s.key}:${s.descending}`)}
      onQuit={() => quit++}
    />,
  );
  r.stdin.write('>');
  await until(() => sorts.join(), (s) => s.includes('softirqs:avg_ns:true'));
  r.stdin.write('r');
  await until(() => sorts.join(), (s) => s.includes('softirqs:avg_ns:false'));
  r.stdin.write('?');
  const help = await until(r.lastFrame, (s) => s.includes('softirqs: columns'));
  assert.match(help, /TIME\s+time between softirq_entry and softirq_exit/);
  assert.match(help, /\* tp_btf\s+tp_btf softirq_entry \+ softirq_exit/);
  r.stdin.write('q');
  await until(() => String(quit), (s) => s === '1');
  assert.equal(quit, 1);
  r.unmount();
});

test('a terminal that is too small gets a message, not a broken table', () => {
  const r = app(fixtureFrame(), 50, 8);
  assert.equal(r.lastFrame(), 'terminal too small: 50×8, sixty needs 60×10');
  r.unmount();
});

test('batch text: the same columns as the UI, no escape codes, kernel names escaped', () => {
  const text = renderFrameText(fixtureFrame(), 120);
  assert.doesNotMatch(text, /\x1b/);
  assert.ok(text.includes('ssh\\x1b[31m'));
  assertGolden('batch-text-120', text);
  assert.ok(softirqsPanel && tcptopPanel);
});

test('drops are shown in the panel line, never silent', async () => {
  const { statusLine } = await import('../../views/text.js');
  const p = fixtureFrame().panels[1]!;
  assert.equal(statusLine({ ...p, stats: { ...p.stats, map_full_drops: 3, bpf_missed_drops: 0 } }), 'tcptop [tp_btf: tp_btf sock_send_length + sock_recv_length]  map full drops: 3');
  assert.equal(statusLine(p), 'tcptop [tp_btf: tp_btf sock_send_length + sock_recv_length]');
});
