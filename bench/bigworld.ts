/**
 * Big-world benchmark: `npm run bench -- bigworld [--clients 500,1000,2000] [--ticks N] [--warmup N]
 * [--entities E] [--budget BYTES] [--out FILE.json]`.
 *
 * Headless: a Server over the memory transport with a manual clock, `server.step()` called directly
 * (no timers, no sockets), N clients joined through the real handshake. For each client count it runs
 *   - interest: E = 10,000 units on a 10,000² field, each client's view following one unit (~100 seen);
 *   - all-visible: the same units and rules, E = 100 on a 1,000² field, no interest (the reference);
 * and reports per client per snapshot the mean frame bytes and server CPU (the process CPU time of
 * `server.step()` ÷ clients: CPU time, not wall time, as the machine may be shared), the game's own step
 * handler CPU time per tick (the rest of a tick is the engine's), the 60 Hz tick's wall duration
 * p50/p99/max against its 16.7 ms budget, and for interest the units seen and the share deferred by the
 * budget; with two or more client counts, each mode's mean tick CPU split into a fixed part and a part per
 * client (the clients a tick budget holds by that line). It also runs the interest room with no client:
 * its tick CPU less the game's step is the engine's fixed cost of reading and grouping the units. The two
 * targets are printed as verdict lines, from the same run. Three clients decode their stream and are
 * checked against the server's world. Prints a table and writes JSON with the machine it ran on.
 */
import { parseArgs } from 'node:util';
import { defaultResultPath, formatTable, machineInfo, mean, percentile, round, writeJson } from './report.ts';
import type { TableColumn } from './report.ts';
import { type CaseRun, StreamCheck, startCase } from './bigworldHarness.ts';
import { BIGWORLD_ENTITIES, bigworldRoomType } from './scenarios/bigworld.ts';

/** The tick rate measured, Hz. */
const TICK_RATE_HZ = 60;
/** Measured ticks per case. */
const DEFAULT_TICKS = 300;
/** Ticks run before measuring (JIT, join bursts spread by the budget). */
const DEFAULT_WARMUP_TICKS = 120;
/**
 * Client counts measured by default. The per-client line goes through the two largest: at 1,000 and more
 * clients, following units spread over the field, nearly every group is in some view, so the line's
 * slope is what one more client costs, not the encoding of groups newly seen.
 */
const DEFAULT_CLIENTS = [500, 1000, 2000];
/** Target: the engine's fixed cost of reading and grouping the big world's units, ms per tick. */
export const FIXED_TARGET_MS = 2;
/** Target: a big-world client's marginal cost at most this many times the all-visible E=100 client's. */
export const PER_CLIENT_TARGET_RATIO = 2;
/** Units of the all-visible reference and the side of its field. */
const REFERENCE_ENTITIES = 100;
const REFERENCE_SIZE = 1000;
/** Clients whose stream is decoded and checked. */
const CHECKED_CLIENTS = 3;

/** The figures of one case. */
export interface BigworldResult {
  readonly mode: 'interest' | 'all-visible';
  readonly entities: number;
  readonly clients: number;
  readonly ticks: number;
  /** Mean Snapshot frame size, bytes. */
  readonly bytesPerClientPerSnapshot: number;
  /** Mean process CPU time of a server step divided by the clients, µs. */
  readonly cpuUsPerClientPerSnapshot: number;
  readonly tickP50Ms: number;
  readonly tickP99Ms: number;
  readonly tickMaxMs: number;
  /** Mean CPU time per tick in the room's step handler (the game's own code: moving 10,000 units costs), ms. */
  readonly gameStepMsPerTick: number;
  /** tickP99Ms as a share of the tick budget (1000 / 60 ms). */
  readonly tickP99OfBudget: number;
  /** Mean entities in a client's view (interest) or in the world (all-visible). */
  readonly visiblePerClient: number;
  /** Share of entity-updates in view deferred by the budget (interest only). */
  readonly deferredShare: number;
  /** Share of snapshot frames sent as written for another client holding the same groups (interest only). */
  readonly sharedShare: number;
  /** Snapshots skipped because a client was backed up. */
  readonly skipped: number;
}

/**
 * A straight line through one mode's two largest client counts: mean tick = fixed + per client ×
 * clients. What a server owner sizes a machine by: the part every tick pays, and what each client adds.
 */
export interface TickCostFit {
  readonly mode: BigworldResult['mode'];
  /** The client counts the line goes through. */
  readonly fromClients: number;
  readonly toClients: number;
  /** The mean tick's part that does not depend on the clients, ms. */
  readonly fixedMs: number;
  /** What each client adds to the mean tick, µs. */
  readonly perClientUs: number;
  /** Most clients whose mean tick, by the line, fits the 60 Hz tick's budget, and half of it. */
  readonly clientsInBudget: number;
  readonly clientsInHalfBudget: number;
}

