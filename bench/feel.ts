/**
 * Play-feel benchmark: `npm run bench -- feel [--seconds N] [--warmup N] [--tick-rate HZ] [--out FILE.json]`.
 *
 * Headless: the real Server over the memory transport and three real clients behind network
 * conditioners, on one manual clock (bench/feelHarness.ts). Players A (60 Hz display) and B (144 Hz)
 * fly a scripted course (straight, then about a quarter turn, again); C (60 Hz) only watches. Bots fly the
 * same course, moved by the server. Per link condition (clean; 150 ms ± 30 ms round trip; the same with
 * a 200 ms stall every 2 s on average) it reports what the screens showed, per display frame:
 *
 *   remote   step of A's and B's ships on C's screen: mean, stddev, share of zero steps (all ships always move)
 *   bot      the same for the bots, the reference a remote human should match
 *   local    each player's own ship on its own screen, at 60 Hz (A) and 144 Hz (B)
 *   latency  input to screen: from the scripted start of a turn to the first frame that shows it (A, B)
 *   ack      from an input's sampling to the first snapshot acknowledging it (A), which holds the
 *            time it waited in the server's input buffer
 *   server   share of ticks on which a player's ship did not move, or moved twice (the server's view)
 *   plus prediction corrections (count, mean and largest size), interpolation underruns, inputs the
 *   server stood in for, and C's interpolation delay.
 */
import { parseArgs } from 'node:util';
import { type ConditionerOptions, parseConditionerQuery } from '../client/index.ts';
import { BOTS, SHIP_SPEED, turnStarts } from './feelGame.ts';
import { type FeelRun, type FrameRecord, missedOf, runFrames, startRun, type Viewer } from './feelHarness.ts';
import { defaultResultPath, formatTable, machineInfo, mean, round, writeJson } from './report.ts';
import type { MachineInfo, TableColumn } from './report.ts';

/** The link conditions, as the demo's query strings. */
export const CONDITIONS: readonly { readonly name: string; readonly query: string }[] = [
  { name: 'clean', query: '' },
  { name: '150±30 ms', query: '?lag=150&jitter=30' },
  { name: '150±30 ms + stalls', query: '?lag=150&jitter=30&stall=200&stallEvery=2000' },
];
/** Display rates of players A and B and watcher C, Hz. */
const DISPLAYS = [60, 144, 60] as const;
/** A frame step below this many units counts as no movement. */
const ZERO_STEP = 0.001;

/** Mean, standard deviation and zero share of per-frame steps. */
export interface StepFigures {
  /** Mean distance moved per frame, units. */
  readonly mean: number;
  /** Standard deviation of it, units. */
  readonly stddev: number;
  /** Share of frames that showed no movement, %. */
  readonly zeroPct: number;
  /** Frames measured. */
  readonly frames: number;
}

/** Figures of one condition. */
export interface FeelResult {
  readonly condition: string;
  readonly remote: StepFigures;
  readonly bot: StepFigures;
  /** remote.stddev / bot.stddev. */
  readonly stddevRatio: number;
  readonly local60: StepFigures;
  readonly local144: StepFigures;
  /** Mean input-to-screen latency at 60 and 144 Hz, ms. */
  readonly inputToScreen60Ms: number;
  readonly inputToScreen144Ms: number;
  /** Mean input-to-acknowledgement time of player A, ms. */
  readonly ackMs: number;
  /** Share of server ticks on which a player's ship did not move / moved twice, %. */
  readonly serverZeroTickPct: number;
  readonly serverDoubleTickPct: number;
  readonly corrections: number;
  readonly correctionMean: number;
  readonly correctionMax: number;
  readonly interpUnderruns: number;
  /**
   * Ticks the server ran without a player's input (stood in) while recording, or null when the client
   * does not report it.
   */
  readonly missedInputs: number | null;
  /** Mean interpolation delay of watcher C, ms. */
  readonly interpDelayMs: number;
}

