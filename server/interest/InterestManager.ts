/**
 * Interest management and the per-client byte budget of one room. Each tick, for each client:
 *
 *   1. gather candidates from the grid cells its view overlaps (view = a circle of radius r around the
 *      client's entity or an explicit point; kinds without a position are seen by everyone);
 *   2. merge them, in id order, with the snapshot the client holds (its baseline): an entity not held
 *      enters when within r, a held one leaves beyond r + margin (hysteresis), so it does not flicker;
 *   3. if everything fits the budget, send it all; otherwise order by priority and send a prefix:
 *        own entity  →  overdue (not sent for T ticks, oldest first)  →  removes  →  the rest by
 *        score = weight × (ticks since sent + 1) / (1 + 3·d²/r²)
 *   4. build the client's own current snapshot by copying rows: sent entities at their true values;
 *      deferred ones at exactly what the baseline's motion predicts (continuous fields; other fields
 *      keep the baseline's values), so they cost no bits and the client keeps extrapolating them;
 *      creates that did not fit are left out, removes that did not fit stay (predicted) for now;
 *   5. encode against the baseline; if the frame is over budget, drop from the end of the prefix and
 *      re-encode: at most three encodes, the last one a prefix proven to fit by worst-case bounds
 *      (server/interest/wireBounds.ts). The budget is never exceeded.
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
import { indexOfEntity, predict, type Schema, type Snapshot, type SnapshotCodec } from '../../shared/index.ts';
import type { RoomClient } from '../defineRoom.ts';
import type { ServerMetrics } from '../ServerMetrics.ts';
import type { Session } from '../Session.ts';
import { buildSnapshotFrame, patchInputSeq } from '../snapshotFrame.ts';
import { checkBudget, checkMargin, checkWeight, type ResolvedInterest } from './interestOptions.ts';
import { SpatialGrid } from './SpatialGrid.ts';
import { frameBytes, type WireBounds } from './wireBounds.ts';

/** Share of the budget the first encode aims at, leaving room for estimation error. */
const ESTIMATE_SAFETY_SHARE = 0.9;
/** How much farther entities lose priority: score ÷ (1 + this × d² / r²). */
const DISTANCE_FALLOFF = 3;
/** First guess of the bits of one sent update, before a client's own average is known. */
const INITIAL_UPDATE_BITS = 32;
/** Weight of the newest observation in a client's average update size. */
const UPDATE_BITS_EMA = 0.3;
/** Extra bytes dropped per byte of overshoot when trimming after an encode came out too large. */
const TRIM_OVERSHOOT_FACTOR = 1.25;
/** Sort keys of the priority classes (scores are capped below REST_CAP). */
const OWN_KEY = 8e15;
const SETTLE_KEY = 6e15;
const SETTLE_LATE_KEY = 3e15;
const OVERDUE_KEY = 4e15;
const REMOVE_KEY = 2e15;
const REST_CAP = 1e15;

/** A client's view. */
export interface ViewOptions {
  /** Radius around the centre, world units. */
  readonly radius?: number;
  /** Hysteresis margin, world units. */
  readonly margin?: number;
  /** The centre, world units; null to follow the client's entity (`client.entityId`). */
  readonly center?: { readonly x: number; readonly y: number } | null;
}

/** A client's view as the interest manager applies it. */
export interface ClientViewInfo {
  readonly radius: number;
  readonly margin: number;
  readonly center: { readonly x: number; readonly y: number } | null;
  /** This client's frame budget, bytes (Infinity for none). */
  readonly budgetBytes: number;
  /** Entities in view at the last snapshot (sent or deferred). */
  readonly visibleCount: number;
  /** K: every entity in view is sent at least every K ticks (see the module comment). */
  readonly maxUpdateIntervalTicks: number;
}

/** Counters since the room started; read them for benchmarks and dashboards. */
export interface InterestStats {
  /** Entities sent at their true value (creates included). */
  entitiesSent: number;
  /** Entities in view held back by the budget for a tick. */
  entitiesDeferred: number;
  /** Encodes beyond the first one for a snapshot (budget overshoots). */
  reencodes: number;
  /** Snapshot frames sent. */
  snapshots: number;
  /** Snapshot frame bytes sent. */
  bytes: number;
}

/** What streaming needs from the room. */
export interface StreamHost {
  readonly metrics: ServerMetrics;
  readonly maxBufferedBytes: number;
  readonly maxBaselineAgeTicks: number;
}

