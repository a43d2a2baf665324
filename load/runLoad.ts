/**
 * Runs a load test: forks the server process (unless an external URL is given) and the bot
 * processes, adds clients (all at once, or step by step for a capacity search), samples every child
 * once per second, and returns the figures. Every process it started is stopped by PID before it
 * returns or throws, also when aborted (Ctrl-C) — and each child also exits by itself when its
 * lifetime ends or the parent's IPC channel closes.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransportChoice } from '../server/index.ts';
import { Child } from './Child.ts';
import { loaderArgs, type ModuleUrls } from './loadModule.ts';
import type { BotKind, BotSample, LoadScenario, ServerSample } from './ipc.ts';
import { type RedisProcess, startRedis } from './redisProcess.ts';
import { mergeServerSamples } from './serverSamples.ts';
import {
  type Budget,
  rowOf,
  type SampleRound,
  type TimeSeriesRow,
  windowFigures,
  type WindowFigures,
} from './loadFigures.ts';

/** Time between two sample rounds, ms. */
export const SAMPLE_INTERVAL_MS = 1000;
/** Default new connections per second per bot process. */
export const DEFAULT_CONNECT_PER_SEC = 1000;
/** Default: light bots whose index is a multiple of this decode every snapshot. */
export const DEFAULT_DECODE_EVERY = 20;
/** Seconds to wait after all clients joined before measuring. */
export const DEFAULT_SETTLE_SEC = 2;
/** Time a child has to start, ms. */
const START_TIMEOUT_MS = 20_000;
/** Time a child has to answer a sample request, ms. */
const SAMPLE_TIMEOUT_MS = 3000;
/** Extra connection time allowed beyond count / rate, ms. */
const CONNECT_SLACK_MS = 10_000;
/** Lifetime margin given to children beyond the planned run, ms. */
const LIFETIME_MARGIN_MS = 60_000;

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Clients (the first step's count with `ramp`). */
  readonly clients: number;
  readonly tickRateHz: number;
  /**
   * Snapshots per second per client the started server sends (its rooms' `snapshotRateHz`), or null for
   * the room type's own rate (the tick rate unless it sets one).
   */
  readonly snapshotRateHz: number | null;
  readonly entities: number;
  /** Measured seconds (per step with `ramp`). */
  readonly durationSec: number;
  /** The room's name in the report: a built-in scenario's, or the room module's file name. */
  readonly scenario: LoadScenario;
  /** The room module the run's server runs, and the module whose schema and bot the bots use. */
  readonly modules: ModuleUrls;
  readonly bots: BotKind;
  /** Capacity search: add `rampStep` clients per step until the tick rate no longer holds or `rampMax` is reached. */
  readonly ramp: boolean;
  readonly rampStep: number;
  readonly rampMax: number;
  readonly botProcesses: number;
  /** Target an external server at this ws:// URL instead of starting one. */
  readonly url: string | null;
  /**
   * Start a cluster of this many server processes on a redis-server of the run's own, the bots joining through
   * matchmaking; 0: one server process with one room (or `url`).
   */
  readonly workers: number;
  /** With `workers`: players per room before matchmaking opens another (rooms spread over the workers). */
  readonly roomCapacity: number;
  /** The network transport of the server the run starts: auto (uWS where it loads, else ws), uws or ws. */
  readonly transport: TransportChoice;
  /** Room to join on an external server (null: the server's choice). */
  readonly room: string | null;
  readonly connectPerSec: number;
  readonly decodeEvery: number;
  /** Whether bots send inputs (false: acks only, `--no-input`). */
  readonly sendInputs: boolean;
  /** Seqs each bot input holds its values for (`--input-hold`; 0 sends every input). */
  readonly inputHoldTicks: number;
  readonly settleSec: number;
  /** Write V8 CPU profiles of the server and bot processes into this folder. */
  readonly cpuProfDir: string | null;
  /** What each window is judged by. */
  readonly budget: Budget;
  /** Share of a core the recommendation keeps free, 0–1. */
  readonly headroom: number;
}