/** The JSON the benchmark writes. */
export interface FeelReport {
  readonly benchmark: 'feel';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly seconds: number;
  readonly tickRateHz: number;
  readonly results: readonly FeelResult[];
}

/** Steps of entity `id` between consecutive frames of `frames` that both drew it. */
function stepsOf(frames: readonly FrameRecord[], id: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < frames.length; i++) {
    const a = frames[i - 1]!.drawn.get(id);
    const b = frames[i]!.drawn.get(id);
    if (a !== undefined && b !== undefined) out.push(Math.hypot(b[0] - a[0], b[1] - a[1]));
  }
  return out;
}

function stepFigures(steps: readonly number[]): StepFigures {
  const m = mean(steps);
  const variance = mean(steps.map((s) => (s - m) ** 2));
  const zeros = steps.filter((s) => s < ZERO_STEP).length;
  return {
    mean: round(m, 3),
    stddev: round(Math.sqrt(variance), 3),
    zeroPct: round((100 * zeros) / Math.max(1, steps.length), 2),
    frames: steps.length,
  };
}

/** Mean time from each scripted turn start to the first frame whose drawn heading of the own ship changed. */
function inputToScreenMs(v: Viewer): number {
  const id = v.shipId;
  const frames = v.frames;
  const first = frames[0]?.atMs ?? 0;
  const lags: number[] = [];
  for (const at of turnStarts(v.courseStartMs, frames.at(-1)?.atMs ?? 0)) {
    if (at < first) continue;
    const after = frames.findIndex((f) => f.atMs >= at);
    const before = after > 0 ? frames[after - 1]!.drawn.get(id) : undefined;
    if (before === undefined) continue;
    const shown = frames.find((f) => f.atMs >= at && Math.abs((f.drawn.get(id)?.[2] ?? before[2]) - before[2]) > 1e-4);
    if (shown !== undefined) lags.push(shown.atMs - at);
  }
  return round(mean(lags), 1);
}

function serverTickShares(run: FeelRun, warmupTicks: number): { zero: number; double: number } {
  const perTick = SHIP_SPEED / run.tickRateHz;
  let zero = 0;
  let double = 0;
  let n = 0;
  for (const moves of run.moves.byClient.values()) {
    for (const d of moves.slice(warmupTicks)) {
      n++;
      if (d < perTick * 0.5) zero++;
      else if (d > perTick * 1.5) double++;
    }
  }
  return { zero: round((100 * zero) / Math.max(1, n), 2), double: round((100 * double) / Math.max(1, n), 2) };
}

/** Ticks the server ran without the players' inputs while recording; null when the client does not report it. */
function missedInputs(viewers: readonly Viewer[]): number | null {
  let sum = 0;
  for (const v of viewers) {
    const missed = missedOf(v.client.stats);
    if (missed === undefined || v.missedAtStart === undefined) return null;
    sum += missed - v.missedAtStart;
  }
  return sum;
}

