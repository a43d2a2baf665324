/**
 * The same contract, run against the network transports (uWebSockets.js where its binary loads, ws;
 * real sockets) and the memory transport.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CloseCode, SUBPROTOCOL } from '../shared/index.ts';
import { MemoryTransport, Server, type ServerOptions } from '../server/index.ts';
import { describeUwsUnavailable, type NetworkName, networkTransport } from './helpers/networkTransports.ts';
import { type ArenaOptions, arenaRoom, sameWorld, TestClient, turn, wsSocket } from './helpers/serverFixture.ts';

interface Harness {
  readonly server: Server;
  connect(options?: { origin?: string; protocols?: string[] }): TestClient;
  rejectedStatus(client: TestClient): number;
}

type Factory = (options: ServerOptions, arena?: ArenaOptions) => Promise<Harness>;

const silent = { warn: () => {}, error: () => {} };

function network(name: NetworkName): Factory {
  return async (options, arena) => {
    const transport = networkTransport(name, { maxPayloadBytes: options.maxPayloadBytes });
    const server = new Server({ logger: silent, ...options, transport });
    server.define('arena', arenaRoom(arena));
    const { port } = await server.listen(0, '127.0.0.1');
    return {
      server,
      connect: (o = {}) => new TestClient(wsSocket(`ws://127.0.0.1:${port}/`, o)),
      rejectedStatus: (c) => (c.socket as ReturnType<typeof wsSocket>).rejectedStatus,
    };
  };
}

const transports: Record<string, Factory> = {
  ...(describeUwsUnavailable('transport contract: uws') ? {} : { uws: network('uws') }),
  ws: network('ws'),
  memory: async (options, arena) => {
    const memory = new MemoryTransport();
    const server = new Server({ logger: silent, ...options, transport: memory });
    server.define('arena', arenaRoom(arena));
    await server.listen(0, '127.0.0.1');
    return {
      server,
      connect: (o = {}) => {
        const origin = o.origin !== undefined ? { origin: o.origin } : {};
        return new TestClient(memory.connect({ ...origin, ...(o.protocols ? { protocols: o.protocols } : {}) }));
      },
      rejectedStatus: (c) => (c.socket as ReturnType<MemoryTransport['connect']>).rejectedStatus,
    };
  },
};

for (const [name, make] of Object.entries(transports)) {
  describe(`transport contract: ${name}`, () => {
    const servers: Server[] = [];
    const start: Factory = async (options, arena) => {
      const h = await make(options, arena);
      servers.push(h.server);
      return h;
    };
    after(async () => {
      for (const s of servers) await s.close();
    });

    async function joined(h: Harness): Promise<TestClient> {
      const c = h.connect();
      await c.waitFor(() => c.isOpen, 'open');
      c.hello();
      await c.waitFor(() => c.welcome !== null, 'Welcome');
      return c;
    }

    it('welcomes a client and streams snapshots it decodes to the exact server state', async () => {
      const h = await start({ autoTick: false });
      const a = await joined(h);
      const b = await joined(h);
      const room = h.server.getRoom(a.welcome!.roomId)!;
      for (let i = 0; i < 60; i++) {
        a.input(i, { dx: 0.5, dy: 0.25, fire: false });
        b.input(i, { dx: -0.25, dy: 0.5, fire: true });
        await turn();
        room.step();
      }
      for (const c of [a, b]) {
        await c.waitFor(() => c.latest?.tick === room.tick, 'the last tick');
        assert.deepEqual(c.errors, []);
        assert.ok(sameWorld(c.latest!, room.snapshot!));
        assert.equal(c.fullSnapshots, 1);
      }
      assert.notEqual(a.welcome!.entityId, b.welcome!.entityId);
    });

    it('rejects an upgrade without the tickwave subprotocol and one from a foreign origin', async () => {
      const h = await start({ allowedOrigins: ['https://game.example'] });
      const noProtocol = h.connect({ protocols: ['other'] });
      const foreign = h.connect({ origin: 'https://evil.example' });
      const listed = h.connect({ origin: 'https://game.example' });
      await noProtocol.closeCode();
      await foreign.closeCode();
      await listed.waitFor(() => listed.isOpen, 'open');
      assert.equal(h.rejectedStatus(noProtocol), 400);
      assert.equal(h.rejectedStatus(foreign), 403);
      assert.ok(listed.welcome === null && listed.closed === null);
      listed.socket.close(1000, 'done');
      assert.equal(SUBPROTOCOL, 'tickwave.v1');
    });

    it('closes a sender of junk with its code and reason, and the other client carries on', async () => {
      const h = await start({ autoTick: false });
      const good = await joined(h);
      const bad = await joined(h);
      bad.socket.send(new Uint8Array([0xc1, 0xff, 0x00]));
      assert.equal(await bad.closeCode(), CloseCode.Malformed);
      assert.match(bad.closed!.reason, /msgpack/);
      const room = h.server.getRoom(good.welcome!.roomId)!;
      room.step();
      await good.waitFor(() => good.latest?.tick === room.tick, 'a snapshot after the junk');
      assert.equal(good.closed, null);
    });

    it('runs onLeave when a client closes cleanly, and the server close reaches clients as 1001', async () => {
      const h = await start({ autoTick: false });
      const a = await joined(h);
      const b = await joined(h);
      const room = h.server.getRoom(a.welcome!.roomId)!;
      a.socket.close(1000, 'bye');
      await a.closeCode();
      await b.waitFor(() => room.clients.length === 1, 'the leave');
      assert.equal(room.get(a.welcome!.entityId), undefined);
      await h.server.close('maintenance');
      assert.equal(await b.closeCode(), CloseCode.GoingAway);
      assert.equal(b.closed!.reason, 'maintenance');
    });
  });
}
