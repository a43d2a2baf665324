/**
 * A live server on its default network transport, over real sockets, against many connections that
 * each send one hostile frame (test/helpers/hostileValues.ts) before or after their Hello, while
 * three normal clients play. Each hostile connection then sends a sentinel (a Ping after the Hello, a
 * Hello before it): the server either answers it (the frame was acceptable) or has closed the
 * connection with a documented close code (1006/1009 only for a frame the transport itself cuts), never 1011.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CloseCode, encodeMessage, MsgKind } from '../shared/index.ts';
import { Server } from '../server/index.ts';
import {
  hex,
  type HostileFrame,
  hostileFrameArb,
  validClientMsgArb,
  validServerMsgArb,
} from './helpers/hostileValues.ts';
import {
  arenaRoom,
  sameWorld,
  TestClient,
  testSchema,
  wsSocket,
  type WsClientSocket,
} from './helpers/serverFixture.ts';

const SEED = 4242;
const HOSTILE_CONNECTIONS = 900;
const CONCURRENCY = 12;
const MAX_PAYLOAD_BYTES = 2048;
const LOG_INTERVAL_MS = 5000;
/** Log keys a peer can reach (close:<code> per CloseCode, internal:<entry>), with a margin. */
const LOG_KEYS = 32;
const CLOSE_CODES = new Set<number>(Object.values(CloseCode));

describe('a live server under hostile frames', () => {
  it('closes each hostile connection with a documented code while normal clients stay exact', async () => {
    const lines: string[] = [];
    const logger = {
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
      info: () => {},
    };
    const server = new Server({ logger, tickRateHz: 30, autoTick: false, maxPayloadBytes: MAX_PAYLOAD_BYTES });
    server.define('arena', arenaRoom({ closeWhenEmpty: false, maxClients: 10_000 }));
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `ws://127.0.0.1:${port}/`;
    const started = Date.now();
    const normal: TestClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = new TestClient(wsSocket(url));
      await c.waitFor(() => c.isOpen, 'open');
      c.hello();
      await c.waitFor(() => c.welcome !== null, 'Welcome');
      normal.push(c);
    }
    const room = server.getRoom(normal[0]!.welcome!.roomId)!;
    let seq = 0;
    const ticker = setInterval(() => {
      seq++;
      for (const [i, c] of normal.entries()) {
        c.input(seq, { dx: ((seq * (i + 1)) % 7) / 7 - 0.5, dy: 0.3, fire: seq % 11 === i });
      }
      server.step();
    }, 20);
    const valid = fc.oneof(validClientMsgArb(testSchema), validServerMsgArb());
    const frames = fc.sample(hostileFrameArb(valid), { seed: SEED, numRuns: HOSTILE_CONNECTIONS });
    const codes = new Map<string, number>();
    const failures: string[] = [];
    const one = async (frame: HostileFrame, afterHello: boolean): Promise<void> => {
      const c = new TestClient(wsSocket(url));
      await c.waitFor(() => c.isOpen || c.closed !== null, 'open');
      if (afterHello) {
        c.hello();
        await c.waitFor(() => c.welcome !== null || c.closed !== null, 'Welcome');
      }
      c.socket.send(frame.bytes);
      if (afterHello) c.socket.send(encodeMessage({ kind: MsgKind.Ping, clientTimeMs: 1 }));
      else c.hello();
      const answered = (): boolean => (afterHello ? c.pongs > 0 : c.welcome !== null);
      await c.waitFor(() => c.closed !== null || answered(), 'a close or the sentinel’s answer');
      if (c.closed === null) {
        codes.set('answered', (codes.get('answered') ?? 0) + 1);
        c.socket.close(1000, 'done');
        return;
      }
      const code = c.closed.code;
      codes.set(String(code), (codes.get(String(code)) ?? 0) + 1);
      // A frame over the transport's own limit is cut by it: 1006 on uWS, 1009 (message too big) on ws.
      const cut = (code === 1006 || code === 1009) && frame.bytes.byteLength > 2 * MAX_PAYLOAD_BYTES;
      if ((!CLOSE_CODES.has(code) && !cut) || code === CloseCode.InternalError) {
        failures.push(
          `${frame.label} [${hex(frame.bytes)}] ${afterHello ? 'after' : 'before'} Hello → ` +
            `${code} ${c.closed.reason}`,
        );
      }
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < frames.length) {
        const i = next++;
        await one(frames[i]!, i % 2 === 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    for (const afterHello of [false, true]) {
      const text = new TestClient(wsSocket(url));
      await text.waitFor(() => text.isOpen, 'open');
      if (afterHello) text.hello();
      if (afterHello) await text.waitFor(() => text.welcome !== null, 'Welcome');
      (text.socket as WsClientSocket).ws.send('{"kind":1}');
      assert.equal(await text.closeCode(), CloseCode.Malformed, 'a text frame');
    }
    clearInterval(ticker);
    server.step();
    for (const c of normal) {
      await c.waitFor(() => c.latest?.tick === room.tick, 'the final tick');
      assert.deepEqual(c.errors, []);
      assert.equal(c.closed, null);
      assert.ok(sameWorld(c.latest!, room.snapshot!), 'a normal client holds exactly the server’s world');
    }
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    const elapsedMs = Date.now() - started;
    await server.close();
    assert.deepEqual(failures, [], `undocumented closes; all codes: ${JSON.stringify([...codes])}`);
    assert.ok((codes.get(String(CloseCode.Malformed)) ?? 0) > 100, JSON.stringify([...codes]));
    assert.ok((codes.get(String(CloseCode.UnknownMessage)) ?? 0) > 10, JSON.stringify([...codes]));
    const bound = LOG_KEYS * (Math.ceil(elapsedMs / LOG_INTERVAL_MS) + 1);
    assert.ok(
      lines.length <= bound,
      `${lines.length} log lines for ${HOSTILE_CONNECTIONS} hostile connections, over ${bound}`,
    );
    assert.ok(
      lines.every((l) => l.length <= 300),
      'log lines stay short',
    );
  });
});