/** Runs one condition for `seconds` (after `warmup` seconds) and measures it. */
export async function runCondition(
  name: string,
  conditions: ConditionerOptions | null,
  seconds: number,
  warmup: number,
  tickRateHz: number,
): Promise<FeelResult> {
  const run = await startRun(tickRateHz, DISPLAYS, conditions, 7);
  const [a, b, c] = run.viewers as [Viewer, Viewer, Viewer];
  await runFrames(run, (seconds + warmup) * 1000, warmup * 1000, 11);
  const bots = Array.from({ length: BOTS }, (_, i) => i + 1);
  const corrections = run.viewers.flatMap((v) => v.corrections);
  const shares = serverTickShares(run, warmup * tickRateHz);
  const remote = stepFigures([...stepsOf(c.frames, a.shipId), ...stepsOf(c.frames, b.shipId)]);
  const bot = stepFigures(bots.flatMap((id) => stepsOf(c.frames, id)));
  const result: FeelResult = {
    condition: name,
    remote,
    bot,
    stddevRatio: round(remote.stddev / Math.max(1e-9, bot.stddev), 3),
    local60: stepFigures(stepsOf(a.frames, a.shipId)),
    local144: stepFigures(stepsOf(b.frames, b.shipId)),
    inputToScreen60Ms: inputToScreenMs(a),
    inputToScreen144Ms: inputToScreenMs(b),
    ackMs: round(mean(a.ackMs.slice(warmup * tickRateHz)), 1),
    serverZeroTickPct: shares.zero,
    serverDoubleTickPct: shares.double,
    corrections: corrections.length,
    correctionMean: round(mean(corrections), 2),
    correctionMax: round(Math.max(0, ...corrections), 2),
    interpUnderruns: run.viewers.reduce((n, v) => n + v.client.stats.bufferUnderruns, 0),
    missedInputs: missedInputs(run.viewers),
    interpDelayMs: round(mean(c.frames.map((f) => f.interpDelayMs)), 1),
  };
  for (const v of run.viewers) v.client.close();
  await run.server.close();
  return result;
}

const pct = (v: number): string => `${v}%`;
const COLUMNS: readonly TableColumn<FeelResult>[] = [
  { heading: 'condition', cell: (r) => r.condition },
  { heading: 'remote step mean/sd', cell: (r) => `${r.remote.mean}/${r.remote.stddev}` },
  { heading: 'remote zero', cell: (r) => pct(r.remote.zeroPct) },
  { heading: 'bot step mean/sd zero', cell: (r) => `${r.bot.mean}/${r.bot.stddev} ${pct(r.bot.zeroPct)}` },
  { heading: 'sd ratio', cell: (r) => String(r.stddevRatio) },
  { heading: 'local60 mean/sd zero', cell: (r) => `${r.local60.mean}/${r.local60.stddev} ${pct(r.local60.zeroPct)}` },
  {
    heading: 'local144 mean/sd zero',
    cell: (r) => `${r.local144.mean}/${r.local144.stddev} ${pct(r.local144.zeroPct)}`,
  },
  { heading: 'in→screen 60/144 ms', cell: (r) => `${r.inputToScreen60Ms}/${r.inputToScreen144Ms}` },
  { heading: 'ack ms', cell: (r) => String(r.ackMs) },
  { heading: 'srv 0/2 ticks', cell: (r) => `${pct(r.serverZeroTickPct)}/${pct(r.serverDoubleTickPct)}` },
  { heading: 'corr n/mean/max', cell: (r) => `${r.corrections}/${r.correctionMean}/${r.correctionMax}` },
  { heading: 'underruns', cell: (r) => String(r.interpUnderruns) },
  { heading: 'stood in', cell: (r) => (r.missedInputs === null ? '—' : String(r.missedInputs)) },
  { heading: 'interp ms', cell: (r) => String(r.interpDelayMs) },
];

/** Entry point of `npm run bench -- feel`. */
export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      'tick-rate': { type: 'string', default: '60' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: npm run bench -- feel [--seconds N] [--warmup N] [--tick-rate HZ] [--out FILE.json]');
    return;
  }
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const tickRateHz = Number(values['tick-rate']);
  if (!(seconds > 0 && warmup >= 0 && tickRateHz > 0)) throw new RangeError('feel: --seconds, --warmup, --tick-rate');
  const results: FeelResult[] = [];
  for (const { name, query } of CONDITIONS) {
    results.push(await runCondition(name, parseConditionerQuery(query), seconds, warmup, tickRateHz));
    console.error(`feel: ${name} done`);
  }
  console.log(formatTable(COLUMNS, results));
  const report: FeelReport = {
    benchmark: 'feel',
    date: new Date().toISOString(),
    machine: machineInfo(),
    seconds,
    tickRateHz,
    results,
  };
  console.log(`\nwritten to ${writeJson(values.out ?? defaultResultPath('feel'), report)}`);
}
