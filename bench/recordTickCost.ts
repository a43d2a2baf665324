/**
 * Tick-cost part of `npm run bench -- record`: three servers in one process (arena E = 100, 60 Hz, 100
 * all-seeing clients on the memory transport), identical but for a RoomRecorder writing a file in one
 * and a FragmentPublisher writing fragments in another, stepped in alternating blocks of 120 ticks (each
 * round in a rotated order). Per block: each step's wall time, the block's CPU time on the
 * stepping thread (what it ran, whatever else the shared machine did meanwhile), and the process CPU of
 * the turns of the event loop after the block, where the file writes start, off the tick.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileSink, FragmentPublisher, MemoryTransport, type Room, RoomRecorder, Server } from '../server/index.ts';
import { MsgKind } from '../shared/index.ts';
import { StepClock } from './bigworldHarness.ts';
import { arenaHello, arenaType, CLIENTS, TICK_RATE_HZ } from './recordArena.ts';

/** Ticks per block: 2 s at 60 Hz, so each block holds one keyframe of the recorder and one fragment. */
export const BLOCK_TICKS = 120;
/** Blocks of each case run first and discarded (JIT, first allocations). */
const WARMUP_BLOCKS = 5;

/** One server of the comparison and what was measured on it. */
export interface TickCase {
  readonly name: string;
  /** Each step's wall time, ms. */
  readonly stepMs: number[];
  /** Each block's CPU per tick of the stepping thread (Linux: the main thread; else the process), ms. */
  readonly blockCpuMs: number[];
  /** Each block's CPU per tick of the writes run after it (off the tick), ms. */
  readonly writeCpuMs: number[];
  /**
   * Each step's wall time inside the case's tick listener (the recorder or publisher, with the feed's
   * delta it asks for), between two empty listeners around it, ms; in `without`, what the empty pair
   * costs alone.
   */
  readonly listenerMs: number[];
  /** Bytes of Snapshot frames one client got since it joined. */
  clientBytes: number;
}

interface Running {
  readonly result: TickCase;
  readonly server: Server;
  readonly clock: StepClock;
  close(): Promise<void>;
}

async function startCase(name: string, attach: (room: Room) => (() => Promise<void>) | null): Promise<Running> {
  const clock = new StepClock();
  const memory = new MemoryTransport({ clock, maxBackpressureBytes: 64 * 1024 * 1024 });
  const server = new Server({
    clock,
    transport: memory,
    tickRateHz: TICK_RATE_HZ,
    autoTick: false,
    logger: { warn() {}, error: console.error },
    handshakeTimeoutMs: 1e9,
  });
  server.define('arena', arenaType());
  const room = server.createRoom('arena');
  await server.listen(0);
  const sockets = Array.from({ length: CLIENTS }, () => memory.connect());
  for (let i = 0; i < 3; i++) await Promise.resolve();
  clock.advance(1);
  const hello = arenaHello(room.id);
  for (const s of sockets) s.send(hello);
  clock.advance(1);
  if (room.clients.length !== CLIENTS) throw new Error(`record bench: ${room.clients.length} of ${CLIENTS} joined`);
  const result: TickCase = { name, stepMs: [], blockCpuMs: [], writeCpuMs: [], listenerMs: [], clientBytes: 0 };
  sockets[0]!.onmessage = (data) => {
    if (data[1] === MsgKind.Snapshot) result.clientBytes += data.byteLength;
  };
  let entered = 0;
  room.onTick(() => {
    entered = performance.now();
  });
  const detach = attach(room);
  room.onTick(() => result.listenerMs.push(performance.now() - entered));
  return {
    result,
    server,
    clock,
    close: async () => {
      await detach?.();
      await server.close();
    },
  };
}

/** Linux's CPU time of this process's main thread (ns precision), where the ticks run. */
const MAIN_THREAD_SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/**
 * CPU time of the thread that steps, ms: the main thread's on Linux, so the process's other threads
 * (GC helpers, the thread pool writing files for whichever case came before) do not count; elsewhere
 * the whole process's.
 */
function tickThreadCpuMs(): number {
  if (existsSync(MAIN_THREAD_SCHEDSTAT))
    return Number(readFileSync(MAIN_THREAD_SCHEDSTAT, 'latin1').split(' ')[0]) / 1e6;
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** Steps `c` one block, timing each step and the block's CPU; then lets the file writes run. */
async function block(c: Running): Promise<void> {
  const cpu = tickThreadCpuMs();
  for (let i = 0; i < BLOCK_TICKS; i++) {
    const t0 = performance.now();
    c.server.step();
    c.result.stepMs.push(performance.now() - t0);
    c.clock.advance(1000 / TICK_RATE_HZ);
  }
  c.result.blockCpuMs.push((tickThreadCpuMs() - cpu) / BLOCK_TICKS);
  const after = process.cpuUsage();
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(after);
  c.result.writeCpuMs.push((used.user + used.system) / 1000 / BLOCK_TICKS);
}

/**
 * Runs `seconds` of ticks on each case (without, recording into `dir`/bench.twr, broadcasting into
 * `dir`); returns the cases and the recording's size (every tick since the clients joined, as the
 * cases' `clientBytes`).
 */
export async function tickCost(seconds: number, dir: string): Promise<{ cases: TickCase[]; fileBytes: number }> {
  const file = join(dir, 'bench.twr');
  let recorder: RoomRecorder | null = null;
  const cases = [
    await startCase('without', () => null),
    await startCase('recording', (room) => {
      recorder = new RoomRecorder(room, new FileSink(file, (err) => console.error(err)), TICK_RATE_HZ);
      return () => recorder!.close();
    }),
    await startCase('broadcasting', (room) => {
      const publisher = new FragmentPublisher(room, { dir, tickRateHz: TICK_RATE_HZ });
      return () => publisher.close();
    }),
  ];
  for (let b = 0; b < WARMUP_BLOCKS; b++) for (const c of cases) await block(c);
  for (const { result } of cases)
    for (const list of [result.stepMs, result.blockCpuMs, result.writeCpuMs, result.listenerMs]) list.length = 0;
  const blocks = Math.ceil((seconds * TICK_RATE_HZ) / BLOCK_TICKS);
  // Each round starts one case later (w r b, r b w, b w r, …): every case runs in every position and no
  // case ever follows itself, whose caches would still be warm.
  for (let b = 0; b < blocks; b++) for (let i = 0; i < cases.length; i++) await block(cases[(b + i) % cases.length]!);
  for (const c of cases) await c.close();
  return { cases: cases.map((c) => c.result), fileBytes: statSync(file).size };
}
