/** The server's transport entry points are guarded: an unexpected exception closes one connection, nothing more. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Connection,
  MemoryTransport,
  type SendStatus,
  Server,
  type Transport,
  type TransportHandlers,
} from '../server/index.ts';
import { CloseCode, decodeServerMessage, encodeMessage, MsgKind, PROTOCOL_VERSION } from '../shared/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { arenaRoom, testSchema } from './helpers/serverFixture.ts';

/** A transport that hands its handlers to the test, which plays the network. */
class CapturingTransport implements Transport {
  handlers: TransportHandlers | null = null;
  listen(_port: number, _host: string, handlers: TransportHandlers): Promise<{ readonly port: number }> {
    this.handlers = handlers;
    return Promise.resolve({ port: 0 });
  }
  stopAccepting(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A connection recording what it was sent and how it was closed; `failSends` makes `send` throw. */
class FakeConnection implements Connection {
  readonly frames: Uint8Array[] = [];
  closedWith: number | null = null;
  failSends = false;
  readonly bufferedAmount = 0;
  readonly userData = undefined;
  readonly remoteAddress = '127.0.0.1';
  send(bytes: Uint8Array): SendStatus {
    if (this.failSends) throw new TypeError('socket exploded');
    this.frames.push(bytes.slice());
    return 'sent';
  }
  close(code: number): void {
    this.closedWith ??= code;
  }
}

const hello = encodeMessage({
  kind: MsgKind.Hello,
  protocolVersion: PROTOCOL_VERSION,
  schemaHash: testSchema.hash,
  room: 'arena',
  resumeToken: null,
  options: {},
});

describe('server entry points', () => {
  it('close only the connection whose handling threw, with 1011 and one log line; the room carries on', async () => {
    const lines: string[] = [];
    const transport = new CapturingTransport();
    const clock = new FakeClock();
    const logger = { warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const server = new Server({ transport, clock, logger, autoTick: false });
    server.define('arena', arenaRoom());
    await server.listen(0, '127.0.0.1');
    const h = transport.handlers!;
    const victim = new FakeConnection();
    const bystander = new FakeConnection();
    for (const conn of [victim, bystander]) {
      h.open(conn);
      h.message(conn, hello, true);
    }
    server.step();
    assert.equal(server.getRoom('arena-1')?.clients.length, 2);
    victim.failSends = true;
    for (let i = 0; i < 50; i++) h.message(victim, encodeMessage({ kind: MsgKind.Ping, clientTimeMs: i }), true);
    assert.equal(victim.closedWith, CloseCode.InternalError);
    h.close(victim, CloseCode.InternalError, 'internal error');
    assert.equal(lines.filter((l) => l.includes('unexpected error')).length, 1, lines.join('\n'));
    const before = bystander.frames.length;
    server.step();
    server.step();
    assert.equal(bystander.frames.length, before + 2, 'the other client still gets a snapshot every tick');
    const last = decodeServerMessage(bystander.frames.at(-1)!);
    assert.ok(last.ok && last.value.kind === MsgKind.Snapshot);
    assert.equal(server.getRoom('arena-1')?.clients.length, 1, 'the failed session left at once');
    await server.close();
  });

  it('kick a text frame like any malformed frame: the session leaves at once, without a grace period', async () => {
    const transport = new CapturingTransport();
    const server = new Server({
      transport,
      clock: new FakeClock(),
      logger: { warn() {}, error() {} },
      autoTick: false,
    });
    server.define('arena', arenaRoom({ closeWhenEmpty: false }));
    await server.listen(0, '127.0.0.1');
    const h = transport.handlers!;
    const conn = new FakeConnection();
    h.open(conn);
    h.message(conn, hello, true);
    assert.equal(server.getRoom('arena-1')?.clients.length, 1);
    h.message(conn, new TextEncoder().encode('hello'), false);
    assert.equal(conn.closedWith, CloseCode.Malformed);
    h.close(conn, CloseCode.Malformed, 'text frames are not part of the protocol');
    assert.equal(server.getRoom('arena-1')?.clients.length, 0, 'no seat held, no resume token kept');
    await server.close();
  });
});

describe('server connection limit', () => {
  it('refuses upgrades past maxConnections with 503, and admits again once one closes', async () => {
    const clock = new FakeClock();
    const memory = new MemoryTransport({ clock });
    const server = new Server({
      transport: memory,
      clock,
      maxConnections: 2,
      logger: { warn() {}, error() {} },
      autoTick: false,
    });
    server.define('arena', arenaRoom());
    await server.listen(0, '127.0.0.1');
    const settle = async (): Promise<void> => {
      await Promise.resolve();
      await Promise.resolve();
      clock.advance(1);
    };
    const a = memory.connect();
    const b = memory.connect();
    await settle();
    const c = memory.connect();
    await settle();
    assert.equal(server.connectionCount, 2);
    assert.equal(c.rejectedStatus, 503);
    a.close(1000, 'bye');
    await settle();
    const d = memory.connect();
    await settle();
    assert.equal(d.rejectedStatus, -1, 'admitted');
    assert.equal(server.connectionCount, 2);
    b.close(1000, 'bye');
    await server.close();
  });
});
