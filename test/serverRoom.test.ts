/** Rooms, sessions and snapshot streaming over the memory transport, driven by a manual clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseCode, encodeMessage, MsgKind, seededRandom, type Snapshot } from '../shared/index.ts';
import { MemoryTransport, type RoomHandlers, Server, type ServerOptions } from '../server/index.ts';
import { MAX_REPEATED_INPUTS } from '../server/InputBuffer.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { type ArenaOptions, arenaRoom, sameWorld, TestClient, type TestSchema } from './helpers/serverFixture.ts';
import { ProbeTransport } from './helpers/ProbeTransport.ts';

async function setup(
  options: { server?: ServerOptions; arena?: ArenaOptions; latencyMs?: number; jitterMs?: number } = {},
) {
  const clock = new FakeClock();
  const memory = new MemoryTransport({
    clock,
    latencyMs: options.latencyMs ?? 0,
    jitterMs: options.jitterMs ?? 0,
    random: seededRandom(3),
  });
  const probe = new ProbeTransport(memory);
  const logs: string[] = [];
  const errors: unknown[] = [];
  const server = new Server({
    clock,
    transport: probe,
    tickRateHz: 50,
    logger: { warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    onError: (err) => errors.push(err),
    ...options.server,
  });
  server.define('arena', arenaRoom(options.arena));
  await server.listen(0, '127.0.0.1');
  const connect = (): TestClient => new TestClient(memory.connect());
  const join = async (hello: Parameters<TestClient['hello']>[0] = {}): Promise<TestClient> => {
    const c = connect();
    await settle();
    for (let i = 0; i < 1000 && !c.isOpen; i++) clock.advance(1);
    c.hello(hello);
    for (let i = 0; i < 1000 && c.welcome === null && c.closed === null; i++) clock.advance(1);
    return c;
  };
  return { clock, memory, probe, server, logs, errors, connect, join };
}

/** Lets promise callbacks (the async upgrade decision) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
}

function serverSnapshot(server: Server): Snapshot {
  const room = server.roomList()[0]!;
  assert.ok(room.snapshot !== null);
  return room.snapshot;
}

describe('server rooms over the memory transport', () => {
  it('streams two clients to the exact quantized server state, with latency and jitter', async () => {
    const { clock, server, join } = await setup({ latencyMs: 30, jitterMs: 20 });
    const a = await join();
    const b = await join();
    for (let i = 0; i < 100; i++) {
      a.input(i, { dx: 1, dy: 0.5, fire: i % 10 === 0 });
      b.input(i, { dx: -0.5, dy: 1, fire: false });
      clock.advance(20);
    }
    clock.advance(200);
    const room = server.roomList()[0]!;
    await server.close();
    clock.advance(200);
    const truth = room.snapshot!;
    for (const c of [a, b]) {
      assert.deepEqual(c.errors, []);
      assert.equal(c.latest!.tick, truth.tick);
      assert.ok(sameWorld(c.latest!, truth), 'client world equals the server world');
      assert.equal(c.fullSnapshots, 1);
      assert.equal(c.closed?.code, CloseCode.GoingAway);
    }
    // After its last input (99) the server stood in for a few missing ones, at most MAX_REPEATED_INPUTS.
    assert.ok(a.lastInputSeq >= 99 && a.lastInputSeq <= 99 + MAX_REPEATED_INPUTS, `${a.lastInputSeq}`);
  });

  it('skips a stalled client instead of queueing, and brings it back to the exact state', async () => {
    const { clock, server, join, probe } = await setup({
      arena: { rocks: 300, chaotic: true },
      server: { maxBufferedBytes: 16 * 1024 },
    });
    const slow = await join();
    const fast = await join();
    clock.advance(100);
    (slow.socket as ReturnType<MemoryTransport['connect']>).pauseReading();
    let maxBuffered = 0;
    for (let i = 0; i < 200; i++) {
      clock.advance(20);
      for (const conn of probe.connections) maxBuffered = Math.max(maxBuffered, conn.bufferedAmount);
    }
    const skipped = server.metrics;
    server.step();
    assert.ok(skipped.totals.snapshotsSkipped > 100, `skipped ${skipped.totals.snapshotsSkipped}`);
    const frameBound = 16 * 1024 + 8 * 1024;
    assert.ok(maxBuffered <= frameBound, `buffered stayed bounded: ${maxBuffered}`);
    (slow.socket as ReturnType<MemoryTransport['connect']>).resumeReading();
    clock.advance(100);
    const truth = serverSnapshot(server);
    for (const c of [slow, fast]) {
      assert.deepEqual(c.errors, []);
      assert.equal(c.latest!.tick, truth.tick);
      assert.ok(sameWorld(c.latest!, truth));
    }
  });

  it(
    'applies inputs in seq order one per tick, drops stale seqs, stands in for a missing input with the ' +
      'last one (dropping it when it comes late) and reports the last applied seq',
    async () => {
      const seen: number[] = [];
      const { clock, join, server } = await setup({
        server: { autoTick: false },
        arena: {
          extra: {
            onInput(_room, _client, input) {
              seen.push(Math.round(input.dx * 100));
            },
          } satisfies Partial<RoomHandlers<TestSchema>>,
        },
      });
      const c = await join();
      const seqs: number[] = [];
      const tick = (): void => {
        server.step();
        clock.advance(1);
        seqs.push(c.lastInputSeq);
      };
      c.input(5, { dx: 0.05, dy: 0, fire: false });
      c.input(3, { dx: 0.03, dy: 0, fire: false });
      c.input(6, { dx: 0.06, dy: 0, fire: false });
      c.input(6, { dx: 0.6, dy: 0, fire: false });
      c.input(8, { dx: 0.08, dy: 0, fire: false });
      clock.advance(1);
      for (let i = 0; i < 4; i++) tick();
      // 5, 6, 8 one per tick, then nothing waits: 8's values stand in for seq 9.
      assert.deepEqual(seen, [5, 6, 8, 8]);
      assert.deepEqual(seqs, [5, 6, 8, 9]);
      assert.equal(c.missedInputs, 1, 'the snapshot told the client');
      c.input(9, { dx: 0.09, dy: 0, fire: false });
      c.input(10, { dx: 0.1, dy: 0, fire: false });
      clock.advance(1);
      tick();
      assert.deepEqual(seen, [5, 6, 8, 8, 10], 'the late 9 was dropped, 10 applied without added delay');
      assert.deepEqual(c.errors, []);
    },
  );

  it('drains a backlog two per tick, and lets the game apply nothing in place of a missing input', async () => {
    const seen: number[] = [];
    const { clock, join, server } = await setup({
      server: { autoTick: false },
      arena: {
        extra: {
          onInput(_room, _client, input) {
            seen.push(Math.round(input.dx * 100));
          },
          onMissingInput: () => null,
        } satisfies Partial<RoomHandlers<TestSchema>>,
      },
    });
    const c = await join();
    for (let seq = 1; seq <= 6; seq++) c.input(seq, { dx: seq / 100, dy: 0, fire: false });
    clock.advance(1);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      server.step();
      clock.advance(1);
      seqs.push(c.lastInputSeq);
    }
    // Six waiting, above twice the target plus two: 1 and 2 in the first tick, then one per tick.
    assert.deepEqual(seqs, [2, 3, 4, 5, 6]);
    server.step();
    clock.advance(1);
    assert.equal(c.lastInputSeq, 6, 'nothing stood in: the seq was not used up');
    c.input(7, { dx: 0.07, dy: 0, fire: false });
    clock.advance(1);
    server.step();
    clock.advance(1);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7], 'the late input is applied');
    assert.equal(c.missedInputs, 0);
  });

  it('merges clients that joined at different ticks into one encode per tick', async () => {
    const { clock, join, server } = await setup({ server: { autoTick: false } });
    const step = (): void => {
      server.step();
      clock.advance(1);
    };
    const a = await join();
    step();
    step();
    const b = await join();
    step();
    step();
    const before = server.metrics.totals.encodes;
    step();
    assert.equal(server.metrics.totals.encodes - before, 1, 'one encode serves both clients');
    await a.waitFor(() => a.latest?.tick === b.latest?.tick, 'both clients at the same tick');
    assert.ok(a.latest !== null && b.latest !== null && sameWorld(a.latest, b.latest));
  });

  it('counts the time spent in the rooms’ step handlers apart from the rest of the tick, and exports it', async () => {
    const STEP_MS = 3;
    let steps = 0;
    let advance = (_ms: number): void => {};
    const { clock, join, server } = await setup({
      server: { autoTick: false },
      arena: {
        extra: {
          step() {
            steps++;
            advance(STEP_MS);
          },
        },
      },
    });
    advance = (ms) => clock.advance(ms);
    await join();
    const before = server.metrics.totals.stepHandlerMs;
    server.step();
    server.step();
    assert.equal(steps, 2);
    assert.equal(
      server.metrics.totals.stepHandlerMs - before,
      2 * STEP_MS,
      'the step handlers took 2 × 3 ms of clock time',
    );
    const { body } = await server.metrics.render();
    const seconds = Number(/^tickwave_room_step_seconds_total (\S+)$/m.exec(body)?.[1]);
    assert.ok(seconds >= (2 * STEP_MS) / 1000, `exported ${seconds} s`);
  });

  it('resumes a session within the grace period with the same client and entity, and ends it after', async () => {
    const left: number[] = [];
    const { clock, server, memory, join } = await setup({
      server: { resumeGraceMs: 1000 },
      arena: {
        extra: {
          onLeave(room, client) {
            left.push(client.id);
            room.despawn(client.entityId);
          },
        },
      },
    });
    const keep = await join();
    const a = await join();
    clock.advance(100);
    const welcome = a.welcome!;
    (a.socket as ReturnType<MemoryTransport['connect']>).close(4999, 'network lost');
    clock.advance(500);
    assert.deepEqual(left, []);
    const room = server.getRoom(welcome.roomId)!;
    assert.ok(room.get(welcome.entityId) !== undefined, 'entity kept during the grace period');
    const back = new TestClient(memory.connect());
    await settle();
    clock.advance(0);
    back.hello({ resumeToken: welcome.resumeToken });
    clock.advance(100);
    assert.equal(back.welcome?.clientId, welcome.clientId);
    assert.equal(back.welcome?.entityId, welcome.entityId);
    assert.equal(back.fullSnapshots, 1);
    assert.ok(sameWorld(back.latest!, room.snapshot!));
    back.socket.close(4999, 'lost again');
    clock.advance(2000);
    assert.deepEqual(left, [welcome.clientId]);
    assert.equal(room.get(welcome.entityId), undefined);
    const late = new TestClient(memory.connect());
    await settle();
    clock.advance(0);
    late.hello({ resumeToken: welcome.resumeToken });
    clock.advance(10);
    assert.equal(late.closed?.code, CloseCode.AuthFailed);
    assert.equal(keep.closed, null);
  });

  it('closes a client that sends no Hello within the handshake timeout', async () => {
    const { clock, connect } = await setup({ server: { handshakeTimeoutMs: 500 } });
    const c = connect();
    await settle();
    clock.advance(499);
    assert.equal(c.closed, null);
    clock.advance(2);
    assert.equal(await c.closeCode(), CloseCode.HandshakeTimeout);
  });

  it('refuses a wrong protocol, a wrong schema, an unknown room and a full room with their codes', async () => {
    const { clock, join } = await setup({ arena: { maxClients: 1 } });
    const proto = await join({ protocolVersion: 99 });
    const schema = await join({ schemaHash: '0123456789abcdef' });
    const room = await join({ room: 'nowhere' });
    const first = await join();
    const full = await join();
    clock.advance(10);
    assert.equal(proto.closed?.code, CloseCode.ProtocolMismatch);
    assert.equal(schema.closed?.code, CloseCode.SchemaMismatch);
    assert.equal(room.closed?.code, CloseCode.NoSuchRoom);
    assert.equal(full.closed?.code, CloseCode.RoomFull);
    assert.equal(first.closed, null);
    assert.ok(first.welcome !== null);
  });

  it('reports errors thrown by game code with context and keeps the room and its clients running', async () => {
    let fail = true;
    const { clock, errors, join, server } = await setup({
      arena: {
        extra: {
          step() {
            if (fail) throw new Error('boom in step');
          },
        },
      },
    });
    const c = await join();
    clock.advance(100);
    fail = false;
    clock.advance(100);
    assert.ok(errors.length >= 1);
    assert.match(String(errors[0]), /boom in step/);
    assert.equal(c.closed, null);
    assert.equal(c.latest!.tick, server.roomList()[0]!.tick);
  });

  it('closes an empty room unless told to keep it, and joins by room id', async () => {
    const { clock, server, join } = await setup();
    const a = await join();
    const id = a.welcome!.roomId;
    const b = await join({ room: id });
    assert.equal(b.welcome?.roomId, id);
    a.socket.close(1000, 'bye');
    b.socket.close(1000, 'bye');
    clock.advance(10);
    assert.equal(server.getRoom(id), undefined);
    const kept = await setup({ arena: { closeWhenEmpty: false } });
    const k = await kept.join();
    k.socket.close(1000, 'bye');
    kept.clock.advance(10);
    assert.ok(kept.server.getRoom(k.welcome!.roomId) !== undefined);
  });

  it('answers Ping with Pong and closes a client whose message kind is wrong for its state', async () => {
    const { clock, connect, join } = await setup();
    const c = await join();
    c.socket.send(encodeMessage({ kind: MsgKind.Ping, clientTimeMs: 5 }));
    clock.advance(5);
    assert.equal(c.pongs, 1);
    const early = connect();
    await settle();
    clock.advance(0);
    early.socket.send(encodeMessage({ kind: MsgKind.Ping, clientTimeMs: 5 }));
    clock.advance(5);
    assert.equal(early.closed?.code, CloseCode.UnknownMessage);
  });
});
