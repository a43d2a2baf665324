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

/** The pool of one group table; owned by it. */
export class ValuePool {
  private readonly byLength = new Map<number, number[][]>();
  private readonly zeros = new ZeroArrays();

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

  /** A column of `n` values, the caller's to own: a kept one (stale contents: write every value) or zeros. */
  take(n: number): number[] {
    return this.byLength.get(n)?.pop() ?? this.zeros.take(n);
  }
}
