/**
 * `npm run bench -- record`: what recording, replaying and broadcasting cost, against issue 21's targets.
 *
 * 1. tick     three servers in one process (arena E = 100, 60 Hz, 100 all-seeing clients), without a
 *             recorder, with one, with a fragment publisher, stepped in alternating blocks: step CPU and
 *             wall time (recordTickCost.ts); then the file's bytes against one client's snapshot frames.
 * 2. seek     a 30-minute recording (108,000 ticks), 200 random seeks per run in fresh Node processes
 *             (recordSeek.ts), and
 * 3. browser  the same in headless Chromium, the page bundled by Vite (recordBrowser.ts; skipped with a
 *             message when /usr/bin/chromium is missing).
 * 4. viewers  1,000 viewers of the live fragments through a separate static server: the game server
 *             process's CPU with them and without, alternating blocks (recordViewers.ts).
 *
 * `--only tick,seek,browser,viewers` runs some parts. The machine is shared and noisy: compare within a
 * run, and prefer the CPU figures to wall times.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserSeekRuns, chromiumMissing } from './recordBrowser.ts';
import { makeSeekFixture, nodeSeekRuns } from './recordSeek.ts';
import type { SeekRun } from './recordSeekLoop.ts';
import { BLOCK_TICKS, type TickCase, tickCost } from './recordTickCost.ts';
import { viewersBench } from './recordViewers.ts';
import { CLIENTS, ENTITIES, TICK_RATE_HZ } from './recordArena.ts';
import { defaultResultPath, formatTable, machineInfo, mean, median, percentile, round, writeJson } from './report.ts';

/** Issue 21's targets. */
const TARGETS = { recordingCost: 0.03, bytesRatio: 1.2, seekMs: 100, viewersCost: 0.01 } as const;
const PARTS = ['tick', 'seek', 'browser', 'viewers'] as const;
type Part = (typeof PARTS)[number];

const verdict = (ok: boolean): string => (ok ? 'ok  ' : 'MISS');
const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${round((ratio - 1) * 100, 2)} %`;
const ratioCell = (s: { median: number; q1: number; q3: number }): string =>
  `${pct(s.median)} (${pct(s.q1)} … ${pct(s.q3)})`;
const shareCell = (s: { median: number; q1: number; q3: number }): string =>
  `${round(s.median * 100, 2)} % (${round(s.q1 * 100, 2)} … ${round(s.q3 * 100, 2)})`;

/** The median of `values` and its interquartile range. */
function spread(values: readonly number[]): { median: number; q1: number; q3: number } {
  return { median: median(values), q1: percentile(values, 25), q3: percentile(values, 75) };
}

/**
 * Per block, the share of the steps' wall time spent in the case's tick listener, less what the empty
 * pair of timing listeners costs (their mean in `without`).
 */
function listenerShares(c: TickCase, emptyPairMs: number): number[] {
  const shares: number[] = [];
  for (let at = 0; at + BLOCK_TICKS <= c.stepMs.length; at += BLOCK_TICKS) {
    let inListener = 0;
    let stepped = 0;
    for (let i = at; i < at + BLOCK_TICKS; i++) {
      inListener += c.listenerMs[i]! - emptyPairMs;
      stepped += c.stepMs[i]!;
    }
    shares.push(inListener / stepped);
  }
  return shares;
}

/** The tick-cost part: prints its table and verdicts; returns what goes into the JSON. */
async function tickPart(seconds: number, dir: string, verdicts: string[]) {
  const { cases, fileBytes } = await tickCost(seconds, dir);
  const base = cases[0]!;
  const emptyPairMs = mean(base.listenerMs);
  const emptyPairP50Ms = percentile(base.listenerMs, 50);
  const rows = cases.map((c) => ({
    name: c.name,
    cpuMedian: round(median(c.blockCpuMs), 4),
    // Blocks of one round ran back to back: each is compared with the same round's `without` block.
    paired: spread(c.blockCpuMs.map((v, i) => v / base.blockCpuMs[i]!)),
    wallP50: round(percentile(c.stepMs, 50), 4),
    wallMean: round(mean(c.stepMs), 4),
    listenerP50Us: round((percentile(c.listenerMs, 50) - emptyPairP50Ms) * 1000, 2),
    listenerMaxUs: round((Math.max(...c.listenerMs) - emptyPairMs) * 1000, 0),
    share: spread(listenerShares(c, emptyPairMs)),
    writeCpu: round(mean(c.writeCpuMs), 4),
  }));
  console.log(
    `\n1. tick cost: arena E=${ENTITIES}, ${TICK_RATE_HZ} Hz, ${CLIENTS} clients, ${base.stepMs.length} ticks ` +
      `per case in ${base.blockCpuMs.length} rounds of rotated blocks (ms per tick unless said)`,
  );
  console.log(
    formatTable(
      [
        { heading: 'case', cell: (r: (typeof rows)[number]) => r.name },
        { heading: 'step CPU median', cell: (r) => r.cpuMedian },
        { heading: 'CPU / without, paired (IQR)', cell: (r) => ratioCell(r.paired) },
        { heading: 'step wall p50', cell: (r) => r.wallP50 },
        { heading: 'step wall mean', cell: (r) => r.wallMean },
        { heading: 'listener p50 µs', cell: (r) => r.listenerP50Us },
        { heading: 'listener max µs', cell: (r) => r.listenerMaxUs },
        { heading: 'listener / step (IQR)', cell: (r) => shareCell(r.share) },
        { heading: 'writes after, CPU', cell: (r) => r.writeCpu },
      ],
      rows,
    ),
  );
  const clientBytes = cases[1]!.clientBytes;
  const bytesRatio = fileBytes / clientBytes;
  console.log(`bytes: recording ${fileBytes} B, one all-seeing client's snapshot frames ${clientBytes} B`);
  const [, recording, broadcasting] = rows as [unknown, (typeof rows)[number], (typeof rows)[number]];
  verdicts.push(
    `${verdict(recording.share.median <= TARGETS.recordingCost)} recording takes ${shareCell(recording.share)} of ` +
      `the step (its listener; median block, IQR; target ≤ ${TARGETS.recordingCost * 100} %); broadcasting ` +
      `${shareCell(broadcasting.share)}. Whole-step CPU against without (paired rounds, median and IQR, the ` +
      `shared machine's noise): recording ${ratioCell(recording.paired)}, ` +
      `broadcasting ${ratioCell(broadcasting.paired)}`,
    `${verdict(bytesRatio <= TARGETS.bytesRatio)} recording is ×${round(bytesRatio, 3)} one client's stream ` +
      `(target ≤ ×${TARGETS.bytesRatio})`,
  );
  return { rows, emptyPairMs, fileBytes, clientBytes, bytesRatio };
}

