/**
 * Interest management and the per-client byte budget of one room. Each tick, for each client:
 *
 *   1. gather candidates from the grid cells its view overlaps (view = a circle of radius r around the
 *      client's entity or an explicit point; kinds without a position are seen by everyone);
 *   2. match them with the snapshot the client holds (its baseline): an entity not held enters when
 *      within r, a held one leaves beyond r + margin (hysteresis), so it does not flicker; held ones
 *      are found through a world-row mark, so nothing is sorted but the few new arrivals;
 *   3. if everything fits the budget, send it all; otherwise order by priority and send a prefix:
 *        own entity → settling (see below) → overdue (not sent for T ticks, oldest first) → removes
 *        → the rest by score = weight × (ticks since sent + 1) / (1 + 3·d²/r²)
 *   4. write the body and the client's next snapshot in one pass (SelectionWriter.ts): sent entities
 *      at their true values; deferred ones at exactly what the baseline's motion predicts (continuous
 *      fields; other fields keep the baseline's values), so they cost no bits and the client keeps
 *      extrapolating them; creates that did not fit are left out, removes that did not fit stay
 *      (predicted) for now. An entity whose row on the client is "canonical" (sent at its true value
 *      on each of the last two ticks) gets the record every such holder gets, computed once per tick
 *      for the whole room (RecordCache.ts);
 *   5. if the frame is over budget, drop from the end of the prefix and write again: at most three
 *      writes, the last one a prefix proven to fit by worst-case bounds (server/interest/wireBounds.ts).
 *      The budget is never exceeded.
 *
 * Starvation bound: with budget B, n = ⌊(B − envelope − header) / worst entity⌋ ≥ 2 entities fit in
 * any snapshot (the minimum budget guarantees two). One slot may go to the client's own entity and
 * half the rest to "settling" sends (an entity sent right after a deferral is sent once more, so the
 * motion the client extrapolates with is its real motion, not the catch-up jump); the other
 * m = n − own − ⌊(n − own) / 2⌋ ≥ 1 slots go to overdue entities, oldest first. With V entities in
 * view, an entity is overdue T = ⌈V / m⌉ ticks after it was last sent and is sent within T more:
 * every visible entity is sent at least every K = 2T ticks while V holds
 * ({@link InterestManager.maxUpdateIntervalTicks}; K = 1 when everything fits). Real sizes are far
 * below the worst case, so updates usually come much more often than K.
 */
import { indexOfEntity, type Snapshot, type Schema } from '../../shared/index.ts';
import type { RoomClient } from '../defineRoom.ts';
import type { ServerMetrics } from '../ServerMetrics.ts';
import type { Session } from '../Session.ts';
import { buildSnapshotFrame, patchInputSeq } from '../snapshotFrame.ts';
import { ClientInterest } from './ClientInterest.ts';
import { checkBudget, checkMargin, checkWeight, type ResolvedInterest } from './interestOptions.ts';
import { SelectionEncoder } from './SelectionEncoder.ts';
import type { WrittenSelection } from './SelectionWriter.ts';
import { RecordCache } from './RecordCache.ts';
import { CodecTables } from '../../shared/codecTables.ts';
import type { ClientViewInfo, InterestStats, StreamHost, ViewOptions } from './interestTypes.ts';
import { gallop, sortRows } from './rowSearch.ts';
import { SpatialGrid } from './SpatialGrid.ts';
import type { WireBounds } from './wireBounds.ts';

/** Weight of the newest observation in a client's average update size. */
const UPDATE_BITS_EMA = 0.3;

/** One room's interest manager (`room.interest`); created by the Room for a room type with `interest`. */
export class InterestManager {
  private readonly grid: SpatialGrid;
  private readonly wire: WireBounds;
  private readonly selection: SelectionEncoder;
  private readonly records: RecordCache;
  private readonly withText: boolean;
  private readonly clients = new Map<RoomClient, ClientInterest>();
  private readonly weights = new Map<number, number>();
  private readonly counts = { entitiesSent: 0, entitiesDeferred: 0, snapshots: 0, bytes: 0 };
  private world: Snapshot | null = null;
  /** Per world row: baseline row + 1 of the client being served, else 0 (cleared after each client). */
  private mark = new Int32Array(0);
  private cand = new Int32Array(0);
  private arrivals = new Int32Array(0);
  /** Per baseline row of the client being served: its world row (-1 gone) and squared distance (-1 out of view). */
  private baseWorld = new Int32Array(0);
  private baseD2 = new Float64Array(0);

