/**
 * Connection behaviour against the real Server over the memory transport: resume after bad snapshots,
 * reconnection backoff, final close codes. Both sides run on the one fake clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ClientSocket,
  CloseCode,
  encodeMessage,
  MsgKind,
  type Snapshot,
  type WelcomeMsg,
} from '../shared/index.ts';
import { Connection } from '../client/Connection.ts';
import { NetStats } from '../client/NetStats.ts';
import { backoffDelayMs, FINAL_CLOSE_CODES } from '../client/backoff.ts';
import { TickwaveClient, type TickwaveClientOptions } from '../client/index.ts';
import { apply, ArenaServer, BAD_NETWORK, gameLoop, schema, type TestSchema } from './helpers/clientFixture.ts';
import { FakeClock } from './helpers/FakeClock.ts';

function makeClient(
  clock: FakeClock,
  socketFactory: TickwaveClientOptions<TestSchema>['socketFactory'],
  random = () => 0.5,
) {
  const client = new TickwaveClient(schema, {
    url: 'memory://arena',
    socketFactory,
    now: clock.now,
    schedule: clock.schedule,
    cancel: clock.cancel,
    prediction: { apply },
    reconnect: { random, initialDelayMs: 250, maxDelayMs: 4000, maxAttempts: 6 },
  });
  const log = {
    errors: [] as Error[],
    disconnects: [] as [number, boolean][],
    reconnects: 0,
    snapshots: [] as Snapshot[],
  };
  client.onError((e) => log.errors.push(e));
  client.onDisconnect((code, _reason, willReconnect) => log.disconnects.push([code, willReconnect]));
  client.onReconnect(() => log.reconnects++);
  client.onSnapshot((s) => log.snapshots.push(s));
  return { client, log };
}

/** A snapshot's entity columns as plain arrays (the server's and a decoder's column types may differ). */
function columns(s: Snapshot) {
  return { ids: [...s.ids], kinds: [...s.kinds], values: [...s.values], texts: s.texts === null ? null : [...s.texts] };
}

/** A factory whose sockets close at once with `code`, counting how many were opened. */
function refusingFactory(clock: FakeClock, code: number) {
  const opened: number[] = [];
  const factory = (): ClientSocket => {
    opened.push(clock.now());
    const socket: ClientSocket = {
      onopen: null,
      onmessage: null,
      onclose: null,
      bufferedAmount: 0,
      send() {},
      close() {},
    };
    clock.schedule(() => socket.onclose?.(code, 'refused'), 0);
    return socket;
  };
  return { factory, opened };
}

