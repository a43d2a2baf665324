/**
 * Spectators over the memory transport, driven by a manual clock: no entity, no input, their own
 * capacity, an optional delay (the world as it was N seconds ago, never newer), and players' bytes
 * unchanged by their presence.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloseCode,
  decodeClientMessage,
  encodeMessage,
  MsgKind,
  PROTOCOL_VERSION,
  SPECTATE_OPTION,
  seededRandom,
  type Snapshot,
} from '../shared/index.ts';
import { MemoryTransport, Server } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { type ArenaOptions, arenaRoom, sameWorld, TestClient, testSchema } from './helpers/serverFixture.ts';

const TICK_RATE_HZ = 50;
const TICK_MS = 1000 / TICK_RATE_HZ;

async function setup(arena: ArenaOptions = {}) {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock, latencyMs: 0, jitterMs: 0, random: seededRandom(3) });
  const server = new Server({
    clock,
    transport: memory,
    tickRateHz: TICK_RATE_HZ,
    logger: { warn() {}, error() {} },
  });
  server.define('arena', arenaRoom({ closeWhenEmpty: false, ...arena }));
  await server.listen(0, '127.0.0.1');
  const room = server.createRoom('arena', { id: 'arena' });
  const live = new Map<number, Snapshot>();
  room.onTick((t) => live.set(t.tick, t.world));
  /** Connects, sends Hello with `options` and runs the clock until Welcome or a close; `frames` gets each frame. */
  const join = async (options: Record<string, number | string | boolean> = {}, frames?: Uint8Array[]) => {
    const c = new TestClient(memory.connect());
    if (frames !== undefined) {
      const receive = c.socket.onmessage!;
      c.socket.onmessage = (data) => {
        frames.push(data.slice());
        receive(data);
      };
    }
    for (let i = 0; i < 3; i++) await Promise.resolve();
    for (let i = 0; i < 1000 && !c.isOpen; i++) clock.advance(1);
    c.hello({ options });
    for (let i = 0; i < 1000 && c.welcome === null && c.closed === null; i++) clock.advance(1);
    return c;
  };
  return { clock, server, room, live, join };
}