/** What a run returns. */
export interface LoadRun {
  /** One entry per measurement window (one without ramp). */
  readonly steps: readonly WindowFigures[];
  /** Per-second rows over the whole run. */
  readonly timeSeries: readonly TimeSeriesRow[];
  /** Largest client count that held the tick rate (ramp), or the count if it held, else 0. */
  readonly lastHeldClients: number;
  /** True if the run was cut short (abort signal). */
  readonly interrupted: boolean;
  /** The network transport the started server ran on; null with `url` (a server started elsewhere). */
  readonly transport: 'uws' | 'ws' | null;
  /** Snapshots per second per client the started server's room sends; null with `url` (not known). */
  readonly snapshotRateHz: number | null;
}

/** Progress callbacks. */
export interface LoadHooks {
  /** Called after every sample round. */
  readonly progress?: (row: TimeSeriesRow, phase: string) => void;
  /** Lines from the children (server warnings). */
  readonly log?: (line: string) => void;
  /** Called with redis-server's PID once it runs (`workers`); it is stopped before {@link runLoad} returns. */
  readonly redisStarted?: (pid: number) => void;
  /** Aborts the run (the children are still stopped and the figures so far returned). */
  readonly signal?: AbortSignal;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The extension of this module's own files: .ts from a checkout (through tsx), .js in the package. */
const OWN_EXTENSION = extname(fileURLToPath(import.meta.url));

/** Busy and total CPU time of this machine so far (all cores, ms), and the core count. */
function machineCpuTimes(): { busy: number; total: number; cores: number } {
  let busy = 0;
  let total = 0;
  const all = cpus();
  for (const c of all) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total, cores: all.length };
}

/** Waits `ms`, or less if `signal` aborts; leaves no listener behind either way. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The started server's address (or the external one), and the transport it runs on. */
interface Target {
  /** Where the bots go; with workers, each worker's matchmaking endpoint (bot pools take turns). */
  readonly urls: readonly string[];
  readonly room: string | null;
  readonly transport: 'uws' | 'ws' | null;
  /** The room's snapshot rate, Hz; null when not known (`url`). */
  readonly snapshotRateHz: number | null;
}

/** Runs a load test (see the module comment). Throws if a child fails to start; children are stopped first. */
export async function runLoad(o: LoadOptions, hooks: LoadHooks = {}): Promise<LoadRun> {
  const log = hooks.log ?? ((line: string) => console.error(line));
  const children: Child[] = [];
  const lifetimeMs = childLifetimeMs(o);
  const started = performance.now();
  const loader = loaderArgs([o.modules.room, o.modules.bot, import.meta.url], process.cwd());
  let redis: RedisProcess | null = null;
  try {
    if (o.workers > 0) {
      redis = await startRedis();
      hooks.redisStarted?.(redis.pid);
    }
    const target = await startTarget(o, redis, children, lifetimeMs, loader, log);
    const pools = await startBots(o, target, children, lifetimeMs, loader, log);
    const sampler = new Sampler(children, hooks, started, o.workers > 0);
    await sampler.round();
    const snapshotRateHz = target.snapshotRateHz ?? o.tickRateHz;
    const { steps, lastHeld } = await measureSteps(o, snapshotRateHz, pools, sampler, hooks.signal);
    const interrupted = hooks.signal?.aborted === true;
    return {
      steps,
      timeSeries: sampler.timeSeries,
      lastHeldClients: lastHeld,
      interrupted,
      transport: target.transport,
      snapshotRateHz: target.snapshotRateHz,
    };
  } finally {
    // Bots first, so the server sees clean 1000 closes rather than closing them with 1001.
    await Promise.all(children.filter((c) => c.role === 'bots').map((c) => c.stop()));
    await Promise.all(children.map((c) => c.stop()));
    await redis?.stop();
  }
}

/** How long a child may live: every planned step, the connection time and a margin, ms. */
function childLifetimeMs(o: LoadOptions): number {
  const plannedSteps = o.ramp ? Math.max(1, Math.ceil((o.rampMax - o.clients) / o.rampStep) + 1) : 1;
  const maxClients = o.ramp ? o.rampMax : o.clients;
  const perStepMs = (o.durationSec + o.settleSec) * 1000 + CONNECT_SLACK_MS;
  return plannedSteps * perStepMs + (maxClients / o.connectPerSec) * 1000 + LIFETIME_MARGIN_MS;
}

