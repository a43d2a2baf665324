/**
 * The interest-managed strategy of a room's snapshot stream (see InterestManager.ts for the model):
 * per client per tick, gather the groups in view, choose what fits the budget, write the grouped body
 * from this tick's chunks, and, once the stream wrote it, record what the client holds.
 */
import { indexOfEntity, MsgKind, type Snapshot } from '../../shared/index.ts';
import {
  type AddedGroup,
  buildSnapshotFrame,
  eg0Bits,
  GroupedBodyWriter,
  HELD_DROPPED,
  HELD_KEPT,
  HELD_UPDATED,
  SnapshotFrameScratch,
  snapshotFrameBytes,
} from '../../shared/wire/index.ts';
import type { EncodedChunk } from '../../shared/wire/SnapshotEncoder.ts';
import type { RoomClient } from '../RoomClient.ts';
import type { FrameSink, StreamPeer, StreamSlot, StreamStrategy } from '../stream/streamTypes.ts';
import type { ClientInterest } from './ClientInterest.ts';
import type { Group } from './Group.ts';
import { GLOBAL_CELL, type GroupTable } from './GroupTable.ts';
import { Holding, HoldingInterner } from './Holding.ts';
import type { ResolvedInterest } from './interestOptions.ts';
import { choose, type Entries, rectD2 } from './prioritize.ts';
import { viewIsHeld } from './viewCover.ts';
import { countSnapshot, ExactPath } from './ExactPath.ts';
import type { InterestCounts } from './interestTypes.ts';

/** An empty list of entries to add. */
const NONE: readonly number[] = [];
/** The added section of a body that adds no group. */
const NONE_ADDED: readonly AddedGroup[] = [];

/** What the strategy shares with its InterestManager: the per-client states and the priority weights. */
export interface InterestShared {
  /** The state of `client`, created on first use. */
  stateOf(client: RoomClient): ClientInterest;
  /** Forgets `client`'s state. */
  forget(client: RoomClient): void;
  /** Per-row priority weight of this tick's world, or null when every weight is 1. */
  weightOf(world: Snapshot): ((row: number) => number) | null;
}

/** The interest strategy of one room; created by its InterestManager. */
export class InterestStrategy implements StreamStrategy<ClientInterest> {
  readonly counts: InterestCounts = {
    entitiesSent: 0,
    entitiesDeferred: 0,
    snapshots: 0,
    bytes: 0,
    sharedFrames: 0,
  };
  private readonly writer = new GroupedBodyWriter();
  private readonly frames = new SnapshotFrameScratch();
  private readonly interner = new HoldingInterner();
  private readonly exact: ExactPath;
  private serial = 0;
  /** The centre of the view of the client being served, when it follows its entity. */
  private readonly point = { x: 0, y: 0 };
  // Scratch per entry (a group in view: held or to add) of the client being served.
  private eGroup: Group[] = [];
  private eChunk: EncodedChunk[] = [];
  /** Per entry: index in the client's held list, or -1 for a group to add. */
  private eHeld = new Int32Array(64);
  private readonly entries: Entries = {
    group: this.eGroup,
    bits: new Float64Array(64),
    age: new Float64Array(64),
    key: new Float64Array(64),
    inc: new Uint8Array(64),
    order: [],
  };
  /** Per held group of the client being served: its entry, or -1 to drop it. */
  private heldEntry = new Int32Array(64);

  constructor(
    private readonly table: GroupTable,
    private readonly options: ResolvedInterest,
    private readonly shared: InterestShared,
  ) {
    this.exact = new ExactPath(table, this.interner, this.counts);
  }

  begin(world: Snapshot): void {
    this.table.prepare(world, this.shared.weightOf(world));
    this.writer.setOrders(this.table.tables, this.table.orders);
    this.exact.begin();
  }

  createState(peer: StreamPeer): ClientInterest {
    return this.shared.stateOf(peer.client);
  }

  dispose(peer: StreamPeer, state: ClientInterest): void {
    state.reset();
    this.shared.forget(peer.client);
  }

  heldTick(state: ClientInterest): number {
    return state.holding.tick;
  }

  reset(state: ClientInterest): void {
    state.reset();
  }

  serve(world: Snapshot, slots: readonly StreamSlot<ClientInterest>[], sink: FrameSink): void {
    for (const slot of slots) this.serveOne(slot, world, sink);
  }

