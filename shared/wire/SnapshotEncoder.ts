import { BitWriter } from './bits.ts';
import { writeCreated, writeRecordHead, writeRemoved } from './bodyWriting.ts';
import {
  bestOrder,
  type CodecTables,
  codeBin,
  CONTINUOUS,
  DISCRETE,
  HIST_BINS,
  K_BITS,
  MAX_TICK_GAP,
  motionOf,
  residualCode,
  wrap,
  writeText,
} from './codecTables.ts';
import { type Snapshot, ZeroArrays } from '../snapshot.ts';

/**
 * The result of one encode.
 *
 * @category Wire internals
 */
export interface EncodedDelta {
  /**
   * The body bytes. The view aliases the encoder's buffer and is overwritten by its next `encode`:
   * send or copy it before encoding again.
   */
  readonly bytes: Uint8Array;
  /**
   * The snapshot a decoder holds after applying `bytes` to the same baseline: use it as the next
   * baseline. It shares its columns with the `current` snapshot that was encoded.
   */
  readonly next: Snapshot;
}

/** One group's chunk of a grouped body (layout in groupedBody.ts); owns its bytes. */
export interface EncodedChunk {
  /** The chunk's bits, zero-padded to a whole byte. */
  readonly bytes: Uint8Array;
  /** How many bits of `bytes` the chunk is. */
  readonly bitLength: number;
  /** The group's snapshot a decoder holds afterwards (motion only after a one-tick delta, else null). */
  readonly next: Snapshot;
}

/**
 * The encoding half of {@link SnapshotCodec} (layout in deltaCodec.ts). Holds scratch buffers that it
 * reuses between encodes.
 */
export class SnapshotEncoder {
  private readonly writer = new BitWriter();
  private readonly stride: number;
  private readonly kindCount: number;
  private readonly fieldCount: Uint8Array;
  private readonly coding: Uint8Array;
  private readonly range: Float64Array;
  private readonly bits: Uint8Array;
  private readonly half: Float64Array;
  private readonly hist: Float64Array;
  private readonly kindChanged: Int32Array;
  private readonly kParam: Uint8Array;
  private readonly lastMask: Float64Array;
  private readonly zeros = new ZeroArrays();
  private changedPos = new Int32Array(256);
  private changedKind = new Int32Array(256);
  private changedMask = new Float64Array(256);
  private values = new Float64Array(1024);
  private readonly texts: string[] = [];
  private readonly removed: number[] = [];
  private readonly created: number[] = [];
  /** An array the motion being built may take over (see encodeGroup), or null. */
  private reuse: number[] | null = null;
  /** Where residual codes are counted: the encoder's own histogram, or a group caller's. */
  private histOut: Float64Array;
  private changedCount = 0;
  private valueCount = 0;

  /** @param tables the schema's compiled field tables. */
  constructor(private readonly tables: CodecTables) {
    this.stride = tables.stride;
    this.kindCount = tables.kindCount;
    this.fieldCount = tables.fieldCount;
    this.coding = tables.coding;
    this.range = tables.range;
    this.bits = tables.bits;
    this.half = tables.half;
    this.hist = new Float64Array(tables.kindCount * tables.stride * HIST_BINS);
    this.histOut = this.hist;
    this.kindChanged = new Int32Array(tables.kindCount);
    this.kParam = new Uint8Array(tables.kindCount * tables.stride);
    this.lastMask = new Float64Array(tables.kindCount);
  }

  /**
   * Encodes `current` against `baseline` (or whole, when `baseline` is null). Deterministic: the same
   * pair always gives the same bytes. `current.motion` is ignored. Throws if `baseline` is not 1 to
   * 2^20 ticks older than `current`, or if either snapshot has another stride than this schema's.
   */
  encode(baseline: Snapshot | null, current: Snapshot): EncodedDelta {
    this.histOut = this.hist;
    const motion = this.diffAll(baseline, current);
    this.write(current, null);
    return { bytes: this.writer.finish(), next: { ...current, motion } };
  }

