/**
 * A TickwaveClient spectating with a delay over the memory transport, on a fake clock: it joins with no
 * entity, sends no input, and its snapshot buffer plays the room's worlds of a second ago exactly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Snapshot } from '../shared/index.ts';
import { TickwaveClient } from '../client/index.ts';
import { apply, ArenaServer, gameLoop, schema } from './helpers/clientFixture.ts';
import { FakeClock } from './helpers/FakeClock.ts';

describe('a spectating TickwaveClient', () => {
  it('plays the world of delaySec ago through its buffer, with no entity and no input', async () => {
    const clock = new FakeClock(1000);
    const server = await ArenaServer.start(clock);
    const options = { url: 'memory://arena', now: clock.now, schedule: clock.schedule, cancel: clock.cancel };
    const player = new TickwaveClient(schema, { ...options, socketFactory: server.factory(), prediction: { apply } });
    player.connect();
    const playing = gameLoop(clock, player, () => ({ dx: 1, dy: 0, aim: 0 }));
    await playing.run(2000);
    const delaySec = 1;
    const watcher = new TickwaveClient(schema, {
      ...options,
      socketFactory: server.factory(),
      spectate: { delaySec },
    });
    const seen: { snapshot: Snapshot; roomTick: number }[] = [];
    watcher.onSnapshot((snapshot) => seen.push({ snapshot, roomTick: server.tick }));
    watcher.connect();
    const watching = gameLoop(clock, watcher, () => ({ dx: 1, dy: 1, aim: 1 }));
    const delayTicks = delaySec * server.tickRateHz;
    let drawn = 0;
    for (let t = 2100; t <= 6000; t += 100) {
      await playing.run(t);
      await watching.run(t, () => {
        drawn = Math.max(drawn, watcher.entities.size);
      });
    }
    assert.equal(watcher.welcome?.entityId, -1, 'no entity');
    assert.equal(watcher.sendInput({ dx: 1, dy: 0, aim: 0 }), false, 'a spectator sends no input');
    assert.equal(server.room.clients.length, 1, 'the player only');
    assert.equal(server.room.spectators.count, 1);
    assert.equal(watcher.state, 'joined');
    // 3.9 s watched, the first second filling the delay line, at the default spectator rate (20 Hz at 60 Hz).
    assert.equal(watcher.welcome?.snapshotRateHz, 20);
    assert.ok(seen.length >= 55, `${seen.length} snapshots`);
    for (const { snapshot, roomTick } of seen) {
      assert.ok(snapshot.tick <= roomTick - delayTicks, `tick ${snapshot.tick} arrived at room tick ${roomTick}`);
      const truth = server.snapshotAt(snapshot.tick)!;
      assert.deepEqual([...snapshot.ids], [...truth.ids]);
      assert.deepEqual([...snapshot.values], [...truth.values], `the world of tick ${snapshot.tick}`);
    }
    assert.ok(drawn > 0, 'the spectator draws the entities');
    assert.equal(watcher.stats.decodeFailures, 0);
    player.close();
    watcher.close();
    await server.server.close();
  });
});
