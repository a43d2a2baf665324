/**
 * Codec benchmark: `npm run bench -- codec [--out FILE.json] [--ticks N] [--warmup N]`.
 *
 * For each case (scenario × entities × tick rate) it runs the arena simulation and, every tick,
 * quantizes the world, encodes a delta against the previous `next` (the steady state of one client),
 * wraps it in the msgpack Snapshot message, and decodes message and body on a client copy, checking
 * that the client holds exactly the quantized world. On the same worlds it measures plain msgpackr
 * and JSON full snapshots (each entity an array of its real values). Bytes are whole frames; times
 * are medians per snapshot. Prints a table and writes JSON with the machine it ran on.
 */
import { parseArgs } from 'node:util';
import { quantizeWorld, SnapshotCodec } from '../shared/index.ts';
import type { Snapshot } from '../shared/index.ts';
import { formatTable, machineInfo, mean, median, round, writeJson, defaultResultPath } from './report.ts';
import type { MachineInfo, TableColumn } from './report.ts';
import { ARENA_SCENARIOS, arenaSchema, createArena } from './scenarios/arena.ts';
import type { ArenaScenario } from './scenarios/arena.ts';
import { type CaseSamples, frameOf, OurPipeline, PlainFormats, type PlainSamples } from './codecPipeline.ts';

/** Measured ticks per case. */
const DEFAULT_TICKS = 600;
/** Ticks run before measuring, so the JIT and the codec's buffers settle. */
const DEFAULT_WARMUP_TICKS = 200;
/** Entity counts measured. */
const ENTITY_COUNTS = [100, 1000] as const;
/** Tick rates measured, in Hz. */
const TICK_RATES_HZ = [60, 30] as const;

/** One benchmark case. */
export interface CodecCase {
  readonly scenario: ArenaScenario;
  readonly entities: number;
  readonly tickRateHz: number;
}

/** Size and speed of one baseline format (full snapshots every tick). */
export interface FormatFigures {
  /** Mean frame size, in bytes. */
  readonly bytesPerSnapshot: number;
  /** Median encode time per snapshot, in microseconds. */
  readonly encodeUs: number;
  /** Median decode time per snapshot, in microseconds. */
  readonly decodeUs: number;
}

/** The figures of one case. */
export interface CodecCaseResult extends CodecCase {
  /** Ticks measured. */
  readonly ticks: number;
  /** Mean Snapshot frame size (delta body + msgpack envelope), in bytes. */
  readonly bytesPerSnapshot: number;
  /** bytesPerSnapshot × tickRateHz: what one client receives per second. */
  readonly bytesPerSecond: number;
  /** Mean entities whose quantized state changed per tick. */
  readonly movingEntities: number;
  /** All frame bytes / all moving entities over the measured ticks. */
  readonly bytesPerMovingEntity: number;
  /** Extra delta frame bytes per entity of a world where nothing changes (measured, not assumed). */
  readonly bytesUnchangedEntity: number;
  /** Frame size of a full snapshot (no baseline) of the last measured tick, in bytes. */
  readonly fullSnapshotBytes: number;
  /** Median quantizeWorld time per tick, in microseconds. */
  readonly quantizeUs: number;
  /** Median delta encode + Snapshot message encode time, in microseconds. */
  readonly encodeUs: number;
  /** Median Snapshot message decode + delta decode time on the client, in microseconds. */
  readonly decodeUs: number;
  /** Median delta body decode time alone (`SnapshotCodec.decode`), in microseconds. */
  readonly decodeBodyUs: number;
  /** Plain msgpackr full snapshots of the same worlds. */
  readonly msgpackr: FormatFigures;
  /** JSON full snapshots of the same worlds. */
  readonly json: FormatFigures;
}

/** Options of {@link runCodecBench}. */
export interface CodecBenchOptions {
  readonly ticks?: number;
  readonly warmupTicks?: number;
  readonly cases?: readonly CodecCase[];
}

/** Every case of the standard run: both scenarios × 100 and 1000 entities × 60 and 30 Hz. */
export function standardCases(): CodecCase[] {
  return ARENA_SCENARIOS.flatMap((scenario) =>
    ENTITY_COUNTS.flatMap((entities) => TICK_RATES_HZ.map((tickRateHz) => ({ scenario, entities, tickRateHz }))),
  );
}

