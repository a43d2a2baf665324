/** The fixed-step tick loop under an injected clock: schedule, catch-up, statistics. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Clock, TickLoop } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';

/** A manual clock whose timers truncate fractional delays, as Node's setTimeout does (16.67 → 16, below 1 → 1). */
function truncatingClock(): FakeClock & Clock {
  const clock = new FakeClock();
  const schedule = clock.schedule.bind(clock);
  clock.schedule = (fn, delayMs) => schedule(fn, Math.max(1, Math.floor(delayMs)));
  return clock;
}

describe('TickLoop', () => {
  it('runs tick n at t0 + n·dt without drift, although timers truncate delays', () => {
    const clock = truncatingClock();
    clock.advance(1234);
    const t0 = clock.now();
    const starts: number[] = [];
    const loop = new TickLoop({ tickRateHz: 60, clock, onTick: () => starts.push(clock.now()) });
    loop.start();
    clock.advance(10_000);
    loop.stop();
    assert.equal(starts.length, 601);
    const dt = 1000 / 60;
    starts.forEach((at, n) => {
      assert.ok(at >= t0 + n * dt - 1e-9, `tick ${n} ran early at ${at}`);
      assert.ok(at < t0 + n * dt + 1, `tick ${n} ran late at ${at}`);
    });
    assert.equal(loop.stats().skippedTicks, 0);
  });

  it('reaches the configured rate exactly where a truncated setTimeout loop would run fast', () => {
    const clock = truncatingClock();
    const loop = new TickLoop({ tickRateHz: 60, clock, onTick: () => {} });
    loop.start();
    clock.advance(20_000);
    const stats = loop.stats();
    loop.stop();
    assert.ok(Math.abs(stats.achievedRateHz - 60) / 60 < 0.005, `achieved ${stats.achievedRateHz} Hz`);
    assert.equal(stats.ticks, 1201);
  });

  it('catches up at most maxCatchUpTicks after an overrun, then re-anchors and counts the skipped ticks', () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    const loop = new TickLoop({
      tickRateHz: 50,
      maxCatchUpTicks: 3,
      clock,
      onTick: (tick) => {
        starts.push(clock.now());
        if (tick === 10) clock.spend(200);
      },
    });
    loop.start();
    clock.advance(1000);
    loop.stop();
    const stats = loop.stats();
    const afterOverrun = starts.slice(11, 14);
    assert.ok(
      afterOverrun.every((at) => at === starts[10]! + 200),
      'catch-up ticks run back to back',
    );
    assert.ok(starts[14]! > starts[13]!, 'then the loop waits for the grid again');
    assert.equal(stats.skippedTicks, 7);
    assert.equal(stats.ticks + stats.skippedTicks, 51);
    for (let i = 15; i < starts.length; i++) assert.equal((starts[i]! - starts[i - 1]!).toFixed(6), (20).toFixed(6));
  });

  it('records every tick duration and reports p50, p99 and max', () => {
    const clock = new FakeClock();
    const loop = new TickLoop({ tickRateHz: 20, clock, onTick: (tick) => clock.spend(tick % 10 === 9 ? 5 : 1) });
    loop.start();
    clock.advance(5_000);
    loop.stop();
    const stats = loop.stats();
    assert.equal(stats.p50Ms, 1);
    assert.equal(stats.maxMs, 5);
    assert.equal(stats.p99Ms, 5);
    assert.ok(Math.abs(stats.meanMs - 1.4) < 0.05);
  });

  it('rejects tick rates outside 10–120 Hz and a bad catch-up bound', () => {
    assert.throws(() => new TickLoop({ tickRateHz: 5, onTick: () => {} }), /10–120/);
    assert.throws(() => new TickLoop({ tickRateHz: 200, onTick: () => {} }), /10–120/);
    assert.throws(() => new TickLoop({ tickRateHz: 60, maxCatchUpTicks: 0, onTick: () => {} }), /maxCatchUpTicks/);
  });

  it('stops running ticks after stop()', () => {
    const clock = new FakeClock();
    let ticks = 0;
    const loop = new TickLoop({ tickRateHz: 30, clock, onTick: () => ticks++ });
    loop.start();
    clock.advance(100);
    loop.stop();
    const at = ticks;
    clock.advance(1000);
    assert.equal(ticks, at);
    assert.equal(loop.running, false);
  });
});
