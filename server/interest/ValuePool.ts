/**
 * Value columns of group states that left a group table's history (GroupTable.ts), kept by length for
 * the next group states of that length. A group's size drifts by a member or two from tick to tick, so
 * a column handed back to its own group is often one value short; pooled by length across the table,
 * each tick's states find the columns of the states that just left the history, and a long-lived big
 * world allocates almost no group column (each would otherwise live for the history's 32 ticks: long
 * enough for the young-generation collector to copy and promote it, the bulk of the GC cost).
 */
import { ZeroArrays } from '../../shared/snapshot.ts';

/** Most columns kept per length: more than a tick of turnover, bounded memory when groups die. */
const MAX_PER_LENGTH = 64;
/** How many members longer a kept column may be to be cut for a take that finds none of its length. */
const MAX_CUT_MEMBERS = 4;

/** The pool of one group table; owned by it. */
export class ValuePool {
  private readonly byLength = new Map<number, number[][]>();
  private readonly zeros = new ZeroArrays();

  /** @param stride values per member: column lengths are multiples of it */
  constructor(private readonly stride: number) {}

  /**
   * Keeps `values`, a column no state refers to any more, for a later {@link ValuePool.take} of its
   * length; the pool owns it from now on.
   */
  give(values: number[]): void {
    const n = values.length;
    if (n === 0) return;
    const list = this.byLength.get(n);
    if (list === undefined) this.byLength.set(n, [values]);
    else if (list.length < MAX_PER_LENGTH) list.push(values);
  }

  /**
   * A column of `n` values, the caller's to own: a kept one of that length, else a kept one a few members
   * longer cut to it (never lengthened: a lengthened array has holes, slower to read), else zeros. A kept
   * column's contents are stale: the caller writes every value.
   */
  take(n: number): number[] {
    const kept = this.byLength.get(n)?.pop();
    if (kept !== undefined) return kept;
    for (let m = 1; m <= MAX_CUT_MEMBERS; m++) {
      const longer = this.byLength.get(n + m * this.stride)?.pop();
      if (longer === undefined) continue;
      longer.length = n;
      return longer;
    }
    return this.zeros.take(n);
  }
}