/** The fit of each mode that was run at two or more client counts. */
export function fitTickCost(results: readonly BigworldResult[]): TickCostFit[] {
  const fits: TickCostFit[] = [];
  for (const mode of ['all-visible', 'interest'] as const) {
    const runs = results.filter((r) => r.mode === mode).sort((a, b) => a.clients - b.clients);
    const a = runs.at(-2);
    const b = runs.at(-1);
    if (a === undefined || b === undefined || a.clients === b.clients) continue;
    const meanMs = (r: BigworldResult): number => (r.cpuUsPerClientPerSnapshot * r.clients) / 1000;
    const perClientMs = (meanMs(b) - meanMs(a)) / (b.clients - a.clients);
    const fixedMs = meanMs(a) - perClientMs * a.clients;
    const within = (budgetMs: number): number =>
      perClientMs <= 0 ? Infinity : Math.max(0, Math.floor((budgetMs - fixedMs) / perClientMs));
    const budgetMs = 1000 / TICK_RATE_HZ;
    fits.push({
      mode,
      fromClients: a.clients,
      toClients: b.clients,
      fixedMs: round(fixedMs, 3),
      perClientUs: round(perClientMs * 1000, 2),
      clientsInBudget: within(budgetMs),
      clientsInHalfBudget: within(budgetMs / 2),
    });
  }
  return fits;
}

/** The engine's fixed cost of the big world: the interest room stepped with no client. */
export interface FixedCost {
  readonly entities: number;
  readonly ticks: number;
  /** Mean process CPU time of a server step, ms. */
  readonly tickCpuMs: number;
  /** Of which the game's step handler (moving the units), ms. */
  readonly gameStepMs: number;
  /** The rest: the engine reading (quantizing) and grouping the units, ms. */
  readonly engineMs: number;
}

/** Steps the interest room of `entities` units with no client: what every tick pays before any client. */
export async function runFixedCost(ticks: number, warmupTicks: number, entities: number): Promise<FixedCost> {
  const run = await startCase(bigworldRoomType({ entities, interest: true }), 0, TICK_RATE_HZ);
  const { cpuMs } = runTicks(run, [], ticks, warmupTicks, true);
  await run.server.close();
  const tickCpuMs = cpuMs / ticks;
  const gameStepMs = run.timed.ms / ticks;
  return {
    entities,
    ticks,
    tickCpuMs: round(tickCpuMs, 3),
    gameStepMs: round(gameStepMs, 3),
    engineMs: round(tickCpuMs - gameStepMs, 3),
  };
}

/**
 * The two targets' verdict lines ("ok" or "MISS"): the fixed cost against {@link FIXED_TARGET_MS}, and
 * the interest line's per-client slope against {@link PER_CLIENT_TARGET_RATIO} × the all-visible one's.
 */
export function targetVerdicts(fixed: FixedCost, fits: readonly TickCostFit[]): string[] {
  const verdict = (ok: boolean): string => (ok ? 'ok  ' : 'MISS');
  const lines = [
    `${verdict(fixed.engineMs <= FIXED_TARGET_MS)} fixed cost of reading and grouping ${fixed.entities} moving ` +
      `units: ${fixed.engineMs} ms per tick (a tick with no client ${fixed.tickCpuMs} ms CPU, less the game's ` +
      `step ${fixed.gameStepMs} ms) (target ≤ ${FIXED_TARGET_MS} ms)`,
  ];
  const reference = fits.find((f) => f.mode === 'all-visible');
  const big = fits.find((f) => f.mode === 'interest');
  if (reference === undefined || big === undefined) {
    lines.push('MISS marginal per-client cost: not measured (give --clients two or more counts)');
    return lines;
  }
  const ratio = reference.perClientUs > 0 ? big.perClientUs / reference.perClientUs : Infinity;
  lines.push(
    `${verdict(ratio <= PER_CLIENT_TARGET_RATIO)} marginal per-client cost: a big-world (interest) client ` +
      `${big.perClientUs} µs per tick against an all-visible E=${REFERENCE_ENTITIES} client's ` +
      `${reference.perClientUs} µs = ${round(ratio, 2)}× (${big.fromClients} → ${big.toClients} clients) ` +
      `(target ≤ ${PER_CLIENT_TARGET_RATIO}×)`,
  );
  return lines;
}

