import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineSchema, isValidQValue, MAX_FIELDS, t } from '../shared/index.ts';
import type { CompiledField, Field, FieldsDecl, SchemaDecl } from '../shared/index.ts';

/** Compiles one entity kind `a` with the given fields and no inputs. */
function kindOf(fields: FieldsDecl): readonly CompiledField[] {
  return defineSchema({ entities: { a: fields }, input: {} }).kinds[0]!.fields;
}

/** The one compiled field of a one-field schema. */
function fieldOf(decl: Field): CompiledField {
  return kindOf({ f: decl })[0]!;
}

/** Asserts that defining `decl` throws an error whose message matches `message`. */
function rejects(decl: unknown, message: RegExp): void {
  assert.throws(() => defineSchema(decl as SchemaDecl), message);
}

/** A declaration with one entity kind `a` holding `fields`. */
function withFields(fields: Record<string, unknown>): unknown {
  return { entities: { a: fields }, input: {} };
}

const FIXED = {
  entities: {
    ship: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      angle: t.angle({ steps: 3600 }),
      hp: t.uint(8),
      team: t.enum(['red', 'blue']),
      name: t.string({ maxBytes: 16 }),
    },
    rock: { r: t.int(12), alive: t.bool() },
  },
  input: { up: t.bool(), aim: t.angle({ steps: 1024, interp: 'none' }) },
} as const;

