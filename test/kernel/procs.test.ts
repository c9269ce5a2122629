/**
 * The process panel against ground truth (test/helpers/procs-truth.ts): busy loops' CPU and pinned loops' waits
 * against their own /proc/PID/schedstat, a known allocation's RSS, and a burst of short processes' CPU and statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addonReadFiles, Engine } from '../../src/engine.js';
import { procsPanel } from '../../src/panels/procs.js';
import { homePanel } from '../../src/panels/home.js';
import type { ChecklistRow } from '../../src/models/checklist.js';
import type { ProcsRow } from '../../src/models/procs.js';
import { loadAddon } from '../../src/native.js';
import { procsGroundTruth } from '../helpers/procs-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('procs: CPU and run-queue waits agree with schedstat, RSS with a known allocation, ended processes with what they burned', async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const engine = new Engine({ panels: [procsPanel], intervalMs: 1000 });
  try {
    await engine.open();
    const p = engine.store.getSnapshot().panels[0]!;
    assert.equal(p.status, 'ok', p.reason ?? '');
    assert.equal(p.tier, await expectedTier(procsPanel), 'the first tier this kernel supports');
    t.diagnostic(await procsGroundTruth(engine));
  } finally {
    engine.close();
  }
});

test("the checklist and the process table read each process's /proc/PID/stat once a tick between them", async (t) => {
  if (!needsBpf(t)) return;
  await settled();
  const asked: string[] = [];
  const underlying = addonReadFiles(loadAddon);
  const readFiles = (paths: readonly string[]): (string | null)[] => {
    asked.push(...paths);
    return underlying(paths);
  };
  const engine = new Engine({ panels: [homePanel, procsPanel], intervalMs: 1000, requested: new Set(['procs']), deps: { readFiles } });
  try {
    await engine.open();
    engine.tick();
    asked.length = 0;
    const f = engine.tick();
    const stats = asked.filter((p) => /^\/proc\/\d+\/stat$/.test(p));
    assert.ok(stats.length > 10, `the processes' stat files were read (${stats.length})`);
    const twice = stats.filter((p, i) => stats.indexOf(p) !== i);
    assert.deepEqual(twice, [], 'none read twice in one tick');
    // Both had them: the process table has this process, and the checklist's top step counts the processes.
    const procs = f.panels.find((p) => p.id === 'procs')!;
    assert.equal(procs.status, 'ok', procs.reason ?? '');
    assert.ok(
      (procs.rows as ProcsRow[]).some((r) => r.pid === process.pid),
      'this process in the process table',
    );
    const top = (f.panels.find((p) => p.id === 'home')!.rows as ChecklistRow[]).find((s) => s.id === 'top');
    assert.ok(top && Number(top.fields.tasks) > 10, `the checklist's top step counts the processes: ${top?.reading}`);
  } finally {
    engine.close();
  }
});
