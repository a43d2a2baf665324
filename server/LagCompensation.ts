/**
 * Lag compensation: a ring of the room's past quantized world snapshots (references to the snapshots
 * the room makes anyway, never copies) and a rewind for hit tests at the tick a shooter saw.
 *
 *   server tick   …  90   91   92   93   94   95  (now)
 *   client view          ^ viewTick 91 (what the shooter drew when it fired)
 *   cap 250 ms at 60 Hz = 15 ticks: a viewTick older than now − 15 is raised to now − 15
 *
 * A rewind never goes further back than the cap (so a client cannot claim an arbitrarily old view to
 * hit what has long moved on) nor past the oldest snapshot still held, and never ahead of now.
 */
import {
  dequantizeEntity,
  type EntityOf,
  indexOfEntity,
  type KindName,
  type Schema,
  type Snapshot,
} from '../shared/index.ts';

/** Default span of world history kept, ms. */
export const DEFAULT_HISTORY_MS = 1000;
/** Default furthest a hit test may rewind, ms. */
export const DEFAULT_MAX_REWIND_MS = 250;

/** A room type's lag-compensation options. */
export interface LagCompensationOptions {
  /** World history kept, ms (rounded up to whole ticks). Default {@link DEFAULT_HISTORY_MS}. */
  readonly historyMs?: number;
  /**
   * Furthest a rewind goes back from the current tick, ms (rounded down to whole ticks, ≤ historyMs). Default
   * {@link DEFAULT_MAX_REWIND_MS}.
   */
  readonly maxRewindMs?: number;
}

/** The world at a past tick, dequantized on demand; valid only inside the rewind callback. */
export interface RewoundWorld<S extends Schema = Schema> {
  /** The tick rewound to (after the cap). */
  readonly tick: number;
  /**
   * Entity `id`'s state at that tick as real values (a fresh object the caller owns), or undefined if
   * it did not exist then. Pass a kind to get it typed (undefined if it is of another kind).
   */
  get<K extends KindName<S>>(id: number, kind?: K): EntityOf<S, K> | undefined;
  /** Every entity id at that tick, ascending (do not modify). */
  readonly ids: readonly number[];
}

/** The ring of past snapshots of one room. */
export class LagCompensation<S extends Schema = Schema> {
  /** Snapshots held (history length in ticks). */
  readonly historyTicks: number;
  /** Furthest a rewind goes back, ticks. */
  readonly maxRewindTicks: number;
  private readonly ring: (Snapshot | null)[];
  /** Snapshots handed out by {@link LagCompensation.snapshotAt}: the caller may keep them. */
  private readonly lent = new WeakSet<Snapshot>();
  private newest = -1;

  /** Throws for a history or cap that is not finite and ≥ 0, or a cap beyond the history. */
  constructor(
    private readonly schema: S,
    tickRateHz: number,
    options: LagCompensationOptions = {},
  ) {
    const historyMs = options.historyMs ?? DEFAULT_HISTORY_MS;
    const maxRewindMs = options.maxRewindMs ?? Math.min(DEFAULT_MAX_REWIND_MS, historyMs);
    if (!(historyMs >= 0) || !Number.isFinite(historyMs))
      throw new RangeError(`lagCompensation.historyMs must be a finite number ≥ 0; got ${historyMs}`);
    if (!(maxRewindMs >= 0) || !(maxRewindMs <= historyMs)) {
      throw new RangeError(
        `lagCompensation.maxRewindMs must be from 0 to historyMs (${historyMs}); got ${maxRewindMs}`,
      );
    }
    this.historyTicks = Math.ceil((historyMs * tickRateHz) / 1000) + 1;
    this.maxRewindTicks = Math.floor((maxRewindMs * tickRateHz) / 1000 + 1e-9);
    this.ring = new Array<Snapshot | null>(this.historyTicks).fill(null);
  }

  /**
   * Keeps `snapshot` (a reference) as the newest state; ticks must increase. Returns the snapshot it
   * dropped to make room if it was never handed out by {@link LagCompensation.snapshotAt} (the ring
   * was its only holder here), else null.
   */
  record(snapshot: Snapshot): Snapshot | null {
    const slot = snapshot.tick % this.historyTicks;
    const dropped = this.ring[slot]!;
    this.ring[slot] = snapshot;
    this.newest = snapshot.tick;
    return dropped === null || dropped === snapshot || this.lent.has(dropped) ? null : dropped;
  }

  /**
   * The tick a hit test for `viewTick` uses: clamped to [now − cap, now] and to the oldest snapshot held; -1 before
   * any.
   */
  rewindTick(viewTick: number): number {
    const now = this.newest;
    if (now < 0) return -1;
    const oldest = Math.max(0, now - this.historyTicks + 1);
    const floor = Math.max(now - this.maxRewindTicks, oldest);
    let tick = Math.min(Math.max(Math.floor(viewTick), floor), now);
    while (tick < now && this.held(tick) === undefined) tick++;
    return tick;
  }

  /**
   * The snapshot of `tick` if still held (not capped), else undefined. Immutable: never modify it; it
   * stays valid for as long as the caller keeps it.
   */
  snapshotAt(tick: number): Snapshot | undefined {
    const s = this.held(tick);
    if (s !== undefined) this.lent.add(s);
    return s;
  }

  /** The snapshot of `tick` if still in the ring, else undefined (for the ring's own reads: not lent). */
  private held(tick: number): Snapshot | undefined {
    if (tick < 0 || tick > this.newest || this.newest - tick >= this.historyTicks) return undefined;
    const s = this.ring[tick % this.historyTicks];
    return s !== null && s !== undefined && s.tick === tick ? s : undefined;
  }

  /** Entity `id`'s state at `tick` as real values (a fresh object), or undefined if not held or absent. Not capped. */
  stateAt(tick: number, id: number): Record<string, unknown> | undefined {
    const snap = this.held(tick);
    if (snap === undefined) return undefined;
    const i = indexOfEntity(snap, id);
    return i < 0 ? undefined : dequantizeEntity(this.schema, snap, i);
  }

  /**
   * Runs `test` against the world at `rewindTick(viewTick)` and returns its result; undefined before the first
   * tick.
   */
  rewind<T>(viewTick: number, test: (at: RewoundWorld<S>) => T): T | undefined {
    const tick = this.rewindTick(viewTick);
    const snap = tick < 0 ? undefined : this.held(tick);
    if (snap === undefined) return undefined;
    const schema = this.schema;
    const get = <K extends KindName<S>>(id: number, kind?: K): EntityOf<S, K> | undefined => {
      const i = indexOfEntity(snap, id);
      if (i < 0 || (kind !== undefined && schema.kinds[snap.kinds[i]!]!.name !== kind)) return undefined;
      return dequantizeEntity(schema, snap, i) as EntityOf<S, K>;
    };
    return test({ tick, ids: snap.ids, get });
  }
}
