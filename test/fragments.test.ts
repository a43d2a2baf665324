/**
 * Live HTTP fragments: a room published as start/fragment/sync files plays live in the replay player
 * (fetched as a static host would serve them), every tick equal to the live server's world; a delay
 * keeps every published fragment at least that far behind the room.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Snapshot } from '../shared/index.ts';
import { MemoryTransport, Server } from '../server/index.ts';
import { FragmentPublisher } from '../server/recording/FragmentPublisher.ts';
import { type FetchFn, FragmentSource } from '../client/FragmentSource.ts';
import { ReplayPlayer } from '../client/ReplayPlayer.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { scriptedType, TICK_RATE_HZ } from './helpers/recordingFixture.ts';
import { sameWorld, testSchema } from './helpers/serverFixture.ts';

/** A static host over a folder: 200 with the file, 404 without. */
function folderFetch(dir: string): FetchFn {
  return async (url) => {
    const path = join(dir, url.slice('http://cdn/'.length));
    const found = existsSync(path);
    const bytes = found ? readFileSync(path) : Buffer.alloc(0);
    return { ok: found, status: found ? 200 : 404, arrayBuffer: async () => new Uint8Array(bytes).buffer };
  };
}

async function broadcast(delayMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tw-frag-'));
  const clock = new FakeClock();
  const server = new Server({
    clock,
    transport: new MemoryTransport({ clock }),
    tickRateHz: TICK_RATE_HZ,
    autoTick: false,
    logger: { warn() {}, error() {} },
  });
  server.define(
    'arena',
    scriptedType(() => {}),
  );
  await server.listen(0, '127.0.0.1');
  const room = server.createRoom('arena');
  const live = new Map<number, Snapshot>();
  room.onTick((t) => live.set(t.tick, t.world));
  const publisher = new FragmentPublisher(room, { dir, tickRateHz: TICK_RATE_HZ, fragmentMs: 200, delayMs });
  const steps = async (n: number) => {
    for (let i = 0; i < n; i++) server.step();
    await publisher.flushed();
  };
  const done = async () => {
    await publisher.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, room, live, publisher, steps, done };
}

describe('live fragments (FragmentPublisher → static files → FragmentSource → ReplayPlayer)', () => {
  it('plays a room live, from the latest fragment on, tick by tick as the server had it', async () => {
    const b = await broadcast(0);
    try {
      await b.steps(95);
      assert.equal(b.publisher.published, 9, 'fragments of 10 ticks, the first from tick 2');
      const opened = await FragmentSource.open('http://cdn/', folderFetch(b.dir));
      assert.ok(opened.ok, opened.ok ? '' : opened.reason);
      const source = opened.value;
      assert.equal(source.keyframes[0]!.tick, 82, 'a viewer starts at the latest fragment');
      const player = new ReplayPlayer(testSchema, source);
      player.play();
      let now = 0;
      const tickMs = 1000 / TICK_RATE_HZ;
      for (let round = 0; round < 5; round++) {
        await b.steps(10);
        const polled = await source.poll();
        assert.ok(polled.ok && polled.value === 1, 'one new fragment each round');
        for (let i = 0; i < 10; i++) {
          now += tickMs;
          player.frame(now);
          const shown = player.snapshot!;
          assert.ok(sameWorld(shown, b.live.get(shown.tick)!), `tick ${shown.tick}`);
        }
      }
      assert.ok(player.isPlaying, 'a live source waits at its end instead of stopping');
      assert.equal(player.snapshot!.tick, 82 + 49, 'one tick a frame after the first');
    } finally {
      await b.done();
    }
  });

  it('with a delay, publishes nothing newer than the delay', async () => {
    const b = await broadcast(1000);
    try {
      for (let i = 0; i < 30; i++) {
        await b.steps(7);
        const sync = join(b.dir, 'sync.json');
        if (!existsSync(sync)) continue;
        const { tick } = JSON.parse(readFileSync(sync, 'utf8')) as { tick: number };
        assert.ok(tick <= b.room.tick - TICK_RATE_HZ, `published tick ${tick} at room tick ${b.room.tick}`);
      }
      assert.ok(b.publisher.published > 10);
    } finally {
      await b.done();
    }
  });
});
