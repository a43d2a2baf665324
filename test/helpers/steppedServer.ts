/**
 * A server the test steps by hand (manual clock, memory transport, no timers) with one arena room,
 * and clients joined to it through the real handshake.
 */
import assert from 'node:assert/strict';
import { MemoryTransport, type Room, Server } from '../../server/index.ts';
import { FakeClock } from './FakeClock.ts';
import { arenaRoom, type HelloOptions, TestClient } from './serverFixture.ts';

/** What {@link steppedArena} gives a test. */
export interface SteppedArena {
  readonly clock: FakeClock;
  readonly server: Server;
  readonly room: Room;
  /** Errors the server reported through `onError`. */
  readonly errors: unknown[];
  /** Connects a client and waits (on the manual clock) until it is welcomed into the room. */
  join(): Promise<TestClient>;
  /** Runs one tick, then lets 1 ms of manual time pass so frames are delivered. */
  step(): void;
}

/**
 * Connects a TestClient to `memory` and sends Hello with `options`, advancing the manual `clock` 1 ms at a
 * time (at most 100 ms per step) until it is open and then welcomed; asserts that it was welcomed.
 */
export async function joinOnClock(
  memory: MemoryTransport,
  clock: FakeClock,
  options?: HelloOptions,
): Promise<TestClient> {
  const c = new TestClient(memory.connect());
  for (let i = 0; i < 3; i++) await Promise.resolve();
  for (let i = 0; i < 100 && !c.isOpen; i++) clock.advance(1);
  c.hello(options);
  for (let i = 0; i < 100 && c.welcome === null; i++) clock.advance(1);
  assert.ok(c.welcome !== null, 'welcomed');
  return c;
}

/** Starts a 50 Hz server with a chaotic arena of 12 rocks that stays open when empty. */
export async function steppedArena(): Promise<SteppedArena> {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock });
  const errors: unknown[] = [];
  const server = new Server({
    clock,
    transport: memory,
    tickRateHz: 50,
    autoTick: false,
    logger: { warn() {}, error() {} },
    onError: (err) => errors.push(err),
  });
  server.define('arena', arenaRoom({ rocks: 12, chaotic: true, closeWhenEmpty: false }));
  await server.listen(0, '127.0.0.1');
  const room = server.createRoom('arena');
  const join = (): Promise<TestClient> => joinOnClock(memory, clock, { room: room.id });
  const step = (): void => {
    server.step();
    clock.advance(1);
  };
  return { clock, server, room, errors, join, step };
}
