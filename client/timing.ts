/**
 * The clock and timers the client core runs on. Injected, so tests drive the whole client from a fake
 * clock; the defaults use `globalThis.performance.now` and `globalThis.setTimeout`, which browsers and
 * Node both provide (reached through `globalThis` because the core compiles without DOM or Node types).
 */

/** A monotonic clock, in milliseconds. */
export type NowFn = () => number;
/** Runs `fn` once after `delayMs`; returns a handle for {@link CancelFn}. */
export type ScheduleFn = (fn: () => void, delayMs: number) => unknown;
/** Cancels a timer scheduled by {@link ScheduleFn}; a no-op for a timer that already ran. */
export type CancelFn = (handle: unknown) => void;

/** The clock and timers as one bundle, owned by the client and shared with its parts. */
export interface Timers {
  /** The monotonic clock, ms (any origin). */
  readonly now: NowFn;
  /** Schedules a one-shot timer, delay in ms. */
  readonly schedule: ScheduleFn;
  /** Cancels a timer from `schedule` (of this same bundle). */
  readonly cancel: CancelFn;
}

interface TimerGlobals {
  performance?: { now(): number };
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/**
 * Fills in missing clock and timer functions from the host. Throws when the host has neither the
 * injected function nor a global one (pass `now`, `schedule` and `cancel` explicitly there).
 */
export function resolveTimers(now?: NowFn, schedule?: ScheduleFn, cancel?: CancelFn): Timers {
  const g = globalThis as TimerGlobals;
  const perf = g.performance;
  const setT = g.setTimeout;
  const clearT = g.clearTimeout;
  const nowFn = now ?? (perf !== undefined ? () => perf.now() : undefined);
  const scheduleFn = schedule ?? (setT !== undefined ? (fn: () => void, ms: number) => setT(fn, ms) : undefined);
  const cancelFn = cancel ?? (clearT !== undefined ? (h: unknown) => clearT(h) : undefined);
  if (nowFn === undefined || scheduleFn === undefined || cancelFn === undefined) {
    throw new TypeError(
      'this host has no performance.now/setTimeout/clearTimeout: pass the now, schedule and cancel options',
    );
  }
  if ((schedule === undefined) !== (cancel === undefined)) {
    throw new TypeError(
      'pass both schedule and cancel, or neither: a timer from one host cannot be cancelled by another',
    );
  }
  return { now: nowFn, schedule: scheduleFn, cancel: cancelFn };
}
