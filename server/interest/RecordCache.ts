/**
 * Changed records shared between clients. With interest management every client gets its own body,
 * but most of what goes in it is the same for everyone: an entity a client was sent at its true value
 * on each of the last two ticks holds, on that client, exactly the world's values of the last tick
 * and the world's one-tick motion (the codec derives motion from consecutive values). Every such
 * "canonical" holder therefore needs the same record (mask, residual codes, new motion) this tick.
 * The cache computes it once per entity per tick, from the first canonical holder's baseline row, and
 * the others copy it.
 *
 * It also fixes each continuous field's Exp-Golomb order for the tick, chosen from the codes of the
 * previous tick's records, so a cached record costs the same bits in every client's body. (The plain
 * codec chooses per message; the wire format carries the order either way.)
 */
import { bitLengthOf } from '../../shared/bits.ts';
import { bestOrder, type CodecTables, codeBin, CONTINUOUS, DISCRETE, HIST_BINS } from '../../shared/codecTables.ts';
import { rowDelta, type RowDeltaIo } from './rowDelta.ts';

/** The Exp-Golomb order used before any record has been seen. */
const INITIAL_ORDER = 2;
/** Longest field bits of a record kept as one number (exact in a double, written by one BitWriter call). */
const MAX_PACKED_BITS = 52;

/** One room's record cache; owned by its interest manager, reset by {@link RecordCache.prepare} each tick. */
export class RecordCache {
  /** Per slot (kind × stride + field): the Exp-Golomb order of this tick's continuous residuals. */
  readonly order: Uint8Array;
  /** Per world row: the record's field mask (valid when {@link RecordCache.has}). */
  mask = new Float64Array(0);
  /** Per world row × stride + field: residual codes of the fields in the mask. */
  codes = new Float64Array(0);
  /** Per world row × stride + field: the motion a holder has after the record. */
  motion = new Float64Array(0);
  /** Per world row: the record's field bits (after the mask) as one number, when `packedLength` ≥ 0. */
  packed = new Float64Array(0);
  /** Per world row: bits in `packed`, or -1 when the fields are written one by one (text, or too long). */
  packedLength = new Int8Array(0);
  private tick = -1;
  /** Per world row: the tick its record was computed for. */
  private at = new Int32Array(0);
  private readonly hist: Float64Array;
  private seen = false;

  /** @param tables the room schema's codec tables. */
  constructor(readonly tables: CodecTables) {
    this.order = new Uint8Array(tables.kindCount * tables.stride).fill(INITIAL_ORDER);
    this.hist = new Float64Array(tables.kindCount * tables.stride * HIST_BINS);
  }

  /** Starts tick `tick` for a world of `rows` rows: forgets last tick's records, sets this tick's orders. */
  prepare(tick: number, rows: number): void {
    this.tick = tick;
    const stride = this.tables.stride;
    if (this.at.length < rows) {
      const size = Math.max(rows, this.at.length * 2);
      this.at = new Int32Array(size).fill(-1);
      this.mask = new Float64Array(size);
      this.codes = new Float64Array(size * stride);
      this.motion = new Float64Array(size * stride);
      this.packed = new Float64Array(size);
      this.packedLength = new Int8Array(size);
    }
    if (!this.seen) return;
    this.seen = false;
    const { coding, kindCount } = this.tables;
    for (let slot = 0; slot < kindCount * stride; slot++) {
      if (coding[slot] !== CONTINUOUS) continue;
      const at = slot * HIST_BINS;
      let any = false;
      for (let b = 0; b < HIST_BINS && !any; b++) any = this.hist[at + b] !== 0;
      if (any) this.order[slot] = bestOrder(this.hist, at);
    }
    this.hist.fill(0);
  }

  /** True if world row `row`'s record for this tick is cached. */
  has(row: number): boolean {
    return this.at[row] === this.tick;
  }

  /**
   * Computes and caches world row `row`'s record (kind `kind`) from a canonical holder's baseline row
   * and the world's current row, both described by `io` (with `io.g` = 1). The fields' bits are
   * packed as the body writes them: EG(order) codes of continuous fields, discrete values whole.
   */
  fill(row: number, kind: number, io: RowDeltaIo): void {
    const t = this.tables;
    const stride = t.stride;
    const at = row * stride;
    const mask = rowDelta(t, kind, io, this.codes, this.motion, at);
    this.mask[row] = mask;
    this.at[row] = this.tick;
    if (mask === 0) return;
    this.seen = true;
    const slot = kind * stride;
    let packed = 0;
    let length = 0;
    for (let f = 0; f < t.fieldCount[kind]!; f++) {
      if (((mask >>> f) & 1) === 0) continue;
      const coding = t.coding[slot + f];
      if (coding === CONTINUOUS) {
        const code = this.codes[at + f]!;
        this.hist[(slot + f) * HIST_BINS + codeBin(code)]!++;
        // EG(k): n − 1 − k zeros, then code + 2^k in n bits, i.e. code + 2^k in 2n − 1 − k bits.
        const k = this.order[slot + f]!;
        const x = code + 2 ** k;
        const n = bitLengthOf(x);
        length += 2 * n - 1 - k;
        packed = packed * 2 ** (2 * n - 1 - k) + x;
      } else if (coding === DISCRETE) {
        const bits = t.bits[slot + f]!;
        length += bits;
        packed = packed * 2 ** bits + io.cv[io.cAt + f]!;
      } else length = Infinity;
    }
    const fits = length <= MAX_PACKED_BITS;
    this.packed[row] = fits ? packed : 0;
    this.packedLength[row] = fits ? length : -1;
  }
}
