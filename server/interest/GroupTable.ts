/**
 * The groups of one interest-managed room (shared/wire/groupedBody.ts): each tick every entity belongs to
 * one group, a group holds the entities of one grid cell (at most `groupCap` of them; a crowded cell
 * has several groups) or, for kinds without a position, of no cell ("global" groups every client
 * holds). An entity keeps its group until it strays more than a tenth of a cell past the group's
 * cell, so one moving along a cell border does not hop back and forth.
 *
 * Per group per tick the table keeps the group's snapshot and encodes chunks on demand, once each:
 * against the group as a client holds it after a one-tick chunk (values and one-tick motion, the
 * common case), after any other chunk (values, no motion), or against nothing (a keyframe). States
 * of the last {@link HISTORY_TICKS} ticks are kept, so a client that skipped a group for a while gets
 * a delta too; older than that, it gets the group afresh.
 *
 * The continuous fields' Exp-Golomb orders are fixed per tick, chosen from the previous tick's codes,
 * so every chunk of a tick uses the same orders (the body carries them once).
 */
import { bestOrder, CodecTables, CONTINUOUS, HIST_BINS } from '../../shared/wire/codecTables.ts';
import type { Schema, Snapshot } from '../../shared/index.ts';
import { type EncodedChunk, SnapshotEncoder } from '../../shared/wire/SnapshotEncoder.ts';
import { Group, HISTORY_TICKS } from './Group.ts';
import type { GridBounds } from './interestOptions.ts';
import { RowPositions } from './rowPositions.ts';
import { ValuePool } from './ValuePool.ts';

/** The cell of a global group (entities without a position). */
export const GLOBAL_CELL = -1;
/** Most cells a grid may have. */
const MAX_GRID_CELLS = 1 << 22;
/** How far past its group's cell an entity may be before it changes group, as a share of the cell size. */
const MEMBER_MARGIN_SHARE = 0.1;
/** The Exp-Golomb order used before any chunk has been encoded. */
const INITIAL_ORDER = 2;

/**
 * Room groups and their chunks; owned by the room's interest manager, rebuilt by {@link GroupTable.prepare} each tick.
 */
export class GroupTable {
  readonly tables: CodecTables;
  /** Per slot (kind × stride + field): this tick's Exp-Golomb order for continuous residuals. */
  readonly orders: Uint8Array;
  /** Grid columns and rows. */
  readonly cols: number;
  readonly rows: number;
  /** Per world row this tick: its group. */
  rowGroup: Group[] = [];
  /** Global groups, ascending id. */
  globals: Group[] = [];
  /** Per grid cell: its live groups (ascending id), or undefined for none. Sparse. */
  private readonly byCell: (Group[] | undefined)[] = [];
  private live: Group[] = [];
  private readonly encoder: SnapshotEncoder;
  private readonly hist: Float64Array;
  private readonly empty: Snapshot;
  private readonly positions: RowPositions;
  /** Value columns of states that left the history, for this tick's states. */
  private readonly pool: ValuePool;
  private nextId = 0;
  private tick = -1;
  private prevIds: number[] = [];
  private prevKinds: number[] = [];
  /** Per row of last tick's world: its group (last tick's {@link GroupTable.rowGroup}; the two swap). */
  private prevGroups: Group[] = [];
  /** Scratch of {@link GroupTable.assign}: the rows that change group, and their cells. */
  private readonly movers: number[] = [];
  private readonly moverCells: number[] = [];
  private seen = false;