describe('client connection', () => {
  for (const mode of ['trailing', 'unknownBaseline'] as const) {
    it(`reconnects and resumes after a snapshot it cannot trust (${mode}), never applying a wrong state`, async () => {
      const clock = new FakeClock(1000);
      const server = await ArenaServer.start(clock);
      const { client, log } = makeClient(clock, server.factory(BAD_NETWORK));
      client.connect();
      const loop = gameLoop(clock, client, () => ({ dx: 1, dy: 0, aim: 1 }));
      await loop.run(3000);
      server.corruptNext(mode);
      await loop.run(8000);
      assert.equal(client.stats.decodeFailures, 1);
      assert.equal(log.errors.length, 1, 'the rejected snapshot was reported');
      assert.match(log.errors[0]!.message, /rejected/);
      assert.deepEqual(log.disconnects, [[CloseCode.Malformed, true]]);
      assert.equal(log.reconnects, 1);
      assert.deepEqual(server.hellos, [null, server.welcomes[0]!.resumeToken], 'the second Hello resumed the session');
      assert.equal(server.welcomes[1]!.clientId, server.welcomes[0]!.clientId, 'as the same client');
      assert.equal(server.room.clients.length, 1);
      assert.equal(client.state, 'joined');
      for (const s of log.snapshots) {
        const truth = server.snapshotAt(s.tick)!;
        assert.deepEqual(columns(s), columns(truth), `snapshot ${s.tick} equals the server's`);
      }
      assert.ok(log.snapshots.length > 250);
    });
  }

  it('backs off exponentially with full jitter and gives up after maxAttempts', () => {
    const clock = new FakeClock(1000);
    const { factory, opened } = refusingFactory(clock, 1006);
    const { client, log } = makeClient(clock, factory, () => 0.999);
    const delays: number[] = [];
    client.onDisconnect((_code, _reason, again) => {
      if (again) delays.push(Math.round(client.reconnectDelayMs));
    });
    client.connect();
    clock.advance(60_000);
    assert.deepEqual(delays, [250, 500, 999, 1998, 3996, 3996]);
    assert.equal(opened.length, 7, 'the first try and 6 reconnections');
    assert.deepEqual(
      log.disconnects.map(([, again]) => again),
      [true, true, true, true, true, true, false],
    );
    assert.equal(client.state, 'closed');
  });

  it('draws reconnection delays uniformly below the growing bound', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let attempt = 0; attempt < 8; attempt++) {
      const bound = Math.min(10_000, 250 * 2 ** attempt);
      for (let n = 0; n < 50; n++) {
        const d = backoffDelayMs(attempt, 250, 10_000, random);
        assert.ok(d >= 0 && d < bound, `attempt ${attempt}: ${d} < ${bound}`);
      }
    }
  });

  for (const code of [...FINAL_CLOSE_CODES]) {
    it(`does not reconnect after close code ${code}`, async () => {
      const clock = new FakeClock(1000);
      const server = await ArenaServer.start(clock);
      const { client, log } = makeClient(clock, server.factory());
      client.connect();
      await gameLoop(clock, client, null).run(2000);
      server.closeAll(code, 'bye');
      await clock.flow(20_000);
      assert.deepEqual(log.disconnects, [[code, false]]);
      assert.equal(client.state, 'closed');
      assert.equal(server.hellos.length, 1);
    });
  }

  it('does not reconnect when the Hello is refused for a final reason', async () => {
    const clock = new FakeClock(1000);
    const server = await ArenaServer.start(clock, { maxClients: 1 });
    const occupant = makeClient(clock, server.factory()).client;
    occupant.connect();
    await clock.flow(1000);
    assert.equal(occupant.state, 'joined', 'the one place in the room is taken');
    const { client, log } = makeClient(clock, server.factory());
    client.connect();
    await clock.flow(20_000);
    assert.deepEqual(log.disconnects, [[CloseCode.RoomFull, false]]);
    assert.equal(client.welcome, null);
    assert.equal(server.hellos.length, 2, 'the refused client did not try again');
  });

  it('reconnects after a non-final close such as a closed room, and resumes', async () => {
    const clock = new FakeClock(1000);
    const server = await ArenaServer.start(clock);
    const { client, log } = makeClient(clock, server.factory());
    client.connect();
    const loop = gameLoop(clock, client, null);
    await loop.run(2000);
    server.closeAll(CloseCode.RoomClosed, 'room closed');
    await loop.run(6000);
    assert.deepEqual(log.disconnects, [[CloseCode.RoomClosed, true]]);
    assert.equal(log.reconnects, 1);
    assert.deepEqual(server.hellos, [null, server.welcomes[0]!.resumeToken]);
    assert.equal(client.state, 'joined');
  });

  it('closes with 1000 on close() and stays closed', async () => {
    const clock = new FakeClock(1000);
    const server = await ArenaServer.start(clock);
    const { client, log } = makeClient(clock, server.factory());
    client.connect();
    await gameLoop(clock, client, null).run(2000);
    client.close();
    client.close();
    await clock.flow(20_000);
    assert.deepEqual(log.disconnects, [[CloseCode.Normal, false]]);
    assert.equal(client.state, 'closed');
    assert.equal(server.hellos.length, 1);
    assert.equal(client.sendInput({ dx: 0, dy: 0, aim: 0 }), false);
  });

  it('reports entities appearing and disappearing, and the local entity at once', async () => {
    const clock = new FakeClock(1000);
    const server = await ArenaServer.start(clock, { bots: 2 });
    const { client } = makeClient(clock, server.factory());
    const added: [number, string][] = [];
    const removed: number[] = [];
    client.onEntityAdded((id, kind) => added.push([id, kind]));
    client.onEntityRemoved((id) => removed.push(id));
    client.connect();
    const loop = gameLoop(clock, client, null);
    await loop.run(2000);
    assert.deepEqual(added.sort(), [
      [1, 'bot'],
      [2, 'bot'],
      [3, 'player'],
    ]);
    server.despawn(2);
    await loop.run(3000);
    assert.deepEqual(removed, [2]);
    assert.deepEqual([...client.entities.keys()].sort(), [1, 3]);
    assert.equal(client.entities.get(3)!.isLocal, true);
    assert.equal(client.entities.get(1)!.isLocal, false);
  });

  it('rejects bad options at once, naming the fix', () => {
    assert.throws(() => new TickwaveClient(schema, {} as TickwaveClientOptions<TestSchema>), /url, socketFactory/);
    const clock = new FakeClock(1000);
    assert.throws(
      () =>
        new TickwaveClient(schema, {
          url: 'x',
          socketFactory: () => ({}) as ClientSocket,
          now: clock.now,
          schedule: clock.schedule,
        }),
      /both schedule and cancel/,
    );
  });
});

describe('client socket callbacks', () => {
  it('let no exception escape: an unexpected one is reported, drops the socket with 1011 and reconnects', () => {
    const clock = new FakeClock(1000);
    const sockets: { socket: ClientSocket; closedWith: number | null }[] = [];
    const factory = (): ClientSocket => {
      const entry = { socket: null as unknown as ClientSocket, closedWith: null as number | null };
      entry.socket = {
        onopen: null,
        onmessage: null,
        onclose: null,
        bufferedAmount: 0,
        send() {},
        close(code) {
          entry.closedWith = code ?? null;
        },
      };
      sockets.push(entry);
      return entry.socket;
    };
    const errors: Error[] = [];
    const disconnects: [number, boolean][] = [];
    const connection = new Connection(
      {
        url: 'x',
        socketFactory: factory,
        schemaHash: 'h',
        room: null,
        joinOptions: {},
        reconnect: { random: () => 0.5 },
      },
      clock,
      new NetStats(),
      {
        welcome() {
          throw { toString: 1 };
        },
        sessionLost() {},
        snapshot() {},
        pong() {},
        disconnect: (code, _reason, willReconnect) => disconnects.push([code, willReconnect]),
        error: (err) => errors.push(err),
      },
    );
    connection.connect();
    const first = sockets[0]!.socket;
    assert.doesNotThrow(() => first.onopen?.());
    const welcome: WelcomeMsg = {
      kind: MsgKind.Welcome,
      clientId: 1,
      tickRateHz: 60,
      serverTick: 0,
      resumeToken: 't',
      roomId: 'r',
      entityId: -1,
      snapshotRateHz: 60,
    };
    assert.doesNotThrow(() => first.onmessage?.(encodeMessage(welcome)));
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /unexpected error/);
    assert.equal(sockets[0]!.closedWith, CloseCode.InternalError);
    assert.deepEqual(disconnects, [[CloseCode.InternalError, true]]);
    clock.advanceTo(clock.now() + 10_000);
    assert.equal(sockets.length, 2, 'a new socket was opened to resume');
  });
});
