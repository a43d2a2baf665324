/*
 * Column recycling on the client (shared/wire/SnapshotRecycler.ts): a steady delta is decoded into the
 * value and motion columns of a snapshot that left the client's buffer without being handed out. The
 * property test streams random worlds (moves, jumps, creates and removes, missed snapshots, resyncs from
 * a full snapshot) through the encoder and a client's decoder and buffer with recycling on, and checks
 * every decoded snapshot against the server's quantized world, every held one against its copy at
 * decode time, and every handed-out one, many ticks later, against its copy at hand-out. The client
 * tests do the same through the real client and server: what a listener or `latestSnapshot` handed out
 * never changes afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SnapshotBuffer, TickwaveClient } from '../client/index.ts';
import { defineSchema, quantizeWorld, seededRandom, SnapshotCodec, SnapshotRecycler, t } from '../shared/index.ts';
import type { EntityInput, Snapshot } from '../shared/index.ts';
import { defineRoom, MemoryTransport, Server } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';

const SEED = 2323;

/** No string fields (they keep a snapshot off the recycled fast path); kinds of 5 and 2 fields. */
const schema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1000, step: 0.01 }),
      aim: t.angle({ steps: 3600 }),
      hp: t.uint(8),
      mode: t.enum(['idle', 'fly', 'dock']),
    },
    rock: { x: t.float({ min: 0, max: 1000, step: 0.01 }), spin: t.angle({ steps: 256 }) },
  },
  input: {},
});

/** An immutable deep copy of a snapshot's columns, to compare it with later. */
function copyOf(s: Snapshot): Snapshot {
  return { ...s, ids: [...s.ids], kinds: [...s.kinds], values: [...s.values], motion: s.motion && [...s.motion] };
}

function assertSame(a: Snapshot, b: Snapshot, context: string): void {
  assert.equal(a.tick, b.tick, context);
  assert.equal(a.count, b.count, `${context}: count`);
  assert.deepEqual([...a.ids], [...b.ids], `${context}: ids`);
  assert.deepEqual([...a.kinds], [...b.kinds], `${context}: kinds`);
  assert.deepEqual([...a.values], [...b.values], `${context}: values`);
  const zeros = (s: Snapshot) => s.motion ?? new Array<number>(s.count * s.stride).fill(0);
  assert.deepEqual([...zeros(a)], [...zeros(b)], `${context}: motion`);
}

/** One simulated entity: real state and per-tick velocity of its moving fields. */
interface Body {
  readonly id: number;
  readonly kind: number;
  readonly state: Record<string, number | string>;
  readonly velocity: Record<string, number>;
}

function spawn(id: number, random: () => number): Body {
  if (random() < 0.7) {
    return {
      id,
      kind: 0,
      state: { x: random() * 1000, y: random() * 1000, aim: random() * 7, hp: 100, mode: 'fly' },
      velocity: { x: random() * 4 - 2, y: random() * 4 - 2, aim: random() * 0.2 - 0.1 },
    };
  }
  return { id, kind: 1, state: { x: random() * 1000, spin: random() * 7 }, velocity: { spin: random() * 0.5 } };
}

/** Moves a body one tick (bouncing inside the field), with the odd jump and change of a discrete field. */
function step(body: Body, p: StreamParams, random: () => number): void {
  for (const [field, v] of Object.entries(body.velocity)) {
    let next = (body.state[field] as number) + v + (random() < p.jump ? (random() - 0.5) * 300 : 0);
    if (field !== 'aim' && field !== 'spin') next = Math.min(1000, Math.max(0, next));
    body.state[field] = next;
  }
  if (body.kind === 0 && random() < p.jump) {
    body.state.hp = Math.floor(random() * 256);
    body.state.mode = (['idle', 'fly', 'dock'] as const)[Math.floor(random() * 3)]!;
  }
}

/** The knobs of one random stream. */
interface StreamParams {
  readonly seed: number;
  readonly count: number;
  readonly ticks: number;
  readonly jump: number;
  /** Chance per tick of a create and of a remove. */
  readonly churn: number;
  /** Chance per tick that the client misses the snapshot (the next is a delta of more than one tick). */
  readonly miss: number;
  /** Chance per tick that the server sends a full snapshot (a resync). */
  readonly full: number;
  /** Chance that a decoded snapshot is handed out (as to a listener): retained, never recycled. */
  readonly handOut: number;
  /** The client buffer's capacity: small, so snapshots leave it and are recycled often. */
  readonly capacity: number;
}

const paramsArb: fc.Arbitrary<StreamParams> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  count: fc.integer({ min: 0, max: 40 }),
  ticks: fc.integer({ min: 5, max: 80 }),
  jump: fc.constantFrom(0, 0.05, 0.5),
  churn: fc.constantFrom(0, 0.1, 0.5),
  miss: fc.constantFrom(0, 0.1, 0.4),
  full: fc.constantFrom(0, 0.05),
  handOut: fc.constantFrom(0, 0.2, 1),
  capacity: fc.integer({ min: 2, max: 6 }),
});

