/**
 * The interest strategy's choice of what fits a client's budget (the priority order of
 * InterestManager.ts's module comment): overdue groups first (oldest first), then the client's own
 * entity's group, then the rest by score = weight × (ticks since sent + 1) / (1 + 3·d²/r²).
 */
import type { Group } from './Group.ts';
import { GLOBAL_CELL } from './GroupTable.ts';

/** How much farther groups lose priority: score ÷ (1 + this × d² / r²). */
const DISTANCE_FALLOFF = 3;
/** Sort keys of the priority classes; scores are capped below REST_CAP. */
const OVERDUE_KEY = 8e15;
const OWN_KEY = 4e15;
const REST_CAP = 1e15;

/** One client's entries (groups in view, held or to add) as the strategy gathered them; scratch it owns. */
export interface Entries {
  /** Per entry: its group. */
  readonly group: readonly Group[];
  /** Per entry: bits it adds to the body when sent rather than kept or left waiting (upper bound for adds). */
  readonly bits: Float64Array;
  /** Per entry: ticks since its group was last sent to the client (or entered its view), plus one for adds. */
  readonly age: Float64Array;
  /** Per entry: scratch sort key. */
  readonly key: Float64Array;
  /** Per entry: 1 to send it, 0 to keep it or leave it waiting; written by {@link choose}. */
  readonly inc: Uint8Array;
  /** Scratch: entry indices in priority order. */
  readonly order: number[];
}

/** Where the client's view is centred, world units, and its radius. */
export interface ViewCentre {
  readonly x: number;
  readonly y: number;
  readonly radius: number;
}

/**
 * Marks in `e.inc` the first `count` entries to send, in priority order, while they fit `availBits`
 * with `usedBits` already used; `own` is the client's entity's group (or null). Returns K, the
 * starvation bound (see InterestManager.ts): twice the age at which a group becomes overdue, given that
 * at least ⌊(availBits − usedBits) / worstGroupBits⌋ ≥ 1 groups fit in any body.
 */
export function choose(
  e: Entries,
  count: number,
  own: Group | null,
  availBits: number,
  usedBits: number,
  worstGroupBits: number,
  view: ViewCentre,
): number {
  const r2 = view.radius * view.radius;
  const perSnapshot = Math.max(1, Math.floor((availBits - usedBits) / worstGroupBits));
  const overdueAge = Math.ceil(count / perSnapshot);
  const { key, order } = e;
  order.length = count;
  for (let i = 0; i < count; i++) {
    order[i] = i;
    const age = e.age[i]!;
    const g = e.group[i]!;
    if (age >= overdueAge) key[i] = OVERDUE_KEY + age;
    else if (g === own) key[i] = OWN_KEY;
    else
      key[i] = Math.min((g.weight * (age + 1)) / (1 + (DISTANCE_FALLOFF * centreD2(g, view.x, view.y)) / r2), REST_CAP);
  }
  order.sort((a, c) => key[c]! - key[a]!);
  e.inc.fill(0, 0, count);
  let used = usedBits;
  for (const i of order) {
    if (used + e.bits[i]! > availBits) continue;
    used += e.bits[i]!;
    e.inc[i] = 1;
  }
  return 2 * overdueAge;
}

/** Squared distance from (x, y) to group `g`'s cell (0 inside it). */
export function rectD2(g: Group, x: number, y: number): number {
  const dx = x < g.x0 ? g.x0 - x : x > g.x1 ? x - g.x1 : 0;
  const dy = y < g.y0 ? g.y0 - y : y > g.y1 ? y - g.y1 : 0;
  return dx * dx + dy * dy;
}

/** Squared distance from (x, y) to the centre of `g`'s cell (0 for a global group). */
function centreD2(g: Group, x: number, y: number): number {
  if (g.cell === GLOBAL_CELL) return 0;
  const dx = (g.x0 + g.x1) / 2 - x;
  const dy = (g.y0 + g.y1) / 2 - y;
  return dx * dx + dy * dy;
}
