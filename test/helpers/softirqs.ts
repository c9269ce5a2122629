/** Ground truth for softirqs: /proc/softirqs, and a workload that raises NET_RX and BLOCK softirqs. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../src/engine.js';
import { onlineCpus } from '../../src/kernel/cpus.js';
import type { SoftirqsRow } from '../../src/models/softirqs.js';
import { SOFTIRQ_VECTORS } from '../../src/records/softirqs.js';
import { Pid1Trace } from './pid1.js';

/** Per-vector counts per CPU (the columns of /proc/softirqs, CPU 0 first), keyed by the lower-case name. */
export function procSoftirqsCpus(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of readFileSync('/proc/softirqs', 'utf8').split('\n').slice(1)) {
    const m = /^\s*([A-Z_]+):\s+(.*)$/.exec(line);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!.trim().split(/\s+/).map(Number));
  }
  return out;
}

const totals = (cpus: Map<string, number[]>): Map<string, number> => new Map([...cpus].map(([v, c]) => [v, c.reduce((a, b) => a + b, 0)]));

/** Per-vector totals over all CPUs, keyed by the lower-case name. */
export function procSoftirqs(): Map<string, number> {
  return totals(procSoftirqsCpus());
}

export function makeSoftirqs(): void {
  // NET_RX and NET_TX from loopback traffic, BLOCK from direct I/O, TIMER/SCHED/RCU from the rest.
  spawnSync('python3', [
    '-c',
    `
import socket, threading
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()
def sink():
    c, _ = s.accept()
    while c.recv(65536): pass
threading.Thread(target=sink).start()
c = socket.create_connection(s.getsockname())
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(20000): c.send(b'x' * 100)
c.close()
`,
  ]);
  const file = join(process.cwd(), `.softirqs-test-${process.pid}`);
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4k', 'count=256', 'oflag=direct,sync'], { stdio: 'ignore' });
  } finally {
    execFileSync('rm', ['-f', file]);
  }
}

/**
 * Runs `read` (sixty's map read) between two /proc/softirqs readings, so the kernel's counts at the moment of the
 * read are bracketed: at least `before`, at most `after`.
 */
export interface Bracket<T> {
  value: T;
  before: Map<string, number>;
  after: Map<string, number>;
  beforeCpus: Map<string, number[]>;
  afterCpus: Map<string, number[]>;
}

export function bracketed<T>(read: () => T): Bracket<T> {
  const beforeCpus = procSoftirqsCpus();
  const value = read();
  const afterCpus = procSoftirqsCpus();
  return { value, before: totals(beforeCpus), after: totals(afterCpus), beforeCpus, afterCpus };
}

/** Softirqs that ran while one of PID 1's threads was current, where no BPF program runs (see Pid1Trace). */
export class Pid1Softirqs {
  private readonly trace = new Pid1Trace(['irq/softirq_entry']);

  start(): void {
    this.trace.start();
  }

