/** The public types of per-client interest: views, view info and counters. */

/** A client's view. */
export interface ViewOptions {
  /** Radius around the centre, world units. */
  readonly radius?: number;
  /** Hysteresis margin, world units. */
  readonly margin?: number;
  /** The centre, world units; null to follow the client's entity (`client.entityId`). */
  readonly center?: {
    /** X coordinate, world units. */
    readonly x: number;
    /** Y coordinate, world units. */
    readonly y: number;
  } | null;
}

/** A client's view as the interest manager applies it. */
export interface ClientViewInfo {
  /** Radius around the centre: a group enters the view when its cell comes within it, world units. */
  readonly radius: number;
  /** Hysteresis margin: a group in view leaves only when its cell is beyond radius + margin, world units. */
  readonly margin: number;
  /** The centre, world units; null when the view follows the client's entity (`client.entityId`). */
  readonly center: {
    /** X coordinate, world units. */
    readonly x: number;
    /** Y coordinate, world units. */
    readonly y: number;
  } | null;
  /** This client's frame budget, bytes (Infinity for none). */
  readonly budgetBytes: number;
  /** Entities in the groups in view at the last snapshot (sent or deferred). */
  readonly visibleCount: number;
  /** K: every entity in view is sent at least every K ticks (see the module comment). */
  readonly maxUpdateIntervalTicks: number;
}

/** Counters since the room started; read them for benchmarks and dashboards. */
export interface InterestStats {
  /** Entities sent at their true value (creates included). */
  readonly entitiesSent: number;
  /** Entities in view held back by the budget for a tick (their groups kept, or waiting to be added). */
  readonly entitiesDeferred: number;
  /** Snapshot frames sent. */
  readonly snapshots: number;
  /** Snapshot frame bytes sent. */
  readonly bytes: number;
  /**
   * Of the snapshot frames sent, those written for another client holding the same groups and sent to
   * this one as they were (only the input fields patched).
   */
  readonly sharedFrames: number;
}

/** @internal the strategy's counters, read through InterestManager.stats. */
export interface InterestCounts {
  entitiesSent: number;
  entitiesDeferred: number;
  snapshots: number;
  bytes: number;
  sharedFrames: number;
}