  /** @internal created by the Room. */
  constructor(
    private readonly schema: Schema,
    private readonly options: ResolvedInterest,
  ) {
    this.grid = new SpatialGrid(options.grid);
    this.wire = options.wire;
    this.records = new RecordCache(new CodecTables(schema));
    this.selection = new SelectionEncoder(this.records.tables, this.records, options.wire);
    this.withText = schema.kinds.some((k) => k.fields.some((f) => f.coding === 'text'));
  }

  /** Counters since the room started (a fresh object). */
  get stats(): InterestStats {
    return { ...this.counts, reencodes: this.selection.reencodes };
  }

  /**
   * Sets `client`'s view: any of radius, margin (world units) and centre (a point, or null to follow
   * `client.entityId`). Applies from the next snapshot. Throws for a radius ≤ 0 or a margin < 0.
   */
  setView(client: RoomClient, view: ViewOptions): void {
    const state = this.stateOf(client);
    if (view.radius !== undefined) {
      if (!(view.radius > 0) || !Number.isFinite(view.radius)) throw new RangeError(`interest.setView: radius must be a finite number > 0; got ${view.radius}`);
      state.radius = view.radius;
    }
    if (view.margin !== undefined) {
      checkMargin(view.margin, 'interest.setView');
      state.margin = view.margin;
    }
    if (view.center !== undefined) {
      const c = view.center;
      if (c !== null && !(Number.isFinite(c.x) && Number.isFinite(c.y))) throw new RangeError('interest.setView: center must have finite x and y, or be null');
      state.center = c === null ? null : { x: c.x, y: c.y };
    }
  }

