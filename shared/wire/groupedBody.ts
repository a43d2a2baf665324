/*
 * Grouped snapshot bodies: what an interest-managed room sends (MsgKind.GroupSnapshot, protocol.ts).
 * (The layout of every frame and body, as tables: shared/wire/README.md.)
 *
 * The server splits its world into groups (with interest management: the entities of one grid cell,
 * at most a few dozen per group). A client holds some of the groups; its snapshot is the union of the
 * entities of the groups it holds. Each group changes by chunks: a chunk is the delta of that group
 * alone, from the tick the client last updated it to this tick, in the snapshot codec's format
 * (deltaCodec.ts). Every client that holds a group at the same tick needs the same chunk, so the
 * server encodes it once per tick and a client's body is mostly chunks copied bit for bit.
 *
 * Layout (a bit stream, most significant bit first, padded with zero bits to a whole byte):
 *
 *   orders   per kind, per continuous field in field order: 5 bits k, the Exp-Golomb order of that
 *            field's residuals in every chunk of this body
 *   held     per group the client holds, ascending group id:
 *              1   updated: the group's chunk follows at once, a delta from the group as the client
 *                  holds it (g = this tick − the tick the client last updated the group)
 *              01  kept as it is (not sent this tick)
 *              00  dropped: the client forgets the group and its entities
 *   added    EG(0) count; per added group, ascending id: EG(0) id gap (id − previous added id − 1,
 *            previous starts at −1), then the group's chunk against nothing (all creates)
 *   chunk    the removed, created and changed sections of deltaCodec.ts, without the changed
 *            section's per-kind header (the orders above apply)
 *
 * After a chunk of a one-tick delta, a group's motion is derived as in deltaCodec.ts; after a longer
 * delta or a chunk against nothing it has none (all zero). So a group's state on a client is always
 * the server's values at the group's tick, with either the one-tick motion or none: the server keeps
 * both and never has to copy a client's state. The snapshot the client shows is the union of its
 * groups, a group not updated this tick moved as its motion predicts; an entity that moved to another
 * group shows from whichever of the two was updated last (the server sends the other later).
 *
 * A body's baseTick (in the frame) is the tick of the previous body the client got, or −1 when the
 * client holds no group and must forget any it had (a new connection, or a resync).
 */
import { BitReader, BitWriter } from './bits.ts';
import { CodecTables, CONTINUOUS, DEFAULT_MAX_ENTITIES, K_BITS, predict } from './codecTables.ts';
import { fail, ok, type Result } from '../result.ts';
import type { Schema } from '../schema.ts';
import { indexOfSorted, type Snapshot } from '../snapshot.ts';
import type { DecodeLimits } from './SnapshotDecoder.ts';
import { SnapshotDecoder } from './SnapshotDecoder.ts';

/** Largest group id. */
export const MAX_GROUP_ID = 2 ** 31 - 1;
/** Most groups a client may hold. */
export const MAX_HELD_GROUPS = 65_536;
/** What happens to a held group: its chunk follows (written 1). */
export const HELD_UPDATED = 0;
/** What happens to a held group: kept as it is (written 01). */
export const HELD_KEPT = 1;
/** What happens to a held group: dropped (written 00). */
export const HELD_DROPPED = 2;

/** Writes the orders header: `orders[slot]` of every continuous field, kind by kind. */
export function writeOrders(w: BitWriter, t: CodecTables, orders: Uint8Array): void {
  forEachContinuousSlot(t, (slot) => w.bits(orders[slot]!, K_BITS));
}

/** Calls `visit` with the slot (kind × stride + field) of every continuous field, kind by kind, in field order. */
function forEachContinuousSlot(t: CodecTables, visit: (slot: number) => void): void {
  for (let k = 0; k < t.kindCount; k++) {
    for (let f = 0; f < t.fieldCount[k]!; f++) if (t.coding[k * t.stride + f] === CONTINUOUS) visit(k * t.stride + f);
  }
}

