/**
 * The server over real sockets, on each network transport that runs on this Node (uWebSockets.js, ws),
 * with `ws` clients: congestion, fuzz, limits, resume, HTTP, upgrades, idle timeout.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  checkInputValues,
  CloseCode,
  decodeClientMessage,
  encodeMessage,
  MsgKind,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  seededRandom,
} from '../shared/index.ts';
import { type AuthResult, type RoomClient, Server, type ServerOptions, WsTransport } from '../server/index.ts';
import {
  describeUwsUnavailable,
  NETWORK_TRANSPORTS,
  type NetworkName,
  networkTransport,
} from './helpers/networkTransports.ts';
import {
  type ArenaOptions,
  arenaRoom,
  event,
  sameWorld,
  TestClient,
  testSchema,
  turn,
  wsSocket,
  type WsClientSocket,
} from './helpers/serverFixture.ts';
import { ProbeTransport } from './helpers/ProbeTransport.ts';

const silent = { warn: () => {}, error: () => {} };
const servers: Server[] = [];
const tempDirs: string[] = [];

after(async () => {
  for (const s of servers) await s.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A server on transport `name` behind a probe, with helpers to connect `ws` clients to it. */
async function start(name: NetworkName, options: ServerOptions = {}, arena: ArenaOptions = {}) {
  const transport = networkTransport(name, { maxPayloadBytes: options.maxPayloadBytes, staticDir: options.staticDir });
  const probe = new ProbeTransport(transport);
  const server = new Server({ logger: silent, ...options, transport: probe });
  servers.push(server);
  server.define('arena', arenaRoom(arena));
  const { port } = await server.listen(0, '127.0.0.1');
  const connect = (o: Parameters<typeof wsSocket>[1] = {}): TestClient =>
    new TestClient(wsSocket(`ws://127.0.0.1:${port}/`, o));
  const joined = async (
    hello: Parameters<TestClient['hello']>[0] = {},
    o: Parameters<typeof wsSocket>[1] = {},
  ): Promise<TestClient> => {
    const c = connect(o);
    await c.waitFor(() => c.isOpen || c.closed !== null, 'open');
    c.hello(hello);
    await c.waitFor(() => c.welcome !== null || c.closed !== null, 'Welcome');
    return c;
  };
  return { server, port, probe, connect, joined };
}

