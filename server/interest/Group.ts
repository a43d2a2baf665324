/** One group of an interest-managed room (see GroupTable.ts): its members, its chunks and its past states. */
import type { Snapshot } from '../../shared/index.ts';
import type { EncodedChunk } from '../../shared/wire/SnapshotEncoder.ts';
import type { Holding } from './Holding.ts';

/** Ticks of past group states kept for deltas to clients that skipped a group. */
export const HISTORY_TICKS = 32;

/** One group; owned by its table. */
export class Group {
  /** Members this tick (the count of `now`, kept here so a client's pass reads no snapshot). */
  count = 0;
  /** While the table is being rebuilt: members written so far, and the next snapshot's columns. */
  fill = 0;
  nextValues: number[] = [];
  nextTexts: (string | undefined)[] | null = null;
  /** While the table is being rebuilt: null while the members are last tick's first ones, else their columns. */
  nextIds: number[] | null = null;
  nextKinds: number[] | null = null;
  /** Highest priority weight among the members this tick. */
  weight = 1;
  /** True once the group has no members: clients holding it drop it, and it is never used again. */
  dead = false;
  /** Scratch mark for the client being served (see InterestManager). */
  mark = 0;
  /** The tick of {@link Group.interned} (-1: none). */
  internTick = -1;
  /** That tick's interned holdings whose first group this is (HoldingInterner in Holding.ts). */
  readonly interned: Holding[] = [];
  /** The group's snapshot this tick (no motion). */
  now: Snapshot;
  /** True once a chunk of {@link Group.now} was encoded this tick (a client may hold it: it joins the history). */
  encoded = false;
  /** The group's state after this tick's one-tick chunk, once one was encoded. */
  canonNow: Snapshot | null = null;
  /** Members counted while the table is being rebuilt. */
  nextCount = 0;
  /** A motion column no longer referenced, which the next one-tick chunk's motion may reuse. */
  spareMotion: number[] | null = null;
  /**
   * The group's states of the last {@link HISTORY_TICKS} ticks, as a client may hold them, in slot
   * tick mod HISTORY_TICKS: the tick (-1: none), its values without motion (held after a keyframe or a
   * delta of more than one tick), and the same values with their one-tick motion (held after a one-tick
   * delta; null if no client got one).
   */
  readonly pastTick = new Int32Array(HISTORY_TICKS).fill(-1);
  readonly pastFresh: (Snapshot | null)[] = new Array<Snapshot | null>(HISTORY_TICKS).fill(null);
  readonly pastCanon: (Snapshot | null)[] = new Array<Snapshot | null>(HISTORY_TICKS).fill(null);
  /** This tick's chunks: whole, and from last tick (with and without motion), once encoded. */
  whole: EncodedChunk | undefined = undefined;
  fromCanon: EncodedChunk | undefined = undefined;
  fromFresh: EncodedChunk | undefined = undefined;
  /** This tick's chunks from older ticks, by base tick × 2 + (with motion ? 1 : 0); null: not kept. */
  readonly memo = new Map<number, EncodedChunk | null>();

  constructor(
    /** Id on the wire; never reused within a room. */
    readonly id: number,
    /** Grid cell index, or {@link GLOBAL_CELL}. */
    readonly cell: number,
    /** The cell's bounds, world units (infinite for a global group). */
    readonly x0: number,
    readonly y0: number,
    readonly x1: number,
    readonly y1: number,
    empty: Snapshot,
  ) {
    this.now = empty;
  }
}
