import type { AngleField, EnumField, Field, FieldsDecl, FloatField, IntField, StateOf, StringField } from './fields.ts';
import { bitLengthOf } from './wire/bits.ts';
import { hash64 } from './hash.ts';
import { truncateUtf8, utf8Length, wellFormed } from './wire/utf8.ts';

/**
 * A quantized field value: an integer number of steps for numeric fields, the text for strings.
 *
 * @category Wire internals
 */
export type QValue = number | string;

/**
 * How the delta codec writes a field: `continuous` fields are predicted from the baseline's motion and
 * sent as a residual; `discrete` ones (bool, enum) are sent whole when they change; `text` as UTF-8.
 *
 * @category Wire internals
 */
export type FieldCoding = 'continuous' | 'discrete' | 'text';

/**
 * A field compiled once at definition time: its wire form and its (de)quantizer.
 *
 * @category Wire internals
 */
export interface CompiledField {
  /** The field's name in the declaration. */
  readonly name: string;
  /** Its position, which is its wire order and its bit in a changed-field mask. */
  readonly index: number;
  /** The declaration it came from. */
  readonly decl: Field;
  /** How the delta codec writes it. */
  readonly coding: FieldCoding;
  /** Number of distinct quantized values (numeric fields); quantized values are 0 … range − 1. */
  readonly range: number;
  /** Bits for one whole quantized value (numeric fields), or the byte bound (strings). */
  readonly bits: number;
  /** Interpolation on the client: linear, short way round, or hold the newer value. */
  readonly interp: 'linear' | 'angle' | 'none';
  /** Real value → quantized value (clamped into range; NaN becomes the lowest value). */
  quantize(value: unknown): QValue;
  /** Quantized value → real value (numbers in declared units, booleans, enum strings, text). */
  dequantize(q: QValue): unknown;
}

/**
 * One entity kind of a schema, compiled.
 *
 * @category Wire internals
 */
export interface EntityKind {
  /** The kind's name in the declaration. */
  readonly name: string;
  /** Its index, which is how the wire names it. */
  readonly index: number;
  /** Its fields in wire order. */
  readonly fields: readonly CompiledField[];
}

/** What `defineSchema` takes: entity kinds (each a field declaration) and the input declaration. */
export interface SchemaDecl {
  /**
   * Entity kinds by name (1–256), each a field declaration of 1–32 fields; declaration order is kind index order.
   */
  readonly entities: Readonly<Record<string, FieldsDecl>>;
  /** The fields of one tick's player input, in wire order; `{}` for none. */
  readonly input: FieldsDecl;
}

/** A compiled schema. Immutable; share one instance between codec, server and client. */
export interface Schema<D extends SchemaDecl = SchemaDecl> {
  /** The declaration, kept for type inference. */
  readonly decl: D;
  /** Entity kinds in declaration order. */
  readonly kinds: readonly EntityKind[];
  /** Input fields in wire order. */
  readonly input: readonly CompiledField[];
  /** 16 hex digits identifying the wire format; compared in the handshake. */
  readonly hash: string;
  /** The index of kind `name`; throws for an unknown name. */
  kindIndex(name: keyof D['entities'] & string): number;
}

/** The state type of entity kind `K` of schema `S`. */
export type EntityOf<S extends Schema, K extends keyof S['decl']['entities']> = StateOf<S['decl']['entities'][K]>;
/** The input type of schema `S`. */
export type InputOf<S extends Schema> = StateOf<S['decl']['input']>;
/** Entity kind names of schema `S`. */
export type KindName<S extends Schema> = keyof S['decl']['entities'] & string;

/** Most fields one entity kind may have (a changed-field mask is one 32-bit word). */
export const MAX_FIELDS = 32;
/** Most entity kinds one schema may have. */
export const MAX_KINDS = 256;
/** Largest string bound, in UTF-8 bytes. */
export const MAX_STRING_BYTES = 1024;
const MAX_RANGE = 2 ** 32;
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RESERVED = new Set([
  'id',
  'kind',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
]);
const TURN = Math.PI * 2;

/**
 * Compiles a schema declaration. Throws at once, naming the field and the fix, for a bad declaration
 * (reserved or invalid name, names equal but for case, too many fields, an empty or inverted range).
 *
 * @example
 * ```ts
 * import { defineSchema, type EntityOf, type InputOf, t } from 'tickwave/shared';
 *
 * export const schema = defineSchema({
 *   entities: { ship: { x: t.float({ min: 0, max: 1000, step: 0.01 }), hp: t.uint(8) } },
 *   input: { up: t.bool(), aim: t.angle({ steps: 1024 }) },
 * });
 * export type Ship = EntityOf<typeof schema, 'ship'>; // { x: number; hp: number }
 * export type Input = InputOf<typeof schema>; // { up: boolean; aim: number }
 * ```
 *
 * @category Start here
 */
