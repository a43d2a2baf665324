/**
 * Estimates the server's clock from Ping/Pong round trips, NTP style.
 *
 * Each Pong gives one sample: rtt = now − clientTimeMs, offset = serverTimeMs + rtt/2 − now. Queueing
 * delay only ever makes a round trip longer and its offset less trustworthy, so the target offset is
 * the mean of the lowest-RTT quarter of the recent samples. The offset in use moves toward the target
 * at a bounded rate (slewing), so the estimated server time runs at 1 ± maxSlewRate of real time and
 * never goes backwards; it jumps only forward, and only for the first sample or an error over
 * `snapForwardMs`.
 */

/** Recent samples kept. */
export const DEFAULT_CLOCK_SAMPLES = 16;
/** Largest change of the offset per millisecond of real time (0.05 = time runs at 95–105 %). */
export const DEFAULT_MAX_SLEW_RATE = 0.05;
/** Pings sent quickly after connecting, to converge at once. */
export const DEFAULT_FAST_PINGS = 5;
/** Interval of the first pings, in ms. */
export const DEFAULT_FAST_PING_INTERVAL_MS = 100;
/** Interval of pings once converged, in ms. */
export const DEFAULT_PING_INTERVAL_MS = 1000;
/** An estimate this far behind its target jumps forward instead of slewing, in ms. */
export const DEFAULT_SNAP_FORWARD_MS = 1000;
/** Round trips longer than this are ignored as bogus, in ms. */
const MAX_PLAUSIBLE_RTT_MS = 30_000;

/** Options of {@link ClockSync}; every field has a default. */
export interface ClockSyncOptions {
  /** Recent samples kept. Default {@link DEFAULT_CLOCK_SAMPLES}. */
  readonly sampleCount?: number;
  /** Largest offset change per ms of real time. Default {@link DEFAULT_MAX_SLEW_RATE}. */
  readonly maxSlewRate?: number;
  /** Pings at the fast interval after connecting. Default {@link DEFAULT_FAST_PINGS}. */
  readonly fastPings?: number;
  /** Fast ping interval in ms. Default {@link DEFAULT_FAST_PING_INTERVAL_MS}. */
  readonly fastPingIntervalMs?: number;
  /** Steady ping interval in ms. Default {@link DEFAULT_PING_INTERVAL_MS}. */
  readonly pingIntervalMs?: number;
  /** Forward error above which the estimate jumps, in ms. Default {@link DEFAULT_SNAP_FORWARD_MS}. */
  readonly snapForwardMs?: number;
}

/**
 * Server clock estimator. Feed it every Pong with {@link ClockSync.onPong}; read {@link ClockSync.serverTimeMs}
 * and {@link ClockSync.serverTick}. One per client; it lives across reconnections to the same server.
 */
export class ClockSync {
  private readonly rtts: Float64Array;
  private readonly offsets: Float64Array;
  private readonly order: Float64Array;
  private readonly maxSlewRate: number;
  private readonly fastPings: number;
  private readonly fastPingIntervalMs: number;
  private readonly pingIntervalMs: number;
  private readonly snapForwardMs: number;
  private samples = 0;
  private next = 0;
  private pingsSent = 0;
  private offsetMs = 0;
  private targetOffsetMs = 0;
  private slewedAtMs = 0;
  private lastServerTimeMs = -Infinity;
  private lastServerTick = -Infinity;
  /** Server time (ms) minus tick × tick duration: the server time at which tick 0 would have started. */
  private tickOriginMs = Infinity;
  private tickMs = 1000 / 60;
  private rttSmoothMs = 0;

