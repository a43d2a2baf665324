/**
 * The client's replay player: a recording plays through the live client's snapshot buffer and
 * interpolator into the same entity map and events; seek, pause, speed and the end behave as a
 * timeline user expects; events come out as playback passes them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dequantizeEntity, type Snapshot } from '../shared/index.ts';
import { MAX_REPLAY_SPEED, ReplayPlayer } from '../client/ReplayPlayer.ts';
import { SnapshotHistory } from '../client/SnapshotHistory.ts';
import { RecordingFile } from '../shared/wire/RecordingReader.ts';
import { recordMatch, TICK_RATE_HZ } from './helpers/recordingFixture.ts';
import { sameWorld, testSchema } from './helpers/serverFixture.ts';

const TICK_MS = 1000 / TICK_RATE_HZ;

async function player() {
  const { bytes, live } = await recordMatch(300);
  const file = RecordingFile.open(bytes);
  assert.ok(file.ok);
  return { replay: new ReplayPlayer(testSchema, file.value), live };
}

/** Asserts the drawn entities are exactly the live world at `tick`, dequantized. */
function assertShows(replay: ReplayPlayer<typeof testSchema>, world: Snapshot): void {
  assert.equal(replay.entities.size, world.count, `entities at tick ${world.tick}`);
  for (let i = 0; i < world.count; i++) {
    const drawn = replay.entities.get(world.ids[i]!);
    assert.ok(drawn !== undefined, `entity ${world.ids[i]} drawn`);
    const expected = dequantizeEntity(testSchema, world, i);
    for (const [name, value] of Object.entries(expected)) {
      const got: unknown = (drawn.state as Record<string, unknown>)[name];
      if (typeof value === 'number') assert.ok(Math.abs((got as number) - value) < 1e-9, `${name} at ${world.tick}`);
      else assert.equal(got, value);
    }
  }
}

describe('ReplayPlayer', () => {
  it('draws, at each whole tick, the live world of that tick through the entity map', async () => {
    const { replay, live } = await player();
    const added: number[] = [];
    const removed: number[] = [];
    replay.onEntityAdded((id) => added.push(id));
    replay.onEntityRemoved((id) => removed.push(id));
    assert.ok(replay.seek(100).ok);
    replay.frame(0);
    assertShows(replay, live.get(100)!);
    replay.play();
    for (let tick = 101; tick <= 160; tick++) {
      replay.frame((tick - 100) * TICK_MS);
      assert.equal(replay.tick, tick);
      assertShows(replay, live.get(tick)!);
    }
    assert.ok(added.length > live.get(100)!.count, 'spawns appear');
    assert.ok(removed.length > 0, 'despawns disappear');
  });

  it('pauses, changes speed within 0.25–4×, seeks back and forth, and stops at the end', async () => {
    const { replay, live } = await player();
    const events: number[] = [];
    replay.onEvent((e) => events.push(e.tick));
    replay.play();
    assert.equal(replay.tick, replay.firstTick);
    replay.frame(0);
    replay.pause();
    replay.frame(1000);
    assert.equal(replay.tick, replay.firstTick, 'paused: time passes, the tick does not');
    replay.speed = MAX_REPLAY_SPEED;
    replay.play();
    replay.frame(1000 + 10 * TICK_MS);
    assert.equal(replay.tick, replay.firstTick + 40);
    assert.throws(() => {
      replay.speed = 8;
    }, RangeError);
    replay.pause();
    assert.ok(replay.seek(250).ok);
    replay.frame(2000);
    assertShows(replay, live.get(250)!);
    assert.ok(replay.seek(20).ok);
    replay.frame(2000);
    assertShows(replay, live.get(20)!);
    replay.speed = 0.25;
    replay.play();
    replay.frame(2000 + 2 * TICK_MS);
    assert.equal(replay.tick, 20.5, 'quarter speed: half a tick in two tick lengths');
    assert.ok(replay.seek(1e9).ok);
    assert.equal(replay.tick, 300, 'a seek past the end goes to the end');
    replay.frame(3000);
    replay.frame(4000);
    assert.equal(replay.isPlaying, false, 'at the end of a file, playback stops');
    assert.ok(events.length > 0 && events.every((t) => t >= replay.firstTick), 'events as playback passes them');
  });

  it('refuses a recording of another schema', async () => {
    const { bytes } = await recordMatch(10);
    const file = RecordingFile.open(bytes);
    assert.ok(file.ok);
    const other = { ...testSchema, hash: '0000000000000000' };
    assert.throws(() => new ReplayPlayer(other, file.value), /schema/);
  });
});

describe('SnapshotHistory (the kill-cam memory)', () => {
  it('keeps the last seconds of snapshots and plays them back exactly, like a file', async () => {
    const { live } = await recordMatch(300);
    const history = new SnapshotHistory(testSchema, TICK_RATE_HZ, 2);
    for (let tick = 1; tick <= 300; tick += tick % 9 === 0 ? 2 : 1) history.push(live.get(tick)!);
    assert.equal(history.size, 2 * TICK_RATE_HZ + 1, 'only the last two seconds');
    const source = history.replay(250);
    assert.ok(source !== null);
    const replay = new ReplayPlayer(testSchema, source);
    assert.ok(replay.seek(replay.firstTick).ok);
    let shown = 0;
    for (let now = 0; replay.tick < replay.lastTick; now += TICK_MS) {
      replay.frame(now);
      replay.play();
      const world = replay.snapshot!;
      assert.ok(sameWorld(world, live.get(world.tick)!), `tick ${world.tick}`);
      shown++;
    }
    assert.ok(shown > 40, `ticks shown: ${shown}`);
    assert.equal(replay.lastTick, 300);
  });
});