class ClientState {
  center: { readonly x: number; readonly y: number } | null = null;
  budgetBytes: number | null = null;
  /** The baseline `sentTicks` is aligned with. */
  baseline: Snapshot | null = null;
  /** Per baseline row: the tick the entity was last sent at its true value. */
  sentTicks: number[] = [];
  /** Per baseline row: the ticks between its last two sends (1 = sent on consecutive ticks). */
  gaps: number[] = [];
  /** Entities in view but not created yet: id → [tick it entered, tick last seen in view]. */
  readonly pending = new Map<number, [number, number]>();
  updateBits = INITIAL_UPDATE_BITS;
  visibleCount = 0;
  maxIntervalTicks = 1;

  constructor(
    public radius: number,
    public margin: number,
  ) {}
}

/** One room's interest manager; created by the Room for a room type with `interest`. */
export class InterestManager {
  /** Counters since the room started. */
  readonly stats: InterestStats = { entitiesSent: 0, entitiesDeferred: 0, reencodes: 0, snapshots: 0, bytes: 0 };
  private readonly grid: SpatialGrid;
  private readonly wire: WireBounds;
  private readonly clients = new Map<RoomClient, ClientState>();
  private readonly weights = new Map<number, number>();
  private readonly stride: number;
  private readonly coding: Uint8Array;
  private readonly range: Float64Array;
  private readonly fieldCount: Uint8Array;
  private readonly withText: boolean;
  private world: Snapshot | null = null;
  private cand = new Int32Array(0);
  private eRow = new Int32Array(0);
  private eBase = new Int32Array(0);
  private eAge = new Float64Array(0);
  private eEst = new Float64Array(0);
  private eWorst = new Float64Array(0);
  private eKey = new Float64Array(0);
  private eSettle = new Uint8Array(0);
  private ownEntry = -1;
  private inc = new Uint8Array(0);
  private order: number[] = [];
  private rBase = new Int32Array(0);