describe('defineSchema: definition errors', () => {
  it('rejects reserved field and kind names', () => {
    rejects(withFields({ id: t.bool() }), /"id" is reserved/);
    rejects(withFields({ kind: t.bool() }), /"kind" is reserved/);
    rejects({ entities: { a: JSON.parse('{"__proto__": {"type": "bool"}}') }, input: {} }, /"__proto__" is reserved/);
    rejects({ entities: { constructor: { x: t.bool() } }, input: {} }, /entity kind name "constructor" is reserved/);
    rejects({ entities: { a: { x: t.bool() } }, input: { id: t.bool() } }, /input field name "id" is reserved/);
  });

  it('rejects names that are not identifiers', () => {
    rejects(withFields({ '1x': t.bool() }), /"1x" is not an identifier/);
    rejects(withFields({ 'a-b': t.bool() }), /"a-b" is not an identifier/);
    rejects(withFields({ '': t.bool() }), /"" is not an identifier/);
    rejects(withFields({ ['x'.repeat(65)]: t.bool() }), /is not an identifier/);
    rejects({ entities: { 'bad kind': { x: t.bool() } }, input: {} }, /entity kind name "bad kind"/);
  });

  it('rejects names equal but for case', () => {
    rejects(withFields({ posX: t.bool(), posx: t.bool() }), /"posX" and "posx" differ only by case/);
    rejects({ entities: { Ship: { x: t.bool() }, ship: { x: t.bool() } }, input: {} }, /differ only by case/);
  });

  it(`rejects more than ${MAX_FIELDS} fields and accepts exactly ${MAX_FIELDS}`, () => {
    const fields = (n: number): Record<string, Field> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, t.bool()]));
    assert.equal(kindOf(fields(MAX_FIELDS)).length, MAX_FIELDS);
    rejects(withFields(fields(MAX_FIELDS + 1)), /33 fields; at most 32 are allowed, split it/);
    rejects({ entities: { a: { x: t.bool() } }, input: fields(MAX_FIELDS + 1) }, /input has 33 fields/);
  });

  it('rejects empty kinds and a schema without kinds', () => {
    rejects(withFields({}), /entity kind "a" has no fields/);
    rejects({ entities: {}, input: {} }, /declare at least one entity kind/);
  });

  it('rejects nonsense float ranges and steps', () => {
    rejects(
      withFields({ x: t.float({ min: 1, max: 1, step: 0.1 }) }),
      /entities\.a\.x needs finite min < max and step > 0; got min=1 max=1/,
    );
    rejects(withFields({ x: t.float({ min: 2, max: 1, step: 0.1 }) }), /min < max/);
    rejects(withFields({ x: t.float({ min: 0, max: 1, step: 0 }) }), /step > 0; got min=0 max=1 step=0/);
    rejects(withFields({ x: t.float({ min: 0, max: 1, step: -1 }) }), /step > 0/);
    rejects(withFields({ x: t.float({ min: Number.NaN, max: 1, step: 0.1 }) }), /got min=NaN/);
    rejects(withFields({ x: t.float({ min: 0, max: Number.POSITIVE_INFINITY, step: 1 }) }), /finite/);
    rejects(withFields({ x: t.float({ min: 0, max: 1, step: Number.NaN }) }), /step=NaN/);
    rejects(
      withFields({ x: t.float({ min: 0, max: 2 ** 32, step: 1 }) }),
      /4294967297 steps; at most 2\^32 fit, use a larger step/,
    );
    assert.equal(fieldOf(t.float({ min: 0, max: 2 ** 32 - 1, step: 1 })).range, 2 ** 32);
  });

  it('rejects a bad float or angle interpolation', () => {
    rejects(
      withFields({ x: t.float({ min: 0, max: 1, step: 0.1, interp: 'angle' as never }) }),
      /interp must be 'linear' or 'none'/,
    );
    rejects(withFields({ r: t.angle({ steps: 16, interp: 'linear' as never }) }), /interp must be 'angle' or 'none'/);
  });

  it('rejects angles with fewer than 2 or a fractional number of steps', () => {
    rejects(withFields({ r: t.angle({ steps: 1 }) }), /steps must be an integer from 2 to 2\^32; got 1/);
    rejects(withFields({ r: t.angle({ steps: 0 }) }), /got 0/);
    rejects(withFields({ r: t.angle({ steps: 10.5 }) }), /got 10\.5/);
    rejects(withFields({ r: t.angle({ steps: 2 ** 32 + 1 }) }), /steps must be an integer/);
    assert.equal(fieldOf(t.angle({ steps: 2 })).range, 2);
  });

  it('rejects ints of 0 or 33 bits', () => {
    rejects(withFields({ n: t.int(0) }), /bits must be an integer from 1 to 32; got 0/);
    rejects(withFields({ n: t.uint(33) }), /got 33/);
    rejects(withFields({ n: t.uint(1.5) }), /got 1\.5/);
    assert.equal(fieldOf(t.uint(32)).range, 2 ** 32);
    assert.equal(fieldOf(t.int(1)).range, 2);
  });

  it('rejects empty and duplicate enum values', () => {
    rejects(withFields({ e: t.enum([]) }), /needs 1 to 65,536 enum values; got 0/);
    rejects(withFields({ e: t.enum(['a', 'b', 'a']) }), /lists an enum value twice/);
    rejects(withFields({ e: t.enum(Array.from({ length: 65537 }, (_, i) => `v${i}`)) }), /got 65537/);
    assert.equal(fieldOf(t.enum(['only'])).range, 1);
  });

  it('rejects string bounds of 0 or over 1024 bytes', () => {
    rejects(withFields({ s: t.string({ maxBytes: 0 }) }), /maxBytes must be an integer from 1 to 1024; got 0/);
    rejects(withFields({ s: t.string({ maxBytes: 1025 }) }), /got 1025/);
    rejects(withFields({ s: t.string({ maxBytes: 2.5 }) }), /got 2\.5/);
    assert.equal(fieldOf(t.string({ maxBytes: 1024 })).bits, 1024);
  });

  it('rejects unknown field types, missing input and a missing declaration', () => {
    rejects(withFields({ x: { type: 'double' } }), /entities\.a\.x is not a field type; use t\.float/);
    rejects(withFields({ x: null }), /is not a field type/);
    rejects(withFields({ x: 3 }), /is not a field type/);
    rejects({ entities: { a: { x: t.bool() } } }, /`input` is missing; declare the input fields, or `input: \{\}`/);
    rejects(null, /pass \{ entities/);
    rejects({ input: {} }, /pass \{ entities/);
    rejects({ entities: { a: { x: t.bool() } }, input: { aim: { type: 'vec2' } } }, /input\.aim is not a field type/);
  });

  it('names an unknown kind in kindIndex', () => {
    const schema = defineSchema(FIXED);
    assert.equal(schema.kindIndex('rock'), 1);
    assert.throws(() => schema.kindIndex('tree' as 'rock'), /unknown entity kind "tree"; the schema has ship, rock/);
  });
});