  /** Sets `client`'s frame budget in bytes (Infinity for none), or null for the room type's. Throws below the schema's minimum. */
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
    this.prepare(world);
    for (const session of sessions) {
      const conn = session.conn;
      if (conn === null || !session.welcomed) continue;
      if (conn.bufferedAmount > host.maxBufferedBytes) {
        host.metrics.snapshotSkipped();
        continue;
      }
      if (session.baseline !== null && world.tick - session.baseline.tick > host.maxBaselineAgeTicks) session.baseline = null;
      this.sendTo(session, world, host.metrics);
    }
  }

  private stateOf(client: RoomClient): ClientInterest {
    let state = this.clients.get(client);
    if (state === undefined) {
      state = new ClientInterest(this.options.viewRadius, this.options.viewMargin, this.withText);
      this.clients.set(client, state);
    }
    return state;
  }

  private prepare(world: Snapshot): void {
    this.world = world;
    this.records.prepare(world.tick, world.count);
    const { xField, yField } = this.options;
    const kinds = world.kinds;
    const values = world.values;
    const stride = world.stride;
    const fields = this.schema.kinds;
    this.grid.rebuild(world.count, (row, out) => {
      const k = kinds[row]!;
      const fx = xField[k]!;
      if (fx < 0) return false;
      const fy = yField[k]!;
      const f = fields[k]!.fields;
      out[0] = f[fx]!.dequantize(values[row * stride + fx]!) as number;
      out[1] = f[fy]!.dequantize(values[row * stride + fy]!) as number;
      return true;
    });
    if (this.cand.length < world.count) {
      const size = Math.max(world.count, this.cand.length * 2);
      this.cand = new Int32Array(size);
      this.arrivals = new Int32Array(size);
      this.mark = new Int32Array(size);
    }
  }

  private sendTo(session: Session, world: Snapshot, metrics: ServerMetrics): void {
    const client = session.client;
    const state = this.stateOf(client);
    const baseline = session.baseline;
    state.sync(baseline);
    const tick = world.tick;
    const grid = this.grid;
    const xField = this.options.xField;
    const r = state.radius;
    const r2 = r * r;
    let cx = 0;
    let cy = 0;
    let hasCenter = false;
    if (state.center !== null) {
      cx = state.center.x;
      cy = state.center.y;
      hasCenter = true;
    } else if (client.entityId >= 0) {
      const row = indexOfEntity(world, client.entityId);
      if (row >= 0 && xField[world.kinds[row]!]! >= 0) {
        cx = grid.posX[row]!;
        cy = grid.posY[row]!;
        hasCenter = true;
      }
    }
    const bCount = baseline === null ? 0 : baseline.count;
    const baseWorld = this.locateBaseline(world, baseline, state);
    if (this.baseD2.length < bCount) this.baseD2 = new Float64Array(Math.max(bCount, this.baseD2.length * 2));
    const baseD2 = this.baseD2;
    baseD2.fill(-1, 0, bCount);

    // Candidates within r + margin: held ones are marked (their world row maps to their baseline row);
    // the others are new arrivals if within r, or already waiting for their create.
    const cand = this.cand;
    // The grid's rows (the first `positioned`) have a position; the global rows after them do not.
    const positioned = hasCenter ? grid.query(cx, cy, r + state.margin, cand, 0) : 0;
    let n = positioned;
    for (let k = 0; k < grid.globalCount; k++) cand[n++] = grid.globals[k]!;
    const mark = this.mark;
    const pending = state.pending;
    const wIds = world.ids;
    const arrivals = this.arrivals;
    const posX = grid.posX;
    const posY = grid.posY;
    let arrived = 0;
    for (let k = 0; k < n; k++) {
      const row = cand[k]!;
      let d2 = 0;
      if (k < positioned) {
        const dx = posX[row]! - cx;
        const dy = posY[row]! - cy;
        d2 = dx * dx + dy * dy;
      }
      const m = mark[row]!;
      if (m > 0) baseD2[m - 1] = d2;
      else if (k >= positioned || d2 <= r2 || (pending.size > 0 && pending.has(wIds[row]!))) arrivals[arrived++] = row;
    }
    for (let b = 0; b < bCount; b++) if (baseWorld[b]! >= 0) mark[baseWorld[b]!] = 0;
    sortRows(arrivals, arrived);

    // Entries (in view: updates in baseline order merged with arrivals in id order) and removes.
    const sel = this.selection;
    sel.begin(bCount + arrived);
    const weights = this.weights.size > 0 ? this.weights : null;
    const kindWeight = this.options.kindWeight;
    const kb = this.wire.kinds;
    const own = client.entityId;
    const bIds = baseline === null ? null : baseline.ids;
    const held = state.rows;
    let a = 0;
    let b = 0;
    let creates = 0;
    let estBits = sel.estBits;
    while (a < arrived || b < bCount) {
      const aid = a < arrived ? wIds[arrivals[a]!]! : Infinity;
      const bid = b < bCount ? bIds![b]! : Infinity;
      let row: number;
      let base = -1;
      let age: number;
      let d2: number;
      let kind: number;
      const e = sel.entries;
      if (bid < aid) {
        base = b++;
        d2 = baseD2[base]!;
        if (d2 < 0) {
          sel.rBase[sel.removes++] = base;
          continue;
        }
        row = baseWorld[base]!;
        kind = world.kinds[row]!;
        age = tick - held.sentTicks[base]!;
        // Sent last tick after a deferral: its motion on the client is a catch-up jump until sent again.
        sel.eSettle[e] = age === 1 && held.gaps[base]! > 1 ? 1 : 0;
        sel.eEst[e] = state.updateBits;
        sel.eWorst[e] = kb[kind]!.changedWorstBits;
      } else {
        row = arrivals[a++]!;
        kind = world.kinds[row]!;
        const p = pending.get(aid);
        if (p === undefined) pending.set(aid, [tick, tick]);
        else p[1] = tick;
        age = p === undefined ? 1 : tick - p[0] + 1;
        creates++;
        sel.eSettle[e] = 0;
        sel.eEst[e] = kb[kind]!.createdTypicalBits;
        sel.eWorst[e] = kb[kind]!.createdWorstBits;
        const dx = xField[kind]! >= 0 ? grid.posX[row]! - cx : 0;
        const dy = xField[kind]! >= 0 ? grid.posY[row]! - cy : 0;
        d2 = dx * dx + dy * dy;
      }
      const id = wIds[row]!;
      let w = kindWeight[kind]!;
      if (weights !== null) w *= weights.get(id) ?? 1;
      sel.eRow[e] = row;
      sel.eBase[e] = base;
      sel.eAge[e] = age;
      sel.eWeight[e] = w;
      sel.eD2[e] = d2;
      if (id === own) sel.ownEntry = e;
      estBits += sel.eEst[e]!;
      sel.entries++;
    }
    sel.estBits = estBits;
    if (pending.size > creates) for (const [id, p] of pending) if (p[1] !== tick) pending.delete(id);
    state.visibleCount = sel.entries;
    const out = sel.encode(world, baseline, state, baseWorld, state.budgetBytes ?? this.options.budgetBytes, r2);
    metrics.encoded();
    this.send(session, state, out, baseline === null ? -1 : baseline.tick, metrics);
  }

  /**
   * Finds each baseline row's row in `world` (-1 if despawned) into `baseWorld`, and marks those world
   * rows with baseline row + 1. Uses last tick's rows as hints (right unless entities were despawned
   * or spawned below them), else a galloping search forward from the previous match.
   */
  private locateBaseline(world: Snapshot, baseline: Snapshot | null, state: ClientInterest): Int32Array {
    const bCount = baseline === null ? 0 : baseline.count;
    if (this.baseWorld.length < bCount) this.baseWorld = new Int32Array(Math.max(bCount, this.baseWorld.length * 2));
    const out = this.baseWorld;
    if (baseline === null) return out;
    const wIds = world.ids;
    const wCount = world.count;
    const hints = state.rows.worldRows;
    const mark = this.mark;
    let from = 0;
    for (let b = 0; b < bCount; b++) {
      const id = baseline.ids[b]!;
      let row = hints[b] ?? -1;
      if (row < from || row >= wCount || wIds[row] !== id) row = gallop(wIds, wCount, id, from);
      if (row >= 0) {
        mark[row] = b + 1;
        from = row + 1;
      }
      out[b] = row;
    }
    return out;
  }

  private send(session: Session, state: ClientInterest, out: WrittenSelection, baseTick: number, metrics: ServerMetrics): void {
    const frame = buildSnapshotFrame(out.next.tick, baseTick, out.bytes);
    patchInputSeq(frame, session.client.lastInputSeq);
    const conn = session.conn!;
    let status = 'dropped';
    conn.cork(() => {
      status = conn.send(frame.bytes);
    });
    if (status === 'dropped') {
      metrics.snapshotSkipped();
      return;
    }
    const size = frame.bytes.byteLength;
    metrics.sent(size);
    metrics.snapshotSent();
    session.baseline = out.next;
    state.commit(out.next, out.rows);
    const sel = this.selection;
    const inc = sel.inc;
    let sent = 0;
    let updates = 0;
    let otherBits = this.wire.headerWorstBits;
    for (let e = 0; e < sel.entries; e++) {
      if (inc[e] !== 1) continue;
      sent++;
      if (sel.eBase[e]! >= 0) updates++;
      else {
        otherBits += sel.eEst[e]!;
        state.pending.delete(this.world!.ids[sel.eRow[e]!]!);
      }
    }
    for (let x = sel.entries; x < sel.entries + sel.removes; x++) if (inc[x] === 1) otherBits += 8;
    if (updates > 0) {
      const observed = Math.max(0, out.bytes.byteLength * 8 - otherBits) / updates;
      state.updateBits += UPDATE_BITS_EMA * (observed - state.updateBits);
    }
    const counts = this.counts;
    counts.entitiesSent += sent;
    counts.entitiesDeferred += sel.entries - sent;
    counts.snapshots++;
    counts.bytes += size;
  }
}