  /**
   * Encodes one group's chunk of a grouped body: `current` against `baseline` (or whole), with the
   * continuous fields' Exp-Golomb orders given per slot in `orders` and no per-kind header. Adds each
   * residual code to `hist` (per slot × HIST_BINS, see codecTables.ts) so the caller can choose the
   * next orders. `reuse`, if given, is an array the caller no longer needs that the chunk's motion
   * may take over instead of a new one (it did if `next.motion === reuse`; the caller then owns it as
   * part of `next`). Throws as {@link SnapshotEncoder.encode} does.
   */
  encodeGroup(
    baseline: Snapshot | null,
    current: Snapshot,
    orders: Uint8Array,
    hist: Float64Array,
    reuse: number[] | null = null,
  ): EncodedChunk {
    this.histOut = hist;
    this.reuse = reuse;
    const motion = this.diffAll(baseline, current);
    this.reuse = null;
    const g = baseline === null ? 0 : current.tick - baseline.tick;
    this.write(current, orders);
    const bitLength = this.writer.bitLength;
    const bytes = this.writer.finish().slice();
    const { tick, count, stride, ids, kinds, values, texts } = current;
    return {
      bytes,
      bitLength,
      next: { tick, count, stride, ids, kinds, values, motion: g === 1 ? motion : null, texts },
    };
  }

  /** Diffs `current` against `baseline` into the removed, created and changed lists; returns the new motion. */
  private diffAll(baseline: Snapshot | null, current: Snapshot): number[] | null {
    const stride = this.stride;
    if (current.stride !== stride || (baseline !== null && baseline.stride !== stride)) {
      throw new RangeError(
        `SnapshotCodec: snapshot stride differs from the schema's ${stride}; use snapshots of this schema`,
      );
    }
    const g = baseline === null ? 0 : current.tick - baseline.tick;
    if (baseline !== null && !(g >= 1 && g <= MAX_TICK_GAP)) {
      throw new RangeError(
        `SnapshotCodec: baseline tick ${baseline.tick} must be 1 to 2^20 ticks before ${current.tick}`,
      );
    }
    const bCount = baseline === null ? 0 : baseline.count;
    const cCount = current.count;
    const bIds = baseline?.ids;
    const cIds = current.ids;
    const removed = this.removed;
    const created = this.created;
    removed.length = 0;
    created.length = 0;
    let motion: number[] | null = null;
    this.changedCount = 0;
    this.valueCount = 0;
    this.texts.length = 0;
    if (baseline !== null && baseline.ids === cIds && baseline.kinds === current.kinds && bCount === cCount) {
      // Shared id and kind columns: every entity survives, in place.
      for (let k = 0; k < cCount; k++) motion = this.diff(baseline, k, current, k, g, k, motion);
      return motion;
    }
    let i = 0;
    let j = 0;
    let survivor = 0;
    while (i < bCount || j < cCount) {
      const bid = i < bCount ? bIds![i]! : Infinity;
      const cid = j < cCount ? cIds[j]! : Infinity;
      if (bid < cid) removed.push(i++);
      else if (cid < bid) created.push(j++);
      else if (baseline!.kinds[i] !== current.kinds[j]) removed.push(i++);
      else {
        motion = this.diff(baseline!, i, current, j, g, survivor++, motion);
        i++;
        j++;
      }
    }
    return motion;
  }

  /** Records the residuals of one surviving entity and its new motion. */
  private diff(
    b: Snapshot,
    bi: number,
    c: Snapshot,
    ci: number,
    g: number,
    position: number,
    motion: number[] | null,
  ): number[] | null {
    const stride = this.stride;
    const kind = b.kinds[bi]!;
    const n = this.fieldCount[kind]!;
    const kb = kind * stride;
    const bRow = bi * stride;
    const cRow = ci * stride;
    const bv = b.values;
    const cv = c.values;
    const bm = b.motion;
    if (this.valueCount + n > this.values.length) this.growValues(n);
    // Locals, not `this.` loads: V8 does not hoist property loads out of this loop.
    const codingOf = this.coding;
    const rangeOf = this.range;
    const halfOf = this.half;
    const values = this.values;
    const hist = this.histOut;
    let count = this.valueCount;
    let mask = 0;
    for (let f = 0; f < n; f++) {
      const coding = codingOf[kb + f]!;
      if (coding === CONTINUOUS) {
        const before = bv[bRow + f]!;
        const now = cv[cRow + f]!;
        const m0 = bm === null ? 0 : bm[bRow + f]!;
        if (m0 === 0 && now === before) continue; // still, as predicted: no residual, no motion
        const range = rangeOf[kb + f]!;
        const half = halfOf[kb + f]!;
        // The residual against the prediction (before + m0·g) mod range, as the signed value nearest 0:
        // wrapping now − before − m0·g gives it without reducing the prediction first (all exact integers).
        const d = now - before - m0 * g;
        const r = d >= -half && d < range - half ? d : wrap(d, range);
        if (r !== 0) {
          mask |= 1 << f;
          const code = residualCode(r);
          values[count++] = code;
          hist[(kb + f) * HIST_BINS + codeBin(code)]!++;
        }
        if (now !== before) {
          const step = now - before;
          const m = g === 1 && step > -half && step < half ? step : motionOf(now, before, g, range);
          if (m !== 0) {
            motion ??= this.newMotion(c.count * stride);
            motion[cRow + f] = m;
          }
        }
      } else if (coding === DISCRETE) {
        const now = cv[cRow + f]!;
        if (now !== bv[bRow + f]) {
          mask |= 1 << f;
          values[count++] = now;
        }
      } else {
        const now = c.texts![cRow + f] ?? '';
        if (now !== (b.texts![bRow + f] ?? '')) {
          mask |= 1 << f;
          values[count++] = this.texts.push(now) - 1;
        }
      }
    }
    this.valueCount = count;
    if (mask !== 0) {
      const e = this.changedCount++;
      if (e === this.changedPos.length) this.growChanged();
      this.changedPos[e] = position;
      this.changedKind[e] = kind;
      this.changedMask[e] = mask >>> 0;
      this.kindChanged[kind]!++;
    }
    return motion;
  }

