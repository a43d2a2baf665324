/**
 * Fuzz tests of the client's grouped-body decoder (shared/wire/groupedBody.ts) on untrusted bytes: random
 * bytes, truncations, bit flips, splices and edits of a valid stream, wrong ticks, and hand-made
 * hostile bodies. GroupedDecoder.decode must never throw, must fail with a reason on bad input, and
 * must leave its held groups untouched when it fails: after every rejected body the next valid body
 * decodes to exactly what a decoder that never saw the bad one gives. Also the GroupSnapshot frame.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packr } from 'msgpackr';
import { BitWriter } from '../shared/wire/bits.ts';
import { CodecTables, HIST_BINS } from '../shared/wire/codecTables.ts';
import {
  GroupedDecoder,
  HELD_DROPPED,
  HELD_KEPT,
  HELD_UPDATED,
  MAX_GROUP_ID,
  MAX_HELD_GROUPS,
  writeAdded,
  writeHeldCode,
  writeOrders,
} from '../shared/wire/groupedBody.ts';
import {
  CloseCode,
  decodeServerMessage,
  defineSchema,
  encodeMessage,
  isValidQValue,
  MAX_ENTITY_ID,
  MAX_TICK_GAP,
  MsgKind,
  quantizedValue,
  quantizeWorld,
  seededRandom,
  t,
} from '../shared/index.ts';
import type { DecodeLimits, Decoded, EntityInput, Result, ServerMsg, Snapshot, SnapshotMsg } from '../shared/index.ts';
import { type EncodedChunk, SnapshotEncoder } from '../shared/wire/SnapshotEncoder.ts';
import { GroupTable } from '../server/interest/GroupTable.ts';
import { resolveInterest } from '../server/interest/interestOptions.ts';

/** Three kinds (2 kind bits, so index 3 is unknown): ships and rocks have a position, flags none. */
const schema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1000, step: 0.01 }),
      a: t.angle({ steps: 3600 }),
      hp: t.uint(8),
      team: t.enum(['red', 'green', 'blue']),
      name: t.string({ maxBytes: 6 }),
      alive: t.bool(),
    },
    rock: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1000, step: 0.01 }),
      r: t.int(12),
    },
    flag: { on: t.bool() },
  },
  input: {},
});
const SHIP = 0;
const ROCK = 1;
const FLAG = 2;
const tables = new CodecTables(schema);
const STRIDE = tables.stride;

// ---------------------------------------------------------------------------------------------
// A valid stream: one client of a real GroupTable, holding a changing subset of the groups.

/** One body of the stream, as the client receives it. */
interface Step {
  readonly tick: number;
  readonly baseTick: number;
  readonly body: Uint8Array;
}

const NAMES = ['', 'al', 'bö', '€', '😀', 'abcdef'];

function validStream(seed: number, ticks: number): Step[] {
  const rand = seededRandom(seed);
  const interest = resolveInterest(schema, {
    x: 'x',
    y: 'y',
    viewRadius: 500,
    cellSize: 250,
    groupCap: 4,
    budgetBytes: Infinity,
  });
  const table = new GroupTable(schema, interest.grid, interest.xField, interest.yField, interest.groupCap);
  const live = new Map<number, { kind: number; vx: number; vy: number; state: Record<string, unknown> }>();
  const spawn = (id: number): void => {
    const kind = id % 7 === 0 ? FLAG : id % 3 === 0 ? ROCK : SHIP;
    const state: Record<string, unknown> = {
      x: rand() * 1000,
      y: rand() * 1000,
      a: rand() * 7,
      hp: 100,
      team: 'red',
      name: NAMES[id % NAMES.length],
      alive: true,
      r: 0,
      on: false,
    };
    live.set(id, { kind, vx: (rand() - 0.5) * (rand() < 0.8 ? 8 : 400), vy: (rand() - 0.5) * 8, state });
  };
  for (let id = 0; id < 40; id++) if (rand() < 0.7) spawn(id);
  const steps: Step[] = [];
  let held: { group: (typeof table.rowGroup)[number]; tick: number; canon: boolean }[] = [];
  let lastTick = -1;
  for (let tick = 1; tick <= ticks; tick++) {
    for (const e of live.values()) {
      const s = e.state;
      s.x = ((((s.x as number) + e.vx) % 1000) + 1000) % 1000;
      s.y = ((((s.y as number) + e.vy) % 1000) + 1000) % 1000;
      s.a = (s.a as number) + 0.31;
      if (rand() < 0.1) s.hp = Math.floor(rand() * 256);
      if (rand() < 0.1) s.team = ['red', 'green', 'blue'][Math.floor(rand() * 3)];
      if (rand() < 0.05) s.name = NAMES[Math.floor(rand() * NAMES.length)];
      if (rand() < 0.1) s.alive = !s.alive;
      if (rand() < 0.2) s.r = Math.floor(rand() * 4096) - 2048;
      if (rand() < 0.2) s.on = !s.on;
    }
    if (rand() < 0.4) spawn(Math.floor(rand() * 60));
    if (rand() < 0.3) live.delete(Math.floor(rand() * 60));
    const world: EntityInput[] = [...live].map(([id, e]) => ({ id, kind: e.kind, state: e.state }));
    table.prepare(quantizeWorld(schema, tick, world), null);
    if (tick > 1 && rand() < 0.15) continue; // the client gets no body this tick
    const w = new BitWriter();
    writeOrders(w, table.tables, table.orders);
    const next: typeof held = [];
    const adds = new Set<(typeof held)[number]['group']>();
    for (const h of held) {
      const r = rand();
      const chunk = h.group.dead || r >= 0.75 ? null : table.chunk(h.group, h.tick, h.canon);
      if (chunk !== null) {
        writeHeldCode(w, HELD_UPDATED);
        w.append(chunk.bytes, chunk.bitLength);
        next.push({ group: h.group, tick, canon: tick - h.tick === 1 });
      } else if (!h.group.dead && r < 0.93) {
        writeHeldCode(w, HELD_KEPT);
        next.push(h);
      } else writeHeldCode(w, HELD_DROPPED);
    }
    const holding = new Set(next.map((h) => h.group));
    for (const g of new Set(table.rowGroup)) if (!holding.has(g) && rand() < (tick === 1 ? 0.8 : 0.3)) adds.add(g);
    const added = [...adds].sort((a, b) => a.id - b.id);
    writeAdded(
      w,
      added.map((g) => ({ id: g.id, chunk: table.chunk(g, -1, false)! })),
    );
    for (const g of added) next.push({ group: g, tick, canon: false });
    held = next.sort((a, b) => a.group.id - b.group.id);
    steps.push({ tick, baseTick: lastTick, body: w.finish().slice() });
    lastTick = tick;
  }
  return steps;
}

