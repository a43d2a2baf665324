/** Time and timers for the server, injected so tests can drive the engine without real timers. */
import { performance } from 'node:perf_hooks';

/** An opaque handle returned by {@link Clock.schedule}. */
export type TimerHandle = unknown;

/**
 * A monotonic clock and a one-shot timer. The server, its tick loop and the memory transport all take
 * one; the default is `performance.now()` with `setTimeout`.
 */
export interface Clock {
  /** Monotonic time in milliseconds (any origin). */
  now(): number;
  /** Calls `fn` once, about `delayMs` from now. */
  schedule(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a pending `schedule`; a no-op for a timer that already ran. */
  cancel(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and `setTimeout`/`clearTimeout`. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  schedule: (fn: () => void, delayMs: number): TimerHandle => setTimeout(fn, Math.max(0, delayMs)),
  cancel: (handle: TimerHandle): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
