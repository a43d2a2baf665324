import { BitReader } from './bits.ts';
import {
  type CodecTables,
  CONTINUOUS,
  DEFAULT_MAX_ENTITIES,
  DISCRETE,
  K_BITS,
  MAX_TICK_GAP,
  motionOf,
  readText,
  stepMod,
  TEXT,
} from './codecTables.ts';
import { fail, ok, type Result } from '../result.ts';
import { MAX_ENTITY_ID, type Snapshot, ZeroArrays } from '../snapshot.ts';
import type { SnapshotRecycler } from './SnapshotRecycler.ts';
import { SteadyRowReader } from './steadyRows.ts';

// Module-local copies of the imports the per-field loops read. Under a CommonJS transform (tsx, which
// runs the tests and benchmarks, and some bundlers) every read of an imported binding is a getter call,
// which costs more than the arithmetic of a field; a local const is read directly.
const CONTINUOUS_CODING = CONTINUOUS;
const DISCRETE_CODING = DISCRETE;
const stepModLocal = stepMod;
const motionOfLocal = motionOf;
const readTextLocal = readText;

/**
 * Options for decoding untrusted bodies.
 *
 * @category Wire internals
 */
export interface DecodeLimits {
  /** Most entities a decoded snapshot may hold. Default {@link DEFAULT_MAX_ENTITIES}. */
  readonly maxEntities?: number;
  /**
   * Where a steady delta (one tick on, rows in place) takes its value and motion columns from, and
   * which then adopts the result (see {@link SnapshotRecycler} for who must retain and release it).
   * Default none: fresh columns.
   */
  readonly recycler?: SnapshotRecycler;
}

/**
 * The decoding half of {@link SnapshotCodec} (layout in deltaCodec.ts). Decoding is synchronous and
 * leaves nothing behind but small scratch tables.
 */
export class SnapshotDecoder {
  private readonly stride: number;
  private readonly kindCount: number;
  private readonly kindBits: number;
  private readonly withText: boolean;
  private readonly fieldCount: Uint8Array;
  private readonly coding: Uint8Array;
  private readonly range: Float64Array;
  private readonly bits: Uint8Array;
  private readonly half: Float64Array;
  private readonly kParam: Uint8Array;
  private readonly lastMask: Float64Array;
  private readonly zeros = new ZeroArrays();
  private readonly steady: SteadyRowReader;

  /** @param tables the schema's compiled field tables. */
  constructor(tables: CodecTables) {
    this.stride = tables.stride;
    this.kindCount = tables.kindCount;
    this.kindBits = tables.kindBits;
    this.withText = tables.withText;
    this.fieldCount = tables.fieldCount;
    this.coding = tables.coding;
    this.range = tables.range;
    this.bits = tables.bits;
    this.half = tables.half;
    this.kParam = new Uint8Array(tables.kindCount * tables.stride);
    this.lastMask = new Float64Array(tables.kindCount);
    this.steady = new SteadyRowReader(tables, this.kParam, this.lastMask);
  }

  /**
   * Decodes an untrusted body against the client's copy of its baseline (null for a full snapshot),
   * giving the server's quantized snapshot at `tick`. Never throws: every count is bounded by the
   * bits left and by `limits`, every value is range-checked, and trailing bytes are rejected.
   * The result may share columns with `baseline`.
   */
  decode(baseline: Snapshot | null, tick: number, body: Uint8Array, limits: DecodeLimits = {}): Result<Snapshot> {
    const r = new BitReader(body);
    const recycler = limits.recycler ?? null;
    const decoded = this.read(r, baseline, tick, limits.maxEntities ?? DEFAULT_MAX_ENTITIES, null, recycler);
    if (decoded.ok && (r.overrun || !r.atPaddedEnd())) {
      recycler?.release(decoded.value);
      return fail('body length does not match its contents');
    }
    return decoded;
  }

  /**
   * Reads one group's chunk of a grouped body (groupedBody.ts) from `r`'s position, against the
   * group's snapshot `baseline` (null: none), with the body's Exp-Golomb `orders` per slot. Leaves `r`
   * after the chunk. After a delta of more than one tick the result has no motion (null). Never throws.
   */
  readGroup(
    r: BitReader,
    baseline: Snapshot | null,
    tick: number,
    orders: Uint8Array,
    maxEntities: number,
  ): Result<Snapshot> {
    const decoded = this.read(r, baseline, tick, maxEntities, orders, null);
    if (!decoded.ok || baseline === null || tick - baseline.tick === 1) return decoded;
    return ok({ ...decoded.value, motion: null });
  }