const STREAM = validStream(7, 60);

// ---------------------------------------------------------------------------------------------
// Checks.

interface DecoderInternals {
  readonly groups: readonly Snapshot[];
}

function groupsOf(d: GroupedDecoder): readonly Snapshot[] {
  return (d as unknown as DecoderInternals).groups;
}

/** What a decoder holds: its tick, group ids, and the group snapshots themselves (by reference). */
interface Held {
  readonly tick: number;
  readonly ids: number[];
  readonly groups: Snapshot[];
}

function heldBy(d: GroupedDecoder): Held {
  return { tick: d.tick, ids: d.heldGroups, groups: groupsOf(d).slice() };
}

function assertUnchanged(d: GroupedDecoder, before: Held, what: string): void {
  assert.equal(d.tick, before.tick, `${what}: tick changed by a failed decode`);
  assert.deepEqual(d.heldGroups, before.ids, `${what}: held groups changed by a failed decode`);
  const groups = groupsOf(d);
  assert.equal(groups.length, before.groups.length, what);
  for (let i = 0; i < groups.length; i++)
    assert.equal(groups[i], before.groups[i], `${what}: group ${before.ids[i]} replaced by a failed decode`);
}

/** Asserts a snapshot is well formed: ascending ids in range, known kinds, valid values. */
function assertValidSnapshot(s: Snapshot, tick: number, what: string): void {
  assert.equal(s.tick, tick, what);
  assert.equal(s.ids.length, s.count, what);
  assert.equal(s.kinds.length, s.count, what);
  assert.equal(s.values.length, s.count * s.stride, what);
  for (let i = 0; i < s.count; i++) {
    const id = s.ids[i]!;
    assert.ok(Number.isInteger(id) && id >= 0 && id <= MAX_ENTITY_ID, `${what}: id ${id}`);
    if (i > 0) assert.ok(id > s.ids[i - 1]!, `${what}: ids ascend, no entity twice`);
    const kind = schema.kinds[s.kinds[i]!];
    assert.ok(kind !== undefined, `${what}: kind ${s.kinds[i]}`);
    for (const f of kind.fields)
      assert.ok(isValidQValue(f, quantizedValue(schema, s, i, f.index)), `${what}: entity ${id} field ${f.name}`);
  }
}

/** Asserts what a decoder holds after a successful decode is well formed. */
function assertValidHeld(d: GroupedDecoder, what: string): void {
  const ids = d.heldGroups;
  const groups = groupsOf(d);
  assert.equal(groups.length, ids.length, what);
  for (let i = 0; i < ids.length; i++) {
    assert.ok(Number.isInteger(ids[i]) && ids[i]! >= 0 && ids[i]! <= MAX_GROUP_ID, `${what}: group id ${ids[i]}`);
    if (i > 0) assert.ok(ids[i]! > ids[i - 1]!, `${what}: held group ids ascend, none twice`);
    assert.ok(groups[i]!.tick <= d.tick, what);
    assertValidSnapshot(groups[i]!, groups[i]!.tick, `${what}: group ${ids[i]}`);
  }
}

/** A snapshot as plain data, for comparing two decoders' outputs. */
function plain(s: Snapshot): unknown {
  return {
    tick: s.tick,
    count: s.count,
    ids: [...s.ids],
    kinds: [...s.kinds],
    values: [...s.values],
    motion: s.motion === null ? null : [...s.motion],
    texts: s.texts === null ? null : Array.from(s.texts, (x) => x ?? ''),
  };
}

function decodeSafely(
  d: GroupedDecoder,
  tick: number,
  baseTick: number,
  body: Uint8Array,
  limits: DecodeLimits | undefined,
  what: string,
): Result<Snapshot> {
  try {
    return d.decode(tick, baseTick, body, limits);
  } catch (err) {
    assert.fail(
      `decode threw on ${what} (tick ${tick}, base ${baseTick}) ` +
        `[${[...body.subarray(0, 32)].join(',')}${body.length > 32 ? ',…' : ''}]: ${String(err)}`,
    );
  }
}

