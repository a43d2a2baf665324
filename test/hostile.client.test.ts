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
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/wsSocket.ts';
import {
  encodeMessage,
  isValidQValue,
  MsgKind,
  quantizedValue,
  quantizeWorld,
  seededRandom,
  type Snapshot,
  SnapshotCodec,
  SUBPROTOCOL,
} from '../shared/index.ts';
import { hostileFrameArb, mutate, validServerMsgArb } from './helpers/hostileValues.ts';
import { sameWorld, testSchema } from './helpers/serverFixture.ts';

const SEED = 777;
const HOSTILE_FRAMES = 300;
const uncaught: unknown[] = [];
const probe = (err: unknown): void => void uncaught.push(err);
process.on('uncaughtException', probe);
after(() => void process.off('uncaughtException', probe));

function world(tick: number): Snapshot {
  const entities = Array.from({ length: 8 }, (_, id) =>
    id % 2 === 0
      ? { id, kind: 0, state: { x: 10 * id + tick, y: 100, a: tick / 10, hp: 100 } }
      : { id, kind: 1, state: { x: 5 * id, y: 200 + tick, tag: `t${tick % 3}` } },
  );
  return quantizeWorld(testSchema, tick, entities);
}

function assertWellFormed(s: Snapshot): void {
  for (let i = 0; i < s.count; i++) {
    if (i > 0) assert.ok(s.ids[i]! > s.ids[i - 1]!, 'ids ascend');
    const kind = testSchema.kinds[s.kinds[i]!];
    assert.ok(kind !== undefined, `kind ${s.kinds[i]}`);
    for (const f of kind.fields)
      assert.ok(isValidQValue(f, quantizedValue(testSchema, s, i, f.index)), `field ${f.name}`);
  }
}

describe('the client against a hostile server', () => {
  it('never throws out of a callback, reconnects after each hostile frame and ends with the exact world', async () => {
    const codec = new SnapshotCodec(testSchema);
    const realBody = codec.encode(null, world(1)).bytes.slice();
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc
        .array(fc.record({ op: fc.constantFrom('set', 'flip', 'insert', 'delete'), at: fc.nat(), byte: fc.nat(255) }), {
          minLength: 1,
          maxLength: 4,
        })
        .map((ops) => mutate(realBody, ops as Parameters<typeof mutate>[1])),
    );
    const hostileSnapshot = fc
      .tuple(fc.constantFrom(MsgKind.Snapshot, MsgKind.GroupSnapshot), fc.integer({ min: -1, max: 3 }), bodyArb)
      .map(([kind, base, body]) => ({ kind, base, body }));
    const frames = fc.sample(
      fc.oneof(
        {
          arbitrary: hostileFrameArb(validServerMsgArb()).map((f) => ({ frame: f.bytes as Uint8Array | string })),
          weight: 6,
        },
        { arbitrary: hostileSnapshot.map((s) => ({ frame: s })), weight: 3 },
        { arbitrary: fc.string({ maxLength: 20 }).map((s) => ({ frame: s })), weight: 1 },
      ),
      { seed: SEED, numRuns: HOSTILE_FRAMES },
    );
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
        const { frame } = frames[next++]!;
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
        assertWellFormed(snap);
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
