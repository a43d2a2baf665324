/**
 * Worst-case sizes of the pieces of a grouped snapshot body (layout in shared/wire/groupedBody.ts, its
 * chunks in shared/wire/deltaCodec.ts) and of the frame around it (shared/wire/snapshotFrame.ts), so the
 * minimum budget can prove that a group always fits.
 */
import type { Schema } from '../schema.ts';

/**
 * Largest Snapshot frame envelope around a body under 64 KiB: fixarray, kind, tick, baseTick, int32 seq,
 * bin16 header, int8 inputLead, uint8 missedInputs.
 */
export const MAX_FRAME_OVERHEAD_BYTES = 1 + 1 + 5 + 5 + 5 + 3 + 2 + 2;
/** Bits of an Exp-Golomb order in a body's header (shared/wire/codecTables.ts K_BITS). */
const K_BITS = 5;
/** Largest EG(0) code of a count (the decoder's bound: 65,536 groups). */
const MAX_COUNT_BITS = eg0Bits(65_536);
/** Largest EG(0) code of a group id gap (ids are 31-bit). */
const MAX_ID_GAP_BITS = eg0Bits(2 ** 31 - 1);

/** The size bounds of one schema's grouped bodies; compiled once per room type. Immutable. */
export class WireBounds {
  /** Bits of a body's orders header. */
  readonly ordersBits: number;
  /** Most bits one group of at most `groupCap` entities adds to a body (added with its id, or updated). */
  readonly groupWorstBits: number;

  /** @param schema the room type's schema; @param groupCap most entities of one group. */
  constructor(schema: Schema, groupCap: number) {
    const kindBits = bitLength(schema.kinds.length - 1);
    // Within a chunk, positions are below groupCap and the id gaps of its creates sum to under 2^31,
    // so (EG codes growing ever more slowly) no create's gap costs more than an even share would.
    const positionBits = eg0Bits(groupCap);
    const idGapBits = eg0Bits(Math.ceil(2 ** 31 / groupCap));
    let orders = 0;
    let worst = 0;
    for (const kind of schema.kinds) {
      let created = idGapBits + kindBits;
      let changed = positionBits + positionBits + 1 + kind.fields.length;
      for (const f of kind.fields) {
        if (f.coding === 'text') {
          const text = eg0Bits(f.bits) + 8 * f.bits;
          created += text;
          changed += text;
        } else if (f.coding === 'continuous') {
          orders += K_BITS;
          created += f.bits;
          changed += 2 * f.bits + 3;
        } else {
          created += f.bits;
          changed += f.bits;
        }
      }
      worst = Math.max(worst, created, changed);
    }
    this.ordersBits = orders;
    // A chunk: three counts, then per member at most a creation or a change and its removal (changed
    // holds the removal's position too).
    this.groupWorstBits = MAX_ID_GAP_BITS + 3 * positionBits + groupCap * worst;
  }

  /** Smallest budget (whole frame, bytes) with room for one group in the worst case (plus 2 bits per group held). */
  get minBudgetBytes(): number {
    return MAX_FRAME_OVERHEAD_BYTES + Math.ceil((this.ordersBits + MAX_COUNT_BITS + this.groupWorstBits) / 8);
  }
}

/** Bits of the EG(0) code of `v` ≥ 0. */
export function eg0Bits(v: number): number {
  return 2 * bitLength(v + 1) - 1;
}

function bitLength(v: number): number {
  return v <= 0 ? 0 : Math.floor(Math.log2(v)) + 1;
}