/**
 * Walks the valid stream with two decoders: `dec` gets bad bodies between the valid ones, `ref`
 * never does. A rejected body must leave `dec` unchanged; one accepted (a mutation can be valid) must
 * be well formed, and `dec` is then rebuilt by replaying the stream. Each valid body must give both
 * decoders the same result.
 */
class Harness {
  readonly dec = new GroupedDecoder(schema);
  private readonly ref = new GroupedDecoder(schema);
  /** Valid bodies applied so far. */
  at = 0;
  rejected = 0;
  accepted = 0;

  constructor(readonly steps: readonly Step[]) {}

  /** The next valid body. */
  get next(): Step {
    return this.steps[this.at]!;
  }

  /** Offers a bad (or maybe valid) body to `dec`; returns the result. */
  tryBad(tick: number, baseTick: number, body: Uint8Array, what: string, limits?: DecodeLimits): Result<Snapshot> {
    const before = heldBy(this.dec);
    const result = decodeSafely(this.dec, tick, baseTick, body, limits, what);
    if (result.ok) {
      this.accepted++;
      assertValidSnapshot(result.value, tick, what);
      assertValidHeld(this.dec, what);
      this.dec.reset();
      for (let k = 0; k < this.at; k++) {
        const s = this.steps[k]!;
        assert.ok(this.dec.decode(s.tick, s.baseTick, s.body).ok, `replaying valid body ${k}`);
      }
    } else {
      this.rejected++;
      assert.ok(typeof result.reason === 'string' && result.reason.length > 0, `${what}: a failure has a reason`);
      assertUnchanged(this.dec, before, what);
    }
    return result;
  }

  /** Applies the next valid body to both decoders and compares them. */
  advance(): void {
    const s = this.next;
    const a = this.dec.decode(s.tick, s.baseTick, s.body);
    const b = this.ref.decode(s.tick, s.baseTick, s.body);
    assert.ok(b.ok, `valid body ${this.at}: ${b.ok ? '' : b.reason}`);
    assert.ok(a.ok, `valid body ${this.at} after bad ones: ${a.ok ? '' : a.reason}`);
    assert.deepEqual(
      plain(a.value),
      plain(b.value),
      `valid body ${this.at}: same snapshot as a decoder that saw no bad body`,
    );
    assert.deepEqual(this.dec.heldGroups, this.ref.heldGroups, `valid body ${this.at}: same groups`);
    assert.deepEqual(
      groupsOf(this.dec).map(plain),
      groupsOf(this.ref).map(plain),
      `valid body ${this.at}: same group states`,
    );
    this.at++;
  }

  /** Runs `bad` before every valid body of the stream. */
  run(bad: (step: Step, index: number) => void): void {
    while (this.at < this.steps.length) {
      bad(this.next, this.at);
      this.advance();
    }
  }
}

function assertRejected(result: Result<Snapshot>, reason: RegExp): void {
  assert.equal(result.ok, false, 'decoded a hostile body');
  if (!result.ok) assert.match(result.reason, reason);
}

// ---------------------------------------------------------------------------------------------
// Hand-made bodies.

const ORDERS = new Uint8Array(tables.kindCount * STRIDE).fill(3);
const encoder = new SnapshotEncoder(tables);
const hist = new Float64Array(ORDERS.length * HIST_BINS);

/** A chunk of `current` against `baseline` (null: all creates), with ORDERS. */
function chunkOf(baseline: Snapshot | null, current: Snapshot): EncodedChunk {
  return encoder.encodeGroup(baseline, current, ORDERS, hist);
}

/** A group of rocks `ids` at `tick`, every rock's r set to `r`. */
function rocks(tick: number, ids: readonly number[], r = 0): Snapshot {
  return quantizeWorld(
    schema,
    tick,
    ids.map((id) => ({ id, kind: ROCK, state: { x: id, y: 1, r } })),
  );
}

type HeldPart =
  | { readonly what: typeof HELD_KEPT | typeof HELD_DROPPED }
  | { readonly what: typeof HELD_UPDATED; readonly chunk: EncodedChunk };

/** A grouped body: ORDERS, the held groups' codes and chunks, and added groups by id gap. */
function groupedBody(
  held: readonly HeldPart[],
  added: readonly { readonly gap: number; readonly chunk: EncodedChunk }[],
  count = added.length,
): Uint8Array {
  const w = new BitWriter();
  writeOrders(w, tables, ORDERS);
  for (const h of held) {
    writeHeldCode(w, h.what);
    if (h.what === HELD_UPDATED) w.append(h.chunk.bytes, h.chunk.bitLength);
  }
  w.expGolomb(count, 0);
  for (const a of added) {
    w.expGolomb(a.gap, 0);
    w.append(a.chunk.bytes, a.chunk.bitLength);
  }
  return w.finish().slice();
}

const KEPT: HeldPart = { what: HELD_KEPT };
const DROPPED: HeldPart = { what: HELD_DROPPED };

/** Decodes, failing the test if it throws, and (for a failure) checks nothing changed. */
function attempt(
  d: GroupedDecoder,
  tick: number,
  baseTick: number,
  body: Uint8Array,
  limits?: DecodeLimits,
): Result<Snapshot> {
  const before = heldBy(d);
  const result = decodeSafely(d, tick, baseTick, body, limits, 'a hand-made body');
  if (!result.ok) assertUnchanged(d, before, `rejected hand-made body (${result.reason})`);
  else assertValidHeld(d, 'hand-made body');
  return result;
}

