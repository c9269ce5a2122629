/**
 * A panel is its stem: adding one takes its own files and one registry line. Every panel of the registry has a test
 * fixture (test/panels/ID.ts) that the suites discover, a BPF panel's fixture writes its tier for every kernel of the
 * matrix (a tier its ladder has) and its ground truth; and outside tests (*.test.*), a panel's id appears as a string
 * literal only in its own files (a path that names it) and the registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PANELS } from '../../src/panels/registry.js';
import { ROOT } from '../../src/paths.js';
import { FIXTURES, KERNELS } from '../panels/index.js';

test('every panel of the registry has its fixture, and every fixture a panel of the registry', () => {
  assert.deepEqual([...FIXTURES.keys()].sort(), PANELS.map((p) => p.id).sort());
  for (const def of PANELS) assert.equal(FIXTURES.get(def.id)!.panel, def, `test/panels/${def.id}.ts names the registry's ${def.id}`);
});

test("a BPF panel's fixture writes its tier on every kernel of the matrix (one its ladder has), its ground truth and its budget", () => {
  for (const def of PANELS) {
    if (def.source.kind !== 'bpf') continue;
    const f = FIXTURES.get(def.id)!;
    const names = def.source.tiers.map((t) => t.name);
    for (const k of KERNELS) assert.ok(names.includes(f.tiers?.[k] ?? ''), `${def.id} on ${k}: ${f.tiers?.[k]} is not one of its tiers (${names.join(', ')})`);
    assert.equal(typeof f.groundTruth, 'function', `${def.id}: a ground truth`);
    assert.ok((f.bench?.budgetNs ?? 0) > 0, `${def.id}: a cost budget per event`);
  }
});

/**
 * Literals that are not the panel: the Home key (views' key names) and the checklist's mpstat step, named after the
 * command it runs as the panel is. Each is (file, literal).
 */
const NOT_THE_PANEL: readonly (readonly [string, string])[] = [
  ['views/input.ts', 'home'],
  ['views/keys.ts', 'home'],
  ['views/state.ts', 'home'],
  ['src/models/checklist.ts', 'mpstat'],
];

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'generated' || name === 'golden' || name.startsWith('.')) continue;
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.(ts|tsx|mjs|js)$/.test(name) && !/\.test\.tsx?$/.test(name)) yield p;
  }
}

test('outside tests, a panel id is a literal only in its own files and the registry', () => {
  const ids = PANELS.map((p) => p.id);
  const found: string[] = [];
  for (const top of ['src', 'views', 'bench', 'scripts', 'test']) {
    for (const file of sources(join(ROOT, top))) {
      const rel = relative(ROOT, file);
      if (rel === 'src/panels/registry.ts') continue;
      const text = readFileSync(file, 'utf8');
      for (const id of ids) {
        if (new RegExp(`(^|[/._-])${id}([/._-]|$)`).test(rel)) continue; // its own file
        if (NOT_THE_PANEL.some(([f, l]) => f === rel && l === id)) continue;
        const re = new RegExp(`(['"\`])${id}\\1`, 'g');
        for (const m of text.matchAll(re)) found.push(`${rel}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);
      }
    }
  }
  assert.deepEqual(found, [], 'name the panel through its object (xPanel.id), its role, or the registry');
});

test('the guard sees a literal: a made-up file with one would be found', () => {
  const id = PANELS[1]!.id;
  const re = new RegExp(`(['"\`])${id}\\1`, 'g');
  assert.equal([...`const x = '${id}';`.matchAll(re)].length, 1);
});
