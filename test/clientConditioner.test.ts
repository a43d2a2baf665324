/**
 * The one simulated network: NetworkConditioner (delays, order, stalls, determinism) around a memory
 * transport socket, the same LinkDelay model inside MemoryTransport's links; parseConditionerQuery.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClientSocket, type LinkConditions, seededRandom } from '../shared/index.ts';
import { type ConditionerOptions, NetworkConditioner, parseConditionerQuery } from '../client/index.ts';
import { type Connection, MemoryTransport, type MemoryTransportOptions } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';

/** A memory transport on `clock` whose server end accepts every client and records what it receives. */
async function memoryServer(clock: FakeClock, options: MemoryTransportOptions = {}) {
  const memory = new MemoryTransport({ ...options, clock });
  const ends: Connection[] = [];
  const received: number[] = [];
  await memory.listen(0, '', {
    upgrade: () => ({ ok: true, protocol: 'tickwave.v1', userData: undefined }),
    open: (conn) => ends.push(conn),
    message: () => received.push(clock.now()),
    close: () => {},
    http: { health: () => '', metrics: () => Promise.resolve({ body: '', contentType: '' }) },
  });
  /** Opens a client socket and waits until the server end exists. */
  const connect = async (): Promise<{ client: ReturnType<MemoryTransport['connect']>; server: Connection }> => {
    const client = memory.connect();
    await clock.settle();
    return { client, server: ends.at(-1)! };
  };
  return { connect, received };
}

/**
 * Sends one numbered frame per ms for `count` ms from the server end, through a NetworkConditioner with
 * `conditioner` (or none) on a memory transport with `link` conditions; returns arrival times by number.
 */
async function stream(conditioner: ConditionerOptions | null, count: number, link: MemoryTransportOptions = {}) {
  const clock = new FakeClock(0);
  const { connect } = await memoryServer(clock, link);
  const { client, server } = await connect();
  const socket: ClientSocket = conditioner === null ? client : new NetworkConditioner(client, conditioner, clock);
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
  it('delays each frame by latency ± jitter and preserves order', async () => {
    const got = pairs(await stream({ latencyMs: 75, jitterMs: 15, seed: 3 }, 2000));
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

  it('stalls a direction, then delivers the backlog in a burst', async () => {
    const got = pairs(await stream({ latencyMs: 10, stallIntervalMs: 1000, stallMs: 300, seed: 5 }, 5000));
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

  it('is deterministic for a seed', async () => {
    const options = { latencyMs: 50, jitterMs: 20, stallIntervalMs: 500, stallMs: 100, seed: 11 };
    assert.deepEqual(await stream(options, 500), await stream(options, 500));
    assert.notDeepEqual(await stream(options, 500), await stream({ ...options, seed: 12 }, 500));
  });

  it('conditions the client-to-server direction too, and closes at once on close()', async () => {
    const clock = new FakeClock(0);
    const { connect, received: got } = await memoryServer(clock);
    const { client } = await connect();
    const socket = new NetworkConditioner(client, { latencyMs: 40 }, clock);
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

  it('rejects negative or non-finite conditions', async () => {
    const clock = new FakeClock(0);
    const { connect } = await memoryServer(clock);
    const { client } = await connect();
    assert.throws(() => new NetworkConditioner(client, { latencyMs: -1 }, clock), /latencyMs/);
    assert.throws(() => new NetworkConditioner(client, { stallMs: Number.NaN }, clock), /stallMs/);
    assert.throws(() => new NetworkConditioner(client, { seed: Number.POSITIVE_INFINITY }, clock), /seed/);
    assert.throws(() => new MemoryTransport({ jitterMs: -5 }), /MemoryTransport: jitterMs/);
  });
});

describe('MemoryTransport link conditions', () => {
  it('delay frames exactly as a NetworkConditioner with the same conditions and random numbers does', async () => {
    const conditions: LinkConditions = { latencyMs: 50, jitterMs: 20, stallIntervalMs: 500, stallMs: 100 };
    const inLinks = pairs(await stream(null, 3000, { ...conditions, random: seededRandom(11) }));
    const conditioned = pairs(await stream({ ...conditions, seed: 11 }, 3000));
    assert.equal(inLinks.length, 3000);
    assert.deepEqual(inLinks, conditioned);
    const delays = inLinks.map(([n, at]) => at - n);
    assert.ok(Math.min(...delays) >= 30, 'no frame arrives before latency − jitter');
    assert.ok(Math.max(...delays) >= 100, `stalls held frames back: ${Math.max(...delays)} ms`);
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
