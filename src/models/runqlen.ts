/**
 * runqlen model: per CPU over the interval, from timer samples of the CPU's run queue: tasks waiting (mean, max),
 * the share of samples with one waiting, tasks runnable (the running one counted), and the histogram. The "all" row
 * averages the means over the online CPUs, as BCC's runqlen does without -C. Pure.
 *
 * A CPU's timer is meant to fire `hz` times a second, but an idle CPU may take no sample at all (this project's VM:
 * an idle vCPU's cpu-clock event does not fire, while a busy one gets all 99). A sample that did not come is a
 * moment the CPU was idle, so the means are taken over max(samples, the elapsed time × hz), the missing ones
 * counting as an empty queue with nothing runnable.
 */
import { RUNQLEN_SLOTS, type RunqlenRecord } from '../records/runqlen.js';
import { addCounts } from './delta.js';

export interface RunqlenSample {
  /** every possible CPU, in CPU order */
  cpus: readonly RunqlenRecord[];
  /** CPUs online: 0 … online − 1 get a row */
  online: number;
  /** the sampling rate per CPU */
  hz: number;
}

export interface RunqlenRow {
  /** `cpu<N>` or `all` */
  id: string;
  cpu: number | 'all';
  /** timer samples taken in the interval (fewer than the rate gives when the CPU was idle) */
  samples: number;
  /** tasks waiting (nr_running − 1, floored at 0), averaged over the samples */
  queue_mean: number | null;
  /** the longest queue a sample found; RUNQLEN_SLOTS − 1 means that many or more */
  queue_max: number | null;
  /** % of samples that found a task waiting */
  occupancy_pct: number | null;
  /** nr_running, the running task counted, averaged over the samples */
  runnable_mean: number | null;
  /** samples by queue length in the interval: slot n counts queues of n (the last slot, n or more) */
  hist: readonly number[];
}

function highest(hist: readonly number[]): number | null {
  for (let i = hist.length - 1; i >= 0; i--) if (hist[i]! > 0) return i;
  return null;
}

export function deriveRunqlen(sample: RunqlenSample, previous: RunqlenSample | undefined, elapsedNs: number): RunqlenRow[] {
  if (!previous) return [];
  const expected = elapsedNs > 0 ? (elapsedNs / 1e9) * sample.hz : 0;
  const prev = new Map(previous.cpus.map((c) => [c.cpu, c]));
  const rows: RunqlenRow[] = [];
  const all = new Array<number>(RUNQLEN_SLOTS).fill(0);
  let sampled = 0;
  let samples = 0;
  let queue = 0;
  let occupancy = 0;
  let runnable = 0;
  for (const cur of sample.cpus) {
    if (cur.cpu >= sample.online) continue;
    const p = prev.get(cur.cpu);
    if (!p || cur.samples < p.samples) continue;
    const n = cur.samples - p.samples;
    const over = Math.max(n, expected);
    if (over === 0) continue;
    const hist = new Array<number>(cur.hist.length);
    for (let i = 0; i < cur.hist.length; i++) hist[i] = cur.hist[i]! - p.hist[i]!;
    addCounts(all, hist);
    const row: RunqlenRow = {
      id: `cpu${cur.cpu}`,
      cpu: cur.cpu,
      samples: n,
      queue_mean: (cur.queued - p.queued) / over,
      queue_max: highest(hist) ?? 0,
      occupancy_pct: ((cur.occupied - p.occupied) / over) * 100,
      runnable_mean: (cur.runnable - p.runnable) / over,
      hist: Object.freeze(hist),
    };
    rows.push(row);
    sampled++;
    samples += n;
    queue += row.queue_mean!;
    occupancy += row.occupancy_pct!;
    runnable += row.runnable_mean!;
  }
  if (sampled === 0) return rows;
  rows.push({
    id: 'all',
    cpu: 'all',
    samples,
    queue_mean: queue / sampled,
    queue_max: highest(all) ?? 0,
    occupancy_pct: occupancy / sampled,
    runnable_mean: runnable / sampled,
    hist: Object.freeze(all),
  });
  return rows;
}