export function defineSchema<const D extends SchemaDecl>(decl: D): Schema<D> {
  if (decl === null || typeof decl !== 'object' || typeof decl.entities !== 'object' || decl.entities === null) {
    throw new TypeError('defineSchema: pass { entities: { kindName: { field: t.float(...) } }, input: { ... } }');
  }
  if (typeof decl.input !== 'object' || decl.input === null) {
    throw new TypeError('defineSchema: `input` is missing; declare the input fields, or `input: {}` for none');
  }
  const kindNames = Object.keys(decl.entities);
  if (kindNames.length === 0) throw new RangeError('defineSchema: declare at least one entity kind under `entities`');
  if (kindNames.length > MAX_KINDS) {
    throw new RangeError(`defineSchema: ${kindNames.length} entity kinds; at most ${MAX_KINDS} are allowed`);
  }
  checkNames(kindNames, 'entity kind');
  const kinds = kindNames.map((name, index): EntityKind => {
    const fields = compileFields(decl.entities[name] as FieldsDecl, `entities.${name}`);
    if (fields.length === 0)
      throw new RangeError(`defineSchema: entity kind "${name}" has no fields; give it at least one`);
    return Object.freeze({ name, index, fields });
  });
  const input = compileFields(decl.input, 'input');
  const hash = hash64(
    JSON.stringify({ v: 1, kinds: kinds.map((k) => [k.name, k.fields.map(describe)]), input: input.map(describe) }),
  );
  const byName = new Map(kinds.map((k) => [k.name, k.index]));
  return Object.freeze({
    decl,
    kinds: Object.freeze(kinds),
    input,
    hash,
    kindIndex(name: string): number {
      const index = byName.get(name);
      if (index === undefined)
        throw new RangeError(`unknown entity kind "${name}"; the schema has ${kindNames.join(', ')}`);
      return index;
    },
  });
}

function describe(f: CompiledField): unknown[] {
  return [f.name, f.decl];
}

function checkNames(names: readonly string[], what: string): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    if (!NAME_PATTERN.test(name)) {
      throw new RangeError(
        `defineSchema: ${what} name "${name}" is not an identifier; use letters, digits and _ (at most 64)`,
      );
    }
    if (RESERVED.has(name)) throw new RangeError(`defineSchema: ${what} name "${name}" is reserved; rename it`);
    const folded = name.toLowerCase();
    const other = seen.get(folded);
    if (other !== undefined) {
      throw new RangeError(`defineSchema: ${what} names "${other}" and "${name}" differ only by case; rename one`);
    }
    seen.set(folded, name);
  }
}

function compileFields(fields: FieldsDecl, where: string): readonly CompiledField[] {
  if (fields === null || typeof fields !== 'object')
    throw new TypeError(`defineSchema: ${where} must be an object of field types`);
  const names = Object.keys(fields);
  if (names.length > MAX_FIELDS) {
    throw new RangeError(
      `defineSchema: ${where} has ${names.length} fields; at most ${MAX_FIELDS} are allowed, split it into two kinds`,
    );
  }
  checkNames(names, `${where} field`);
  return Object.freeze(
    names.map((name, index) => compileField(name, index, fields[name] as Field, `${where}.${name}`)),
  );
}

/** What a field type compiles to, besides the name, index and declaration every field carries. */
type FieldCode = Omit<CompiledField, 'name' | 'index' | 'decl'>;

function compileField(name: string, index: number, decl: Field, where: string): CompiledField {
  return Object.freeze({ name, index, decl, ...fieldCode(decl, where) });
}

/** The coding and (de)quantizer of `decl`; throws naming `where` and the fix for a bad declaration. */
function fieldCode(decl: Field, where: string): FieldCode {
  switch (decl?.type) {
    case 'float':
      return floatCode(decl, where);
    case 'angle':
      return angleCode(decl, where);
    case 'int':
      return intCode(decl, where);
    case 'bool':
      return {
        coding: 'discrete',
        range: 2,
        bits: 1,
        interp: 'none',
        quantize: (v: unknown) => (v ? 1 : 0),
        dequantize: (q: QValue) => q === 1,
      };
    case 'enum':
      return enumCode(decl, where);
    case 'string':
      return stringCode(decl, where);
    default:
      throw new TypeError(
        `defineSchema: ${where} is not a field type; use t.float, t.angle, t.int, t.uint, t.bool, t.enum or t.string`,
      );
  }
}