/** Runs one case and returns its figures; throws if a checked client's stream disagrees with the server. */
export async function runBigworldCase(
  mode: BigworldResult['mode'],
  clients: number,
  ticks: number,
  warmupTicks: number,
  entities: number,
  budgetBytes?: number,
): Promise<BigworldResult> {
  const interest = mode === 'interest';
  const type = interest
    ? bigworldRoomType({ entities, interest: true, ...(budgetBytes !== undefined ? { budgetBytes } : {}) })
    : bigworldRoomType({ entities: REFERENCE_ENTITIES, size: REFERENCE_SIZE, interest: false });
  const run = await startCase(type, clients, TICK_RATE_HZ);
  const checkers = run.sockets.slice(0, CHECKED_CLIENTS).map((s) => new StreamCheck(s));
  const { durations, cpuMs, visibleSum, start } = runTicks(run, checkers, ticks, warmupTicks, interest);
  const { server, room } = run;
  const totals = server.metrics.totals;
  const snaps = totals.snapshotsSent - start.snapshotsSent;
  const sent = (room.interest?.stats.entitiesSent ?? 0) - start.entitiesSent;
  const deferred = (room.interest?.stats.entitiesDeferred ?? 0) - start.entitiesDeferred;
  await server.close();
  const p99 = percentile(durations, 99);
  return {
    mode,
    entities: interest ? entities : REFERENCE_ENTITIES,
    clients,
    ticks,
    bytesPerClientPerSnapshot: round((totals.bytesSent - start.bytesSent) / snaps, 1),
    cpuUsPerClientPerSnapshot: round((cpuMs * 1000) / ticks / clients, 2),
    tickP50Ms: round(percentile(durations, 50), 3),
    tickP99Ms: round(p99, 3),
    tickMaxMs: round(Math.max(...durations), 3),
    gameStepMsPerTick: round(run.timed.ms / ticks, 3),
    tickP99OfBudget: round(p99 / (1000 / TICK_RATE_HZ), 3),
    visiblePerClient: round(visibleSum / ticks, 1),
    deferredShare: round(sent + deferred === 0 ? 0 : deferred / (sent + deferred), 4),
    sharedShare: round(interest ? ((room.interest?.stats.sharedFrames ?? 0) - start.sharedFrames) / snaps : 0, 4),
    skipped: totals.snapshotsSkipped - start.snapshotsSkipped,
  };
}

/** The counters at the start of the measured ticks. */
interface StartCounts {
  readonly bytesSent: number;
  readonly snapshotsSent: number;
  readonly snapshotsSkipped: number;
  readonly entitiesSent: number;
  readonly entitiesDeferred: number;
  readonly sharedFrames: number;
}

/**
 * Runs `warmupTicks` then `ticks` server steps, timing each measured one (wall ms, and the CPU ms of all
 * of them) and summing the units a client sees; the checked clients verify their stream after every tick.
 */
function runTicks(
  run: CaseRun,
  checkers: readonly StreamCheck[],
  ticks: number,
  warmupTicks: number,
  interest: boolean,
): { durations: number[]; cpuMs: number; visibleSum: number; start: StartCounts } {
  const { clock, server, room, timed } = run;
  const durations: number[] = [];
  let cpuUs = 0;
  let visibleSum = 0;
  let start: StartCounts = {
    bytesSent: 0,
    snapshotsSent: 0,
    snapshotsSkipped: 0,
    entitiesSent: 0,
    entitiesDeferred: 0,
    sharedFrames: 0,
  };
  for (let t = 0; t < warmupTicks + ticks; t++) {
    if (t === warmupTicks) {
      server.metrics.flush(server.connectionCount, 1, TICK_RATE_HZ);
      const { bytesSent, snapshotsSent, snapshotsSkipped } = server.metrics.totals;
      timed.ms = 0;
      const entitiesSent = room.interest?.stats.entitiesSent ?? 0;
      const entitiesDeferred = room.interest?.stats.entitiesDeferred ?? 0;
      const sharedFrames = room.interest?.stats.sharedFrames ?? 0;
      start = { bytesSent, snapshotsSent, snapshotsSkipped, entitiesSent, entitiesDeferred, sharedFrames };
    }
    const cpu = process.cpuUsage();
    const begin = performance.now();
    server.step();
    const ms = performance.now() - begin;
    const used = process.cpuUsage(cpu);
    if (t >= warmupTicks) {
      durations.push(ms);
      cpuUs += used.user + used.system;
      visibleSum += interest
        ? room.clients.length === 0
          ? 0
          : mean(room.clients.slice(0, 50).map((c) => room.interest!.viewOf(c).visibleCount))
        : room.entityCount;
    }
    clock.advance(1);
    for (const c of checkers) c.verify(room);
  }
  return { durations, cpuMs: cpuUs / 1000, visibleSum, start };
}

