/**
 * The build picks up a new panel by itself: a new bpf/<stem>.bpf.c is compiled by the next `npm test` or
 * `npm start` (scripts/setup.sh), with no step by hand, although gyp expands its file lists only when it configures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadAddon } from '../../src/native.js';
import { bpfObjectPath, ROOT } from '../../src/paths.js';
import { needsBpf } from '../helpers/kernel.js';

function setup(): { status: number | null; out: string } {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a new bpf/ stem is built by the next set-up, and a removed one leaves the build configured without it', async (t) => {
  if (!needsBpf(t)) return;
  const stem = `zzbuild${process.pid}`;
  const src = join(ROOT, 'bpf', `${stem}.bpf.c`);
  const obj = bpfObjectPath(stem);
  try {
    // Any valid program will do: the attach-type probe's source, under a new name.
    copyFileSync(join(ROOT, 'bpf', 'probe.bpf.c'), src);
    const first = setup();
    assert.equal(first.status, 0, first.out);
    assert.ok(existsSync(obj), `${obj} was built`);
    const loaded = await loadAddon().load(obj, ['probe_raw_tp']);
    assert.deepEqual(
      loaded
        .programs()
        .filter((p) => p.loaded)
        .map((p) => p.name),
      ['probe_raw_tp'],
    );
    loaded.close();
  } finally {
    rmSync(src, { force: true });
    rmSync(obj, { force: true });
  }
  const again = setup();
  assert.equal(again.status, 0, again.out);
  assert.match(again.out, /configuring the native build/, 'the removed stem configured the build again');
  assert.equal(existsSync(obj), false);
});