  private serveOne(slot: StreamSlot<ClientInterest>, world: Snapshot, sink: FrameSink): void {
    const state = slot.state;
    const tick = world.tick;
    const holding = state.holding;
    const baseTick = holding.tick;
    const own = this.ownGroup(state, slot.peer.client, world);
    const view = this.centreOf(state, world);
    const budget = state.budgetBytes ?? this.options.budgetBytes;
    const exact = viewIsHeld(this.table, this.options.grid, state, view, ++this.serial);
    if (exact && this.exact.serve(slot, tick, budget, sink)) return;
    const entries = this.gather(state, tick, view);
    const e = this.entries;
    e.inc.fill(1, 0, entries);
    state.maxIntervalTicks = 1;
    let adds = this.addsSent(entries);
    let body = this.write(state, adds);
    if (snapshotFrameBytes(tick, baseTick, body.byteLength) > budget) {
      const availBits = (budget - snapshotFrameBytes(tick, baseTick, 0x100) + 0x100) * 8;
      const used = this.writer.ordersBitLength + 2 * holding.groups.length + eg0Bits(entries);
      const centre = { x: view?.x ?? 0, y: view?.y ?? 0, radius: state.radius };
      state.maxIntervalTicks = choose(e, entries, own, availBits, used, this.options.wire.groupWorstBits, centre);
      adds = this.addsSent(entries);
      body = this.write(state, adds);
      if (snapshotFrameBytes(tick, baseTick, body.byteLength) > budget) {
        // Even the held groups' codes alone do not fit (a view of very many groups on a tiny budget).
        sink.skipped();
        return;
      }
    }
    // A body that updates every held group and adds none is what every other client of this holding
    // whose view is its groups gets: when there are such clients, it is kept (an owned frame) for them.
    const sharable = holding.holders > 1 && adds.length === 0 && this.updatesAllHeld(holding);
    const frame = sharable
      ? buildSnapshotFrame(MsgKind.GroupSnapshot, tick, baseTick, body)
      : this.frames.build(MsgKind.GroupSnapshot, tick, baseTick, body);
    if (!sink.send(slot, frame)) return;
    sink.encoded();
    const next = this.commit(state, entries, adds, tick, frame.bytes.byteLength);
    if (sharable) {
      holding.memoTick = tick;
      holding.frame = frame;
      holding.next = next;
    }
  }

  /** True if the entries chosen update every group of `holding` (none dropped or kept). */
  private updatesAllHeld(holding: Holding): boolean {
    const inc = this.entries.inc;
    for (let i = 0; i < holding.groups.length; i++) {
      const e = this.heldEntry[i]!;
      if (e < 0 || inc[e] !== 1) return false;
    }
    return true;
  }

  /** The group of the client's own entity this tick (also noting its row), or null. */
  private ownGroup(state: ClientInterest, client: RoomClient, world: Snapshot): Group | null {
    if (client.entityId < 0) {
      state.ownRow = -1;
      return null;
    }
    const hint = state.ownRow;
    const row =
      hint >= 0 && hint < world.count && world.ids[hint] === client.entityId
        ? hint
        : indexOfEntity(world, client.entityId);
    state.ownRow = row;
    return row >= 0 ? this.table.rowGroup[row]! : null;
  }

  /**
   * The view's centre: the explicit one, else the own entity's position (in a scratch point valid until
   * the next call); null for none (globals only).
   */
  private centreOf(state: ClientInterest, world: Snapshot): { x: number; y: number } | null {
    if (state.center !== null) return state.center;
    const row = state.ownRow;
    if (row < 0 || row >= world.count) return null;
    const x = this.table.posX[row]!;
    if (Number.isNaN(x)) return null;
    this.point.x = x;
    this.point.y = this.table.posY[row]!;
    return this.point;
  }

  /**
   * Lists the client's entries: held groups still in view (to update) and groups coming into view
   * (to add); marks held groups that leave the view for dropping. Returns the entry count.
   */
  private gather(state: ClientInterest, tick: number, view: { x: number; y: number } | null): number {
    const table = this.table;
    const { groups: held, ticks: heldTicks, canon: heldCanon } = state.holding;
    const serial = ++this.serial;
    const keep = state.radius + state.margin;
    const keep2 = keep * keep;
    if (this.heldEntry.length < held.length) this.heldEntry = new Int32Array(held.length * 2);
    let n = 0;
    for (let i = 0; i < held.length; i++) {
      const g = held[i]!;
      g.mark = serial;
      this.heldEntry[i] = -1;
      if (g.dead || (g.cell !== GLOBAL_CELL && !(view !== null && rectD2(g, view.x, view.y) <= keep2))) continue;
      const heldAt = heldTicks[i]!;
      const chunk = table.chunk(g, heldAt, heldCanon[i] === 1);
      if (chunk === null) {
        n = this.addEntry(n, g, state, tick); // its state is too old: drop it and send it afresh
        continue;
      }
      this.reserve(n + 1);
      this.eGroup[n] = g;
      this.eChunk[n] = chunk;
      this.eHeld[n] = i;
      this.entries.bits[n] = chunk.bitLength - 1; // "updated" (1 bit) + chunk instead of "kept" (2 bits)
      this.entries.age[n] = tick - heldAt;
      this.heldEntry[i] = n++;
    }
    if (view !== null) n = this.gatherCells(n, state, tick, view.x, view.y, serial);
    for (const g of table.globals) if (g.mark !== serial) n = this.addEntry(n, g, state, tick);
    if (state.waiting.size > 0)
      for (const g of state.waiting.keys()) if (g.mark !== serial || g.dead) state.waiting.delete(g);
    let visible = 0;
    for (let e = 0; e < n; e++) visible += this.eGroup[e]!.count;
    state.visibleCount = visible;
    return n;
  }

