import type { QValue, Schema } from './schema.ts';

/**
 * The quantized world at one tick, stored in columns (one array per property, entities in ascending
 * id order), so a decode allocates a handful of arrays instead of an object per entity. The columns
 * are plain arrays, not typed arrays: V8 allocates and copies small plain arrays several times faster.
 *
 * Entity `i`'s field `f` lives at `values[i * stride + f]` (numeric fields) or `texts[i * stride + f]`
 * (string fields). Snapshots are immutable and share columns with each other: never write into them.
 */
export interface Snapshot {
  /** The server tick this snapshot describes. */
  readonly tick: number;
  /** Number of entities. */
  readonly count: number;
  /** Slots per entity in `values`, `motion` and `texts`: the schema's largest field count. */
  readonly stride: number;
  /** Entity ids, strictly ascending. */
  readonly ids: readonly number[];
  /** Kind index per entity (into `schema.kinds`). */
  readonly kinds: readonly number[];
  /** Quantized numeric values, `count × stride` (0 in the slots of string fields and unused slots). */
  readonly values: readonly number[];
  /**
   * Motion of continuous fields in quantized steps per tick, relative to the snapshot this one was
   * encoded or decoded against; `null` when every entity's motion is zero.
   */
  readonly motion: readonly number[] | null;
  /** String field values, `count × stride`; `null` when the schema has no string fields. */
  readonly texts: readonly (string | undefined)[] | null;
}

/** Largest entity id the codec accepts (ids are 31-bit). */
export const MAX_ENTITY_ID = 2 ** 31 - 1;

/**
 * A real-valued entity as the game holds it: an id, a kind index, and its fields by name.
 *
 * @category Wire internals
 */
export interface EntityInput {
  /** The entity id, an integer from 0 to {@link MAX_ENTITY_ID}, unique within the world. */
  readonly id: number;
  /** Index of the entity's kind in `schema.kinds`. */
  readonly kind: number;
  /** Real field values by field name (in declared units); read during the call only, never kept. */
  readonly state: Readonly<Record<string, unknown>>;
}

/**
 * The slots per entity a snapshot of `schema` uses: its largest field count.
 *
 * @category Wire internals
 */
export function strideOf(schema: Schema): number {
  let stride = 1;
  for (const kind of schema.kinds) stride = Math.max(stride, kind.fields.length);
  return stride;
}

/**
 * True if any entity kind of `schema` has a string field.
 *
 * @category Wire internals
 */
export function hasTextFields(schema: Schema): boolean {
  return schema.kinds.some((k) => k.fields.some((f) => f.coding === 'text'));
}

/**
 * An empty snapshot at `tick`.
 *
 * @category Wire internals
 */
export function emptySnapshot(schema: Schema, tick: number): Snapshot {
  const stride = strideOf(schema);
  return {
    tick,
    count: 0,
    stride,
    ids: [],
    kinds: [],
    values: [],
    motion: null,
    texts: hasTextFields(schema) ? [] : null,
  };
}

/**
 * Quantizes a world once for a tick. `entities` may come in any order; the snapshot is sorted by id.
 * Throws for a duplicate or invalid id or kind (a programmer error in the game, not untrusted input).
 *
 * @category Wire internals
 */
export function quantizeWorld(schema: Schema, tick: number, entities: Iterable<EntityInput>): Snapshot {
  const list = Array.isArray(entities) ? (entities as readonly EntityInput[]) : [...entities];
  let sorted = true;
  for (let i = 1; i < list.length; i++) if (list[i]!.id <= list[i - 1]!.id) sorted = false;
  const order = sorted ? list : [...list].sort((a, b) => a.id - b.id);
  const stride = strideOf(schema);
  const count = order.length;
  const ids = new Array<number>(count).fill(0);
  const kinds = new Array<number>(count).fill(0);
  const values = doubleZeros(count * stride);
  const texts: (string | undefined)[] | null = hasTextFields(schema) ? new Array(count * stride) : null;
  for (let i = 0; i < count; i++) {
    const e = order[i]!;
    const kind = schema.kinds[e.kind];
    if (kind === undefined) throw new RangeError(`quantizeWorld: entity ${e.id} has unknown kind index ${e.kind}`);
    if (!Number.isInteger(e.id) || e.id < 0 || e.id > MAX_ENTITY_ID) {
      throw new RangeError(`quantizeWorld: entity id ${e.id} must be an integer from 0 to 2^31 − 1`);
    }
    if (i > 0 && e.id === ids[i - 1]) throw new RangeError(`quantizeWorld: entity id ${e.id} appears twice`);
    ids[i] = e.id;
    kinds[i] = e.kind;
    const fields = kind.fields;
    const at = i * stride;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      const q = field.quantize(e.state[field.name]);
      if (typeof q === 'string') texts![at + f] = q;
      else values[at + f] = q;
    }
  }
  return { tick, count, stride, ids, kinds, values, motion: null, texts };
}

/**
 * An array of `n` zeros whose elements V8 stores unboxed as doubles. Columns that hold doubles from
 * the start never change representation when a non-small-integer is written, which would copy them.
 */
export function doubleZeros(n: number): number[] {
  return new Array<number>(n).fill(0.5).fill(0);
}

/** Hands out fresh double-zero arrays by slicing a template, much faster than `new Array(n).fill(0)`. */
export class ZeroArrays {
  private template: number[] = doubleZeros(1024);

  /** A fresh array of `n` zeros; the caller owns it. */
  take(n: number): number[] {
    if (this.template.length < n) this.template = doubleZeros(Math.max(n, this.template.length * 2));
    return this.template.slice(0, n);
  }
}

/**
 * The index of entity `id` in `snapshot` (binary search), or -1.
 *
 * @category Wire internals
 */
export function indexOfEntity(snapshot: Snapshot, id: number): number {
  return indexOfSorted(snapshot.ids, snapshot.count, id);
}

/** The index of `id` among the first `count` entries of the ascending `ids` (binary search), or -1. */
export function indexOfSorted(ids: readonly number[], count: number, id: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = ids[mid]!;
    if (at === id) return mid;
    if (at < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The quantized value of field `field` of the entity at index `i`.
 *
 * @category Wire internals
 */
export function quantizedValue(schema: Schema, snapshot: Snapshot, i: number, field: number): QValue {
  const f = schema.kinds[snapshot.kinds[i]!]!.fields[field]!;
  const at = i * snapshot.stride + field;
  return f.coding === 'text' ? (snapshot.texts![at] ?? '') : snapshot.values[at]!;
}

/**
 * The quantized values of the entity at index `i`, in field order (a fresh array).
 *
 * @category Wire internals
 */
export function quantizedEntity(schema: Schema, snapshot: Snapshot, i: number): QValue[] {
  const n = schema.kinds[snapshot.kinds[i]!]!.fields.length;
  const out: QValue[] = [];
  for (let f = 0; f < n; f++) out.push(quantizedValue(schema, snapshot, i, f));
  return out;
}

/**
 * The entity at index `i` as a fresh plain object of real values (field name → value).
 *
 * @category Wire internals
 */
export function dequantizeEntity(schema: Schema, snapshot: Snapshot, i: number): Record<string, unknown> {
  const fields = schema.kinds[snapshot.kinds[i]!]!.fields;
  const out: Record<string, unknown> = {};
  for (let f = 0; f < fields.length; f++)
    out[fields[f]!.name] = fields[f]!.dequantize(quantizedValue(schema, snapshot, i, f));
  return out;
}
