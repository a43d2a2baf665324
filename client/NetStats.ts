/** Live connection figures for a net-graph: one object per client, updated in place. */

/** Length of the window over which rates are measured, in ms. */
export const STATS_WINDOW_MS = 1000;

/**
 * What a net-graph shows. Read it at any time; the client updates its fields in place.
 *
 * @category Client
 */
export interface ClientStats {
  /** Smoothed round trip time, in ms. */
  readonly rttMs: number;
  /** Interpolation delay in effect (behind the earliest snapshot arrivals), in ms. */
  readonly interpDelayMs: number;
  /** Delay the interpolation is moving toward, in ms. */
  readonly targetInterpDelayMs: number;
  /** 95th percentile lateness of snapshot arrivals, in ms. */
  readonly jitterMs: number;
  /** Snapshots received per second over the last window. */
  readonly snapshotRateHz: number;
  /** Bytes of the last snapshot frame. */
  readonly snapshotBytes: number;
  /** Mean bytes of a snapshot frame over the last window. */
  readonly snapshotBytesAvg: number;
  /** Bytes received per second over the last window (every frame). */
  readonly bytesInPerSec: number;
  /** Bytes sent per second over the last window (every frame). */
  readonly bytesOutPerSec: number;
  /** Prediction corrections since the client was created. */
  readonly corrections: number;
  /** Size of the last correction (largest field error, in field units). */
  readonly lastCorrection: number;
  /** Corrections too large to smooth, which snapped. */
  readonly correctionSnaps: number;
  /** Times interpolation ran past the newest snapshot. */
  readonly bufferUnderruns: number;
  /** How far the last frame extrapolated, in ms (0 while interpolating). */
  readonly extrapolatedMs: number;
  /** Inputs sent and not yet acknowledged. */
  readonly pendingInputs: number;
  /** Estimated current server tick (fractional; −1 before clock sync). */
  readonly serverTick: number;
  /** Tick remote entities are drawn at (fractional; NaN before the first snapshot). */
  readonly renderTick: number;
  /** Snapshots applied since the client was created. */
  readonly snapshots: number;
  /** Snapshot bodies that failed to decode (each caused a reconnection). */
  readonly decodeFailures: number;
  /** Successful reconnections (Welcome after a disconnection). */
  readonly reconnects: number;
  /**
   * This client's inputs waiting in the server's input buffer beyond its target, smoothed over
   * snapshots (inputs; < 0: the buffer runs short). Send-time dilation brings it to 0.
   */
  readonly inputLead: number;
  /** Server ticks that ran without this client's input (the room's stand-in applied) since joining. */
  readonly missedInputs: number;
}

/** The client's mutable view of {@link ClientStats} plus the per-window counters behind the rates. */
export class NetStats {
  /** The figures, shared with readers as {@link ClientStats}. */
  readonly values: { -readonly [K in keyof ClientStats]: ClientStats[K] } = {
    rttMs: 0,
    interpDelayMs: 0,
    targetInterpDelayMs: 0,
    jitterMs: 0,
    snapshotRateHz: 0,
    snapshotBytes: 0,
    snapshotBytesAvg: 0,
    bytesInPerSec: 0,
    bytesOutPerSec: 0,
    corrections: 0,
    lastCorrection: 0,
    correctionSnaps: 0,
    bufferUnderruns: 0,
    extrapolatedMs: 0,
    pendingInputs: 0,
    serverTick: -1,
    renderTick: NaN,
    snapshots: 0,
    decodeFailures: 0,
    reconnects: 0,
    inputLead: 0,
    missedInputs: 0,
  };
  private windowStartMs = NaN;
  private snapshotsInWindow = 0;
  private snapshotBytesInWindow = 0;
  private bytesIn = 0;
  private bytesOut = 0;

  /** Counts a received frame of `bytes` bytes at `nowMs`. */
  received(nowMs: number, bytes: number): void {
    this.roll(nowMs);
    this.bytesIn += bytes;
  }

  /** Counts a sent frame of `bytes` bytes at `nowMs`. */
  sent(nowMs: number, bytes: number): void {
    this.roll(nowMs);
    this.bytesOut += bytes;
  }

  /** Counts an applied snapshot whose frame had `bytes` bytes. */
  snapshot(nowMs: number, bytes: number): void {
    this.roll(nowMs);
    this.snapshotsInWindow++;
    this.snapshotBytesInWindow += bytes;
    this.values.snapshotBytes = bytes;
    this.values.snapshots++;
  }

  /** Closes the rate window if it is over (called from every counter and each frame). */
  roll(nowMs: number): void {
    if (Number.isNaN(this.windowStartMs)) this.windowStartMs = nowMs;
    const elapsed = nowMs - this.windowStartMs;
    if (elapsed < STATS_WINDOW_MS) return;
    const v = this.values;
    v.snapshotRateHz = (this.snapshotsInWindow * 1000) / elapsed;
    v.snapshotBytesAvg = this.snapshotsInWindow === 0 ? 0 : this.snapshotBytesInWindow / this.snapshotsInWindow;
    v.bytesInPerSec = (this.bytesIn * 1000) / elapsed;
    v.bytesOutPerSec = (this.bytesOut * 1000) / elapsed;
    this.windowStartMs = nowMs;
    this.snapshotsInWindow = 0;
    this.snapshotBytesInWindow = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
  }
}
