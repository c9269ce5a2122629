/** The engine over a fake kernel: sources, privileges per source, layouts from BTF, and immutable frames. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MpstatRow } from '../../src/models/mpstat.js';
import type { SoftirqsRow } from '../../src/models/softirqs.js';
import { fakeKernel, setMap } from '../helpers/fake-addon.js';
import {
  fixtureFrame,
  fixtureStep,
  mpstatPanel,
  NOBODY,
  procFixture,
  procStatText,
  softirqsEntries,
  softirqsPanel,
  SOFTIRQS_VAL,
  tcptopPanel,
  testEngine,
} from '../helpers/fixtures.js';
import { CATALOG } from '../../src/panels/registry.js';

async function until(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(pred(), 'in time');
}
import { checkFrame, storedFrame } from '../../src/persist/frames.js';

test('a /proc source runs without root, while the BPF panels say why they are off', async () => {
  const t = testEngine([softirqsPanel, tcptopPanel, mpstatPanel], {
    privileges: NOBODY,
    procStat: [procFixture('stat-4cpu-a.txt'), procFixture('stat-4cpu-b.txt')],
  });
  await t.engine.open();
  const frame = t.engine.tick();
  const [soft, tcp, mp] = frame.panels;
  for (const p of [soft!, tcp!]) {
    assert.equal(p.status, 'off');
    assert.equal(p.reason, 'BPF panels need root, or CAP_BPF + CAP_PERFMON; missing CAP_BPF, CAP_PERFMON: run sudo sixty');
  }
  assert.equal(t.kernel.loads.length, 0, 'nothing was loaded');
  assert.equal(mp!.status, 'ok');
  assert.deepEqual([mp!.tier, mp!.hooks], ['proc', '/proc/stat']);
  assert.deepEqual(
    mp!.rows.map((r) => r.id),
    ['all', 'cpu0', 'cpu1', 'cpu2', 'cpu3'],
  );
  const cpu1 = mp!.rows.find((r) => r.id === 'cpu1') as MpstatRow;
  // cpu1 over the interval: user 10, nice 10 (5 of it guest), system 10, idle 60, iowait 20 ticks of 110.
  assert.deepEqual(
    [cpu1.usr_pct, cpu1.nice_pct, cpu1.sys_pct, cpu1.iowait_pct, cpu1.idle_pct, cpu1.gnice_pct].map((v) => v!.toFixed(3)),
    ['9.091', '4.545', '9.091', '18.182', '54.545', '4.545'],
  );
  t.engine.close();
});

test('a /proc panel attached only while on screen waits in standby without root (it needs no privilege), and reads when shown', async () => {
  const onScreen = { ...mpstatPanel, attach: 'on-screen' as const };
  const t = testEngine([softirqsPanel, onScreen], {
    privileges: NOBODY,
    procStat: [procFixture('stat-4cpu-a.txt'), procFixture('stat-4cpu-b.txt'), procFixture('stat-4cpu-b.txt')],
  });
  await t.engine.open();
  const [soft, mp] = t.engine.tick().panels;
  assert.equal(soft!.status, 'off');
  assert.equal(mp!.status, 'standby', mp!.reason ?? '');
  t.engine.show(mpstatPanel.id);
  await until(() => t.engine.store.getSnapshot().panels[1]!.status === 'ok');
  t.engine.close();
});

test("a record layout that disagrees with the object's BTF is that panel's error, naming the field; others run on", async () => {
  const kernel = fakeKernel();
  const val = kernel.structs.get('tcptop_val')!;
  kernel.structs.set('tcptop_val', { ...val, members: val.members.map((m) => (m.name === 'family' ? { ...m, size: 4 } : m)) });
  const t = testEngine([softirqsPanel, tcptopPanel], { kernel });
  setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([[1, 5n, 50n]]), 10);
  await t.engine.open();
  const [soft, tcp] = t.engine.tick().panels;
  assert.equal(tcp!.status, 'error');
  assert.equal(tcp!.reason, 'struct tcptop_val field family is 4 bytes in the BPF object, the decoder expects u16');
  assert.equal(soft!.status, 'ok');
  const kernel2 = fakeKernel();
  const sv = kernel2.structs.get('softirqs_val')!;
  kernel2.structs.set('softirqs_val', { ...sv, members: sv.members.filter((m) => m.name !== 'time_ns') });
  const t2 = testEngine([softirqsPanel], { kernel: kernel2 });
  await t2.engine.open();
  assert.match(t2.engine.store.getSnapshot().panels[0]!.reason!, /^struct softirqs_val has no field time_ns in the BPF object/);
  assert.ok(kernel.closed >= 1 && kernel2.closed >= 1, 'the object was closed');
  t.engine.close();
  t2.engine.close();
});

test('a published frame is plain data that later ticks never change (what pause and export hold on to)', async () => {
  const kernel = fakeKernel();
  const t = testEngine([softirqsPanel], { kernel });
  const step = (k: number): void =>
    setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([[1, BigInt(100 * k * k), BigInt(1000 * k * k)]]), 10);
  step(0);
  await t.engine.open();
  step(1);
  const held = t.engine.tick();
  const copy = structuredClone(held);
  assert.deepEqual(JSON.parse(JSON.stringify(held)), copy, 'it serialises as it is');
  for (let k = 2; k < 6; k++) {
    step(k);
    t.engine.tick();
  }
  assert.deepEqual(held, copy, 'the held frame did not move');
  assert.ok(Object.isFrozen(held) && Object.isFrozen(held.panels[0]!.rows[0]) && Object.isFrozen(held.panels[0]!.history.timer));
  assert.deepEqual(held.panels[0]!.history.timer, [1000]);
  const now = t.engine.store.getSnapshot().panels[0]!;
  assert.deepEqual(now.history.timer, [1000, 3000, 5000, 7000, 9000], 'while the live frame moved on');
  assert.equal((now.rows.find((r) => r.id === 'timer') as SoftirqsRow).count, 900);
  t.engine.close();
});

test('every tick reads all panels with one timestamp; rates use the measured interval', async () => {
  const frame = await fixtureFrame();
  assert.equal(frame.time, '2026-11-25T12:00:03.000Z');
  assert.equal(frame.elapsedNs, 1e9);
  assert.deepEqual(
    frame.panels.map((p) => [p.id, p.status]),
    [
      ['softirqs', 'ok'],
      ['tcptop', 'ok'],
      ['mpstat', 'ok'],
    ],
  );
  const tcp = frame.panels[1]!;
  assert.deepEqual(
    tcp.rows.map((r) => r.id),
    ['c2', 'c1', 'c3'],
    'opaque ids, default sort by total',
  );
  assert.match(tcp.summary.text, /^3 active connections, RX 4\.77 MiB\/s, TX 143\.07 MiB\/s, map 3\/20480$/);
  assert.ok(!JSON.stringify(frame).includes('ffff888'), 'no kernel pointer anywhere in the frame');
});

test('after a stall the missed ticks are skipped, and the next is at least half an interval away', async () => {
  const { nextTick } = await import('../../src/engine.js');
  assert.equal(nextTick(0, 1000, 0, 0), 1, 'the first tick one interval after the start');
  assert.equal(nextTick(0, 1000, 1005, 1), 2, 'on time: the next aligned tick');
  assert.equal(nextTick(0, 1000, 1600, 1), 3, 'late by more than half an interval: tick 2 is skipped');
  assert.equal(nextTick(0, 1000, 10_050, 1), 11, 'after a 9 s stall: no burst of nine catch-up ticks');
  for (let now = 0; now < 20_000; now += 137) {
    const k = nextTick(0, 1000, now, Math.floor(now / 1000));
    assert.ok(k * 1000 - now >= 500, `from ${now} the next tick is at ${k * 1000}`);
  }
});

test('a real engine whose event loop stalls publishes no burst of short frames', async () => {
  const { Engine } = await import('../../src/engine.js');
  const kernel = fakeKernel();
  setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([[1, 1n, 1n]]), 10);
  const { fakeAddon } = await import('../helpers/fake-addon.js');
  const { ROOT } = await import('../helpers/fixtures.js');
  const engine = new Engine({
    panels: [softirqsPanel],
    intervalMs: 50,
    deps: { addon: () => fakeAddon(kernel), privileges: () => ROOT, btfPath: import.meta.filename, tracefs: () => null },
  });
  await engine.open();
  const elapsed: number[] = [];
  engine.store.subscribe(() => elapsed.push(engine.store.getSnapshot().elapsedNs));
  engine.start();
  await new Promise((r) => setTimeout(r, 120));
  const stop = Date.now() + 600; // the process stalls for 600 ms (a SIGSTOP, a slow tick)
  while (Date.now() < stop) {
    /* busy */
  }
  await new Promise((r) => setTimeout(r, 300));
  engine.close();
  assert.ok(
    elapsed.some((e) => e >= 5e8),
    'the interval across the stall is measured as it was',
  );
  assert.ok(
    elapsed.every((e) => e >= 2e7),
    `no short frames: ${elapsed.map((e) => Math.round(e / 1e6)).join(', ')} ms`,
  );
});

