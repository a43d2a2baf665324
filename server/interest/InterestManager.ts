/**
 * Interest management and the per-client byte budget of one room, on grouped snapshots
 * (shared/wire/groupedBody.ts): the world is split into groups (GroupTable.ts: the entities of one grid
 * cell, a few dozen at most per group), each group's chunk is encoded once per tick, and a client's
 * body is the chunks of the groups it sees, copied bit for bit. So the cost per client follows the
 * groups it sees, and most of the work is shared by every client that sees the same group.
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
import { BitWriter } from '../../shared/wire/bits.ts';
import {
  type AddedGroup,
  HELD_DROPPED,
  HELD_KEPT,
  HELD_UPDATED,
  writeAdded,
  writeHeldCode,
  writeOrders,
} from '../../shared/wire/groupedBody.ts';
import { indexOfEntity, MsgKind, type Schema, type Snapshot } from '../../shared/index.ts';
import type { EncodedChunk } from '../../shared/wire/SnapshotEncoder.ts';
import type { RoomClient } from '../defineRoom.ts';
import type { ServerMetrics } from '../ServerMetrics.ts';
import type { Session } from '../Session.ts';
import { patchInputSeq, SnapshotFrameScratch, snapshotFrameBytes } from '../../shared/wire/snapshotFrame.ts';
import { ClientInterest } from './ClientInterest.ts';
import { GLOBAL_CELL, type Group, GroupTable } from './GroupTable.ts';
import { checkBudget, checkMargin, checkWeight, type ResolvedInterest } from './interestOptions.ts';
import type { ClientViewInfo, InterestStats, StreamHost, ViewOptions } from './interestTypes.ts';
import { eg0Bits, type WireBounds } from '../../shared/wire/wireBounds.ts';

/** How much farther groups lose priority: score ÷ (1 + this × d² / r²). */
const DISTANCE_FALLOFF = 3;
/** Sort keys of the priority classes; scores are capped below REST_CAP. */
const OVERDUE_KEY = 8e15;
const OWN_KEY = 4e15;
const REST_CAP = 1e15;
/** The added section of a body that adds no group. */
const NONE_ADDED: readonly AddedGroup[] = [];
/**
 * An empty list of numbers: the entries to add of a body that adds none, and the columns of a baseline marker (it holds
 * no entity).
 */
const NONE: readonly number[] = [];

/** One room's interest manager (`room.interest`); created by the Room for a room type with `interest`. */
export class InterestManager {
  private readonly table: GroupTable;
  private readonly wire: WireBounds;
  private readonly writer = new BitWriter();
  /** This tick's orders, as every body of the tick starts (written once per tick, copied per client). */
  private readonly ordersWriter = new BitWriter();
  private ordersBytes: Uint8Array = new Uint8Array(0);
  private ordersBitLength = 0;
  private readonly frames = new SnapshotFrameScratch();
  private readonly clients = new Map<RoomClient, ClientInterest>();
  private readonly weights = new Map<number, number>();
  private readonly counts = { entitiesSent: 0, entitiesDeferred: 0, snapshots: 0, bytes: 0 };
  private readonly weightOf: (row: number) => number;
  private world: Snapshot | null = null;
  /**
   * This tick's baseline marker, which every session sent a body this tick gets as its baseline. Its
   * tick is what a client's next body is against; its identity tells a session that was reset (its
   * baseline is no longer its state's marker) from one that holds its groups.
   */
  private marker: Snapshot | null = null;
  private serial = 0;
  // Scratch per entry (a group in view: held or to add) of the client being served.
  private eGroup: Group[] = [];
  private eChunk: EncodedChunk[] = [];
  /** Per entry: index in the client's held list, or -1 for a group to add. */
  private eHeld = new Int32Array(64);
  /** Per entry: bits it adds to the body when sent rather than kept or left waiting (upper bound for adds). */
  private eBits = new Float64Array(64);
  private eAge = new Float64Array(64);
  private eKey = new Float64Array(64);
  private inc = new Uint8Array(64);
  /** Per held group of the client being served: its entry, or -1 to drop it. */
  private heldEntry = new Int32Array(64);
  private order: number[] = [];

  /** @internal created by the Room. */
  constructor(
    schema: Schema,
    private readonly options: ResolvedInterest,
  ) {
    this.wire = options.wire;
    this.table = new GroupTable(schema, options.grid, options.xField, options.yField, options.groupCap);
    this.weightOf = (row) => {
      const w = this.world!;
      return options.kindWeight[w.kinds[row]!]! * (this.weights.get(w.ids[row]!) ?? 1);
    };
  }

