import type { QValue, Schema } from './schema.ts';

/**
 * One entity in a snapshot: its quantized values in field order and, for continuous fields, its
 * motion (quantized steps per tick, relative to the snapshot this one was decoded against).
 * Snapshots and their entities are immutable and shared: never mutate them.
 */
export interface EntitySnapshot {
  /** Entity id, unique within a snapshot; a non-negative integer below 2^31. */
  readonly id: number;
  /** Index of the entity's kind in `schema.kinds`. */
  readonly kind: number;
  /** Quantized values in the kind's field order. */
  readonly q: readonly QValue[];
  /** Motion per field in steps per tick (0 for non-continuous fields); `null` means all zero. */
  readonly motion: readonly number[] | null;
}

/** The quantized world at one tick, entities sorted by ascending id. Immutable. */
export interface Snapshot {
  /** The server tick this snapshot describes. */
  readonly tick: number;
  /** Entities in ascending id order. */
  readonly entities: readonly EntitySnapshot[];
}

/** Largest entity id the codec accepts (ids are 31-bit). */
export const MAX_ENTITY_ID = 2 ** 31 - 1;

/** A real-valued entity as the game holds it: an id, a kind name, and its fields. */
export interface EntityInput {
  readonly id: number;
  readonly kind: number;
  readonly state: Readonly<Record<string, unknown>>;
}

/**
 * Quantizes a world once for a tick. `entities` may come in any order; the snapshot is sorted by id.
 * Throws for a duplicate or invalid id (a programmer error in the game, not untrusted input).
 */
export function quantizeWorld(schema: Schema, tick: number, entities: Iterable<EntityInput>): Snapshot {
  const out: EntitySnapshot[] = [];
  let sorted = true;
  let last = -1;
  for (const e of entities) {
    const kind = schema.kinds[e.kind];
    if (kind === undefined) throw new RangeError(`quantizeWorld: entity ${e.id} has unknown kind index ${e.kind}`);
    if (!Number.isInteger(e.id) || e.id < 0 || e.id > MAX_ENTITY_ID) {
      throw new RangeError(`quantizeWorld: entity id ${e.id} must be an integer from 0 to 2^31 − 1`);
    }
    const fields = kind.fields;
    const q: QValue[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      q[i] = f.quantize(e.state[f.name]);
    }
    if (e.id <= last) sorted = false;
    last = e.id;
    out.push({ id: e.id, kind: e.kind, q, motion: null });
  }
  if (!sorted) out.sort((a, b) => a.id - b.id);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.id === out[i - 1]!.id) throw new RangeError(`quantizeWorld: entity id ${out[i]!.id} appears twice`);
  }
  return { tick, entities: out };
}

/** Dequantizes one entity into a fresh plain object of real values (field name → value). */
export function dequantizeEntity(schema: Schema, entity: EntitySnapshot): Record<string, unknown> {
  const fields = schema.kinds[entity.kind]!.fields;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    out[f.name] = f.dequantize(entity.q[i]!);
  }
  return out;
}

/** Finds an entity by id in a snapshot (binary search); `undefined` if absent. */
export function findEntity(snapshot: Snapshot, id: number): EntitySnapshot | undefined {
  const list = snapshot.entities;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const e = list[mid]!;
    if (e.id === id) return e;
    if (e.id < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
