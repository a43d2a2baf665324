/*
 * The decoder's fast path for steady deltas (shared/wire/steadyRows.ts: rows in place, one tick on, no
 * string fields) against its general row walk, which a schema with a string field always takes. The two
 * schemas below differ only by a kind with a string field that no entity uses, so both decoders see the
 * same worlds; their snapshots must match column for column, and both must match the encoder's copy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defineSchema, quantizeWorld, seededRandom, SnapshotCodec, t } from '../shared/index.ts';
import type { EntityInput, Schema, Snapshot } from '../shared/index.ts';

const SEED = 23;

/** Every non-string field type; 32-bit fields and a 32-field kind take the readers' long-code fallbacks. */
const kinds = {
  mover: {
    x: t.float({ min: -1000, max: 1000, step: 0.01 }),
    a: t.angle({ steps: 3600 }),
    u32: t.uint(32),
    i8: t.int(8),
    on: t.bool(),
    mode: t.enum(['idle', 'run', 'jump']),
  },
  big: { big: t.float({ min: 0, max: 2 ** 32 - 1, step: 1 }), dir: t.angle({ steps: 2 ** 32 }), one: t.enum(['x']) },
  wide: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`f${i}`, i % 2 === 0 ? t.uint(3) : t.bool()])),
};
/** Takes the fast path. */
const fast = defineSchema({ entities: kinds, input: {} });
/** The same kinds plus an unused one with a string field: takes the general path. */
const general = defineSchema({ entities: { ...kinds, note: { text: t.string({ maxBytes: 4 }) } }, input: {} });

/** One entity of the simulated world: its kind, real state, and per-field velocity. */
interface Body {
  readonly id: number;
  readonly kind: number;
  readonly state: Record<string, number | boolean | string>;
  readonly velocity: Record<string, number>;
}

/** The knobs of one random world. */
interface WorldParams {
  readonly seed: number;
  readonly count: number;
  readonly ticks: number;
  /** Chance per entity per tick of a jump (a large residual) in each moving field. */
  readonly jump: number;
  /** Chance per entity per tick that its discrete fields change. */
  readonly flip: number;
  /** Chance per tick that an entity is created or removed (a tick off the fast path). */
  readonly churn: number;
}

const paramsArb: fc.Arbitrary<WorldParams> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  count: fc.integer({ min: 1, max: 60 }),
  ticks: fc.integer({ min: 2, max: 25 }),
  jump: fc.constantFrom(0, 0.05, 0.5),
  flip: fc.constantFrom(0, 0.1, 1),
  churn: fc.constantFrom(0, 0.2),
});

function spawn(id: number, random: () => number): Body {
  const kind = Math.floor(random() * 3);
  const s = (n: number) => Math.floor(random() * n);
  if (kind === 0) {
    return {
      id,
      kind,
      state: { x: random() * 2000 - 1000, a: random() * 7, u32: s(2 ** 32), i8: s(256) - 128, on: true, mode: 'run' },
      velocity: { x: random() * 40 - 20, a: random() * 0.4 - 0.2 },
    };
  }
  if (kind === 1) {
    return {
      id,
      kind,
      state: { big: s(2 ** 32), dir: random() * 7, one: 'x' },
      velocity: { big: s(2 ** 20) - 2 ** 19, dir: random() * 2 - 1 },
    };
  }
  const state: Record<string, number | boolean> = {};
  for (let f = 0; f < 32; f++) state[`f${f}`] = f % 2 === 0 ? s(8) : random() < 0.5;
  return { id, kind, state, velocity: {} };
}

/** Advances one entity a tick: moves along its velocity, sometimes jumps, sometimes flips discrete fields. */
function advance(body: Body, p: WorldParams, random: () => number): void {
  for (const [field, v] of Object.entries(body.velocity)) {
    const jump = random() < p.jump ? (random() - 0.5) * (field === 'big' ? 2 ** 31 : 500) : 0;
    body.state[field] = (body.state[field] as number) + v + jump;
  }
  if (random() >= p.flip) return;
  if (body.kind === 0) {
    body.state.u32 = Math.floor(random() * 2 ** 32);
    body.state.on = random() < 0.5;
    body.state.mode = ['idle', 'run', 'jump'][Math.floor(random() * 3)]!;
  } else if (body.kind === 2) body.state[`f${Math.floor(random() * 32)}`] = Math.floor(random() * 8);
}

