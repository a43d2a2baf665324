/**
 * snapshotRateHz: a room sends each client a snapshot every tickRateHz / snapshotRateHz ticks (clients
 * spread over those ticks), one client's rate can be changed, bad rates are refused at once, and a real
 * TickwaveClient at 20 Hz snapshots of a 60 Hz room interpolates without running dry and predicts without
 * corrections. Everything runs over the memory transport on one fake clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickwaveClient } from '../client/index.ts';
import { defineRoom, MemoryTransport, Server } from '../server/index.ts';
import {
  CloseCode,
  decodeServerMessage,
  encodeMessage,
  MsgKind,
  PROTOCOL_VERSION,
  seededRandom,
  type Snapshot,
} from '../shared/index.ts';
import { apply, ArenaServer, gameLoop, schema } from './helpers/clientFixture.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { type ArenaOptions, arenaRoom, rowOf, TestClient, testSchema } from './helpers/serverFixture.ts';

const TICK_RATE_HZ = 60;
const TICK_MS = 1000 / TICK_RATE_HZ;

/** A client's received snapshots: tick and baseline tick, in order. */
type Received = { tick: number; baseTick: number }[];

async function setup(serverRateHz?: number, arena: ArenaOptions = {}) {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock, latencyMs: 0, jitterMs: 0, random: seededRandom(5) });
  const server = new Server({
    clock,
    transport: memory,
    tickRateHz: TICK_RATE_HZ,
    ...(serverRateHz === undefined ? {} : { snapshotRateHz: serverRateHz }),
    logger: { warn() {}, error() {} },
  });
  server.define('arena', arenaRoom({ closeWhenEmpty: false, ...arena }));
  await server.listen(0, '127.0.0.1');
  const room = server.createRoom('arena', { id: 'arena' });
  const join = async (received: Received = []) => {
    const c = new TestClient(memory.connect());
    const receive = c.socket.onmessage!;
    c.socket.onmessage = (data) => {
      const msg = decodeServerMessage(data);
      if (msg.ok && (msg.value.kind === MsgKind.Snapshot || msg.value.kind === MsgKind.GroupSnapshot))
        received.push({ tick: msg.value.tick, baseTick: msg.value.baseTick });
      receive(data);
    };
    for (let i = 0; i < 3; i++) await Promise.resolve();
    for (let i = 0; i < 1000 && !c.isOpen; i++) clock.advance(1);
    c.hello();
    for (let i = 0; i < 1000 && c.welcome === null && c.closed === null; i++) clock.advance(1);
    return c;
  };
  return { clock, server, room, join };
}

/** The tick gaps between consecutive received snapshots. */
function gaps(received: Received): number[] {
  return received.slice(1).map((r, i) => r.tick - received[i]!.tick);
}