/** Runs every case and returns its figures. Throws if a client ever decodes another state than the server's. */
export function runCodecBench(options: CodecBenchOptions = {}): CodecCaseResult[] {
  const ticks = options.ticks ?? DEFAULT_TICKS;
  const warmupTicks = options.warmupTicks ?? DEFAULT_WARMUP_TICKS;
  return (options.cases ?? standardCases()).map((c) => runCase(c, ticks, warmupTicks));
}

function runCase(c: CodecCase, ticks: number, warmupTicks: number): CodecCaseResult {
  const arena = createArena({ scenario: c.scenario, entities: c.entities, tickRateHz: c.tickRateHz });
  const ours = new OurPipeline(c);
  const plain = new PlainFormats();
  const plainSamples = (): PlainSamples => ({ bytes: [], encodeUs: [], decodeUs: [] });
  const samples: CaseSamples = {
    frameBytes: [],
    moving: [],
    quantizeUs: [],
    encodeUs: [],
    decodeUs: [],
    decodeBodyUs: [],
    mp: plainSamples(),
    js: plainSamples(),
  };
  let current: Snapshot | null = null;
  for (let n = 0; n < warmupTicks + ticks; n++) {
    arena.step();
    const into = n >= warmupTicks ? samples : null;
    current = ours.tick(arena.tick, arena.entities, into);
    plain.tick(arena.tick, arena.entities, into);
    ours.advance();
  }
  return caseResult(c, ticks, samples, current!);
}

/** The figures of case `c` from its samples; `last` is the last tick's quantized world. */
function caseResult(c: CodecCase, ticks: number, s: CaseSamples, last: Snapshot): CodecCaseResult {
  const fullSnapshotBytes = frameOf(last.tick, -1, new SnapshotCodec(arenaSchema).encode(null, last).bytes).length;
  const totalBytes = s.frameBytes.reduce((a, b) => a + b, 0);
  const totalMoving = s.moving.reduce((a, b) => a + b, 0);
  const bytesPerSnapshot = mean(s.frameBytes);
  const figures = (f: PlainSamples): FormatFigures => ({
    bytesPerSnapshot: round(mean(f.bytes), 1),
    encodeUs: round(median(f.encodeUs), 1),
    decodeUs: round(median(f.decodeUs), 1),
  });
  return {
    ...c,
    ticks,
    bytesPerSnapshot: round(bytesPerSnapshot, 1),
    bytesPerSecond: Math.round(bytesPerSnapshot * c.tickRateHz),
    movingEntities: round(mean(s.moving), 1),
    bytesPerMovingEntity: round(totalMoving === 0 ? 0 : totalBytes / totalMoving, 3),
    bytesUnchangedEntity: round(unchangedEntityBytes(c), 3),
    fullSnapshotBytes,
    quantizeUs: round(median(s.quantizeUs), 1),
    encodeUs: round(median(s.encodeUs), 1),
    decodeUs: round(median(s.decodeUs), 1),
    decodeBodyUs: round(median(s.decodeBodyUs), 1),
    msgpackr: figures(s.mp),
    json: figures(s.js),
  };
}

/**
 * What an unchanged entity costs: the delta frame of a still world of E entities minus that of an
 * empty world, divided by E.
 */
function unchangedEntityBytes(c: CodecCase): number {
  const deltaFrame = (entities: number): number => {
    const arena = createArena({ scenario: c.scenario, entities, tickRateHz: c.tickRateHz, still: true });
    const codec = new SnapshotCodec(arenaSchema);
    arena.step();
    let baseline = codec.encode(null, quantizeWorld(arenaSchema, arena.tick, arena.entities)).next;
    let bytes = 0;
    for (let n = 0; n < 3; n++) {
      arena.step();
      const out = codec.encode(baseline, quantizeWorld(arenaSchema, arena.tick, arena.entities));
      bytes = frameOf(arena.tick, baseline.tick, out.bytes).length;
      baseline = out.next;
    }
    return bytes;
  };
  return c.entities === 0 ? 0 : (deltaFrame(c.entities) - deltaFrame(0)) / c.entities;
}

