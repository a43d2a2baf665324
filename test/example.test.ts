// The README's minimal example runs: its own server and, headless, the same client options its page uses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/index.ts';
import type { Server } from '../server/index.ts';
import { move, schema } from '../examples/minimal/shared.ts';
import { startServer } from '../examples/minimal/server.ts';
import { eventually } from './helpers/eventually.ts';

describe('the minimal example', () => {
  let server: Server;
  let url: string;
  const clients: TickwaveClient<typeof schema>[] = [];

  before(async () => {
    const started = await startServer(0, '127.0.0.1');
    server = started.server;
    url = `ws://127.0.0.1:${started.port}/`;
  });

  after(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  function join(): TickwaveClient<typeof schema> {
    const client = new TickwaveClient(schema, {
      url,
      socketFactory: wsSocketFactory(),
      room: 'game',
      prediction: { apply: move },
    });
    clients.push(client);
    client.connect();
    return client;
  }

  it('lets two players join, move, and see each other', async () => {
    const a = join();
    const b = join();
    await eventually(() => a.welcome !== null && b.welcome !== null, 'both welcomes');
    const aId = a.welcome!.entityId;
    await eventually(() => b.frame(performance.now()).has(aId), "B seeing A's player");
    const startX = b.frame(performance.now()).get(aId)!.state.x;

    // A holds "right" for a while: its own view moves at once (prediction), B's view follows.
    const pressed = { left: false, right: true, up: false, down: false };
    const ticker = setInterval(() => a.update(performance.now(), () => pressed), 8);
    try {
      await eventually(() => a.frame(performance.now()).get(aId)!.state.x > startX + 50, 'A moving on its own screen');
      await eventually(() => b.frame(performance.now()).get(aId)!.state.x > startX + 50, 'B seeing A move');
    } finally {
      clearInterval(ticker);
    }
    assert.ok(a.frame(performance.now()).get(aId)!.isLocal, "A's player is predicted locally");
    assert.equal(b.frame(performance.now()).get(aId)!.isLocal, false, 'B interpolates A');
  });
});
