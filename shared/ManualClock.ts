/**
 * A clock that moves only when told, for tests and deterministic simulations of the whole engine: pass
 * it as the server's `clock`, the memory transport's and the client's `now`/`schedule`/`cancel`, and
 * time passes only when the test advances it. Timers run in due order (ties in scheduling order) at
 * their due time. Its methods are bound, so `clock.now` can be passed on its own.
 */
import type { Clock, TimerHandle } from './clock.ts';

interface Timer {
  readonly atMs: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Microtask turns {@link ManualClock.settle} waits: enough for an upgrade decision and an auth promise. */
const SETTLE_TURNS = 8;

/**
 * A manual {@link Clock}: time moves only by {@link ManualClock.advance}, {@link ManualClock.flow} and
 * their `…To` forms, each running the timers that fall due in order. Owns its pending timers; holds no
 * host timer, so a test that forgets it leaves nothing running.
 *
 * @example
 * ```ts
 * import { ManualClock } from 'tickwave/shared';
 *
 * const clock = new ManualClock();
 * let fired = 0;
 * clock.schedule(() => fired++, 50);
 * clock.advance(49); // fired === 0
 * clock.advance(1); // fired === 1, clock.now() === 50
 * ```
 *
 * @category Testing
 */
export class ManualClock implements Clock {
  private timeMs: number;
  private seq = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  /** @param startMs the time the clock starts at, ms. Default 0. */
  constructor(startMs = 0) {
    this.timeMs = startMs;
    this.now = this.now.bind(this);
    this.schedule = this.schedule.bind(this);
    this.cancel = this.cancel.bind(this);
  }

  /** The current time, ms. */
  now(): number {
    return this.timeMs;
  }

  /** Runs `fn` when the clock reaches now + `delayMs` (a negative delay counts as 0). */
  schedule(fn: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { atMs: this.timeMs + Math.max(0, delayMs), seq: this.seq++, fn });
    return id;
  }

  /** Cancels a pending timer; a no-op for one that ran or was cancelled. */
  cancel(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Moves time on by `ms` without running timers (simulates work taking time inside a callback). */
  spend(ms: number): void {
    this.timeMs += ms;
  }

  /** Advances time by `ms`, running every timer that falls due, in order, at its due time. */
  advance(ms: number): void {
    this.advanceTo(this.timeMs + ms);
  }

  /** Runs every timer due up to `untilMs` in order, then sets the clock to `untilMs` (never backwards). */
  advanceTo(untilMs: number): void {
    for (let timer = this.takeDue(untilMs); timer !== null; timer = this.takeDue(untilMs)) timer.fn();
    this.timeMs = Math.max(this.timeMs, untilMs);
  }

  /**
   * Like {@link advance}, but lets promise callbacks run after every timer, as an event loop does
   * between tasks: what a test needs when connections are opened on the way (a memory transport
   * decides an upgrade in a promise callback).
   */
  flow(ms: number): Promise<void> {
    return this.flowTo(this.timeMs + ms);
  }

  /** {@link flow} up to the time `untilMs` (never backwards). */
  async flowTo(untilMs: number): Promise<void> {
    await settle();
    for (let timer = this.takeDue(untilMs); timer !== null; timer = this.takeDue(untilMs)) {
      timer.fn();
      await settle();
    }
    this.timeMs = Math.max(this.timeMs, untilMs);
  }

  /** Lets pending promise callbacks run (no time passes). */
  settle(): Promise<void> {
    return settle();
  }

  /** The delays until each pending timer, ms (for backoff tests). */
  pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.atMs - this.timeMs);
  }

  /**
   * A view of this clock whose `now()` reads `offsetMs` more, sharing its timers: a server whose clock
   * has another origin than the client's, as every real one has.
   */
  offset(offsetMs: number): Clock {
    return { now: () => this.timeMs + offsetMs, schedule: this.schedule, cancel: this.cancel };
  }

  /** Removes and returns the earliest timer due by `untilMs`, having moved the time to it; null if none. */
  private takeDue(untilMs: number): Timer | null {
    let bestId = -1;
    let best: Timer | null = null;
    for (const [id, t] of this.timers) {
      if (t.atMs > untilMs) continue;
      if (best === null || t.atMs < best.atMs || (t.atMs === best.atMs && t.seq < best.seq)) {
        best = t;
        bestId = id;
      }
    }
    if (best === null) return null;
    this.timers.delete(bestId);
    this.timeMs = Math.max(this.timeMs, best.atMs);
    return best;
  }
}

/** Resolves after {@link SETTLE_TURNS} microtask turns: pending promise callbacks have run. */
async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await Promise.resolve();
}