function value<T>(result: Result<T>): T {
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.value;
}

// ---------------------------------------------------------------------------------------------

describe('GroupedDecoder.decode on untrusted bytes (fuzz)', () => {
  it('decodes the valid stream (the fuzz starts from real bodies)', () => {
    assert.ok(STREAM.length >= 45, `${STREAM.length} bodies`);
    const d = new GroupedDecoder(schema);
    let kept = 0;
    let maxHeld = 0;
    for (const s of STREAM) {
      const before = d.heldGroups;
      const result = value(d.decode(s.tick, s.baseTick, s.body));
      assertValidSnapshot(result, s.tick, `tick ${s.tick}`);
      assertValidHeld(d, `tick ${s.tick}`);
      kept += groupsOf(d).filter((g, i) => g.tick < s.tick && before.includes(d.heldGroups[i]!)).length;
      maxHeld = Math.max(maxHeld, d.heldGroups.length);
    }
    assert.ok(kept > 10 && maxHeld > 5, `kept ${kept}, most held ${maxHeld}`);
    assert.ok(
      STREAM.some((s) => s.tick - s.baseTick > 1),
      'some bodies follow skipped ticks',
    );
  });

  it('never throws on random bytes, and a rejected body changes nothing', () => {
    const rand = seededRandom(1);
    const h = new Harness(STREAM);
    h.run((step, index) => {
      for (let n = 0; n < 60; n++) {
        const length = n < 12 ? n : Math.floor(rand() * (n % 10 === 0 ? 2048 : 64));
        const bytes = Uint8Array.from({ length }, () => Math.floor(rand() * 256));
        const fresh = n % 3 === 0;
        h.tryBad(step.tick, fresh ? -1 : step.baseTick, bytes, `random bytes before body ${index}`);
      }
    });
    assert.ok(h.rejected > 2000, `rejected ${h.rejected}`);
  });

  it('rejects every truncation of every valid body, changing nothing', () => {
    const h = new Harness(STREAM);
    h.run((step, index) => {
      for (let length = 0; length < step.body.length; length++) {
        const result = h.tryBad(
          step.tick,
          step.baseTick,
          step.body.subarray(0, length),
          `a ${length}-byte prefix of body ${index}`,
        );
        assert.equal(result.ok, false, `a ${length}-byte prefix of the ${step.body.length}-byte body ${index} decoded`);
      }
    });
    assert.ok(h.rejected > 1000, `rejected ${h.rejected}`);
  });

  it('gives a failure (changing nothing) or a well-formed snapshot for bit flips of valid bodies', () => {
    const rand = seededRandom(2);
    const h = new Harness(STREAM);
    h.run((step, index) => {
      const bits = step.body.length * 8;
      // Every bit of a few bodies, random bits of the others.
      const all = index === 3 || index === 33;
      for (let n = 0; n < (all ? bits : 30); n++) {
        const bit = all ? n : Math.floor(rand() * bits);
        const bytes = step.body.slice();
        bytes[bit >>> 3]! ^= 0x80 >>> (bit & 7);
        if (!all && rand() < 0.3) {
          const other = Math.floor(rand() * bits);
          bytes[other >>> 3]! ^= 0x80 >>> (other & 7);
        }
        h.tryBad(step.tick, step.baseTick, bytes, `bit ${bit} of body ${index} flipped`);
      }
    });
    assert.ok(h.rejected > 500 && h.accepted > 0, `rejected ${h.rejected}, accepted ${h.accepted}`);
  });

  it('gives a failure (changing nothing) or a well-formed snapshot for splices and byte edits', () => {
    const rand = seededRandom(3);
    const h = new Harness(STREAM);
    h.run((step, index) => {
      for (let n = 0; n < 40; n++) {
        let bytes = [...step.body];
        if (n % 2 === 0) {
          // Splice: a prefix of this body and a suffix of another (or the same) valid body, at any bit.
          const other = STREAM[Math.floor(rand() * STREAM.length)]!.body;
          const cut = Math.floor(rand() * (bytes.length * 8 + 1));
          const from = Math.floor(rand() * (other.length * 8 + 1));
          const w = new BitWriter();
          const src = step.body;
          for (let b = 0; b < cut; b++) w.bit(((src[b >>> 3]! >>> (7 - (b & 7))) & 1) === 1);
          for (let b = from; b < other.length * 8; b++) w.bit(((other[b >>> 3]! >>> (7 - (b & 7))) & 1) === 1);
          bytes = [...w.finish()];
        } else {
          for (let e = 1 + Math.floor(rand() * 4); e > 0; e--) {
            const at = Math.floor(rand() * (bytes.length + 1));
            const op = rand();
            if (op < 0.5 && at < bytes.length) bytes[at] = Math.floor(rand() * 256);
            else if (op < 0.75) bytes.splice(at, 0, Math.floor(rand() * 256));
            else bytes.splice(at, 1);
          }
        }
        h.tryBad(step.tick, step.baseTick, Uint8Array.from(bytes), `an edit of body ${index}`);
      }
    });
    assert.ok(h.rejected > 1000, `rejected ${h.rejected}`);
  });

  it('rejects a body against another tick than the one held, or not after its base', () => {
    const rand = seededRandom(4);
    const h = new Harness(STREAM);
    h.run((step, index) => {
      const what = `body ${index}`;
      if (step.baseTick >= 0) {
        assertRejected(
          h.tryBad(step.tick, step.baseTick - 1, step.body, what),
          /against tick .* but the client holds tick/,
        );
        assertRejected(
          h.tryBad(step.tick, step.baseTick + 1 + Math.floor(rand() * 3), step.body, what),
          /but the client holds tick/,
        );
        assertRejected(h.tryBad(step.baseTick, step.baseTick, step.body, what), /is not after/);
        assertRejected(h.tryBad(step.baseTick - 1, step.baseTick, step.body, what), /is not after/);
        assertRejected(h.tryBad(Number.NaN, step.baseTick, step.body, what), /is not after/);
        // A held group updated from more than 2^20 ticks back.
        const far = h.tryBad(step.tick + MAX_TICK_GAP, step.baseTick, step.body, what);
        if (!far.ok) assert.match(far.reason, /not 1 to 2\^20|truncated|match/);
        // The same body as if the client held nothing: its held codes are read as the added section.
        h.tryBad(step.tick, -1, step.body, `${what} without its base`);
      } else {
        const other = STREAM[1 + Math.floor(rand() * (STREAM.length - 1))]!;
        assertRejected(h.tryBad(other.tick, other.baseTick, step.body, what), /but the client holds tick/);
        assertRejected(h.tryBad(step.tick, step.tick, step.body, what), /but the client holds tick|is not after/);
      }
    });
    assert.ok(h.rejected > 200, `rejected ${h.rejected}`);
  });

  it('rejects a delta body for a decoder that holds nothing', () => {
    for (const s of STREAM.slice(1)) {
      const d = new GroupedDecoder(schema);
      assertRejected(attempt(d, s.tick, s.baseTick, s.body), /against tick \d+, but the client holds tick -1/);
      assert.equal(d.tick, -1);
    }
  });
});