describe('defineSchema: hash', () => {
  it('is a fixed literal for a fixed schema (changes here break every deployed client)', () => {
    assert.equal(defineSchema(FIXED).hash, 'c03b21858870bad7');
  });

  it('is the same for two compilations of equal declarations', () => {
    const again = JSON.parse(JSON.stringify(FIXED)) as SchemaDecl;
    assert.equal(defineSchema(again).hash, defineSchema(FIXED).hash);
  });

  it('changes when any field type, parameter, name or order changes', () => {
    const base = defineSchema(FIXED).hash;
    const ship = FIXED.entities.ship;
    const variants: SchemaDecl[] = [
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, x: t.float({ min: 0, max: 1000, step: 0.02 }) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, x: t.float({ min: -1, max: 1000, step: 0.01 }) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, x: t.float({ min: 0, max: 1001, step: 0.01 }) } } },
      {
        ...FIXED,
        entities: {
          ...FIXED.entities,
          ship: { ...ship, x: t.float({ min: 0, max: 1000, step: 0.01, interp: 'none' }) },
        },
      },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, angle: t.angle({ steps: 3601 }) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, hp: t.int(8) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, hp: t.uint(9) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, team: t.enum(['blue', 'red']) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, team: t.enum(['red', 'blue', 'green']) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, name: t.string({ maxBytes: 17 }) } } },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, name: t.enum(['x']) } } },
      {
        ...FIXED,
        entities: {
          ...FIXED.entities,
          ship: { angle: ship.angle, x: ship.x, hp: ship.hp, team: ship.team, name: ship.name },
        },
      },
      { ...FIXED, entities: { ...FIXED.entities, ship: { ...ship, extra: t.bool() } } },
      { ...FIXED, entities: { rock: FIXED.entities.rock, ship } },
      { ...FIXED, entities: { boat: ship, rock: FIXED.entities.rock } },
      { ...FIXED, entities: { ...FIXED.entities, rock: { radius: t.int(12), alive: t.bool() } } },
      { ...FIXED, input: { up: t.bool(), aim: t.angle({ steps: 1024 }) } },
      { ...FIXED, input: { aim: FIXED.input.aim, up: FIXED.input.up } },
      { ...FIXED, input: {} },
    ];
    const hashes = variants.map((decl) => defineSchema(decl).hash);
    for (const [i, hash] of hashes.entries()) assert.notEqual(hash, base, `variant ${i} kept the hash`);
    assert.equal(new Set(hashes).size, hashes.length, 'two variants share a hash');
  });

  it('is 16 lowercase hex digits', () => {
    assert.match(defineSchema({ entities: { a: { x: t.bool() } }, input: {} }).hash, /^[0-9a-f]{16}$/);
  });
});

