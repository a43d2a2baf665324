/**
 * A fixed-step loop: calls `onTick` for tick n at anchor + n·dt, without drift. Node's `setTimeout`
 * truncates fractional delays (16.67 ms becomes 16 ms, so a naive 60 Hz loop runs at 62.5 Hz), so the
 * loop never trusts a timer: each wake-up runs exactly the ticks that are due by the clock and then
 * sleeps until the next due time, rounded up to a whole ms (a timer that fires early just sleeps again).
 * `onTick` must not throw (the Server's never does); if it does, the loop stops and the error propagates.
 * After an overrun it catches up at most `maxCatchUpTicks` ticks in a row; if it is still behind it
 * re-anchors to now and counts the ticks it skipped.
 *
 *   due:   t0      t0+dt    t0+2dt   t0+3dt ...
 *          |--------|--------|--------|
 *   wake:  ^ run 0  ^ run 1   (late)    ^ run 2, 3 (catch-up), sleep until t0+4dt
 */
import { tickDurationMs } from '../shared/index.ts';
import { type Clock, systemClock, type TimerHandle } from '../shared/clock.ts';

/** Default tick rate in Hz. */
export const DEFAULT_TICK_RATE_HZ = 60;
/** Default most ticks run back to back after an overrun before the loop re-anchors. */
export const DEFAULT_MAX_CATCH_UP_TICKS = 5;
/** Default number of recent tick durations kept for statistics. */
export const DEFAULT_TICK_HISTORY = 1024;

/** Options of a {@link TickLoop}. */
export interface TickLoopOptions {
  /** Ticks per second, 10–120. Default {@link DEFAULT_TICK_RATE_HZ}. */
  readonly tickRateHz?: number;
  /** Called once per tick with the loop's tick count (0, 1, 2, …, skipped ticks excluded). */
  readonly onTick: (tick: number) => void;
  /**
   * Most late ticks run back to back after the one a wake-up is for, ≥ 1. Default
   * {@link DEFAULT_MAX_CATCH_UP_TICKS}.
   */
  readonly maxCatchUpTicks?: number;
  /** Recent tick durations kept for `stats()`. Default {@link DEFAULT_TICK_HISTORY}. */
  readonly historySize?: number;
  /** Time and timers. Default: the system clock. */
  readonly clock?: Clock;
  /** Called with each tick's duration in ms, after it ran (for metrics). */
  readonly onTickDuration?: (durationMs: number) => void;
}

/** Timing statistics over the recent ticks (durations in ms, rates in Hz). */
export interface TickStats {
  /** Ticks run since start. */
  readonly ticks: number;
  /** Ticks skipped by re-anchoring after overruns. */
  readonly skippedTicks: number;
  /** Median tick duration over the recent window, ms. */
  readonly p50Ms: number;
  /** 99th-percentile tick duration over the recent window, ms. */
  readonly p99Ms: number;
  /** Longest tick duration over the recent window, ms. */
  readonly maxMs: number;
  /** Mean tick duration over the recent window, ms. */
  readonly meanMs: number;
  /** Ticks per second achieved over the recent window (tick start times), or 0 before two ticks. */
  readonly achievedRateHz: number;
  /** The configured rate. */
  readonly tickRateHz: number;
}

/** Drives a callback at a fixed rate from an injected clock. Start it with `start()`, stop with `stop()`. */
export class TickLoop {
  /** The configured rate in Hz. */
  readonly tickRateHz: number;
  private readonly dtMs: number;
  private readonly onTick: (tick: number) => void;
  private readonly onTickDuration: ((durationMs: number) => void) | undefined;
  private readonly maxCatchUpTicks: number;
  private readonly clock: Clock;
  private readonly durations: Float64Array;
  private readonly starts: Float64Array;
  private filled = 0;
  private next = 0;
  private anchorMs = 0;
  private anchorTick = 0;
  private skipped = 0;
  private timer: TimerHandle | null = null;
  private runningFlag = false;

