/*
 * Snapshot delta codec: (baseline snapshot | none, current snapshot) → a bit-packed body, and back.
 *
 * The body travels inside the msgpack Snapshot message (see protocol.ts), which carries the tick,
 * the baseline tick (-1 for a full snapshot) and the last applied input sequence. The body itself is
 * a bit stream, most significant bit first, padded with zero bits to a whole byte. `EG(k)` below is an
 * order-k Exp-Golomb code (small numbers take few bits); counts and gaps use EG(0).
 *
 *   removed    EG(0) count, then for each removed baseline entity, ascending:
 *                EG(0) gap = position in the baseline − previous position − 1
 *   created    EG(0) count, then for each created entity, ascending id:
 *                EG(0) id gap = id − previous id − 1 (previous starts at −1)
 *                kind index in ⌈log2 kinds⌉ bits (0 bits for a one-kind schema)
 *                every field whole: numeric = quantized value in the field's bit width,
 *                string = EG(0) byte length, then the UTF-8 bytes
 *   changed    EG(0) count; when > 0:
 *                per kind: 1 bit "has changed entities"; if set, 5 bits k per continuous field
 *                then per changed entity, in baseline order among the survivors (not removed):
 *                  EG(0) gap = survivor position − previous survivor position − 1
 *                  1 bit "same mask as the previous changed entity of this kind", else 0 + F-bit mask
 *                  for each field in the mask, in field order:
 *                    continuous (float, angle, int): EG(k) of zigzag(residual) − 1
 *                    discrete (bool, enum): the new value in the field's bit width
 *                    string: EG(0) byte length, then the UTF-8 bytes
 *
 * Prediction. A continuous field's residual is its value minus what the baseline's motion predicts:
 *   predicted = (q_base + motion_base · g) mod range,   g = tick − baseline tick
 * and the field is in the mask only when the residual is not 0, so an entity moving as predicted
 * costs nothing but its share of a gap. After decoding, both sides set each entity's motion to
 *   motion = round(wrap(q_now − q_base) / g)
 * (wrap maps into [−⌊range/2⌋, range − 1 − ⌊range/2⌋]); created entities have no motion. The encoder
 * returns the snapshot the decoder will hold, so the server can use it as the next baseline.
 *
 * Entities are walked in columns (see snapshot.ts); per-kind field tables are compiled once in the
 * SnapshotCodec constructor, so the hot loops read typed arrays only.
 */
import { BitReader, BitWriter, bitLengthOf } from './bits.ts';
import { fail, ok, type Result } from './result.ts';
import type { Schema } from './schema.ts';
import { doubleZeros, hasTextFields, MAX_ENTITY_ID, type Snapshot, strideOf } from './snapshot.ts';
import { decodeUtf8, forEachUtf8Byte, utf8Length } from './utf8.ts';

/** Largest tick distance between a baseline and the snapshot encoded against it. */
export const MAX_TICK_GAP = 2 ** 20;
/** Default bound on the entities a decoded snapshot may hold. */
export const DEFAULT_MAX_ENTITIES = 65_536;

const CONTINUOUS = 0;
const DISCRETE = 1;
const TEXT = 2;
const K_BITS = 5;
const HIST_BINS = 34;

/** The result of one encode. */
export interface EncodedDelta {
  /**
   * The body bytes. The view aliases the codec's buffer and is overwritten by its next `encode`:
   * send or copy it before encoding again.
   */
  readonly bytes: Uint8Array;
  /**
   * The snapshot a decoder holds after applying `bytes` to the same baseline: use it as the next
   * baseline. It shares its columns with the `current` snapshot that was encoded.
   */
  readonly next: Snapshot;
}

/** Options for decoding untrusted bodies. */
export interface DecodeLimits {
  /** Most entities a decoded snapshot may hold. Default {@link DEFAULT_MAX_ENTITIES}. */
  readonly maxEntities?: number;
}

/**
 * Encodes and decodes snapshot bodies for one schema. Compile one per schema and reuse it: it holds
 * field tables and scratch buffers, so do not share one instance between concurrent encodes (JS is
 * single-threaded, so this only matters across workers).
 */