/** Columns reused over every stream of the property (it must be more than zero for the test to mean anything). */
let reusedColumns = 0;

/** Streams one random world through the encoder and a recycling client; checks everything the client holds. */
function checkStream(p: StreamParams): void {
  const random = seededRandom(p.seed);
  const bodies = new Map<number, Body>();
  let nextId = 0;
  for (let i = 0; i < p.count; i++) bodies.set(nextId, spawn(nextId++, random));
  const encoder = new SnapshotCodec(schema);
  const codec = new SnapshotCodec(schema);
  const recycler = new SnapshotRecycler();
  const buffer = new SnapshotBuffer({ capacity: p.capacity }, recycler);
  buffer.setTickRate(60);
  const sent = new Map<number, Snapshot>(); // the encoder's copy of each tick the client received
  const atDecode = new Map<Snapshot, Snapshot>();
  const handedOut: [Snapshot, Snapshot][] = [];
  const columnsSeen = new Set<readonly number[]>();
  for (let tick = 1; tick <= p.ticks; tick++) {
    for (const body of bodies.values()) step(body, p, random);
    if (random() < p.churn) bodies.set(nextId, spawn(nextId++, random));
    if (random() < p.churn && bodies.size > 0) bodies.delete([...bodies.keys()][Math.floor(random() * bodies.size)]!);
    const current = quantizeWorld(schema, tick, [...bodies.values()] as EntityInput[]);
    // The server encodes against the newest snapshot the client holds (its last ack), or whole.
    const held = buffer.newest;
    const baseline = held === null || random() < p.full ? null : sent.get(held.tick)!;
    const { bytes, next } = encoder.encode(baseline, current);
    if (random() < p.miss) continue;
    const decoded = codec.decode(baseline === null ? null : held, tick, bytes.slice(), { recycler });
    assert.ok(decoded.ok, decoded.ok ? '' : `tick ${tick}: ${decoded.reason}`);
    const snap = decoded.value;
    assertSame(snap, next, `tick ${tick}: against the encoder's copy`);
    assert.deepEqual([...snap.values], [...current.values], `tick ${tick}: against the quantized world`);
    if (columnsSeen.has(snap.values)) reusedColumns++;
    columnsSeen.add(snap.values);
    sent.set(tick, next);
    atDecode.set(snap, copyOf(snap));
    assert.ok(buffer.push(snap, tick * (1000 / 60)));
    if (random() < p.handOut) {
      recycler.retain(snap);
      handedOut.push([snap, copyOf(snap)]);
    }
    for (let i = 0; i < buffer.size; i++) {
      const s = buffer.at(i);
      assertSame(s, atDecode.get(s)!, `tick ${tick}: held snapshot ${s.tick} changed while in the buffer`);
    }
  }
  for (const [snap, copy] of handedOut) assertSame(snap, copy, `snapshot ${snap.tick} changed after it was handed out`);
}

describe('snapshot column recycling', () => {
  it('decodes random streams exactly, never touching a held or handed-out snapshot (property)', () => {
    reusedColumns = 0;
    fc.assert(
      fc.property(paramsArb, (p) => checkStream(p)),
      { seed: SEED, numRuns: 300 },
    );
    assert.ok(reusedColumns > 1000, `only ${reusedColumns} columns were reused: the test did not exercise recycling`);
  });

  it('hands out columns of its own length only, and keeps at most maxSpare', () => {
    const recycler = new SnapshotRecycler(2);
    const a = recycler.take(6);
    assert.equal(a.length, 6);
    const snapshot: Snapshot = {
      tick: 1,
      count: 2,
      stride: 3,
      ids: [1, 2],
      kinds: [0, 0],
      values: a,
      motion: null,
      texts: null,
    };
    recycler.adopt(snapshot);
    recycler.release(snapshot);
    assert.equal(recycler.spareCount, 1);
    assert.notEqual(recycler.take(9), a, 'a spare column of another length is not handed out');
    assert.equal(recycler.spareCount, 0, 'and is dropped');
    recycler.give(a);
    assert.equal(recycler.take(6), a, 'a spare column of the asked length is');
    for (let i = 0; i < 5; i++) recycler.give(new Array<number>(4).fill(0));
    assert.equal(recycler.spareCount, 2);
    assert.throws(() => new SnapshotRecycler(-1), /maxSpare/);
  });

  it('never recycles a retained or unreleased snapshot, nor one released twice', () => {
    const recycler = new SnapshotRecycler();
    const make = (): Snapshot => ({
      tick: 1,
      count: 1,
      stride: 2,
      ids: [7],
      kinds: [0],
      values: recycler.take(2),
      motion: recycler.take(2),
      texts: null,
    });
    const kept = make();
    recycler.adopt(kept);
    recycler.retain(kept);
    recycler.release(kept);
    assert.equal(recycler.spareCount, 0, 'a retained snapshot gives nothing back');
    const plain = make();
    recycler.release(plain);
    assert.equal(recycler.spareCount, 0, 'nor one that was never adopted');
    const gone = make();
    recycler.adopt(gone);
    recycler.release(gone);
    recycler.release(gone);
    assert.equal(recycler.spareCount, 2, 'an adopted one gives its two columns back, once');
  });

  it('gives the columns of a body that fails after its rows back, and keeps none of a failed decode', () => {
    const encoder = new SnapshotCodec(schema);
    const codec = new SnapshotCodec(schema);
    const recycler = new SnapshotRecycler();
    const world = (tick: number) =>
      quantizeWorld(schema, tick, [{ id: 3, kind: 0, state: { x: tick, y: 1, aim: 0, hp: 1, mode: 'fly' } }]);
    const first = encoder.encode(null, world(1));
    const one = codec.decode(null, 1, first.bytes.slice(), { recycler });
    assert.ok(one.ok);
    const second = encoder.encode(first.next, world(2));
    const two = codec.decode(one.value, 2, second.bytes.slice(), { recycler });
    assert.ok(two.ok && two.value.motion !== null);
    const third = encoder.encode(second.next, world(3)).bytes;
    const trailing = new Uint8Array(third.length + 2).fill(0xff);
    trailing.set(third);
    const bad = codec.decode(two.value, 3, trailing, { recycler });
    assert.equal(bad.ok, false);
    assert.equal(recycler.spareCount, 2, 'both columns of the rejected result came back');
    assert.deepEqual([...two.value.values], [...second.next.values], 'the baseline is untouched');
  });
});