  /** Counters since the room started (a fresh object). */
  get stats(): InterestStats {
    return { ...this.counts };
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
    if (budgetBytes !== null) checkBudget(budgetBytes, this.wire, 'interest.setBudget');
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

  /** @internal the client left: drop its state. */
  forget(client: RoomClient): void {
    this.clients.delete(client);
  }

  /** @internal entity `id` was despawned: drop its weight. */
  despawned(id: number): void {
    if (this.weights.size > 0) this.weights.delete(id);
  }

  /** @internal streams `world` to every session that can take a snapshot now. */
  stream(world: Snapshot, sessions: Iterable<Session>, host: StreamHost): void {
    this.world = world;
    this.marker = {
      tick: world.tick,
      count: 0,
      stride: 0,
      ids: NONE,
      kinds: NONE,
      values: NONE,
      motion: null,
      texts: null,
    };
    const weighted = this.weights.size > 0 || this.options.kindWeight.some((w) => w !== 1);
    this.table.prepare(world, weighted ? this.weightOf : null);
    this.ordersWriter.reset();
    writeOrders(this.ordersWriter, this.table.tables, this.table.orders);
    this.ordersBitLength = this.ordersWriter.bitLength;
    this.ordersBytes = this.ordersWriter.finish();
    for (const session of sessions) {
      const conn = session.conn;
      if (conn === null || !session.welcomed) continue;
      if (conn.bufferedAmount > host.maxBufferedBytes) {
        host.metrics.snapshotSkipped();
        continue;
      }
      if (session.baseline !== null && world.tick - session.baseline.tick > host.maxBaselineAgeTicks)
        session.baseline = null;
      this.sendTo(session, world, host.metrics);
    }
  }

  private stateOf(client: RoomClient): ClientInterest {
    let state = this.clients.get(client);
    if (state === undefined) {
      state = new ClientInterest(this.options.viewRadius, this.options.viewMargin);
      this.clients.set(client, state);
    }
    return state;
  }

  private sendTo(session: Session, world: Snapshot, metrics: ServerMetrics): void {
    const client = session.client;
    const state = this.stateOf(client);
    state.sync(session.baseline);
    const table = this.table;
    const tick = world.tick;
    const baseTick = state.marker === null ? -1 : state.marker.tick;
    let cx = 0;
    let cy = 0;
    let hasCenter = false;
    let own: Group | null = null;
    if (client.entityId >= 0) {
      const hint = state.ownRow;
      const row =
        hint >= 0 && hint < world.count && world.ids[hint] === client.entityId
          ? hint
          : indexOfEntity(world, client.entityId);
      state.ownRow = row;
      if (row >= 0) {
        own = table.rowGroup[row]!;
        if (state.center === null && !Number.isNaN(table.posX[row]!)) {
          cx = table.posX[row]!;
          cy = table.posY[row]!;
          hasCenter = true;
        }
      }
    }
    if (state.center !== null) {
      cx = state.center.x;
      cy = state.center.y;
      hasCenter = true;
    }
    const entries = this.gather(state, tick, cx, cy, hasCenter);
    const budget = state.budgetBytes ?? this.options.budgetBytes;
    this.inc.fill(1, 0, entries);
    state.maxIntervalTicks = 1;
    let adds = this.addsSent(entries);
    let body = this.write(state, adds);
    if (snapshotFrameBytes(tick, baseTick, body.byteLength) > budget) {
      this.choose(state, entries, own, budget, baseTick, tick, cx, cy);
      adds = this.addsSent(entries);
      body = this.write(state, adds);
      if (snapshotFrameBytes(tick, baseTick, body.byteLength) > budget) {
        // Even the held groups' codes alone do not fit (a view of very many groups on a tiny budget).
        metrics.snapshotSkipped();
        return;
      }
    }
    const frame = this.frames.build(MsgKind.GroupSnapshot, tick, baseTick, body);
    patchInputSeq(frame, client.lastInputSeq);
    if (session.conn!.send(frame.bytes) === 'dropped') {
      metrics.snapshotSkipped();
      return;
    }
    metrics.encoded();
    metrics.sent(frame.bytes.byteLength);
    metrics.snapshotSent();
    this.commit(state, entries, adds, tick);
    session.baseline = state.marker;
    const counts = this.counts;
    counts.snapshots++;
    counts.bytes += frame.bytes.byteLength;
  }

  /**
   * Lists the client's entries: held groups still in view (to update) and groups coming into view
   * (to add); marks held groups that leave the view for dropping. Returns the entry count.
   */
  private gather(state: ClientInterest, tick: number, cx: number, cy: number, hasCenter: boolean): number {
    const table = this.table;
    const held = state.held;
    const serial = ++this.serial;
    const keep = state.radius + state.margin;
    const keep2 = keep * keep;
    if (this.heldEntry.length < held.length) this.heldEntry = new Int32Array(held.length * 2);
    let n = 0;
    const heldTick = state.heldTick;
    const heldCanon = state.heldCanon;
    for (let i = 0; i < held.length; i++) {
      const g = held[i]!;
      g.mark = serial;
      this.heldEntry[i] = -1;
      if (g.dead || (g.cell !== GLOBAL_CELL && !(hasCenter && rectD2(g, cx, cy) <= keep2))) continue;
      const heldAt = heldTick[i]!;
      const chunk = table.chunk(g, heldAt, heldCanon[i] === 1);
      if (chunk === null) {
        n = this.addEntry(n, g, state, tick); // its state is too old: drop it and send it afresh
        continue;
      }
      this.reserve(n + 1);
      this.eGroup[n] = g;
      this.eChunk[n] = chunk;
      this.eHeld[n] = i;
      this.eBits[n] = chunk.bitLength - 1; // "updated" (1 bit) + chunk instead of "kept" (2 bits)
      this.eAge[n] = tick - heldAt;
      this.heldEntry[i] = n++;
    }
    if (hasCenter) {
      const { minX, minY, cellSize } = this.options.grid;
      const r = state.radius;
      const r2 = r * r;
      // Cells within r: the first one's right edge may lie exactly r away.
      const c0 = Math.max(0, Math.ceil((cx - r - minX) / cellSize) - 1);
      const c1 = Math.min(table.cols - 1, Math.floor((cx + r - minX) / cellSize));
      const w0 = Math.max(0, Math.ceil((cy - r - minY) / cellSize) - 1);
      const w1 = Math.min(table.rows - 1, Math.floor((cy + r - minY) / cellSize));
      for (let y = w0; y <= w1; y++) {
        for (let x = c0; x <= c1; x++) {
          const groups = table.groupsOf(y * table.cols + x);
          if (groups === undefined || rectD2(groups[0]!, cx, cy) > r2) continue;
          for (const g of groups) if (g.mark !== serial) n = this.addEntry(n, g, state, tick);
        }
      }
    }
    for (const g of table.globals) if (g.mark !== serial) n = this.addEntry(n, g, state, tick);
    if (state.waiting.size > 0)
      for (const g of state.waiting.keys()) if (g.mark !== serial || g.dead) state.waiting.delete(g);
    let visible = 0;
    for (let e = 0; e < n; e++) visible += this.eGroup[e]!.count;
    state.visibleCount = visible;
    return n;
  }

  private addEntry(n: number, g: Group, state: ClientInterest, tick: number): number {
    g.mark = this.serial;
    const chunk = this.table.chunk(g, -1, false)!;
    let since = state.waiting.get(g);
    if (since === undefined) {
      since = tick;
      state.waiting.set(g, since);
    }
    this.reserve(n + 1);
    this.eGroup[n] = g;
    this.eChunk[n] = chunk;
    this.eHeld[n] = -1;
    this.eBits[n] = eg0Bits(g.id) + chunk.bitLength;
    this.eAge[n] = tick - since + 1;
    return n + 1;
  }

  /** Marks in `inc` the entries to send within `budget`, by priority; sets the client's K. */
  private choose(
    state: ClientInterest,
    entries: number,
    own: Group | null,
    budget: number,
    baseTick: number,
    tick: number,
    cx: number,
    cy: number,
  ): void {
    const r2 = state.radius * state.radius;
    const availBits = (budget - snapshotFrameBytes(tick, baseTick, 0x100) + 0x100) * 8;
    let used = this.ordersBitLength + 2 * state.held.length + eg0Bits(entries);
    const perSnapshot = Math.max(1, Math.floor((availBits - used) / this.wire.groupWorstBits));
    let ownEntry = -1;
    for (let e = 0; e < entries; e++) if (this.eGroup[e] === own) ownEntry = e;
    const overdueAge = Math.ceil(entries / perSnapshot);
    state.maxIntervalTicks = 2 * overdueAge;
    const key = this.eKey;
    const order = this.order;
    order.length = entries;
    for (let e = 0; e < entries; e++) {
      order[e] = e;
      const age = this.eAge[e]!;
      if (age >= overdueAge) key[e] = OVERDUE_KEY + age;
      else if (e === ownEntry) key[e] = OWN_KEY;
      else
        key[e] = Math.min(
          (this.eGroup[e]!.weight * (age + 1)) / (1 + (DISTANCE_FALLOFF * centreD2(this.eGroup[e]!, cx, cy)) / r2),
          REST_CAP,
        );
    }
    order.sort((a, c) => key[c]! - key[a]!);
    this.inc.fill(0, 0, entries);
    for (const e of order) {
      if (used + this.eBits[e]! > availBits) continue;
      used += this.eBits[e]!;
      this.inc[e] = 1;
    }
  }

  /** Writes the body of the entries marked in `inc`, `adds` being those to add (layout: shared/wire/README.md). */
  private write(state: ClientInterest, adds: readonly number[]): Uint8Array {
    const w = this.writer;
    w.reset();
    w.append(this.ordersBytes, this.ordersBitLength);
    const held = state.held;
    for (let i = 0; i < held.length; i++) {
      const e = this.heldEntry[i]!;
      if (e < 0) writeHeldCode(w, HELD_DROPPED);
      else if (this.inc[e] === 0) writeHeldCode(w, HELD_KEPT);
      else {
        writeHeldCode(w, HELD_UPDATED);
        const chunk = this.eChunk[e]!;
        w.append(chunk.bytes, chunk.bitLength);
      }
    }
    writeAdded(
      w,
      adds.length === 0 ? NONE_ADDED : adds.map((e) => ({ id: this.eGroup[e]!.id, chunk: this.eChunk[e]! })),
    );
    return w.finish();
  }

  /** The entries to add that are marked sent, ascending group id. */
  private addsSent(entries: number): readonly number[] {
    let adds: number[] | null = null;
    for (let e = 0; e < entries; e++) {
      if (this.eHeld[e] !== -1 || this.inc[e] !== 1) continue;
      adds ??= [];
      adds.push(e);
    }
    if (adds === null) return NONE;
    if (adds.length > 1) adds.sort((a, b) => this.eGroup[a]!.id - this.eGroup[b]!.id);
    return adds;
  }

  /** The body was sent: the client now holds what it described. */
  private commit(state: ClientInterest, entries: number, adds: readonly number[], tick: number): void {
    let sent = 0;
    let deferred = 0;
    let dropped = 0;
    const held = state.held;
    const heldTick = state.heldTick;
    const heldCanon = state.heldCanon;
    for (let i = 0; i < held.length; i++) {
      const e = this.heldEntry[i]!;
      if (e < 0) dropped++;
      else if (this.inc[e] === 1) {
        heldCanon[i] = tick - heldTick[i]! === 1 ? 1 : 0;
        heldTick[i] = tick;
        sent += held[i]!.count;
      } else deferred += held[i]!.count;
    }
    for (let e = 0; e < entries; e++) if (this.eHeld[e] === -1 && this.inc[e] === 0) deferred += this.eGroup[e]!.count;
    if (dropped > 0 || adds.length > 0) {
      const size = held.length - dropped + adds.length;
      const groups: Group[] = [];
      const ticks = new Int32Array(size);
      const canon = new Uint8Array(size);
      const keep = (g: Group, at: number, isCanon: number): void => {
        ticks[groups.length] = at;
        canon[groups.length] = isCanon;
        groups.push(g);
      };
      const add = (e: number): void => {
        const g = this.eGroup[e]!;
        state.waiting.delete(g);
        sent += g.count;
        keep(g, tick, 0);
      };
      let a = 0;
      for (let i = 0; i < held.length; i++) {
        if (this.heldEntry[i]! < 0) continue;
        const g = held[i]!;
        while (a < adds.length && this.eGroup[adds[a]!]!.id < g.id) add(adds[a++]!);
        keep(g, heldTick[i]!, heldCanon[i]!);
      }
      while (a < adds.length) add(adds[a++]!);
      state.held = groups;
      state.heldTick = ticks;
      state.heldCanon = canon;
    }
    state.marker = this.marker;
    this.counts.entitiesSent += sent;
    this.counts.entitiesDeferred += deferred;
  }

  private reserve(n: number): void {
    if (this.eHeld.length >= n) return;
    const size = n * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (size: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.eHeld = grow(this.eHeld, (s) => new Int32Array(s));
    this.eBits = grow(this.eBits, (s) => new Float64Array(s));
    this.eAge = grow(this.eAge, (s) => new Float64Array(s));
    this.eKey = grow(this.eKey, (s) => new Float64Array(s));
    this.inc = grow(this.inc, (s) => new Uint8Array(s));
  }
}

/** Squared distance from (x, y) to group `g`'s cell (0 inside it). */
function rectD2(g: Group, x: number, y: number): number {
  const dx = x < g.x0 ? g.x0 - x : x > g.x1 ? x - g.x1 : 0;
  const dy = y < g.y0 ? g.y0 - y : y > g.y1 ? y - g.y1 : 0;
  return dx * dx + dy * dy;
}

/** Squared distance from (x, y) to the centre of `g`'s cell (0 for a global group). */
function centreD2(g: Group, x: number, y: number): number {
  if (g.cell === GLOBAL_CELL) return 0;
  const dx = (g.x0 + g.x1) / 2 - x;
  const dy = (g.y0 + g.y1) / 2 - y;
  return dx * dx + dy * dy;
}
