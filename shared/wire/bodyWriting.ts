/**
 * Pieces of a snapshot body (layout in deltaCodec.ts) that every body writer writes the same way: the
 * codec's encoder and the server's per-client interest writer.
 */
import type { BitWriter } from './bits.ts';
import { type CodecTables, TEXT, writeText } from './codecTables.ts';

/** Writes the removed section: EG(0) count, then each ascending baseline position as an EG(0) gap. */
export function writeRemoved(w: BitWriter, positions: ArrayLike<number>, count: number): void {
  w.expGolomb(count, 0);
  let prev = -1;
  for (let i = 0; i < count; i++) {
    const p = positions[i]!;
    w.expGolomb(p - prev - 1, 0);
    prev = p;
  }
}

/**
 * Writes one created entity, the row at `row` of columns `ids`, `kinds`, `values`, `texts`: its id as
 * an EG(0) gap from `prevId`, its kind, every field whole. Returns its id (the next `prevId`).
 */
export function writeCreated(
  w: BitWriter,
  t: CodecTables,
  prevId: number,
  row: number,
  ids: readonly number[],
  kinds: readonly number[],
  values: readonly number[],
  texts: readonly (string | undefined)[] | null,
): number {
  const id = ids[row]!;
  const kind = kinds[row]!;
  w.expGolomb(id - prevId - 1, 0);
  w.bits(kind, t.kindBits);
  const slot = kind * t.stride;
  const at = row * t.stride;
  for (let f = 0; f < t.fieldCount[kind]!; f++) {
    if (t.coding[slot + f] === TEXT) writeText(w, texts![at + f] ?? '');
    else w.bits(values[at + f]!, t.bits[slot + f]!);
  }
  return id;
}

/**
 * Writes the head of one changed record: its survivor position as an EG(0) gap, then "same mask as the
 * previous changed entity of this kind" or 0 and the F-bit mask. `lastMask` holds per kind the mask
 * written last (-1 at the start of the section) and is updated.
 */
export function writeRecordHead(
  w: BitWriter,
  gap: number,
  kind: number,
  mask: number,
  fields: number,
  lastMask: Float64Array,
): void {
  w.expGolomb(gap, 0);
  if (lastMask[kind] === mask) w.bit(true);
  else {
    w.bit(false);
    w.bits(mask, fields);
    lastMask[kind] = mask;
  }
}
