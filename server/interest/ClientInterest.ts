/**
 * One client's interest state: its view, its budget override, and what it holds (Holding.ts).
 */
import type { Group } from './Group.ts';
import { EMPTY_HOLDING, type Holding } from './Holding.ts';

/** Per-client interest state; owned by the InterestManager. */
export class ClientInterest {
  center: { readonly x: number; readonly y: number } | null = null;
  budgetBytes: number | null = null;
  private held: Holding = EMPTY_HOLDING;
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

  /** What the client holds after its last body (shared with the clients that hold the same). */
  get holding(): Holding {
    return this.held;
  }

  /** Now holds `next` (counted in each holding's {@link Holding.holders}). */
  hold(next: Holding): void {
    if (next === this.held) return;
    if (this.held !== EMPTY_HOLDING) this.held.holders--;
    if (next !== EMPTY_HOLDING) next.holders++;
    this.held = next;
  }

  /** Forgets the groups held: the client's next body is against nothing. */
  reset(): void {
    this.hold(EMPTY_HOLDING);
  }
}