  /** Validates the options; throws a RangeError naming the bad option. */
  constructor(options: TickLoopOptions) {
    const hz = options.tickRateHz ?? DEFAULT_TICK_RATE_HZ;
    this.dtMs = tickDurationMs(hz);
    this.tickRateHz = hz;
    if (typeof options.onTick !== 'function')
      throw new TypeError('TickLoop: pass onTick, the function to call each tick');
    this.onTick = options.onTick;
    this.onTickDuration = options.onTickDuration;
    const catchUp = options.maxCatchUpTicks ?? DEFAULT_MAX_CATCH_UP_TICKS;
    if (!Number.isInteger(catchUp) || catchUp < 1)
      throw new RangeError(`TickLoop: maxCatchUpTicks must be an integer ≥ 1; got ${catchUp}`);
    this.maxCatchUpTicks = catchUp;
    const history = options.historySize ?? DEFAULT_TICK_HISTORY;
    if (!Number.isInteger(history) || history < 2)
      throw new RangeError(`TickLoop: historySize must be an integer ≥ 2; got ${history}`);
    this.durations = new Float64Array(history);
    this.starts = new Float64Array(history);
    this.clock = options.clock ?? systemClock;
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.runningFlag;
  }

  /** The number of the next tick to run (ticks run so far). */
  get tick(): number {
    return this.next;
  }

  /** Starts the loop: tick 0 runs at once, tick n at now + n·dt. A no-op if running. */
  start(): void {
    if (this.runningFlag) return;
    this.runningFlag = true;
    this.anchorMs = this.clock.now();
    this.anchorTick = this.next;
    this.wake();
  }

  /** Stops the loop; the tick in progress (if any) completes. Idempotent. */
  stop(): void {
    this.runningFlag = false;
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
  }

  /** Ticks skipped since start by re-anchoring after overruns. */
  get skippedTicks(): number {
    return this.skipped;
  }

  /** Ticks per second over the recent window (from tick start times), or 0 before two ticks. Cheap: no allocation. */
  get achievedRateHz(): number {
    const n = Math.min(this.filled, this.durations.length);
    if (n < 2) return 0;
    const size = this.durations.length;
    const newest = this.starts[(this.filled - 1) % size]!;
    const oldest = this.starts[(this.filled - n) % size]!;
    return newest > oldest ? ((n - 1) * 1000) / (newest - oldest) : 0;
  }

  /** Timing statistics over the last `historySize` ticks. Allocates; call it for reports, not per tick. */
  stats(): TickStats {
    const n = Math.min(this.filled, this.durations.length);
    const sorted = Array.from(this.durations.subarray(0, n)).sort((a, b) => a - b);
    const pick = (q: number): number => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
    let sum = 0;
    for (const d of sorted) sum += d;
    const achieved = this.achievedRateHz;
    return {
      ticks: this.next,
      skippedTicks: this.skipped,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      maxMs: n === 0 ? 0 : sorted[n - 1]!,
      meanMs: n === 0 ? 0 : sum / n,
      achievedRateHz: achieved,
      tickRateHz: this.tickRateHz,
    };
  }

  private dueMs(tick: number): number {
    return this.anchorMs + (tick - this.anchorTick) * this.dtMs;
  }

  private wake(): void {
    this.timer = null;
    if (!this.runningFlag) return;
    let ran = 0;
    while (this.runningFlag && this.clock.now() >= this.dueMs(this.next)) {
      if (ran > this.maxCatchUpTicks) {
        const due = this.dueMs(this.next);
        const behind = Math.floor((this.clock.now() - due) / this.dtMs) + 1;
        this.skipped += behind;
        this.anchorTick = this.next;
        this.anchorMs = due + behind * this.dtMs;
        break;
      }
      this.runOne();
      ran++;
    }
    if (!this.runningFlag) return;
    // Whole milliseconds, rounded up: a truncating timer then never wakes before the due time.
    const delay = Math.max(0, Math.ceil(this.dueMs(this.next) - this.clock.now()));
    this.timer = this.clock.schedule(() => this.wake(), delay);
  }

  private runOne(): void {
    const start = this.clock.now();
    const tick = this.next++;
    try {
      this.onTick(tick);
    } finally {
      const duration = this.clock.now() - start;
      const at = this.filled % this.durations.length;
      this.durations[at] = duration;
      this.starts[at] = start;
      this.filled++;
      this.onTickDuration?.(duration);
    }
  }
}
