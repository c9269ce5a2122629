/**
 * biolatency against the kernel: biotop's hooks read as a distribution. 2000 O_DIRECT writes of 4 KiB by dd on a loop
 * device: every request in the (loop, write) row, the histogram holding the ones whose completion a hook saw, and
 * await within 10 % of /proc/diskstats' (plus its whole-millisecond resolution and 3 µs, as biotop's own test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { Engine } from '../../src/engine.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { biolatencyPanel } from '../../src/panels/biolatency.js';
import type { BiolatencyRow } from '../../src/models/biolatency.js';
import { biotopSettled, diskstats, withLoopDevice } from '../helpers/ground-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

const N = 2000;

test("biolatency: biotop's requests per disk and operation, every one counted; await within 10 % of diskstats; p50 ≤ p99 ≤ max", async (t) => {
  if (!needsBpf(t)) return;
  const legacy = (await expectedTier(biotopPanel)) === 'raw_tp_legacy';
  await withLoopDevice(legacy ? 'mq-deadline' : 'none', async (loop) => {
    const engine = new Engine({ panels: [biotopPanel, biolatencyPanel], intervalMs: 1000 });
    try {
      await settled();
      await engine.open();
      const dev = basename(loop);
      engine.tick();
      const before = diskstats(dev);
      execFileSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4096', `count=${N}`, 'oflag=direct'], { stdio: 'ignore' });
      const after = diskstats(dev);
      const { frames } = await biotopSettled(engine, engine.tick(), [dev]);
      let io = 0;
      let awaitSum = 0;
      let timed = 0;
      let all = 0;
      let heat = 0;
      let row: BiolatencyRow | undefined;
      for (const f of frames) {
        const p = f.panels.find((x) => x.id === biolatencyPanel.id)!;
        assert.equal(p.status, 'ok', p.reason ?? '');
        for (const r of p.rows as BiolatencyRow[]) {
          if (r.disk === 'all') {
            all += r.io;
            heat = r.heat?.length ?? 0;
          }
          if (r.disk !== dev || r.op !== 'write') continue;
          row = r;
          io += r.io;
          awaitSum += (r.await_ns ?? 0) * r.io;
          timed += r.hist.reduce((a, b) => a + b, 0);
          assert.ok(r.p50_ns! <= r.p99_ns! && r.p99_ns! <= r.max_ns!, `p50 ≤ p99 ≤ max: ${r.p50_ns} ${r.p99_ns} ${r.max_ns}`);
        }
      }
      assert.ok(row, `a row for ${dev} write`);
      assert.equal(io, N, 'every request');
      assert.ok(all >= N, 'the all row holds them');
      assert.ok(heat >= 1, 'the all row carries the heat map');
      const unseen = frames.at(-1)!.panels.find((p) => p.id === biotopPanel.id)!.stats.unseen_completions_total ?? 0;
      assert.ok(timed <= N && timed >= N - unseen, `${timed} timed of ${N}, ${unseen} completions no hook saw`);
      assert.equal(after.writes - before.writes, N);
      const theirs = ((after.writeMs - before.writeMs) * 1e6) / N;
      const ours = awaitSum / io;
      const slack = 1e6 / N + 3000;
      if (legacy) assert.ok(ours <= theirs * 1.1 + slack && ours >= theirs * 0.5, `await ${ours} vs diskstats ${theirs}`);
      else assert.ok(Math.abs(ours - theirs) <= 0.1 * theirs + slack, `await ${ours} vs diskstats ${theirs}`);
      t.diagnostic(`${io} writes, ${timed} timed; await ${ours.toFixed(0)} ns (diskstats ${theirs.toFixed(0)} ns); p50 ≤${row.p50_ns} p99 ≤${row.p99_ns} ns`);
    } finally {
      engine.close();
    }
  });
});
