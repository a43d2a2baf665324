/**
 * Reuse of a room's world value columns (server/worldColumns.ts): a reused column quantizes exactly as
 * a fresh one, a world handed out (room.snapshot, history.snapshotAt, room.onTick) is never reused, and
 * an interest room whose worlds are reused still streams each client exactly the server's world.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantizeWorld, seededRandom, type Snapshot } from '../shared/index.ts';
import { defineRoom, LagCompensation, MemoryTransport, type Room, Server } from '../server/index.ts';
import { HISTORY_TICKS } from '../server/interest/Group.ts';
import { GroupTable } from '../server/interest/GroupTable.ts';
import { WorldColumns } from '../server/worldColumns.ts';
import { type QuantizableEntity, quantizeEntities } from '../server/worldQuantizer.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { rowOf, testSchema, type TestSchema } from './helpers/serverFixture.ts';
import { joinOnClock } from './helpers/steppedServer.ts';

const SHIP = testSchema.kindIndex('ship');
const ROCK = testSchema.kindIndex('rock');
const TICK_RATE_HZ = 50;

/** Entities 1..n, ships at odd rows from `shipParity`, rocks (a text field, one field fewer) elsewhere. */
function entities(n: number, shipParity: number, seed: number): QuantizableEntity[] {
  const rand = seededRandom(seed);
  const list: QuantizableEntity[] = [];
  for (let i = 0; i < n; i++) {
    const x = rand() * 1000;
    const y = rand() * 1000;
    list.push(
      i % 2 === shipParity
        ? { id: i + 1, kind: SHIP, state: { x, y, a: rand() * 6, hp: Math.floor(rand() * 255) } }
        : { id: i + 1, kind: ROCK, state: { x, y, tag: `r${i}` } },
    );
  }
  return list;
}

/** A deep copy of a snapshot's columns, to compare with later. */
function copyOf(s: Snapshot): string {
  return JSON.stringify({ tick: s.tick, ids: s.ids, kinds: s.kinds, values: s.values, texts: s.texts });
}

describe('world columns', () => {
  it('quantizes into a released column exactly as into a fresh one, and cuts a longer one', () => {
    const columns = new WorldColumns();
    const first = quantizeEntities(testSchema, 1, entities(40, 0, 1), null, columns);
    columns.release(first);
    // The kinds swap rows: a reused row that held a ship's four values now holds a rock's (text, no fourth).
    const next = entities(30, 1, 2);
    const reused = quantizeEntities(testSchema, 2, next, null, columns);
    assert.equal(reused.values, first.values, 'the released column is reused');
    assert.equal(reused.values.length, 30 * reused.stride);
    assert.equal(copyOf(reused), copyOf(quantizeEntities(testSchema, 2, next)));
    assert.equal(copyOf(reused), copyOf(quantizeWorld(testSchema, 2, next)));
    assert.equal(columns.take(1), null, 'a column is handed out once');
  });

  it('never reuses an exposed world, nor one too short', () => {
    const columns = new WorldColumns();
    const world = quantizeEntities(testSchema, 1, entities(10, 0, 3));
    columns.expose(world);
    columns.release(world);
    assert.equal(columns.take(10 * world.stride), null);
    columns.release(quantizeEntities(testSchema, 1, entities(10, 0, 3)));
    assert.equal(columns.take(11 * world.stride), null);
  });

  it('lag compensation gives back what it drops, unless it lent it out', () => {
    const history = new LagCompensation(testSchema, TICK_RATE_HZ, { historyMs: 100 });
    const worlds = Array.from({ length: history.historyTicks + 3 }, (_, t) =>
      quantizeEntities(testSchema, t, entities(4, 0, t)),
    );
    const dropped = worlds.map((w) => history.record(w));
    const h = history.historyTicks;
    assert.deepEqual(dropped.slice(0, h), new Array(h).fill(null), 'nothing dropped while the ring fills');
    assert.equal(dropped[h], worlds[0]);
    assert.equal(history.snapshotAt(3), worlds[3], 'lends tick 3');
    const next = quantizeEntities(testSchema, h + 3, entities(4, 0, 9));
    assert.equal(history.record(next), null, 'a lent snapshot is not given back');
  });
});