  private read(
    r: BitReader,
    baseline: Snapshot | null,
    tick: number,
    maxEntities: number,
    orders: Uint8Array | null,
    recycler: SnapshotRecycler | null,
  ): Result<Snapshot> {
    const stride = this.stride;
    const bCount = baseline === null ? 0 : baseline.count;
    const g = baseline === null ? 0 : tick - baseline.tick;
    if (baseline !== null && (!(g >= 1 && g <= MAX_TICK_GAP) || baseline.stride !== stride)) {
      return fail(`tick ${tick} is not 1 to 2^20 ticks after baseline ${baseline.tick}`);
    }

    const removedCount = r.expGolomb(0);
    if (removedCount < 0 || removedCount > bCount)
      return fail(`removed count ${removedCount} exceeds the baseline's ${bCount} entities`);
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
    if (changedCount < 0 || changedCount > survivors)
      return fail(`changed count ${changedCount} exceeds the ${survivors} surviving entities`);
    this.lastMask.fill(-1);
    if (orders !== null) this.kParam.set(orders);
    else if (changedCount > 0) {
      for (let k = 0; k < this.kindCount; k++) {
        if (!r.bit()) continue;
        for (let f = 0; f < this.fieldCount[k]!; f++) {
          if (this.coding[k * stride + f] === CONTINUOUS_CODING) this.kParam[k * stride + f] = r.bits(K_BITS);
        }
      }
    }
    if (r.overrun) return fail('truncated header');

    const count = survivors + createdCount;
    const sameRows = removedCount === 0 && createdCount === 0 && baseline !== null;
    // A steady delta (rows in place, one tick on, motion known, no strings) takes the fast path.
    if (sameRows && g === 1 && baseline.motion !== null && !this.withText) {
      return this.steady.decode(r, baseline, tick, changedCount, recycler);
    }
    // The result's columns. Without creates or removes rows keep their positions: share ids and
    // kinds, copy values and motion in one go, and touch only the rows that move or change.
    const out: DecodeTarget = {
      ids: sameRows ? (baseline.ids as number[]) : new Array<number>(count).fill(0),
      kinds: sameRows ? (baseline.kinds as number[]) : new Array<number>(count).fill(0),
      values: sameRows ? baseline.values.slice(0, count * stride) : this.zeros.take(count * stride),
      motion:
        sameRows && baseline.motion !== null
          ? baseline.motion.slice(0, count * stride)
          : this.zeros.take(count * stride),
      // Strings rarely change: with rows in place, share the baseline's column until a string does.
      texts: this.withText
        ? sameRows
          ? (baseline!.texts! as (string | undefined)[])
          : new Array(count * stride)
        : null,
      textsShared: this.withText && sameRows,
      sameRows,
      g,
    };
    const error = this.readRows(r, baseline, removed, created, changedCount, out);
    if (error !== null) return fail(error);
    if (r.overrun) return fail('truncated body');
    return ok({
      tick,
      count,
      stride,
      ids: out.ids,
      kinds: out.kinds,
      values: out.values,
      motion: out.motion,
      texts: out.texts,
    });
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
          const text = readTextLocal(r, this.range[kb + f]!);
          if (text === undefined) return `created entity ${id}: bad string in field ${f}`;
          created.texts![n * stride + f] = text;
        } else {
          const value = r.bits(this.bits[kb + f]!);
          if (r.overrun || value >= this.range[kb + f]!)
            return `created entity ${id}: field ${f} out of range or truncated`;
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
      const now = stepModLocal(before, step, range);
      out.values[oRow + f] = now;
      // Steady motion that does not wrap keeps its motion: with rows in place, nothing to write.
      const m = step > -half && step < half ? m0 : motionOfLocal(now, before, g, range);
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
    const bValues = b.values;
    const bMotion = b.motion;
    const values = out.values;
    const motion = out.motion;
    let mask: number;
    if (r.bit()) mask = this.lastMask[kind]!;
    else mask = this.lastMask[kind] = r.bits(nf);
    if (mask <= 0) return `entity ${b.ids[bi]} has an empty or missing changed-field mask`;
    for (let f = 0; f < nf; f++) {
      const hit = ((mask >>> f) & 1) !== 0;
      if (codingOf[kb + f] !== CONTINUOUS_CODING) {
        if (!hit) continue;
        const error = this.readWhole(r, kb + f, oRow + f, out);
        if (error !== null) return `entity ${b.ids[bi]} field ${f}: ${error}`;
        continue;
      }
      const m0 = bMotion === null ? 0 : bMotion[bRow + f]!;
      // A still field that is not in the mask keeps value and zero motion: nothing to do when rows
      // stay in place (they were copied), as for most fields of most entities.
      if (!hit && m0 === 0) continue;
      const range = this.range[kb + f]!;
      const before = bValues[bRow + f]!;
      // The prediction and the residual in one step (stepMod reduces any sum, and the small common
      // one without a division).
      let step = m0 === 0 ? 0 : m0 * g;
      if (hit) {
        const zz = r.expGolomb(this.kParam[kb + f]!) + 1;
        if (zz < 1 || zz > range) return `entity ${b.ids[bi]} field ${f}: residual out of range`;
        step += (zz & 1) === 1 ? -(zz + 1) / 2 : zz / 2;
      }
      const now = stepModLocal(before, step, range);
      values[oRow + f] = now;
      const d = now - before;
      const half = this.half[kb + f]!;
      motion[oRow + f] = d > -half && d < half && g === 1 ? d : motionOfLocal(now, before, g, range);
    }
    return null;
  }

  /** Reads a discrete or string field's whole new value into slot `at`; returns an error reason or null. */
  private readWhole(r: BitReader, slot: number, at: number, out: DecodeTarget): string | null {
    if (this.coding[slot] === DISCRETE_CODING) {
      const value = r.bits(this.bits[slot]!);
      if (value >= this.range[slot]!) return 'value out of range';
      out.values[at] = value;
      return null;
    }
    const text = readTextLocal(r, this.range[slot]!);
    if (text === undefined) return 'bad string';
    if (out.textsShared) {
      out.texts = out.texts!.slice();
      out.textsShared = false;
    }
    out.texts![at] = text;
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
  /** Written copy-on-write while `textsShared` (it is then the baseline's column). */
  texts: (string | undefined)[] | null;
  /** True while `texts` is still the baseline's column. */
  textsShared: boolean;
  readonly sameRows: boolean;
  readonly g: number;
}
