/**
 * Each panel's test fixture, found by looking, not by a list: test/panels/ID.ts for every panel in the registry
 * (src/panels/registry.ts). A fixture holds what the tests and benchmarks need to know about its one panel: for a BPF
 * panel its ground truth (run on every tier this kernel supports) and the tier it must get on each kernel of the
 * matrix; synthetic samples for its golden screens; its workloads for the benchmarks. The tests that run every panel
 * (test/kernel/tiers.test.ts, test/views/panels.test.tsx, bench/) take them from here, and
 * test/unit/panel-stem.test.ts fails when a panel has no fixture or a fixture names no panel.
 */
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import type { AnyPanelDef } from '../../src/panels/types.js';
import type { PanelFixture } from './kit.js';

export { KERNELS, using, type KernelKey, type PanelFixture } from './kit.js';

const here = import.meta.dirname;
const found: PanelFixture[] = [];
for (const file of readdirSync(here).sort()) {
  const m = /^([a-z0-9_-]+)\.ts$/.exec(file);
  if (!m || m[1] === 'index' || m[1] === 'kit') continue;
  const mod = (await import(`./${m[1]}.js`)) as { fixture?: PanelFixture };
  if (!mod.fixture) throw new Error(`test/panels/${file} exports no fixture`);
  if (mod.fixture.panel.id !== basename(file, '.ts'))
    throw new Error(`test/panels/${file} is the fixture of ${mod.fixture.panel.id}: a fixture's file is named after its panel`);
  found.push(mod.fixture);
}

/** Every fixture, by its panel's id. */
export const FIXTURES: ReadonlyMap<string, PanelFixture> = new Map(found.map((f) => [f.panel.id, f]));

export function fixtureOf(def: AnyPanelDef): PanelFixture {
  const f = FIXTURES.get(def.id);
  if (!f) throw new Error(`${def.id} has no test fixture: add test/panels/${def.id}.ts`);
  return f;
}
