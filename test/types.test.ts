// Type tests: tsc checks this file (`node scripts/typecheck.mjs`); each `@ts-expect-error` line must
// stay an error, and each `expectType` must stay exact. The runtime test only keeps the file honest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineSchema, dequantizeEntity, quantizeWorld, t } from '../shared/index.ts';
import type { EntityOf, InputOf, KindName, QValue, StateOf, ValueOf } from '../shared/index.ts';

/** True when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when its type argument is `true`. */
function expectType<T extends true>(): T | undefined {
  return undefined;
}

const schema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      heading: t.angle({ steps: 3600 }),
      hp: t.uint(8),
      shield: t.int(16),
      team: t.enum(['red', 'blue']),
      name: t.string({ maxBytes: 16 }),
      boosting: t.bool(),
    },
    rock: { radius: t.float({ min: 1, max: 50, step: 0.5, interp: 'none' }) },
  },
  input: {
    up: t.bool(),
    aim: t.angle({ steps: 1024 }),
    weapon: t.enum(['gun', 'laser', 'mine']),
    chat: t.string({ maxBytes: 32 }),
  },
});
type S = typeof schema;

type Ship = EntityOf<S, 'ship'>;
type Rock = EntityOf<S, 'rock'>;
type Input = InputOf<S>;

expectType<
  Equal<
    Ship,
    { x: number; heading: number; hp: number; shield: number; team: 'red' | 'blue'; name: string; boosting: boolean }
  >
>();
expectType<Equal<Rock, { radius: number }>>();
expectType<Equal<Input, { up: boolean; aim: number; weapon: 'gun' | 'laser' | 'mine'; chat: string }>>();
expectType<Equal<KindName<S>, 'ship' | 'rock'>>();
expectType<Equal<Ship['team'], 'red' | 'blue'>>();
expectType<Equal<ValueOf<ReturnType<typeof t.enum<'a' | 'b'>>>, 'a' | 'b'>>();
expectType<
  Equal<StateOf<{ on: ReturnType<typeof t.bool>; n: ReturnType<typeof t.uint> }>, { on: boolean; n: number }>
>();
expectType<Equal<ReturnType<typeof schema.kindIndex>, number>>();
expectType<Equal<Parameters<typeof schema.kindIndex>[0], 'ship' | 'rock'>>();

const ship: Ship = { x: 1, heading: 0, hp: 100, shield: -5, team: 'red', name: 'Ada', boosting: false };
const input: Input = { up: true, aim: 1.5, weapon: 'laser', chat: '' };

// @ts-expect-error a string is not a float field's value
const wrongFloat: Ship = { ...ship, x: 'fast' };
// @ts-expect-error 'green' is not one of the enum's values
const wrongEnum: Ship = { ...ship, team: 'green' };
// @ts-expect-error a number is not a bool field's value
const wrongBool: Ship = { ...ship, boosting: 1 };
// @ts-expect-error a number is not a string field's value
const wrongString: Ship = { ...ship, name: 42 };
// @ts-expect-error every declared field is required
const missingField: Ship = { x: 1, heading: 0, hp: 100, shield: 0, team: 'red', name: '' };
// @ts-expect-error fields are not declared on another kind
const otherKind: Rock = { radius: 2, hp: 3 };
// @ts-expect-error 'bomb' is not an input enum value
const wrongInput: Input = { ...input, weapon: 'bomb' };
// @ts-expect-error 'tree' is not a kind of this schema
const unknownKind = (): number => schema.kindIndex('tree');
// @ts-expect-error EntityOf only takes kind names of the schema
type Tree = EntityOf<S, 'tree'>;
// @ts-expect-error an enum field's value is a union of its literals, not any string
const looseEnum: Ship['team'] = 'purple' as string;

describe('schema type inference', () => {
  it('types real values that quantize and dequantize back', () => {
    const snapshot = quantizeWorld(schema, 1, [{ id: 7, kind: schema.kindIndex('ship'), state: ship }]);
    const back = dequantizeEntity(schema, snapshot, 0) as Ship;
    assert.equal(back.team, ship.team);
    assert.equal(back.name, ship.name);
    assert.equal(back.hp, ship.hp);
    const values: QValue[] = schema.input.map((f) => f.quantize(input[f.name as keyof Input]));
    assert.equal(values.length, 4);
    assert.deepEqual([wrongFloat, wrongEnum, wrongBool, wrongString, missingField, otherKind, wrongInput].length, 7);
    assert.throws(unknownKind, /unknown entity kind "tree"/);
    assert.equal(looseEnum, 'purple');
    assert.equal(expectType<Equal<Tree, Tree>>(), undefined);
  });
});
