/**
 * A measurement window: the tick timing and the metrics totals of a Server from the moment it opened,
 * for a benchmark or a load test that wants figures over its own run rather than over the last
 * `DEFAULT_TICK_HISTORY` ticks or since start.
 *
 *   const window = server.measure();
 *   // … run the scenario …
 *   const { p99Ms, achievedRateHz } = window.tickStats();
 *   const { bytesSent } = window.totals();
 *   window.end();
 */
import type { Clock } from '../shared/clock.ts';
import type { ServerMetrics } from './ServerMetrics.ts';
import type { TickStats } from './TickLoop.ts';

/** The server's running totals (see `ServerMetrics.totals`): bytes, snapshots, encodes, step time. */
export type ServerTotals = Readonly<ServerMetrics['totals']>;

/** What a window reads from its Server. */
export interface MeasureSource {
  readonly clock: Clock;
  readonly tickRateHz: number;
  readonly totals: ServerTotals;
  /** Ticks the loop skipped since start. */
  skippedTicks(): number;
  /** Stops feeding this window. */
  detach(window: MeasureWindow): void;
}

/**
 * Tick durations and totals from {@link Server.measure} on: every `server.step()` (run by the built-in loop or by
 * the host) is recorded until {@link MeasureWindow.end}. Holds one number per tick (8 bytes), so end it when done.
 *
 * @category Server
 */
export class MeasureWindow {
  /** When the window opened, ms on the server's clock. */
  readonly startedAtMs: number;
  private readonly durations: number[] = [];
  private readonly startTotals: ServerTotals;
  private readonly startSkipped: number;
  private endedAtMs: number | null = null;
  private endTotals: ServerTotals | null = null;
  private endSkipped = 0;

  /** @internal opened by `server.measure()`. */
  constructor(private readonly source: MeasureSource) {
    this.startedAtMs = source.clock.now();
    this.startTotals = { ...source.totals };
    this.startSkipped = source.skippedTicks();
  }

  /** True once {@link MeasureWindow.end} ran. */
  get ended(): boolean {
    return this.endedAtMs !== null;
  }

  /** Length of the window so far (or until it ended), ms. */
  get elapsedMs(): number {
    return (this.endedAtMs ?? this.source.clock.now()) - this.startedAtMs;
  }

  /** @internal the Server reports one step's duration, ms. */
  record(durationMs: number): void {
    this.durations.push(durationMs);
  }

  /**
   * Tick timing over the window: `ticks` run in it, `skippedTicks` the loop dropped in it, duration percentiles
   * (ms) over all of its ticks, and `achievedRateHz` = ticks / elapsed time. Allocates; call it for reports.
   */
  tickStats(): TickStats {
    const n = this.durations.length;
    const sorted = [...this.durations].sort((a, b) => a - b);
    const pick = (q: number): number => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!);
    let sum = 0;
    for (const d of sorted) sum += d;
    const elapsed = this.elapsedMs;
    const skipped = (this.endedAtMs === null ? this.source.skippedTicks() : this.endSkipped) - this.startSkipped;
    return {
      ticks: n,
      skippedTicks: skipped,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      maxMs: n === 0 ? 0 : sorted[n - 1]!,
      meanMs: n === 0 ? 0 : sum / n,
      achievedRateHz: elapsed > 0 ? (n * 1000) / elapsed : 0,
      tickRateHz: this.source.tickRateHz,
    };
  }

  /** The server's totals accumulated during the window (bytes sent, snapshots sent and skipped, encodes, step ms). */
  totals(): ServerTotals {
    const now = this.endTotals ?? this.source.totals;
    const start = this.startTotals;
    return {
      bytesSent: now.bytesSent - start.bytesSent,
      snapshotsSent: now.snapshotsSent - start.snapshotsSent,
      snapshotsSkipped: now.snapshotsSkipped - start.snapshotsSkipped,
      encodes: now.encodes - start.encodes,
      stepHandlerMs: now.stepHandlerMs - start.stepHandlerMs,
    };
  }

  /** Stops recording; the figures stay readable, frozen at this moment. Idempotent. */
  end(): void {
    if (this.endedAtMs !== null) return;
    this.endedAtMs = this.source.clock.now();
    this.endTotals = { ...this.source.totals };
    this.endSkipped = this.source.skippedTicks();
    this.source.detach(this);
  }
}
