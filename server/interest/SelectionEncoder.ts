/**
 * Turns one client's entries (entities in view: creates and updates) and removes into a Snapshot frame
 * body within its byte budget: picks what to send by priority, writes it (SelectionWriter.ts: sent
 * entities at their true values, deferred ones at exactly what the baseline's motion predicts), and
 * writes a shorter selection if the frame came out over budget. See InterestManager.ts for the policy
 * and the starvation bound.
 */
import type { CodecTables } from '../../shared/codecTables.ts';
import type { Snapshot } from '../../shared/index.ts';
import type { ClientInterest } from './ClientInterest.ts';
import type { RecordCache } from './RecordCache.ts';
import { SelectionWriter, type WrittenSelection } from './SelectionWriter.ts';
import { frameBytes, type WireBounds } from './wireBounds.ts';

/** First guess of the bits of one sent update, before a client's own average is known. */
export const DEFAULT_INITIAL_UPDATE_BITS = 32;
/** Share of the budget the first encode aims at, leaving room for estimation error. */
const ESTIMATE_SAFETY_SHARE = 0.9;
/** Extra bytes dropped per byte of overshoot when trimming after an encode came out too large. */
const TRIM_OVERSHOOT_FACTOR = 1.25;
/** Estimated bits of one removed entity. */
const REMOVE_ESTIMATE_BITS = 8;
/** How much farther entities lose priority: score ÷ (1 + this × d² / r²). */
const DISTANCE_FALLOFF = 3;
/** Sort keys of the priority classes; scores are capped below REST_CAP. */
const OWN_KEY = 8e15;
const SETTLE_KEY = 6e15;
const OVERDUE_KEY = 4e15;
const SETTLE_LATE_KEY = 3e15;
const REMOVE_KEY = 2e15;
/** Highest priority score of an ordinary entry. */
const REST_CAP = 1e15;

/** Scratch columns for one client's selection at a time; owned by one InterestManager. */
export class SelectionEncoder {
  /** Per entry: world row. */
  eRow = new Int32Array(0);
  /** Per entry: baseline row, or -1 for a create. */
  eBase = new Int32Array(0);
  /** Per entry: ticks since last sent (creates: since it entered the view, from 1). */
  eAge = new Float64Array(0);
  /** Per entry then per remove (after `entries`): estimated bits. */
  eEst = new Float64Array(0);
  /** Per entry then per remove: worst-case bits. */
  eWorst = new Float64Array(0);
  /** Per entry: priority weight (its kind's weight × its own). */
  eWeight = new Float64Array(0);
  /** Per entry: squared distance from the view's centre (world units²). */
  eD2 = new Float64Array(0);
  /** Per entry then per remove: sort key, set when the selection does not fit whole. */
  private eKey = new Float64Array(0);
  /** Per entry: 1 if it was sent last tick right after a deferral. */
  eSettle = new Uint8Array(0);
  /** Per remove: baseline row. */
  rBase = new Int32Array(0);
  /** Per entry then per remove: 1 if sent (created, updated or removed) in the chosen selection. */
  inc = new Uint8Array(0);
  entries = 0;
  removes = 0;
  ownEntry = -1;
  /** Estimated bits of sending everything. */
  estBits = 0;
  /** Encodes beyond the first for a snapshot, since start. */
  reencodes = 0;
  private order: number[] = [];
  private readonly writer: SelectionWriter;

  constructor(
    tables: CodecTables,
    cache: RecordCache,
    private readonly wire: WireBounds,
  ) {
    this.writer = new SelectionWriter(tables, cache);
  }

  /** Starts a client: room for `maxRows` entries plus removes. */
  begin(maxRows: number): void {
    if (this.eKey.length < maxRows) {
      const size = Math.max(maxRows, this.eKey.length * 2, 64);
      this.eRow = new Int32Array(size);
      this.eBase = new Int32Array(size);
      this.eAge = new Float64Array(size);
      this.eEst = new Float64Array(size);
      this.eWorst = new Float64Array(size);
      this.eKey = new Float64Array(size);
      this.eWeight = new Float64Array(size);
      this.eD2 = new Float64Array(size);
      this.eSettle = new Uint8Array(size);
      this.rBase = new Int32Array(size);
      this.inc = new Uint8Array(size);
    }
    this.entries = 0;
    this.removes = 0;
    this.ownEntry = -1;
    this.estBits = this.wire.headerWorstBits;
  }

