// Rooms pre-created under an id the game chose, and measurement windows over a run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../shared/index.ts';
import { MemoryTransport, Server } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { arenaRoom, TestClient } from './helpers/serverFixture.ts';

const silent = { warn: () => {}, error: () => {} };

async function setup() {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock, latencyMs: 0, jitterMs: 0, random: seededRandom(5) });
  const server = new Server({ clock, transport: memory, tickRateHz: 50, autoTick: false, logger: silent });
  server.define('tag', arenaRoom({ rocks: 2 }));
  await server.listen(0, '127.0.0.1');
  const join = async (room: string): Promise<TestClient> => {
    const c = new TestClient(memory.connect());
    for (let i = 0; i < 100 && !c.isOpen; i++) await tick(clock);
    c.hello({ room });
    for (let i = 0; i < 100 && c.welcome === null && c.closed === null; i++) await tick(clock);
    return c;
  };
  return { clock, server, join };
}

async function tick(clock: FakeClock): Promise<void> {
  clock.advance(1);
  for (let i = 0; i < 3; i++) await Promise.resolve();
}

describe('rooms created by the game', () => {
  it('opens a room under the id the game chose, which clients join by that id, and refuses a taken id', async () => {
    const { server, join } = await setup();
    const lobby = server.createRoom('tag', { id: 'tag' });
    assert.equal(lobby.id, 'tag');
    const a = await join('tag');
    const b = await join('tag');
    assert.equal(a.welcome!.roomId, 'tag', 'a client asking for the type lands in the pre-created room');
    assert.equal(b.welcome!.roomId, 'tag');
    assert.equal(server.roomList().length, 1);
    assert.throws(() => server.createRoom('tag', { id: 'tag' }), /already open/);
    assert.throws(() => server.createRoom('tag', { id: 'no spaces' }), /must be 1–64/);
    assert.equal(server.createRoom('tag').id, 'tag-1', 'generated ids go on as before');
  });
});

describe('measurement windows', () => {
  it('times every step from its opening and counts the totals accumulated in it, frozen by end()', async () => {
    const { clock, server, join } = await setup();
    const a = await join('tag');
    for (let i = 0; i < 5; i++) server.step();
    const before = server.metrics.totals.snapshotsSent;
    const window = server.measure();
    const openedAt = clock.now();
    for (let i = 0; i < 10; i++) {
      server.step();
      clock.advance(19);
      await tick(clock);
    }
    const stats = window.tickStats();
    assert.equal(stats.ticks, 10);
    assert.equal(stats.achievedRateHz, (10 * 1000) / (clock.now() - openedAt));
    assert.equal(window.totals().snapshotsSent, server.metrics.totals.snapshotsSent - before);
    assert.ok(window.totals().snapshotsSent >= 10, 'the client got a snapshot per tick');
    assert.ok(a.snapshotCount > 0, 'the client received them');
    window.end();
    const frozen = window.totals();
    server.step();
    assert.deepEqual(window.totals(), frozen);
    assert.equal(window.tickStats().ticks, 10);
    assert.ok(window.ended);
  });
});
