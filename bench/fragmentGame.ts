/**
 * The game server process of the spectator part of `npm run bench -- record` (started by
 * recordViewers.ts with an IPC channel): arena E = 100 at 60 Hz on the real tick loop, 100 all-seeing
 * players on the memory transport inside the process, and a FragmentPublisher writing the room's
 * fragments into the folder given as argument. Answers `{ cmd: 'cpu' }` with its CPU time and tick, and
 * `{ cmd: 'stop' }` by closing the publisher and the server and exiting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { FragmentPublisher, MemoryTransport, Server } from '../server/index.ts';
import { arenaHello, arenaType, CLIENTS, TICK_RATE_HZ } from './recordArena.ts';

/** What the process answers to `{ cmd: 'cpu' }`. */
export interface GameSample {
  /** Process CPU time (user + system) since it started, ms. */
  readonly cpuMs: number;
  /** CPU time of the main thread, where the ticks run, ms (Linux; NaN elsewhere). */
  readonly mainCpuMs: number;
  /** The room's tick. */
  readonly tick: number;
  /** Fragments published so far. */
  readonly published: number;
}

/** Linux's CPU time of the main thread (ns precision). */
const MAIN_THREAD = `/proc/self/task/${process.pid}/schedstat`;
const dir = process.argv[2]!;
const quiet = { warn() {}, error: console.error };
const memory = new MemoryTransport({ maxBackpressureBytes: 64 * 1024 * 1024 });
const server = new Server({ transport: memory, tickRateHz: TICK_RATE_HZ, logger: quiet });
server.define('arena', arenaType());
await server.listen(0);
const room = server.createRoom('arena');
const hello = arenaHello(room.id);
for (let i = 0; i < CLIENTS; i++) {
  const socket = memory.connect();
  socket.onopen = () => socket.send(hello);
}
for (let waited = 0; room.clients.length < CLIENTS; waited += 10) {
  if (waited > 10_000) throw new Error(`fragment game: ${room.clients.length} of ${CLIENTS} players joined`);
  await new Promise((resolve) => setTimeout(resolve, 10));
}
const publisher = new FragmentPublisher(room, { dir, tickRateHz: TICK_RATE_HZ });
process.on('message', async (msg: { cmd: string }) => {
  if (msg.cmd === 'cpu') {
    const used = process.cpuUsage();
    const sample: GameSample = {
      cpuMs: (used.user + used.system) / 1000,
      mainCpuMs: existsSync(MAIN_THREAD) ? Number(readFileSync(MAIN_THREAD, 'latin1').split(' ')[0]) / 1e6 : NaN,
      tick: room.tick,
      published: publisher.published,
    };
    process.send!(sample);
  } else if (msg.cmd === 'stop') {
    await publisher.close();
    await server.close();
    process.exit(0);
  }
});
process.send!({ ready: true });
