/** Counter arithmetic shared by the models: deltas of cumulative counters, and rates over measured time. */

/** cur − prev as a number; null when the counter went backwards (reset, wrap, re-created entry). */
export function delta(cur: bigint | number, prev: bigint | number): number | null {
  if (cur < prev) return null;
  return typeof cur === 'bigint' && typeof prev === 'bigint' ? Number(cur - prev) : Number(cur) - Number(prev);
}

/** value per second over the measured elapsed time; null when either is unknown or no time passed. */
export function perSecond(value: number | null, elapsedNs: number): number | null {
  if (value === null || !(elapsedNs > 0)) return null;
  return (value * 1e9) / elapsedNs;
}

/** Compares two cell values: nulls last, numbers numerically, strings by code point. Never subtracts. */
export function compareValues(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** A cumulative counter's growth since the previous sample (all of it when there is none); never negative. */
export const since = (cur: number, prev: number | undefined): number => (prev === undefined ? cur : Math.max(0, cur - prev));

/**
 * The slot of a histogram (counts per slot, ascending) that holds the q-th quantile (0 < q ≤ 1): what a log2
 * histogram's percentile is, within its slot. Null with no count.
 */
export function quantileSlot(hist: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i]!;
  if (total <= 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= rank) return i;
  }
  return hist.length - 1;
}

/*
 * The histogram helpers below are loops in functions of their own, not `forEach` or `reduce` with an arrow written where
 * they are used: an arrow is a new function each call, and V8 keeps the optimized code of such a function only as long
 * as one of them lives. A major GC (every 15 s or so in the daemon) drops it, and the next call compiles it again
 * (docs/performance.md, "compiled again after every major GC").
 */

/** Adds `from` into `into`, slot by slot (a slot `into` does not have yet counts from 0). */
export function addCounts(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + from[i]!;
}

/** The sum of a histogram's counts (panels/group.ts's sumOf sums a field over rows). */
export function sumCounts(xs: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

/** The last slot with a count, or -1. */
export function lastCounted(hist: readonly number[]): number {
  for (let i = hist.length - 1; i >= 0; i--) if (hist[i]! > 0) return i;
  return -1;
}
