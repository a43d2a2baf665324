import { type BitReader, type BitWriter, bitLengthOf } from './bits.ts';
import type { Schema } from '../schema.ts';
import { hasTextFields, strideOf } from '../snapshot.ts';
import { decodeUtf8, forEachUtf8Byte, utf8Length } from './utf8.ts';

/**
 * Largest tick distance between a baseline and the snapshot encoded against it.
 *
 * @category Wire internals
 */
export const MAX_TICK_GAP = 2 ** 20;
/**
 * Default bound on the entities a decoded snapshot may hold.
 *
 * @category Wire internals
 */
export const DEFAULT_MAX_ENTITIES = 65_536;
/** Field coding: predicted, residual-coded. */
export const CONTINUOUS = 0;
/** Field coding: sent whole when changed. */
export const DISCRETE = 1;
/** Field coding: UTF-8 text. */
export const TEXT = 2;
/** Bits of one Exp-Golomb order parameter in a body header. */
export const K_BITS = 5;
/** Bins of a residual-code histogram: one per code bit length, 0 to 33. */
export const HIST_BINS = 34;

/**
 * A schema's field properties laid out in flat typed arrays indexed by `kind × stride + field`, compiled
 * once so the codec's hot loops read numbers, not objects. Immutable after construction.
 */
export class CodecTables {
  /** Slots per entity row. */
  readonly stride: number;
  /** Number of entity kinds. */
  readonly kindCount: number;
  /** Bits of a kind index on the wire. */
  readonly kindBits: number;
  /** Whether any kind has a string field. */
  readonly withText: boolean;
  /** Per kind: number of fields. */
  readonly fieldCount: Uint8Array;
  /** Per slot: CONTINUOUS, DISCRETE or TEXT. */
  readonly coding: Uint8Array;
  /** Per slot: quantized range (numeric fields) or byte bound (text). */
  readonly range: Float64Array;
  /** Per slot: bits of a whole value (numeric fields). */
  readonly bits: Uint8Array;
  /** Per slot: ⌊range / 2⌋. */
  readonly half: Float64Array;

  /** @param schema the compiled schema. */
  constructor(schema: Schema) {
    const stride = strideOf(schema);
    const kinds = schema.kinds.length;
    this.stride = stride;
    this.kindCount = kinds;
    this.kindBits = bitLengthOf(kinds - 1);
    this.withText = hasTextFields(schema);
    this.fieldCount = new Uint8Array(kinds);
    this.coding = new Uint8Array(kinds * stride);
    this.range = new Float64Array(kinds * stride);
    this.bits = new Uint8Array(kinds * stride);
    this.half = new Float64Array(kinds * stride);
    for (const kind of schema.kinds) {
      this.fieldCount[kind.index] = kind.fields.length;
      for (const f of kind.fields) {
        const at = kind.index * stride + f.index;
        this.coding[at] = f.coding === 'continuous' ? CONTINUOUS : f.coding === 'discrete' ? DISCRETE : TEXT;
        this.range[at] = f.coding === 'text' ? f.bits : f.range;
        this.bits[at] = f.coding === 'text' ? 0 : f.bits;
        this.half[at] = Math.floor(f.range / 2);
      }
    }
  }
}

/** Reads an EG(0) byte length and that many UTF-8 bytes; `undefined` if too long or not valid UTF-8. */
export function readText(r: BitReader, maxBytes: number): string | undefined {
  const length = r.expGolomb(0, 24);
  if (length < 0 || length > maxBytes || length * 8 > r.bitsLeft) return undefined;
  const bytes = new Array<number>(length);
  for (let i = 0; i < length; i++) bytes[i] = r.bits(8);
  return decodeUtf8(bytes);
}

/** Writes a string as an EG(0) byte length and its UTF-8 bytes. */
export function writeText(w: BitWriter, text: string): void {
  w.expGolomb(utf8Length(text), 0);
  forEachUtf8Byte(text, (byte) => w.byte(byte));
}

/**
 * The value the baseline's motion predicts `g` ticks later, in [0, range).
 *
 * @category Wire internals
 */
export function predict(q: number, motion: number, g: number, range: number): number {
  return motion === 0 ? q : modRange(q + motion * g, range);
}

/**
 * Motion in steps per tick between two quantized values `g` ticks apart (0 when g is 0).
 *
 * @category Wire internals
 */
export function motionOf(now: number, before: number, g: number, range: number): number {
  if (g === 0 || now === before) return 0;
  const d = wrap(now - before, range);
  return g === 1 ? d : Math.round(d / g) + 0; // + 0 turns -0 into 0
}

/**
 * `d` modulo `range`, as the signed value nearest 0: [−⌊range/2⌋, range − 1 − ⌊range/2⌋].
 *
 * @category Wire internals
 */
export function wrap(d: number, range: number): number {
  const half = Math.floor(range / 2);
  if (d >= -half && d < range - half) return d;
  const x = modRange(d, range);
  return x >= range - half ? x - range : x;
}

/** (q + step) mod range for q in [0, range): the common small step without a division. */
export function stepMod(q: number, step: number, range: number): number {
  const x = q + step;
  return x >= 0
    ? x < range
      ? x
      : x - range < range
        ? x - range
        : x % range
    : x + range >= 0
      ? x + range
      : modRange(x, range);
}

/** `x` modulo `range`, in [0, range). */
export function modRange(x: number, range: number): number {
  if (x >= 0) return x < range ? x : x < 2 * range ? x - range : x % range;
  if (x >= -range) return x + range;
  const m = x % range;
  return m < 0 ? m + range : m + 0; // + 0 turns -0 (x a negative multiple of range) into 0
}

/** The residual code of a continuous field's nonzero residual `r`: zigzag(r) − 1. */
export function residualCode(r: number): number {
  return r > 0 ? 2 * r - 1 : -2 * r - 2;
}

/** The histogram bin of a residual code: its bit length. */
export function codeBin(code: number): number {
  return code < 0x40000000 ? 32 - Math.clz32(code) : bitLengthOf(code);
}

/**
 * The Exp-Golomb order that writes the codes counted in `hist[at … at + HIST_BINS)` (counts per code
 * bit length) in the fewest bits.
 */
export function bestOrder(hist: Float64Array, at: number): number {
  let best = 0;
  let bestCost = Infinity;
  for (let k = 0; k < 32; k++) {
    let cost = 0;
    for (let b = 0; b < HIST_BINS; b++) {
      const count = hist[at + b]!;
      if (count !== 0) cost += count * (b <= k ? k + 1 : 2 * b - k + 1);
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = k;
    } else break; // the cost is convex in k
  }
  return best;
}