describe('world columns in an interest room', () => {
  it('keeps every world handed out unchanged while the room reuses the others', async () => {
    const clock = new FakeClock();
    const memory = new MemoryTransport({ clock });
    const server = new Server({ clock, transport: memory, tickRateHz: TICK_RATE_HZ, autoTick: false });
    const rand = seededRandom(4);
    let spawned = 0;
    server.define(
      'big',
      defineRoom(testSchema, {
        interest: { x: 'x', y: 'y', viewRadius: 150, budgetBytes: Infinity },
        onCreate(room) {
          for (; spawned < 300; spawned++)
            room.spawn('rock', { x: rand() * 1000, y: rand() * 1000, tag: `r${spawned}` });
        },
        onJoin(room, client) {
          client.entityId = room.spawn('ship', { x: 500, y: 500, a: 0, hp: 100 }).id;
        },
        step(room) {
          for (const rock of room.entitiesOf('rock')) rock.x = (rock.x + 3.7) % 1000;
          // The world shrinks and grows: a reused column is cut, a longer world gets a fresh one.
          if (room.tick % 7 === 0) room.despawn(room.entitiesOf('rock').next().value!.id);
          if (room.tick % 11 === 0) room.spawn('rock', { x: rand() * 1000, y: rand() * 1000, tag: `n${spawned++}` });
        },
      }),
    );
    const room = server.createRoom('big') as unknown as Room<TestSchema>;
    await server.listen(0, '127.0.0.1');
    const client = await joinOnClock(memory, clock, { room: room.id });
    const held: { world: Snapshot; copy: string; by: string }[] = [];
    const keep = (world: Snapshot, by: string): void => void held.push({ world, copy: copyOf(world), by });
    const ticks = room.history.historyTicks * 4;
    for (let i = 0; i < ticks; i++) {
      server.step();
      clock.advance(1);
      if (i === 3) keep(room.snapshot!, 'room.snapshot');
      if (i === 5) keep(room.history.snapshotAt(room.tick)!, 'history.snapshotAt');
      if (i === 8) {
        const off = room.onTick((t) => {
          keep(t.world, 'onTick');
          off();
        });
      }
      // The server's world, quantized apart from the room (reading room.snapshot would keep it).
      const inputs = [...room.entities()].map((e) => ({ id: e.id, kind: testSchema.kindIndex(e.kind), state: e }));
      const truth = quantizeWorld(testSchema, room.tick, inputs);
      const mine = client.latest!;
      assert.equal(mine.tick, room.tick);
      assert.ok(mine.count > 10, 'the client sees part of the world');
      for (let e = 0; e < mine.count; e++)
        assert.deepEqual(
          rowOf(mine, mine.ids[e]!),
          rowOf(truth, mine.ids[e]!),
          `entity ${mine.ids[e]} at tick ${room.tick}`,
        );
    }
    assert.deepEqual(client.errors, []);
    assert.equal(held.length, 3);
    for (const h of held) assert.equal(copyOf(h.world), h.copy, `the world kept from ${h.by} is unchanged`);
    await server.close();
  });
});

describe('group columns', () => {
  it('keeps the states a client may hold unchanged while it reuses the others’ columns', () => {
    const table = new GroupTable(
      testSchema,
      { minX: 0, minY: 0, maxX: 1000, maxY: 1000, cellSize: 100 },
      [0, 0],
      [1, 1],
      8,
    );
    const rand = seededRandom(6);
    const list = entities(300, 0, 5).map((e) => ({ ...e, state: { ...e.state } }));
    const copies = new Map<Snapshot, string>();
    let checked = 0;
    for (let tick = 0; tick < HISTORY_TICKS * 4; tick++) {
      for (const e of list) e.state.x = ((e.state.x as number) + rand() * 40) % 1000;
      table.prepare(quantizeEntities(testSchema, tick, list), null);
      const groups = [...new Set(table.rowGroup)];
      // As clients would: about half the groups are sent this tick (whole, or as a one-tick delta).
      const sent = groups.filter(() => rand() < 0.5);
      for (const g of sent) {
        // A delta whose base is no longer kept comes back null: the group is then sent whole.
        const chunk = table.chunk(g, rand() < 0.5 ? -1 : tick - 1, rand() < 0.5) ?? table.chunk(g, -1, false);
        assert.ok(chunk !== null && chunk.next.tick === tick);
        copies.set(g.now, copyOf(g.now));
      }
      for (const g of groups) {
        for (let slot = 0; slot < HISTORY_TICKS; slot++) {
          const past = g.pastFresh[slot];
          if (past === null || past === undefined) continue;
          assert.ok(copies.has(past), `group ${g.id} keeps only states that were sent (tick ${past.tick})`);
          assert.equal(copyOf(past), copies.get(past), `group ${g.id} at tick ${past.tick}, seen at ${tick}`);
          checked++;
        }
      }
    }
    assert.ok(checked > HISTORY_TICKS * 100, `kept states checked: ${checked}`);
  });
});
