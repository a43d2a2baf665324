/**
 * One entity's changed record against its baseline row, as the snapshot codec defines it (layout and
 * prediction rule in shared/deltaCodec.ts): which fields go in the mask, the residual code of each
 * continuous field in it, and the motion both sides hold afterwards. The interest writer computes
 * records row by row with this, so it can cache and reuse them (server/interest/RecordCache.ts).
 */
import { type CodecTables, CONTINUOUS, DISCRETE, motionOf, residualCode, stepMod, wrap } from '../../shared/codecTables.ts';

/** Where one record is computed from and written to; fields are reassigned per row, never reallocated. */
export interface RowDeltaIo {
  /** Baseline values and motion (null: all zero) and texts; the row starts at `bAt`. */
  bv: readonly number[];
  bm: readonly number[] | null;
  bt: readonly (string | undefined)[] | null;
  bAt: number;
  /** Current values and texts; the row starts at `cAt`. */
  cv: readonly number[];
  ct: readonly (string | undefined)[] | null;
  cAt: number;
  /** Ticks between the baseline and now (≥ 1). */
  g: number;
}

/**
 * Compares an entity of kind `kind` between its baseline row and its current row (`io`). Writes, at
 * `out + f` for each field f of the row: into `codes` the residual code of a continuous field in the
 * mask (other slots untouched), into `motion` the field's new motion (0 for none, and for discrete and
 * text fields and the unused slots up to the stride). Returns the field mask (bit f: field f changed
 * or off its prediction) as an unsigned number.
 */
export function rowDelta(t: CodecTables, kind: number, io: RowDeltaIo, codes: Float64Array, motion: Float64Array, out: number): number {
  const stride = t.stride;
  const n = t.fieldCount[kind]!;
  const slot = kind * stride;
  const { bv, bm, bAt, cv, cAt, g } = io;
  let mask = 0;
  for (let f = 0; f < n; f++) {
    const coding = t.coding[slot + f]!;
    motion[out + f] = 0;
    if (coding === CONTINUOUS) {
      const before = bv[bAt + f]!;
      const now = cv[cAt + f]!;
      const m0 = bm === null ? 0 : bm[bAt + f]!;
      if (m0 === 0 && now === before) continue;
      const range = t.range[slot + f]!;
      const half = t.half[slot + f]!;
      const d = now - (m0 === 0 ? before : stepMod(before, m0 * g, range));
      const r = d >= -half && d < range - half ? d : wrap(d, range);
      if (r !== 0) {
        mask |= 1 << f;
        codes[out + f] = residualCode(r);
      }
      if (now !== before) {
        const step = now - before;
        motion[out + f] = g === 1 && step > -half && step < half ? step : motionOf(now, before, g, range);
      }
    } else if (coding === DISCRETE) {
      if (cv[cAt + f] !== bv[bAt + f]) mask |= 1 << f;
    } else if ((io.ct![cAt + f] ?? '') !== (io.bt![bAt + f] ?? '')) mask |= 1 << f;
  }
  for (let f = n; f < stride; f++) motion[out + f] = 0;
  return mask >>> 0;
}
