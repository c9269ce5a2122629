/**
 * Every hook tier of every BPF panel, on this kernel: the ladder picks the first tier the kernel supports (its attach
 * types work, its hooks exist, its programs load); each supported tier, forced, meets the same ground truth as the
 * default one; each unsupported tier, forced, is refused with a reason. Under the kernel matrix (test/kernels/run)
 * this covers fentry and kprobe tiers that this machine cannot run. The classic tracepoint tier needs tracefs: it is
 * unmounted first, to check that sixty mounts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Engine } from '../../src/engine.js';
import { tracefsMounted } from '../../src/kernel/tracefs.js';
import { PANELS, withTier } from '../../src/panels/registry.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier, tierSupport } from '../helpers/tiers.js';
import { fixtureOf, using } from '../panels/index.js';

for (const def of PANELS.filter((p) => p.source.kind === 'bpf')) {
  const groundTruth = fixtureOf(def).groundTruth!;
  test(`${def.id}: the ladder picks the first supported tier; every tier meets ground truth or is refused`, async (t) => {
    if (!needsBpf(t)) return;
    const support = await tierSupport(def);
    t.diagnostic(support.map((s) => `${s.tier.name}: ${s.supported ? 'supported' : s.why}`).join('; '));
    assert.ok(
      support.some((s) => s.supported),
      'at least one tier works on this kernel',
    );
    await settled();
    const engine = new Engine({ panels: [def], intervalMs: 1000, requested: new Set([def.id]) });
    await engine.open();
    const chosen = engine.store.getSnapshot().panels[0]!;
    engine.close();
    assert.equal(chosen.tier, await expectedTier(def), 'the first supported tier, and the one written for this kernel');

    for (const s of support) {
      await t.test(`tier ${s.tier.name}`, async (tt) => {
        await settled();
        if (s.tier.types.includes('tracepoint') && tracefsMounted()) spawnSync('umount', ['/sys/kernel/tracing']);
        const open = async (): Promise<Engine> => {
          const engine = new Engine({ panels: [withTier(def, s.tier.name)], intervalMs: 1000, requested: new Set([def.id]) });
          await engine.open();
          const p = engine.store.getSnapshot().panels[0]!;
          if (s.supported) {
            assert.equal(p.status, 'ok', p.reason ?? '');
            assert.equal(p.tier, s.tier.name);
            if (s.tier.types.includes('tracepoint')) assert.ok(tracefsMounted(), 'sixty mounted tracefs');
            await settled();
          }
          return engine;
        };
        if (s.supported) {
          tt.diagnostic(await groundTruth(open, s.tier.name));
        } else {
          const p = await using(await open(), async (engine) => engine.store.getSnapshot().panels[0]!);
          assert.equal(p.status, 'error', `${s.tier.name} is not supported here (${s.why}) and must be refused`);
          tt.diagnostic(`refused: ${p.reason}`);
        }
      });
    }
  });
}