describe('spectators', () => {
  it('a live spectator sees the exact quantized world, has no entity and is counted apart', async () => {
    const { clock, server, room, live, join } = await setup();
    const player = await join();
    const watcher = await join({ [SPECTATE_OPTION]: 0 });
    assert.equal(watcher.welcome?.entityId, -1, 'no entity');
    assert.equal(room.clients.length, 1, 'room.clients lists the player only');
    assert.equal(room.spectators.count, 1);
    const entities = room.entityCount;
    for (let i = 0; i < 50; i++) {
      player.input(i, { dx: 1, dy: 0, fire: false });
      clock.advance(TICK_MS);
    }
    assert.equal(room.entityCount, entities, 'the spectator spawned nothing');
    assert.deepEqual(watcher.errors, []);
    // The default spectator rate: the largest divisor of 50 Hz up to 20 Hz, a world every 5th tick.
    assert.equal(watcher.welcome?.snapshotRateHz, 10, 'the Welcome announces the spectator rate');
    assert.ok(watcher.snapshotCount >= 9 && watcher.snapshotCount <= 11, `spectator got ${watcher.snapshotCount}`);
    assert.equal(watcher.latest!.tick % 5, 0, 'worlds of every 5th tick');
    assert.equal(watcher.fullSnapshots, 1, 'one whole frame to start, deltas after');
    const seen = watcher.latest!;
    assert.ok(sameWorld(seen, live.get(seen.tick)!), 'spectator world equals the server world');
    assert.ok(sameWorld(player.latest!, room.snapshot!));
    await server.close();
  });

  it('an Input from a spectator closes it with 4015; the room and its player carry on', async () => {
    const { clock, server, room, join } = await setup();
    const player = await join();
    const watcher = await join({ [SPECTATE_OPTION]: 0 });
    clock.advance(5 * TICK_MS);
    watcher.input(0, { dx: 1, dy: 1, fire: true });
    for (let i = 0; i < 1000 && watcher.closed === null; i++) clock.advance(1);
    assert.equal(await watcher.closeCode(), CloseCode.SpectatorInput);
    assert.equal(room.spectators.count, 0, 'the closed spectator left');
    const before = player.snapshotCount;
    clock.advance(5 * TICK_MS);
    assert.ok(player.snapshotCount > before && player.closed === null, 'the player is still served');
    await server.close();
  });

  it('spectator seats are counted apart from player seats, each refused with its own code when full', async () => {
    const { server, room, join } = await setup({ maxClients: 1, extra: { maxSpectators: 2 } });
    const a = await join({ [SPECTATE_OPTION]: 0 });
    const b = await join({ [SPECTATE_OPTION]: 2 });
    const c = await join({ [SPECTATE_OPTION]: 0 });
    assert.ok(a.welcome !== null && b.welcome !== null);
    assert.equal(await c.closeCode(), CloseCode.SpectatorsFull);
    const player = await join();
    assert.ok(player.welcome !== null, 'two spectators do not take the one player seat');
    const second = await join();
    assert.equal(await second.closeCode(), CloseCode.RoomFull);
    assert.equal(room.clients.length, 1);
    assert.equal(room.spectators.count, 2);
    await server.close();
  });

  it('refuses a delay over the room type maximum with 4002 and a malformed one in the decoder with 4000', async () => {
    const { server, join } = await setup({ extra: { maxSpectatorDelaySec: 5 } });
    const far = await join({ [SPECTATE_OPTION]: 6 });
    assert.equal(await far.closeCode(), CloseCode.OutOfRange);
    for (const bad of [-1, 601, 'yes', true]) {
      const hello = encodeMessage({
        kind: MsgKind.Hello,
        protocolVersion: PROTOCOL_VERSION,
        schemaHash: testSchema.hash,
        room: 'arena',
        resumeToken: null,
        options: { [SPECTATE_OPTION]: bad },
      });
      const decoded = decodeClientMessage(hello);
      assert.ok(!decoded.ok && decoded.error.code === CloseCode.Malformed, `${SPECTATE_OPTION}: ${String(bad)}`);
      const c = await join({ [SPECTATE_OPTION]: bad });
      assert.equal(await c.closeCode(), CloseCode.Malformed);
    }
    await server.close();
  });

  it('a delayed spectator sees tick T at T + delay and never newer, each world exact', async () => {
    const { clock, server, room, live, join } = await setup({ extra: { spectatorSnapshotRateHz: TICK_RATE_HZ } });
    const delaySec = 1;
    const delayTicks = delaySec * TICK_RATE_HZ;
    await join();
    for (let i = 0; i < 20; i++) clock.advance(TICK_MS);
    const watcher = await join({ [SPECTATE_OPTION]: delaySec });
    assert.equal(watcher.welcome!.serverTick, Math.max(0, room.tick - delayTicks), 'Welcome on the delayed clock');
    let exact = 0;
    for (let i = 0; i < 3 * delayTicks; i++) {
      clock.advance(TICK_MS);
      const seen = watcher.latest;
      if (seen === null) continue;
      assert.ok(seen.tick <= room.tick - delayTicks, `tick ${seen.tick} shown at room tick ${room.tick}`);
      assert.ok(sameWorld(seen, live.get(seen.tick)!), `world of tick ${seen.tick}`);
      if (seen.tick === room.tick - delayTicks) exact++;
    }
    assert.deepEqual(watcher.errors, []);
    assert.ok(exact > delayTicks, `on time for ${exact} of the last ${2 * delayTicks} ticks`);
    await server.close();
  });

  it("leaves players' bytes unchanged", async () => {
    const run = async (spectators: boolean) => {
      const { clock, server, join } = await setup();
      const frames: Uint8Array[] = [];
      const player = await join({}, frames);
      if (spectators) {
        await join({ [SPECTATE_OPTION]: 0 });
        await join({ [SPECTATE_OPTION]: 0.5 });
      }
      for (let i = 0; i < 60; i++) {
        player.input(i, { dx: Math.sin(i), dy: 0.5, fire: i % 9 === 0 });
        clock.advance(TICK_MS);
      }
      await server.close();
      return frames.map((f) => Buffer.from(f).toString('hex'));
    };
    const without = await run(false);
    const withSpectators = await run(true);
    assert.ok(without.length > 50);
    // The Welcome carries a random resume token; every snapshot after it is byte for byte the same.
    assert.deepEqual(withSpectators.slice(1, without.length), without.slice(1));
  });
});