export class SnapshotCodec {
  private readonly stride: number;
  private readonly kindCount: number;
  private readonly kindBits: number;
  private readonly withText: boolean;
  /** Per kind: number of fields. */
  private readonly fieldCount: Uint8Array;
  /** Per kind × stride: CONTINUOUS, DISCRETE or TEXT. */
  private readonly coding: Uint8Array;
  /** Per kind × stride: quantized range (numeric), byte bound (text). */
  private readonly range: Float64Array;
  /** Per kind × stride: bits of a whole value. */
  private readonly bits: Uint8Array;
  /** Per kind × stride: ⌊range / 2⌋, for the motion fast path. */
  private readonly half: Float64Array;
  private readonly writer = new BitWriter();
  private readonly hist: Float64Array;
  private readonly kindChanged: Int32Array;
  private readonly kParam: Uint8Array;
  private readonly lastMask: Float64Array;
  private changedPos = new Int32Array(256);
  private changedKind = new Int32Array(256);
  private changedMask = new Float64Array(256);
  private values = new Float64Array(1024);
  private readonly texts: string[] = [];
  private changedCount = 0;
  private valueCount = 0;
  private zeroTemplate: number[] = doubleZeros(1024);

  /** @param schema the compiled schema both sides share. */
  constructor(schema: Schema) {
    const stride = (this.stride = strideOf(schema));
    const kinds = (this.kindCount = schema.kinds.length);
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
    this.hist = new Float64Array(kinds * stride * HIST_BINS);
    this.kindChanged = new Int32Array(kinds);
    this.kParam = new Uint8Array(kinds * stride);
    this.lastMask = new Float64Array(kinds);
  }

  /**
   * Encodes `current` against `baseline` (or whole, when `baseline` is null). Deterministic: the same
   * pair always gives the same bytes. `current.motion` is ignored. Throws if `baseline` is not 1 to
   * 2^20 ticks older than `current`, or if either snapshot has another stride than this schema's.
   */
  encode(baseline: Snapshot | null, current: Snapshot): EncodedDelta {
    const stride = this.stride;
    if (current.stride !== stride || (baseline !== null && baseline.stride !== stride)) {
      throw new RangeError(`SnapshotCodec: snapshot stride differs from the schema's ${stride}; use snapshots of this schema`);
    }
    const g = baseline === null ? 0 : current.tick - baseline.tick;
    if (baseline !== null && !(g >= 1 && g <= MAX_TICK_GAP)) {
      throw new RangeError(`SnapshotCodec: baseline tick ${baseline.tick} must be 1 to 2^20 ticks before ${current.tick}`);
    }
    const bCount = baseline === null ? 0 : baseline.count;
    const cCount = current.count;
    const bIds = baseline?.ids;
    const cIds = current.ids;
    const removed: number[] = [];
    const created: number[] = [];
    let motion: number[] | null = null;
    this.changedCount = 0;
    this.valueCount = 0;
    this.texts.length = 0;
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
    const bytes = this.write(current, removed, created);
    return { bytes, next: { ...current, motion } };
  }

