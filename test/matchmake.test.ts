/**
 * Matchmaking on one process (the in-memory directory, no Redis): `POST /matchmake` against hostile
 * bodies on each network transport, join-or-create filling rooms to their capacity, the client joining
 * through it in one call, forged seats refused at the upgrade, the channels, and draining.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/index.ts';
import { type Heartbeat, MemoryDirectory, Server } from '../server/index.ts';
import { eventually } from './helpers/eventually.ts';
import { NETWORK_TRANSPORTS } from './helpers/networkTransports.ts';
import { arenaRoom, TestClient, testSchema, wsSocket } from './helpers/serverFixture.ts';

const quiet = { warn: () => {}, error: () => {} };

/** Sends `body` with `method` to `/matchmake` (raw http, so any bytes and headers can be sent). */
function send(port: number, body: string | Buffer, method = 'POST'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/matchmake', method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const servers: Server[] = [];
const clients: TickwaveClient<typeof testSchema>[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(transport: 'uws' | 'ws', capacity = 2): Promise<{ server: Server; port: number }> {
  const server = new Server({ transport, logger: quiet });
  server.define('duel', arenaRoom({ maxClients: capacity, closeWhenEmpty: false }));
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port };
}

for (const transport of NETWORK_TRANSPORTS) {
  describe(`POST /matchmake over ${transport}`, () => {
    it('answers hostile bodies with a status and a JSON error, and the server carries on', async () => {
      const { port } = await start(transport);
      const cases: [string | Buffer, number][] = [
        ['not json', 400],
        ['[1,2]', 400],
        ['null', 400],
        ['{"type":5}', 400],
        ['{"type":"no such"}', 400],
        ['{"__proto__":{"type":"duel"}}', 400],
        ['{"type":"constructor"}', 404],
        ['{"type":"__proto__"}', 404],
        ['{"owner":"../../etc"}', 400],
        ['{"owner":"gone"}', 410],
        [Buffer.from([0xff, 0xfe, 0x00, 0x7b]), 400],
        ['x'.repeat(5000), 413],
      ];
      for (const [body, status] of cases) {
        const answer = await send(port, body);
        assert.equal(answer.status, status, `${String(body).slice(0, 40)} → ${answer.text}`);
        assert.equal(typeof (JSON.parse(answer.text) as { error: unknown }).error, 'string');
      }
      assert.equal((await send(port, '', 'GET')).status, 405);
      assert.equal((await send(port, '{"type":"duel"}')).status, 200, 'still answering');
    });

    it('refuses an address past its request rate with 429', async () => {
      const server = new Server({ transport, logger: quiet, cluster: { matchmakePerSecond: 1 } });
      server.define('duel', arenaRoom({ maxClients: 2 }));
      servers.push(server);
      const { port } = await server.listen(0, '127.0.0.1');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await send(port, '{"type":"duel"}')).status);
      assert.deepEqual(statuses, [200, 200, 429], 'a burst of two, then refused');
    });

    it('fills a room to its capacity before opening the next', async () => {
      const { port } = await start(transport, 2);
      const rooms: string[] = [];
      for (let i = 0; i < 5; i++)
        rooms.push((JSON.parse((await send(port, '{"type":"duel"}')).text) as { roomId: string }).roomId);
      assert.deepEqual(rooms, ['duel.1', 'duel.1', 'duel.2', 'duel.2', 'duel.3']);
    });
  });
}

