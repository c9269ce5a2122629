/**
 * The process panel against ground truth, on an open engine whose one panel is procs:
 * - busy loops: each one's CPU % against its own /proc/PID/schedstat on-CPU time over the same window (± 3 points);
 * - three loops pinned to one CPU: each waits about two thirds of the window, and sixty's wait agrees with the
 *   kernel's run_delay (schedstat) within 5 %;
 * - a process that allocates and touches a known size: its RSS grows by that size within 2 %;
 * - a burst of short processes that each burn a known CPU time and exit within one interval with a known status:
 *   every one listed as ended, their CPU within 5 % of what they burned, their statuses right.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Engine } from '../../src/engine.js';
import { onlineCpus } from '../../src/kernel/cpus.js';
import type { ProcsRow } from '../../src/models/procs.js';
import type { RunqlatRow } from '../../src/models/runqlat.js';
import { scaled, sleep, until } from './kernel.js';

/** /proc/PID/schedstat: on-CPU ns, run-queue wait ns (run_delay), timeslices. */
function schedstat(pid: number): { cpu: number; delay: number } {
  const [cpu, delay] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
  return { cpu: cpu!, delay: delay! };
}

/**
 * A tick of the engine with each pid's schedstat read right before and right after it: sixty read the pid's files at
 * some moment in between (a scan of /proc takes a while under emulation), so a window between two ticks is bounded by
 * the reads that bracket them: at least after₀ → before₁, at most before₀ → after₁.
 */
interface Bracket {
  before: { cpu: number; delay: number };
  after: { cpu: number; delay: number };
}
function tickWith(engine: Engine, pids: readonly number[]): { rows: ProcsRow[]; at: Map<number, Bracket> } {
  const before = pids.map(schedstat);
  const rows = engine.tick().panels[0]!.rows as ProcsRow[];
  const after = pids.map(schedstat);
  return { rows, at: new Map(pids.map((p, i) => [p, { before: before[i]!, after: after[i]! }])) };
}

/** What the kernel counted over the window between two ticks: its bounds and their middle. */
function between(a: Bracket, b: Bracket, k: 'cpu' | 'delay'): { lo: number; hi: number; mid: number } {
  const lo = b.before[k] - a.after[k];
  const hi = b.after[k] - a.before[k];
  return { lo, hi, mid: (lo + hi) / 2 };
}

/** `seen` within `tol` of the bounds [lo, hi]. */
const within = (seen: number, t: { lo: number; hi: number }, tol: number): boolean => seen >= t.lo - tol && seen <= t.hi + tol;

function loops(n: number, cpu?: number): ChildProcess[] {
  return Array.from({ length: n }, () =>
    cpu === undefined ? spawn('sh', ['-c', 'while :; do :; done']) : spawn('taskset', ['-c', String(cpu), 'sh', '-c', 'while :; do :; done']),
  );
}

const stop = (ps: readonly ChildProcess[]): void => {
  for (const p of ps) p.kill('SIGKILL');
};

/** CPU of busy loops, and the waits of three loops sharing one CPU. */
async function cpuAndWaits(engine: Engine): Promise<string> {
  const report: string[] = [];
  const free = loops(Math.max(1, onlineCpus() - 1));
  try {
    const pids = free.map((p) => p.pid!);
    await sleep(scaled(300));
    const t0 = process.hrtime.bigint();
    const first = tickWith(engine, pids);
    await sleep(2000);
    const b = tickWith(engine, pids);
    const windowNs = Number(process.hrtime.bigint() - t0);
    for (const pid of pids) {
      const row = b.rows.find((r) => r.pid === pid);
      assert.ok(row, `busy loop ${pid} is listed`);
      // Its own on-CPU time over the same window: ± 3 % of the window (ticks are 10 ms apart).
      const truth = between(first.at.get(pid)!, b.at.get(pid)!, 'cpu');
      const seen = (row.cpu_s ?? NaN) * 1e9;
      const ms = (v: number): string => (v / 1e6).toFixed(0);
      report.push(
        `loop ${pid}: sixty ${row.cpu_pct?.toFixed(1)} % (${ms(seen)} ms), schedstat ${((truth.mid / windowNs) * 100).toFixed(1)} % (${ms(truth.lo)}..${ms(truth.hi)} ms)`,
      );
      assert.ok(within(seen, truth, 0.03 * windowNs), `loop ${pid}: sixty ${seen} ns on CPU against schedstat ${truth.lo}..${truth.hi} ns`);
    }
  } finally {
    stop(free);
  }
  // Three loops on one CPU: each runs a third of the time and waits the rest.
  const cpu = onlineCpus() - 1;
  const pinned = loops(3, cpu);
  try {
    const pids = pinned.map((p) => p.pid!);
    await sleep(scaled(300));
    const first = tickWith(engine, pids);
    await sleep(2000);
    const b = tickWith(engine, pids);
    for (const pid of pids) {
      const row = b.rows.find((r) => r.pid === pid);
      assert.ok(row, `pinned loop ${pid} is listed`);
      const truth = between(first.at.get(pid)!, b.at.get(pid)!, 'delay');
      const wait = row.wait_ns ?? NaN;
      const ms = (v: number): string => (v / 1e6).toFixed(1);
      report.push(
        `pinned ${pid}: wait ${ms(wait)} ms (${row.wait_pct?.toFixed(1)} %), run_delay ${ms(truth.lo)}..${ms(truth.hi)} ms, p99 ≤${ms(row.wait_p99_ns ?? NaN)} ms`,
      );
      assert.ok(within(wait, truth, 0.05 * truth.mid), `pinned loop ${pid}: wait ${wait} ns against run_delay ${truth.lo}..${truth.hi} ns`);
      assert.ok((row.wait_pct ?? 0) > 40, `pinned loop ${pid} waits for most of the window (${row.wait_pct} %)`);
    }
  } finally {
    stop(pinned);
  }
  return report.join('; ');
}