test('in-kernel cost: with kernel.bpf_stats_enabled on, each BPF panel has its runs and run time over the interval', async () => {
  const kernel = fakeKernel();
  let on = false;
  const t = testEngine([softirqsPanel, mpstatPanel], { kernel, bpfStats: () => on, procStat: [0, 1, 2, 3].map(procStatText) });
  setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([]), 10, 2);
  kernel.runs = { count: 0, ns: 0 };
  await t.engine.open();
  kernel.runs = { count: 10, ns: 5000 };
  let f = t.engine.tick();
  assert.equal(f.panels[0]!.stats.bpf_runs, undefined, 'off: not counted, not shown');
  on = true;
  // Two programs (softirq_entry, softirq_exit), each reporting these cumulative figures.
  kernel.runs = { count: 1010, ns: 305_000 };
  f = t.engine.tick();
  assert.equal(f.panels[0]!.stats.bpf_runs, 2 * 1000);
  assert.equal(f.panels[0]!.stats.bpf_run_ns, 2 * 300_000);
  assert.equal(f.panels[1]!.stats.bpf_runs, undefined, 'a /proc panel has no programs');
  kernel.runs = { count: 1010, ns: 305_000 };
  f = t.engine.tick();
  assert.deepEqual([f.panels[0]!.stats.bpf_runs, f.panels[0]!.stats.bpf_run_ns], [0, 0], 'on, and nothing ran: zero, not absent');
  t.engine.close();
  const { kernelCost, bpfCost } = await import('../../views/text.js');
  assert.equal(kernelCost({ bpf_runs: 2000, bpf_run_ns: 600_000 }, 1e9), 'in kernel 0.06% CPU: 2000 runs/s, 300ns each');
  assert.equal(kernelCost({ bpf_runs: 4_000_000, bpf_run_ns: 2.5e9 }, 2e9), 'in kernel 125.00% CPU: 2.0M runs/s, 625ns each');
  assert.equal(kernelCost({ bpf_runs: 3, bpf_run_ns: 6000 }, 1e9), 'in kernel <0.01% CPU: 3 runs/s, 2.0µs each');
  assert.equal(kernelCost({}, 1e9), null);
  assert.equal(bpfCost({ ...f, panels: [{ ...f.panels[0]!, stats: { bpf_run_ns: 3e6 } }, f.panels[1]!] }), '  bpf 0.30%');
  assert.equal(bpfCost({ ...f, panels: [f.panels[1]!] }), '');
  // Not counted (stats off): an estimate from the panel's events, said to be one; a panel that cannot say adds nothing.
  assert.equal(kernelCost({}, 1e9, { events: 1000, nsPerEvent: 183 }), 'in kernel ~0.02% CPU (est.)');
  assert.equal(kernelCost({}, 2e9, { events: 4e6, nsPerEvent: 1760 }), 'in kernel ~352.00% CPU (est.)');
  assert.equal(kernelCost({}, 1e9, null), null);
  const counted = {
    ...f.panels[0]!,
    status: 'ok' as const,
    rows: [
      { id: 'a', n: 600 },
      { id: 'b', n: 400 },
    ],
    stats: {},
  };
  const catalog = {
    spec: (id: string) =>
      id === counted.id ? { costEstimate: { nsPerEvent: 500, events: (rows: readonly { n: number }[]) => rows.reduce((s, r) => s + r.n, 0) } } : undefined,
  };
  const est = { ...f, elapsedNs: 1e9, panels: [counted, f.panels[1]!] };
  assert.equal(bpfCost(est, catalog as never), '  bpf ~0.05% est', '1000 events × 500 ns in 1 s');
  assert.equal(bpfCost(est), '', 'no catalog, no estimate');
  assert.equal(bpfCost({ ...est, panels: [{ ...counted, stats: { bpf_run_ns: 1e6 } }] }, catalog as never), '  bpf 0.10%', 'counted wins over estimated');
  assert.equal(bpfCost({ ...est, panels: [{ ...counted, status: 'error' as const }] }, catalog as never), '', 'a panel in error costs nothing');
});