  /** Records the residuals of one surviving entity and its new motion. */
  private diff(b: Snapshot, bi: number, c: Snapshot, ci: number, g: number, position: number, motion: number[] | null): number[] | null {
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
    let mask = 0;
    for (let f = 0; f < n; f++) {
      const coding = this.coding[kb + f]!;
      if (coding === CONTINUOUS) {
        const range = this.range[kb + f]!;
        const before = bv[bRow + f]!;
        const now = cv[cRow + f]!;
        const m0 = bm === null ? 0 : bm[bRow + f]!;
        const r = wrap(now - (m0 === 0 ? before : stepMod(before, m0 * g, range)), range);
        if (r !== 0) {
          mask |= 1 << f;
          const code = r > 0 ? 2 * r - 1 : -2 * r - 2;
          this.values[this.valueCount++] = code;
          this.hist[(kb + f) * HIST_BINS + bitLengthOf(code)]!++;
        }
        if (now !== before) {
          const m = motionOf(now, before, g, range);
          if (m !== 0) {
            motion ??= this.zeros(c.count * stride);
            motion[cRow + f] = m;
          }
        }
      } else if (coding === DISCRETE) {
        const now = cv[cRow + f]!;
        if (now !== bv[bRow + f]) {
          mask |= 1 << f;
          this.values[this.valueCount++] = now;
        }
      } else {
        const now = c.texts![cRow + f] ?? '';
        if (now !== (b.texts![bRow + f] ?? '')) {
          mask |= 1 << f;
          this.values[this.valueCount++] = this.texts.push(now) - 1;
        }
      }
    }
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

  private write(current: Snapshot, removed: readonly number[], created: readonly number[]): Uint8Array {
    const w = this.writer;
    const stride = this.stride;
    w.reset();
    w.expGolomb(removed.length, 0);
    let prev = -1;
    for (const p of removed) {
      w.expGolomb(p - prev - 1, 0);
      prev = p;
    }
    w.expGolomb(created.length, 0);
    prev = -1;
    for (const ci of created) {
      const id = current.ids[ci]!;
      const kind = current.kinds[ci]!;
      w.expGolomb(id - prev - 1, 0);
      prev = id;
      w.bits(kind, this.kindBits);
      const kb = kind * stride;
      const row = ci * stride;
      for (let f = 0; f < this.fieldCount[kind]!; f++) {
        if (this.coding[kb + f] === TEXT) writeText(w, current.texts![row + f] ?? '');
        else w.bits(current.values[row + f]!, this.bits[kb + f]!);
      }
    }
    const n = this.changedCount;
    w.expGolomb(n, 0);
    if (n === 0) return w.finish();
    for (let k = 0; k < this.kindCount; k++) {
      const has = this.kindChanged[k]! > 0;
      w.bit(has);
      if (!has) continue;
      for (let f = 0; f < this.fieldCount[k]!; f++) {
        if (this.coding[k * stride + f] !== CONTINUOUS) continue;
        const best = this.bestK(k * stride + f);
        this.kParam[k * stride + f] = best;
        w.bits(best, K_BITS);
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
      w.expGolomb(pos - prev - 1, 0);
      prev = pos;
      if (this.lastMask[kind] === mask) w.bit(true);
      else {
        w.bit(false);
        w.bits(mask, nf);
        this.lastMask[kind] = mask;
      }
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
      this.hist.fill(0, k * stride * HIST_BINS, (k + 1) * stride * HIST_BINS);
    }
    return w.finish();
  }

  /** The Exp-Golomb order that writes this message's residuals of one field in the fewest bits. */
  private bestK(slot: number): number {
    const at = slot * HIST_BINS;
    let best = 0;
    let bestCost = Infinity;
    for (let k = 0; k < 32; k++) {
      let cost = 0;
      for (let b = 0; b < HIST_BINS; b++) {
        const count = this.hist[at + b]!;
        if (count !== 0) cost += count * (b <= k ? k + 1 : 2 * b - k + 1);
      }
      if (cost < bestCost) {
        bestCost = cost;
        best = k;
      } else break; // the cost is convex in k
    }
    return best;
  }

  /** A fresh array of `n` zeros, sliced from a template (much faster than `new Array(n).fill(0)`). */
  private zeros(n: number): number[] {
    if (this.zeroTemplate.length < n) this.zeroTemplate = doubleZeros(Math.max(n, this.zeroTemplate.length * 2));
    return this.zeroTemplate.slice(0, n);
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

  /**
   * Decodes an untrusted body against the client's copy of its baseline (null for a full snapshot),
   * giving the server's quantized snapshot at `tick`. Never throws: every count is bounded by the
   * bits left and by `limits`, every value is range-checked, and trailing bytes are rejected.
   * The result may share columns with `baseline`.
   */
  decode(baseline: Snapshot | null, tick: number, body: Uint8Array, limits: DecodeLimits = {}): Result<Snapshot> {
    const maxEntities = limits.maxEntities ?? DEFAULT_MAX_ENTITIES;
    const stride = this.stride;
    const bCount = baseline === null ? 0 : baseline.count;
    const g = baseline === null ? 0 : tick - baseline.tick;
    if (baseline !== null && (!(g >= 1 && g <= MAX_TICK_GAP) || baseline.stride !== stride)) {
      return fail(`tick ${tick} is not 1 to 2^20 ticks after baseline ${baseline.tick}`);
    }
    const r = new BitReader(body);

    const removedCount = r.expGolomb(0);
    if (removedCount < 0 || removedCount > bCount) return fail(`removed count ${removedCount} exceeds the baseline's ${bCount} entities`);
    const removed = removedCount > 0 ? new Uint8Array(bCount) : null;
    let prev = -1;
    for (let n = 0; n < removedCount; n++) {
      const p = prev + 1 + r.expGolomb(0);
      if (r.overrun || p >= bCount) return fail('removed position beyond the baseline');
      removed![p] = 1;
      prev = p;
    }

    const createdCount = r.expGolomb(0);
    if (createdCount < 0 || createdCount > r.bitsLeft || bCount - removedCount + createdCount > maxEntities) {
      return fail(`created count ${createdCount} is impossible here`);
    }
    const created = createdCount > 0 ? this.readCreated(r, createdCount) : null;
    if (typeof created === 'string') return fail(created);

    const survivors = bCount - removedCount;
    const changedCount = r.expGolomb(0);
    if (changedCount < 0 || changedCount > survivors) return fail(`changed count ${changedCount} exceeds the ${survivors} surviving entities`);
    this.lastMask.fill(-1);
    if (changedCount > 0) {
      for (let k = 0; k < this.kindCount; k++) {
        if (!r.bit()) continue;
        for (let f = 0; f < this.fieldCount[k]!; f++) {
          if (this.coding[k * stride + f] === CONTINUOUS) this.kParam[k * stride + f] = r.bits(K_BITS);
        }
      }
    }
    if (r.overrun) return fail('truncated header');

    // The result's columns. Without creates or removes rows keep their positions: share ids and
    // kinds, copy values and motion in one go, and touch only the rows that move or change.
    const count = survivors + createdCount;
    const sameRows = removedCount === 0 && createdCount === 0 && baseline !== null;
    const out: DecodeTarget = {
      ids: sameRows ? (baseline.ids as number[]) : new Array<number>(count).fill(0),
      kinds: sameRows ? (baseline.kinds as number[]) : new Array<number>(count).fill(0),
      values: sameRows ? baseline.values.slice(0, count * stride) : this.zeros(count * stride),
      motion: sameRows && baseline.motion !== null ? baseline.motion.slice(0, count * stride) : this.zeros(count * stride),
      texts: this.withText ? (sameRows ? baseline!.texts!.slice(0, count * stride) : new Array(count * stride)) : null,
      sameRows,
      g,
    };
    const error = this.readRows(r, baseline, removed, created, changedCount, out);
    if (error !== null) return fail(error);
    if (r.overrun || !r.atPaddedEnd()) return fail('body length does not match its contents');
    return ok({ tick, count, stride, ids: out.ids, kinds: out.kinds, values: out.values, motion: out.motion, texts: out.texts });
  }

  /** Reads the created entities into a column set of their own; returns an error reason on bad input. */
  private readCreated(r: BitReader, createdCount: number): Created | string {
    const stride = this.stride;
    const created: Created = {
      ids: new Float64Array(createdCount),
      kinds: new Uint8Array(createdCount),
      values: new Float64Array(createdCount * stride),
      texts: this.withText ? new Array(createdCount * stride) : null,
    };
    let prev = -1;
    for (let n = 0; n < createdCount; n++) {
      const id = prev + 1 + r.expGolomb(0);
      const kind = r.bits(this.kindBits);
      if (r.overrun || id > MAX_ENTITY_ID) return 'created entity id out of range or truncated';
      if (kind >= this.kindCount) return `unknown entity kind ${kind}`;
      created.ids[n] = id;
      created.kinds[n] = kind;
      const kb = kind * stride;
      for (let f = 0; f < this.fieldCount[kind]!; f++) {
        if (this.coding[kb + f] === TEXT) {
          const text = readText(r, this.range[kb + f]!);
          if (text === undefined) return `created entity ${id}: bad string in field ${f}`;
          created.texts![n * stride + f] = text;
        } else {
          const value = r.bits(this.bits[kb + f]!);
          if (r.overrun || value >= this.range[kb + f]!) return `created entity ${id}: field ${f} out of range or truncated`;
          created.values[n * stride + f] = value;
        }
      }
      prev = id;
    }
    return created;
  }

  /** Walks the surviving baseline rows, merging in created rows; returns an error reason or null. */
  private readRows(
    r: BitReader,
    baseline: Snapshot | null,
    removed: Uint8Array | null,
    created: Created | null,
    changedCount: number,
    out: DecodeTarget,
  ): string | null {
    const bCount = baseline === null ? 0 : baseline.count;
    const createdCount = created === null ? 0 : created.ids.length;
    let changedLeft = changedCount;
    let nextChanged = changedLeft > 0 ? r.expGolomb(0) : -1;
    let ci = 0;
    let s = 0;
    let o = 0;
    for (let bi = 0; bi < bCount; bi++) {
      if (removed !== null && removed[bi] === 1) continue;
      const b = baseline!;
      const id = b.ids[bi]!;
      while (ci < createdCount && created!.ids[ci]! < id) this.placeCreated(created!, ci++, o++, out);
      if (ci < createdCount && created!.ids[ci] === id) return `created entity ${id} already exists`;
      if (!out.sameRows) this.copyRow(b, bi, o, out);
      if (s === nextChanged) {
        const error = this.readChangedRow(r, b, bi, o, out);
        if (error !== null) return error;
        changedLeft--;
        nextChanged = changedLeft > 0 ? s + 1 + r.expGolomb(0) : -1;
        if (r.overrun) return 'truncated changed entity';
      } else if (b.motion !== null) this.advanceRow(b, bi, o, out);
      s++;
      o++;
    }
    while (ci < createdCount) this.placeCreated(created!, ci++, o++, out);
    return changedLeft > 0 ? 'changed entity position beyond the survivors' : null;
  }

  private copyRow(b: Snapshot, bi: number, o: number, out: DecodeTarget): void {
    const stride = this.stride;
    const kind = b.kinds[bi]!;
    out.ids[o] = b.ids[bi]!;
    out.kinds[o] = kind;
    const nf = this.fieldCount[kind]!;
    for (let f = 0; f < nf; f++) out.values[o * stride + f] = b.values[bi * stride + f]!;
    if (out.texts !== null) for (let f = 0; f < nf; f++) out.texts[o * stride + f] = b.texts![bi * stride + f];
  }

  /** Moves an unchanged row along its motion (a row in the mask-less majority). */
  private advanceRow(b: Snapshot, bi: number, o: number, out: DecodeTarget): void {
    const kb = b.kinds[bi]! * this.stride;
    const nf = this.fieldCount[b.kinds[bi]!]!;
    const bRow = bi * this.stride;
    const oRow = o * this.stride;
    const bMotion = b.motion!;
    const g = out.g;
    for (let f = 0; f < nf; f++) {
      const m0 = bMotion[bRow + f]!;
      if (m0 === 0) continue;
      const range = this.range[kb + f]!;
      const before = b.values[bRow + f]!;
      const step = m0 * g;
      const half = this.half[kb + f]!;
      const now = stepMod(before, step, range);
      out.values[oRow + f] = now;
      // Steady motion that does not wrap keeps its motion: with rows in place, nothing to write.
      const m = step > -half && step < half ? m0 : motionOf(now, before, g, range);
      if (!out.sameRows || m !== m0) out.motion[oRow + f] = m;
    }
  }

  /** Reads one changed row's mask and values and applies them; returns an error reason or null. */
  private readChangedRow(r: BitReader, b: Snapshot, bi: number, o: number, out: DecodeTarget): string | null {
    const kind = b.kinds[bi]!;
    const nf = this.fieldCount[kind]!;
    const kb = kind * this.stride;
    const bRow = bi * this.stride;
    const oRow = o * this.stride;
    const g = out.g;
    const codingOf = this.coding;
    const rangeOf = this.range;
    const halfOf = this.half;
    const bValues = b.values;
    const bMotion = b.motion;
    const values = out.values;
    const motion = out.motion;
    let mask: number;
    if (r.bit()) mask = this.lastMask[kind]!;
    else mask = this.lastMask[kind] = r.bits(nf);
    if (mask <= 0) return `entity ${b.ids[bi]} has an empty or missing changed-field mask`;
    for (let f = 0; f < nf; f++) {
      const coding = codingOf[kb + f];
      const hit = ((mask >>> f) & 1) !== 0;
      if (coding === CONTINUOUS) {
        const m0 = bMotion === null ? 0 : bMotion[bRow + f]!;
        // A still field that is not in the mask keeps value and zero motion: nothing to do when rows
        // stay in place (they were copied), as for most fields of most entities.
        if (!hit && m0 === 0) continue;
        const range = rangeOf[kb + f]!;
        const half = halfOf[kb + f]!;
        const before = bValues[bRow + f]!;
        let now = m0 === 0 ? before : stepMod(before, m0 * g, range);
        if (hit) {
          const zz = r.expGolomb(this.kParam[kb + f]!) + 1;
          if (zz < 1 || zz > range) return `entity ${b.ids[bi]} field ${f}: residual out of range`;
          now = stepMod(now, (zz & 1) === 1 ? -(zz + 1) / 2 : zz / 2, range);
        }
        values[oRow + f] = now;
        const d = now - before;
        motion[oRow + f] = d > -half && d < half && g === 1 ? d : motionOf(now, before, g, range);
      } else if (!hit) continue;
      else if (coding === DISCRETE) {
        const value = r.bits(this.bits[kb + f]!);
        if (value >= rangeOf[kb + f]!) return `entity ${b.ids[bi]} field ${f}: value out of range`;
        values[oRow + f] = value;
      } else {
        const text = readText(r, rangeOf[kb + f]!);
        if (text === undefined) return `entity ${b.ids[bi]} field ${f}: bad string`;
        out.texts![oRow + f] = text;
      }
    }
    return null;
  }

  private placeCreated(created: Created, n: number, o: number, out: DecodeTarget): void {
    const stride = this.stride;
    const kind = created.kinds[n]!;
    out.ids[o] = created.ids[n]!;
    out.kinds[o] = kind;
    const nf = this.fieldCount[kind]!;
    for (let f = 0; f < nf; f++) {
      out.values[o * stride + f] = created.values[n * stride + f]!;
      out.motion[o * stride + f] = 0;
    }
    if (out.texts !== null) for (let f = 0; f < nf; f++) out.texts[o * stride + f] = created.texts![n * stride + f];
  }
}

/** Columns of the created entities of one body. */
interface Created {
  readonly ids: Float64Array;
  readonly kinds: Uint8Array;
  readonly values: Float64Array;
  readonly texts: (string | undefined)[] | null;
}

/** The columns a decode writes into. */
interface DecodeTarget {
  readonly ids: number[];
  readonly kinds: number[];
  readonly values: number[];
  readonly motion: number[];
  readonly texts: (string | undefined)[] | null;
  readonly sameRows: boolean;
  readonly g: number;
}

function readText(r: BitReader, maxBytes: number): string | undefined {
  const length = r.expGolomb(0, 24);
  if (length < 0 || length > maxBytes || length * 8 > r.bitsLeft) return undefined;
  const bytes = new Array<number>(length);
  for (let i = 0; i < length; i++) bytes[i] = r.bits(8);
  return decodeUtf8(bytes);
}

function writeText(w: BitWriter, text: string): void {
  w.expGolomb(utf8Length(text), 0);
  forEachUtf8Byte(text, (byte) => w.byte(byte));
}

/** The value the baseline's motion predicts `g` ticks later, in [0, range). */
export function predict(q: number, motion: number, g: number, range: number): number {
  return motion === 0 ? q : modRange(q + motion * g, range);
}

/** Motion in steps per tick between two quantized values `g` ticks apart (0 when g is 0). */
export function motionOf(now: number, before: number, g: number, range: number): number {
  if (g === 0 || now === before) return 0;
  const d = wrap(now - before, range);
  return g === 1 ? d : Math.round(d / g);
}

/** `d` modulo `range`, as the signed value nearest 0: [−⌊range/2⌋, range − 1 − ⌊range/2⌋]. */
export function wrap(d: number, range: number): number {
  const half = Math.floor(range / 2);
  if (d >= -half && d < range - half) return d;
  const x = modRange(d, range);
  return x >= range - half ? x - range : x;
}

/** (q + step) mod range for q in [0, range): the common small step without a division. */
function stepMod(q: number, step: number, range: number): number {
  const x = q + step;
  return x >= 0 ? (x < range ? x : x - range < range ? x - range : x % range) : x + range >= 0 ? x + range : modRange(x, range);
}

function modRange(x: number, range: number): number {
  if (x >= 0) return x < range ? x : x < 2 * range ? x - range : x % range;
  if (x >= -range) return x + range;
  const m = x % range;
  return m < 0 ? m + range : m;
}