/** A python process that touches `mib` MiB when told to (a line on stdin). */
async function rss(engine: Engine): Promise<string> {
  const mib = 256;
  const p = spawn('python3', [
    '-c',
    `import sys,time\nsys.stdout.write("ready\\n");sys.stdout.flush()\nsys.stdin.readline()\nb=bytearray(${mib}<<20)\nfor i in range(0,len(b),4096): b[i]=1\nsys.stdout.write("done\\n");sys.stdout.flush()\ntime.sleep(600)`,
  ]);
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await until(() => out.includes('ready'), 'the allocator to start', scaled(30_000));
    await sleep(200);
    const before = (engine.tick().panels[0]!.rows as ProcsRow[]).find((r) => r.pid === p.pid);
    assert.ok(before, 'the allocator is listed');
    p.stdin!.write('go\n');
    await until(() => out.includes('done'), 'the allocator to touch its memory', scaled(60_000));
    const after = (engine.tick().panels[0]!.rows as ProcsRow[]).find((r) => r.pid === p.pid);
    assert.ok(after, 'the allocator is listed after');
    const grew = after.rss_bytes - before.rss_bytes;
    const want = mib * 2 ** 20;
    assert.equal(after.rss_growth, grew, 'ΔRSS is the growth between the two readings');
    assert.ok(Math.abs(grew - want) <= 0.02 * want, `RSS grew ${grew} B for ${want} B touched`);
    return `RSS ${before.rss_bytes} → ${after.rss_bytes} B (+${grew}, touched ${want})`;
  } finally {
    p.kill('SIGKILL');
  }
}

/** Short processes: each burns `ms` of CPU, reports what it burned, and exits with a known status (one is killed). */
async function shortLived(engine: Engine): Promise<string> {
  // Fewer under emulation, where each Python takes seconds of CPU to start.
  const n = Number(process.env.SIXTY_TIME_SCALE ?? 1) > 1 ? 4 : 8;
  const ms = 60;
  const burn = (code: number): string =>
    `import os,time\nwhile time.process_time() < ${ms / 1000}: pass\nt=time.process_time()\nos.write(1, (repr(t)+"\\n").encode())\nos._exit(${code})`;
  engine.tick();
  const children = Array.from({ length: n }, (_, i) => {
    const c = spawn('python3', [
      '-I',
      '-S',
      '-c',
      i === n - 1 ? `import os,signal\n${burn(0).split('\nos._exit')[0]}\nos.kill(os.getpid(), signal.SIGKILL)` : burn(i),
    ]);
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    return { c, pid: c.pid!, code: i === n - 1 ? 'SIGKILL' : `exit ${i}`, burned: () => Number(out.trim()) * 1e9, done: new Promise((r) => c.on('exit', r)) };
  });
  await Promise.all(children.map((c) => c.done));
  await sleep(100);
  const rows = engine.tick().panels[0]!.rows as ProcsRow[];
  let burned = 0;
  let seen = 0;
  for (const ch of children) {
    const row = rows.find((r) => r.pid === ch.pid && r.exited && !r.quiet);
    assert.ok(row, `short process ${ch.pid} is listed as ended`);
    assert.equal(row.exit_status, ch.code, `short process ${ch.pid}'s status`);
    assert.ok(row.lifetime_s !== null && row.lifetime_s > 0, 'its lifetime');
    burned += ch.burned();
    seen += (row.cpu_s ?? 0) * 1e9;
  }
  // Each process burned at least `ms` in Python (startup included), and a little more to exit: sixty's exact on-CPU
  // time at exit holds all of it.
  assert.ok(seen >= burned && seen <= burned * 1.05 + n * 2e6, `ended processes' CPU ${seen} ns against ${burned} ns burned`);
  return `${n} short processes: CPU ${(seen / 1e6).toFixed(1)} ms, burned ${(burned / 1e6).toFixed(1)} ms, statuses right`;
}