/** A string-free room: ships flying and turning, one spawned and one despawned every 20 ticks. */
async function startServer(clock: FakeClock) {
  const memory = new MemoryTransport({ clock });
  const server = new Server({ clock, transport: memory, tickRateHz: 60, logger: { warn() {}, error() {} } });
  server.define(
    'sky',
    defineRoom(schema, {
      maxClients: 4,
      closeWhenEmpty: false,
      onCreate(room) {
        for (let i = 0; i < 30; i++) room.spawn('ship', { x: 10 * i, y: 500, aim: 0, hp: 100, mode: 'fly' });
        room.spawn('rock', { x: 1, spin: 0 });
      },
      step(room) {
        for (const ship of room.entitiesOf('ship')) {
          ship.x = (ship.x + 1.5) % 1000;
          ship.aim = (ship.aim + 0.03) % (Math.PI * 2);
        }
        if (room.tick % 20 === 0) {
          const oldest = room.entitiesOf('ship').next();
          if (oldest.done !== true) room.despawn(oldest.value.id);
          room.spawn('ship', { x: 0, y: room.tick % 1000, aim: 0, hp: 50, mode: 'idle' });
        }
      },
    }),
  );
  await server.listen(0, '127.0.0.1');
  const client = new TickwaveClient(schema, {
    url: 'memory://sky',
    socketFactory: () => memory.connect(),
    now: clock.now,
    schedule: clock.schedule,
    cancel: clock.cancel,
    reconnect: { random: seededRandom(5) },
  });
  client.connect();
  return { server, client };
}

/** Runs display frames on the fake clock until `untilMs`, calling `each` after every frame. */
async function play(clock: FakeClock, client: TickwaveClient<typeof schema>, untilMs: number, each: () => void) {
  for (let now = clock.now(); now < untilMs; now += 1000 / 60) {
    await clock.flowTo(now);
    client.frame(now);
    each();
  }
}

describe('snapshots a client hands out', () => {
  it('a snapshot given to an onSnapshot listener never changes afterwards', async () => {
    const clock = new FakeClock(1000);
    const { server, client } = await startServer(clock);
    const seen: [Snapshot, Snapshot][] = [];
    client.onSnapshot((snap) => seen.push([snap, copyOf(snap)]));
    await play(clock, client, 5000, () => {});
    assert.ok(seen.length > 200, `${seen.length} snapshots`);
    assert.ok(client.entities.size > 20, `${client.entities.size} entities drawn`);
    for (const [snap, copy] of seen) assertSame(snap, copy, `snapshot ${snap.tick}`);
    await server.close();
  });

  it('a snapshot returned by latestSnapshot never changes afterwards, with no listener', async () => {
    const clock = new FakeClock(1000);
    const { server, client } = await startServer(clock);
    const seen = new Map<Snapshot, Snapshot>();
    let frames = 0;
    await play(clock, client, 5000, () => {
      // Read every tenth frame only: the snapshots between are never handed out and are recycled.
      if (frames++ % 10 !== 0) return;
      const latest = client.latestSnapshot;
      if (latest !== null && !seen.has(latest)) seen.set(latest, copyOf(latest));
    });
    assert.ok(seen.size > 20 && client.stats.snapshots > 200, `${seen.size} of ${client.stats.snapshots} read`);
    for (const [snap, copy] of seen) assertSame(snap, copy, `snapshot ${snap.tick}`);
    await server.close();
  });
});