  /** Writes the body, or a chunk when `orders` are given (no per-kind header, those orders), unpadded. */
  private write(current: Snapshot, orders: Uint8Array | null): void {
    const w = this.writer;
    const stride = this.stride;
    const removed = this.removed;
    const created = this.created;
    w.reset();
    writeRemoved(w, removed, removed.length);
    w.expGolomb(created.length, 0);
    let prev = -1;
    for (const ci of created)
      prev = writeCreated(w, this.tables, prev, ci, current.ids, current.kinds, current.values, current.texts);
    const n = this.changedCount;
    w.expGolomb(n, 0);
    if (n === 0) return;
    for (let k = 0; k < this.kindCount; k++) {
      const has = this.kindChanged[k]! > 0;
      if (orders === null) w.bit(has);
      if (!has) continue;
      for (let f = 0; f < this.fieldCount[k]!; f++) {
        const slot = k * stride + f;
        if (this.coding[slot] !== CONTINUOUS) continue;
        if (orders !== null) this.kParam[slot] = orders[slot]!;
        else {
          const best = bestOrder(this.hist, slot * HIST_BINS);
          this.kParam[slot] = best;
          w.bits(best, K_BITS);
        }
      }
      this.lastMask[k] = -1;
    }
    let v = 0;
    prev = -1;
    for (let e = 0; e < n; e++) {
      const pos = this.changedPos[e]!;
      const kind = this.changedKind[e]!;
      const mask = this.changedMask[e]!;
      const nf = this.fieldCount[kind]!;
      const kb = kind * stride;
      writeRecordHead(w, pos - prev - 1, kind, mask, nf, this.lastMask);
      prev = pos;
      for (let f = 0; f < nf; f++) {
        if (((mask >>> f) & 1) === 0) continue;
        const value = this.values[v++]!;
        const coding = this.coding[kb + f];
        if (coding === CONTINUOUS) w.expGolomb(value, this.kParam[kb + f]!);
        else if (coding === DISCRETE) w.bits(value, this.bits[kb + f]!);
        else writeText(w, this.texts[value]!);
      }
    }
    for (let k = 0; k < this.kindCount; k++) {
      if (this.kindChanged[k] === 0) continue;
      this.kindChanged[k] = 0;
      if (orders === null) this.hist.fill(0, k * stride * HIST_BINS, (k + 1) * stride * HIST_BINS);
    }
  }

  /** `n` zeros for a motion column: the array to reuse, if there is one long enough, else a new one. */
  private newMotion(n: number): number[] {
    const reuse = this.reuse;
    if (reuse === null || reuse.length < n) return this.zeros.take(n);
    this.reuse = null;
    reuse.fill(0, 0, n);
    if (reuse.length !== n) reuse.length = n;
    return reuse;
  }

  private growValues(n: number): void {
    const grown = new Float64Array(this.values.length * 2 + n);
    grown.set(this.values);
    this.values = grown;
  }

  private growChanged(): void {
    const size = this.changedPos.length * 2;
    const pos = new Int32Array(size);
    const kind = new Int32Array(size);
    const mask = new Float64Array(size);
    pos.set(this.changedPos);
    kind.set(this.changedKind);
    mask.set(this.changedMask);
    this.changedPos = pos;
    this.changedKind = kind;
    this.changedMask = mask;
  }
}
