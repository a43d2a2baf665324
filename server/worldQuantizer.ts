/**
 * Quantizes a room's live entities into the tick's world snapshot: what shared `quantizeWorld` does,
 * with one function compiled per kind that reads the kind's fields by their literal names. Reading
 * `state[field.name]` with the name taken from the schema makes every load megamorphic, which for a
 * world of 10,000 entities costs milliseconds per tick; a compiled reader costs a fraction of that.
 * The source compiled is built only from the schema's field indexes and JSON-quoted field names.
 */
import type { Schema, Snapshot } from '../shared/index.ts';
import { hasTextFields, strideOf, ZeroArrays } from '../shared/snapshot.ts';
import type { WorldColumns } from './worldColumns.ts';

/** An entity as the room keeps it: `id` ascending across the list, `kind` the kind index. */
export interface QuantizableEntity {
  readonly id: number;
  readonly kind: number;
  readonly state: Record<string, unknown>;
}

/**
 * Writes one entity's quantized fields at `at` of the values (numbers) or texts (strings) column, and
 * zero in the values column's other slots of the entity (its text fields', and past its kind's fields).
 */
type KindWriter = (
  state: Record<string, unknown>,
  values: number[],
  texts: (string | undefined)[] | null,
  at: number,
) => void;

const compiled = new WeakMap<Schema, KindWriter[]>();
/** Zeroed value columns, copied from a template (a world's column is tens of thousands of values). */
const zeros = new ZeroArrays();

/**
 * The snapshot of `entities` (ascending id, kinds of `schema`, ids already validated by the room) at
 * `tick`. Values are quantized as each field's `quantize` does. When `previous` (the last tick's, or
 * null) has the same entities with the same kinds, the new snapshot shares its id and kind columns
 * (snapshots never change), which saves allocating them and tells a delta at once that all survive.
 * The value column is `columns`' spare when it has one long enough (every value is written), else fresh.
 */
export function quantizeEntities(
  schema: Schema,
  tick: number,
  entities: readonly QuantizableEntity[],
  previous: Snapshot | null = null,
  columns: WorldColumns | null = null,
): Snapshot {
  const stride = strideOf(schema);
  let writers = compiled.get(schema);
  if (writers === undefined) {
    writers = schema.kinds.map((kind) => compileKind(kind.fields, stride));
    compiled.set(schema, writers);
  }
  const count = entities.length;
  const same = previous !== null && sameMembers(previous, entities);
  const ids = same ? (previous.ids as number[]) : new Array<number>(count).fill(0);
  const kinds = same ? (previous.kinds as number[]) : new Array<number>(count).fill(0);
  const values = columns?.take(count * stride) ?? zeros.take(count * stride);
  const texts: (string | undefined)[] | null = hasTextFields(schema) ? new Array(count * stride) : null;
  for (let i = 0; i < count; i++) {
    const e = entities[i]!;
    if (!same) {
      ids[i] = e.id;
      kinds[i] = e.kind;
    }
    writers[e.kind]!(e.state, values, texts, i * stride);
  }
  return { tick, count, stride, ids, kinds, values, motion: null, texts };
}

/** True if `snapshot` holds exactly `entities`' ids, in order, with the same kinds. */
function sameMembers(snapshot: Snapshot, entities: readonly QuantizableEntity[]): boolean {
  if (snapshot.count !== entities.length) return false;
  const { ids, kinds } = snapshot;
  for (let i = 0; i < entities.length; i++) {
    const e = entities[i]!;
    if (ids[i] !== e.id || kinds[i] !== e.kind) return false;
  }
  return true;
}

function compileKind(fields: Schema['kinds'][number]['fields'], stride: number): KindWriter {
  const lines = fields.map((f, i) => {
    const load = `q[${i}](s[${JSON.stringify(f.name)}])`;
    return f.coding === 'text' ? `t[at + ${i}] = ${load}; v[at + ${i}] = 0;` : `v[at + ${i}] = ${load};`;
  });
  for (let i = fields.length; i < stride; i++) lines.push(`v[at + ${i}] = 0;`);
  const quantizers = fields.map((f) => f.quantize);
  const make = new Function('q', `return function (s, v, t, at) {\n${lines.join('\n')}\n};`) as (
    q: readonly ((v: unknown) => unknown)[],
  ) => KindWriter;
  return make(quantizers);
}
