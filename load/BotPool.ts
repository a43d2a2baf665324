/**
 * A pool of load-test bots in one process: opens connections at a bounded rate, keeps inputs flowing
 * at the tick rate, and reports the pool's figures as deltas (plus its own CPU and event-loop delay,
 * so a run can tell when the bots, not the server, are the limit).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Schema } from '../shared/index.ts';
import type { BotDefinition } from './defineBot.ts';
import { type BotContext, BotCounters } from './botTraffic.ts';
import { FullBot } from './FullBot.ts';
import type { BotSample, BotStart } from './ipc.ts';
import { LightBot } from './LightBot.ts';
import { isMatchmakeUrl, takeSeat } from './matchmakeJoin.ts';

/** How often the pool opens a batch of connections, ms. */
const CONNECT_BATCH_MS = 20;
/** How often light bots are checked for an input overdue (no snapshot came to trigger it), ms. */
const INPUT_WATCH_MS = 50;
/**
 * Light bots send an input on their own after this many tick durations without one (no snapshot came
 * to trigger it). Not fewer: the server applies one input per tick, so every extra input lengthens
 * the client's input queue for good, and with it the input-to-acknowledgement latency.
 */
const INPUT_OVERDUE_TICKS = 5;
/** Event-loop delay sampling resolution, ms. */
const EVENT_LOOP_RESOLUTION_MS = 5;

/** Options of a {@link BotPool}: what the parent's start message says, less its envelope. */
export type BotPoolOptions = Omit<BotStart, 'type' | 'lifetimeMs' | 'module'>;

/** After the first, every this many errors of a bot's `input` are logged. */
export const BOT_ERROR_LOG_EVERY = 10_000;

/** `bot` with its errors caught: logged (see {@link BotPool}), and the input all fields at their lowest value. */
function guardedBot(bot: BotDefinition, log: (line: string) => void): BotDefinition {
  const neutral = Object.fromEntries(bot.schema.input.map((f) => [f.name, f.dequantize(f.coding === 'text' ? '' : 0)]));
  let errors = 0;
  return {
    schema: bot.schema,
    input(view, tick) {
      try {
        return bot.input(view, tick);
      } catch (err) {
        if (errors++ % BOT_ERROR_LOG_EVERY === 0) {
          const what = err instanceof Error ? (err.stack ?? err.message) : String(err);
          log(`bot input threw (${errors} time(s) so far; a neutral input was sent): ${what}`);
        }
        return neutral as ReturnType<BotDefinition['input']>;
      }
    },
  };
}

/** Bots of one process. */
export class BotPool {
  private readonly counters = new BotCounters();
  private readonly light: LightBot[] = [];
  private readonly full: FullBot[] = [];
  private readonly schema: Schema;
  private readonly tickMs: number;
  private readonly delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private waiting = 0;
  private started = 0;
  private stopping = false;
  /** Light bots whose matchmaking request failed (they never connect; logged, the first and every 1,000th). */
  private matchmakeFailures = 0;
  private lastAt = performance.now();
  private lastCpu = process.cpuUsage();
  private readonly last = {
    snapshots: 0,
    payloadBytes: 0,
    wsBytes: 0,
    wireBytes: 0,
    wsBytesOut: 0,
    inputs: 0,
    decoded: 0,
    decodeFailures: 0,
  };
  private lastCloses = new Map<number, number>();

  private readonly bot: BotDefinition;

  /**
   * A pool of bots playing `bot`; no bot starts until {@link add}. An error thrown by the bot's `input`
   * goes to `log` (the first, then every {@link BOT_ERROR_LOG_EVERY}th) and that tick's input is neutral.
   */
  constructor(
    private readonly options: BotPoolOptions,
    bot: BotDefinition,
    log: (line: string) => void,
  ) {
    this.bot = guardedBot(bot, log);
    this.schema = bot.schema;
    this.tickMs = 1000 / options.tickRateHz;
    this.delay.enable();
    const perBatch = Math.max(1, Math.round((options.connectPerSec * CONNECT_BATCH_MS) / 1000));
    this.timers.push(setInterval(() => this.connectSome(perBatch), CONNECT_BATCH_MS));
    if (options.kind === 'light') this.timers.push(setInterval(() => this.watchInputs(), INPUT_WATCH_MS));
    else this.timers.push(setInterval(() => this.frameAll(), Math.max(1, Math.floor(this.tickMs / 2))));
  }