describe('GroupedDecoder.decode on hostile bodies', () => {
  it('rejects huge and impossible added-group counts without allocating them', () => {
    const d = new GroupedDecoder(schema);
    assertRejected(attempt(d, 1, -1, groupedBody([], [], 2 ** 31)), /added group count 2147483648 is impossible/);
    assertRejected(attempt(d, 1, -1, groupedBody([], [], 3)), /added group count 3 is impossible|truncated/);
    const empty = chunkOf(null, rocks(1, []));
    assertRejected(attempt(d, 1, -1, groupedBody([], [{ gap: 0, chunk: empty }], 2)), /truncated|impossible/);
    // More than MAX_HELD_GROUPS with enough bits to be believable: rejected before any group is read.
    const w = new BitWriter();
    writeOrders(w, tables, ORDERS);
    w.expGolomb(MAX_HELD_GROUPS + 1, 0);
    for (let i = 0; i <= MAX_HELD_GROUPS; i++) w.bits(0b1111, 4);
    assertRejected(attempt(d, 1, -1, w.finish().slice()), /added group count 65537 is impossible/);
    assert.equal(d.tick, -1);
  });

  it('holds up to MAX_HELD_GROUPS groups and rejects one more', () => {
    const d = new GroupedDecoder(schema);
    const empty = chunkOf(null, rocks(1, []));
    const many = Array.from({ length: MAX_HELD_GROUPS }, () => ({ gap: 0, chunk: empty }));
    value(attempt(d, 1, -1, groupedBody([], many)));
    assert.equal(d.heldGroups.length, MAX_HELD_GROUPS);
    assert.equal(d.heldGroups[MAX_HELD_GROUPS - 1], MAX_HELD_GROUPS - 1);
    const keepAll = new Array<HeldPart>(MAX_HELD_GROUPS).fill(KEPT);
    assertRejected(
      attempt(d, 2, 1, groupedBody(keepAll, [{ gap: MAX_HELD_GROUPS, chunk: empty }])),
      /added group count 1 is impossible/,
    );
    const dropOne = [...keepAll];
    dropOne[5] = DROPPED;
    value(attempt(d, 2, 1, groupedBody(dropOne, [{ gap: MAX_HELD_GROUPS, chunk: empty }])));
    assert.equal(d.heldGroups.length, MAX_HELD_GROUPS);
    assert.equal(d.heldGroups.includes(5), false);
    assert.equal(d.heldGroups[MAX_HELD_GROUPS - 1], MAX_HELD_GROUPS);
  });

  it('merges a body of very many small groups, entities interleaved across them', () => {
    // 16,384 groups of two rocks each, ids interleaved (group g holds g and N + g), then a group of
    // the next tick holding every 7th of the first N again. (Merging once scanned every group for
    // every row: this body took seconds, and one of MAX_HELD_GROUPS groups most of a minute.)
    const N = 16_384;
    const d = new GroupedDecoder(schema);
    const groups = Array.from({ length: N }, (_, g) => ({ gap: 0, chunk: chunkOf(null, rocks(1, [g, N + g], g % 5)) }));
    const first = value(attempt(d, 1, -1, groupedBody([], groups)));
    assert.equal(first.count, 2 * N);
    for (let i = 0; i < 2 * N; i++) {
      assert.equal(first.ids[i], i, `row ${i}`);
      assert.equal(first.values[i * STRIDE + 2], ((i % N) % 5) + 2048, `entity ${i}`);
    }
    const again = Array.from({ length: Math.ceil(N / 7) }, (_, i) => 7 * i);
    const second = value(
      attempt(
        d,
        2,
        1,
        groupedBody(new Array<HeldPart>(N).fill(KEPT), [{ gap: N, chunk: chunkOf(null, rocks(2, again, 99)) }]),
      ),
    );
    assert.equal(second.count, 2 * N, 'entities held twice show once');
    for (let i = 0; i < 2 * N; i++) {
      assert.equal(second.ids[i], i, `row ${i}`);
      assert.equal(
        second.values[i * STRIDE + 2],
        (i < N && i % 7 === 0 ? 99 : (i % N) % 5) + 2048,
        `entity ${i}: the newer copy`,
      );
    }
  });

  it('reads added ids as ascending gaps, so ids never repeat or go back, and rejects ids past MAX_GROUP_ID', () => {
    const d = new GroupedDecoder(schema);
    const empty = chunkOf(null, rocks(1, []));
    value(
      attempt(
        d,
        1,
        -1,
        groupedBody(
          [],
          [
            { gap: 4, chunk: empty },
            { gap: 0, chunk: empty },
            { gap: 0, chunk: empty },
            { gap: 9, chunk: empty },
          ],
        ),
      ),
    );
    assert.deepEqual(d.heldGroups, [4, 5, 6, 16]);
    value(attempt(d, 2, -1, groupedBody([], [{ gap: MAX_GROUP_ID, chunk: empty }])));
    assert.deepEqual(d.heldGroups, [MAX_GROUP_ID]);
    assertRejected(
      attempt(
        d,
        3,
        -1,
        groupedBody(
          [],
          [
            { gap: MAX_GROUP_ID, chunk: empty },
            { gap: 0, chunk: empty },
          ],
        ),
      ),
      /added group id out of range/,
    );
    assertRejected(
      attempt(d, 3, -1, groupedBody([], [{ gap: MAX_GROUP_ID + 1, chunk: empty }])),
      /added group id out of range/,
    );
    assertRejected(
      attempt(d, 3, -1, groupedBody([], [{ gap: 2 ** 33, chunk: empty }])),
      /out of range or truncated|impossible/,
    );
    assert.deepEqual(d.heldGroups, [MAX_GROUP_ID]);
  });

  it('rejects an added group that is already held, but takes one dropped and added again', () => {
    const d = new GroupedDecoder(schema);
    value(
      attempt(
        d,
        1,
        -1,
        groupedBody(
          [],
          [
            { gap: 3, chunk: chunkOf(null, rocks(1, [1, 2])) },
            { gap: 4, chunk: chunkOf(null, rocks(1, [10])) },
          ],
        ),
      ),
    );
    assert.deepEqual(d.heldGroups, [3, 8]);
    const fresh = chunkOf(null, rocks(2, [20]));
    assertRejected(
      attempt(d, 2, 1, groupedBody([KEPT, KEPT], [{ gap: 3, chunk: fresh }])),
      /added group 3 is already held/,
    );
    assertRejected(
      attempt(d, 2, 1, groupedBody([KEPT, KEPT], [{ gap: 8, chunk: fresh }])),
      /added group 8 is already held/,
    );
    assertRejected(
      attempt(
        d,
        2,
        1,
        groupedBody(
          [{ what: HELD_UPDATED, chunk: chunkOf(rocks(1, [1, 2]), rocks(2, [1])) }, KEPT],
          [{ gap: 3, chunk: fresh }],
        ),
      ),
      /added group 3 is already held/,
    );
    // Between the two held groups: taken, and held in id order.
    const between = value(attempt(d, 2, 1, groupedBody([KEPT, KEPT], [{ gap: 5, chunk: fresh }])));
    assert.deepEqual(d.heldGroups, [3, 5, 8]);
    assert.deepEqual([...between.ids], [1, 2, 10, 20]);
    // Group 3 dropped and sent afresh in the same body (its state was too old): it is replaced.
    const again = value(
      attempt(d, 3, 2, groupedBody([DROPPED, KEPT, KEPT], [{ gap: 3, chunk: chunkOf(null, rocks(3, [2, 4], 9)) }])),
    );
    assert.deepEqual(d.heldGroups, [3, 5, 8]);
    assert.deepEqual([...again.ids], [2, 4, 10, 20]);
    assert.equal(again.values[0 * STRIDE + 2], 9 + 2048);
  });

  it('rejects an entity in two groups of the same tick, and takes the newer copy from groups of two ticks', () => {
    const d = new GroupedDecoder(schema);
    assertRejected(
      attempt(
        d,
        1,
        -1,
        groupedBody(
          [],
          [
            { gap: 0, chunk: chunkOf(null, rocks(1, [5])) },
            { gap: 0, chunk: chunkOf(null, rocks(1, [4, 5, 6])) },
          ],
        ),
      ),
      /an entity is in two groups of the same tick/,
    );
    value(
      attempt(
        d,
        1,
        -1,
        groupedBody(
          [],
          [
            { gap: 0, chunk: chunkOf(null, rocks(1, [4, 5], 1)) },
            { gap: 0, chunk: chunkOf(null, rocks(1, [6], 1)) },
          ],
        ),
      ),
    );
    assert.deepEqual(d.heldGroups, [0, 1]);
    // Group 0 updated with entity 5 still in it, and an added group holding 5 too: the same tick.
    const update0 = { what: HELD_UPDATED, chunk: chunkOf(rocks(1, [4, 5], 1), rocks(2, [4, 5], 2)) } as const;
    assertRejected(
      attempt(d, 2, 1, groupedBody([update0, KEPT], [{ gap: 7, chunk: chunkOf(null, rocks(2, [5], 3)) }])),
      /two groups of the same tick/,
    );
    // Group 1 updated to hold entity 5, group 0 (holding 5 at tick 1) kept: the newer copy wins.
    const moved = value(
      attempt(
        d,
        2,
        1,
        groupedBody([KEPT, { what: HELD_UPDATED, chunk: chunkOf(rocks(1, [6], 1), rocks(2, [5, 6], 3)) }], []),
      ),
    );
    assert.deepEqual([...moved.ids], [4, 5, 6]);
    assert.deepEqual(
      [moved.values[0 * STRIDE + 2], moved.values[1 * STRIDE + 2], moved.values[2 * STRIDE + 2]],
      [2049, 2051, 2051],
    );
    // And an added group of tick 3 holding 5 while group 1 (tick 2) is kept: again the newer copy.
    const third = value(
      attempt(d, 3, 2, groupedBody([KEPT, KEPT], [{ gap: 2, chunk: chunkOf(null, rocks(3, [5], 7)) }])),
    );
    assert.deepEqual([...third.ids], [4, 5, 6]);
    assert.equal(third.values[1 * STRIDE + 2], 2055);
  });

  it('bounds the entities of each chunk and of all groups together by maxEntities', () => {
    const d = new GroupedDecoder(schema);
    const three = chunkOf(null, rocks(1, [1, 2, 3]));
    const two = chunkOf(null, rocks(1, [7, 8]));
    assertRejected(
      attempt(d, 1, -1, groupedBody([], [{ gap: 0, chunk: three }]), { maxEntities: 2 }),
      /added group 0: created count 3 is impossible/,
    );
    assertRejected(
      attempt(
        d,
        1,
        -1,
        groupedBody(
          [],
          [
            { gap: 0, chunk: three },
            { gap: 0, chunk: two },
          ],
        ),
        { maxEntities: 4 },
      ),
      /the groups hold 5 entities, more than 4/,
    );
    value(
      attempt(
        d,
        1,
        -1,
        groupedBody(
          [],
          [
            { gap: 0, chunk: three },
            { gap: 0, chunk: two },
          ],
        ),
        { maxEntities: 5 },
      ),
    );
    // Kept groups count too.
    const one = chunkOf(null, rocks(2, [9]));
    assertRejected(
      attempt(d, 2, 1, groupedBody([KEPT, KEPT], [{ gap: 2, chunk: one }]), { maxEntities: 5 }),
      /the groups hold 6 entities, more than 5/,
    );
    value(attempt(d, 2, 1, groupedBody([KEPT, DROPPED], [{ gap: 2, chunk: one }]), { maxEntities: 4 }));
    assertRejected(
      attempt(
        d,
        3,
        2,
        groupedBody([{ what: HELD_UPDATED, chunk: chunkOf(rocks(1, [1, 2, 3]), rocks(3, [1, 2, 3, 4])) }, KEPT], []),
        { maxEntities: 3 },
      ),
      /group 0: created count 1 is impossible/,
    );
    value(attempt(d, 3, 2, groupedBody([DROPPED, DROPPED], []), { maxEntities: 0 }));
    assert.deepEqual(d.heldGroups, []);
  });

  it('rejects trailing bytes, non-zero padding, a missing held code and an empty body', () => {
    const d = new GroupedDecoder(schema);
    const valid = groupedBody([], [{ gap: 1, chunk: chunkOf(null, rocks(1, [3])) }]);
    assertRejected(attempt(d, 1, -1, Uint8Array.from([...valid, 0])), /body length does not match/);
    const bits = new BitWriter();
    writeOrders(bits, tables, ORDERS);
    bits.expGolomb(0, 0);
    const pad = 8 - (bits.bitLength % 8);
    assert.ok(pad > 0 && pad < 8, 'the empty body has padding to spoil');
    const emptyBody = bits.finish().slice();
    const spoiled = emptyBody.slice();
    spoiled[spoiled.length - 1]! |= 1;
    assertRejected(attempt(d, 1, -1, spoiled), /body length does not match/);
    assertRejected(attempt(d, 1, -1, new Uint8Array(0)), /./);
    value(attempt(d, 1, -1, valid));
    // The client holds one group: a body without its held code reads the added count as that code.
    assertRejected(attempt(d, 2, 1, emptyBody), /./);
    assert.deepEqual(d.heldGroups, [1]);
    value(attempt(d, 2, 1, groupedBody([DROPPED], [])));
    assert.deepEqual(d.heldGroups, []);
    assert.equal(d.tick, 2);
  });
});

