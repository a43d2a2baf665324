/**
 * Time and timers, injected everywhere so tests drive the whole engine (server, transports, client)
 * from one fake clock. The system default reaches `performance.now`, `setTimeout` and `clearTimeout`
 * through `globalThis`, which browsers and Node both provide (shared/ compiles without DOM or Node types).
 */

/** An opaque handle returned by {@link Clock.schedule}; only the same clock's `cancel` understands it. */
export type TimerHandle = unknown;

/**
 * A monotonic clock and a one-shot timer. The server, its tick loop, the memory transport and the
 * client all take one; the default is {@link systemClock}.
 */
export interface Clock {
  /** Monotonic time in milliseconds (any origin). */
  now(): number;
  /** Calls `fn` once, about `delayMs` milliseconds from now (a negative delay counts as 0). */
  schedule(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a pending `schedule` of this clock; a no-op for a timer that already ran or was cancelled. */
  cancel(handle: TimerHandle): void;
}

/** {@link Clock.now} as a standalone function: monotonic time in ms (the client's `now` option). */
export type NowFn = () => number;
/** {@link Clock.schedule} as a standalone function: delay in ms (the client's `schedule` option). */
export type ScheduleFn = (fn: () => void, delayMs: number) => TimerHandle;
/** {@link Clock.cancel} as a standalone function (the client's `cancel` option). */
export type CancelFn = (handle: TimerHandle) => void;

/**
 * The clock as the client's parts see it: the same thing as a {@link Clock}.
 * @deprecated use {@link Clock}; kept so code written against the client's old name compiles.
 */
export type Timers = Clock;

interface TimerGlobals {
  performance?: { now(): number };
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

const host = globalThis as TimerGlobals;

/**
 * The real clock: `performance.now()` and `setTimeout`/`clearTimeout` of the host, looked up when
 * called. Frozen; shared by every user. On a host without them, use {@link resolveClock} to get a
 * clear error at construction instead of at the first call.
 */
export const systemClock: Clock = Object.freeze({
  now: (): number => host.performance!.now(),
  schedule: (fn: () => void, delayMs: number): TimerHandle => host.setTimeout!(fn, Math.max(0, delayMs)),
  cancel: (handle: TimerHandle): void => host.clearTimeout!(handle),
});

/**
 * A clock from optional parts, each missing one taken from the host (as {@link systemClock} does).
 * Throws a TypeError when the host lacks a part that was not passed, or when only one of `schedule`
 * and `cancel` is passed (a timer from one host cannot be cancelled by another). The returned clock
 * is a fresh object owned by the caller; its functions need no `this`.
 */
export function resolveClock(now?: NowFn, schedule?: ScheduleFn, cancel?: CancelFn): Clock {
  const perf = host.performance;
  const setT = host.setTimeout;
  const clearT = host.clearTimeout;
  const nowFn = now ?? (perf !== undefined ? () => perf.now() : undefined);
  const scheduleFn =
    schedule ?? (setT !== undefined ? (fn: () => void, ms: number) => setT(fn, Math.max(0, ms)) : undefined);
  const cancelFn = cancel ?? (clearT !== undefined ? (h: TimerHandle) => clearT(h) : undefined);
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
