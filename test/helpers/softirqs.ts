/** Ground truth for softirqs: /proc/softirqs, and a workload that raises NET_RX and BLOCK softirqs. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Per-vector totals over all CPUs, keyed by the lower-case name. */
export function procSoftirqs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync('/proc/softirqs', 'utf8').split('\n').slice(1)) {
    const m = /^\s*([A-Z_]+):\s+(.*)$/.exec(line);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!.trim().split(/\s+/).reduce((s, v) => s + Number(v), 0));
  }
  return out;
}

export function makeSoftirqs(): void {
  // NET_RX and NET_TX from loopback traffic, BLOCK from direct I/O, TIMER/SCHED/RCU from the rest.
  spawnSync('python3', ['-c', `
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
`]);
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
export function bracketed<T>(read: () => T): { value: T; before: Map<string, number>; after: Map<string, number> } {
  const before = procSoftirqs();
  const value = read();
  const after = procSoftirqs();
  return { value, before, after };
}

/**
 * Checks sixty's per-vector counts for the interval between two bracketed reads. The kernel's true delta lies
 * between (start.before → end.after) at most and (start.after → end.before) at least. The kernel counts a softirq in
 * /proc/softirqs just before softirq_entry fires, so each CPU can have one softirq counted there and not yet by sixty
 * when a read lands between the two: hence a tolerance of the number of CPUs. Returns a report line per vector.
 */
export function checkAgainstProc(
  rows: { vector: string; count: number | null }[],
  start: { before: Map<string, number>; after: Map<string, number> },
  end: { before: Map<string, number>; after: Map<string, number> },
  tolerance: number,
): string[] {
  const report: string[] = [];
  for (const row of rows) {
    const v = row.vector;
    const lo = (end.before.get(v) ?? 0) - (start.after.get(v) ?? 0);
    const hi = (end.after.get(v) ?? 0) - (start.before.get(v) ?? 0);
    report.push(lo === hi ? `${v}: sixty ${row.count} /proc ${lo}` : `${v}: sixty ${row.count} /proc ${lo}..${hi}`);
    if (row.count === null || row.count < lo - tolerance || row.count > hi + tolerance) {
      throw new Error(`${v}: sixty ${row.count}, /proc/softirqs ${lo}..${hi} (tolerance ${tolerance})`);
    }
  }
  return report;
}