  /**
   * Encodes the client's snapshot of `world` against `baseline` within `budget` bytes (Infinity for
   * none). `baseWorld[b]` is baseline row b's row in `world` (-1 if gone); `r2` is the view radius
   * squared (world units²). Sets `inc` to what was sent.
   */
  encode(world: Snapshot, baseline: Snapshot | null, state: ClientInterest, baseWorld: Int32Array, budget: number, r2: number): WrittenSelection {
    const total = this.entries + this.removes;
    const baseTick = baseline === null ? -1 : baseline.tick;
    const tick = world.tick;
    const availBits = (budget - frameBytes(tick, baseTick, 0x100) + 0x100) * 8;
    const est = this.estBits + this.removes * REMOVE_ESTIMATE_BITS;
    if (budget === Infinity || est <= availBits * ESTIMATE_SAFETY_SHARE) {
      this.inc.fill(1, 0, total);
      state.maxIntervalTicks = 1;
      const out = this.writer.write(world, baseline, state, baseWorld, this);
      if (frameBytes(tick, baseTick, out.bytes.byteLength) <= budget) return out;
      this.reencodes++;
    }
    return this.encodeWithinBudget(world, baseline, state, baseWorld, availBits, budget, r2);
  }

  /** Orders entries and removes by priority and encodes prefixes until one fits `budget`. */
  private encodeWithinBudget(world: Snapshot, baseline: Snapshot | null, state: ClientInterest, baseWorld: Int32Array, availBits: number, budget: number, r2: number): WrittenSelection {
    const wire = this.wire;
    const entries = this.entries;
    const removes = this.removes;
    const total = entries + removes;
    const perSnapshot = Math.max(1, Math.floor((availBits - wire.headerWorstBits) / wire.entityWorstBits));
    const ownSlot = this.ownEntry >= 0 ? 1 : 0;
    let settleSlots = (perSnapshot - ownSlot) >> 1;
    const overdueAge = Math.ceil(entries / Math.max(1, perSnapshot - ownSlot - settleSlots));
    state.maxIntervalTicks = 2 * overdueAge;
    // Sort keys: own entity > settling (at most half the worst-case room) > overdue (oldest first) >
    // the other settling ones > removes > the rest (by score). Overdue entities thus keep at least
    // m of the n proven slots (see InterestManager.ts).
    const key = this.eKey;
    const order = this.order;
    order.length = total;
    for (let e = 0; e < entries; e++) {
      order[e] = e;
      if (e === this.ownEntry) {
        key[e] = OWN_KEY;
        continue;
      }
      key[e] = Math.min((this.eWeight[e]! * (this.eAge[e]! + 1)) / (1 + (DISTANCE_FALLOFF * this.eD2[e]!) / r2), REST_CAP);
      if (this.eSettle[e] === 1) {
        key[e] = settleSlots > 0 ? SETTLE_KEY : SETTLE_LATE_KEY;
        settleSlots--;
      } else if (this.eAge[e]! >= overdueAge) key[e] = OVERDUE_KEY + this.eAge[e]!;
    }
    for (let x = entries; x < total; x++) {
      key[x] = REMOVE_KEY;
      this.eEst[x] = REMOVE_ESTIMATE_BITS;
      this.eWorst[x] = wire.removedWorstBits;
      order[x] = x;
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
    let attempt = 0;
    for (;;) {
      this.inc.fill(0, 0, total);
      for (let k = 0; k < length; k++) this.inc[order[k]!] = 1;
      const out = this.writer.write(world, baseline, state, baseWorld, this);
      const size = frameBytes(world.tick, baseTick, out.bytes.byteLength);
      if (size <= budget || length === 0) return out;
      this.reencodes++;
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
}