/** Writes a held group's code for HELD_UPDATED, HELD_KEPT or HELD_DROPPED. */
export function writeHeldCode(w: BitWriter, what: number): void {
  if (what === HELD_UPDATED) w.bit(true);
  else w.bits(what === HELD_KEPT ? 0b01 : 0b00, 2);
}

/** A group added to a body: its id and its chunk against nothing. */
export interface AddedGroup {
  /** The group's id (ascending within a body). */
  readonly id: number;
  /** Its chunk against nothing. */
  readonly chunk: ChunkBits;
}

/** Writes the added section: the count, then each group (ascending id) as an id gap and its chunk. */
export function writeAdded(w: BitWriter, added: readonly AddedGroup[]): void {
  w.expGolomb(added.length, 0);
  let prev = -1;
  for (const a of added) {
    w.expGolomb(a.id - prev - 1, 0);
    prev = a.id;
    w.append(a.chunk.bytes, a.chunk.bitLength);
  }
}

/** A chunk as it is copied into a body: bits, most significant first, and how many of them count. */
export interface ChunkBits {
  readonly bytes: Uint8Array;
  readonly bitLength: number;
}

/**
 * The server's side of grouped bodies: writes one client's body at a time from this tick's orders,
 * a code per held group (with its chunk when updated) and the groups added. The chunks are encoded
 * by the caller (once per group per tick) and copied in bit for bit. One writer per room; the body
 * returned by {@link GroupedBodyWriter.finish} aliases the writer's buffer until the next `begin`.
 *
 * Call order per body: `begin`, then `held` once per held group in ascending id, then `added` once, then `finish`.
 */
export class GroupedBodyWriter {
  private readonly w = new BitWriter();
  private readonly ordersWriter = new BitWriter(64);
  private ordersBytes: Uint8Array = new Uint8Array(0);
  private ordersBits = 0;

  /** Sets this tick's orders (`orders[slot]` of each continuous field), which every later body starts with. */
  setOrders(tables: CodecTables, orders: Uint8Array): void {
    const o = this.ordersWriter;
    o.reset();
    writeOrders(o, tables, orders);
    this.ordersBits = o.bitLength;
    this.ordersBytes = o.finish().slice();
  }

  /** Bits of this tick's orders header, which every body starts with. */
  get ordersBitLength(): number {
    return this.ordersBits;
  }

  /** Starts a body: its orders header. */
  begin(): void {
    this.w.reset();
    this.w.append(this.ordersBytes, this.ordersBits);
  }

  /** Writes the next held group's code: HELD_UPDATED (then `chunk`, required), HELD_KEPT or HELD_DROPPED. */
  held(what: number, chunk?: ChunkBits): void {
    writeHeldCode(this.w, what);
    if (what === HELD_UPDATED) this.w.append(chunk!.bytes, chunk!.bitLength);
  }

  /** Writes the added section: the groups added, ascending id, each with its chunk against nothing. */
  added(groups: readonly AddedGroup[]): void {
    writeAdded(this.w, groups);
  }

  /** Ends the body and returns it, zero-padded to a whole byte; valid until the next `begin`. */
  finish(): Uint8Array {
    return this.w.finish();
  }
}

/**
 * A client's side of grouped bodies: holds its groups and turns each body into the snapshot of
 * every entity it holds. One per connection; {@link GroupedDecoder.reset} on a new connection.
 *
 * @category Wire internals
 */
export class GroupedDecoder {
  private readonly tables: CodecTables;
  private readonly decoder: SnapshotDecoder;
  private readonly orders: Uint8Array;
  /** Held groups, ascending id, and each one's snapshot (its tick is when it was last updated). */
  private ids: number[] = [];
  private groups: Snapshot[] = [];
  private lastTick = -1;

  /** @param schema the compiled schema both sides share. */
  constructor(schema: Schema) {
    const tables = new CodecTables(schema);
    this.tables = tables;
    this.decoder = new SnapshotDecoder(tables);
    this.orders = new Uint8Array(tables.kindCount * tables.stride);
  }

