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