  /** @internal created by the Room. */
  constructor(
    private readonly schema: Schema,
    private readonly options: ResolvedInterest,
    private readonly codec: SnapshotCodec,
  ) {
    this.grid = new SpatialGrid(options.grid);
    this.wire = options.wire;
    this.stride = Math.max(1, ...schema.kinds.map((k) => k.fields.length));
    const slots = schema.kinds.length * this.stride;
    this.coding = new Uint8Array(slots);
    this.range = new Float64Array(slots);
    this.fieldCount = new Uint8Array(schema.kinds.length);
    this.withText = schema.kinds.some((k) => k.fields.some((f) => f.coding === 'text'));
    for (const kind of schema.kinds) {
      this.fieldCount[kind.index] = kind.fields.length;
      for (const f of kind.fields) {
        const at = kind.index * this.stride + f.index;
        this.coding[at] = f.coding === 'continuous' ? 0 : f.coding === 'discrete' ? 1 : 2;
        this.range[at] = f.range;
      }
    }
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
      if (c !== null && !(Number.isFinite(c.x) && Number.isFinite(c.y))) throw new RangeError(`interest.setView: center must have finite x and y, or be null`);
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

  private stateOf(client: RoomClient): ClientState {
    let state = this.clients.get(client);
    if (state === undefined) {
      state = new ClientState(this.options.viewRadius, this.options.viewMargin);
      this.clients.set(client, state);
    }
    return state;
  }

  private prepare(world: Snapshot): void {
    this.world = world;
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
    if (this.cand.length < world.count) this.cand = new Int32Array(Math.max(world.count, this.cand.length * 2));
  }

  private sendTo(session: Session, world: Snapshot, metrics: ServerMetrics): void {
    const client = session.client;
    const state = this.stateOf(client);
    const baseline = session.baseline;
    if (baseline !== state.baseline) {
      state.baseline = baseline;
      state.sentTicks = baseline === null ? [] : new Array<number>(baseline.count).fill(baseline.tick);
      state.gaps = baseline === null ? [] : new Array<number>(baseline.count).fill(1);
    }
    const tick = world.tick;
    const grid = this.grid;
    const r = state.radius;
    const outer = r + state.margin;
    let cx = 0;
    let cy = 0;
    let hasCenter = false;
    if (state.center !== null) {
      cx = state.center.x;
      cy = state.center.y;
      hasCenter = true;
    } else if (client.entityId >= 0) {
      const row = indexOfEntity(world, client.entityId);
      if (row >= 0 && this.options.xField[world.kinds[row]!]! >= 0) {
        cx = grid.posX[row]!;
        cy = grid.posY[row]!;
        hasCenter = true;
      }
    }
    const cand = this.cand;
    let n = hasCenter ? grid.query(cx, cy, outer, cand, 0) : 0;
    for (let g = 0; g < grid.globalCount; g++) cand[n++] = grid.globals[g]!;
    if (n > 1) cand.subarray(0, n).sort();
    this.ensureEntries(n, baseline === null ? 0 : baseline.count);

    // Merge candidates with the baseline, in id order: creates, updates, removes.
    const wIds = world.ids;
    const bCount = baseline === null ? 0 : baseline.count;
    const bIds = baseline === null ? null : baseline.ids;
    const r2 = r * r;
    const weights = this.weights.size > 0 ? this.weights : null;
    const kindWeight = this.options.kindWeight;
    const kb = this.wire.kinds;
    const pending = state.pending;
    const own = client.entityId;
    let entries = 0;
    let removes = 0;
    this.ownEntry = -1;
    let creates = 0;
    let estBits = this.wire.headerWorstBits;
    let i = 0;
    let b = 0;
    while (i < n || b < bCount) {
      const row = i < n ? cand[i]! : -1;
      const wid = row >= 0 ? wIds[row]! : Infinity;
      const bid = b < bCount ? bIds![b]! : Infinity;
      if (bid < wid) {
        this.rBase[removes++] = b++;
        estBits += 8;
        continue;
      }
      i++;
      const kind = world.kinds[row]!;
      const positioned = this.options.xField[kind]! >= 0;
      const dx = positioned ? grid.posX[row]! - cx : 0;
      const dy = positioned ? grid.posY[row]! - cy : 0;
      const d2 = dx * dx + dy * dy;
      let age: number;
      let base = -1;
      let settle = false;
      if (wid === bid) {
        base = b++;
        age = tick - state.sentTicks[base]!;
        // Sent last tick after a deferral: its motion on the client is a catch-up jump until sent again.
        settle = age === 1 && state.gaps[base]! > 1;
        this.eEst[entries] = state.updateBits;
        this.eWorst[entries] = kb[kind]!.changedWorstBits;
      } else {
        const p = pending.get(wid);
        if (positioned && d2 > r2 && p === undefined) continue;
        if (p === undefined) pending.set(wid, [tick, tick]);
        else p[1] = tick;
        age = p === undefined ? 1 : tick - p[0] + 1;
        creates++;
        this.eEst[entries] = kb[kind]!.createdTypicalBits;
        this.eWorst[entries] = kb[kind]!.createdWorstBits;
      }
      let w = kindWeight[kind]!;
      if (weights !== null) w *= weights.get(wid) ?? 1;
      const score = (w * (age + 1)) / (1 + (DISTANCE_FALLOFF * d2) / r2);
      this.eRow[entries] = row;
      this.eBase[entries] = base;
      this.eAge[entries] = age;
      this.eKey[entries] = wid === own ? OWN_KEY : Math.min(score, REST_CAP);
      if (wid === own) this.ownEntry = entries;
      this.eSettle[entries] = settle ? 1 : 0;
      estBits += this.eEst[entries]!;
      entries++;
    }
    if (pending.size > creates) for (const [id, p] of pending) if (p[1] !== tick) pending.delete(id);
    state.visibleCount = entries;

    const budget = state.budgetBytes ?? this.options.budgetBytes;
    const baseTick = baseline === null ? -1 : baseline.tick;
    const availBits = (budget - frameBytes(tick, baseTick, 0x100) + 0x100) * 8;
    const total = entries + removes;
    const inc = this.inc;
    let sent: { bytes: Uint8Array; next: Snapshot; sentTicks: number[]; gaps: number[] } | null = null;
    if (budget === Infinity || estBits <= availBits * ESTIMATE_SAFETY_SHARE) {
      inc.fill(1, 0, total);
      state.maxIntervalTicks = 1;
      sent = this.encodeSelection(world, baseline, state, entries, removes);
      if (frameBytes(tick, baseTick, sent.bytes.byteLength) > budget) sent = null;
    }
    if (sent === null) sent = this.encodeWithinBudget(world, baseline, state, entries, removes, availBits, budget);
    this.send(session, state, sent, baseTick, metrics, entries, removes);
  }

  /** Orders entries and removes by priority and encodes prefixes until one fits `budget`. */
  private encodeWithinBudget(world: Snapshot, baseline: Snapshot | null, state: ClientState, entries: number, removes: number, availBits: number, budget: number) {
    const wire = this.wire;
    const total = entries + removes;
    const perSnapshot = Math.max(1, Math.floor((availBits - wire.headerWorstBits) / wire.entityWorstBits));
    const ownSlot = this.ownEntry >= 0 ? 1 : 0;
    let settleSlots = (perSnapshot - ownSlot) >> 1;
    const overdueAge = Math.ceil(entries / Math.max(1, perSnapshot - ownSlot - settleSlots));
    state.maxIntervalTicks = 2 * overdueAge;
    // Sort keys: own entity > settling (at most half the worst-case room) > overdue (oldest first) >
    // the other settling ones > removes > the rest (by score). Overdue entities thus keep at least
    // m of the n proven slots (see the module comment).
    const key = this.eKey;
    const order = this.order;
    order.length = total;
    for (let e = 0; e < entries; e++) {
      order[e] = e;
      if (key[e] === OWN_KEY) continue;
      if (this.eSettle[e] === 1) {
        key[e] = settleSlots > 0 ? SETTLE_KEY : SETTLE_LATE_KEY;
        settleSlots--;
      } else if (this.eAge[e]! >= overdueAge) key[e] = OVERDUE_KEY + this.eAge[e]!;
    }
    for (let x = 0; x < removes; x++) {
      key[entries + x] = REMOVE_KEY;
      this.eEst[entries + x] = 8;
      this.eWorst[entries + x] = wire.removedWorstBits;
      order[entries + x] = entries + x;
    }
    order.sort((a, c) => key[c]! - key[a]!);
    let core = 0;
    let worst = wire.headerWorstBits;
    while (core < total && worst + this.eWorst[order[core]!]! <= availBits) worst += this.eWorst[order[core++]!]!;
    let length = core;
    let est = wire.headerWorstBits;
    for (let k = 0; k < core; k++) est += this.eEst[order[k]!]!;
    while (length < total && est + this.eEst[order[length]!]! <= availBits * ESTIMATE_SAFETY_SHARE) est += this.eEst[order[length++]!]!;
    const baseTick = baseline === null ? -1 : baseline.tick;
    const tick = world.tick;
    let attempt = 0;
    for (;;) {
      this.select(total, length);
      const out = this.encodeSelection(world, baseline, state, entries, removes);
      const size = frameBytes(tick, baseTick, out.bytes.byteLength);
      if (size <= budget || length === 0) return out;
      this.stats.reencodes++;
      attempt++;
      if (attempt >= 2 || length <= core) {
        // Proven to fit: the core prefix by worst-case bounds; below it only the empty selection.
        length = length > core ? core : 0;
        continue;
      }
      let drop = (size - budget) * 8 * TRIM_OVERSHOOT_FACTOR;
      while (length > core && drop > 0) drop -= Math.max(1, this.eEst[order[--length]!]!);
    }
  }

  private select(total: number, length: number): void {
    const inc = this.inc;
    inc.fill(0, 0, total);
    for (let k = 0; k < length; k++) inc[this.order[k]!] = 1;
  }

  /**
   * Builds the client's current snapshot from the selection flags (`inc`, entries then removes) and
   * encodes it against `baseline`. Rows are copied in id order; nothing is written to shared columns.
   */
  private encodeSelection(world: Snapshot, baseline: Snapshot | null, state: ClientState, entries: number, removes: number) {
    const stride = this.stride;
    const tick = world.tick;
    const inc = this.inc;
    const wIds = world.ids;
    const wKinds = world.kinds;
    const wv = world.values;
    const wt = world.texts;
    const bIds = baseline === null ? null : baseline.ids;
    const bv = baseline === null ? null : baseline.values;
    const bm = baseline === null ? null : baseline.motion;
    const bt = baseline === null ? null : baseline.texts;
    const g = baseline === null ? 0 : tick - baseline.tick;
    const ids: number[] = [];
    const kinds: number[] = [];
    const values: number[] = [];
    const texts: (string | undefined)[] | null = this.withText ? [] : null;
    const sentTicks: number[] = [];
    const gaps: number[] = [];
    let e = 0;
    let x = 0;
    let sentCount = 0;
    while (e < entries || x < removes) {
      const eid = e < entries ? wIds[this.eRow[e]!]! : Infinity;
      const xid = x < removes ? bIds![this.rBase[x]!]! : Infinity;
      let fromBase = -1;
      if (xid < eid) {
        const keep = inc[entries + x] === 0;
        if (keep) fromBase = this.rBase[x]!;
        x++;
        if (!keep) continue;
      } else {
        const row = this.eRow[e]!;
        const base = this.eBase[e]!;
        const send = inc[e] === 1;
        e++;
        if (send) {
          ids.push(eid);
          kinds.push(wKinds[row]!);
          const at = row * stride;
          for (let f = 0; f < stride; f++) values.push(wv[at + f]!);
          if (texts !== null) for (let f = 0; f < stride; f++) texts.push(wt![at + f]);
          sentTicks.push(tick);
          gaps.push(base < 0 ? 1 : tick - state.sentTicks[base]!);
          sentCount++;
          continue;
        }
        if (base < 0) continue;
        fromBase = base;
      }
      // Deferred: what the baseline's motion predicts (continuous fields), the baseline's values otherwise.
      const kind = baseline!.kinds[fromBase]!;
      ids.push(bIds![fromBase]!);
      kinds.push(kind);
      const at = fromBase * stride;
      const slot = kind * stride;
      const nf = this.fieldCount[kind]!;
      for (let f = 0; f < stride; f++) {
        const q = bv![at + f]!;
        values.push(f < nf && this.coding[slot + f] === 0 && bm !== null ? predict(q, bm[at + f]!, g, this.range[slot + f]!) : q);
      }
      if (texts !== null) for (let f = 0; f < stride; f++) texts.push(bt![at + f]);
      sentTicks.push(state.sentTicks[fromBase]!);
      gaps.push(state.gaps[fromBase]!);
    }
    const current: Snapshot = { tick, count: ids.length, stride, ids, kinds, values, motion: null, texts };
    const { bytes, next } = this.codec.encode(baseline, current);
    return { bytes, next, sentTicks, gaps, sentCount };
  }

  private send(
    session: Session,
    state: ClientState,
    out: { bytes: Uint8Array; next: Snapshot; sentTicks: number[]; gaps: number[]; sentCount?: number },
    baseTick: number,
    metrics: ServerMetrics,
    entries: number,
    removes: number,
  ): void {
    const tick = out.next.tick;
    const frame = buildSnapshotFrame(tick, baseTick, out.bytes);
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
    state.baseline = out.next;
    state.sentTicks = out.sentTicks;
    state.gaps = out.gaps;
    const inc = this.inc;
    let sentEntries = 0;
    let sentUpdates = 0;
    let createBits = 0;
    let removedBits = 0;
    for (let e = 0; e < entries; e++) {
      if (inc[e] !== 1) continue;
      sentEntries++;
      if (this.eBase[e]! >= 0) sentUpdates++;
      else {
        createBits += this.eEst[e]!;
        state.pending.delete(this.world!.ids[this.eRow[e]!]!);
      }
    }
    for (let x = 0; x < removes; x++) if (inc[entries + x] === 1) removedBits += 8;
    if (sentUpdates > 0) {
      const observed = Math.max(0, out.bytes.byteLength * 8 - this.wire.headerWorstBits - createBits - removedBits) / sentUpdates;
      state.updateBits += UPDATE_BITS_EMA * (observed - state.updateBits);
    }
    const stats = this.stats;
    stats.entitiesSent += sentEntries;
    stats.entitiesDeferred += entries - sentEntries;
    stats.snapshots++;
    stats.bytes += size;
  }

  private ensureEntries(candidates: number, baselineCount: number): void {
    const need = candidates + baselineCount;
    if (this.eKey.length >= need) return;
    const size = Math.max(need, this.eKey.length * 2, 64);
    this.eRow = new Int32Array(size);
    this.eBase = new Int32Array(size);
    this.eAge = new Float64Array(size);
    this.eEst = new Float64Array(size);
    this.eWorst = new Float64Array(size);
    this.eKey = new Float64Array(size);
    this.eSettle = new Uint8Array(size);
    this.inc = new Uint8Array(size);
    this.rBase = new Int32Array(size);
  }
}
