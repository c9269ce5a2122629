/**
 * The first `k` of `items` in `cmp`'s order, sorted: a selection (quickselect, linear on average), then a sort of
 * those k only. For the busiest rows of many (100k files) where a full sort was most of the model's time. `cmp` must
 * be a total order (ties broken by something unique), or which of equal items are kept is arbitrary.
 */
export function firstK<T>(items: readonly T[], k: number, cmp: (a: T, b: T) => number): T[] {
  if (items.length <= k) return [...items].sort(cmp);
  const a = [...items];
  let lo = 0;
  let hi = a.length - 1;
  const want = k - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // The median of the first, middle and last as the pivot: sorted or reversed input stays linear.
    const [x, y, z] = [a[lo]!, a[mid]!, a[hi]!];
    const pivot = cmp(x, y) < 0 ? (cmp(y, z) < 0 ? y : cmp(x, z) < 0 ? z : x) : cmp(x, z) < 0 ? x : cmp(y, z) < 0 ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (cmp(a[i]!, pivot) < 0) i++;
      while (cmp(a[j]!, pivot) > 0) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else break;
  }
  a.length = k;
  return a.sort(cmp);
}
