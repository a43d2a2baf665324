/**
 * `npm run bench -- record`: what recording and broadcasting cost, against the issue's targets.
 *
 * 1. Tick cost: two servers in one process (arena E = 100, 60 Hz, 100 all-seeing clients on the memory
 *    transport), identical but for a RoomRecorder writing a file (and, in a third, a FragmentPublisher),
 *    stepped in alternating blocks; step time and the process CPU of the file writes that follow.
 * 2. Bytes: the recording file against one all-seeing client's snapshot frames over the same ticks.
 * 3. Seek: a 30-minute recording (108,000 ticks) made in memory, then ReplayPlayer.seek to random ticks.
 * The machine is shared and noisy: compare the ratios of the same run, not absolute figures across runs.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayPlayer } from '../client/index.ts';
import {
  defineRoom,
  FileSink,
  FragmentPublisher,
  MemoryTransport,
  type RecordingSink,
  type Room,
  RoomRecorder,
  Server,
} from '../server/index.ts';
import { encodeMessage, MsgKind, PROTOCOL_VERSION, RecordingFile, seededRandom } from '../shared/index.ts';
import { StepClock } from './bigworldHarness.ts';
import { formatTable, machineInfo, mean, percentile, round, writeJson, defaultResultPath } from './report.ts';
import { arenaSchema, createArena } from './scenarios/arena.ts';

const TICK_RATE_HZ = 60;
const ENTITIES = 100;
const CLIENTS = 100;
const BLOCK_TICKS = 60;

/** The arena as a room type: E units moved by the scenario each tick. */
function arenaType() {
  const arena = createArena({ scenario: 'arena', entities: ENTITIES, tickRateHz: TICK_RATE_HZ });
  return defineRoom(arenaSchema, {
    closeWhenEmpty: false,
    maxClients: CLIENTS + 1,
    onCreate(room) {
      for (const e of arena.entities) room.spawn('unit', { ...(e.state as { x: number }) } as never);
    },
    step(room) {
      arena.step();
      let i = 0;
      for (const unit of room.entitiesOf('unit')) Object.assign(unit, arena.entities[i++]!.state);
    },
  });
}

/** One printed row of the tick-cost table. */
interface Row {
  readonly name: string;
  readonly p50: number;
  readonly mean: number;
  readonly io: number;
  readonly ratio: number;
}

/** One server of the tick-cost comparison and what was measured on it. */
interface Case {
  readonly name: string;
  readonly server: Server;
  readonly clock: StepClock;
  readonly room: Room;
  readonly stepMs: number[];
  readonly ioCpuMs: number[];
  clientBytes: number;
  close(): Promise<void>;
}

async function startCase(name: string, attach: (room: Room) => (() => Promise<void>) | null): Promise<Case> {
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
  const hello = encodeMessage({
    kind: MsgKind.Hello,
    protocolVersion: PROTOCOL_VERSION,
    schemaHash: arenaSchema.hash,
    room: room.id,
    resumeToken: null,
    options: {},
  });
  for (const s of sockets) s.send(hello);
  clock.advance(1);
  if (room.clients.length !== CLIENTS) throw new Error(`record bench: ${room.clients.length} of ${CLIENTS} joined`);
  const c: Case = { name, server, clock, room, stepMs: [], ioCpuMs: [], clientBytes: 0, close: async () => {} };
  sockets[0]!.onmessage = (data) => {
    if (data[1] === MsgKind.Snapshot) c.clientBytes += data.byteLength;
  };
  const detach = attach(room);
  c.close = async () => {
    await detach?.();
    await server.close();
  };
  return c;
}

/** Steps `c` one block, timing each step; then lets the file writes run and counts their CPU. */
async function block(c: Case): Promise<void> {
  for (let i = 0; i < BLOCK_TICKS; i++) {
    const t0 = performance.now();
    c.server.step();
    c.stepMs.push(performance.now() - t0);
    c.clock.advance(1000 / TICK_RATE_HZ);
  }
  const cpu = process.cpuUsage();
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(cpu);
  c.ioCpuMs.push((used.user + used.system) / 1000);
}

async function tickCost(seconds: number, dir: string) {
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
  // Warm-up blocks (JIT, first allocations), then the measured ones.
  for (let b = 0; b < 3; b++) for (const c of cases) await block(c);
  for (const c of cases) {
    c.stepMs.length = 0;
    c.ioCpuMs.length = 0;
  }
  const blocks = Math.ceil((seconds * TICK_RATE_HZ) / BLOCK_TICKS);
  for (let b = 0; b < blocks; b++) for (const c of b % 2 === 0 ? cases : [...cases].reverse()) await block(c);
  for (const c of cases) await c.close();
  return { cases, fileBytes: statSync(file).size };
}