  /** Throws if the bounds give more than {@link MAX_GRID_CELLS} cells. */
  constructor(
    schema: Schema,
    private readonly bounds: GridBounds,
    xField: readonly number[],
    yField: readonly number[],
    private readonly cap: number,
  ) {
    const { minX, minY, maxX, maxY, cellSize } = bounds;
    this.cols = Math.max(1, Math.floor((maxX - minX) / cellSize) + 1);
    this.rows = Math.max(1, Math.floor((maxY - minY) / cellSize) + 1);
    if (this.cols * this.rows > MAX_GRID_CELLS) {
      throw new RangeError(
        `defineRoom: interest: ${this.cols} × ${this.rows} cells of ${cellSize} units ` +
          `are more than ${MAX_GRID_CELLS}; use a larger cellSize`,
      );
    }
    this.tables = new CodecTables(schema);
    this.encoder = new SnapshotEncoder(this.tables);
    this.orders = new Uint8Array(this.tables.kindCount * this.tables.stride).fill(INITIAL_ORDER);
    this.hist = new Float64Array(this.orders.length * HIST_BINS);
    this.positions = new RowPositions(schema, xField, yField);
    this.pool = new ValuePool(this.tables.stride);
    this.empty = {
      tick: -1,
      count: 0,
      stride: this.tables.stride,
      ids: [],
      kinds: [],
      values: [],
      motion: null,
      texts: this.tables.withText ? [] : null,
    };
  }

  /** Per world row this tick: x (world units; NaN without a position). */
  get posX(): Float64Array {
    return this.positions.posX;
  }

  /** Per world row this tick: y (world units; NaN without a position). */
  get posY(): Float64Array {
    return this.positions.posY;
  }

  /** Groups of grid cell `cell` (ascending id), or undefined. */
  groupsOf(cell: number): readonly Group[] | undefined {
    return this.byCell[cell];
  }

  /**
   * Starts tick `world.tick`: keeps last tick's states, sorts every entity of `world` into a group,
   * builds each group's snapshot, and fixes this tick's orders. `weightOf(row)` gives an entity's
   * priority weight (null: all 1).
   */
  prepare(world: Snapshot, weightOf: ((row: number) => number) | null): void {
    this.rememberTick();
    this.tick = world.tick;
    this.chooseOrders();
    this.positions.locate(world);
    this.assign(world);
    this.build(world, weightOf);
  }

  /**
   * The chunk of `group` for a client holding it at `baseTick` (-1: not at all) after a one-tick
   * chunk (`canon`) or not; null when that state is no longer kept (send the group afresh).
   */
  chunk(group: Group, baseTick: number, canon: boolean): EncodedChunk | null {
    const last = baseTick === this.tick - 1;
    const fast = baseTick < 0 ? group.whole : last ? (canon ? group.fromCanon : group.fromFresh) : undefined;
    if (fast !== undefined) return fast;
    const key = baseTick * 2 + (canon ? 1 : 0);
    const hit = baseTick < 0 || last ? undefined : group.memo.get(key);
    if (hit !== undefined) return hit;
    let base: Snapshot | null = null;
    if (baseTick >= 0) {
      const slot = baseTick % HISTORY_TICKS;
      base =
        group.pastTick[slot] !== baseTick || this.tick - baseTick > HISTORY_TICKS
          ? null
          : ((canon ? group.pastCanon[slot] : group.pastFresh[slot]) ?? null);
      if (base === null) {
        group.memo.set(key, null);
        return null;
      }
    }
    const reuse = last ? group.spareMotion : null;
    const chunk = this.encoder.encodeGroup(base, group.now, this.orders, this.hist, reuse);
    if (reuse !== null && chunk.next.motion === reuse) group.spareMotion = null;
    this.seen = true;
    group.encoded = true;
    if (baseTick < 0) group.whole = chunk;
    else if (last) {
      group.canonNow ??= chunk.next;
      if (canon) group.fromCanon = chunk;
      else group.fromFresh = chunk;
    } else group.memo.set(key, chunk);
    return chunk;
  }

