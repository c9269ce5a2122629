/** What panel fixtures (test/panels/ID.ts) share: their type, the kernels of the tier table, the benchmarks' loads. */
import { execFileSync } from 'node:child_process';
import type { Engine } from '../../src/engine.js';
import type { AnyPanelDef } from '../../src/panels/types.js';

/** The kernels the tier table is written for: the matrix's guests (test/kernels/run) and this project's host. */
export const KERNELS = ['5.10', '6.1', '6.12', '6.18'] as const;
export type KernelKey = (typeof KERNELS)[number];

/**
 * A workload of calls that each make one event of the panel, timed by itself. `readloop` is bench/readloop.c built,
 * `cached` a 1 MiB page-cached file, `schedloop` bench/schedloop.c built (pingpong N, forkexec N), `eventloop`
 * bench/eventloop.c built (open N FILE, paced-open, paced-exec).
 */
export type PerEvent = (ctx: { readloop: string; cached: string; schedloop: string; eventloop: string }) => { events: number; ns: number };

export interface PanelFixture {
  panel: AnyPanelDef;
  /**
   * BPF panels: the tier the ladder must pick on each kernel. Written down, not derived, so that a tier that stops
   * attaching where it should is a failure, not a quiet fall to the next one.
   */
  tiers?: Readonly<Record<KernelKey, string>>;
  /**
   * BPF panels: the ground truth, with the panel forced to `tier`. `open` opens an engine with that one panel (and checks
   * the tier); the fixture runs its workload and returns a one-line report for the test's diagnostics.
   */
  groundTruth?: (open: () => Promise<Engine>, tier: string) => Promise<string>;
  /** Samples its model turns into the rows of its golden screens (cumulative, one second apart), and a name they show. */
  samples?: { make: () => unknown[]; shows: string };
  bench?: {
    /** A short burst of the panel's events, for the in-kernel cost per event of each tier (bench/tier-cost.mjs). */
    burst: () => void;
    /**
     * The libbpf-tools program that reports the same thing (its interval and count are appended) and the steady load
     * both run under (bench/batch-vs-libbpf-tools.mjs); `scratch` is a directory the bench made, with an 8 MiB file
     * `cached` in it.
     */
    peer?: { tool: readonly string[]; load: (scratch: string) => readonly string[] };
    /**
     * A workload of calls that each make one event of the panel, timed by itself (bench/panel-cost.mjs: the cost each
     * event gains with the panel attached); several by name where the panel's hooks see different kinds of event.
     */
    perEvent?: PerEvent | Readonly<Record<string, PerEvent>>;
    /** The cost per event this panel's hooks are allowed (ns: the budget its design set, bench/RESULTS.md checks it), and program runs per event where the bench counts runs. */
    budgetNs: number;
    runsPerEvent?: number;
  };
}

/** Runs `f` on an engine and closes it, whatever happens. */
export async function using<T>(engine: Engine, f: (engine: Engine) => Promise<T>): Promise<T> {
  try {
    return await f(engine);
  } finally {
    engine.close();
  }
}

/** A steady loopback transfer, 64 KiB at a time, for as long as it runs (the benchmarks' network load). */
export const TCP_LOAD: readonly string[] = [
  'python3',
  '-c',
  'import socket,threading\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen()\nc=socket.create_connection(s.getsockname());a,_=s.accept()\nthreading.Thread(target=lambda:[a.recv(65536) for _ in iter(int,1)],daemon=True).start()\nb=bytes(65536)\nwhile True: c.sendall(b)',
];

/** Reads of the bench's 8 MiB file, for as long as it runs (page-cache hits, file reads). */
export const READ_LOAD = (scratch: string): readonly string[] => ['sh', '-c', `while :; do cat ${scratch}/cached > /dev/null; done`];

/** bench/eventloop.c's open loop: N open(2)+close(2) of the cached file. */
export const openloop =
  (n: number): PerEvent =>
  ({ eventloop, cached }) => {
    const [events, ns] = execFileSync(eventloop, ['open', String(n), cached], { encoding: 'utf8' })
      .trim()
      .split(' ')
      .map(Number);
    return { events: events!, ns: ns! };
  };

/** bench/schedloop.c's workload `mode` (pingpong: 2N switches; forkexec: N fork-exec-exits) as a per-event cost. */
export const schedloop =
  (mode: 'pingpong' | 'forkexec', n: number): PerEvent =>
  ({ schedloop: bin }) => {
    const [events, ns] = execFileSync(bin, [mode, String(n)], { encoding: 'utf8' })
      .trim()
      .split(' ')
      .map(Number);
    return { events: events!, ns: ns! };
  };

/** Context switches for the scheduler panels' cost per run: a pipe ping-pong of 20,000 round trips between two processes. */
export const SWITCH_BURST = (): void => {
  execFileSync('python3', [
    '-c',
    'import os\nr,w=os.pipe()\nr2,w2=os.pipe()\nif os.fork()==0:\n  for _ in range(20000): os.read(r,1); os.write(w2,b"x")\n  os._exit(0)\nfor _ in range(20000): os.write(w,b"x"); os.read(r2,1)\nos.wait()',
  ]);
};
