/**
 * Worst-case and typical sizes of the pieces of a snapshot body (layout in shared/deltaCodec.ts) and
 * of the Snapshot frame around it (server/snapshotFrame.ts), so the byte budget can be planned before
 * encoding and a set of entities can be proven to fit without encoding it.
 */
import type { Schema } from '../../shared/index.ts';

/** Largest Snapshot frame envelope around a body under 64 KiB: fixarray, kind, tick, baseTick, int32 seq, bin16 header. */
export const MAX_FRAME_OVERHEAD_BYTES = 1 + 1 + 5 + 5 + 5 + 3;
/** Bits of an Exp-Golomb order in a body's per-kind header (shared/codecTables.ts K_BITS). */
const K_BITS = 5;
/** Largest EG(0) code of a count or position gap (counts are bounded by the decoder's 65,536 entities). */
const MAX_COUNT_BITS = eg0Bits(65_536);
/** Largest EG(0) code of an entity id gap (ids are 31-bit). */
const MAX_ID_GAP_BITS = eg0Bits(2 ** 31 - 1);

/** Per-kind size bounds, in bits. */
export interface KindBounds {
  /** Most bits a created entity of this kind can take (id gap, kind, every field whole). */
  readonly createdWorstBits: number;
  /** Typical bits of a created entity (a short id gap, strings half full). */
  readonly createdTypicalBits: number;
  /** Most bits a changed entity of this kind can take (position gap, mask, every field's worst code). */
  readonly changedWorstBits: number;
}

/** The size bounds of one schema's bodies; compiled once per room type. Immutable. */
export class WireBounds {
  /** Per kind index. */
  readonly kinds: readonly KindBounds[];
  /** Most bits of a body's fixed part: three counts and the per-kind header of the changed section. */
  readonly headerWorstBits: number;
  /** Most bits one removed entity takes. */
  readonly removedWorstBits = MAX_COUNT_BITS;
  /** The largest per-entity worst case over all kinds (created or changed), in bits. */
  readonly entityWorstBits: number;

  /** @param schema the room type's schema. */
  constructor(schema: Schema) {
    const kindBits = bitLength(schema.kinds.length - 1);
    let header = 3 * MAX_COUNT_BITS;
    const kinds: KindBounds[] = [];
    for (const kind of schema.kinds) {
      header += 1;
      let created = MAX_ID_GAP_BITS + kindBits;
      let typical = 8 + kindBits;
      let changed = MAX_COUNT_BITS + 1 + kind.fields.length;
      for (const f of kind.fields) {
        if (f.coding === 'text') {
          const text = eg0Bits(f.bits) + 8 * f.bits;
          created += text;
          changed += text;
          typical += eg0Bits(f.bits >> 1) + 4 * f.bits;
        } else if (f.coding === 'continuous') {
          header += K_BITS;
          created += f.bits;
          typical += f.bits;
          changed += 2 * f.bits + 3;
        } else {
          created += f.bits;
          typical += f.bits;
          changed += f.bits;
        }
      }
      kinds.push({ createdWorstBits: created, createdTypicalBits: typical, changedWorstBits: changed });
    }
    this.kinds = kinds;
    this.headerWorstBits = header;
    this.entityWorstBits = Math.max(...kinds.map((k) => Math.max(k.createdWorstBits, k.changedWorstBits)));
  }

  /** Smallest budget (whole frame, bytes) with room for two entities of any kind in the worst case. */
  get minBudgetBytes(): number {
    return MAX_FRAME_OVERHEAD_BYTES + Math.ceil((this.headerWorstBits + 2 * this.entityWorstBits) / 8);
  }
}

/** The exact size in bytes of a Snapshot frame holding a body of `bodyBytes` (see server/snapshotFrame.ts). */
export function frameBytes(tick: number, baseTick: number, bodyBytes: number): number {
  return 2 + intBytes(tick) + intBytes(baseTick) + 5 + (bodyBytes < 0x100 ? 2 : bodyBytes < 0x10000 ? 3 : 5) + bodyBytes;
}

/** Bits of the EG(0) code of `v` ≥ 0. */
export function eg0Bits(v: number): number {
  return 2 * bitLength(v + 1) - 1;
}

function bitLength(v: number): number {
  return v <= 0 ? 0 : Math.floor(Math.log2(v)) + 1;
}

function intBytes(v: number): number {
  return v === -1 || v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
}
