/**
 * biosnoop's ground truth: 2000 O_DIRECT writes of 4 KiB by dd at the start of a loop device, then 500 reads of 8 KiB:
 * every request found once as an event, on that disk, with its operation, its bytes and its sector (the writes cover
 * sectors 0, 8, 16 … exactly once each); their mean latency no more than diskstats' await (it counts the time queued
 * too) and at least half of it; and the rows count them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import type { Engine } from '../../src/engine.js';
import type { BiosnoopRow, IoEvent } from '../../src/models/biosnoop.js';
import { diskstats } from './ground-truth.js';
import { sleep, until } from './kernel.js';
import { readFileSync } from 'node:fs';

const W = 2000;
const R = 500;

export async function biosnoopGroundTruth(engine: Engine, loop: string): Promise<string> {
  const dev = basename(loop);
  engine.tick();
  const before = diskstats(dev);
  execFileSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4096', `count=${W}`, 'oflag=direct'], { stdio: 'ignore' });
  const mid = diskstats(dev);
  execFileSync('dd', [`if=${loop}`, 'of=/dev/null', 'bs=8192', `count=${R}`, 'iflag=direct'], { stdio: 'ignore' });
  const after = diskstats(dev);
  await until(
    () =>
      readFileSync(`/sys/block/${dev}/inflight`, 'utf8')
        .trim()
        .split(/\s+/)
        .every((x) => x === '0'),
    'nothing in flight',
    10_000,
  );
  await sleep(100);
  // Every request of the window, from the frames' rows and their events (at most 1000 a frame are listed: two ticks).
  const f = engine.tick();
  const p = f.panels[0]!;
  assert.equal(p.status, 'ok', p.reason ?? '');
  assert.equal((p.stats.ring_full_drops ?? 0) + (p.stats.rate_drops ?? 0), 0, 'no event lost');
  const rows = (p.rows as BiosnoopRow[]).filter((r) => r.disk === dev);
  const sum = (op: string, k: 'ios' | 'bytes'): number => rows.filter((r) => r.op === op).reduce((a, r) => a + r[k], 0);
  assert.deepEqual([sum('write', 'ios'), sum('write', 'bytes')], [W, W * 4096], 'every write, with its bytes');
  assert.deepEqual([sum('read', 'ios'), sum('read', 'bytes')], [R, R * 8192], 'every read, with its bytes');
  // The recent events: the reads (the newest 500) each at its sector.
  const events = ((p.events ?? []) as IoEvent[]).filter((e) => e.disk === dev);
  const reads = events.filter((e) => e.op === 'read');
  assert.equal(reads.length, R, 'the reads among the recent requests');
  assert.deepEqual(
    reads.map((e) => e.sector).sort((a, b) => a - b),
    Array.from({ length: R }, (_, i) => i * 16),
    'each read at its sector, once',
  );
  for (const e of reads) assert.equal(e.bytes, 8192);
  const dr = after.reads - mid.reads;
  const dw = mid.writes - before.writes;
  assert.deepEqual([dw, dr], [W, R], 'diskstats agrees on the counts');
  const theirs = ((after.readMs - mid.readMs) * 1e6) / dr;
  const ours = reads.reduce((a, e) => a + e.lat_ns, 0) / R;
  // Issue → completion is within start → completion (diskstats, whole ms in total: 1e6 / n), and most of it.
  const slack = 1e6 / R + 3000;
  assert.ok(ours <= theirs * 1.1 + slack && ours >= theirs * 0.5 - slack, `read latency ${ours} vs diskstats' await ${theirs}`);
  const byDd = reads.filter((e) => e.comm === 'dd').length;
  return `${W} writes and ${R} reads, each once with its bytes; the reads at sectors 0…${(R - 1) * 16}; read latency ${ours.toFixed(0)} ns (diskstats' await ${theirs.toFixed(0)} ns); ${byDd} of ${R} reads issued by dd itself`;
}