export async function procsGroundTruth(engine: Engine): Promise<string> {
  const p = engine.store.getSnapshot().panels[0]!;
  assert.equal(p.id, 'procs');
  return [await cpuAndWaits(engine), await rss(engine), await shortLived(engine)].join('; ');
}

/** Every task's schedstat now: run_delay and pcount (waits that ended on a CPU) by tid. */
function allTasks(): Map<number, { delay: number; count: number }> {
  const out = new Map<number, { delay: number; count: number }>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tids) {
      try {
        const [, delay, count] = readFileSync(`/proc/${p}/task/${t}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
        out.set(Number(t), { delay: delay!, count: count! });
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

/** Tasks (processes and threads) created since boot: /proc/stat's `processes`. */
function forks(): number {
  return Number(/^processes (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? NaN);
}

/**
 * runqlat against the kernel: three loops pinned to one CPU (so most of the window's waits are theirs), and the
 * all-CPU row's count and sum against every task's schedstat (pcount and run_delay) over the same window, bounded by
 * the reads that bracket the two ticks. Tasks that started or ended within the window are left out of the kernel's
 * side and counted in the report.
 */
export async function runqlatGroundTruth(engine: Engine): Promise<string> {
  // Every task as the programs found it attached: a task queued since before then (a niced one starved on a busy host
  // can wait seconds) ends its wait in the window with no start the programs saw, while the kernel counts all of it.
  const attached = allTasks();
  const pinned = loops(3, onlineCpus() - 1);
  try {
    await sleep(scaled(300));
    const forks0 = forks();
    const b0 = allTasks();
    engine.tick();
    const a0 = allTasks();
    await sleep(2000);
    const b1 = allTasks();
    const rows = engine.tick().panels[0]!.rows as RunqlatRow[];
    const a1 = allTasks();
    // Tasks born in the window, however short their lives (a task that came and went between two listings is in no
    // listing): the kernel's fork count.
    const born = forks() - forks0;
    // The lower bounds count only tasks whose every wait in the window began after the programs attached: those born
    // since, and those that ran since (a wait ends when the task runs). The upper bounds count every task.
    const sum = { delay: { lo: 0, hi: 0 }, count: { lo: 0, hi: 0 } };
    let churn = 0;
    let unseen = 0;
    for (const [tid, x1] of a1) {
      const [x0, y0, y1] = [b0.get(tid), a0.get(tid), b1.get(tid)];
      if (!x0 || !y0 || !y1) {
        churn++;
        continue;
      }
      const at = attached.get(tid);
      const seen = !at || x0.count > at.count;
      if (seen) {
        sum.delay.lo += y1.delay - y0.delay;
        sum.count.lo += y1.count - y0.count;
      } else if (x1.count > x0.count) unseen++;
      sum.delay.hi += x1.delay - x0.delay;
      sum.count.hi += x1.count - x0.count;
    }
    // Tasks that ended in the window, and those born in it that no listing caught.
    for (const tid of b0.keys()) if (!a1.has(tid)) churn++;
    churn = Math.max(churn, born);
    const all = rows.find((r) => r.cpu === 'all');
    assert.ok(all, 'the all-CPU row');
    const report = `waits ${all.count} (schedstat ${sum.count.lo}..${sum.count.hi}), waited ${(all.sum_ns / 1e6).toFixed(1)} ms (run_delay ${(sum.delay.lo / 1e6).toFixed(1)}..${(sum.delay.hi / 1e6).toFixed(1)} ms), p99 ≤${(all.p99_ns ?? NaN) / 1e6} ms, ${churn} tasks came or went, ${unseen} ran in the window without having run since the programs attached`;
    const mid = (t: { lo: number; hi: number }): number => (t.lo + t.hi) / 2;
    // A task that started or ended within the window took its schedstat with it: what it waited is in sixty's figures
    // and in no task's left to read. Then only the lower bounds hold (sixty must still see every wait of the tasks
    // that stayed); on a host where nothing came or went, both.
    const bound = (t: { lo: number; hi: number }) => ({ lo: t.lo, hi: churn > 0 ? Infinity : t.hi });
    assert.ok(within(all.count, bound(sum.count), 0.05 * mid(sum.count)), `count: ${report}`);
    assert.ok(within(all.sum_ns, bound(sum.delay), 0.05 * mid(sum.delay)), `sum: ${report}`);
    const perCpu = rows.filter((r) => r.cpu !== 'all');
    assert.equal(
      perCpu.reduce((s, r) => s + r.count, 0),
      all.count,
      'the CPUs add up to the all row',
    );
    return report;
  } finally {
    stop(pinned);
  }
}