const COLUMNS: readonly TableColumn<CodecCaseResult>[] = [
  { heading: 'scenario', cell: (r) => r.scenario },
  { heading: 'E', cell: (r) => r.entities },
  { heading: 'Hz', cell: (r) => r.tickRateHz },
  { heading: 'B/snap', cell: (r) => r.bytesPerSnapshot },
  { heading: 'B/moving', cell: (r) => r.bytesPerMovingEntity },
  { heading: 'B/still', cell: (r) => r.bytesUnchangedEntity },
  { heading: 'full B', cell: (r) => r.fullSnapshotBytes },
  { heading: 'KB/s', cell: (r) => round(r.bytesPerSecond / 1000, 1) },
  { heading: 'quant µs', cell: (r) => r.quantizeUs },
  { heading: 'enc µs', cell: (r) => r.encodeUs },
  { heading: 'dec µs', cell: (r) => r.decodeUs },
  { heading: 'body dec µs', cell: (r) => r.decodeBodyUs },
  { heading: '| msgpackr B', cell: (r) => r.msgpackr.bytesPerSnapshot },
  { heading: 'enc µs', cell: (r) => r.msgpackr.encodeUs },
  { heading: 'dec µs', cell: (r) => r.msgpackr.decodeUs },
  { heading: '| JSON B', cell: (r) => r.json.bytesPerSnapshot },
  { heading: 'enc µs', cell: (r) => r.json.encodeUs },
  { heading: 'dec µs', cell: (r) => r.json.decodeUs },
];

/** One line per target of issue 2, with the measured figure and whether it holds. */
function targetLines(results: readonly CodecCaseResult[]): string[] {
  const lines: string[] = [];
  const check = (label: string, value: number, limit: number, unit: string): void => {
    lines.push(
      `${value <= limit ? 'ok  ' : 'MISS'} ${label}: ${value} ${unit} (target ${limit === 0 ? '' : '≤ '}${limit})`,
    );
  };
  for (const r of results) {
    const name = `${r.scenario} E=${r.entities} ${r.tickRateHz} Hz`;
    if (r.scenario === 'arena' && r.tickRateHz === 60)
      check(`${name} bytes per moving entity`, r.bytesPerMovingEntity, 3.5, 'B');
    if (r.scenario === 'arena-jitter') check(`${name} bytes per moving entity`, r.bytesPerMovingEntity, 7, 'B');
    check(`${name} unchanged entity`, r.bytesUnchangedEntity, 0, 'B');
    if (r.entities === 100) check(`${name} full snapshot`, r.fullSnapshotBytes, 2048, 'B');
    if (r.entities === 100) check(`${name} decode`, r.decodeUs, 10, 'µs');
    if (r.entities === 1000) check(`${name} decode`, r.decodeUs, 100, 'µs');
  }
  return lines;
}

const HELP = `Usage: npm run bench -- codec [--out FILE.json] [--ticks N] [--warmup N]

Measures the delta snapshot codec on the arena and arena-jitter scenarios (100 and 1000 entities,
60 and 30 Hz) beside plain msgpackr and JSON full snapshots of the same worlds.

  --out FILE    where to write the JSON results (default bench/results/codec-<date>.json)
  --ticks N     measured ticks per case (default ${DEFAULT_TICKS})
  --warmup N    ticks run first and not measured (default ${DEFAULT_WARMUP_TICKS})
  --help        show this help`;

/** Result file contents. */
export interface CodecBenchReport {
  readonly benchmark: 'codec';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly ticks: number;
  readonly warmupTicks: number;
  readonly cases: readonly CodecCaseResult[];
}

/** CLI entry: parses `args`, runs the benchmark, prints the table and writes the JSON. */
export function main(args: readonly string[]): void {
  const { values } = parseArgs({
    args: [...args],
    options: {
      out: { type: 'string' },
      ticks: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(HELP);
    return;
  }
  const ticks = positiveInt(values.ticks, DEFAULT_TICKS, '--ticks');
  const warmupTicks = positiveInt(values.warmup, DEFAULT_WARMUP_TICKS, '--warmup');
  const machine = machineInfo();
  console.log(`codec benchmark: ${ticks} ticks per case after ${warmupTicks} warm-up ticks`);
  console.log(`node ${machine.node}, ${machine.cpu} × ${machine.cores}, ${machine.os}, commit ${machine.commit}\n`);
  const cases = runCodecBench({ ticks, warmupTicks });
  console.log(formatTable(COLUMNS, cases));
  console.log('\nB/snap, full B: whole Snapshot frames (body + msgpack envelope); times are medians per snapshot.');
  console.log('msgpackr and JSON: full snapshots of the real (unquantized) values, each entity an array.\n');
  for (const line of targetLines(cases)) console.log(line);
  const report: CodecBenchReport = {
    benchmark: 'codec',
    date: new Date().toISOString(),
    machine,
    ticks,
    warmupTicks,
    cases,
  };
  const path = writeJson(values.out ?? defaultResultPath('codec'), report);
  console.log(`\nwrote ${path}`);
}

function positiveInt(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${flag} must be a whole number ≥ 1; got "${text}"`);
  return n;
}