describe('matchmaking on one process', () => {
  it('the client joins through POST /matchmake in one call; a third player gets a second room', async () => {
    const { server, port } = await start('ws', 2);
    const join = () => {
      const c = new TickwaveClient(testSchema, {
        matchmake: { url: `http://127.0.0.1:${port}/matchmake`, type: 'duel' },
        socketFactory: wsSocketFactory(),
      });
      clients.push(c);
      c.connect();
      return c;
    };
    const [a, b, c] = [join(), join(), join()];
    await eventually(() => a.welcome !== null && b.welcome !== null && c.welcome !== null, 'three Welcomes');
    assert.equal(a.welcome!.roomId, b.welcome!.roomId);
    assert.notEqual(c.welcome!.roomId, a.welcome!.roomId);
    assert.equal(server.getRoom(a.welcome!.roomId)!.clients.length, 2);
  });

  it('a seat holder still finds its room when the room emptied and closed while it was connecting', async () => {
    const server = new Server({ transport: 'ws', logger: quiet });
    server.define('duel', arenaRoom({ maxClients: 4, closeWhenEmpty: true }));
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const seats = [await send(port, '{"type":"duel"}'), await send(port, '{"type":"duel"}')].map(
      (a) => JSON.parse(a.text) as { seat: string; roomId: string },
    );
    const connect = async (seat: string) => {
      const c = new TestClient(wsSocket(`ws://127.0.0.1:${port}/?seat=${encodeURIComponent(seat)}`));
      await eventually(() => c.isOpen, 'open');
      return c;
    };
    const first = await connect(seats[0]!.seat);
    const second = await connect(seats[1]!.seat);
    first.hello({ room: seats[0]!.roomId });
    await eventually(() => first.welcome !== null, 'the first Welcome');
    first.socket.close(1000, 'bye');
    await eventually(() => server.getRoom(seats[0]!.roomId) === undefined, 'the empty room to close');
    second.hello({ room: seats[1]!.roomId });
    await eventually(() => second.welcome !== null || second.closed !== null, 'an answer');
    assert.equal(second.closed, null, 'not refused');
    assert.equal(second.welcome!.roomId, seats[0]!.roomId);
    second.socket.close(1000, 'bye');
  });

  it('counts a claimed seat until its holder joins, and a resume does not take its place', async () => {
    const beats: Heartbeat[] = [];
    const directory = new (class extends MemoryDirectory {
      override async heartbeat(beat: Heartbeat): Promise<void> {
        beats.push(beat);
        return super.heartbeat(beat);
      }
    })();
    const server = new Server({
      transport: 'ws',
      logger: quiet,
      cluster: { directory, heartbeatMs: 50, expiryMs: 500 },
    });
    server.define('duel', arenaRoom({ maxClients: 3, closeWhenEmpty: false }));
    servers.push(server);
    const { port } = await server.listen(0, '127.0.0.1');
    const [a, b] = [await send(port, '{"type":"duel"}'), await send(port, '{"type":"duel"}')].map(
      (r) => JSON.parse(r.text) as { seat: string; roomId: string },
    );
    const seatUrl = (seat: string) => `ws://127.0.0.1:${port}/?seat=${encodeURIComponent(seat)}`;
    const first = new TestClient(wsSocket(seatUrl(a!.seat)));
    await eventually(() => first.isOpen, 'open');
    first.hello({ room: a!.roomId });
    await eventually(() => first.welcome !== null, 'the first Welcome');
    const waiting = new TestClient(wsSocket(seatUrl(b!.seat)));
    await eventually(() => waiting.isOpen, 'the second seat claimed at its upgrade');
    (first.socket as ReturnType<typeof wsSocket>).ws.terminate();
    await eventually(() => server.connectionCount === 1, 'the first connection dropped');
    const resumed = new TestClient(wsSocket(`ws://127.0.0.1:${port}/`));
    await eventually(() => resumed.isOpen, 'open');
    resumed.hello({ room: null, resumeToken: first.welcome!.resumeToken });
    await eventually(() => resumed.welcome !== null, 'the resumed Welcome');
    const after = beats.length;
    await eventually(() => beats.length > after, 'a heartbeat after the resume');
    assert.deepEqual(
      beats.at(-1)!.rooms.map((r) => [r.id, r.clients]),
      [[a!.roomId, 2]],
      'the resumed player and the claimed seat',
    );
    waiting.socket.close(1000, 'bye');
    resumed.socket.close(1000, 'bye');
  });

  it('refuses an upgrade with a forged or foreign seat (410), and admits one without a seat', async () => {
    const { port } = await start('ws');
    const forged = wsSocket(`ws://127.0.0.1:${port}/?seat=duel.9.AAAAAAAAAAAAAAAA`);
    await eventually(() => forged.rejectedStatus !== 0, 'the refusal');
    assert.equal(forged.rejectedStatus, 410);
    const plain = wsSocket(`ws://127.0.0.1:${port}/?seat=${'x'.repeat(600)}`);
    await eventually(() => plain.ws.readyState === 1, 'a malformed seat is no seat');
    plain.ws.close();
  });

  it('delivers channel messages to this process’s subscribers, and a throwing handler harms no other', async () => {
    const server = new Server({ logger: quiet, autoTick: false });
    servers.push(server);
    const got: string[] = [];
    await server.subscribe('lobby', () => {
      throw new Error('a bad handler');
    });
    const unsubscribe = await server.subscribe('lobby', (message, channel) => got.push(`${channel}:${message}`));
    await server.publish('lobby', 'match found');
    unsubscribe();
    await server.publish('lobby', 'after unsubscribe');
    assert.deepEqual(got, ['lobby:match found']);
    await assert.rejects(server.publish('', 'x'), RangeError);
  });

  it('drains: no new seats while clients finish, then 1001 for those left at the deadline', async () => {
    const { server, port } = await start('ws');
    const seat = JSON.parse((await send(port, '{"type":"duel"}')).text) as { seat: string; roomId: string };
    const a = new TickwaveClient(testSchema, { url: `ws://127.0.0.1:${port}/`, socketFactory: wsSocketFactory() });
    clients.push(a);
    const codes: number[] = [];
    a.onDisconnect((code) => codes.push(code));
    a.connect();
    await eventually(() => a.welcome !== null, 'a Welcome');
    const drained = server.drain(300);
    await eventually(() => codes.length === 0, 'still connected');
    assert.equal((await send(port, '{"type":"duel"}')).status, 503, 'no seat while draining');
    const late = wsSocket(`ws://127.0.0.1:${port}/?seat=${encodeURIComponent(seat.seat)}`);
    await eventually(() => late.rejectedStatus !== 0, 'the refused seat');
    assert.equal(late.rejectedStatus, 410, 'a draining process honours no seat: the client matchmakes again');
    await drained;
    await eventually(() => codes.length > 0, 'the close');
    assert.equal(codes[0], 1001);
  });
});