  /** Queues `count` more bots; they connect at the pool's rate. */
  add(count: number): void {
    this.waiting += count;
  }

  /** The pool's figures since the previous call. */
  sample(): BotSample {
    const c = this.counters;
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    const closes: Record<string, number> = {};
    for (const [code, n] of c.closes) {
      const d = n - (this.lastCloses.get(code) ?? 0);
      if (d > 0) closes[String(code)] = d;
    }
    const l = this.last;
    const sample: BotSample = {
      intervalMs: now - this.lastAt,
      bots: this.started,
      connected: c.connected,
      snapshots: c.snapshots - l.snapshots,
      payloadBytes: c.payloadBytes - l.payloadBytes,
      wsBytes: c.wsBytes - l.wsBytes,
      wireBytes: c.wireBytes - l.wireBytes,
      wsBytesOut: c.wsBytesOut - l.wsBytesOut,
      inputs: c.inputs - l.inputs,
      latency: c.latency.drain(),
      joinLatency: c.joinLatency.drain(),
      interArrival: c.interArrival.drain(),
      jitter: c.jitter.drain(),
      decoded: c.decoded - l.decoded,
      decodeFailures: c.decodeFailures - l.decodeFailures,
      closes,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      eventLoopDelayP99Ms: this.delay.count === 0 ? 0 : this.delay.percentile(99) / 1e6,
    };
    Object.assign(l, {
      snapshots: c.snapshots,
      payloadBytes: c.payloadBytes,
      wsBytes: c.wsBytes,
      wireBytes: c.wireBytes,
      wsBytesOut: c.wsBytesOut,
      inputs: c.inputs,
      decoded: c.decoded,
      decodeFailures: c.decodeFailures,
    });
    this.lastCloses = new Map(c.closes);
    this.lastAt = now;
    this.delay.reset();
    return sample;
  }

  /** Closes every bot with 1000 (not counted as disconnects) and stops the timers. */
  stop(): void {
    this.stopping = true;
    this.waiting = 0;
    for (const t of this.timers) clearInterval(t);
    this.delay.disable();
    for (const bot of this.light) bot.close();
    for (const bot of this.full) bot.close();
  }

  private connectSome(n: number): void {
    if (this.stopping) return;
    const o = this.options;
    for (let k = 0; k < n && this.waiting > 0; k++) {
      this.waiting--;
      const index = o.firstIndex + this.started * o.stride;
      this.started++;
      const ctx = {
        url: o.url,
        room: o.room,
        schema: this.schema,
        bot: this.bot,
        tickMs: this.tickMs,
        counters: this.counters,
        sendInputs: o.sendInputs,
        inputHoldTicks: o.inputHoldTicks,
      };
      if (o.kind === 'full') this.full.push(new FullBot(index, ctx));
      else if (!isMatchmakeUrl(o.url)) this.light.push(new LightBot(index, ctx, index % o.decodeEvery === 0));
      else this.seatThenConnect(index, ctx);
    }
  }

  /** Asks the matchmaker for a light bot's seat, then connects it there (full bots do this themselves). */
  private seatThenConnect(index: number, ctx: BotContext): void {
    const type = ctx.room ?? '';
    const askedAt = performance.now();
    takeSeat(ctx.url, type).then(
      (seat) => {
        ctx.counters.joinLatency.record(performance.now() - askedAt);
        if (this.stopping) return;
        this.light.push(
          new LightBot(index, { ...ctx, url: seat.url, room: seat.room }, index % this.options.decodeEvery === 0),
        );
      },
      (err: unknown) => {
        this.matchmakeFailures++;
        if (this.matchmakeFailures === 1 || this.matchmakeFailures % 1000 === 0)
          console.error(
            `bot ${index}: ${err instanceof Error ? err.message : String(err)} (${this.matchmakeFailures} so far)`,
          );
      },
    );
  }

  private watchInputs(): void {
    const now = performance.now();
    const overdue = this.tickMs * INPUT_OVERDUE_TICKS;
    for (const bot of this.light) {
      if (bot.isJoined && !(now - bot.lastInputAtMs < overdue)) bot.sendInputAlone(now);
    }
  }

  private frameAll(): void {
    const now = performance.now();
    for (const bot of this.full) bot.frame(now);
  }
}
