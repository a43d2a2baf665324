/**
 * Deterministic simulations: a client against the real Server over the memory transport, through a
 * NetworkConditioner at 150 ms RTT ± 30 ms jitter with stalls, both sides on the one fake clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dequantizeEntity, indexOfEntity, type InputOf } from '../shared/index.ts';
import { seededRandom } from '../shared/index.ts';
import { TickwaveClient } from '../client/index.ts';
import {
  apply,
  ArenaServer,
  BAD_NETWORK,
  BOT_SPEED,
  gameLoop,
  schema,
  type TestSchema,
} from './helpers/clientFixture.ts';
import { FakeClock } from './helpers/FakeClock.ts';

async function setup(conditions = BAD_NETWORK, interpolation = {}) {
  const clock = new FakeClock(1000);
  const server = await ArenaServer.start(clock, { bots: 3 });
  const client = new TickwaveClient(schema, {
    url: 'memory://arena',
    socketFactory: server.factory(conditions),
    now: clock.now,
    schedule: clock.schedule,
    cancel: clock.cancel,
    prediction: { apply },
    interpolation,
    reconnect: { random: seededRandom(9) },
  });
  const errors: Error[] = [];
  client.onError((e) => errors.push(e));
  client.connect();
  return { clock, server, client, errors };
}

function wanderingInput(seed: number): () => InputOf<TestSchema> {
  const random = seededRandom(seed);
  let dx = 0;
  let dy = 0;
  let n = 0;
  return () => {
    if (n++ % 20 === 0) {
      dx = Math.round(random() * 2 - 1);
      dy = Math.round(random() * 2 - 1);
    }
    return { dx, dy, aim: random() * Math.PI * 2 };
  };
}

function localId(client: TickwaveClient<TestSchema>): number {
  const id = client.welcome?.entityId;
  assert.ok(id !== undefined && id >= 0, 'the client joined and owns an entity');
  return id;
}

describe('client simulation over a bad network', () => {
  it('ends the predicted player exactly where the server has it once every input is acknowledged', async () => {
    const { clock, server, client, errors } = await setup();
    const loop = gameLoop(clock, client, wanderingInput(3));
    await loop.run(12_000);
    assert.ok(client.stats.pendingInputs > 0, 'inputs were in flight while playing');
    loop.sample = null;
    await loop.run(14_000);
    const id = localId(client);
    assert.equal(client.stats.pendingInputs, 0);
    const snap = server.snapshotAt(server.tick)!;
    const expected = dequantizeEntity(schema, snap, indexOfEntity(snap, id));
    assert.deepEqual({ ...client.predictedState(id) }, expected);
    assert.deepEqual({ ...client.entities.get(id)!.state }, expected, 'the drawn state has no smoothing offset left');
    assert.equal(client.entities.get(id)!.isLocal, true);
    // The stalls made the server stand in for late inputs (the last input again); prediction disagreed
    // only there, where a late input differed from the one before it.
    assert.ok(client.stats.missedInputs > 0, 'stalls left ticks without input');
    assert.ok(
      client.stats.corrections <= client.stats.missedInputs,
      `${client.stats.corrections} corrections, ${client.stats.missedInputs} stand-ins`,
    );
    assert.ok(client.stats.snapshots > 600);
    assert.deepEqual(errors, []);
    assert.deepEqual(server.gameErrors, []);
  });

  it('never draws a remote entity beyond the extrapolation bound, and holds after it', async () => {
    const { clock, server, client } = await setup(BAD_NETWORK, { maxExtrapolationMs: 50 });
    const loop = gameLoop(clock, client, wanderingInput(5));
    let checked = 0;
    let extrapolatedFrames = 0;
    await loop.run(10_000, () => {
      const newest = client.latestSnapshot;
      if (newest === null) return;
      if (client.stats.extrapolatedMs > 0) extrapolatedFrames++;
      assert.ok(client.stats.extrapolatedMs <= 50);
      for (const e of client.entities.values()) {
        if (e.kind !== 'bot') continue;
        // Bots move at BOT_SPEED along x: drawn x may lead the newest snapshot by 50 ms of motion at most.
        const bound = server.botX(newest.tick) + BOT_SPEED * 0.05 + 0.02;
        assert.ok((e.state.x as number) <= bound, `bot ${e.id} drawn at x=${e.state.x}, bound ${bound}`);
        checked++;
      }
    });
    assert.ok(checked > 1000);
    assert.ok(client.stats.bufferUnderruns > 0, 'stalls made the buffer run dry');
    assert.ok(extrapolatedFrames > 0);
  });

  it('interpolates angles the short way round and draws enums and strings as sent', async () => {
    const { clock, client } = await setup({ latencyMs: 20 });
    const loop = gameLoop(clock, client, null);
    let prev = new Map<number, number>();
    await loop.run(6000, () => {
      const next = new Map<number, number>();
      for (const e of client.entities.values()) {
        if (e.kind !== 'bot') continue;
        const heading = e.state.heading as number;
        assert.ok(heading >= 0 && heading < Math.PI * 2);
        const before = prev.get(e.id);
        if (before !== undefined) {
          let d = heading - before;
          if (d < -Math.PI) d += Math.PI * 2;
          assert.ok(d >= -1e-9 && d < 0.2, `heading moves forward by small steps, got ${d}`);
        }
        assert.equal(e.state.mode, 'roam');
        next.set(e.id, heading);
      }
      prev = next;
    });
    assert.equal(prev.size, 3);
  });

  it('smooths a small correction over several frames and snaps a huge one', async () => {
    const { clock, server, client } = await setup();
    const loop = gameLoop(clock, client, () => ({ dx: 0, dy: 0, aim: 0 }));
    await loop.run(3000);
    const id = localId(client);
    server.push(id, 20);
    const gaps: number[] = [];
    const snapsBefore = client.stats.correctionSnaps;
    await loop.run(4500, () => {
      const drawn = client.entities.get(id)!.state.x as number;
      gaps.push(client.predictedState(id)!.x - drawn);
    });
    const moving = gaps.filter((g) => Math.abs(g) > 0.01);
    assert.ok(moving.length >= 3, `the correction took several frames (${moving.length})`);
    assert.ok(Math.abs(moving[0]!) > 10, 'the first frame after the correction is still near the old position');
    for (let i = 1; i < moving.length; i++)
      assert.ok(Math.abs(moving[i]!) < Math.abs(moving[i - 1]!), 'the gap shrinks every frame');
    assert.equal(gaps.at(-1), 0);
    assert.equal(client.stats.corrections, 1);
    assert.equal(client.stats.correctionSnaps, snapsBefore);

    server.push(id, 400);
    const after: number[] = [];
    await loop.run(6000, () => after.push(client.predictedState(id)!.x - (client.entities.get(id)!.state.x as number)));
    assert.ok(
      after.every((g) => Math.abs(g) < 1e-9),
      'a teleport-sized correction snaps',
    );
    assert.equal(client.stats.corrections, 2);
    assert.equal(client.stats.correctionSnaps, snapsBefore + 1);
  });

  it('adapts the interpolation delay to jitter, within its bounds, without render time going backwards', async () => {
    const delayAfter = async (conditions: object, ms: number): Promise<{ delay: number; target: number }> => {
      const { clock, client } = await setup(conditions, { minDelayMs: 50, maxDelayMs: 300 });
      let last = -Infinity;
      await gameLoop(clock, client, null).run(ms, () => {
        const tick = client.stats.renderTick;
        if (Number.isNaN(tick)) return;
        assert.ok(tick >= last, `render tick went from ${last} back to ${tick}`);
        last = tick;
        const target = client.stats.targetInterpDelayMs;
        assert.ok(target >= 50 && target <= 300, `target delay ${target} ms is within bounds`);
      });
      return { delay: client.stats.interpDelayMs, target: client.stats.targetInterpDelayMs };
    };
    const clean = await delayAfter({ latencyMs: 10 }, 8000);
    const jittery = await delayAfter({ latencyMs: 75, jitterMs: 40, seed: 4 }, 8000);
    const awful = await delayAfter({ latencyMs: 500, jitterMs: 500, seed: 4 }, 25_000);
    assert.ok(Math.abs(clean.delay - 50) < 1, `clean link: ${clean.delay} ms`);
    assert.ok(
      Math.abs(jittery.delay - jittery.target) < 1,
      `the delay in effect reached its target: ${jittery.delay} ms`,
    );
    assert.ok(jittery.delay > clean.delay + 30 && jittery.delay < 250, `jitter raises the delay: ${jittery.delay} ms`);
    assert.equal(awful.target, 300, 'an awful link is clamped to maxDelayMs');
  });

  it('converges the clock on the server time and tick', async () => {
    const { clock, server, client } = await setup();
    await gameLoop(clock, client, null).run(8000);
    const serverTime = clock.now() + 5_000_000;
    assert.ok(Math.abs(client.clock.serverTimeMs(clock.now()) - serverTime) < 20);
    const tickNow = server.tickAt(clock.now());
    assert.ok(
      Math.abs(client.clock.serverTick(clock.now()) - tickNow) < 2,
      `tick ${client.clock.serverTick(clock.now())} vs ${tickNow}`,
    );
    assert.ok(client.stats.rttMs > 120 && client.stats.rttMs < 260, `rtt ${client.stats.rttMs}`);
    assert.ok(client.stats.snapshotRateHz > 50 && client.stats.snapshotRateHz < 70);
    assert.ok(client.stats.bytesInPerSec > 0 && client.stats.bytesOutPerSec > 0);
  });
  it('keeps each drawn entity and its state object for as long as the entity lives', async () => {
    const { clock, client } = await setup({ latencyMs: 30, jitterMs: 10, seed: 2 });
    const loop = gameLoop(clock, client, wanderingInput(8));
    await loop.run(2000);
    const before = new Map([...client.entities].map(([id, e]) => [id, [e, e.state] as const]));
    assert.equal(before.size, 4);
    await loop.run(5000);
    for (const [id, [entity, state]] of before) {
      assert.equal(client.entities.get(id), entity, `entity ${id} is the same object`);
      assert.equal(client.entities.get(id)!.state, state, `entity ${id} state is the same object`);
    }
  });

  it('predicts an opted-in entity with the local inputs, reusing its drawn object', async () => {
    const { clock, client } = await setup({ latencyMs: 40 });
    const loop = gameLoop(clock, client, null);
    await loop.run(2000);
    const bot = client.entities.get(1)!;
    assert.equal(bot.isLocal, false);
    client.predictEntity(1);
    await loop.run(2100);
    assert.equal(client.entities.get(1), bot);
    assert.equal(bot.isLocal, true);
    assert.deepEqual(
      { ...client.predictedState(1) },
      dequantizeEntity(schema, client.latestSnapshot!, indexOfEntity(client.latestSnapshot!, 1)),
    );
  });
});
