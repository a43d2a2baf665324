/**
 * Client frame benchmark: `npm run bench -- client [--out FILE.json] [--frames N] [--warmup N]`.
 *
 * What a browser spends per 60 Hz frame on the network side of rendering: decode the snapshot that
 * arrived (the real client's codec, against the snapshot it holds) and interpolate every remote entity
 * for the frame (SnapshotBuffer + Interpolator, writing each entity's real-valued state object, as
 * `client.frame()` does). The server side is simulated in the same process before timing starts: the
 * arena scenarios of the codec benchmark, every tick quantized and encoded against the previous one.
 * Times are per frame: the median of single frames, and the mean CPU time (user + system) over the
 * run, which the machine's noise disturbs less. Issue 23's decode targets are checked against the
 * median decode (the snapshot's decode and its push into the buffer, as a client does on arrival,
 * with the client's column recycler: no listener holds the snapshots, so their columns are reused).
 */
import { parseArgs } from 'node:util';
import { Interpolator, type RenderEntity, SnapshotBuffer } from '../client/index.ts';
import { quantizeWorld, type Snapshot, SnapshotCodec, SnapshotRecycler } from '../shared/index.ts';
import { defaultResultPath, formatTable, machineInfo, median, percentile, round, writeJson } from './report.ts';
import type { MachineInfo, TableColumn } from './report.ts';
import { type ArenaScenario, arenaSchema, createArena } from './scenarios/arena.ts';

/** Frames measured per case. */
const DEFAULT_FRAMES = 600;
/**
 * Frames run before measuring. V8 finishes optimizing the decode, push and draw paths only after a
 * thousand frames or more on a busy 2-core machine: the median decode of each 200 frames fell from
 * 14–33 µs to 8–10 over the first 2,000 frames (old code and new alike), so a 200-frame warm-up
 * measured mostly the compiler in the first case. A client decodes for minutes.
 */
const DEFAULT_WARMUP = 2000;
/** Frame and tick rate, Hz (one snapshot arrives per frame). */
const RATE_HZ = 60;
/** The budget for decode + interpolation of 1,000 entities per frame, µs. */
const TARGET_US_AT_1000 = 500;
/** Issue 23's budget for decoding one snapshot, µs, by entity count. */
const DECODE_TARGET_US: Readonly<Record<number, number>> = { 100: 8, 1000: 70 };

/** Figures of one case. */
export interface ClientCaseResult {
  readonly scenario: ArenaScenario;
  readonly entities: number;
  /** Median wall time of one frame's decode (the snapshot decoded, then pushed into the buffer), µs. */
  readonly decodeUs: number;
  /** Median wall time of one frame's interpolation of every entity, µs. */
  readonly interpolateUs: number;
  /** Median wall time of decode + interpolation in one frame, µs. */
  readonly frameUs: number;
  /** 99th percentile of the same, µs. */
  readonly frameP99Us: number;
  /** Mean CPU time (user + system) per frame over the measured frames, µs. */
  readonly frameCpuUs: number;
}

/** The JSON the benchmark writes. */
export interface ClientBenchReport {
  readonly benchmark: 'client';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly frames: number;
  readonly results: readonly ClientCaseResult[];
}

const NO_LISTENER = { added(): void {}, removed(): void {} };