  /** Tick of the last body applied, or -1 before any. */
  get tick(): number {
    return this.lastTick;
  }

  /** Groups held (a fresh array, ascending ids). */
  get heldGroups(): number[] {
    return this.ids.slice();
  }

  /** Forgets every group (a new connection). */
  reset(): void {
    this.ids = [];
    this.groups = [];
    this.lastTick = -1;
  }

  /**
   * Applies an untrusted body for `tick` sent against `baseTick` (the tick of the previous body, or
   * -1 to start from no group), giving the snapshot of every entity held, ascending id (no motion).
   * Never throws; on failure the held groups are unchanged.
   */
  decode(tick: number, baseTick: number, body: Uint8Array, limits: DecodeLimits = {}): Result<Snapshot> {
    const maxEntities = limits.maxEntities ?? DEFAULT_MAX_ENTITIES;
    if (baseTick >= 0 && baseTick !== this.lastTick)
      return fail(`grouped body against tick ${baseTick}, but the client holds tick ${this.lastTick}`);
    if (!(tick > baseTick)) return fail(`tick ${tick} is not after ${baseTick}`);
    const heldIds = baseTick < 0 ? [] : this.ids;
    const held = baseTick < 0 ? [] : this.groups;
    const t = this.tables;
    const r = new BitReader(body);
    const orders = this.orders;
    forEachContinuousSlot(t, (slot) => {
      orders[slot] = r.bits(K_BITS);
    });
    const ids: number[] = [];
    const groups: Snapshot[] = [];
    let total = 0;
    for (let i = 0; i < heldIds.length; i++) {
      // One bit: the group has a chunk this tick; else a second bit: the group is kept as held (or dropped).
      const hasChunk = r.bit();
      if (hasChunk) {
        const chunk = this.decoder.readGroup(r, held[i]!, tick, orders, maxEntities);
        if (!chunk.ok) return fail(`group ${heldIds[i]}: ${chunk.reason}`);
        ids.push(heldIds[i]!);
        groups.push(chunk.value);
        total += chunk.value.count;
      } else {
        const kept = r.bit();
        if (kept) {
          ids.push(heldIds[i]!);
          groups.push(held[i]!);
          total += held[i]!.count;
        }
      }
      if (r.overrun) return fail('truncated held groups');
    }
    const added = r.expGolomb(0);
    if (added < 0 || added > r.bitsLeft || ids.length + added > MAX_HELD_GROUPS)
      return fail(`added group count ${added} is impossible here`);
    let prev = -1;
    const keptCount = ids.length;
    for (let n = 0; n < added; n++) {
      const id = prev + 1 + r.expGolomb(0);
      if (r.overrun || id > MAX_GROUP_ID) return fail('added group id out of range or truncated');
      if (indexOfSorted(ids, keptCount, id) >= 0) return fail(`added group ${id} is already held`);
      const chunk = this.decoder.readGroup(r, null, tick, orders, maxEntities);
      if (!chunk.ok) return fail(`added group ${id}: ${chunk.reason}`);
      ids.push(id);
      groups.push(chunk.value);
      total += chunk.value.count;
      prev = id;
    }
    if (r.overrun || !r.atPaddedEnd()) return fail('body length does not match its contents');
    if (total > maxEntities) return fail(`the groups hold ${total} entities, more than ${maxEntities}`);
    if (keptCount > 0 && added > 0) sortGroups(ids, groups);
    const merged = this.merge(tick, groups, total);
    if (merged === null) return fail('an entity is in two groups of the same tick');
    this.ids = ids;
    this.groups = groups;
    this.lastTick = tick;
    return ok(merged);
  }

