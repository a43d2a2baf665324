/**
 * One client's interest state: its view, its budget override, and the groups it holds (which group,
 * the tick it last updated it, and whether that update was a one-tick delta).
 */
import type { Group } from './Group.ts';

/** Per-client interest state; owned by the InterestManager. */
export class ClientInterest {
  center: { readonly x: number; readonly y: number } | null = null;
  budgetBytes: number | null = null;
  /** The tick of the last body written to the client (what its next body is against), or -1 when it holds nothing. */
  sentTick = -1;
  /** Groups held, ascending id. Kept as parallel columns: one client's are read together each tick. */
  held: Group[] = [];
  /** Per held group: the tick of the group the client holds. */
  heldTick = new Int32Array(0);
  /** Per held group: 1 if the client got it by a one-tick delta (it then holds the group's one-tick motion), else 0. */
  heldCanon = new Uint8Array(0);
  /** The world row of the client's own entity at the last snapshot (a hint; -1: none). */
  ownRow = -1;
  /** Groups in view not sent yet → the tick they entered the view. */
  readonly waiting = new Map<Group, number>();
  /** Entities in the groups in view at the last snapshot. */
  visibleCount = 0;
  /** K at the last snapshot. */
  maxIntervalTicks = 1;

  constructor(
    public radius: number,
    public margin: number,
  ) {}

  /** Forgets the groups held: the client's next body is against nothing. */
  reset(): void {
    this.sentTick = -1;
    this.held = [];
    this.heldTick = new Int32Array(0);
    this.heldCanon = new Uint8Array(0);
  }
}
