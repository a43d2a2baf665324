import { doubleZeros, type Snapshot } from '../snapshot.ts';

/** Spare columns kept by default: two snapshots' values and motion, and a few more for bursts. */
const DEFAULT_MAX_SPARE = 8;
/**
 * Adopted snapshots tracked at most; past it all are forgotten (they stay valid and are never
 * recycled). A client's buffer releases its snapshots long before: this only bounds what a recycler
 * used without a releasing buffer keeps alive.
 */
const MAX_OWNED = 256;

/**
 * Reuses the value and motion columns of decoded snapshots nobody can see any more, so a steady
 * stream of deltas allocates no columns. One per client (not shared between clients or threads).
 *
 * The life of a snapshot decoded with a recycler: the decoder fills columns from {@link take} and
 * {@link adopt}s the snapshot; whoever hands it to code that may keep it (an `onSnapshot` listener,
 * a getter such as `latestSnapshot`) calls {@link retain} first, which makes it an ordinary immutable
 * snapshot for good; the one holder left (the client's SnapshotBuffer) calls {@link release} when it
 * drops it, and only then, if it was never retained, do its columns come back here to be overwritten
 * by a later decode. A snapshot someone may still read is therefore never written again.
 *
 * @category Wire internals
 */
export class SnapshotRecycler {
  private readonly spare: number[][] = [];
  /**
   * Adopted snapshots not yet retained or released. A Set, not a WeakSet, whose insertions measured a
   * quarter of a whole push into the buffer; its strong references are bounded by {@link MAX_OWNED}.
   */
  private readonly owned = new Set<Snapshot>();

  /** @param maxSpare most spare columns kept (beyond it, released columns are left to the GC). */
  constructor(private readonly maxSpare = DEFAULT_MAX_SPARE) {
    if (!(Number.isInteger(maxSpare) && maxSpare >= 0))
      throw new RangeError(`SnapshotRecycler: maxSpare must be an integer ≥ 0; got ${maxSpare}`);
  }

  /** Spare columns held now (for tests and statistics). */
  get spareCount(): number {
    return this.spare.length;
  }

  /**
   * A column of `n` doubles for a decode to overwrite in full: a spare one of that length, or a new
   * one of zeros. Spare columns of other lengths (the entity count changed) are dropped. The caller
   * owns it until it {@link adopt}s the snapshot it fills, or gives it back with {@link give}.
   */
  take(n: number): number[] {
    const spare = this.spare;
    while (spare.length > 0) {
      const column = spare.pop()!;
      if (column.length === n) return column;
    }
    return doubleZeros(n);
  }

  /** Gives back a column from {@link take} that no snapshot holds (a decode that failed). */
  give(column: number[]): void {
    if (this.spare.length < this.maxSpare) this.spare.push(column);
  }

  /** Marks `snapshot`, whose values and motion came from {@link take} and nothing else holds, as recyclable. */
  adopt(snapshot: Snapshot): void {
    if (this.owned.size >= MAX_OWNED) this.owned.clear();
    this.owned.add(snapshot);
  }

  /** `snapshot` reaches code that may keep it: its columns are never recycled (a no-op if not adopted). */
  retain(snapshot: Snapshot): void {
    this.owned.delete(snapshot);
  }

  /**
   * The last internal holder of `snapshot` dropped it: an adopted snapshot that was never retained
   * gives its columns back. Call once per snapshot, and only when no internal reader is left.
   */
  release(snapshot: Snapshot): void {
    if (!this.owned.delete(snapshot)) return;
    this.give(snapshot.values as number[]);
    if (snapshot.motion !== null) this.give(snapshot.motion as number[]);
  }
}
