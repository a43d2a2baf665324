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
 */
import { BitReader, BitWriter, bitLengthOf } from './bits.ts';
import { fail, ok, type Result } from './result.ts';
import { type CompiledField, MAX_FIELDS, type QValue, type Schema } from './schema.ts';
import { type EntitySnapshot, MAX_ENTITY_ID, type Snapshot } from './snapshot.ts';
import { decodeUtf8, forEachUtf8Byte, utf8Length } from './utf8.ts';

/** Largest tick distance between a baseline and the snapshot encoded against it. */
export const MAX_TICK_GAP = 2 ** 20;
/** Default bound on the entities a decoded snapshot may hold. */
export const DEFAULT_MAX_ENTITIES = 65_536;

const EMPTY: readonly EntitySnapshot[] = [];
const K_BITS = 5;
const HIST_BINS = 34;

/** The result of one encode. */
export interface EncodedDelta {
  /**
   * The body bytes. The view aliases the encoder's buffer and is overwritten by its next `encode`:
   * send or copy it before encoding again.
   */
  readonly bytes: Uint8Array;
  /** The snapshot a decoder holds after applying `bytes` to the same baseline (the next baseline). */
  readonly next: Snapshot;
}

/** Options for decoding untrusted bodies. */
export interface DecodeLimits {
  /** Most entities a decoded snapshot may hold. Default {@link DEFAULT_MAX_ENTITIES}. */
  readonly maxEntities?: number;
}

/**
 * Encodes snapshots for one schema. Holds scratch buffers that it reuses, so keep one encoder per
 * thread of work (for example one per server) and do not share it between concurrent encodes.
 */
export class DeltaEncoder {
  private readonly writer = new BitWriter();
  private readonly kindBits: number;
  private readonly hist: Float64Array;
  private readonly kindChanged: Int32Array;
  private readonly kParam: Uint8Array;
  private readonly lastMask: Float64Array;
  private changedPos = new Int32Array(256);
  private changedKind = new Int32Array(256);
  private changedMask = new Float64Array(256);
  private values = new Float64Array(1024);
  private texts: string[] = [];
  private changedCount = 0;
  private valueCount = 0;

  /** @param schema the compiled schema both sides share. */
  constructor(private readonly schema: Schema) {
    const kinds = schema.kinds.length;
    this.kindBits = bitLengthOf(kinds - 1);
    this.hist = new Float64Array(kinds * MAX_FIELDS * HIST_BINS);
    this.kindChanged = new Int32Array(kinds);
    this.kParam = new Uint8Array(kinds * MAX_FIELDS);
    this.lastMask = new Float64Array(kinds);
  }

  /**
   * Encodes `current` against `baseline` (or whole, when `baseline` is null). Pure in its inputs:
   * the same pair always gives the same bytes. `current` must be sorted by id (as `quantizeWorld`
   * makes it); its entities' motion is ignored. Throws if `baseline` is not 1 … 2^20 ticks older.
   */
  encode(baseline: Snapshot | null, current: Snapshot): EncodedDelta {
    const base = baseline?.entities ?? EMPTY;
    const cur = current.entities;
    const g = baseline === null ? 0 : current.tick - baseline.tick;
    if (baseline !== null && !(g >= 1 && g <= MAX_TICK_GAP)) {
      throw new RangeError(`DeltaEncoder: baseline tick ${baseline.tick} must be 1 to 2^20 ticks before ${current.tick}`);
    }
    const removed: number[] = [];
    const created: EntitySnapshot[] = [];
    const next: EntitySnapshot[] = [];
    this.changedCount = 0;
    this.valueCount = 0;
    this.texts.length = 0;
    let i = 0;
    let j = 0;
    let survivor = 0;
    while (i < base.length || j < cur.length) {
      const b = base[i];
      const c = cur[j];
      if (c === undefined || (b !== undefined && b.id < c.id)) {
        removed.push(i++);
      } else if (b === undefined || c.id < b.id) {
        const fresh = c.motion === null ? c : { id: c.id, kind: c.kind, q: c.q, motion: null };
        created.push(fresh);
        next.push(fresh);
        j++;
      } else if (b.kind !== c.kind) {
        removed.push(i++);
      } else {
        next.push(this.diff(b, c, g, survivor++));
        i++;
        j++;
      }
    }
    return { bytes: this.write(removed, created), next: { tick: current.tick, entities: next } };
  }

