/**
 * A uniform grid over a world snapshot's positions, rebuilt once per tick by a counting sort (O(entities
 * + cells), no per-entity allocation), so each client's view query visits only the cells its view
 * overlaps: the cost of a query follows what the view holds, not the size of the world.
 *
 * Rows are snapshot row indices. Within a cell rows stay in ascending order (the counting sort is
 * stable), and rows of kinds without a position are kept apart as "global" rows every view includes.
 */

/** Most cells a grid may have; a finer grid costs more per rebuild than it saves per query. */
export const MAX_GRID_CELLS = 1 << 22;

/** The world's extent and the cell size, in world units. */
export interface GridBounds {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly cellSize: number;
}

/** The grid; owned by one room's interest manager, rebuilt by {@link SpatialGrid.rebuild} each tick. */
export class SpatialGrid {
  /** Cells along x. */
  readonly cols: number;
  /** Cells along y. */
  readonly rows: number;
  /** Per row: its x position (world units), valid after `rebuild` for rows that have a position. */
  posX = new Float64Array(0);
  /** Per row: its y position (world units). */
  posY = new Float64Array(0);
  /** Rows without a position, ascending. */
  globals = new Int32Array(0);
  /** Number of valid entries in `globals`. */
  globalCount = 0;
  private readonly cellStart: Int32Array;
  private cellOf = new Int32Array(0);
  private items = new Int32Array(0);

  /** Throws if the bounds give more than {@link MAX_GRID_CELLS} cells or a cell size ≤ 0. */
  constructor(readonly bounds: GridBounds) {
    const { minX, minY, maxX, maxY, cellSize } = bounds;
    if (!(cellSize > 0) || !Number.isFinite(cellSize)) throw new RangeError(`SpatialGrid: cellSize must be a finite number > 0; got ${cellSize}`);
    this.cols = Math.max(1, Math.floor((maxX - minX) / cellSize) + 1);
    this.rows = Math.max(1, Math.floor((maxY - minY) / cellSize) + 1);
    if (this.cols * this.rows > MAX_GRID_CELLS) {
      throw new RangeError(`SpatialGrid: ${this.cols} × ${this.rows} cells of ${cellSize} units are more than ${MAX_GRID_CELLS}; use a larger cellSize`);
    }
    this.cellStart = new Int32Array(this.cols * this.rows + 1);
  }

  /**
   * Buckets `count` rows. `position(row, out)` writes the row's x and y into `out[0]`, `out[1]` and
   * returns true, or returns false for a row without a position (a global row).
   */
  rebuild(count: number, position: (row: number, out: Float64Array) => boolean): void {
    if (this.cellOf.length < count) {
      const size = Math.max(count, this.cellOf.length * 2, 64);
      this.cellOf = new Int32Array(size);
      this.items = new Int32Array(size);
      this.posX = new Float64Array(size);
      this.posY = new Float64Array(size);
      this.globals = new Int32Array(size);
    }
    const { minX, minY, cellSize } = this.bounds;
    const cols = this.cols;
    const rows = this.rows;
    const start = this.cellStart;
    start.fill(0);
    const xy = new Float64Array(2);
    let globals = 0;
    for (let r = 0; r < count; r++) {
      if (!position(r, xy)) {
        this.cellOf[r] = -1;
        this.globals[globals++] = r;
        continue;
      }
      const x = xy[0]!;
      const y = xy[1]!;
      this.posX[r] = x;
      this.posY[r] = y;
      const cx = clampIndex(Math.floor((x - minX) / cellSize), cols);
      const cy = clampIndex(Math.floor((y - minY) / cellSize), rows);
      const cell = cy * cols + cx;
      this.cellOf[r] = cell;
      start[cell + 1]!++;
    }
    this.globalCount = globals;
    for (let c = 1; c < start.length; c++) start[c]! += start[c - 1]!;
    const fill = start.slice(0, start.length - 1);
    for (let r = 0; r < count; r++) {
      const cell = this.cellOf[r]!;
      if (cell >= 0) this.items[fill[cell]!++] = r;
    }
  }

  /**
   * Writes into `out` (from index `at`) every row whose position lies within `radius` of (x, y),
   * visiting only the overlapping cells; returns the new end index. `out` must have room (its length
   * at least the row count is always enough).
   */
  query(x: number, y: number, radius: number, out: Int32Array, at: number): number {
    const { minX, minY, cellSize } = this.bounds;
    const c0 = clampIndex(Math.floor((x - radius - minX) / cellSize), this.cols);
    const c1 = clampIndex(Math.floor((x + radius - minX) / cellSize), this.cols);
    const r0 = clampIndex(Math.floor((y - radius - minY) / cellSize), this.rows);
    const r1 = clampIndex(Math.floor((y + radius - minY) / cellSize), this.rows);
    const r2 = radius * radius;
    const start = this.cellStart;
    const items = this.items;
    const px = this.posX;
    const py = this.posY;
    let n = at;
    for (let cy = r0; cy <= r1; cy++) {
      const rowBase = cy * this.cols;
      const from = start[rowBase + c0]!;
      const to = start[rowBase + c1 + 1]!;
      for (let k = from; k < to; k++) {
        const row = items[k]!;
        const dx = px[row]! - x;
        const dy = py[row]! - y;
        if (dx * dx + dy * dy <= r2) out[n++] = row;
      }
    }
    return n;
  }
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
