/**
 * What a client of an interest-managed room holds after its last body: the groups (ascending id), the
 * tick of each one's state and whether it came by a one-tick delta. A holding never changes once made,
 * so clients that hold the same share one object, and with it this tick's body: a client whose view
 * still covers exactly its held groups, all updated, gets the frame its holding's first such client
 * was written, patched with its own input fields, instead of a body of its own.
 */
import type { SnapshotFrame } from '../../shared/wire/index.ts';
import type { Group } from './Group.ts';

/**
 * One holding, shared by every client that holds the same. It never changes while two or more clients
 * hold it; a holding only one client holds may be moved on in place ({@link Holding.updated}).
 */
export class Holding {
  /** Clients holding it now (not counted for {@link EMPTY_HOLDING}). */
  holders = 0;
  /** The tick {@link Holding.frame} and {@link Holding.next} are for (-1: none yet). */
  memoTick = -1;
  /** At memoTick: the frame that updates every held group and adds none, shared by this holding's clients. */
  frame: SnapshotFrame | null = null;
  /** At memoTick: the holding after {@link Holding.frame}. */
  next: Holding | null = null;

  constructor(
    /** The tick of the body that made it (what the next body is against), or -1 for nothing held. */
    public tick: number,
    /** Groups held, ascending id. */
    readonly groups: readonly Group[],
    /** Per held group: the tick of its state. */
    readonly ticks: Int32Array,
    /** Per held group: 1 if it came by a one-tick delta (the client then holds its one-tick motion), else 0. */
    readonly canon: Uint8Array,
    /** Entities in the held groups when it was made. */
    public entities: number,
  ) {}

  /**
   * The holding after a body of `tick` that updated every held group: this one moved on in place when
   * `inPlace` (its only client is the one served, and no other client is sent its frame), else a new one.
   */
  updated(tick: number, inPlace: boolean): Holding {
    const n = this.groups.length;
    const ticks = inPlace ? this.ticks : new Int32Array(n);
    const canon = inPlace ? this.canon : new Uint8Array(n);
    let entities = 0;
    for (let i = 0; i < n; i++) {
      canon[i] = tick - this.ticks[i]! === 1 ? 1 : 0;
      ticks[i] = tick;
      entities += this.groups[i]!.count;
    }
    if (inPlace) {
      this.tick = tick;
      this.entities = entities;
      return this;
    }
    const next = new Holding(tick, this.groups, ticks, canon, entities);
    return next;
  }

  /** True if every held group is at {@link Holding.tick}, each by a one-tick delta. */
  get allCanon(): boolean {
    for (let i = 0; i < this.groups.length; i++) if (this.ticks[i] !== this.tick || this.canon[i] !== 1) return false;
    return true;
  }
}

/** The holding of a client that holds nothing. */
export const EMPTY_HOLDING = new Holding(-1, [], new Int32Array(0), new Uint8Array(0), 0);

/**
 * This tick's holdings in which every group is at the tick by a one-tick delta, by their groups:
 * two clients that reach the same such holding by different paths (one added a group a tick later)
 * share it from then on. Each holding is listed on its first group, and a group's list is emptied at
 * the first holding of a new tick, so it holds at most one tick's holdings.
 */
export class HoldingInterner {
  /** This tick's holdings of no group. */
  private none: Holding | null = null;

  /** `made`, or the equal one made earlier this tick. */
  intern(made: Holding): Holding {
    if (!made.allCanon) return made;
    const first = made.groups[0];
    if (first === undefined) {
      if (this.none === null || this.none.tick !== made.tick) this.none = made;
      return this.none;
    }
    // Each group lists this tick's holdings that start with it: no map, no key to build.
    const list = first.interned;
    if (first.internTick !== made.tick) {
      first.internTick = made.tick;
      list.length = 0;
    }
    for (const h of list) if (h.tick === made.tick && sameGroups(h.groups, made.groups)) return h;
    list.push(made);
    return made;
  }
}

/** True if `a` and `b` list the same groups. */
function sameGroups(a: readonly Group[], b: readonly Group[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