describe('snapshotRateHz', () => {
  it('sends every 3rd tick at 20 Hz of a 60 Hz room, deltas against the last sent, inputs every tick', async () => {
    const { clock, server, room, join } = await setup(undefined, { extra: { snapshotRateHz: 20 } });
    const received: Received = [];
    const player = await join(received);
    assert.equal(player.welcome?.snapshotRateHz, 20, 'the Welcome announces the rate');
    assert.equal(room.snapshotRateHz, 20);
    assert.equal(room.snapshotRateOf(room.clients[0]!), 20);
    const shipX = () => Number(room.get(room.clients[0]!.entityId, 'ship')!.x);
    const x0 = shipX();
    for (let i = 0; i < 60; i++) {
      player.input(i, { dx: 1, dy: 0, fire: false });
      clock.advance(TICK_MS);
    }
    assert.deepEqual(player.errors, []);
    assert.ok(received.length >= 19 && received.length <= 21, `${received.length} snapshots in 60 ticks`);
    assert.ok(
      gaps(received).every((g) => g === 3),
      `gaps ${gaps(received)}`,
    );
    assert.equal(received[0]!.baseTick, -1, 'a whole frame to start');
    for (let i = 1; i < received.length; i++) assert.equal(received[i]!.baseTick, received[i - 1]!.tick);
    // Every input was applied on its own tick: 59 or 60 steps of 100 units/s · 1/60 s.
    assert.ok(Math.abs(shipX() - x0 - (100 * 60) / 60) <= 100 / 60 + 0.01, `moved ${shipX() - x0}`);
    assert.ok(player.lastInputSeq >= 57, `inputs applied up to seq ${player.lastInputSeq}`);
    await server.close();
  });

  it("uses the server's snapshotRateHz for types without one, clients spread over the ticks", async () => {
    const { clock, server, room, join } = await setup(30);
    const streams: Received[] = [[], [], [], []];
    for (const r of streams) await join(r);
    assert.equal(room.snapshotRateHz, 30);
    for (let i = 0; i < 30; i++) clock.advance(TICK_MS);
    const phases = new Set<number>();
    for (const r of streams) {
      assert.ok(
        gaps(r).every((g) => g === 2),
        `gaps ${gaps(r)}`,
      );
      phases.add(r.at(-1)!.tick % 2);
    }
    assert.deepEqual([...phases].sort(), [0, 1], 'clients of one rate sent on alternate ticks');
    await server.close();
  });

  it('changes one client’s rate with room.setSnapshotRate, the next frame still a delta', async () => {
    const { clock, server, room, join } = await setup();
    const far: Received = [];
    const near: Received = [];
    await join(far);
    await join(near);
    for (let i = 0; i < 10; i++) clock.advance(TICK_MS);
    assert.ok(
      gaps(far).every((g) => g === 1),
      'every tick by default',
    );
    const farClient = room.clients[0]!;
    room.setSnapshotRate(farClient, 10);
    assert.equal(room.snapshotRateOf(farClient), 10);
    assert.equal(room.snapshotRateOf(room.clients[1]!), 60);
    const before = far.length;
    for (let i = 0; i < 60; i++) clock.advance(TICK_MS);
    const after = far.slice(before - 1);
    assert.ok(after.length >= 10 && after.length <= 12, `${after.length - 1} snapshots in 60 ticks at 10 Hz`);
    assert.ok(
      gaps(after.slice(1)).every((g) => g === 6),
      `gaps ${gaps(after)}`,
    );
    for (let i = 1; i < after.length; i++) assert.equal(after[i]!.baseTick, after[i - 1]!.tick, 'delta chain kept');
    assert.ok(
      gaps(near.slice(-20)).every((g) => g === 1),
      'the other client is unchanged',
    );
    await server.close();
  });

  it('sends an interest-managed room every 3rd tick, each client decoding the world of its tick', async () => {
    const interest = { x: 'x', y: 'y', viewRadius: 150, budgetBytes: Infinity } as const;
    const { clock, server, room, join } = await setup(undefined, { extra: { snapshotRateHz: 20, interest } });
    const worlds = new Map<number, Snapshot>();
    room.onTick((t) => worlds.set(t.tick, t.world));
    const streams: Received[] = [[], []];
    const clients = [await join(streams[0]), await join(streams[1])];
    let compared = 0;
    for (let i = 0; i < 90; i++) {
      clock.advance(TICK_MS);
      for (const c of clients) {
        assert.deepEqual(c.errors, []);
        const snap = c.latest;
        if (snap === null) continue;
        const world = worlds.get(snap.tick)!;
        for (let e = 0; e < snap.count; e++) assert.deepEqual(rowOf(snap, snap.ids[e]!), rowOf(world, snap.ids[e]!));
        compared++;
      }
    }
    for (const r of streams) assert.ok(gaps(r).length > 20 && gaps(r).every((g) => g === 3), `gaps ${gaps(r)}`);
    assert.ok(compared > 100);
    assert.ok(clients[0]!.latest!.count < room.entityCount, 'interest: a client sees part of the world');
    await server.close();
  });

  it('refuses rates that do not divide the tick rate, naming the allowed ones', async () => {
    assert.throws(
      () => new Server({ tickRateHz: 60, snapshotRateHz: 25 }),
      /Server: snapshotRateHz must divide the tick rate 60 Hz \(one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60\)/,
    );
    assert.throws(() => new Server({ tickRateHz: 60, snapshotRateHz: 0 }), RangeError);
    assert.throws(() => defineRoom(testSchema, { snapshotRateHz: 1.5 }), /snapshotRateHz must be an integer/);
    assert.throws(() => defineRoom(testSchema, { spectatorSnapshotRateHz: 0 }), /spectatorSnapshotRateHz/);
    const server = new Server({ tickRateHz: 60 });
    assert.throws(
      () => server.define('arena', defineRoom(testSchema, { snapshotRateHz: 7 })),
      /Server.define\("arena"\): snapshotRateHz must divide the tick rate 60 Hz/,
    );
    assert.throws(
      () => server.define('watch', defineRoom(testSchema, { spectatorSnapshotRateHz: 50 })),
      /spectatorSnapshotRateHz must divide/,
    );
    const { room, join, server: running } = await setup();
    await join();
    assert.throws(() => room.setSnapshotRate(room.clients[0]!, 7), /room.setSnapshotRate: snapshotRateHz must divide/);
    const { room: other, join: joinOther, server: otherServer } = await setup();
    await joinOther();
    assert.throws(() => room.setSnapshotRate(other.clients[0]!, 20), /is not in room arena/);
    await running.close();
    await otherServer.close();
  });

  it('rejects a Welcome whose snapshot rate is 0, above the tick rate or not an integer', () => {
    const welcome = { kind: MsgKind.Welcome, clientId: 1, tickRateHz: 60, serverTick: 0, resumeToken: 't' } as const;
    for (const snapshotRateHz of [0, 61, -1, 1.5]) {
      const bytes = encodeMessage({ ...welcome, roomId: 'r', entityId: -1, snapshotRateHz });
      const decoded = decodeServerMessage(bytes);
      assert.ok(!decoded.ok && decoded.error.code === CloseCode.Malformed, `rate ${snapshotRateHz}`);
    }
    assert.equal(PROTOCOL_VERSION, 4, 'the Welcome grew a field: protocol 4');
  });

  /** Plays 8 s of a predicting client at `snapshotRateHz` of a 60 Hz room on a clean link (20 ± 3 ms one way). */
  async function play(snapshotRateHz: number) {
    const clock = new FakeClock(1000);
    const server = await ArenaServer.start(clock, { snapshotRateHz });
    const options = { url: 'memory://arena', now: clock.now, schedule: clock.schedule, cancel: clock.cancel };
    const socketFactory = server.factory({ latencyMs: 20, jitterMs: 3, seed: 11 });
    const client = new TickwaveClient(schema, { ...options, socketFactory, prediction: { apply } });
    client.connect();
    let dx = 1;
    const loop = gameLoop(clock, client, () => ({ dx, dy: 0, aim: 0 }));
    await loop.run(2000);
    const delays: number[] = [];
    let lastX = Number.NaN;
    let stalls = 0;
    await loop.run(8000, (now) => {
      if (now < 3000) return;
      delays.push(client.stats.interpDelayMs);
      const x = client.entities.get(1)!.state.x as number; // a bot, moving along x every tick
      if (!(x > lastX)) stalls++;
      lastX = x;
      if (now > 7000) dx = 0;
    });
    const id = client.welcome!.entityId;
    const result = {
      welcome: client.welcome!,
      stats: { ...client.stats },
      delays,
      stalls,
      truth: { ...server.room.get(id, 'player')! },
      predicted: { ...client.predictedState(id)! },
      gameErrors: server.gameErrors,
    };
    client.close();
    await server.server.close();
    return result;
  }

  for (const [hz, bound] of [
    [20, 100],
    [10, 150],
  ] as const) {
    it(`a client at ${hz} Hz of a 60 Hz room never runs dry, delay < ${bound} ms, predicts exactly`, async () => {
      const run = await play(hz);
      assert.equal(run.welcome.snapshotRateHz, hz);
      assert.equal(run.stats.bufferUnderruns, 0, 'render time never ran past the newest snapshot');
      assert.equal(run.stalls, 1, 'a bot drawn further along every frame (the first frame has nothing to compare)');
      const max = Math.max(...run.delays);
      assert.ok(max < bound, `interpolation delay up to ${max.toFixed(1)} ms`);
      assert.ok(Math.min(...run.delays) >= 50, `interpolation delay down to ${Math.min(...run.delays).toFixed(1)} ms`);
      assert.ok(Math.abs(run.stats.snapshotRateHz - hz) <= 1, `${run.stats.snapshotRateHz} snapshots/s`);
      // Acks every 60 / hz ticks: the prediction still reconciles to the server's own state, with no correction.
      assert.equal(run.stats.corrections, 0, 'no misprediction on a clean link');
      assert.ok(Math.abs(run.predicted.x - run.truth.x) < 0.011, `predicted ${run.predicted.x}, server ${run.truth.x}`);
      assert.ok(run.truth.x > 600, 'the player moved');
      assert.deepEqual(run.gameErrors, []);
    });
  }
});