/** Prints one table row per seek run and a verdict over all of them; returns the runs' figures. */
function seekTable(where: string, runs: readonly SeekRun[], verdicts: string[]) {
  const rows = runs.map((r, i) => ({
    run: i + 1,
    openMs: round(r.openMs, 1),
    coldMs: round(r.coldMs, 1),
    p50: round(percentile(r.times, 50), 2),
    p99: round(percentile(r.times, 99), 2),
    max: round(Math.max(...r.times), 2),
    over: r.times.filter((t) => t >= TARGETS.seekMs).length,
  }));
  console.log(
    formatTable(
      [
        { heading: 'run', cell: (r: (typeof rows)[number]) => r.run },
        { heading: 'open ms', cell: (r) => r.openMs },
        { heading: 'first seek (cold) ms', cell: (r) => r.coldMs },
        { heading: `${runs[0]?.times.length} seeks p50 ms`, cell: (r) => r.p50 },
        { heading: 'p99 ms', cell: (r) => r.p99 },
        { heading: 'max ms', cell: (r) => r.max },
        { heading: `≥ ${TARGETS.seekMs} ms`, cell: (r) => r.over },
      ],
      rows,
    ),
  );
  const worstP99 = Math.max(...rows.map((r) => r.p99));
  const worst = Math.max(...rows.map((r) => Math.max(r.max, r.coldMs)));
  verdicts.push(
    `${verdict(worstP99 < TARGETS.seekMs)} seek in ${where}: p99 ≤ ${worstP99} ms in every run, ` +
      `slowest ${worst} ms (cold first seek included; target < ${TARGETS.seekMs} ms)`,
  );
  return rows;
}

