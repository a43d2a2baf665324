import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defineSchema, MAX_TICK_GAP, quantizedEntity, quantizeWorld, SnapshotCodec, t } from '../shared/index.ts';
import type { CompiledField, EntityInput, QValue, Schema, Snapshot } from '../shared/index.ts';

const SEED = 42;

/** Four kinds covering every field type, 32-bit extremes, one-value enums and a 32-field mask. */
const schema = defineSchema({
  entities: {
    mover: {
      x: t.float({ min: -1000, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1, step: 0.5 }),
      a: t.angle({ steps: 3600 }),
      half: t.angle({ steps: 2, interp: 'none' }),
      i32: t.int(32),
      u32: t.uint(32),
      i8: t.int(8),
      u1: t.uint(1),
      on: t.bool(),
      mode: t.enum(['idle', 'run', 'jump']),
      name: t.string({ maxBytes: 12 }),
    },
    tag: {
      label: t.string({ maxBytes: 1 }),
      flag: t.bool(),
      big: t.float({ min: 0, max: 2 ** 32 - 1, step: 1 }),
      dir: t.angle({ steps: 2 ** 32 }),
    },
    solo: { only: t.enum(['x']) },
    wide: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`f${i}`, i % 2 === 0 ? t.uint(3) : t.bool()])),
  },
  input: {},
});

/** Entity ids the worlds draw from: small, adjacent, far apart and the largest allowed. */
const IDS = [0, 1, 2, 3, 5, 8, 13, 21, 200, 65_535, 1_000_000, 2 ** 31 - 2, 2 ** 31 - 1];

/** A random pick that `realValue` turns into a value of any field type, extremes included. */
interface Pick {
  readonly special: number;
  readonly u: number;
  readonly text: string;
}

const textArb = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('é', '€uro', '😀', 'a😀b', '日本語テキスト', 'x'.repeat(40), 'ÿ'.repeat(7)),
);
const pickArb: fc.Arbitrary<Pick> = fc.record({
  special: fc.integer({ min: 0, max: 15 }),
  u: fc.double({ min: 0, max: 1, noNaN: true }),
  text: textArb,
});

/** The real value a pick stands for in `field`: in range, at or past either end, NaN, or infinite. */
function realValue(field: CompiledField, p: Pick): unknown {
  const d = field.decl;
  switch (d.type) {
    case 'float':
      return (
        [d.min, d.max, Number.NaN, d.min - 1e6, d.max + 1e6, Number.POSITIVE_INFINITY][p.special] ??
        d.min + p.u * (d.max - d.min)
      );
    case 'angle':
      return [0, Math.PI * 2, Math.PI * 2 - 1e-6, 1e-6, 7 * Math.PI, -Math.PI / 3][p.special] ?? (p.u - 0.5) * 40;
    case 'int': {
      const lo = d.signed ? -(2 ** (d.bits - 1)) : 0;
      const hi = d.signed ? 2 ** (d.bits - 1) - 1 : 2 ** d.bits - 1;
      return [lo, hi, lo - 1, hi + 1, Number.NaN, 0][p.special] ?? lo + p.u * (hi - lo);
    }
    case 'bool':
      return p.u < 0.5;
    case 'enum':
      return p.special === 0 ? 'not-a-value' : d.values[Math.floor(p.u * d.values.length)];
    case 'string':
      return p.text;
  }
}

/** A velocity (declared units per tick) for a continuous field: still, slow, fast, or wrapping. */
function velocityOf(field: CompiledField, p: Pick): number {
  if (p.special >= 10) return 0;
  const d = field.decl;
  if (d.type === 'float') return (p.u - 0.5) * d.step * (p.special < 5 ? 40 : 4000);
  if (d.type === 'angle') return (p.u - 0.5) * (p.special < 5 ? 0.2 : 12);
  return Math.round((p.u - 0.5) * (p.special < 5 ? 10 : 2 ** 20));
}

/** One change to the world in a frame. */
interface Command {
  readonly action: 'create' | 'remove' | 'edit' | 'reuse';
  readonly slot: number;
  readonly kind: number;
  readonly field: number;
  readonly picks: readonly Pick[];
}

