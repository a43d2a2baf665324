/**
 * Whether a client's view this tick is exactly the groups it holds: then its body updates every held
 * group and adds none, the body every other client of the same holding gets (Holding.ts).
 */
import type { ClientInterest } from './ClientInterest.ts';
import { GLOBAL_CELL, type GroupTable } from './GroupTable.ts';
import type { GridBounds } from './interestOptions.ts';
import { rectD2 } from './prioritize.ts';

/**
 * True if `state`'s view centred on `view` (null: none, global groups only) is exactly its held groups:
 * each held group is live and within radius + margin of the centre (as the general path keeps it), every
 * group of a cell within the radius and every global group is held, and none is waiting. Marks the held
 * groups with `serial` (a number no group is marked with yet).
 */
export function viewIsHeld(
  table: GroupTable,
  grid: GridBounds,
  state: ClientInterest,
  view: { readonly x: number; readonly y: number } | null,
  serial: number,
): boolean {
  if (state.waiting.size > 0) return false;
  const keep = state.radius + state.margin;
  const keep2 = keep * keep;
  for (const g of state.holding.groups) {
    if (g.dead || (g.cell !== GLOBAL_CELL && !(view !== null && rectD2(g, view.x, view.y) <= keep2))) return false;
    g.mark = serial;
  }
  for (const g of table.globals) if (g.mark !== serial) return false;
  if (view === null) return true;
  const { minX, minY, cellSize } = grid;
  const r = state.radius;
  const r2 = r * r;
  // Cells within r: the first one's right edge may lie exactly r away.
  const c0 = Math.max(0, Math.ceil((view.x - r - minX) / cellSize) - 1);
  const c1 = Math.min(table.cols - 1, Math.floor((view.x + r - minX) / cellSize));
  const w0 = Math.max(0, Math.ceil((view.y - r - minY) / cellSize) - 1);
  const w1 = Math.min(table.rows - 1, Math.floor((view.y + r - minY) / cellSize));
  for (let y = w0; y <= w1; y++) {
    for (let x = c0; x <= c1; x++) {
      const groups = table.groupsOf(y * table.cols + x);
      if (groups === undefined || rectD2(groups[0]!, view.x, view.y) > r2) continue;
      for (const g of groups) if (g.mark !== serial) return false;
    }
  }
  return true;
}