/** Runs one world through both schemas' encoders and decoders, comparing every decoded snapshot. */
function checkWorld(p: WorldParams): void {
  const random = seededRandom(p.seed);
  const bodies = new Map<number, Body>();
  let nextId = 0;
  for (let i = 0; i < p.count; i++) bodies.set(nextId, spawn(nextId++, random));
  const chains = [fast, general].map((schema) => ({
    schema,
    encoder: new SnapshotCodec(schema),
    decoder: new SnapshotCodec(schema),
    next: null as Snapshot | null,
    held: null as Snapshot | null,
  }));
  for (let tick = 1; tick <= p.ticks; tick++) {
    for (const body of bodies.values()) advance(body, p, random);
    if (random() < p.churn) bodies.set(nextId, spawn(nextId++, random));
    if (random() < p.churn && bodies.size > 1) bodies.delete([...bodies.keys()][Math.floor(random() * bodies.size)]!);
    const world: EntityInput[] = [...bodies.values()];
    const decoded = chains.map((c) => {
      const current = quantizeWorld(c.schema as Schema, tick, world);
      const { bytes, next } = c.encoder.encode(c.next, current);
      const result = c.decoder.decode(c.held, tick, bytes.slice());
      assert.ok(result.ok, result.ok ? '' : `tick ${tick}: ${result.reason}`);
      assertSame(result.value, next, `tick ${tick}: decoded against the encoder's copy`);
      assert.deepEqual([...result.value.values], [...current.values], `tick ${tick}: values`);
      c.next = next;
      c.held = result.value;
      return result.value;
    });
    assertSame(decoded[0]!, decoded[1]!, `tick ${tick}: fast path against the general row walk`);
  }
}

/** Asserts that every quantized value of `s` lies in its field's range. */
function assertInRange(s: Snapshot): void {
  for (let i = 0; i < s.count; i++) {
    const fields = fast.kinds[s.kinds[i]!]!.fields;
    for (let f = 0; f < fields.length; f++) {
      const q = s.values[i * s.stride + f]!;
      assert.ok(Number.isInteger(q) && q >= 0 && q < fields[f]!.range, `entity ${s.ids[i]} field ${f}: ${q}`);
    }
  }
}

function assertSame(a: Snapshot, b: Snapshot, context: string): void {
  assert.equal(a.tick, b.tick, context);
  assert.deepEqual([...a.ids], [...b.ids], `${context}: ids`);
  assert.deepEqual([...a.kinds], [...b.kinds], `${context}: kinds`);
  assert.deepEqual([...a.values], [...b.values], `${context}: values`);
  const zeros = (s: Snapshot) => s.motion ?? new Array<number>(s.count * s.stride).fill(0);
  assert.deepEqual([...zeros(a)], [...zeros(b)], `${context}: motion`);
}

describe('steady-delta fast path (property)', () => {
  it('decodes random worlds exactly as the general row walk and the encoder do', () => {
    fc.assert(
      fc.property(paramsArb, (p) => checkWorld(p)),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('rejects every truncation and every flipped bit it cannot trust, and never throws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 40 }), (seed, count) => {
        const random = seededRandom(seed);
        const bodies = Array.from({ length: count }, (_, id) => spawn(id, random));
        const p: WorldParams = { seed, count, ticks: 3, jump: 0.2, flip: 0.3, churn: 0 };
        const encoder = new SnapshotCodec(fast);
        const decoder = new SnapshotCodec(fast);
        const first = encoder.encode(null, quantizeWorld(fast, 1, bodies));
        const held1 = decoder.decode(null, 1, first.bytes.slice());
        assert.ok(held1.ok);
        for (const body of bodies) advance(body, p, random);
        const second = encoder.encode(first.next, quantizeWorld(fast, 2, bodies));
        const held2 = decoder.decode(held1.value, 2, second.bytes.slice());
        assert.ok(held2.ok);
        for (const body of bodies) advance(body, p, random);
        const body = encoder.encode(second.next, quantizeWorld(fast, 3, bodies)).bytes.slice();
        // Every strict prefix but the zero padding of the last byte is an error.
        for (let n = 0; n < body.length; n++) {
          const result = decoder.decode(held2.value, 3, body.subarray(0, n));
          assert.equal(result.ok, false, `a ${n}-byte prefix of ${body.length} decoded`);
        }
        // A flipped bit either fails or decodes to values within their fields' ranges; it never throws.
        for (let bit = 0; bit < body.length * 8; bit += 3) {
          const bad = body.slice();
          bad[bit >>> 3] = bad[bit >>> 3]! ^ (0x80 >>> (bit & 7));
          const result = decoder.decode(held2.value, 3, bad);
          if (result.ok) assertInRange(result.value);
        }
      }),
      { seed: SEED + 1, numRuns: 100 },
    );
  });
});