/** A sink keeping the recording in memory. */
class MemorySink implements RecordingSink {
  readonly parts: Uint8Array[] = [];
  write(bytes: Uint8Array): void {
    this.parts.push(bytes);
  }
  async close(): Promise<void> {}
}

async function seekBench(minutes: number, seeks: number) {
  const clock = new StepClock();
  const server = new Server({
    clock,
    transport: new MemoryTransport({ clock }),
    tickRateHz: TICK_RATE_HZ,
    autoTick: false,
    logger: { warn() {}, error: console.error },
  });
  server.define('arena', arenaType());
  const room = server.createRoom('arena');
  const sink = new MemorySink();
  const recorder = new RoomRecorder(room, sink, TICK_RATE_HZ);
  const ticks = minutes * 60 * TICK_RATE_HZ;
  const made = performance.now();
  for (let i = 0; i < ticks; i++) server.step();
  await recorder.close();
  await server.close();
  const makeMs = performance.now() - made;
  const bytes = Buffer.concat(sink.parts);
  const t0 = performance.now();
  const file = RecordingFile.open(bytes);
  if (!file.ok) throw new Error(file.reason);
  const player = new ReplayPlayer(arenaSchema, file.value);
  const lastTick = file.value.lastTick;
  const openMs = performance.now() - t0;
  const rand = seededRandom(3);
  const times: number[] = [];
  for (let i = 0; i < seeks; i++) {
    const target = Math.floor(rand() * lastTick);
    const s0 = performance.now();
    const r = player.seek(target);
    player.frame(s0);
    times.push(performance.now() - s0);
    if (!r.ok) throw new Error(r.reason);
  }
  const slow = times.map((ms, i) => ({ ms, i })).filter((x) => x.ms > 100);
  console.log(`seeks over 100 ms: ${slow.map((x) => `#${x.i} ${round(x.ms, 1)} ms`).join(', ') || 'none'}`);
  return { ticks, bytes: bytes.length, makeMs, openMs, lastTick, times };
}

/** Runs the bench; `--seconds N` (tick cost, default 30), `--minutes M` (seek, default 30). */
export async function main(args: readonly string[]): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(args[i + 1]);
  };
  const dir = mkdtempSync(join(tmpdir(), 'tw-record-bench-'));
  try {
    const { cases, fileBytes } = await tickCost(arg('seconds', 30), dir);
    const base = cases[0]!;
    const rows: Row[] = cases.map((c) => ({
      name: c.name,
      p50: round(percentile(c.stepMs, 50), 3),
      mean: round(mean(c.stepMs), 3),
      io: round(c.ioCpuMs.reduce((a, b) => a + b, 0) / c.stepMs.length, 4),
      ratio: round(mean(c.stepMs) / mean(base.stepMs), 4),
    }));
    console.log(
      `tick cost, arena E=${ENTITIES}, ${TICK_RATE_HZ} Hz, ${CLIENTS} clients, ` +
        `${base.stepMs.length} ticks each, alternating blocks:`,
    );
    console.log(
      formatTable(
        [
          { heading: 'case', cell: (r: Row) => r.name },
          { heading: 'step p50 ms', cell: (r: Row) => r.p50 },
          { heading: 'step mean ms', cell: (r: Row) => r.mean },
          { heading: 'async write CPU ms/tick', cell: (r: Row) => r.io },
          { heading: 'mean / without', cell: (r: Row) => r.ratio },
        ],
        rows,
      ),
    );
    const clientBytes = cases[1]!.clientBytes;
    console.log(
      `bytes: recording ${fileBytes} B, one all-seeing client's snapshot frames ${clientBytes} B, ` +
        `ratio ${round(fileBytes / clientBytes, 3)}`,
    );
    const seek = await seekBench(arg('minutes', 30), 200);
    const ms = (v: number) => `${round(v, 2)} ms`;
    console.log(
      `seek: ${seek.ticks} ticks (${arg('minutes', 30)} min) recorded in ${round(seek.makeMs / 1000, 1)} s, ` +
        `${round(seek.bytes / 1e6, 2)} MB; open ${ms(seek.openMs)}; 200 seeks p50 ${ms(percentile(seek.times, 50))}, ` +
        `p99 ${ms(percentile(seek.times, 99))}, max ${ms(Math.max(...seek.times))} (Node ${process.version})`,
    );
    const path = writeJson(defaultResultPath('record'), {
      machine: machineInfo(),
      rows,
      fileBytes,
      clientBytes,
      seek: { ...seek, times: undefined, p50: percentile(seek.times, 50), max: Math.max(...seek.times) },
    });
    console.log(`written ${path}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
