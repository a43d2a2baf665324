// Per-room game state (typed by the room type's `state`), rooms pre-created under an id the game chose,
// and measurement windows over a run. Type lines are checked by tsc (`npm run typecheck`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineSchema, seededRandom, t } from '../shared/index.ts';
import { defineRoom, MemoryTransport, type Room, Server } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { TestClient, testSchema } from './helpers/serverFixture.ts';

/** True when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when its type argument is `true`. */
function expectType<T extends true>(): T | undefined {
  return undefined;
}

interface TagState {
  it: number;
  round: number;
  readonly scores: Map<number, number>;
}

/** A tag game room type whose state counts rounds and scores; `round` starts at the `round` join option. */
function tagRoom(seen: TagState[] = []) {
  return defineRoom(testSchema, {
    state(options): TagState {
      const state = { it: -1, round: typeof options.round === 'number' ? options.round : 1, scores: new Map() };
      seen.push(state);
      return state;
    },
    onJoin(room, client) {
      client.entityId = room.spawn('ship', { x: 100, y: 100, a: 0, hp: 100 }).id;
      if (room.state.it < 0) room.state.it = client.entityId;
      room.state.scores.set(client.id, 0);
    },
    step(room) {
      expectType<Equal<typeof room.state, TagState>>();
      room.state.round++;
    },
    onLeave(room, client) {
      room.state.scores.delete(client.id);
    },
  });
}

async function setup(type = tagRoom()) {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock, latencyMs: 0, jitterMs: 0, random: seededRandom(5) });
  const server = new Server({ clock, transport: memory, tickRateHz: 50, autoTick: false, logger: silent });
  server.define('tag', type);
  await server.listen(0, '127.0.0.1');
  const join = async (room: string): Promise<TestClient> => {
    const c = new TestClient(memory.connect());
    for (let i = 0; i < 100 && !c.isOpen; i++) await tick(clock);
    c.hello({ room });
    for (let i = 0; i < 100 && c.welcome === null && c.closed === null; i++) await tick(clock);
    return c;
  };
  return { clock, server, join };
}

const silent = { warn: () => {}, error: () => {} };

async function tick(clock: FakeClock): Promise<void> {
  clock.advance(1);
  for (let i = 0; i < 3; i++) await Promise.resolve();
}

describe('per-room game state', () => {
  it('types room.state from the state handler in every handler, and leaves it undefined without one', () => {
    const schema = defineSchema({ entities: { dot: { x: t.uint(8) } }, input: { go: t.bool() } });
    const typed = defineRoom(schema, {
      state: () => ({ laps: 0, names: [] as string[] }),
      onCreate(room) {
        expectType<Equal<typeof room.state, { laps: number; names: string[] }>>();
      },
      onInput(room, _client, input) {
        if (input.go) room.state.laps++;
        // @ts-expect-error: the state has no field `score`
        room.state.score = 1;
      },
    });
    const plain = defineRoom(schema, {
      step(room) {
        expectType<Equal<typeof room.state, undefined>>();
      },
    });
    assert.equal(typeof typed.handlers.state, 'function');
    assert.equal(plain.handlers.state, undefined);
  });

  it('makes a fresh state per room, from the create options, before onCreate, and drops it with the room', async () => {
    const seen: TagState[] = [];
    const { clock, server, join } = await setup(tagRoom(seen));
    const a = await join('tag');
    const firstRoom = server.getRoom(a.welcome!.roomId) as unknown as Room<typeof testSchema, TagState>;
    assert.equal(firstRoom.state, seen[0]);
    assert.equal(firstRoom.state.it, a.welcome!.entityId, 'onJoin saw the state');
    server.step();
    server.step();
    assert.equal(firstRoom.state.round, 3);
    a.socket.close(1000, 'bye');
    await tick(clock);
    assert.ok(firstRoom.isClosed);
    const b = await join('tag');
    const second = server.getRoom(b.welcome!.roomId) as unknown as Room<typeof testSchema, TagState>;
    assert.notEqual(second, firstRoom);
    assert.equal(seen.length, 2);
    assert.notEqual(second.state, firstRoom.state);
    assert.deepEqual([second.state.round, second.state.it], [1, b.welcome!.entityId], 'nothing leaked from room 1');
    const custom = server.createRoom('tag', { id: 'finals', options: { round: 7 } });
    assert.equal((custom.state as TagState).round, 7);
  });

  it('reports a throwing state handler to onError and skips onCreate', async () => {
    const errors: { handler: string; message: string }[] = [];
    let created = 0;
    const server = new Server({
      autoTick: false,
      logger: silent,
      onError: (err, context) => errors.push({ handler: context.handler, message: (err as Error).message }),
    });
    server.define(
      'broken',
      defineRoom(testSchema, {
        state(): { n: number } {
          throw new Error('no state today');
        },
        onCreate() {
          created++;
        },
      }),
    );
    server.createRoom('broken');
    assert.deepEqual(errors, [{ handler: 'state', message: 'no state today' }]);
    assert.equal(created, 0);
  });
});
