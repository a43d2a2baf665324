/** NetworkConditioner: delays, order, stalls, determinism; parseConditionerQuery. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientSocket } from '../shared/index.ts';
import { type ConditionerOptions, NetworkConditioner, parseConditionerQuery } from '../client/NetworkConditioner.ts';
import { FakeClock, memoryPair } from './clientHarness.ts';

/** Sends one numbered frame per ms for `count` ms from the server end; returns arrival times by number. */
function stream(options: ConditionerOptions, count: number): number[] {
  const clock = new FakeClock(0);
  const { client, server } = memoryPair(clock);
  const socket: ClientSocket = new NetworkConditioner(client, options, clock);
  const arrivals: number[] = [];
  socket.onmessage = (data) => arrivals.push(data[0]! * 256 + data[1]!, clock.now());
  for (let i = 0; i < count; i++) {
    clock.advanceTo(i);
    server.send(Uint8Array.of(i >> 8, i & 255));
  }
  clock.advanceTo(count + 10_000);
  return arrivals;
}

function pairs(flat: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

describe('NetworkConditioner', () => {
  it('delays each frame by latency ± jitter and preserves order', () => {
    const got = pairs(stream({ latencyMs: 75, jitterMs: 15, seed: 3 }, 2000));
    assert.equal(got.length, 2000);
    let lastAt = -Infinity;
    got.forEach(([n, at], i) => {
      assert.equal(n, i, 'in order');
      assert.ok(at >= lastAt, 'no frame overtakes another');
      assert.ok(at - n >= 60 && at - n <= 90, `frame ${n} took ${at - n} ms`);
      lastAt = at;
    });
    const delays = got.map(([n, at]) => at - n);
    assert.ok(Math.max(...delays) - Math.min(...delays) > 20, 'delays vary');
  });

  it('stalls a direction, then delivers the backlog in a burst', () => {
    const got = pairs(stream({ latencyMs: 10, stallIntervalMs: 1000, stallMs: 300, seed: 5 }, 5000));
    assert.equal(got.length, 5000);
    let longest = 0;
    let burst = 0;
    for (let i = 1; i < got.length; i++) {
      longest = Math.max(longest, got[i]![1] - got[i - 1]![1]);
      if (got[i]![1] === got[i - 1]![1]) burst++;
    }
    assert.ok(longest >= 250, `a gap of ${longest} ms with nothing delivered`);
    assert.ok(burst > 200, `frames delivered together after stalls: ${burst}`);
  });

  it('is deterministic for a seed', () => {
    const options = { latencyMs: 50, jitterMs: 20, stallIntervalMs: 500, stallMs: 100, seed: 11 };
    assert.deepEqual(stream(options, 500), stream(options, 500));
    assert.notDeepEqual(stream(options, 500), stream({ ...options, seed: 12 }, 500));
  });

  it('conditions the client-to-server direction too, and closes at once on close()', () => {
    const clock = new FakeClock(0);
    const { client, server } = memoryPair(clock);
    const socket = new NetworkConditioner(client, { latencyMs: 40 }, clock);
    const got: number[] = [];
    server.onmessage = () => got.push(clock.now());
    let closed: number | null = null;
    socket.onclose = (code) => (closed = code);
    let opened = -1;
    socket.onopen = () => (opened = clock.now());
    clock.advanceTo(100);
    assert.equal(opened, 40, 'the open event is delayed like a frame');
    socket.send(Uint8Array.of(1));
    assert.equal(socket.bufferedAmount, 1);
    clock.advanceTo(200);
    assert.deepEqual(got, [140]);
    socket.send(Uint8Array.of(2));
    socket.close(1000, 'bye');
    clock.advanceTo(400);
    assert.deepEqual(got, [140], 'queued frames are dropped on close');
    assert.equal(closed, 1000);
  });

  it('rejects negative or non-finite conditions', () => {
    const clock = new FakeClock(0);
    assert.throws(() => new NetworkConditioner(memoryPair(clock).client, { latencyMs: -1 }, clock), /latencyMs/);
  });
});

describe('parseConditionerQuery', () => {
  it('reads round-trip lag and jitter, and stalls', () => {
    assert.deepEqual(parseConditionerQuery('?lag=150&jitter=30'), {
      latencyMs: 75,
      jitterMs: 15,
      stallMs: 0,
      stallIntervalMs: 0,
      seed: 1,
    });
    assert.deepEqual(parseConditionerQuery('stall=200&stallEvery=3000&seed=9&name=x'), {
      latencyMs: 0,
      jitterMs: 0,
      stallMs: 200,
      stallIntervalMs: 3000,
      seed: 9,
    });
  });

  it('returns null when nothing is asked, and ignores bad values', () => {
    assert.equal(parseConditionerQuery(''), null);
    assert.equal(parseConditionerQuery('?room=a&lag=abc&jitter=-5'), null);
  });
});
