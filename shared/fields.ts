/**
 * Field types for entity and input schemas. Each constructor returns a plain, frozen descriptor;
 * a schema is a plain object of these, and `defineSchema` compiles it once.
 */

/** How the client interpolates a float field between two snapshots. */
export type FloatInterp = 'linear' | 'none';
/** How the client interpolates an angle field: the short way round, or not at all. */
export type AngleInterp = 'angle' | 'none';

/** A float quantized to `step` within [min, max]; sent as an integer number of steps. */
export interface FloatField {
  /** Discriminant: always `'float'`. */
  readonly type: 'float';
  /** Lowest value, in the field's own units (world units for positions); lower values are clamped to it. */
  readonly min: number;
  /** Highest value, in the field's units; higher values are clamped to the top step. */
  readonly max: number;
  /** Resolution in the field's units: values are rounded to `min + k × step`. Must be > 0. */
  readonly step: number;
  /** How the client interpolates the field between snapshots. */
  readonly interp: FloatInterp;
}

/** An angle in radians, [0, 2π), quantized to `steps` steps per turn; wraps around. */
export interface AngleField {
  /** Discriminant: always `'angle'`. */
  readonly type: 'angle';
  /** Quantization steps per full turn (2π radians), an integer from 2 to 2^32. */
  readonly steps: number;
  /** How the client interpolates the field between snapshots. */
  readonly interp: AngleInterp;
}

/** A signed or unsigned integer of `bits` bits (1–32). */
export interface IntField {
  /** Discriminant: always `'int'`. */
  readonly type: 'int';
  /** Width in bits, 1–32; values outside the range are clamped. */
  readonly bits: number;
  /** True for two's complement range (−2^(bits−1) … 2^(bits−1) − 1), false for 0 … 2^bits − 1. */
  readonly signed: boolean;
}

/** A boolean. */
export interface BoolField {
  /** Discriminant: always `'bool'`. */
  readonly type: 'bool';
}

/** One of a fixed list of string values; sent as its index. */
export interface EnumField<V extends string = string> {
  /** Discriminant: always `'enum'`. */
  readonly type: 'enum';
  /** The allowed values (1–65,536, no duplicates), frozen; a value's index is its wire form. */
  readonly values: readonly V[];
}

/** A UTF-8 string of at most `maxBytes` bytes (longer values are cut at a code point boundary). */
export interface StringField {
  /** Discriminant: always `'string'`. */
  readonly type: 'string';
  /** Longest value in UTF-8 bytes, 1–1024. */
  readonly maxBytes: number;
}

/** Any field descriptor. */
export type Field = FloatField | AngleField | IntField | BoolField | EnumField | StringField;

/** A schema declaration for one entity kind or for inputs: field name → field type, in wire order. */
export type FieldsDecl = Readonly<Record<string, Field>>;

/** The TypeScript value type of one field. */
export type ValueOf<F extends Field> =
  F extends EnumField<infer V> ? V : F extends BoolField ? boolean : F extends StringField ? string : number;

/** The TypeScript object type a declaration describes (floats and angles in their real units). */
export type StateOf<D extends FieldsDecl> = { -readonly [K in keyof D]: ValueOf<D[K]> };

/**
 * Field constructors: each declares one field's value range and wire form, in a schema declaration.
 *
 * @example
 * ```ts
 * import { defineSchema, t } from 'tickwave/shared';
 *
 * export const schema = defineSchema({
 *   entities: {
 *     ship: {
 *       x: t.float({ min: 0, max: 4000, step: 0.01 }), // world units in 0.01 steps, interpolated
 *       heading: t.angle({ steps: 1024 }), // radians, interpolated the short way round
 *       hp: t.uint(7), // 0–127
 *       team: t.enum(['red', 'blue']),
 *       name: t.string({ maxBytes: 16 }),
 *       boosting: t.bool(),
 *     },
 *   },
 *   input: { thrust: t.bool(), turn: t.int(2) }, // turn: -2…1
 * });
 * ```
 *
 * @category Start here
 */
export const t = {
  /** A float in [min, max] (world units) with a resolution of `step`; interpolated linearly by default. */
  float(opts: { min: number; max: number; step: number; interp?: FloatInterp }): FloatField {
    return Object.freeze({
      type: 'float',
      min: opts.min,
      max: opts.max,
      step: opts.step,
      interp: opts.interp ?? 'linear',
    });
  },
  /**
   * An angle in radians with `steps` steps per full turn (3600 gives 0.1°); interpolated the short way round by
   * default.
   */
  angle(opts: { steps: number; interp?: AngleInterp }): AngleField {
    return Object.freeze({ type: 'angle', steps: opts.steps, interp: opts.interp ?? 'angle' });
  },
  /** A signed integer of `bits` bits, two's complement range. */
  int(bits: number): IntField {
    return Object.freeze({ type: 'int', bits, signed: true });
  },
  /** An unsigned integer of `bits` bits: 0 … 2^bits − 1. */
  uint(bits: number): IntField {
    return Object.freeze({ type: 'int', bits, signed: false });
  },
  /** A boolean. */
  bool(): BoolField {
    return Object.freeze({ type: 'bool' });
  },
  /** One of `values` (at most 65,536 distinct strings). */
  enum<const V extends string>(values: readonly V[]): EnumField<V> {
    return Object.freeze({ type: 'enum', values: Object.freeze([...values]) });
  },
  /** A UTF-8 string of at most `maxBytes` bytes (1–1024). */
  string(opts: { maxBytes: number }): StringField {
    return Object.freeze({ type: 'string', maxBytes: opts.maxBytes });
  },
} as const;
