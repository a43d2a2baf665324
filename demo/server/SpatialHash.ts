/**
 * A uniform grid of entity ids for the arena's collision tests (bullets against ships and asteroids,
 * ships against pickups): insert every point once per tick, then ask what lies near a point. Cells
 * keep their arrays between ticks, so a rebuild allocates nothing once the world has settled.
 */

/** Ids bucketed by grid cell. Owned by one world; rebuilt by its owner every tick. */
export class SpatialHash {
  private readonly cells = new Map<number, number[]>();
  private readonly used: number[][] = [];

  /** @param cellSize side of a cell, world units; about the largest query radius is a good choice. */
  constructor(private readonly cellSize: number) {
    if (!(cellSize > 0) || !Number.isFinite(cellSize))
      throw new RangeError(`SpatialHash: cellSize must be a finite number > 0; got ${cellSize}`);
  }

  /** Empties every cell (keeping the arrays for the next rebuild). */
  clear(): void {
    for (const list of this.used) list.length = 0;
    this.used.length = 0;
  }

  /** Adds `id` at (x, y). */
  insert(id: number, x: number, y: number): void {
    const key = this.key(Math.floor(x / this.cellSize), Math.floor(y / this.cellSize));
    let list = this.cells.get(key);
    if (list === undefined) {
      list = [];
      this.cells.set(key, list);
    }
    if (list.length === 0) this.used.push(list);
    list.push(id);
  }

  /** Removes `id`, inserted at (x, y), without a rebuild. */
  remove(id: number, x: number, y: number): void {
    const list = this.cells.get(this.key(Math.floor(x / this.cellSize), Math.floor(y / this.cellSize)));
    const i = list === undefined ? -1 : list.indexOf(id);
    if (i >= 0) list!.splice(i, 1);
  }

  /**
   * Calls `visit` with every id in the cells overlapping the square of half-side `radius` around
   * (x, y) — a superset of the ids within `radius`; the caller checks exact distances. Stops early
   * when `visit` returns true, and then returns true.
   */
  query(x: number, y: number, radius: number, visit: (id: number) => boolean): boolean {
    const c0 = Math.floor((x - radius) / this.cellSize);
    const c1 = Math.floor((x + radius) / this.cellSize);
    const r0 = Math.floor((y - radius) / this.cellSize);
    const r1 = Math.floor((y + radius) / this.cellSize);
    for (let cx = c0; cx <= c1; cx++) {
      for (let cy = r0; cy <= r1; cy++) {
        const list = this.cells.get(this.key(cx, cy));
        if (list === undefined) continue;
        for (let i = 0; i < list.length; i++) if (visit(list[i]!)) return true;
      }
    }
    return false;
  }

  private key(cx: number, cy: number): number {
    // Worlds here are well under 2^15 cells a side; negative cells (points just outside) stay distinct.
    return (cx + 32768) * 65536 + (cy + 32768);
  }
}
