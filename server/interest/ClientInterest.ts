/**
 * One client's interest state: its view, its budget override, and the groups it holds (which group,
 * the tick it last updated it, and whether that update was a one-tick delta).
 */
import type { Snapshot } from '../../shared/index.ts';
import type { Group } from './GroupTable.ts';

/** A group as one client holds it. */
export interface HeldGroup {
  readonly group: Group;
  /** The tick of the group the client holds. */
  tick: number;
  /** True if the client got it by a one-tick delta (it then holds the group's one-tick motion). */
  canon: boolean;
}

/** Per-client interest state; owned by the InterestManager. */
export class ClientInterest {
  center: { readonly x: number; readonly y: number } | null = null;
  budgetBytes: number | null = null;
  /**
   * The session's baseline marker for the last body sent (its tick is that body's), or null when the
   * client holds nothing. A session whose baseline is not this marker was reset: it holds nothing.
   */
  marker: Snapshot | null = null;
  /** Groups held, ascending id. */
  held: HeldGroup[] = [];
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

  /** Forgets the groups held when `baseline` (the session's) is not the marker of the last body sent. */
  sync(baseline: Snapshot | null): void {
    if (baseline !== null && baseline === this.marker) return;
    this.marker = null;
    this.held = [];
  }
}