describe('quantize and dequantize', () => {
  it('quantizes small negative angles to +0, not -0', () => {
    const f = fieldOf(t.angle({ steps: 3600 }));
    assert.ok(Object.is(f.quantize(-0.0001), 0));
    assert.ok(Object.is(fieldOf(t.angle({ steps: 2 })).quantize(-Math.PI / 3), 0));
  });

  it('rounds floats to the nearest step and clamps into range', () => {
    const f = fieldOf(t.float({ min: -500, max: 500, step: 0.01 }));
    assert.equal(f.range, 100_001);
    assert.equal(f.bits, 17);
    assert.equal(f.quantize(-500), 0);
    assert.equal(f.quantize(500), 100_000);
    assert.equal(f.quantize(0), 50_000);
    assert.equal(f.quantize(0.004), 50_000);
    assert.equal(f.quantize(0.006), 50_001);
    assert.equal(f.quantize(-1e9), 0);
    assert.equal(f.quantize(1e9), 100_000);
    assert.equal(f.quantize(Number.NEGATIVE_INFINITY), 0);
    assert.equal(f.quantize(Number.POSITIVE_INFINITY), 100_000);
    assert.equal(f.quantize(Number.NaN), 0, 'NaN becomes the lowest value');
    assert.ok(Math.abs((f.dequantize(f.quantize(123.456)) as number) - 123.46) < 1e-9);
    assert.equal(f.dequantize(0), -500);
  });

  it('wraps angles into [0, 2π), negative and over a full turn', () => {
    const f = fieldOf(t.angle({ steps: 3600 }));
    const perRad = 3600 / (2 * Math.PI);
    assert.equal(f.quantize(0), 0);
    assert.equal(f.quantize(Math.PI), 1800);
    assert.equal(f.quantize(-Math.PI / 2), 2700);
    assert.equal(f.quantize(2 * Math.PI), 0);
    assert.equal(f.quantize(2 * Math.PI - 0.5 / perRad + 1e-9), 0, 'rounding up to a full turn wraps to 0');
    assert.equal(f.quantize(5 * Math.PI), 1800);
    assert.equal(f.quantize(-7 * Math.PI), 1800);
    assert.equal(f.quantize(1e6), Math.round(1e6 * perRad) % 3600);
    assert.equal(f.quantize(Number.NaN), 0);
    assert.equal(f.quantize(Number.POSITIVE_INFINITY), 0);
    assert.ok(Math.abs((f.dequantize(900) as number) - Math.PI / 2) < 1e-12);
    for (let i = -20; i <= 20; i++) {
      const q = f.quantize(i * 0.7) as number;
      assert.ok(Number.isInteger(q) && q >= 0 && q < 3600, `angle ${i * 0.7} gave ${q}`);
    }
  });

  it('clamps signed and unsigned ints to their width, including 32-bit extremes', () => {
    const i32 = fieldOf(t.int(32));
    assert.equal(i32.quantize(-(2 ** 31)), 0);
    assert.equal(i32.quantize(2 ** 31 - 1), 2 ** 32 - 1);
    assert.equal(i32.quantize(0), 2 ** 31);
    assert.equal(i32.quantize(2 ** 40), 2 ** 32 - 1);
    assert.equal(i32.quantize(-(2 ** 40)), 0);
    assert.equal(i32.dequantize(0), -(2 ** 31));
    assert.equal(i32.dequantize(2 ** 32 - 1), 2 ** 31 - 1);
    const u32 = fieldOf(t.uint(32));
    assert.equal(u32.quantize(2 ** 32 - 1), 2 ** 32 - 1);
    assert.equal(u32.quantize(2 ** 32), 2 ** 32 - 1);
    assert.equal(u32.quantize(-1), 0);
    assert.equal(u32.quantize(Number.NaN), 0);
    const u8 = fieldOf(t.uint(8));
    assert.equal(u8.quantize(2.6), 3);
    assert.equal(u8.quantize(300), 255);
    const i4 = fieldOf(t.int(4));
    assert.equal(i4.dequantize(i4.quantize(-8)), -8);
    assert.equal(i4.dequantize(i4.quantize(7)), 7);
    assert.equal(i4.dequantize(i4.quantize(9)), 7);
  });

  it('maps bools and enums, with an unknown enum value becoming the first', () => {
    const b = fieldOf(t.bool());
    assert.equal(b.quantize(true), 1);
    assert.equal(b.quantize(false), 0);
    assert.equal(b.dequantize(1), true);
    assert.equal(b.dequantize(0), false);
    const e = fieldOf(t.enum(['idle', 'run', 'jump']));
    assert.equal(e.quantize('jump'), 2);
    assert.equal(e.quantize('swim'), 0);
    assert.equal(e.quantize(undefined), 0);
    assert.equal(e.dequantize(1), 'run');
    assert.equal(e.bits, 2);
  });

  it('truncates strings to their byte bound at a code point boundary', () => {
    const s = fieldOf(t.string({ maxBytes: 5 }));
    assert.equal(s.quantize('hello world'), 'hello');
    assert.equal(s.quantize('abcé'), 'abcé', 'é is 2 bytes: 5 in all');
    assert.equal(s.quantize('abcdé'), 'abcd', 'é does not fit in the last byte');
    assert.equal(s.quantize('ab😀c'), 'ab', 'the 4-byte emoji does not fit in 3 bytes');
    assert.equal(s.quantize('a😀'), 'a😀');
    assert.equal(s.quantize('€€'), '€', '€ is 3 bytes');
    assert.equal(s.quantize(''), '');
    assert.equal(s.quantize(undefined), '');
    assert.equal(s.quantize(12345678), '12345');
    assert.equal(s.dequantize('abc'), 'abc');
  });

  it('checks quantized values with isValidQValue', () => {
    const u8 = fieldOf(t.uint(8));
    assert.ok(isValidQValue(u8, 255));
    assert.ok(!isValidQValue(u8, 256));
    assert.ok(!isValidQValue(u8, -1));
    assert.ok(!isValidQValue(u8, 1.5));
    assert.ok(!isValidQValue(u8, '1'));
    const s = fieldOf(t.string({ maxBytes: 4 }));
    assert.ok(isValidQValue(s, '😀'));
    assert.ok(!isValidQValue(s, 'a😀'));
    assert.ok(!isValidQValue(s, 3));
  });
});
