/**
 * Runs a load test: forks the server process (unless an external URL is given) and the bot
 * processes, adds clients (all at once, or step by step for a capacity search), samples every child
 * once per second, and returns the figures. Every process it started is stopped by PID before it
 * returns or throws, also when aborted (Ctrl-C) — and each child also exits by itself when its
 * lifetime ends or the parent's IPC channel closes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransportChoice } from '../../server/index.ts';
import type { BotKind, BotSample, ChildMsg, LoadScenario, ParentMsg, ServerSample } from './ipc.ts';
import { rowOf, type SampleRound, type TimeSeriesRow, windowFigures, type WindowFigures } from './loadFigures.ts';

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
/** Time children have to stop before they are killed, ms. */
const STOP_TIMEOUT_MS = 3000;
/** Extra connection time allowed beyond count / rate, ms. */
const CONNECT_SLACK_MS = 10_000;
/** Lifetime margin given to children beyond the planned run, ms. */
const LIFETIME_MARGIN_MS = 60_000;

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Clients (the first step's count with `ramp`). */
  readonly clients: number;
  readonly tickRateHz: number;
  readonly entities: number;
  /** Measured seconds (per step with `ramp`). */
  readonly durationSec: number;
  readonly scenario: LoadScenario;
  readonly bots: BotKind;
  /** Capacity search: add `rampStep` clients per step until the tick rate no longer holds or `rampMax` is reached. */
  readonly ramp: boolean;
  readonly rampStep: number;
  readonly rampMax: number;
  readonly botProcesses: number;
  /** Target an external server at this ws:// URL instead of starting one. */
  readonly url: string | null;
  /** The network transport of the server the run starts: auto (uWS where it loads, else ws), uws or ws. */
  readonly transport: TransportChoice;
  /** Room to join on an external server (null: the server's choice). */
  readonly room: string | null;
  readonly connectPerSec: number;
  readonly decodeEvery: number;
  readonly settleSec: number;
  /** Write V8 CPU profiles of the server and bot processes into this folder. */
  readonly cpuProfDir: string | null;
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
}

/** Progress callbacks. */
export interface LoadHooks {
  /** Called after every sample round. */
  readonly progress?: (row: TimeSeriesRow, phase: string) => void;
  /** Lines from the children (server warnings). */
  readonly log?: (line: string) => void;
  /** Aborts the run (the children are still stopped and the figures so far returned). */
  readonly signal?: AbortSignal;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** A forked child with a reply queue. */
class Child {
  readonly proc: ChildProcess;
  private waiters: { type: ChildMsg['type']; resolve: (msg: ChildMsg) => void }[] = [];
  exited = false;

  constructor(
    readonly role: 'server' | 'bots',
    script: string,
    execArgv: readonly string[],
    log: (line: string) => void,
  ) {
    this.proc = fork(script, [], {
      execArgv: ['--import', 'tsx', ...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (raw) => {
      const msg = raw as ChildMsg;
      if (msg.type === 'log') return log(msg.line);
      const i = this.waiters.findIndex((w) => w.type === msg.type || msg.type === 'error');
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else if (msg.type === 'error') log(`child ${this.proc.pid}: ${msg.message}`);
    });
    this.proc.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w.resolve({ type: 'error', message: `process ${this.proc.pid} exited` });
    });
  }

  send(msg: ParentMsg): void {
    if (!this.exited && this.proc.connected) this.proc.send(msg);
  }

