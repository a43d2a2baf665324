/**
 * In-page timing of the client's work per frame: snapshot handling (decode, buffering, reconciliation —
 * timed around the socket's message handler) and `client.frame()` (interpolation and smoothing), plus
 * the frame rate. Read through the debug hook by the browser tests and the stress measurement.
 */
import type { ClientSocket, SocketFactory } from '../../shared/index.ts';

/** Frames kept for the summary. */
const WINDOW_FRAMES = 600;

/** Figures over the last frames (up to {@link WINDOW_FRAMES}); times in ms. */
export interface PerfSummary {
  readonly frames: number;
  readonly fps: number;
  readonly frameIntervalMsP95: number;
  readonly decodeMsPerFrameMean: number;
  readonly interpolateMsMean: number;
  readonly clientMsPerFrameMean: number;
  readonly clientMsPerFrameP95: number;
  readonly drawMsMean: number;
}

/** Wraps a socket factory so the time spent in each message handler is reported to `record` (ms). */
export function timedSocketFactory(inner: SocketFactory, record: (ms: number) => void): SocketFactory {
  return (url, protocol) => {
    const socket = inner(url, protocol);
    const timed: ClientSocket = {
      onopen: null,
      onmessage: null,
      onclose: null,
      send: (data) => socket.send(data),
      close: (code, reason) => socket.close(code, reason),
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
    };
    socket.onopen = () => timed.onopen?.();
    socket.onclose = (code, reason) => timed.onclose?.(code, reason);
    socket.onmessage = (data) => {
      const start = performance.now();
      timed.onmessage?.(data);
      record(performance.now() - start);
    };
    return timed;
  };
}

/** Rolling per-frame timings. One per page. */
export class FramePerf {
  private readonly at = new Float64Array(WINDOW_FRAMES);
  private readonly decode = new Float64Array(WINDOW_FRAMES);
  private readonly interpolate = new Float64Array(WINDOW_FRAMES);
  private readonly draw = new Float64Array(WINDOW_FRAMES);
  private head = 0;
  private count = 0;
  private pendingDecodeMs = 0;

  /** Adds message handling time to the frame in progress. */
  readonly recordDecode = (ms: number): void => {
    this.pendingDecodeMs += ms;
  };

  /**
   * Closes a frame started at `nowMs` that spent `interpolateMs` in client.frame and `drawMs` in views and
   * rendering.
   */
  endFrame(nowMs: number, interpolateMs: number, drawMs: number): void {
    const i = this.head;
    this.at[i] = nowMs;
    this.decode[i] = this.pendingDecodeMs;
    this.interpolate[i] = interpolateMs;
    this.draw[i] = drawMs;
    this.pendingDecodeMs = 0;
    this.head = (i + 1) % WINDOW_FRAMES;
    this.count = Math.min(this.count + 1, WINDOW_FRAMES);
  }

  /** Forgets every frame (start a measurement). */
  reset(): void {
    this.count = 0;
    this.pendingDecodeMs = 0;
  }

  /** The figures over the frames kept. */
  summary(): PerfSummary {
    const n = this.count;
    const idx = (k: number): number => (this.head - n + k + WINDOW_FRAMES) % WINDOW_FRAMES;
    const intervals: number[] = [];
    const client: number[] = [];
    let decode = 0;
    let interpolate = 0;
    let draw = 0;
    for (let k = 0; k < n; k++) {
      const i = idx(k);
      if (k > 0) intervals.push(this.at[i]! - this.at[idx(k - 1)]!);
      decode += this.decode[i]!;
      interpolate += this.interpolate[i]!;
      draw += this.draw[i]!;
      client.push(this.decode[i]! + this.interpolate[i]!);
    }
    const spanMs = n > 1 ? this.at[idx(n - 1)]! - this.at[idx(0)]! : 0;
    return {
      frames: n,
      fps: spanMs > 0 ? ((n - 1) * 1000) / spanMs : 0,
      frameIntervalMsP95: percentile(intervals, 0.95),
      decodeMsPerFrameMean: n > 0 ? decode / n : 0,
      interpolateMsMean: n > 0 ? interpolate / n : 0,
      clientMsPerFrameMean: n > 0 ? (decode + interpolate) / n : 0,
      clientMsPerFrameP95: percentile(client, 0.95),
      drawMsMean: n > 0 ? draw / n : 0,
    };
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(p * values.length))]!;
}