/** Node options writing a V8 CPU profile of process `name`, or none without `cpuProfDir`. */
function profArgs(o: LoadOptions, name: string): string[] {
  if (o.cpuProfDir === null) return [];
  // One folder per process: tsx's loader thread writes a profile of its own next to the main thread's.
  const dir = join(o.cpuProfDir, name);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir];
}

/** The server to load: `o.url`, or a server process started here (added to `children`). */
async function startTarget(
  o: LoadOptions,
  redis: RedisProcess | null,
  children: Child[],
  lifetimeMs: number,
  loader: readonly string[],
  log: (line: string) => void,
): Promise<Target> {
  if (o.url !== null) return { urls: [o.url], room: o.room, transport: null, snapshotRateHz: null };
  if (o.modules.room === null) throw new Error('a run without --url needs a room module');
  const module = o.modules.room;
  const cluster = redis === null ? null : { redisUrl: redis.url, roomCapacity: o.roomCapacity };
  const script = `${HERE}serverProcess${OWN_EXTENSION}`;
  const servers = Array.from({ length: Math.max(1, o.workers) }, (_, w) => {
    const name = o.workers > 0 ? `server${w}` : 'server';
    const server = new Child('server', script, [...loader, ...profArgs(o, name)], log);
    children.push(server);
    return server;
  });
  const { entities, tickRateHz, snapshotRateHz, transport } = o;
  const start = { type: 'start', module, entities, tickRateHz, snapshotRateHz, host: '127.0.0.1', port: 0 } as const;
  const readies = await Promise.all(
    servers.map((s) => s.request({ ...start, transport, lifetimeMs, cluster }, 'ready', START_TIMEOUT_MS)),
  );
  const ports: number[] = [];
  for (const ready of readies) {
    if (ready.type !== 'ready')
      throw new Error(`a server process failed to start: ${ready.type === 'error' ? ready.message : ready.type}`);
    ports.push(ready.port);
  }
  const first = readies[0]!;
  const transportRun = first.type === 'ready' ? (first.transport ?? null) : null;
  const rate = first.type === 'ready' ? (first.snapshotRateHz ?? null) : null;
  if (cluster !== null) {
    const urls = ports.map((p) => `http://127.0.0.1:${p}/matchmake`);
    return { urls, room: 'load', transport: transportRun, snapshotRateHz: rate };
  }
  return {
    urls: [`ws://127.0.0.1:${ports[0]}/`],
    room: first.type === 'ready' ? first.room : null,
    transport: transportRun,
    snapshotRateHz: rate,
  };
}

/** Starts `o.botProcesses` bot processes against `target` (added to `children`); throws if one fails. */
async function startBots(
  o: LoadOptions,
  target: Target,
  children: Child[],
  lifetimeMs: number,
  loader: readonly string[],
  log: (line: string) => void,
): Promise<Child[]> {
  const pools: Child[] = [];
  for (let p = 0; p < o.botProcesses; p++) {
    const script = `${HERE}botProcess${OWN_EXTENSION}`;
    const pool = new Child('bots', script, [...loader, ...profArgs(o, `bots${p}`)], log);
    children.push(pool);
    pools.push(pool);
  }
  const readies = await Promise.all(
    pools.map((pool, p) =>
      pool.request(
        {
          type: 'start',
          url: target.urls[p % target.urls.length]!,
          room: target.room,
          module: o.modules.bot,
          kind: o.bots,
          tickRateHz: o.tickRateHz,
          decodeEvery: o.decodeEvery,
          sendInputs: o.sendInputs,
          inputHoldTicks: o.inputHoldTicks,
          connectPerSec: o.connectPerSec,
          firstIndex: p,
          stride: pools.length,
          lifetimeMs,
        },
        'ready',
        START_TIMEOUT_MS,
      ),
    ),
  );
  const failed = readies.find((r) => r.type !== 'ready');
  if (failed !== undefined)
    throw new Error(`a bot process failed to start: ${failed.type === 'error' ? failed.message : failed.type}`);
  return pools;
}

/**
 * Adds clients step by step (one step without ramp), waits for them to connect and settle, measures
 * each step's window, and stops at the first step that does not hold the tick rate, the ramp's end or
 * an abort.
 */