  private rememberTick(): void {
    const slot = this.tick % HISTORY_TICKS;
    for (const g of this.live) {
      if (this.tick >= 0) {
        // The state this one overwrites has left the history, and nothing else refers to its columns
        // any more: this tick's snapshots reuse them, so a long-lived world allocates little per tick.
        if (g.pastTick[slot]! >= 0) {
          const old = g.pastFresh[slot];
          if (old !== null && old !== undefined) this.pool.give(old.values as number[]);
          const motion = g.pastCanon[slot]?.motion;
          if (motion !== null && motion !== undefined) g.spareMotion = motion as number[];
        }
        if (g.encoded) {
          g.pastTick[slot] = this.tick;
          g.pastFresh[slot] = g.now;
          g.pastCanon[slot] = g.canonNow;
        } else {
          // No chunk of this state was encoded, so no client holds it and no delta needs it: its column
          // goes back at once (still in cache for this tick's copy), not after the history's 32 ticks.
          g.pastTick[slot] = -1;
          g.pastFresh[slot] = null;
          g.pastCanon[slot] = null;
          this.pool.give(g.now.values as number[]);
        }
      }
      g.encoded = false;
      g.canonNow = null;
      g.whole = g.fromCanon = g.fromFresh = undefined;
      if (g.memo.size > 0) g.memo.clear();
      g.nextCount = 0;
    }
  }

  private chooseOrders(): void {
    if (!this.seen) return;
    this.seen = false;
    const { coding } = this.tables;
    for (let slot = 0; slot < this.orders.length; slot++) {
      if (coding[slot] !== CONTINUOUS) continue;
      const at = slot * HIST_BINS;
      let any = false;
      for (let b = 0; b < HIST_BINS && !any; b++) any = this.hist[at + b] !== 0;
      if (any) this.orders[slot] = bestOrder(this.hist, at);
    }
    this.hist.fill(0);
  }

  /** Gives every row a group: its last one while it stays near that group's cell, else one with room in its cell. */
  private assign(world: Snapshot): void {
    const { minX, minY, cellSize } = this.bounds;
    const slack = cellSize * MEMBER_MARGIN_SHARE;
    // Last tick's row groups become the previous ones; their array is overwritten with this tick's.
    const rowGroup = this.prevGroups;
    this.prevGroups = this.rowGroup;
    this.rowGroup = rowGroup;
    rowGroup.length = world.count;
    const { movers, moverCells, posX, posY } = this;
    movers.length = 0;
    moverCells.length = 0;
    const prevIds = this.prevIds;
    let p = 0;
    for (let row = 0; row < world.count; row++) {
      const id = world.ids[row]!;
      while (p < prevIds.length && prevIds[p]! < id) p++;
      const prev =
        p < prevIds.length && prevIds[p] === id && this.prevKinds[p] === world.kinds[row] ? this.prevGroups[p]! : null;
      const x = posX[row]!;
      const y = posY[row]!;
      let cell = GLOBAL_CELL;
      if (!Number.isNaN(x))
        cell =
          clamp(Math.floor((y - minY) / cellSize), this.rows) * this.cols +
          clamp(Math.floor((x - minX) / cellSize), this.cols);
      const stays =
        prev !== null &&
        !prev.dead &&
        (prev.cell === cell ||
          (cell !== GLOBAL_CELL &&
            prev.cell !== GLOBAL_CELL &&
            x >= prev.x0 - slack &&
            x <= prev.x1 + slack &&
            y >= prev.y0 - slack &&
            y <= prev.y1 + slack));
      if (stays) {
        rowGroup[row] = prev;
        prev.nextCount++;
      } else {
        movers.push(row);
        moverCells.push(cell);
      }
    }
    for (let i = 0; i < movers.length; i++) {
      const group = this.roomIn(moverCells[i]!);
      rowGroup[movers[i]!] = group;
      group.nextCount++;
    }
  }

  /** A live group of `cell` with room for one more member, created if none has. */
  private roomIn(cell: number): Group {
    let list = cell === GLOBAL_CELL ? this.globals : this.byCell[cell];
    if (list !== undefined) for (const g of list) if (g.nextCount < this.cap) return g;
    if (list === undefined) {
      list = [];
      this.byCell[cell] = list;
    }
    const size = this.bounds.cellSize;
    const cx = cell % this.cols;
    const cy = Math.floor(cell / this.cols);
    const x0 = cell === GLOBAL_CELL ? -Infinity : this.bounds.minX + cx * size;
    const y0 = cell === GLOBAL_CELL ? -Infinity : this.bounds.minY + cy * size;
    const g = new Group(
      this.nextId++,
      cell,
      x0,
      y0,
      cell === GLOBAL_CELL ? Infinity : x0 + size,
      cell === GLOBAL_CELL ? Infinity : y0 + size,
      this.empty,
    );
    list.push(g);
    this.live.push(g);
    return g;
  }