/** The printed table's columns. */
const COLUMNS: readonly TableColumn<BigworldResult>[] = [
  { heading: 'mode', cell: (r) => r.mode },
  { heading: 'E', cell: (r) => r.entities },
  { heading: 'clients', cell: (r) => r.clients },
  { heading: 'seen/client', cell: (r) => r.visiblePerClient },
  { heading: 'B/client/snap', cell: (r) => r.bytesPerClientPerSnapshot },
  { heading: 'CPU µs/client/snap', cell: (r) => r.cpuUsPerClientPerSnapshot },
  { heading: 'tick p50 ms', cell: (r) => r.tickP50Ms },
  { heading: 'game step ms', cell: (r) => r.gameStepMsPerTick },
  { heading: 'tick p99 ms', cell: (r) => r.tickP99Ms },
  { heading: 'tick max ms', cell: (r) => r.tickMaxMs },
  { heading: 'p99/budget', cell: (r) => r.tickP99OfBudget },
  { heading: 'deferred', cell: (r) => r.deferredShare },
  { heading: 'shared', cell: (r) => r.sharedShare },
  { heading: 'skipped', cell: (r) => r.skipped },
];

/** CLI entry: runs the cases, prints the table, writes the JSON. */
export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      clients: { type: 'string' },
      ticks: { type: 'string' },
      warmup: { type: 'string' },
      entities: { type: 'string' },
      budget: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(
      'Usage: npm run bench -- bigworld [--clients 500,1000,2000] [--ticks N] [--warmup N] [--entities E] ' +
        '[--budget BYTES] [--out FILE.json]\n\n' +
        'Interest management on a 10,000-unit world (~100 seen per client) ' +
        'beside the all-visible E=100 reference, at 60 Hz.',
    );
    return;
  }
  const clientCounts = (values.clients ?? DEFAULT_CLIENTS.join(',')).split(',').map((s) => positiveInt(s, '--clients'));
  const ticks = positiveInt(values.ticks ?? String(DEFAULT_TICKS), '--ticks');
  const warmup = positiveInt(values.warmup ?? String(DEFAULT_WARMUP_TICKS), '--warmup');
  const entities = positiveInt(values.entities ?? String(BIGWORLD_ENTITIES), '--entities');
  const budget = values.budget === undefined ? undefined : positiveInt(values.budget, '--budget');
  const fixed = await runFixedCost(ticks, warmup, entities);
  console.error(`  interest, no client: ${fixed.tickCpuMs} ms CPU per tick, game step ${fixed.gameStepMs} ms`);
  const results = await runCases(clientCounts, ticks, warmup, entities, budget);
  const machine = machineInfo();
  console.log(
    `Tickwave big-world benchmark, ${TICK_RATE_HZ} Hz (budget ${round(1000 / TICK_RATE_HZ, 2)} ms per tick), ` +
      `${ticks} ticks after ${warmup} warm-up`,
  );
  console.log(`${machine.node}, ${machine.cpu} × ${machine.cores}, ${machine.os}, commit ${machine.commit}\n`);
  console.log(formatTable(COLUMNS, results));
  const fits = fitTickCost(results);
  printFits(fits);
  const verdicts = targetVerdicts(fixed, fits);
  console.log(`\nTargets (CPU time of server.step, from this one run):\n${verdicts.join('\n')}`);
  const path = writeJson(values.out ?? defaultResultPath('bigworld'), {
    benchmark: 'bigworld',
    date: new Date().toISOString(),
    machine,
    tickRateHz: TICK_RATE_HZ,
    ticks,
    warmupTicks: warmup,
    fixed,
    results,
    fits,
    verdicts,
  });
  console.log(`\nwrote ${path}`);
}

/** Runs both modes at each client count, printing a line per case to stderr as it finishes. */
async function runCases(
  clientCounts: readonly number[],
  ticks: number,
  warmup: number,
  entities: number,
  budget: number | undefined,
): Promise<BigworldResult[]> {
  const results: BigworldResult[] = [];
  for (const clients of clientCounts) {
    for (const mode of ['all-visible', 'interest'] as const) {
      const r = await runBigworldCase(mode, clients, ticks, warmup, entities, budget);
      results.push(r);
      console.error(
        `  ${mode} N=${clients}: ${r.bytesPerClientPerSnapshot} B, ` +
          `${r.cpuUsPerClientPerSnapshot} µs per client per snapshot, tick p99 ${r.tickP99Ms} ms`,
      );
    }
  }
  return results;
}

/** Prints each mode's line through its mean tick costs (nothing with fewer than two client counts). */
function printFits(fits: readonly TickCostFit[]): void {
  if (fits.length > 0)
    console.log(`\nMean tick CPU = fixed + per client × clients, through the two largest client counts:`);
  for (const f of fits) {
    console.log(
      `  ${f.mode}: ${f.fixedMs} ms + ${f.perClientUs} µs per client (${f.fromClients} → ${f.toClients} clients); ` +
        `the mean tick fits the ${round(1000 / TICK_RATE_HZ, 2)} ms budget up to ~${f.clientsInBudget} clients, ` +
        `half of it up to ~${f.clientsInHalfBudget}`,
    );
  }
}

function positiveInt(s: string, name: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a whole number ≥ 1; got "${s}"`);
  return n;
}