  /** Adds the groups of the cells within the view's radius not yet listed; returns the entry count. */
  private gatherCells(n: number, state: ClientInterest, tick: number, cx: number, cy: number, serial: number): number {
    const table = this.table;
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
    this.entries.bits[n] = eg0Bits(g.id) + chunk.bitLength;
    this.entries.age[n] = tick - since + 1;
    return n + 1;
  }

  /** Writes the body of the entries marked in `inc`, `adds` being those to add (layout: shared/wire/README.md). */
  private write(state: ClientInterest, adds: readonly number[]): Uint8Array {
    const w = this.writer;
    w.begin();
    const held = state.holding.groups;
    const inc = this.entries.inc;
    for (let i = 0; i < held.length; i++) {
      const e = this.heldEntry[i]!;
      if (e < 0) w.held(HELD_DROPPED);
      else if (inc[e] === 0) w.held(HELD_KEPT);
      else w.held(HELD_UPDATED, this.eChunk[e]!);
    }
    w.added(adds.length === 0 ? NONE_ADDED : adds.map((e) => ({ id: this.eGroup[e]!.id, chunk: this.eChunk[e]! })));
    return w.finish();
  }

  /** The entries to add that are marked sent, ascending group id. */
  private addsSent(entries: number): readonly number[] {
    let adds: number[] | null = null;
    const inc = this.entries.inc;
    for (let e = 0; e < entries; e++) {
      if (this.eHeld[e] !== -1 || inc[e] !== 1) continue;
      adds ??= [];
      adds.push(e);
    }
    if (adds === null) return NONE;
    if (adds.length > 1) adds.sort((a, b) => this.eGroup[a]!.id - this.eGroup[b]!.id);
    return adds;
  }

  /** The body was written: the client now holds what it described (returned, interned); counts the snapshot. */
  private commit(
    state: ClientInterest,
    entries: number,
    adds: readonly number[],
    tick: number,
    bytes: number,
  ): Holding {
    const old = state.holding;
    const held = old.groups;
    const inc = this.entries.inc;
    let sent = 0;
    let deferred = 0;
    let dropped = 0;
    for (let i = 0; i < held.length; i++) {
      const e = this.heldEntry[i]!;
      if (e < 0) dropped++;
      else if (inc[e] === 1) sent += held[i]!.count;
      else deferred += held[i]!.count;
    }
    for (let e = 0; e < entries; e++) if (this.eHeld[e] === -1 && inc[e] === 0) deferred += this.eGroup[e]!.count;
    const size = held.length - dropped + adds.length;
    const same = dropped === 0 && adds.length === 0;
    const groups: Group[] = same ? (held as Group[]) : [];
    const ticks = new Int32Array(size);
    const canon = new Uint8Array(size);
    let n = 0;
    let a = 0;
    let entities = 0;
    for (let i = 0; i <= held.length; i++) {
      const g = i < held.length ? held[i]! : null;
      const e = i < held.length ? this.heldEntry[i]! : -1;
      // The added groups of lower id than this held one (all that are left, after the last).
      while (a < adds.length && (g === null || this.eGroup[adds[a]!]!.id < g.id)) {
        const add = this.eGroup[adds[a++]!]!;
        state.waiting.delete(add);
        sent += add.count;
        entities += add.count;
        ticks[n] = tick;
        groups.push(add);
        n++;
      }
      if (g === null || e < 0) continue;
      const updated = inc[e] === 1;
      ticks[n] = updated ? tick : old.ticks[i]!;
      canon[n] = updated ? (tick - old.ticks[i]! === 1 ? 1 : 0) : old.canon[i]!;
      if (!same) groups.push(g);
      entities += g.count;
      n++;
    }
    const next = this.interner.intern(new Holding(tick, groups, ticks, canon, entities));
    state.hold(next);
    countSnapshot(this.counts, sent, deferred, bytes);
    return next;
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
    const e = this.entries as { -readonly [K in keyof Entries]: Entries[K] };
    e.bits = grow(e.bits, (s) => new Float64Array(s));
    e.age = grow(e.age, (s) => new Float64Array(s));
    e.key = grow(e.key, (s) => new Float64Array(s));
    e.inc = grow(e.inc, (s) => new Uint8Array(s));
  }
}