/** One world state: the tick gap since the previous one and the changes made. */
interface Frame {
  readonly gap: number;
  readonly commands: readonly Command[];
}

const commandArb: fc.Arbitrary<Command> = fc.record({
  action: fc.constantFrom('create', 'create', 'remove', 'edit', 'edit', 'edit', 'reuse'),
  slot: fc.integer({ min: 0, max: IDS.length - 1 }),
  kind: fc.nat(),
  field: fc.nat(),
  picks: fc.array(pickArb, { minLength: 1, maxLength: 4 }),
});
const frameArb: fc.Arbitrary<Frame> = fc.record({
  gap: fc.oneof(
    { weight: 6, arbitrary: fc.constant(1) },
    { weight: 3, arbitrary: fc.integer({ min: 2, max: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(1000, 2 ** 18) },
  ),
  commands: fc.array(commandArb, { maxLength: 10 }),
});
const framesArb = fc.array(frameArb, { minLength: 1, maxLength: 10 });

/** A live entity of the model world, in real units, with a velocity per continuous field. */
interface Live {
  kind: number;
  readonly state: Record<string, unknown>;
  readonly velocity: Record<string, number>;
}

function spawn(kind: number, picks: readonly Pick[]): Live {
  const live: Live = { kind, state: {}, velocity: {} };
  schema.kinds[kind]!.fields.forEach((f, i) => {
    const p = picks[i % picks.length]!;
    live.state[f.name] = realValue(f, p);
    if (f.coding === 'continuous') live.velocity[f.name] = velocityOf(f, picks[(i + 1) % picks.length]!);
  });
  return live;
}

/** Advances the model by one frame: everything moves at its velocity, then the commands apply. */
function step(world: Map<number, Live>, frame: Frame): void {
  for (const live of world.values()) {
    for (const [name, v] of Object.entries(live.velocity))
      live.state[name] = (live.state[name] as number) + v * frame.gap;
  }
  for (const c of frame.commands) {
    const id = IDS[c.slot]!;
    const live = world.get(id);
    const kind = c.kind % schema.kinds.length;
    if (c.action === 'create' && live === undefined) world.set(id, spawn(kind, c.picks));
    else if (c.action === 'remove') world.delete(id);
    else if (c.action === 'reuse' && live !== undefined) {
      world.delete(id);
      world.set(id, spawn(live.kind === kind ? (kind + 1) % schema.kinds.length : kind, c.picks));
    } else if (c.action === 'edit' && live !== undefined) {
      const fields = schema.kinds[live.kind]!.fields;
      for (const [i, p] of c.picks.entries()) {
        const f = fields[(c.field + i) % fields.length]!;
        live.state[f.name] = realValue(f, p);
        if (f.coding === 'continuous' && i === 0) live.velocity[f.name] = velocityOf(f, p);
      }
    }
  }
}

function entitiesOf(world: Map<number, Live>): EntityInput[] {
  return [...world].map(([id, live]) => ({ id, kind: live.kind, state: live.state }));
}

/** The quantized values of entity `i`. */
function entityValues(snapshot: Snapshot, i: number): QValue[] {
  return quantizedEntity(schema, snapshot, i);
}

/** Asserts that `actual` holds exactly the quantized state `expected`: same ids, kinds and values. */
function assertSameState(actual: Snapshot, expected: Snapshot, context: string): void {
  assert.equal(actual.tick, expected.tick, context);
  assert.equal(actual.count, expected.count, context);
  assert.deepEqual([...actual.ids], [...expected.ids], `${context}: ids`);
  for (let i = 0; i < expected.count; i++) {
    assert.equal(actual.kinds[i], expected.kinds[i], `${context}: kind of entity ${expected.ids[i]}`);
    assert.deepEqual(entityValues(actual, i), entityValues(expected, i), `${context}: entity ${expected.ids[i]}`);
  }
}

/** Motion as a full array: `null` means every slot is 0. */
function motionArray(s: Snapshot): readonly number[] {
  return s.motion ?? new Array<number>(s.count * s.stride).fill(0);
}

/** Asserts that the decoder's snapshot equals the encoder's `next`, motion included. */
function assertSameSnapshot(decoded: Snapshot, next: Snapshot, context: string): void {
  assertSameState(decoded, next, context);
  assert.equal(decoded.stride, next.stride);
  assert.deepEqual([...decoded.kinds], [...next.kinds], `${context}: kinds`);
  assert.deepEqual([...decoded.values], [...next.values], `${context}: values`);
  assert.deepEqual([...motionArray(decoded)], [...motionArray(next)], `${context}: motion`);
}

/** Encodes `current` against `baseline`, checks determinism, decodes against the client's copy. */
function roundTrip(
  encoder: SnapshotCodec,
  decoder: SnapshotCodec,
  baseline: Snapshot | null,
  clientBaseline: Snapshot | null,
  current: Snapshot,
  context: string,
): { readonly next: Snapshot; readonly decoded: Snapshot } {
  const { bytes, next } = encoder.encode(baseline, current);
  const body = bytes.slice();
  assert.deepEqual(encoder.encode(baseline, current).bytes, body, `${context}: encoding again gave other bytes`);
  assert.deepEqual(
    new SnapshotCodec(schema).encode(baseline, current).bytes,
    body,
    `${context}: a fresh codec gave other bytes`,
  );
  if (
    baseline !== null &&
    baseline.count === current.count &&
    baseline.ids.every((id, i) => id === current.ids[i] && baseline.kinds[i] === current.kinds[i])
  ) {
    // The same members: a snapshot may share the baseline's id and kind columns (the encoder's shortcut).
    const shared = new SnapshotCodec(schema).encode(baseline, { ...current, ids: baseline.ids, kinds: baseline.kinds });
    assert.deepEqual(shared.bytes, body, `${context}: shared id and kind columns gave other bytes`);
    assert.deepEqual(
      [...motionArray(shared.next)],
      [...motionArray(next)],
      `${context}: shared id and kind columns gave other motion`,
    );
  }
  const result = decoder.decode(clientBaseline, current.tick, body);
  assert.ok(result.ok, `${context}: decode failed: ${result.ok ? '' : result.reason}`);
  assertSameState(result.value, current, context);
  assertSameSnapshot(result.value, next, context);
  return { next, decoded: result.value };
}

/** Runs a sequence of frames as a delta chain, also encoding each state from every older baseline and whole. */
function checkFrames(frames: readonly Frame[], schemaUnderTest: Schema = schema): void {
  const encoder = new SnapshotCodec(schemaUnderTest);
  const decoder = new SnapshotCodec(schemaUnderTest);
  const world = new Map<number, Live>();
  const history: { readonly next: Snapshot; readonly decoded: Snapshot }[] = [];
  let tick = 0;
  for (const [n, frame] of frames.entries()) {
    step(world, frame);
    tick += frame.gap;
    const current = quantizeWorld(schemaUnderTest, tick, entitiesOf(world));
    const full = roundTrip(encoder, decoder, null, null, current, `frame ${n} full`);
    assert.equal(full.next.motion, null, 'a full snapshot has no motion');
    for (const [j, older] of history.entries()) {
      if (tick - older.next.tick > MAX_TICK_GAP || j === history.length - 1) continue;
      roundTrip(encoder, decoder, older.next, older.decoded, current, `frame ${n} from frame ${j}`);
    }
    const last = history.at(-1);
    history.push(
      last === undefined ? full : roundTrip(encoder, decoder, last.next, last.decoded, current, `frame ${n} chained`),
    );
  }
}

describe('SnapshotCodec round trips (property)', () => {
  it(
    'decodes any sequence of world states, chained, ' +
      'from older baselines and whole, to exactly the quantized states',
    () => {
      fc.assert(
        fc.property(framesArb, (frames) => checkFrames(frames)),
        { seed: SEED, numRuns: 300 },
      );
    },
  );

  it('round-trips worlds that start full of entities and churn every tick', () => {
    const busy = fc.array(
      fc.record({
        gap: fc.integer({ min: 1, max: 3 }),
        commands: fc.array(commandArb, { minLength: 10, maxLength: 30 }),
      }),
      { minLength: 2, maxLength: 6 },
    );
    fc.assert(
      fc.property(busy, (frames) => checkFrames(frames)),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('round-trips large moving worlds past the codec’s initial buffer sizes', () => {
    const arena = defineSchema({
      entities: { unit: { x: t.float({ min: 0, max: 1000, step: 0.01 }), a: t.angle({ steps: 4096 }), hp: t.uint(8) } },
      input: {},
    });
    const entity = fc.record({
      x: fc.double({ min: 0, max: 1000, noNaN: true }),
      vx: fc.double({ min: -5, max: 5, noNaN: true }),
      a: fc.double({ min: 0, max: 7, noNaN: true }),
      hp: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(
        fc.array(entity, { minLength: 600, maxLength: 900 }),
        fc.integer({ min: 2, max: 12 }),
        (units, ticks) => {
          const encoder = new SnapshotCodec(arena);
          const decoder = new SnapshotCodec(arena);
          let next: Snapshot | null = null;
          let held: Snapshot | null = null;
          for (let tick = 1; tick <= ticks; tick++) {
            const world = units.map((u, id) => ({
              id: id * 3,
              kind: 0,
              state: {
                x: u.x + u.vx * tick,
                a: u.a + 0.05 * tick,
                hp: tick % 4 === 0 && id % 7 === 0 ? u.hp ^ 1 : u.hp,
              },
            }));
            const current = quantizeWorld(arena, tick, world.slice(0, units.length - (tick % 3) * 50));
            const out = encoder.encode(next, current);
            const decoded = decoder.decode(held, tick, out.bytes.slice());
            assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
            assert.deepEqual([...decoded.value.ids], [...current.ids]);
            assert.deepEqual([...decoded.value.values], [...current.values]);
            assert.deepEqual([...motionArray(decoded.value)], [...motionArray(out.next)]);
            next = out.next;
            held = decoded.value;
          }
        },
      ),
      { seed: SEED, numRuns: 8 },
    );
  });
});

describe('SnapshotCodec contracts', () => {
  it('encodes an unchanged world against itself in a constant few bits', () => {
    const codec = new SnapshotCodec(schema);
    const world = new Map<number, Live>();
    for (const [i, id] of IDS.entries())
      world.set(id, spawn(i % schema.kinds.length, [{ special: 12, u: i / IDS.length, text: 'ab' }]));
    const a = quantizeWorld(schema, 1, entitiesOf(world));
    const b = quantizeWorld(schema, 2, entitiesOf(world));
    assert.deepEqual([...codec.encode(a, b).bytes], [0b1110_0000], 'three EG(0) zeros: no removes, creates or changes');
  });

  it('throws for a baseline that is not 1 to 2^20 ticks older', () => {
    const codec = new SnapshotCodec(schema);
    const at = (tick: number): Snapshot => quantizeWorld(schema, tick, []);
    assert.throws(() => codec.encode(at(5), at(5)), /baseline tick 5 must be 1 to 2\^20 ticks before 5/);
    assert.throws(() => codec.encode(at(6), at(5)), /must be 1 to 2\^20 ticks/);
    assert.throws(() => codec.encode(at(0), at(MAX_TICK_GAP + 1)), /must be 1 to 2\^20 ticks/);
    assert.doesNotThrow(() => codec.encode(at(0), at(MAX_TICK_GAP)));
  });

  it('throws for a snapshot of another schema', () => {
    const other = defineSchema({ entities: { a: { x: t.bool(), y: t.bool() } }, input: {} });
    const codec = new SnapshotCodec(other);
    assert.throws(() => codec.encode(null, quantizeWorld(schema, 1, [])), /stride differs from the schema's 2/);
  });
});

describe('strings with lone surrogates', () => {
  it('decodes to the quantized value, which carries U+FFFD as UTF-8 does', () => {
    const textSchema = defineSchema({ entities: { m: { s: t.string({ maxBytes: 8 }) } }, input: {} });
    const cur = quantizeWorld(textSchema, 1, [{ id: 0, kind: 0, state: { s: 'a\ud800' } }]);
    assert.deepEqual(quantizedEntity(textSchema, cur, 0), ['a\ufffd']);
    const body = new SnapshotCodec(textSchema).encode(null, cur).bytes.slice();
    const decoded = new SnapshotCodec(textSchema).decode(null, 1, body);
    assert.ok(decoded.ok);
    assert.deepEqual(quantizedEntity(textSchema, decoded.value, 0), quantizedEntity(textSchema, cur, 0));
  });
});
