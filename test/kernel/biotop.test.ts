/**
 * biotop against ground truth, on the tier the ladder picks here: a loop device backed by a file in /dev/shm, O_DIRECT
 * writes and reads of known counts and sizes by processes the test starts (so their pids are known), a discard, and
 * /proc/diskstats for the device over the same window. Every other tier: test/kernel/tiers.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine.js';
import { biotopPanel } from '../../src/panels/biotop.js';
import { basename } from 'node:path';
import { execFile } from 'node:child_process';
import type { BiotopRow } from '../../src/models/biotop.js';
import { biotopGroundTruth, biotopSettled, diskstats, fixtureBinary, withLoopDevice } from '../helpers/ground-truth.js';
import { needsBpf, settled } from '../helpers/kernel.js';
import { expectedTier } from '../helpers/tiers.js';

test('biotop: exact requests and bytes per process and operation; await within 10 % of diskstats', async (t) => {
  if (!needsBpf(t)) return;
  const want = await expectedTier(biotopPanel);
  // raw_tp_legacy attributes requests at block_rq_insert, which the none scheduler skips: it runs with mq-deadline.
  const legacy = want === 'raw_tp_legacy';
  await withLoopDevice(legacy ? 'mq-deadline' : 'none', async (loop) => {
    const engine = new Engine({ panels: [biotopPanel], intervalMs: 1000 });
    try {
      await settled();
      await engine.open();
      const p = engine.store.getSnapshot().panels[0]!;
      assert.equal(p.status, 'ok', p.reason ?? '');
      assert.equal(p.tier, want, 'the first tier this kernel supports');
      t.diagnostic(await biotopGroundTruth(engine, loop, legacy));
    } finally {
      engine.close();
    }
  });
});

/** Blocks of 4 KiB in half of withLoopDevice's 64 MiB device. */
const HALF = 8192;

interface AioRun {
  pid: number;
  reads: number;
  writes: number;
  read_bytes: number;
  write_bytes: number;
}

test('biotop under stress: four submitters with 8 to 32 requests in flight each, on two loop devices, 6 rounds: every request counted', async (t) => {
  if (!needsBpf(t)) return;
  const aio = fixtureBinary('aio_load');
  const legacy = (await expectedTier(biotopPanel)) === 'raw_tp_legacy';
  const sched = legacy ? 'mq-deadline' : 'none';
  await withLoopDevice(sched, (a) =>
    withLoopDevice(sched, async (b) => {
      const devs = [basename(a), basename(b)];
      const engine = new Engine({ panels: [biotopPanel], intervalMs: 1000 });
      try {
        await settled();
        await engine.open();
        assert.equal(engine.store.getSnapshot().panels[0]!.status, 'ok');
        const report: string[] = [];
        for (let round = 0; round < 6; round++) {
          engine.tick();
          const before = devs.map(diskstats);
          // Each disk's two submitters keep to its two halves, with a block between them that neither touches: a
          // scheduler (mq-deadline, the legacy tier's) merges one process's I/O into another's adjacent request, and
          // that request counts under the task that started it (measured: 3 rounds in 20 moved 4 KiB between them).
          const jobs: [string, number, number][] = [
            [a, 32, 0],
            [a, 8, 1],
            [b, 16, 0],
            [b, 32, 1],
          ];
          const runs = await Promise.all(
            jobs.map(
              ([dev, depth, half], i) =>
                new Promise<AioRun>((resolve, reject) =>
                  execFile(aio, [dev, '3000', String(depth), '4096', String(round * 10 + i + 1), String(half * HALF), String(HALF - 1)], (err, out) =>
                    err ? reject(err) : resolve(JSON.parse(out) as AioRun),
                  ),
                ),
            ),
          );
          const { rows, frames } = await biotopSettled(engine, engine.tick(), devs);
          const after = devs.map(diskstats);
          const stats = frames.at(-1)!.panels[0]!.stats;
          const find = (pid: number, op: string, disk: string): BiotopRow | undefined => rows.find((r) => r.pid === pid && r.op === op && r.disk === disk);
          // Per submitter: every byte, under its own pid, disk and operation. Requests too, but for the few the block
          // layer merged (two adjacent random offsets of one submitter make one request): those the disk's merges count.
          runs.forEach((run, i) => {
            const disk = basename(jobs[i]![0]);
            const w = find(run.pid, 'write', disk);
            const r = find(run.pid, 'read', disk);
            const what = `round ${round}, submitter ${i} (pid ${run.pid}, ${disk}, depth ${jobs[i]![1]})`;
            assert.deepEqual([w?.bytes, r?.bytes], [run.write_bytes, run.read_bytes], `${what}: bytes`);
            assert.ok(w!.io <= run.writes && r!.io <= run.reads, `${what}: requests ${w!.io}/${run.writes} written, ${r!.io}/${run.reads} read`);
          });
          // Per disk: biotop has every request the kernel counted, and those are the submitters' less what was merged.
          devs.forEach((d, k) => {
            const merged = after[k]!.readMerges - before[k]!.readMerges + after[k]!.writeMerges - before[k]!.writeMerges;
            const kernel = after[k]!.reads - before[k]!.reads + after[k]!.writes - before[k]!.writes;
            const submitted = runs.filter((_, i) => basename(jobs[i]![0]) === d).reduce((n, x) => n + x.reads + x.writes, 0);
            const ours = rows.filter((r) => r.disk === d).reduce((n, r) => n + r.io, 0);
            assert.deepEqual(
              [ours, submitted - merged],
              [kernel, kernel],
              `round ${round}, ${d}: requests counted, and submitted less merged, against diskstats`,
            );
          });
          report.push(`round ${round}: ${runs.reduce((n, x) => n + x.reads + x.writes, 0)} requests, unseen so far ${stats.unseen_completions_total}`);
        }
        t.diagnostic(report.join('; '));
      } finally {
        engine.close();
      }
    }),
  );
});
