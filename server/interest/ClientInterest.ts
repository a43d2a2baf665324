/**
 * One client's interest state: its view, its budget override, and what it holds (Holding.ts).
 */
import type { Group } from './Group.ts';
import { EMPTY_HOLDING, type Holding } from './Holding.ts';

/** Per-client interest state; owned by the InterestManager. */
export class ClientInterest {
  center: { readonly x: number; readonly y: number } | null = null;
  budgetBytes: number | null = null;
  /** What the client holds after its last body (shared with the clients that hold the same). */
  holding: Holding = EMPTY_HOLDING;
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
    this.holding = EMPTY_HOLDING;
  }
}
