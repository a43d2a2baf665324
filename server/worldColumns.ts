/**
 * Reuse of a room's world value columns. A world of 10,000 units is a column of tens of thousands of
 * doubles, which V8 allocates in its large-object space: a fresh one per tick costs about 2 ms of
 * allocation and garbage collection. A world's column is reused once the room's last own holder let
 * it go (the lag-compensation ring dropped it, and the room's stream strategy keeps no worlds) and
 * only if it never reached code that may keep it ({@link WorldColumns.expose}): snapshots handed out
 * stay immutable for as long as anyone holds them.
 */
import type { Snapshot } from '../shared/index.ts';

/** The spare world column of one room; owned by the room for its lifetime. */
export class WorldColumns {
  /** Value columns of worlds handed to code outside the room's own (never reused). */
  private readonly exposed = new WeakSet<readonly number[]>();
  private spare: number[] | null = null;

  /** Marks `world`'s columns as held by code the room does not control: they are never reused. */
  expose(world: Snapshot | null | undefined): void {
    if (world !== null && world !== undefined) this.exposed.add(world.values);
  }

  /**
   * The room's last own holder dropped `world` (nothing of the room refers to it any more): its value
   * column becomes the spare unless it was exposed.
   */
  release(world: Snapshot): void {
    if (!this.exposed.has(world.values)) this.spare = world.values as number[];
  }

  /**
   * The spare column cut to `length` values (contents stale: the caller writes every value), or null
   * when there is none at least that long. The caller owns it; it is no longer the spare.
   */
  take(length: number): number[] | null {
    const spare = this.spare;
    this.spare = null;
    if (spare === null || spare.length < length) return null;
    // Cut, never lengthened: a lengthened array has holes, slower to read.
    if (spare.length !== length) spare.length = length;
    return spare;
  }
}
