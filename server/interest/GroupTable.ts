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
import { ZeroArrays } from '../../shared/snapshot.ts';
import { type EncodedChunk, SnapshotEncoder } from '../../shared/wire/SnapshotEncoder.ts';
import { Group, HISTORY_TICKS } from './Group.ts';
import type { GridBounds } from './interestOptions.ts';

/** The cell of a global group (entities without a position). */
export const GLOBAL_CELL = -1;
/** Most cells a grid may have. */
const MAX_GRID_CELLS = 1 << 22;
/** How far past its group's cell an entity may be before it changes group, as a share of the cell size. */
const MEMBER_MARGIN_SHARE = 0.1;
/** The Exp-Golomb order used before any chunk has been encoded. */
const INITIAL_ORDER = 2;

/** A dequantizer of the form offset + q × scale. */
interface LinearMap {
  readonly offset: number;
  readonly scale: number;
}

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
  /** Per world row this tick: x and y (world units; NaN without a position). */
  posX = new Float64Array(0);
  posY = new Float64Array(0);
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
  private readonly xMap: readonly (LinearMap | null)[];
  private readonly yMap: readonly (LinearMap | null)[];
  private readonly zeros = new ZeroArrays();
  /** World rows ordered by group while the table is being rebuilt (see {@link Group.first}). */
  private byGroup = new Int32Array(0);
  private nextId = 0;
  private tick = -1;
  private prevIds: number[] = [];
  private prevKinds: number[] = [];
  private prevGroups: Group[] = [];
  private seen = false;

  /** Throws if the bounds give more than {@link MAX_GRID_CELLS} cells. */
  constructor(
    private readonly schema: Schema,
    private readonly bounds: GridBounds,
    private readonly xField: readonly number[],
    private readonly yField: readonly number[],
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
    this.xMap = this.linearMap(xField);
    this.yMap = this.linearMap(yField);
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

  /**
   * Per kind: its x (y) field's dequantizer as offset + q × scale, for float and int fields (the same
   * arithmetic as their `dequantize`, without a call per row), or null to call `dequantize`.
   */
  private linearMap(fields: readonly number[]): (LinearMap | null)[] {
    return this.schema.kinds.map((kind, k) => {
      const field = fields[k]! < 0 ? undefined : kind.fields[fields[k]!]!;
      if (field?.decl.type === 'float') return { offset: field.decl.min, scale: field.decl.step };
      if (field?.decl.type === 'int') return { offset: field.dequantize(0) as number, scale: 1 }; // q + min
      return null;
    });
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
    const n = world.count;
    if (this.posX.length < n) {
      this.posX = new Float64Array(Math.max(n, this.posX.length * 2));
      this.posY = new Float64Array(this.posX.length);
    }
    this.locate(world);
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
        // any more: the group's next snapshot reuses them, so a long-lived world allocates little per tick.
        if (g.pastTick[slot]! >= 0) {
          g.spare = g.pastFresh[slot]!;
          const motion = g.pastCanon[slot]?.motion;
          if (motion !== null && motion !== undefined) g.spareMotion = motion as number[];
        }
        g.pastTick[slot] = this.tick;
        g.pastFresh[slot] = g.now;
        g.pastCanon[slot] = g.canonNow;
      }
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

  /** Fills posX/posY of every world row (NaN for kinds without a position). */
  private locate(world: Snapshot): void {
    const stride = world.stride;
    const kinds = world.kinds;
    const values = world.values;
    const { xField, yField, xMap, yMap } = this;
    const posX = this.posX;
    const posY = this.posY;
    for (let row = 0; row < world.count; row++) {
      const k = kinds[row]!;
      const fx = xField[k]!;
      if (fx < 0) {
        posX[row] = NaN;
        posY[row] = NaN;
        continue;
      }
      const qx = values[row * stride + fx]!;
      const qy = values[row * stride + yField[k]!]!;
      const mx = xMap[k]!;
      const my = yMap[k]!;
      posX[row] =
        mx === null ? (this.schema.kinds[k]!.fields[fx]!.dequantize(qx) as number) : mx.offset + qx * mx.scale;
      posY[row] =
        my === null ? (this.schema.kinds[k]!.fields[yField[k]!]!.dequantize(qy) as number) : my.offset + qy * my.scale;
    }
  }

  /** Gives every row a group: its last one while it stays near that group's cell, else one with room in its cell. */
  private assign(world: Snapshot): void {
    const { minX, minY, cellSize } = this.bounds;
    const slack = cellSize * MEMBER_MARGIN_SHARE;
    const rowGroup = this.rowGroup;
    rowGroup.length = world.count;
    const movers: number[] = [];
    const moverCells: number[] = [];
    const prevIds = this.prevIds;
    let p = 0;
    for (let row = 0; row < world.count; row++) {
      const id = world.ids[row]!;
      while (p < prevIds.length && prevIds[p]! < id) p++;
      const prev =
        p < prevIds.length && prevIds[p] === id && this.prevKinds[p] === world.kinds[row] ? this.prevGroups[p]! : null;
      const x = this.posX[row]!;
      const y = this.posY[row]!;
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
    const live: Group[] = [];
    for (const g of this.live) {
      if (g.nextCount === 0) {
        g.dead = true;
        g.pastFresh.fill(null);
        g.pastCanon.fill(null);
        g.spare = null;
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
    // Rows by group (a counting sort): each group's members are a run of `byGroup`, ascending row.
    let at = 0;
    for (const g of live) {
      g.first = g.end = at;
      at += g.nextCount;
    }
    if (this.byGroup.length < world.count)
      this.byGroup = new Int32Array(Math.max(world.count, this.byGroup.length * 2));
    const byGroup = this.byGroup;
    const rowGroup = this.rowGroup;
    for (let row = 0; row < world.count; row++) byGroup[rowGroup[row]!.end++] = row;
    const withText = world.texts !== null;
    const worldIds = world.ids;
    const worldKinds = world.kinds;
    const worldValues = world.values;
    for (const g of live) {
      const first = g.first;
      const n = g.end - first;
      // Members unchanged since last tick (the common case): the id and kind columns are shared with
      // last tick's snapshot (snapshots never change), which also tells a delta at once that all survive.
      const last = g.now;
      let same = last.count === n;
      for (let i = 0; same && i < n; i++) {
        const row = byGroup[first + i]!;
        same = last.ids[i] === worldIds[row] && last.kinds[i] === worldKinds[row];
      }
      let ids = last.ids as number[];
      let kinds = last.kinds as number[];
      if (!same) {
        ids = new Array<number>(n).fill(0);
        kinds = new Array<number>(n).fill(0);
        for (let i = 0; i < n; i++) {
          const row = byGroup[first + i]!;
          ids[i] = worldIds[row]!;
          kinds[i] = worldKinds[row]!;
        }
      }
      // Only the value column of an old state is reused (id and kind columns may be shared with younger
      // ones), and it is cut to length, never lengthened (a lengthened array has holes, slower to read).
      const spare = g.spare;
      g.spare = null;
      const values =
        spare !== null && spare.values.length >= n * stride ? (spare.values as number[]) : this.zeros.take(n * stride);
      if (values.length !== n * stride) values.length = n * stride;
      const texts: (string | undefined)[] | null = withText ? new Array(n * stride) : null;
      let weight = weightOf === null ? 1 : 0;
      for (let i = 0; i < n; i++) {
        const row = byGroup[first + i]!;
        const from = row * stride;
        const to = i * stride;
        for (let f = 0; f < stride; f++) values[to + f] = worldValues[from + f]!;
        if (texts !== null) for (let f = 0; f < stride; f++) texts[to + f] = world.texts![from + f];
        if (weightOf !== null) weight = Math.max(weight, weightOf(row));
      }
      g.weight = weight;
      g.count = n;
      g.now = { tick: world.tick, count: n, stride, ids, kinds, values, motion: null, texts };
    }
    this.prevIds = world.ids as number[];
    this.prevKinds = world.kinds as number[];
    this.prevGroups = rowGroup.slice(0, world.count);
  }
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