function rawGet(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describeUwsUnavailable('server over uws');

for (const name of NETWORK_TRANSPORTS) {
  describe(`server over ${name}`, () => {
    it('brings a client that stopped reading for seconds back to the exact state, with bounded buffering', async () => {
      const maxBufferedBytes = 64 * 1024;
      const { server, probe, joined } = await start(
        name,
        { autoTick: false, maxBufferedBytes },
        { rocks: 3000, chaotic: true },
      );
      const slow = await joined();
      const steady = await joined();
      const room = server.getRoom(slow.welcome!.roomId)!;
      for (let i = 0; i < 5; i++) {
        room.step();
        await turn();
      }
      const raw = (slow.socket as WsClientSocket).ws as unknown as { _socket: { pause(): void; resume(): void } };
      raw._socket.pause();
      let maxBuffered = 0;
      const pauseUntil = Date.now() + 3000;
      while (Date.now() < pauseUntil) {
        room.step();
        for (const conn of probe.connections) maxBuffered = Math.max(maxBuffered, conn.bufferedAmount);
        await turn();
      }
      server.step();
      const skipped = server.metrics.totals.snapshotsSkipped;
      assert.ok(skipped > 0, 'the paused client was skipped');
      assert.ok(
        maxBuffered <= maxBufferedBytes + 128 * 1024,
        `server-side buffer stayed bounded: ${maxBuffered} bytes`,
      );
      raw._socket.resume();
      for (let i = 0; i < 30; i++) {
        room.step();
        await turn();
      }
      for (const c of [slow, steady]) {
        await c.waitFor(() => c.latest?.tick === room.tick, 'the final tick', 30_000);
        assert.deepEqual(c.errors, []);
        assert.ok(sameWorld(c.latest!, room.snapshot!), 'exactly the server state');
      }
    });

    it(
      'closes each sender of thousands of random and mutated frames with the right code; ' +
        'another client streams on',
      async () => {
        const maxPayloadBytes = 2048;
        const { joined, connect } = await start(name, { maxMessagesPerSecond: 1e6, maxPayloadBytes, tickRateHz: 60 });
        const observer = await joined();
        const rand = seededRandom(42);
        const byte = (): number => Math.floor(rand() * 256);
        const valid = (): Uint8Array => {
          const pick = Math.floor(rand() * 5);
          if (pick === 0)
            return encodeMessage({
              kind: MsgKind.Hello,
              protocolVersion: PROTOCOL_VERSION,
              schemaHash: testSchema.hash,
              room: 'arena',
              resumeToken: null,
              options: { a: 1 },
            });
          if (pick === 1)
            return encodeMessage({
              kind: MsgKind.Input,
              seq: Math.floor(rand() * 1000),
              viewTick: 3,
              values: [byte(), byte(), byte() & 1],
            });
          if (pick === 2) return encodeMessage({ kind: MsgKind.Input, seq: 1, viewTick: 3, values: [999, -5, 7, 8] });
          if (pick === 3) return encodeMessage({ kind: MsgKind.Ping, clientTimeMs: rand() * 1e6 });
          return encodeMessage({ kind: MsgKind.Ack, tick: 2 ** 40 });
        };
        const frame = (): Uint8Array => {
          if (rand() < 0.3) return Uint8Array.from({ length: Math.floor(rand() * 64) }, byte);
          const bytes = [...valid()];
          for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) {
            const op = rand();
            const at = Math.floor(rand() * bytes.length);
            if (op < 0.4) bytes[at] = byte();
            else if (op < 0.6) bytes.length = at;
            else if (op < 0.8) bytes.splice(at, 0, byte());
            else bytes.push(...Array.from({ length: 1 + Math.floor(rand() * 8) }, byte));
          }
          return Uint8Array.from(bytes);
        };
        /**
         * The close code the server must answer `bytes` with after the handshake, 'open' for none, null if it depends
         * on timing.
         */
        const expected = (bytes: Uint8Array): number | 'open' | null => {
          if (bytes.byteLength > maxPayloadBytes) return CloseCode.Oversize;
          const d = decodeClientMessage(bytes);
          if (!d.ok) return d.error.code;
          const msg = d.value;
          if (msg.kind === MsgKind.Hello) return CloseCode.UnknownMessage;
          if (msg.kind === MsgKind.Ping) return 'open';
          if (msg.kind === MsgKind.Ack) return msg.tick > 1e9 ? CloseCode.OutOfRange : msg.tick === 0 ? 'open' : null;
          if (msg.seq > 2 ** 31 - 1 || !checkInputValues(testSchema, msg.values).ok) return CloseCode.OutOfRange;
          return 'open';
        };
        const total = 2000;
        let sent = 0;
        let closes = 0;
        const codes = new Map<number, number>();
        let lastObserved = observer.snapshotCount;
        while (sent < total) {
          const c = connect();
          await c.waitFor(() => c.isOpen, 'open');
          c.hello();
          await c.waitFor(() => c.welcome !== null, 'Welcome');
          for (;;) {
            if (sent >= total) {
              c.socket.close(1000, 'done');
              break;
            }
            const bytes = frame();
            const want = expected(bytes);
            if (want === null) continue;
            sent++;
            if (sent % 500 === 0) {
              await observer.waitFor(() => observer.snapshotCount > lastObserved, 'observer snapshots during the fuzz');
              lastObserved = observer.snapshotCount;
            }
            c.socket.send(bytes);
            if (want === 'open') continue;
            const code = await c.closeCode();
            assert.equal(
              code,
              want,
              `frame ${Buffer.from(bytes).toString('hex')} closed with ${code} (${c.closed?.reason}), expected ${want}`,
            );
            codes.set(code, (codes.get(code) ?? 0) + 1);
            closes++;
            break;
          }
        }
        assert.ok(closes > 500, `${closes} connections closed`);
        assert.ok(
          (codes.get(CloseCode.Malformed) ?? 0) > 0 &&
            (codes.get(CloseCode.OutOfRange) ?? 0) > 0 &&
            (codes.get(CloseCode.UnknownMessage) ?? 0) > 0,
        );
        assert.equal(observer.closed, null);
        assert.deepEqual(observer.errors, []);
      },
    );

    it('closes a flooding client with 4003 and an oversized frame with 4004', async () => {
      const { joined } = await start(name, { maxMessagesPerSecond: 50, maxPayloadBytes: 1024 });
      const flood = await joined();
      for (let i = 0; i < 500; i++) flood.socket.send(encodeMessage({ kind: MsgKind.Ping, clientTimeMs: i }));
      assert.equal(await flood.closeCode(), CloseCode.RateLimited);
      const big = await joined();
      big.socket.send(new Uint8Array(1025));
      assert.equal(await big.closeCode(), CloseCode.Oversize);
    });

    it('rejects failed authentication with 401 or 403 and hands accepted user data to the game', async () => {
      const joinedUsers: unknown[] = [];
      const { joined, connect } = await start(
        name,
        {
          authenticate: async (req) => {
            const token = req.headers['x-token'];
            if (token === undefined) return { ok: false, status: 401, reason: 'log in first' };
            return token === 'good' ? { ok: true, userData: { name: 'ada' } } : { ok: false, status: 403 };
          },
        },
        {
          extra: {
            onJoin(_room, client: RoomClient) {
              joinedUsers.push(client.userData);
            },
          },
        },
      );
      const anonymous = connect();
      const wrong = connect({ headers: { 'x-token': 'bad' } });
      await anonymous.closeCode();
      await wrong.closeCode();
      assert.equal((anonymous.socket as WsClientSocket).rejectedStatus, 401);
      assert.equal((wrong.socket as WsClientSocket).rejectedStatus, 403);
      const ok = await joined({}, { headers: { 'x-token': 'good' } });
      assert.ok(ok.welcome !== null);
      assert.deepEqual(joinedUsers, [{ name: 'ada' }]);
    });

    it('closes a schema mismatch with 4006, a full room with 4007 and a bad resume token with 4008', async () => {
      const { joined } = await start(name, {}, { maxClients: 1 });
      const mismatch = await joined({ schemaHash: 'ffffffffffffffff' });
      assert.equal(await mismatch.closeCode(), CloseCode.SchemaMismatch);
      const first = await joined();
      const second = await joined();
      assert.equal(await second.closeCode(), CloseCode.RoomFull);
      const forged = await joined({ resumeToken: 'not-a-token' });
      assert.equal(await forged.closeCode(), CloseCode.AuthFailed);
      assert.equal(first.closed, null);
    });

    it('gives a client that reconnects with its resume token the same player and a full snapshot', async () => {
      const { joined, server } = await start(name);
      const a = await joined();
      await a.waitFor(() => a.latest !== null, 'a snapshot');
      const welcome = a.welcome!;
      (a.socket as WsClientSocket).ws.terminate();
      await a.closeCode();
      const back = await joined({ resumeToken: welcome.resumeToken });
      assert.equal(back.welcome?.clientId, welcome.clientId);
      assert.equal(back.welcome?.entityId, welcome.entityId);
      await back.waitFor(() => back.latest !== null, 'a snapshot');
      assert.equal(back.fullSnapshots, 1);
      assert.ok(server.getRoom(welcome.roomId)!.get(welcome.entityId) !== undefined);
      assert.deepEqual(back.errors, []);
    });

    it('answers GET /health and GET /metrics', async () => {
      const { port, joined } = await start(name, { maxMessagesPerSecond: 10 });
      const c = await joined();
      await c.waitFor(() => c.snapshotCount > 2, 'snapshots');
      for (let i = 0; i < 100; i++) c.socket.send(encodeMessage({ kind: MsgKind.Ping, clientTimeMs: i }));
      await c.closeCode();
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { ok: boolean }).ok, true);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
      const text = await metrics.text();
      for (const name of [
        'tickwave_tick_duration_seconds_bucket',
        'tickwave_clients',
        'tickwave_rooms',
        'tickwave_bytes_sent_total',
        'tickwave_snapshots_sent_total',
        'tickwave_snapshots_skipped_total',
      ]) {
        assert.match(text, new RegExp(`^${name}`, 'm'), name);
      }
      assert.match(text, /tickwave_closes_total\{code="4003"\} 1/);
    });

    it('serves static files with their content types and refuses paths outside the directory', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tickwave-static-'));
      tempDirs.push(dir);
      mkdirSync(join(dir, 'public'));
      writeFileSync(join(dir, 'secret.txt'), 'secret');
      writeFileSync(join(dir, 'public', 'index.html'), '<!doctype html><title>demo</title>');
      writeFileSync(join(dir, 'public', 'app.js'), 'console.log(1)');
      const { port } = await start(name, { staticDir: join(dir, 'public') });
      const index = await rawGet(port, '/');
      assert.equal(index.status, 200);
      assert.match(index.type, /text\/html/);
      assert.match(index.body, /demo/);
      const js = await rawGet(port, '/app.js');
      assert.match(js.type, /text\/javascript/);
      for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/missing.js']) {
        const res = await rawGet(port, path);
        assert.ok(res.status === 404 || res.status === 400, `${path} → ${res.status}`);
        assert.doesNotMatch(res.body, /secret/);
      }
    });
    it('closes a client that sends a text frame with 4000 (Malformed), like any malformed frame', async () => {
      const { joined } = await start(name, { autoTick: false });
      const c = await joined();
      (c.socket as WsClientSocket).ws.send('{"hello":1}');
      assert.equal(await c.closeCode(), CloseCode.Malformed);
      assert.match(c.closed!.reason, /text frames/);
    });

    it('cuts a frame far over the payload limit, and serves the next client', async () => {
      const { joined, server } = await start(name, { autoTick: false, maxPayloadBytes: 1024 });
      const big = await joined();
      big.socket.send(new Uint8Array(64 * 1024));
      const code = await big.closeCode();
      const cut = code !== CloseCode.Oversize && code >= 1006 && code <= 1009;
      assert.ok(cut, `cut by the transport, not closed by the engine: ${code}`);
      const next = await joined();
      assert.ok(next.welcome !== null);
      await next.waitFor(() => server.connectionCount === 1, 'the cut client gone');
    });

    it('answers an async upgrade decision, and forgets one whose client went away meanwhile', async () => {
      const decisions: ((r: AuthResult) => void)[] = [];
      const { joined, connect, server } = await start(name, {
        authenticate: () => new Promise<AuthResult>((resolve) => decisions.push(resolve)),
      });
      const gone = connect();
      const ws = (gone.socket as WsClientSocket).ws;
      await new Promise<void>((resolve) => {
        const poll = (): void => void (decisions.length === 1 ? resolve() : setImmediate(poll));
        poll();
      });
      ws.terminate();
      await gone.closeCode();
      decisions[0]!({ ok: true, userData: 'late' });
      const late = joined();
      await new Promise<void>((resolve) => {
        const poll = (): void => void (decisions.length === 2 ? resolve() : setImmediate(poll));
        poll();
      });
      decisions[1]!({ ok: true, userData: 'next' });
      const c = await late;
      assert.ok(c.welcome !== null);
      await c.waitFor(() => server.connectionCount === 1, 'only the live client connected');
    });

    it('stops accepting new connections while open ones keep streaming', async () => {
      const { joined, connect, probe, server } = await start(name, { autoTick: false });
      const c = await joined();
      probe.stopAccepting();
      const refused = connect();
      assert.equal(await refused.closeCode(), 1006);
      assert.ok(refused.welcome === null);
      const room = server.getRoom(c.welcome!.roomId)!;
      room.step();
      await c.waitFor(() => c.latest?.tick === room.tick, 'a snapshot after stopAccepting');
      assert.equal(c.closed, null);
    });

    it('answers 404 to unknown routes and HEAD for a static file without a body', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tickwave-static-'));
      tempDirs.push(dir);
      writeFileSync(join(dir, 'app.css'), 'body{}');
      const { port } = await start(name, { staticDir: dir });
      const head = await rawGet(port, '/app.css', 'HEAD');
      assert.equal(head.status, 200);
      assert.match(head.type, /text\/css/);
      assert.equal(head.body, '');
      assert.equal((await rawGet(port, '/health', 'POST')).status, 404);
      const bare = await start(name);
      assert.equal((await rawGet(bare.port, '/index.html')).status, 404);
    });
  });
}

describe('ws transport idle timeout', () => {
  it('cuts a peer that stays silent (no pongs) and keeps one that answers the pings', async () => {
    const transport = new WsTransport({ idleTimeoutSec: 1 });
    const server = new Server({ logger: silent, autoTick: false, handshakeTimeoutMs: 60_000, transport });
    servers.push(server);
    server.define('arena', arenaRoom());
    const { port } = await server.listen(0, '127.0.0.1');
    const silentPeer = new WebSocket(`ws://127.0.0.1:${port}/`, [SUBPROTOCOL], { autoPong: false });
    const answering = new WebSocket(`ws://127.0.0.1:${port}/`, [SUBPROTOCOL]);
    let pings = 0;
    answering.on('ping', () => pings++);
    await Promise.all([event(silentPeer, 'open'), event(answering, 'open')]);
    const [code] = (await event(silentPeer, 'close')) as [number];
    assert.equal(code, 1006);
    while (pings < 3) await event(answering, 'ping');
    assert.equal(answering.readyState, WebSocket.OPEN, 'the peer answering pings outlived three ping rounds');
    answering.close(1000);
  });
});