  /** Stops recording; the count per vector name, and per `vector:cpu`. */
  stop(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const line of this.trace.stop()) {
      const m = /\[(\d+)\].*softirq_entry: vec=(\d+)/.exec(line);
      const v = m && SOFTIRQ_VECTORS[Number(m[2])];
      if (!v) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      const k = `${v}:${Number(m[1])}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }

  remove(): void {
    this.trace.remove();
  }
}

/**
 * Checks sixty's per-vector counts for the interval between two bracketed reads. The kernel's true delta lies
 * between (start.before → end.after) at most and (start.after → end.before) at least. The kernel counts a softirq in
 * /proc/softirqs just before softirq_entry fires, so each CPU can have one softirq counted there and not yet by sixty
 * when a read lands between the two: hence `ncpu`. On top of that, per vector: the runs the kernel skipped for sixty's
 * programs and counted (`missed`), and the softirqs that ran where no BPF program runs (`hidden`, see Pid1Softirqs).
 * Returns a report line per vector.
 */
export function checkAgainstProc(
  rows: readonly { vector: string; count: number | null }[],
  start: { before: Map<string, number>; after: Map<string, number> },
  end: { before: Map<string, number>; after: Map<string, number> },
  allow: { ncpu: number; missed: number; hidden: Map<string, number> },
): string[] {
  const report: string[] = [];
  for (const row of rows) {
    const v = row.vector;
    const lo = (end.before.get(v) ?? 0) - (start.after.get(v) ?? 0);
    const hi = (end.after.get(v) ?? 0) - (start.before.get(v) ?? 0);
    const hidden = allow.hidden.get(v) ?? 0;
    const tolerance = allow.ncpu + allow.missed;
    report.push(`${v}: sixty ${row.count} /proc ${lo === hi ? lo : `${lo}..${hi}`}${hidden ? ` (${hidden} under PID 1)` : ''}`);
    if (row.count === null || row.count < lo - tolerance - hidden || row.count > hi + tolerance) {
      throw new Error(`${v}: sixty ${row.count}, /proc/softirqs ${lo}..${hi} (tolerance ${allow.ncpu} CPUs + ${allow.missed} missed + ${hidden} under PID 1)`);
    }
  }
  return report;
}

/**
 * The softirqs ground-truth comparison for an engine whose only panel is softirqs: two bracketed ticks around a
 * workload, with PID 1's softirqs counted over the same window. Returns the rows and a report line per vector.
 */
/**
 * The same check per CPU, against each column of /proc/softirqs: one softirq in flight on that CPU, the runs the
 * kernel skipped (not told per CPU, so all of them), and PID 1's softirqs on that CPU. Also: the longest softirq
 * of a vector lies between its average and its total time.
 */
export function checkPerCpu(
  rows: readonly SoftirqsRow[],
  start: Bracket<unknown>,
  end: Bracket<unknown>,
  allow: { missed: number; hidden: Map<string, number> },
): string[] {
  const report: string[] = [];
  for (const row of rows) {
    const v = row.vector;
    assert.ok(row.cpu_counts, `${v}: per-CPU counts`);
    const cpus = end.afterCpus.get(v)?.length ?? 0;
    assert.equal(row.cpu_counts.length >= cpus, true, `${v}: a count for each of the ${cpus} CPUs in /proc/softirqs`);
    const parts: string[] = [];
    for (let c = 0; c < cpus; c++) {
      const lo = end.beforeCpus.get(v)![c]! - start.afterCpus.get(v)![c]!;
      const hi = end.afterCpus.get(v)![c]! - start.beforeCpus.get(v)![c]!;
      const hidden = allow.hidden.get(`${v}:${c}`) ?? 0;
      const ours = row.cpu_counts[c]!;
      parts.push(`cpu${c} ${ours}/${lo === hi ? lo : `${lo}..${hi}`}`);
      if (ours < lo - 1 - allow.missed - hidden || ours > hi + 1 + allow.missed) {
        throw new Error(`${v} on cpu${c}: sixty ${ours}, /proc/softirqs ${lo}..${hi} (tolerance 1 in flight + ${allow.missed} missed + ${hidden} under PID 1)`);
      }
    }
    if (row.count && row.time_ns !== null) {
      assert.ok(
        row.max_ns !== null && row.max_ns >= row.time_ns / row.count - 1 && row.max_ns <= row.time_ns,
        `${v}: longest ${row.max_ns} ns between the average ${row.time_ns / row.count} and the total ${row.time_ns}`,
      );
    }
    report.push(`${v}: ${parts.join(' ')}${row.max_ns ? `, longest ${row.max_ns} ns` : ''}`);
  }
  return report;
}

export async function softirqsGroundTruth(engine: Engine): Promise<{ rows: SoftirqsRow[]; report: string[]; missed: number }> {
  const pid1 = new Pid1Softirqs();
  try {
    pid1.start();
    const start = bracketed(() => engine.tick());
    makeSoftirqs();
    await new Promise((r) => setTimeout(r, 200));
    const end = bracketed(() => engine.tick());
    const hidden = pid1.stop();
    const panel = end.value.panels[0]!;
    const rows = panel.rows as SoftirqsRow[];
    const missed = panel.stats.bpf_missed_drops ?? 0;
    const report = checkAgainstProc(rows, start, end, { ncpu: onlineCpus(), missed, hidden });
    return { rows, missed, report: [...report, ...checkPerCpu(rows, start, end, { missed, hidden })] };
  } finally {
    pid1.remove();
  }
}
