/**
 * Interest management and the per-client byte budget of one room, on grouped snapshots
 * (shared/wire/groupedBody.ts): the world is split into groups (GroupTable.ts: the entities of one grid
 * cell, a few dozen at most per group), each group's chunk is encoded once per tick, and a client's
 * body is the chunks of the groups it sees, copied bit for bit. So the cost per client follows the
 * groups it sees, and most of the work is shared by every client that sees the same group. What a
 * client holds is an immutable holding (Holding.ts) shared by the clients that hold the same groups at
 * the same ticks; a client whose view is exactly its holding (the steady case) skips the steps below
 * (ExactPath.ts), and one frame is written for all the clients of a holding.
 *
 * Each tick, for each client:
 *
 *   1. its view: a circle of radius r around the client's entity or an explicit point. A group
 *      enters when its cell comes within r of the centre and leaves when its cell is farther than
 *      r + margin (hysteresis, so a view on a cell border does not flicker); groups of kinds without
 *      a position are seen by everyone. Entities enter and leave the view with their groups (and
 *      move between groups as they cross cells, a removal from one and a creation in the other);
 *   2. groups held and still in view are updated by their chunk from the tick the client holds;
 *      groups out of view, or retired, are dropped; groups coming into view are added whole;
 *   3. if everything fits the budget it is all sent; otherwise held groups are kept (not updated)
 *      and new ones wait, by priority:
 *        overdue (not sent for T ticks, oldest first) → the own entity's group
 *        → the rest by score = weight × (ticks since sent + 1) / (1 + 3·d²/r²)
 *      (d: from the centre to the group's cell centre; weight: the highest of its entities'). A kept
 *      group is extrapolated by the client, and its next chunk covers the gap. Sizes are exact (chunks
 *      are encoded before choosing), so the budget is never exceeded.
 *
 * Starvation bound: with budget B, n = ⌊(B − envelope − orders − held codes) / worst group⌋ ≥ 1 groups
 * fit in any snapshot (the minimum budget guarantees one, not counting the 2 bits per held group), and
 * overdue groups go first, oldest first. With V groups in view, a group is overdue T = ⌈V / n⌉ ticks
 * after it was last sent and is sent within T more: every visible entity is sent at least every
 * K = 2T ticks while V holds ({@link InterestManager.maxUpdateIntervalTicks}; K = 1 when everything fits).
 */
import type { Schema, Snapshot } from '../../shared/index.ts';
import type { RoomClient } from '../RoomClient.ts';
import { ClientInterest } from './ClientInterest.ts';
import { GroupTable } from './GroupTable.ts';
import { checkBudget, checkMargin, checkWeight, type ResolvedInterest } from './interestOptions.ts';
import { InterestStrategy } from './InterestStrategy.ts';
import type { ClientViewInfo, InterestStats, ViewOptions } from './interestTypes.ts';

/** One room's interest manager (`room.interest`); created by the Room for a room type with `interest`. */
export class InterestManager {
  /** @internal the strategy the room's snapshot stream serves its clients with. */
  readonly strategy: InterestStrategy;
  private readonly clients = new Map<RoomClient, ClientInterest>();
  private readonly weights = new Map<number, number>();

  /** @internal created by the Room. */
  constructor(
    schema: Schema,
    private readonly options: ResolvedInterest,
  ) {
    const table = new GroupTable(schema, options.grid, options.xField, options.yField, options.groupCap);
    this.strategy = new InterestStrategy(table, options, {
      stateOf: (client) => this.stateOf(client),
      forget: (client) => this.clients.delete(client),
      weightOf: (world) => this.weightOf(world),
    });
  }

  /** Counters since the room started (a fresh object). */
  get stats(): InterestStats {
    return { ...this.strategy.counts };
  }

  /**
   * Sets `client`'s view: any of radius, margin (world units) and centre (a point, or null to follow
   * `client.entityId`). Applies from the next snapshot. Throws for a radius ≤ 0 or a margin < 0.
   */
  setView(client: RoomClient, view: ViewOptions): void {
    const state = this.stateOf(client);
    if (view.radius !== undefined) {
      if (!(view.radius > 0) || !Number.isFinite(view.radius))
        throw new RangeError(`interest.setView: radius must be a finite number > 0; got ${view.radius}`);
      state.radius = view.radius;
    }
    if (view.margin !== undefined) {
      checkMargin(view.margin, 'interest.setView');
      state.margin = view.margin;
    }
    if (view.center !== undefined) {
      const c = view.center;
      if (c !== null && !(Number.isFinite(c.x) && Number.isFinite(c.y)))
        throw new RangeError('interest.setView: center must have finite x and y, or be null');
      state.center = c === null ? null : { x: c.x, y: c.y };
    }
  }

  /**
   * Sets `client`'s frame budget in bytes (Infinity for none), or null for the room type's. Throws below the schema's
   * minimum.
   */
  setBudget(client: RoomClient, budgetBytes: number | null): void {
    if (budgetBytes !== null) checkBudget(budgetBytes, this.options.wire, 'interest.setBudget');
    this.stateOf(client).budgetBytes = budgetBytes;
  }

  /** Sets entity `id`'s priority weight (> 0; multiplies its kind's weight), or null for the default 1. */
  setWeight(id: number, weight: number | null): void {
    if (weight === null) this.weights.delete(id);
    else {
      checkWeight(weight, 'interest.setWeight');
      this.weights.set(id, weight);
    }
  }

  /** `client`'s view as applied, with its budget, visible count and starvation bound K. */
  viewOf(client: RoomClient): ClientViewInfo {
    const s = this.stateOf(client);
    return {
      radius: s.radius,
      margin: s.margin,
      center: s.center,
      budgetBytes: s.budgetBytes ?? this.options.budgetBytes,
      visibleCount: s.visibleCount,
      maxUpdateIntervalTicks: s.maxIntervalTicks,
    };
  }

  /** K for `client`: every entity in its view is sent at least every K ticks (1 when everything fits). */
  maxUpdateIntervalTicks(client: RoomClient): number {
    return this.stateOf(client).maxIntervalTicks;
  }

  /** @internal entity `id` was despawned: drop its weight. */
  despawned(id: number): void {
    if (this.weights.size > 0) this.weights.delete(id);
  }

  private stateOf(client: RoomClient): ClientInterest {
    let state = this.clients.get(client);
    if (state === undefined) {
      state = new ClientInterest(this.options.viewRadius, this.options.viewMargin);
      this.clients.set(client, state);
    }
    return state;
  }

  /** Per-row priority weight of `world`, or null when every weight is 1. */
  private weightOf(world: Snapshot): ((row: number) => number) | null {
    const kindWeight = this.options.kindWeight;
    if (this.weights.size === 0 && kindWeight.every((w) => w === 1)) return null;
    return (row) => kindWeight[world.kinds[row]!]! * (this.weights.get(world.ids[row]!) ?? 1);
  }
}