  /**
   * Merges the groups' rows into one snapshot, ascending id. A group not updated at `tick` shows its
   * entities where its motion predicts them. An entity that moved between groups, one of which the
   * server has not sent again yet, is taken from the group updated last; null if two groups of the
   * same tick hold it.
   */
  private merge(tick: number, groups: readonly Snapshot[], total: number): Snapshot | null {
    const t = this.tables;
    const stride = t.stride;
    const ids = new Array<number>(total);
    const kinds = new Array<number>(total);
    const values = new Array<number>(total * stride);
    const texts: (string | undefined)[] | null = t.withText ? new Array(total * stride) : null;
    const at = new Array<number>(groups.length).fill(0);
    // Rows in (id, group) order: a heap of the groups by their next row, so a body of many groups
    // costs total × log(groups), not total × groups.
    const heap: number[] = [];
    for (let g = 0; g < groups.length; g++) if (groups[g]!.count > 0) siftUp(heap, heap.push(g) - 1, groups, at);
    let count = 0;
    let lastTick = -1;
    for (let n = 0; n < total; n++) {
      const best = heap[0]!;
      const s = groups[best]!;
      const row = at[best]!++;
      const bestId = s.ids[row]!;
      if (at[best]! === s.count) {
        const last = heap.pop()!;
        if (heap.length > 0) heap[0] = last;
      }
      if (heap.length > 0) siftDown(heap, groups, at);
      if (count > 0 && ids[count - 1] === bestId) {
        if (s.tick === lastTick) return null;
        if (s.tick < lastTick) continue;
        count--; // the copy in the group updated later wins
      }
      const o = count++;
      lastTick = s.tick;
      const kind = s.kinds[row]!;
      ids[o] = bestId;
      kinds[o] = kind;
      const g = tick - s.tick;
      const motion = g > 0 ? s.motion : null;
      for (let f = 0; f < stride; f++) {
        const q = s.values[row * stride + f]!;
        const slot = kind * stride + f;
        values[o * stride + f] =
          motion !== null && f < t.fieldCount[kind]! && t.coding[slot] === CONTINUOUS
            ? predict(q, motion[row * stride + f]!, g, t.range[slot]!)
            : q;
      }
      if (texts !== null) for (let f = 0; f < stride; f++) texts[o * stride + f] = s.texts![row * stride + f];
    }
    ids.length = count;
    kinds.length = count;
    values.length = count * stride;
    if (texts !== null) texts.length = count * stride;
    return { tick, count, stride, ids, kinds, values, motion: null, texts };
  }
}

/** True if group `a`'s next row comes before group `b`'s: a lower id, or the same id in an earlier group. */
function before(groups: readonly Snapshot[], at: readonly number[], a: number, b: number): boolean {
  const ia = groups[a]!.ids[at[a]!]!;
  const ib = groups[b]!.ids[at[b]!]!;
  return ia < ib || (ia === ib && a < b);
}

/** Moves `heap[i]` up to its place in the min-heap of groups ordered by {@link before}. */
function siftUp(heap: number[], i: number, groups: readonly Snapshot[], at: readonly number[]): void {
  const g = heap[i]!;
  while (i > 0) {
    const parent = (i - 1) >>> 1;
    if (!before(groups, at, g, heap[parent]!)) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = g;
}

/** Moves `heap[0]` down to its place in the min-heap of groups ordered by {@link before}. */
function siftDown(heap: number[], groups: readonly Snapshot[], at: readonly number[]): void {
  const n = heap.length;
  const g = heap[0]!;
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && before(groups, at, heap[c + 1]!, heap[c]!)) c++;
    if (!before(groups, at, heap[c]!, g)) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = g;
}

/** Sorts the parallel arrays by id (kept ones and added ones are each ascending already). */
function sortGroups(ids: number[], groups: Snapshot[]): void {
  const order = ids.map((_, i) => i).sort((a, b) => ids[a]! - ids[b]!);
  const sortedIds = order.map((i) => ids[i]!);
  const sortedGroups = order.map((i) => groups[i]!);
  for (let i = 0; i < ids.length; i++) {
    ids[i] = sortedIds[i]!;
    groups[i] = sortedGroups[i]!;
  }
}
