/**
 * A client outlives a server restart: the new server does not know its resume token (4008), so the
 * client joins afresh as a new player, tells the game (onSessionLost) and starts a new world.
 * Real sockets on the default transport; the second server takes the first one's port at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/wsSocket.ts';
import { Server } from '../server/index.ts';
import { CloseCode, seededRandom } from '../shared/index.ts';
import { eventually } from './helpers/eventually.ts';
import { arenaRoom, testSchema } from './helpers/serverFixture.ts';

const quiet = { warn() {}, error() {} };

async function startServer(port: number, rocks: number): Promise<{ server: Server; port: number }> {
  const server = new Server({ tickRateHz: 30, logger: quiet });
  server.define('arena', arenaRoom({ rocks, closeWhenEmpty: false }));
  const bound = await server.listen(port, '127.0.0.1');
  return { server, port: bound.port };
}

function makeClient(port: number, rejoinWhenSessionLost?: boolean): TickwaveClient<typeof testSchema> {
  return new TickwaveClient(testSchema, {
    url: `ws://127.0.0.1:${port}/`,
    socketFactory: wsSocketFactory(),
    room: 'arena',
    reconnect: {
      initialDelayMs: 20,
      maxDelayMs: 100,
      random: seededRandom(3),
      ...(rejoinWhenSessionLost === undefined ? {} : { rejoinWhenSessionLost }),
    },
  });
}

describe('a client across a server restart', () => {
  it('joins the new server afresh after 4008, signals onSessionLost and drops the old world', async () => {
    const first = await startServer(0, 3);
    const client = makeClient(first.port);
    const lost: number[] = [];
    const removed = new Set<number>();
    client.onSessionLost((code) => lost.push(code));
    client.onEntityRemoved((id) => removed.add(id));
    client.connect();
    const drawn = (): number => client.frame(performance.now()).size;
    await eventually(() => drawn() === 4, 'the first world drawn (3 rocks + our ship)');
    const firstWelcome = client.welcome!;
    const oldIds = [...client.entities.keys()];
    await first.server.close();
    const second = await startServer(first.port, 5);
    try {
      await eventually(() => client.state === 'joined' && drawn() === 6, 'the new world drawn (5 rocks + our ship)');
      assert.deepEqual(lost, [CloseCode.AuthFailed]);
      assert.notEqual(client.welcome!.resumeToken, firstWelcome.resumeToken, 'a new session');
      for (const id of oldIds) assert.ok(removed.has(id), `old entity ${id} removed`);
    } finally {
      client.close();
      await second.server.close();
    }
  });

  it('gives up on 4008 when rejoinWhenSessionLost is false', async () => {
    const first = await startServer(0, 1);
    const client = makeClient(first.port, false);
    const lost: number[] = [];
    const disconnects: [number, boolean][] = [];
    client.onSessionLost((code) => lost.push(code));
    client.onDisconnect((code, _reason, willReconnect) => disconnects.push([code, willReconnect]));
    client.connect();
    await eventually(() => client.state === 'joined', 'joined');
    await first.server.close();
    const second = await startServer(first.port, 1);
    try {
      await eventually(() => client.state === 'closed', 'the client to give up');
      assert.deepEqual(lost, []);
      assert.deepEqual(disconnects.at(-1), [CloseCode.AuthFailed, false]);
    } finally {
      client.close();
      await second.server.close();
    }
  });
});