test('per-process totals over every key are made only when asked for (the metrics endpoint): they walk every entry', async () => {
  for (const byProcess of [false, true]) {
    const t = testEngine([softirqsPanel, tcptopPanel, mpstatPanel], { byProcess, procStat: [0, 1, 2].map(procStatText) });
    fixtureStep(t.kernel, 0);
    await t.engine.open();
    fixtureStep(t.kernel, 1);
    const tp = t.engine.tick().panels.find((p) => p.id === 'tcptop')!;
    t.engine.close();
    assert.ok(tp.rows.length > 0);
    if (byProcess) assert.ok(tp.byProcess && tp.byProcess.length > 0, 'made when asked for');
    else assert.equal(tp.byProcess, undefined, 'not made otherwise');
  }
});

test('the engine owns the interval and each frame states it: after + a frame, a recording of it and its replay say the new one', async () => {
  const kernel = fakeKernel();
  const t = testEngine([softirqsPanel], { kernel });
  setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([[1, 100n, 1000n]]), 10);
  await t.engine.open();
  assert.equal(t.engine.tick().intervalMs, 1000);
  t.engine.setIntervalMs(5000);
  const f = t.engine.tick();
  assert.equal(f.intervalMs, 5000, 'the frame after + says 5 s');
  const back = checkFrame(JSON.parse(JSON.stringify(storedFrame(f, CATALOG))), CATALOG, false);
  assert.equal(back.intervalMs, 5000, 'as a recording stores it and replay reads it');
  const old = JSON.parse(JSON.stringify(storedFrame(f, CATALOG))) as Record<string, unknown>;
  delete old.intervalMs;
  assert.equal(checkFrame(old, CATALOG, false).intervalMs, undefined, 'a frame from before it has none (replay uses the header)');
  assert.throws(() => checkFrame({ ...old, intervalMs: 5 }, CATALOG, false), /interval in force is out of range/);
  t.engine.close();
});

test('without trends (--serve): the same rows, and no history kept or published', async () => {
  const kernel = fakeKernel();
  const t = testEngine([softirqsPanel], { kernel, trends: false });
  for (let k = 0; k < 4; k++) {
    setMap(kernel, 'softirqs_stats', 4, SOFTIRQS_VAL.size, softirqsEntries([[1, BigInt(100 * k * k), BigInt(1000 * k * k)]]), 10);
    if (k === 0) await t.engine.open();
    else t.engine.tick();
  }
  const p = t.engine.store.getSnapshot().panels[0]!;
  assert.deepEqual(p.history, {});
  assert.equal((p.rows.find((r) => r.id === 'timer') as SoftirqsRow).count, 500);
  t.engine.close();
});