  /** Builds each live group's members and snapshot; retires the empty ones. */
  private build(world: Snapshot, weightOf: ((row: number) => number) | null): void {
    const stride = world.stride;
    const live = this.retire();
    const withText = world.texts !== null;
    for (const g of live) {
      g.fill = 0;
      g.nextValues = this.pool.take(g.nextCount * stride);
      g.nextTexts = withText ? new Array(g.nextCount * stride) : null;
      g.weight = weightOf === null ? 1 : 0;
    }
    const { ids: worldIds, kinds: worldKinds, values: worldValues, texts: worldTexts } = world;
    const rowGroup = this.rowGroup;
    // Rows in order: the world is read front to back (reading it group by group, a row here and a row
    // there, costs a cache miss a row), each row written at its group's next place, so a group's
    // members come in ascending row as before.
    for (let row = 0; row < world.count; row++) {
      const g = rowGroup[row]!;
      const i = g.fill++;
      const id = worldIds[row]!;
      const kind = worldKinds[row]!;
      if (g.nextIds !== null) {
        g.nextIds[i] = id;
        g.nextKinds![i] = kind;
      } else if (g.now.ids[i] !== id || g.now.kinds[i] !== kind) diverge(g, i, id, kind);
      const values = g.nextValues;
      const from = row * stride;
      const to = i * stride;
      for (let f = 0; f < stride; f++) values[to + f] = worldValues[from + f]!;
      if (worldTexts !== null) for (let f = 0; f < stride; f++) g.nextTexts![to + f] = worldTexts[from + f];
      if (weightOf !== null) g.weight = Math.max(g.weight, weightOf(row));
    }
    for (const g of live) {
      const n = g.nextCount;
      const last = g.now;
      // Members unchanged since last tick (the common case): the id and kind columns are shared with
      // last tick's snapshot (snapshots never change), which also tells a delta at once that all survive.
      // Only value columns of old states are reused (id and kind columns may be shared with younger ones).
      const ids = g.nextIds ?? (last.count === n ? last.ids : last.ids.slice(0, n));
      const kinds = g.nextKinds ?? (last.count === n ? last.kinds : last.kinds.slice(0, n));
      g.nextIds = g.nextKinds = null;
      g.count = n;
      g.now = {
        tick: world.tick,
        count: n,
        stride,
        ids,
        kinds,
        values: g.nextValues,
        motion: null,
        texts: g.nextTexts,
      };
    }
    this.prevIds = world.ids as number[];
    this.prevKinds = world.kinds as number[];
  }

  /** Retires the live groups left with no member; returns the others (the new live list). */
  private retire(): Group[] {
    const live: Group[] = [];
    for (const g of this.live) {
      if (g.nextCount === 0) {
        g.dead = true;
        g.pastFresh.fill(null);
        g.pastCanon.fill(null);
        g.spareMotion = null;
        g.interned.length = 0;
        const list = g.cell === GLOBAL_CELL ? this.globals : this.byCell[g.cell]!;
        list.splice(list.indexOf(g), 1);
        if (list.length === 0 && g.cell !== GLOBAL_CELL) this.byCell[g.cell] = undefined;
        continue;
      }
      live.push(g);
    }
    this.live = live;
    return live;
  }
}

/**
 * Group `g`'s member `i` (`id`, `kind`) differs from last tick's: its next id and kind columns start as
 * copies of last tick's first `i` members, and take the rest as they come.
 */
function diverge(g: Group, i: number, id: number, kind: number): void {
  const n = g.nextCount;
  const ids = new Array<number>(n).fill(0);
  const kinds = new Array<number>(n).fill(0);
  for (let j = 0; j < i; j++) {
    ids[j] = g.now.ids[j]!;
    kinds[j] = g.now.kinds[j]!;
  }
  ids[i] = id;
  kinds[i] = kind;
  g.nextIds = ids;
  g.nextKinds = kinds;
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
