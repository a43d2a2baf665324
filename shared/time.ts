/** Tick and time arithmetic shared by server, client and bots. Ticks are integers; times in ms. */

/** Lowest tick rate the engine supports, in Hz. */
export const MIN_TICK_RATE_HZ = 10;
/** Highest tick rate the engine supports, in Hz. */
export const MAX_TICK_RATE_HZ = 120;

/** Duration of one tick in milliseconds. Throws for a rate outside 10–120 Hz. */
export function tickDurationMs(tickRateHz: number): number {
  if (!Number.isFinite(tickRateHz) || tickRateHz < MIN_TICK_RATE_HZ || tickRateHz > MAX_TICK_RATE_HZ) {
    throw new RangeError(`tick rate ${tickRateHz} Hz is outside ${MIN_TICK_RATE_HZ}–${MAX_TICK_RATE_HZ} Hz`);
  }
  return 1000 / tickRateHz;
}

/** When tick `tick` is due, for a loop that started tick 0 at `startMs`: no drift, t0 + n·dt. */
export function tickDueMs(startMs: number, tick: number, tickRateHz: number): number {
  return startMs + (tick * 1000) / tickRateHz;
}

/** The (fractional) tick at time `timeMs`, for a loop that started tick 0 at `startMs`. */
export function tickAtMs(startMs: number, timeMs: number, tickRateHz: number): number {
  return ((timeMs - startMs) * tickRateHz) / 1000;
}