  /** Sends `msg` and waits for a reply of `type` (or an error), at most `timeoutMs`. */
  request(msg: ParentMsg, type: ChildMsg['type'], timeoutMs: number): Promise<ChildMsg> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve({
          type: 'error',
          message: `process ${this.proc.pid} did not answer ${msg.type} within ${timeoutMs} ms`,
        });
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m: ChildMsg) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
      if (this.exited) waiter.resolve({ type: 'error', message: `process ${this.proc.pid} exited` });
      else this.send(msg);
    });
  }

  /** Asks the child to stop; kills it by PID if it has not exited within the timeout. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => {
      if (!this.exited && this.proc.pid !== undefined) process.kill(this.proc.pid, 'SIGKILL');
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

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

/** Runs a load test (see the module comment). Throws if a child fails to start; children are stopped first. */
export async function runLoad(o: LoadOptions, hooks: LoadHooks = {}): Promise<LoadRun> {
  const log = hooks.log ?? ((line: string) => console.error(line));
  const signal = hooks.signal;
  const rounds: SampleRound[] = [];
  const timeSeries: TimeSeriesRow[] = [];
  const steps: WindowFigures[] = [];
  const children: Child[] = [];
  const plannedSteps = o.ramp ? Math.max(1, Math.ceil((o.rampMax - o.clients) / o.rampStep) + 1) : 1;
  const maxClients = o.ramp ? o.rampMax : o.clients;
  const perStepMs = (o.durationSec + o.settleSec) * 1000 + CONNECT_SLACK_MS;
  const lifetimeMs = plannedSteps * perStepMs + (maxClients / o.connectPerSec) * 1000 + LIFETIME_MARGIN_MS;
  const started = performance.now();
  let target = 0;
  try {
    let server: Child | null = null;
    let url = o.url;
    let room = o.room;
    let transport: 'uws' | 'ws' | null = null;
    // One folder per process: tsx's loader thread writes a profile of its own next to the main thread's.
    const prof = (name: string): string[] => {
      if (o.cpuProfDir === null) return [];
      const dir = join(o.cpuProfDir, name);
      mkdirSync(dir, { recursive: true });
      return ['--cpu-prof', '--cpu-prof-dir', dir];
    };
    if (url === null) {
      server = new Child('server', `${HERE}serverProcess.ts`, prof('server'), log);
      children.push(server);
      const ready = await server.request(
        {
          type: 'start',
          scenario: o.scenario,
          entities: o.entities,
          tickRateHz: o.tickRateHz,
          host: '127.0.0.1',
          port: 0,
          transport: o.transport,
          lifetimeMs,
        },
        'ready',
        START_TIMEOUT_MS,
      );
      if (ready.type !== 'ready')
        throw new Error(`the server process failed to start: ${ready.type === 'error' ? ready.message : ready.type}`);
      url = `ws://127.0.0.1:${ready.port}/`;
      room = ready.room;
      transport = ready.transport ?? null;
    }
    const pools: Child[] = [];
    for (let p = 0; p < o.botProcesses; p++) {
      const pool = new Child('bots', `${HERE}botProcess.ts`, prof(`bots${p}`), log);
      children.push(pool);
      pools.push(pool);
    }
    const readies = await Promise.all(
      pools.map((pool, p) =>
        pool.request(
          {
            type: 'start',
            url: url!,
            room,
            scenario: o.scenario,
            kind: o.bots,
            tickRateHz: o.tickRateHz,
            decodeEvery: o.decodeEvery,
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

    let lastCpuTimes = machineCpuTimes();
    const sampleRound = async (): Promise<SampleRound> => {
      const answers = await Promise.all(
        children.map((c) => c.request({ type: 'sample' }, 'sample', SAMPLE_TIMEOUT_MS)),
      );
      let serverSample: ServerSample | null = null;
      const bots: BotSample[] = [];
      for (const a of answers) {
        if (a.type !== 'sample') continue;
        if (a.server !== undefined) serverSample = a.server;
        if (a.bots !== undefined) bots.push(a.bots);
      }
      const cpuTimes = machineCpuTimes();
      const machineCpuPercent =
        ((cpuTimes.busy - lastCpuTimes.busy) / Math.max(1, cpuTimes.total - lastCpuTimes.total)) * cpuTimes.cores * 100;
      lastCpuTimes = cpuTimes;
      const r: SampleRound = {
        tSec: Math.round((performance.now() - started) / 100) / 10,
        targetClients: target,
        server: serverSample,
        bots,
        machineCpuPercent,
      };
      rounds.push(r);
      return r;
    };
    let nextSampleAt = performance.now() + SAMPLE_INTERVAL_MS;
    const tick = async (phase: string): Promise<TimeSeriesRow> => {
      await sleep(Math.max(0, nextSampleAt - performance.now()), signal);
      nextSampleAt += SAMPLE_INTERVAL_MS;
      const row = rowOf(await sampleRound());
      timeSeries.push(row);
      hooks.progress?.(row, phase);
      return row;
    };
    await sampleRound();

    let lastHeld = 0;
    for (let count = o.clients; ; count += o.rampStep) {
      const add = count - target;
      target = count;
      for (let p = 0; p < pools.length; p++) {
        const share = Math.floor(add / pools.length) + (p < add % pools.length ? 1 : 0);
        if (share > 0) pools[p]!.send({ type: 'add', count: share });
      }
      const connectDeadline = performance.now() + (add / (o.connectPerSec * pools.length)) * 1000 + CONNECT_SLACK_MS;
      let row = await tick(`connecting ${count}`);
      while (!signal?.aborted && row.clients < count && performance.now() < connectDeadline)
        row = await tick(`connecting ${count}`);
      for (let s = 0; s < o.settleSec && !signal?.aborted; s++) await tick(`settling ${count}`);
      const first = rounds.length;
      for (let s = 0; s < o.durationSec && !signal?.aborted; s++) await tick(`measuring ${count}`);
      if (signal?.aborted) break;
      const figures = windowFigures(rounds.slice(first), count, o.tickRateHz);
      steps.push(figures);
      if (!figures.held) break;
      lastHeld = count;
      if (!o.ramp || count + o.rampStep > o.rampMax) break;
    }
    return { steps, timeSeries, lastHeldClients: lastHeld, interrupted: signal?.aborted === true, transport };
  } finally {
    // Bots first, so the server sees clean 1000 closes rather than closing them with 1001.
    await Promise.all(children.filter((c) => c.role === 'bots').map((c) => c.stop()));
    await Promise.all(children.map((c) => c.stop()));
  }
}
