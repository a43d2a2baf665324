/**
 * The real TickwaveClient (wsSocketFactory) against a hostile server: a `ws` WebSocketServer that
 * answers each Hello with a valid Welcome and a valid full snapshot, then one hostile frame (a hostile
 * server message, a valid envelope around a hostile snapshot body, or a text frame), then drops the
 * connection. Properties: nothing is thrown out of a socket callback (an 'uncaughtException' probe),
 * the client reconnects every time, every snapshot it reports is well formed, and at the end it holds
 * exactly the world the server last sent.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { WebSocketServer } from 'ws';
import { runHostileClient } from '../bench/hostileClient.ts';
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/wsSocket.ts';
import {
  type ClientSocket,
  encodeMessage,
  MsgKind,
  seededRandom,
  type Snapshot,
  SnapshotCodec,
  SUBPROTOCOL,
} from '../shared/index.ts';
import { checkWellFormed, hostileServerFrameArb, hostileClientWorld as world } from './helpers/hostileValues.ts';
import { sameWorld, testSchema } from './helpers/serverFixture.ts';

const SEED = 777;
const HOSTILE_FRAMES = 300;
const uncaught: unknown[] = [];
const probe = (err: unknown): void => void uncaught.push(err);
process.on('uncaughtException', probe);
after(() => void process.off('uncaughtException', probe));

describe('the client against a hostile server', () => {
  it('never throws out of a callback, reconnects after each hostile frame and ends with the exact world', async () => {
    const codec = new SnapshotCodec(testSchema);
    const realBody = codec.encode(null, world(1)).bytes.slice();
    const frames = fc.sample(hostileServerFrameArb(realBody), { seed: SEED, numRuns: HOSTILE_FRAMES });
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    await once(wss, 'listening');
    const { port } = wss.address() as { port: number };
    let next = 0;
    let tick = 10;
    let lastSent: Snapshot | null = null;
    const clientCloses = new Map<number, number>();
    wss.on('connection', (ws) => {
      ws.on('close', (code) => clientCloses.set(code, (clientCloses.get(code) ?? 0) + 1));
      ws.once('message', () => {
        const final = next >= frames.length;
        const roomId = final ? 'final' : 'hostile';
        ws.send(
          encodeMessage({
            kind: MsgKind.Welcome,
            clientId: 1,
            tickRateHz: 30,
            serverTick: tick,
            resumeToken: 't',
            roomId,
            entityId: -1,
            snapshotRateHz: 30,
          }),
        );
        tick += 5;
        const current = world(tick);
        ws.send(
          encodeMessage({
            kind: MsgKind.Snapshot,
            tick,
            baseTick: -1,
            lastInputSeq: -1,
            body: codec.encode(null, current).bytes,
          }),
        );
        if (final) {
          lastSent = current;
          return;
        }
        const frame = frames[next++]!;
        if (typeof frame === 'string') ws.send(frame);
        else if (frame instanceof Uint8Array) ws.send(frame);
        else {
          const baseTick = frame.base < 0 ? -1 : tick - frame.base;
          ws.send(encodeMessage({ kind: frame.kind, tick: tick + 1, baseTick, lastInputSeq: -1, body: frame.body }));
        }
        setTimeout(() => ws.terminate(), 15);
      });
    });
    const client = new TickwaveClient(testSchema, {
      url: `ws://127.0.0.1:${port}/`,
      socketFactory: wsSocketFactory(),
      reconnect: { initialDelayMs: 2, maxDelayMs: 10, maxAttempts: 1_000_000, random: seededRandom(SEED) },
    });
    const reported: string[] = [];
    let disconnects = 0;
    client.onSnapshot((snap) => {
      try {
        checkWellFormed(snap);
      } catch (err) {
        reported.push(`tick ${snap.tick}: ${String(err)}`);
      }
    });
    client.onDisconnect((code, _reason, willReconnect) => {
      disconnects++;
      if (!willReconnect) reported.push(`gave up after close ${code}`);
    });
    client.onError(() => {});
    client.connect();
    try {
      const deadline = Date.now() + 60_000;
      while (
        !(lastSent !== null && client.latestSnapshot?.tick === (lastSent as Snapshot).tick) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(uncaught, [], 'nothing thrown out of a socket callback');
      assert.deepEqual(reported, []);
      assert.ok(lastSent !== null, `the server used ${next} of ${frames.length} hostile frames`);
      assert.equal(client.state, 'joined');
      assert.equal(client.welcome?.roomId, 'final');
      assert.ok(sameWorld(client.latestSnapshot!, lastSent), 'the client holds exactly the last world sent');
      assert.ok(disconnects >= HOSTILE_FRAMES, `${disconnects} disconnects`);
      for (const code of clientCloses.keys()) {
        assert.ok(
          code === 1005 || code === 1006 || (code >= 4000 && code < 4100) || code === 1011,
          `client closed with ${code}`,
        );
      }
    } finally {
      client.close();
      wss.close();
    }
  });
});

describe('the client against a hostile server, in memory', () => {
  it('survives 3,000 hostile frames on a simulated clock: no throw out of a callback, exact at the end', () => {
    const result = runHostileClient(3000, SEED, () => {});
    assert.equal(result.framesSent, 3000);
    assert.equal(result.crashes, 0);
    assert.equal(result.badSnapshots, 0);
    assert.ok(result.exact, 'the client holds exactly the last valid world');
    assert.ok(result.connections > 100, `${result.connections} connections`);
  });

  it('starts over when a Welcome’s server tick is behind the snapshots it holds (the server started over)', () => {
    let socket: ClientSocket | null = null;
    const timers = new Set<() => void>();
    const client = new TickwaveClient(testSchema, {
      url: 'memory://restart',
      socketFactory: () => {
        socket = { onopen: null, onmessage: null, onclose: null, bufferedAmount: 0, send() {}, close() {} };
        return socket;
      },
      reconnect: { initialDelayMs: 1, maxDelayMs: 1, random: () => 0 },
      now: () => 0,
      schedule: (fn) => {
        timers.add(fn);
        return fn;
      },
      cancel: (fn) => void timers.delete(fn as () => void),
    });
    const codec = new SnapshotCodec(testSchema);
    const serve = (tick: number): void => {
      const s = socket!;
      s.onopen?.();
      const welcome = {
        clientId: 1,
        tickRateHz: 30,
        resumeToken: 't',
        roomId: 'r',
        entityId: -1,
        snapshotRateHz: 30,
      } as const;
      s.onmessage?.(encodeMessage({ kind: MsgKind.Welcome, serverTick: tick, ...welcome }));
      const body = codec.encode(null, world(tick)).bytes;
      s.onmessage?.(encodeMessage({ kind: MsgKind.Snapshot, tick, baseTick: -1, lastInputSeq: -1, body }));
    };
    client.connect();
    serve(100_000);
    assert.equal(client.latestSnapshot?.tick, 100_000);
    socket!.onclose?.(1006, 'server restarted');
    for (const fn of [...timers]) {
      timers.delete(fn);
      fn(); // the reconnection (and a ping, which finds no socket)
    }
    serve(10);
    assert.equal(client.state, 'joined');
    assert.equal(client.latestSnapshot?.tick, 10, 'the older timeline was dropped, the new one taken');
    client.close();
  });
});
