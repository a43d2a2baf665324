/**
 * A logger that writes at most one line per key per interval and reports how many it suppressed, so
 * a client spraying junk costs a line every few seconds instead of a stack trace per frame.
 */

/** Default interval between two lines with the same key, ms. */
export const DEFAULT_LOG_INTERVAL_MS = 5000;

/** Where log lines go. `console` fits. */
export interface Logger {
  /** Start-up information (the transport in use). Optional: a logger without it does not get those lines. */
  info?(message: string): void;
  /** A problem caused by a peer or the environment. */
  warn(message: string): void;
  /** A problem in the server or the game's code. */
  error(message: string): void;
}

/** Rate-limits lines by key. Time is injected. */
export class RateLimitedLog {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  /**
   * @param logger where lines go
   * @param nowMs the clock (ms)
   * @param intervalMs minimum time between two lines of one key
   */
  constructor(
    private readonly logger: Logger,
    private readonly nowMs: () => number,
    private readonly intervalMs = DEFAULT_LOG_INTERVAL_MS,
  ) {}

  /** Logs `message` at `level` unless a line with `key` was written less than the interval ago. */
  log(level: 'warn' | 'error', key: string, message: string): void {
    const now = this.nowMs();
    const entry = this.last.get(key);
    if (entry !== undefined && now - entry.atMs < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suffix = entry !== undefined && entry.suppressed > 0 ? ` (${entry.suppressed} similar suppressed)` : '';
    if (this.last.size >= 1024 && entry === undefined) this.last.clear();
    this.last.set(key, { atMs: now, suppressed: 0 });
    this.logger[level](`tickwave: ${message}${suffix}`);
  }
}
