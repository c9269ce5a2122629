/**
 * What the kernel skipped of a panel's programs and counted (the frame's `bpf_missed_drops`). A classic tracepoint or
 * kprobe program is skipped while `bpf_prog_active` is raised on its CPU: by any process's map syscall there, which
 * keeps it raised even while that process is preempted (the syscall disables migration, not preemption), and by a
 * softirq that interrupts such a syscall. Beside a process reading maps in a loop, opensnoop's tracepoint tiers missed
 * an open and tcpretrans' a retransmit, each one among the counts. Nothing is lost silently, so a ground truth that
 * finds fewer of its events than it made allows exactly these, shared by all of its checks, and says how many it used.
 */
import assert from 'node:assert/strict';

export class CountedMisses {
  private left: number;

  constructor(readonly counted: number) {
    this.left = counted;
  }

  /** `short` of `what` not seen: each must be one of the misses counted and not yet allowed for. */
  allow(short: number, what: string): void {
    assert.ok(short >= 0, `${what}: more seen than made (${-short})`);
    assert.ok(short <= this.left, `${what}: ${short} not seen, and ${this.left} of the programs' ${this.counted} counted misses left`);
    this.left -= short;
  }

  /** How many were allowed for. */
  get used(): number {
    return this.counted - this.left;
  }
}
