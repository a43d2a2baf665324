/**
 * Where a burst of joins opens its rooms, on both room directories (in memory, and on a real Redis started on a
 * free port): seats reserved between two heartbeats count in their process's load at once, so new rooms spread over
 * the processes instead of piling onto the one that looked least loaded at the last heartbeat.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../bench/redisServer.ts';
import { type Heartbeat, MemoryDirectory, RedisDirectory, type RoomDirectory } from '../server/index.ts';

const EXPIRY_MS = 60_000;
const SEAT_TTL_MS = 30_000;
const CAPACITY = 4;

function beat(processId: string, load: number): Heartbeat {
  return { processId, url: `ws://127.0.0.1:1/${processId}`, load, draining: false, rooms: [], expiryMs: EXPIRY_MS };
}

/** Reserves `joins` seats of type `game` and counts the seats each process was given. */
async function burst(directory: RoomDirectory, joins: number): Promise<Map<string, number>> {
  const perProcess = new Map<string, number>();
  for (let i = 0; i < joins; i++) {
    const seat = await directory.reserve('game', CAPACITY, SEAT_TTL_MS);
    assert.ok(seat !== null, 'a live process takes the seat');
    perProcess.set(seat.processId, (perProcess.get(seat.processId) ?? 0) + 1);
  }
  return perProcess;
}

function directoryCases(open: () => Promise<RoomDirectory>): void {
  it('spreads a burst of joins between heartbeats evenly over equally loaded processes', async () => {
    const directory = await open();
    for (const p of ['a', 'b']) await directory.heartbeat(beat(p, 0));
    const seats = await burst(directory, 8 * CAPACITY);
    assert.deepEqual([...seats.entries()].sort(), [
      ['a', 4 * CAPACITY],
      ['b', 4 * CAPACITY],
    ]);
    await directory.close();
  });

  it('sends new rooms to the lighter process until the burst evens the load', async () => {
    const directory = await open();
    await directory.heartbeat(beat('a', 6 * CAPACITY));
    await directory.heartbeat(beat('b', 0));
    const seats = await burst(directory, 8 * CAPACITY);
    assert.deepEqual([...seats.entries()].sort(), [
      ['a', 1 * CAPACITY],
      ['b', 7 * CAPACITY],
    ]);
    await directory.close();
  });

  it('a heartbeat keeps counting the seats still on their way to the process', async () => {
    const directory = await open();
    for (const p of ['a', 'b']) await directory.heartbeat(beat(p, 0));
    const first = await directory.reserve('game', CAPACITY, SEAT_TTL_MS);
    assert.ok(first !== null);
    await directory.heartbeat(beat(first.processId, 0));
    const other = first.processId === 'a' ? 'b' : 'a';
    await directory.heartbeat(beat(other, 0));
    const seats = await burst(directory, 3 + CAPACITY);
    assert.equal(seats.get(first.processId), 3, 'the first room fills');
    assert.equal(seats.get(other), CAPACITY, 'the next room opens on the process without reserved seats');
    await directory.close();
  });
}

describe('room placement under a burst, in memory', () => {
  directoryCases(async () => new MemoryDirectory());
});

describe('room placement under a burst, on a real Redis', () => {
  let redis: RedisServer;
  let prefix = 0;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await redis?.stop();
  });
  directoryCases(() => RedisDirectory.connect({ url: redis.url, keyPrefix: `t${prefix++}:` }));
});