/** Runs one case: `frames` frames after `warmup`, one snapshot per frame. */
export function runClientCase(
  scenario: ArenaScenario,
  entities: number,
  frames: number,
  warmup: number,
): ClientCaseResult {
  const arena = createArena({ scenario, entities, tickRateHz: RATE_HZ });
  const server = new SnapshotCodec(arenaSchema);
  const bodies: { tick: number; baseTick: number; body: Uint8Array }[] = [];
  let held: Snapshot | null = null;
  for (let i = 0; i < warmup + frames; i++) {
    arena.step();
    const current = quantizeWorld(arenaSchema, arena.tick, arena.entities);
    const { bytes, next } = server.encode(held, current);
    bodies.push({ tick: current.tick, baseTick: held === null ? -1 : held.tick, body: bytes.slice() });
    held = next;
  }

  const codec = new SnapshotCodec(arenaSchema);
  const recycler = new SnapshotRecycler();
  const buffer = new SnapshotBuffer({}, recycler);
  buffer.setTickRate(RATE_HZ);
  const interpolator = new Interpolator(arenaSchema);
  const drawn = new Map<number, RenderEntity>();
  const tickMs = 1000 / RATE_HZ;
  const decodeUs: number[] = [];
  const interpolateUs: number[] = [];
  const frameUs: number[] = [];
  let baseline: Snapshot | null = null;
  let cpuStart = process.cpuUsage();
  for (let i = 0; i < bodies.length; i++) {
    if (i === warmup) cpuStart = process.cpuUsage();
    const { tick, baseTick, body } = bodies[i]!;
    const now = tick * tickMs + 30; // arrival: a steady 30 ms one-way
    const t0 = performance.now();
    const decoded = codec.decode(baseTick < 0 ? null : baseline, tick, body, { recycler });
    if (!decoded.ok) throw new Error(`client bench: tick ${tick} did not decode: ${decoded.reason}`);
    baseline = decoded.value;
    buffer.push(decoded.value, now);
    const t1 = performance.now();
    interpolator.draw(buffer, buffer.renderTick(now + tickMs / 2), tickMs, drawn, () => false, NO_LISTENER);
    const t2 = performance.now();
    if (i >= warmup) {
      decodeUs.push((t1 - t0) * 1000);
      interpolateUs.push((t2 - t1) * 1000);
      frameUs.push((t2 - t0) * 1000);
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  if (drawn.size !== entities) throw new Error(`client bench: drew ${drawn.size} of ${entities} entities`);
  return {
    scenario,
    entities,
    decodeUs: round(median(decodeUs), 1),
    interpolateUs: round(median(interpolateUs), 1),
    frameUs: round(median(frameUs), 1),
    frameP99Us: round(percentile(frameUs, 99), 1),
    frameCpuUs: round((cpu.user + cpu.system) / frames, 1),
  };
}

const COLUMNS: readonly TableColumn<ClientCaseResult>[] = [
  { heading: 'scenario', cell: (r) => r.scenario, align: 'left' },
  { heading: 'E', cell: (r) => r.entities },
  { heading: 'decode µs', cell: (r) => r.decodeUs },
  { heading: 'interpolate µs', cell: (r) => r.interpolateUs },
  { heading: 'frame µs (median)', cell: (r) => r.frameUs },
  { heading: 'frame p99 µs', cell: (r) => r.frameP99Us },
  { heading: 'frame CPU µs (mean)', cell: (r) => r.frameCpuUs },
];

/** CLI entry. */
export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      out: { type: 'string' },
      frames: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(
      'Usage: npm run bench -- client [--out FILE.json] [--frames N] [--warmup N]\n\n' +
        'Decode + interpolation per 60 Hz frame on the arena scenarios, E = 100 and 1000.',
    );
    return;
  }
  const frames = Number(values.frames ?? DEFAULT_FRAMES);
  const warmup = Number(values.warmup ?? DEFAULT_WARMUP);
  const machine = machineInfo();
  console.log(`client frame benchmark: ${frames} frames per case after ${warmup} warm-up frames, ${RATE_HZ} Hz`);
  console.log(`node ${machine.node}, ${machine.cpu} × ${machine.cores}, ${machine.os}, commit ${machine.commit}\n`);
  const results: ClientCaseResult[] = [];
  for (const scenario of ['arena', 'arena-jitter'] as const) {
    for (const entities of [100, 1000]) results.push(runClientCase(scenario, entities, frames, warmup));
  }
  console.log(formatTable(COLUMNS, results));
  console.log('');
  for (const r of results) {
    const target = DECODE_TARGET_US[r.entities];
    if (target === undefined) continue;
    console.log(
      `${r.decodeUs <= target ? 'ok  ' : 'MISS'} ${r.scenario} E=${r.entities}: ${r.decodeUs} µs (median) ` +
        `to decode and buffer a snapshot (target ≤ ${target})`,
    );
  }
  for (const r of results.filter((x) => x.entities === 1000)) {
    const ok = r.frameCpuUs <= TARGET_US_AT_1000;
    console.log(
      `${ok ? 'ok  ' : 'MISS'} ${r.scenario} E=1000: ${r.frameCpuUs} µs of CPU per frame for decode + interpolation ` +
        `(target ≤ ${TARGET_US_AT_1000})`,
    );
  }
  const report: ClientBenchReport = { benchmark: 'client', date: new Date().toISOString(), machine, frames, results };
  console.log(`\nwrote ${writeJson(values.out ?? defaultResultPath('client'), report)}`);
}
