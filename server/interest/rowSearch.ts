/** Row searches over ascending id columns and small row lists, for the interest manager's hot loop. */

/** Lists up to this long are sorted by insertion (a typed-array sort above). */
const INSERTION_SORT_MAX = 32;

/** The row of `id` in ascending `ids[0 … count)` at or after `from`, or -1: exponential then binary search. */
export function gallop(ids: readonly number[], count: number, id: number, from: number): number {
  let lo = from;
  let step = 1;
  let hi = from;
  while (hi < count && ids[hi]! < id) {
    lo = hi + 1;
    hi = from + step;
    step *= 2;
  }
  if (hi >= count) hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = ids[mid]!;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Sorts `rows[0 … n)` ascending. */
export function sortRows(rows: Int32Array, n: number): void {
  if (n > INSERTION_SORT_MAX) {
    rows.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = rows[i]!;
    let j = i - 1;
    while (j >= 0 && rows[j]! > v) {
      rows[j + 1] = rows[j]!;
      j--;
    }
    rows[j + 1] = v;
  }
}
