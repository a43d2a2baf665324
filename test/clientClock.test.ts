/** ClockSync: convergence from noisy round trips, monotonic time, bounded slewing, tick estimate. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClockSync } from '../client/ClockSync.ts';
import { seededRandom } from '../shared/index.ts';

/** Simulates pings over a path with a base one-way delay and random queueing delay per direction. */
function simulate(
  sync: ClockSync,
  opts: { seconds: number; trueOffsetMs: (nowMs: number) => number; random: () => number; startMs?: number },
) {
  const served: number[] = [];
  let now = opts.startMs ?? 0;
  const end = now + opts.seconds * 1000;
  let lastTime = -Infinity;
  while (now < end) {
    const up = 40 + opts.random() * opts.random() * 60;
    const down = 40 + opts.random() * opts.random() * 60;
    const sentAt = now;
    const serverTime = sentAt + up + opts.trueOffsetMs(sentAt + up);
    const arrive = sentAt + up + down;
    // Read the clock every 16 ms while waiting, as a game loop would.
    for (let t = sentAt; t < arrive; t += 16) {
      const s = sync.serverTimeMs(t);
      assert.ok(s >= lastTime, `server time went back from ${lastTime} to ${s}`);
      lastTime = s;
    }
    sync.onPong(arrive, sentAt, serverTime, Math.floor(serverTime / (1000 / 60)));
    served.push(sync.serverTimeMs(arrive) - (arrive + opts.trueOffsetMs(arrive)));
    now = arrive + sync.pingSent();
  }
  return served;
}

describe('ClockSync', () => {
  it('converges on the server time from noisy round trips, filtering by lowest RTT', () => {
    const sync = new ClockSync();
    const errors = simulate(sync, { seconds: 30, trueOffsetMs: () => 123_456, random: seededRandom(1) });
    const last = errors.slice(-10);
    assert.ok(
      last.every((e) => Math.abs(e) < 15),
      `errors at the end: ${last.map((e) => e.toFixed(1)).join(' ')}`,
    );
    assert.ok(sync.minRttMs >= 80 && sync.rttMs > sync.minRttMs);
  });

  it('never goes backwards when the server clock steps back, and slews at the bounded rate', () => {
    const sync = new ClockSync({ maxSlewRate: 0.05 });
    simulate(sync, { seconds: 10, trueOffsetMs: (t) => (t < 5000 ? 1000 : 700), random: seededRandom(2) });
    // The estimate runs 300 ms fast after the step and may lose only 5 % of elapsed time; old samples leave the window
    // within 16 s.
    const errors = simulate(sync, { seconds: 25, trueOffsetMs: () => 700, random: seededRandom(3), startMs: 10_000 });
    assert.ok(Math.abs(errors.at(-1)!) < 15, `converged after the step: ${errors.at(-1)}`);
  });

  it('jumps forward at once when far behind, and uses fast pings first', () => {
    const sync = new ClockSync({ fastPings: 3, fastPingIntervalMs: 100, pingIntervalMs: 1000 });
    assert.deepEqual([sync.pingSent(), sync.pingSent(), sync.pingSent(), sync.pingSent()], [100, 100, 1000, 1000]);
    sync.onPong(100, 0, 50_000, 0);
    assert.equal(sync.serverTimeMs(100), 50_050);
    // A better (lower-RTT) sample 10 s ahead: far past snapForwardMs, so no slewing.
    sync.onPong(180, 100, 60_040, 0);
    assert.equal(sync.serverTimeMs(180), 60_080);
  });

  it('estimates the fractional server tick and never lets it decrease', () => {
    const sync = new ClockSync();
    sync.setTickRate(50);
    assert.equal(sync.serverTick(0), -1);
    // Tick 100 started at server time 2000 (tick 0 at 0); the pong was sampled 5 ms into it.
    sync.onPong(1010, 1000, 2005, 100);
    const tick = sync.serverTick(1010);
    assert.ok(Math.abs(tick - 100.25) < 1e-9, `tick ${tick}`);
    assert.ok(sync.serverTick(1030) > tick);
    assert.ok(sync.serverTick(1000) >= sync.serverTick(1030));
  });

  it('ignores pongs with impossible round trips', () => {
    const sync = new ClockSync();
    assert.equal(sync.onPong(100, 200, 5000, 1), false);
    assert.equal(sync.onPong(100_000, 0, 5000, 1), false);
    assert.equal(sync.synced, false);
  });

  it('rejects options that would let time run backwards', () => {
    assert.throws(() => new ClockSync({ maxSlewRate: 1 }), /maxSlewRate/);
    assert.throws(() => new ClockSync({ sampleCount: 0 }), /sampleCount/);
  });
});