function floatCode(decl: FloatField, where: string): FieldCode {
  const { min, max, step } = decl;
  if (![min, max, step].every(Number.isFinite) || !(max > min) || !(step > 0)) {
    throw new RangeError(
      `defineSchema: ${where} needs finite min < max and step > 0; got min=${min} max=${max} step=${step}`,
    );
  }
  const range = Math.round((max - min) / step) + 1;
  if (range > MAX_RANGE) {
    throw new RangeError(
      `defineSchema: ${where} has ${range} steps; at most 2^32 fit, use a larger step or a smaller range`,
    );
  }
  if (decl.interp !== 'linear' && decl.interp !== 'none')
    throw new RangeError(`defineSchema: ${where} interp must be 'linear' or 'none'`);
  const top = range - 1;
  return {
    coding: 'continuous',
    range,
    bits: bitLengthOf(top),
    interp: decl.interp,
    quantize: (v: unknown) => clampInt(Math.round(((v as number) - min) / step), top),
    dequantize: (q: QValue) => min + (q as number) * step,
  };
}

function angleCode(decl: AngleField, where: string): FieldCode {
  const { steps } = decl;
  if (!Number.isInteger(steps) || steps < 2 || steps > MAX_RANGE) {
    throw new RangeError(`defineSchema: ${where} steps must be an integer from 2 to 2^32; got ${steps}`);
  }
  if (decl.interp !== 'angle' && decl.interp !== 'none')
    throw new RangeError(`defineSchema: ${where} interp must be 'angle' or 'none'`);
  const perRad = steps / TURN;
  return {
    coding: 'continuous',
    range: steps,
    bits: bitLengthOf(steps - 1),
    interp: decl.interp,
    quantize: (v: unknown) => {
      const q = Math.round((v as number) * perRad) % steps;
      return Number.isNaN(q) ? 0 : q < 0 ? q + steps : q + 0; // + 0 turns -0 into 0
    },
    dequantize: (q: QValue) => (q as number) / perRad,
  };
}

function intCode(decl: IntField, where: string): FieldCode {
  const { bits, signed } = decl;
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) {
    throw new RangeError(`defineSchema: ${where} bits must be an integer from 1 to 32; got ${bits}`);
  }
  const range = 2 ** bits;
  const min = signed ? -(range / 2) : 0;
  return {
    coding: 'continuous',
    range,
    bits,
    interp: 'none',
    quantize: (v: unknown) => clampInt(Math.round(v as number) - min, range - 1),
    dequantize: (q: QValue) => (q as number) + min,
  };
}

function enumCode(decl: EnumField, where: string): FieldCode {
  const values = decl.values;
  if (!Array.isArray(values) || values.length < 1 || values.length > 65536) {
    throw new RangeError(
      `defineSchema: ${where} needs 1 to 65,536 enum values; got ${Array.isArray(values) ? values.length : values}`,
    );
  }
  if (new Set(values).size !== values.length)
    throw new RangeError(`defineSchema: ${where} lists an enum value twice; remove the duplicate`);
  const index = new Map(values.map((v, i) => [v, i]));
  return {
    coding: 'discrete',
    range: values.length,
    bits: bitLengthOf(values.length - 1),
    interp: 'none',
    quantize: (v: unknown) => index.get(v as string) ?? 0,
    dequantize: (q: QValue) => values[q as number],
  };
}

function stringCode(decl: StringField, where: string): FieldCode {
  const { maxBytes } = decl;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_STRING_BYTES) {
    throw new RangeError(
      `defineSchema: ${where} maxBytes must be an integer from 1 to ${MAX_STRING_BYTES}; got ${maxBytes}`,
    );
  }
  return {
    coding: 'text',
    range: 0,
    bits: maxBytes,
    interp: 'none',
    quantize: (v: unknown) => truncateUtf8(wellFormed(typeof v === 'string' ? v : String(v ?? '')), maxBytes),
    dequantize: (q: QValue) => q,
  };
}

/**
 * True if `q` is a valid quantized value of `field` (an integer in range, or a string within its byte bound).
 *
 * @category Wire internals
 */
export function isValidQValue(field: CompiledField, q: unknown): q is QValue {
  if (field.coding === 'text') return typeof q === 'string' && q.length <= field.bits && utf8Length(q) <= field.bits;
  return typeof q === 'number' && Number.isInteger(q) && q >= 0 && q < field.range;
}

function clampInt(q: number, top: number): number {
  return q > 0 ? (q < top ? q : top) : 0;
}