describe('GroupSnapshot frames (protocol)', () => {
  const raw = new Packr({ useRecords: false, variableMapSize: true });
  const pack = (v: unknown): Uint8Array => raw.pack(v);

  function assertCode<T>(result: Decoded<T>, code: number, reason?: RegExp): void {
    assert.equal(result.ok, false, 'decoded a bad frame');
    if (result.ok) return;
    assert.equal(result.error.code, code, `close code for "${result.error.reason}"`);
    if (reason !== undefined) assert.match(result.error.reason, reason);
  }

  it('round-trips GroupSnapshot messages, and the body decodes as sent', () => {
    const messages: SnapshotMsg[] = [
      { kind: MsgKind.GroupSnapshot, tick: 5, baseTick: -1, lastInputSeq: -1, body: STREAM[0]!.body },
      { kind: MsgKind.GroupSnapshot, tick: 2 ** 40, baseTick: 2 ** 40 - 1, lastInputSeq: 77, body: new Uint8Array(0) },
      {
        kind: MsgKind.GroupSnapshot,
        tick: 9,
        baseTick: 8,
        lastInputSeq: 2 ** 31 - 1,
        body: new Uint8Array(70_000).fill(7),
      },
    ];
    for (const msg of messages) {
      const decoded = decodeServerMessage(encodeMessage(msg));
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.reason);
      const v = decoded.value;
      assert.equal(v.kind, MsgKind.GroupSnapshot);
      if (v.kind !== MsgKind.GroupSnapshot) continue;
      assert.deepEqual(
        { tick: v.tick, baseTick: v.baseTick, lastInputSeq: v.lastInputSeq },
        { tick: msg.tick, baseTick: msg.baseTick, lastInputSeq: msg.lastInputSeq },
      );
      assert.deepEqual([...v.body], [...msg.body]);
    }
    // A whole stream through frames, as a client gets it.
    const d = new GroupedDecoder(schema);
    for (const s of STREAM) {
      const decoded = decodeServerMessage(
        encodeMessage({
          kind: MsgKind.GroupSnapshot,
          tick: s.tick,
          baseTick: s.baseTick,
          lastInputSeq: 3,
          body: s.body,
        }),
      );
      assert.ok(decoded.ok && decoded.value.kind === MsgKind.GroupSnapshot, `frame of tick ${s.tick}`);
      const m = decoded.value;
      if (m.kind !== MsgKind.GroupSnapshot) continue;
      value(d.decode(m.tick, m.baseTick, m.body));
    }
    assert.equal(d.tick, STREAM[STREAM.length - 1]!.tick);
  });

  it('rejects malformed GroupSnapshot frames', () => {
    const G = MsgKind.GroupSnapshot;
    const body = Uint8Array.of(1);
    assertCode(decodeServerMessage(pack([G, 1, -1, -1])), CloseCode.Malformed, /bad Snapshot/);
    assertCode(decodeServerMessage(pack([G, 1, -1, -1, body, 0])), CloseCode.Malformed, /bad Snapshot/);
    assertCode(decodeServerMessage(pack([G, 1, -1, -1, 'body'])), CloseCode.Malformed, /bad Snapshot/);
    assertCode(decodeServerMessage(pack([G, 1, -1, -1, [1, 2]])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 1, -1, -1, null])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 1, -2, -1, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 1, 0, -3, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, -1, 0, 0, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 1.5, 0, 0, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 2, 0.5, 0, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 2 ** 60, 0, 0, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, '1', 0, 0, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 1, null, 0, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G, 1, 0, Number.NaN, body])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([G])), CloseCode.Malformed);
    const ok = decodeServerMessage(pack([G, 1, -1, -1, body]));
    assert.ok(ok.ok && ok.value.kind === G, 'the same frame, well formed, decodes');
  });

  it('never throws on random and mutated frames', () => {
    const rand = seededRandom(5);
    const frames = STREAM.slice(0, 10).map((s) =>
      encodeMessage({ kind: MsgKind.GroupSnapshot, tick: s.tick, baseTick: s.baseTick, lastInputSeq: 1, body: s.body }),
    );
    for (let n = 0; n < 2000; n++) {
      const bytes = [...frames[n % frames.length]!];
      for (let e = 1 + Math.floor(rand() * 3); e > 0; e--) {
        const at = Math.floor(rand() * Math.min(bytes.length, n % 2 === 0 ? 12 : bytes.length));
        if (rand() < 0.7) bytes[at] = Math.floor(rand() * 256);
        else bytes.splice(at, 1);
      }
      let decoded: Decoded<ServerMsg>;
      try {
        decoded = decodeServerMessage(Uint8Array.from(bytes));
      } catch (err) {
        assert.fail(`decodeServerMessage threw: ${String(err)}`);
      }
      if (decoded.ok && decoded.value.kind === MsgKind.GroupSnapshot) {
        const m = decoded.value;
        const header = `tick ${m.tick}, base ${m.baseTick}, seq ${m.lastInputSeq}`;
        assert.ok(
          Number.isSafeInteger(m.tick) &&
            m.tick >= 0 &&
            Number.isSafeInteger(m.baseTick) &&
            m.baseTick >= -1 &&
            Number.isSafeInteger(m.lastInputSeq) &&
            m.lastInputSeq >= -1,
          header,
        );
        assert.ok(m.body instanceof Uint8Array, `${header}: the body is bytes`);
        const d = new GroupedDecoder(schema);
        const r = decodeSafely(d, m.tick, m.baseTick, m.body, undefined, 'a mutated frame');
        if (r.ok) assertValidSnapshot(r.value, m.tick, 'a mutated frame');
      } else if (!decoded.ok) assert.ok(decoded.error.reason.length > 0, 'a rejected frame has a reason');
    }
  });
});