  /** @param options see {@link ClockSyncOptions}; throws for a non-positive count or rate. */
  constructor(options: ClockSyncOptions = {}) {
    const count = options.sampleCount ?? DEFAULT_CLOCK_SAMPLES;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`ClockSync: sampleCount must be a positive integer; got ${count}`);
    this.maxSlewRate = options.maxSlewRate ?? DEFAULT_MAX_SLEW_RATE;
    if (!(this.maxSlewRate > 0 && this.maxSlewRate < 1)) {
      throw new RangeError(
        `ClockSync: maxSlewRate must be in (0, 1) so time never runs backwards; got ${this.maxSlewRate}`,
      );
    }
    this.rtts = new Float64Array(count);
    this.offsets = new Float64Array(count);
    this.order = new Float64Array(count);
    this.fastPings = options.fastPings ?? DEFAULT_FAST_PINGS;
    this.fastPingIntervalMs = options.fastPingIntervalMs ?? DEFAULT_FAST_PING_INTERVAL_MS;
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.snapForwardMs = options.snapForwardMs ?? DEFAULT_SNAP_FORWARD_MS;
  }

  /** Sets the server's tick rate (from Welcome), which {@link ClockSync.serverTick} uses. */
  setTickRate(tickRateHz: number): void {
    const tickMs = 1000 / tickRateHz;
    if (tickMs !== this.tickMs) this.tickOriginMs = Infinity;
    this.tickMs = tickMs;
  }

  /** Records that a Ping was sent; returns the delay until the next one is due, in ms. */
  pingSent(): number {
    this.pingsSent++;
    return this.pingsSent < this.fastPings ? this.fastPingIntervalMs : this.pingIntervalMs;
  }

  /** Restarts the fast-ping phase (after a reconnection) while keeping the estimate. */
  restartPings(): void {
    this.pingsSent = 0;
  }

  /**
   * Takes one Pong. `clientTimeMs` is the time the client put in its Ping (on this clock). Returns false
   * and ignores the sample when its round trip is negative or implausibly long (a forged or stale echo).
   */
  onPong(nowMs: number, clientTimeMs: number, serverTimeMs: number, serverTick: number): boolean {
    const rtt = nowMs - clientTimeMs;
    if (!(rtt >= 0 && rtt <= MAX_PLAUSIBLE_RTT_MS) || !Number.isFinite(serverTimeMs)) return false;
    this.advance(nowMs);
    const offset = serverTimeMs + rtt / 2 - nowMs;
    this.rtts[this.next] = rtt;
    this.offsets[this.next] = offset;
    this.next = (this.next + 1) % this.rtts.length;
    const first = this.samples === 0;
    if (this.samples < this.rtts.length) this.samples++;
    this.rttSmoothMs = first ? rtt : this.rttSmoothMs + (rtt - this.rttSmoothMs) / 8;
    this.targetOffsetMs = this.bestOffset();
    if (first || this.targetOffsetMs - this.offsetMs > this.snapForwardMs) this.offsetMs = this.targetOffsetMs;
    // Tick n starts at origin + n·tickMs, so the server time of a sample minus its tick's start is
    // at least the origin; the smallest value over time is the best estimate of it.
    this.tickOriginMs = Math.min(this.tickOriginMs, serverTimeMs - serverTick * this.tickMs);
    return true;
  }

  /** True once at least one Pong was taken. */
  get synced(): boolean {
    return this.samples > 0;
  }

  /** Smoothed round trip time, in ms (0 before the first Pong). */
  get rttMs(): number {
    return this.rttSmoothMs;
  }

  /** Lowest round trip time among the recent samples, in ms (0 before the first Pong). */
  get minRttMs(): number {
    let min = Infinity;
    for (let i = 0; i < this.samples; i++) min = Math.min(min, this.rtts[i]!);
    return this.samples === 0 ? 0 : min;
  }

  /** Estimated server time at local time `nowMs`, in ms. Never smaller than a previous answer. */
  serverTimeMs(nowMs: number): number {
    this.advance(nowMs);
    const t = Math.max(nowMs + this.offsetMs, this.lastServerTimeMs);
    this.lastServerTimeMs = t;
    return t;
  }

  /** Estimated fractional server tick at local time `nowMs` (−1 before the first Pong). Never decreases. */
  serverTick(nowMs: number): number {
    if (this.samples === 0) return -1;
    const tick = Math.max((this.serverTimeMs(nowMs) - this.tickOriginMs) / this.tickMs, this.lastServerTick);
    this.lastServerTick = tick;
    return tick;
  }

  private advance(nowMs: number): void {
    const elapsed = nowMs - this.slewedAtMs;
    this.slewedAtMs = Math.max(this.slewedAtMs, nowMs);
    if (!(elapsed > 0)) return;
    const step = elapsed * this.maxSlewRate;
    const diff = this.targetOffsetMs - this.offsetMs;
    this.offsetMs += diff > step ? step : diff < -step ? -step : diff;
  }

  private bestOffset(): number {
    const n = this.samples;
    const order = this.order;
    for (let i = 0; i < n; i++) order[i] = i;
    const sub = order.subarray(0, n).sort((a, b) => this.rtts[a]! - this.rtts[b]!);
    const take = Math.max(1, Math.floor(n / 4));
    let sum = 0;
    for (let i = 0; i < take; i++) sum += this.offsets[sub[i]!]!;
    return sum / take;
  }
}