  /** Records the residuals of one surviving entity; returns its state as the decoder will hold it. */
  private diff(b: EntitySnapshot, c: EntitySnapshot, g: number, position: number): EntitySnapshot {
    const fields = this.schema.kinds[b.kind]!.fields;
    this.reserve(fields.length);
    const start = this.valueCount;
    let mask = 0;
    let same = b.motion === null;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      const bq = b.q[f]!;
      const cq = c.q[f]!;
      if (field.coding === 'continuous') {
        const range = field.range;
        const bm = b.motion === null ? 0 : b.motion[f]!;
        const r = wrap((cq as number) - predict(bq as number, bm, g, range), range);
        if (r !== 0) {
          mask |= 1 << f;
          const code = r > 0 ? 2 * r - 1 : -2 * r - 2;
          this.values[this.valueCount++] = code;
          this.count(b.kind, f, code);
        }
        if (cq !== bq) same = false;
      } else if (cq !== bq) {
        mask |= 1 << f;
        same = false;
        if (field.coding === 'discrete') this.values[this.valueCount++] = cq as number;
        else this.values[this.valueCount++] = this.texts.push(cq as string) - 1;
      }
    }
    if (mask !== 0) {
      const n = this.changedCount++;
      if (n === this.changedPos.length) this.growChanged();
      this.changedPos[n] = position;
      this.changedKind[n] = b.kind;
      this.changedMask[n] = mask >>> 0;
      this.kindChanged[b.kind]!++;
    } else this.valueCount = start;
    if (same) return b;
    return { id: c.id, kind: c.kind, q: c.q, motion: deriveMotion(fields, c.q, b.q, g, b.motion) };
  }

  private write(removed: readonly number[], created: readonly EntitySnapshot[]): Uint8Array {
    const w = this.writer;
    const kinds = this.schema.kinds;
    w.reset();
    w.expGolomb(removed.length, 0);
    let prev = -1;
    for (const p of removed) {
      w.expGolomb(p - prev - 1, 0);
      prev = p;
    }
    w.expGolomb(created.length, 0);
    prev = -1;
    for (const c of created) {
      w.expGolomb(c.id - prev - 1, 0);
      prev = c.id;
      w.bits(c.kind, this.kindBits);
      const fields = kinds[c.kind]!.fields;
      for (let f = 0; f < fields.length; f++) writeWhole(w, fields[f]!, c.q[f]!);
    }
    const n = this.changedCount;
    w.expGolomb(n, 0);
    if (n === 0) return w.finish();
    for (let k = 0; k < kinds.length; k++) {
      const has = this.kindChanged[k]! > 0;
      w.bit(has);
      if (!has) continue;
      const fields = kinds[k]!.fields;
      for (let f = 0; f < fields.length; f++) {
        if (fields[f]!.coding !== 'continuous') continue;
        const best = this.bestK(k, f);
        this.kParam[k * MAX_FIELDS + f] = best;
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
      const fields = kinds[kind]!.fields;
      w.expGolomb(pos - prev - 1, 0);
      prev = pos;
      if (this.lastMask[kind] === mask) w.bit(true);
      else {
        w.bit(false);
        w.bits(mask, fields.length);
        this.lastMask[kind] = mask;
      }
      for (let f = 0; f < fields.length; f++) {
        if (((mask >>> f) & 1) === 0) continue;
        const field = fields[f]!;
        const value = this.values[v++]!;
        if (field.coding === 'continuous') w.expGolomb(value, this.kParam[kind * MAX_FIELDS + f]!);
        else if (field.coding === 'discrete') w.bits(value, field.bits);
        else writeText(w, this.texts[value]!);
      }
    }
    for (let k = 0; k < kinds.length; k++) {
      if (this.kindChanged[k] === 0) continue;
      this.kindChanged[k] = 0;
      this.hist.fill(0, k * MAX_FIELDS * HIST_BINS, (k + 1) * MAX_FIELDS * HIST_BINS);
    }
    return w.finish();
  }

  /** The Exp-Golomb order that writes this message's residuals of one field in the fewest bits. */
  private bestK(kind: number, field: number): number {
    const at = (kind * MAX_FIELDS + field) * HIST_BINS;
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
      }
    }
    return best;
  }

  private count(kind: number, field: number, value: number): void {
    this.hist[(kind * MAX_FIELDS + field) * HIST_BINS + bitLengthOf(value)]!++;
  }

  private reserve(fields: number): void {
    if (this.valueCount + fields <= this.values.length) return;
    const grown = new Float64Array(this.values.length * 2 + fields);
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

/**
 * Decodes an untrusted body against the client's copy of its baseline (null for a full snapshot).
 * Never throws; every count is bounded by the bits left and by `limits`, every value is range-checked.
 * The result shares unchanged entities with `baseline`.
 */
export function decodeDelta(
  schema: Schema,
  baseline: Snapshot | null,
  tick: number,
  body: Uint8Array,
  limits: DecodeLimits = {},
): Result<Snapshot> {
  const maxEntities = limits.maxEntities ?? DEFAULT_MAX_ENTITIES;
  const base = baseline?.entities ?? EMPTY;
  const g = baseline === null ? 0 : tick - baseline.tick;
  if (baseline !== null && !(g >= 1 && g <= MAX_TICK_GAP)) return fail(`tick ${tick} is not 1 to 2^20 ticks after baseline ${baseline.tick}`);
  const kinds = schema.kinds;
  const kindBits = bitLengthOf(kinds.length - 1);
  const r = new BitReader(body);

  const removedCount = r.expGolomb(0);
  if (removedCount < 0 || removedCount > base.length) return fail(`removed count ${removedCount} exceeds the baseline's ${base.length} entities`);
  const removed = removedCount > 0 ? new Uint8Array(base.length) : null;
  let prev = -1;
  for (let n = 0; n < removedCount; n++) {
    const p = prev + 1 + r.expGolomb(0);
    if (r.overrun || p >= base.length) return fail('removed position beyond the baseline');
    removed![p] = 1;
    prev = p;
  }

  const createdCount = r.expGolomb(0);
  if (createdCount < 0 || createdCount > r.bitsLeft || createdCount > maxEntities) return fail(`created count ${createdCount} is impossible here`);
  const created: EntitySnapshot[] = new Array(createdCount);
  prev = -1;
  for (let n = 0; n < createdCount; n++) {
    const id = prev + 1 + r.expGolomb(0);
    const kind = r.bits(kindBits);
    if (r.overrun || id > MAX_ENTITY_ID) return fail('created entity id out of range or truncated');
    const k = kinds[kind];
    if (k === undefined) return fail(`unknown entity kind ${kind}`);
    const q: QValue[] = new Array(k.fields.length);
    for (let f = 0; f < k.fields.length; f++) {
      const value = readWhole(r, k.fields[f]!);
      if (value === undefined) return fail(`created entity ${id} field ${k.fields[f]!.name} is out of range or truncated`);
      q[f] = value;
    }
    created[n] = { id, kind, q, motion: null };
    prev = id;
  }

  const survivors = base.length - removedCount;
  let changedLeft = r.expGolomb(0);
  if (changedLeft < 0 || changedLeft > survivors) return fail(`changed count ${changedLeft} exceeds the ${survivors} surviving entities`);
  const kParam = new Uint8Array(kinds.length * MAX_FIELDS);
  const lastMask = new Float64Array(kinds.length).fill(-1);
  if (changedLeft > 0) {
    for (let k = 0; k < kinds.length; k++) {
      if (!r.bit()) continue;
      const fields = kinds[k]!.fields;
      for (let f = 0; f < fields.length; f++) if (fields[f]!.coding === 'continuous') kParam[k * MAX_FIELDS + f] = r.bits(K_BITS);
    }
  }
  let nextChanged = changedLeft > 0 ? r.expGolomb(0) : -1;
  if (r.overrun) return fail('truncated header');

  const out: EntitySnapshot[] = [];
  let ci = 0;
  let s = 0;
  for (let bi = 0; bi < base.length; bi++) {
    if (removed !== null && removed[bi] === 1) continue;
    const b = base[bi]!;
    while (ci < createdCount && created[ci]!.id < b.id) out.push(created[ci++]!);
    if (ci < createdCount && created[ci]!.id === b.id) return fail(`created entity ${b.id} already exists`);
    const fields = kinds[b.kind]!.fields;
    if (s === nextChanged) {
      let mask: number;
      if (r.bit()) mask = lastMask[b.kind]!;
      else mask = lastMask[b.kind] = r.bits(fields.length);
      if (mask <= 0) return fail(`entity ${b.id} has an empty or missing changed-field mask`);
      const q = b.q.slice();
      for (let f = 0; f < fields.length; f++) {
        const field = fields[f]!;
        const bq = b.q[f]!;
        if (field.coding === 'continuous') {
          const pred = predict(bq as number, b.motion === null ? 0 : b.motion[f]!, g, field.range);
          if (((mask >>> f) & 1) === 0) {
            if (pred !== bq) q[f] = pred;
          }
          else {
            const zz = r.expGolomb(kParam[b.kind * MAX_FIELDS + f]!) + 1;
            if (zz < 1 || zz > field.range) return fail(`entity ${b.id} field ${field.name}: residual out of range`);
            q[f] = modRange(pred + (zz & 1 ? -(zz + 1) / 2 : zz / 2), field.range);
          }
        } else if (((mask >>> f) & 1) !== 0) {
          const value = readWhole(r, field);
          if (value === undefined) return fail(`entity ${b.id} field ${field.name}: value out of range or truncated`);
          q[f] = value;
        }
      }
      if (r.overrun) return fail('truncated changed entity');
      out.push(settle(b, q, fields, g));
      changedLeft--;
      nextChanged = changedLeft > 0 ? s + 1 + r.expGolomb(0) : -1;
    } else if (b.motion === null) {
      out.push(b);
    } else {
      const q = b.q.slice();
      for (let f = 0; f < fields.length; f++) {
        const field = fields[f]!;
        if (field.coding === 'continuous') q[f] = predict(b.q[f] as number, b.motion[f]!, g, field.range);
      }
      out.push(settle(b, q, fields, g));
    }
    s++;
  }
  while (ci < createdCount) out.push(created[ci++]!);
  if (changedLeft > 0) return fail('changed entity position beyond the survivors');
  if (r.overrun || !r.atPaddedEnd()) return fail('body length does not match its contents');
  if (out.length > maxEntities) return fail(`snapshot holds ${out.length} entities; the limit is ${maxEntities}`);
  return ok({ tick, entities: out });
}

/** The entity as held after a decode: new values, motion derived against the baseline entity. */
function settle(b: EntitySnapshot, q: QValue[], fields: readonly CompiledField[], g: number): EntitySnapshot {
  return { id: b.id, kind: b.kind, q, motion: deriveMotion(fields, q, b.q, g, b.motion) };
}

function writeWhole(w: BitWriter, field: CompiledField, q: QValue): void {
  if (field.coding === 'text') writeText(w, q as string);
  else w.bits(q as number, field.bits);
}

function readWhole(r: BitReader, field: CompiledField): QValue | undefined {
  if (field.coding === 'text') {
    const length = r.expGolomb(0, 24);
    if (length < 0 || length > field.bits || length * 8 > r.bitsLeft) return undefined;
    const bytes = new Array<number>(length);
    for (let i = 0; i < length; i++) bytes[i] = r.bits(8);
    return decodeUtf8(bytes);
  }
  const value = r.bits(field.bits);
  return r.overrun || value >= field.range ? undefined : value;
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

function modRange(x: number, range: number): number {
  if (x >= 0) return x < range ? x : x < 2 * range ? x - range : x % range;
  if (x >= -range) return x + range;
  const m = x % range;
  return m < 0 ? m + range : m;
}

/**
 * The motion array for an entity whose continuous fields moved from `before` to `now` over `g`
 * ticks: `previous` itself when unchanged (so steady motion allocates nothing), null when all zero.
 */
function deriveMotion(
  fields: readonly CompiledField[],
  now: readonly QValue[],
  before: readonly QValue[],
  g: number,
  previous: readonly number[] | null,
): readonly number[] | null {
  let out: number[] | null = null;
  let nonZero = false;
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f]!;
    if (field.coding !== 'continuous') continue;
    const m = motionOf(now[f] as number, before[f] as number, g, field.range);
    if (m !== 0) nonZero = true;
    if (out !== null) out[f] = m;
    else if (m !== (previous === null ? 0 : previous[f]!)) {
      out = previous === null ? new Array<number>(fields.length).fill(0) : previous.slice();
      out[f] = m;
    }
  }
  if (!nonZero) return null;
  return out ?? previous;
}