/** The spectator part: prints its table and verdict; returns what goes into the JSON. */
async function viewersPart(viewers: number, pairs: number, blockSeconds: number, verdicts: string[]) {
  const { blocks, totals } = await viewersBench({ viewers, real: 5, processes: 2, blockSeconds, pairs });
  const perTick = (b: (typeof blocks)[number]) => (b.gameCpuMsPerS * b.seconds) / b.ticks;
  console.log(
    `\n4. live viewers: game server process (arena E=${ENTITIES}, ${TICK_RATE_HZ} Hz, ${CLIENTS} players, ` +
      `FragmentPublisher), ${viewers} viewers through a separate static server; ` +
      `alternating blocks of ${blockSeconds} s`,
  );
  console.log(
    formatTable(
      [
        { heading: 'block', cell: (b: (typeof blocks)[number]) => blocks.indexOf(b) + 1 },
        { heading: 'viewers', cell: (b) => b.viewers },
        { heading: 'ticks', cell: (b) => b.ticks },
        { heading: 'game CPU ms/s', cell: (b) => round(b.gameCpuMsPerS, 2) },
        { heading: 'game CPU ms/tick', cell: (b) => round(perTick(b), 4) },
        { heading: 'main thread ms/tick', cell: (b) => round(b.mainCpuMsPerTick, 4) },
        { heading: 'viewer requests/s', cell: (b) => round(b.requestsPerS, 0) },
      ],
      blocks,
    ),
  );
  // The main thread's CPU per tick where Linux gives it (the thread pool's file writes are the same in
  // both kinds of block and only add noise), else the process's.
  const cost = (b: (typeof blocks)[number]) => (Number.isNaN(b.mainCpuMsPerTick) ? perTick(b) : b.mainCpuMsPerTick);
  const without = blocks.filter((b) => b.viewers === 0).map(cost);
  const withViewers = blocks.filter((b) => b.viewers > 0).map(cost);
  const ratio = mean(withViewers) / mean(without);
  // Paired differences (block pairs), for the noise of the estimate: two standard errors.
  const diffs = withViewers.map((w, i) => w / without[i]! - 1);
  const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - mean(diffs)) ** 2, 0) / Math.max(1, diffs.length - 1));
  const noise = (2 * sd) / Math.sqrt(diffs.length);
  console.log(
    `viewers: ${totals.requests} requests (${totals.fragments} fragments, ${totals.notYet} not yet published), ` +
      `${round(totals.bytes / 1e6, 1)} MB, ${totals.errors} errors; 5 real FragmentSource players played ` +
      `${totals.playedTicks} ticks, failures: ${totals.failures.join('; ') || 'none'}; ${totals.published} ` +
      `fragments published; CPU of the static server ${round(totals.staticCpuMs / 1000, 1)} s, ` +
      `of the viewers ${round(totals.viewerCpuMs / 1000, 1)} s`,
  );
  const valid = totals.failures.length === 0 && totals.errors === 0 && totals.playedTicks > 0;
  verdicts.push(
    `${verdict(ratio - 1 < TARGETS.viewersCost && valid)} ${viewers} live viewers change the game server's ` +
      `main-thread CPU per ` +
      `tick by ${pct(ratio)} (±${round(noise * 100, 2)} % two standard errors over ${diffs.length} pairs; ` +
      `target < +${TARGETS.viewersCost * 100} %); the stream ${valid ? 'played without a failure' : 'FAILED'}`,
  );
  return { blocks, totals, ratio, noise };
}

/** Runs the bench; see the module comment for the parts and `--help` for the options. */
export async function main(args: readonly string[]): Promise<void> {
  if (args.includes('--help')) {
    console.log(
      'npm run bench -- record [--only tick,seek,browser,viewers] [--seconds 300] [--minutes 30] [--seeks 200]\n' +
        '  [--runs 3] [--viewers 1000] [--pairs 6] [--block-seconds 10]',
    );
    return;
  }
  const arg = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(args[i + 1]);
  };
  const onlyAt = args.indexOf('--only');
  const only = new Set<Part>(onlyAt < 0 ? PARTS : (args[onlyAt + 1]!.split(',') as Part[]));
  const [minutes, seeks, runs] = [arg('minutes', 30), arg('seeks', 200), arg('runs', 3)];
  const dir = mkdtempSync(join(tmpdir(), 'tw-record-bench-'));
  const verdicts: string[] = [];
  const result: Record<string, unknown> = { machine: machineInfo() };
  try {
    if (only.has('tick')) result['tick'] = await tickPart(arg('seconds', 300), dir, verdicts);
    if (only.has('seek') || only.has('browser')) {
      const fixture = await makeSeekFixture(dir, minutes);
      console.log(
        `\n2. seek: a ${minutes}-minute recording (${minutes * 60 * TICK_RATE_HZ} ticks, ` +
          `${round(fixture.bytes.length / 1e6, 2)} MB, made in ${round(fixture.makeMs / 1000, 1)} s)`,
      );
      if (only.has('seek')) {
        console.log(`Node ${process.version}, each run a fresh process:`);
        const node = await nodeSeekRuns(fixture, runs, seeks);
        result['seekNode'] = { rows: seekTable('Node', node, verdicts), cpuMs: node.map((r) => r.cpuMs) };
      }
      const missing = only.has('browser') ? chromiumMissing() : null;
      if (missing !== null) {
        console.log(`\n3. ${missing}`);
        verdicts.push(`skip Chromium seek: ${missing}`);
      } else if (only.has('browser')) {
        const browser = await browserSeekRuns(fixture.bytes, runs, seeks);
        console.log(`\n3. seek in headless Chromium ${browser.version}, each run a fresh context:`);
        result['seekChromium'] = { version: browser.version, rows: seekTable('Chromium', browser.runs, verdicts) };
      }
    }
    if (only.has('viewers'))
      result['viewers'] = await viewersPart(arg('viewers', 1000), arg('pairs', 6), arg('block-seconds', 10), verdicts);
    console.log(`\nTargets (issue 21), from this run on a shared machine:\n${verdicts.join('\n')}`);
    console.log(`written ${writeJson(defaultResultPath('record'), { ...result, verdicts })}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