async function measureSteps(
  o: LoadOptions,
  snapshotRateHz: number,
  pools: readonly Child[],
  sampler: Sampler,
  signal: AbortSignal | undefined,
): Promise<{ steps: WindowFigures[]; lastHeld: number }> {
  const steps: WindowFigures[] = [];
  let lastHeld = 0;
  for (let count = o.clients; ; count += o.rampStep) {
    const stepFirst = sampler.rounds.length;
    const add = count - sampler.target;
    sampler.target = count;
    addClients(pools, add);
    const connectDeadline = performance.now() + (add / (o.connectPerSec * pools.length)) * 1000 + CONNECT_SLACK_MS;
    let row = await sampler.tick(`connecting ${count}`);
    while (!signal?.aborted && row.clients < count && performance.now() < connectDeadline)
      row = await sampler.tick(`connecting ${count}`);
    for (let s = 0; s < o.settleSec && !signal?.aborted; s++) await sampler.tick(`settling ${count}`);
    const first = sampler.rounds.length;
    const startSec = sampler.rounds[first - 1]?.tSec ?? 0;
    for (let s = 0; s < o.durationSec && !signal?.aborted; s++) await sampler.tick(`measuring ${count}`);
    if (signal?.aborted) break;
    const window = sampler.rounds.slice(first);
    const stepRounds = sampler.rounds.slice(stepFirst);
    const figures = windowFigures(window, count, o.tickRateHz, o.budget, startSec, stepRounds, snapshotRateHz);
    steps.push(figures);
    if (!figures.held) break;
    lastHeld = count;
    if (!o.ramp || count + o.rampStep > o.rampMax) break;
  }
  return { steps, lastHeld };
}

/** Asks the bot processes for `add` more clients, shared out as evenly as possible. */
function addClients(pools: readonly Child[], add: number): void {
  for (let p = 0; p < pools.length; p++) {
    const share = Math.floor(add / pools.length) + (p < add % pools.length ? 1 : 0);
    if (share > 0) pools[p]!.send({ type: 'add', count: share });
  }
}

/** Samples every child once a second, with the machine's CPU use in between; keeps every round and row. */
class Sampler {
  /** Every sample round so far. */
  readonly rounds: SampleRound[] = [];
  /** One row per timed round (not the first). */
  readonly timeSeries: TimeSeriesRow[] = [];
  /** The client count asked for now, recorded in each round. */
  target = 0;
  private lastCpuTimes = machineCpuTimes();
  private nextSampleAt = performance.now() + SAMPLE_INTERVAL_MS;

  /**
   * A sampler of `children`, whose rounds are timed from `started` (performance.now(), ms); with `perProcess`
   * (a cluster) each round also keeps every server process's own sample.
   */
  constructor(
    private readonly children: readonly Child[],
    private readonly hooks: LoadHooks,
    private readonly started: number,
    private readonly perProcess: boolean,
  ) {}

  /** Asks every child for a sample now and records the round. */
  async round(): Promise<SampleRound> {
    const answers = await Promise.all(
      this.children.map((c) => c.request({ type: 'sample' }, 'sample', SAMPLE_TIMEOUT_MS)),
    );
    const servers: ServerSample[] = [];
    const bots: BotSample[] = [];
    for (const a of answers) {
      if (a.type !== 'sample') continue;
      if (a.server !== undefined) servers.push(a.server);
      if (a.bots !== undefined) bots.push(a.bots);
    }
    const cpuTimes = machineCpuTimes();
    const last = this.lastCpuTimes;
    const machineCpuPercent =
      ((cpuTimes.busy - last.busy) / Math.max(1, cpuTimes.total - last.total)) * cpuTimes.cores * 100;
    this.lastCpuTimes = cpuTimes;
    const r: SampleRound = {
      tSec: Math.round((performance.now() - this.started) / 100) / 10,
      targetClients: this.target,
      server: mergeServerSamples(servers),
      processes: this.perProcess ? servers : [],
      bots,
      machineCpuPercent,
    };
    this.rounds.push(r);
    return r;
  }

  /** Waits for the next second (or the abort), samples, and reports the row to the progress hook. */
  async tick(phase: string): Promise<TimeSeriesRow> {
    await sleep(Math.max(0, this.nextSampleAt - performance.now()), this.hooks.signal);
    this.nextSampleAt += SAMPLE_INTERVAL_MS;
    const row = rowOf(await this.round());
    this.timeSeries.push(row);
    this.hooks.progress?.(row, phase);
    return row;
  }
}
