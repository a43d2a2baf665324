/**
 * Snapshot rates: how often a client is sent a snapshot, as a divisor of the tick rate (the room still
 * steps and takes inputs every tick). A rate of `hz` at a tick rate of `tickRateHz` sends every
 * `tickRateHz / hz`-th tick: Colyseus's `patchRate`, Source's `cl_updaterate`.
 */

/** Default snapshot rate of spectators, Hz: the largest divisor of the tick rate not above it is used. */
export const DEFAULT_SPECTATOR_SNAPSHOT_RATE_HZ = 20;

/** The snapshot rates a tick rate allows: its divisors, ascending (60 → 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60). */
export function allowedSnapshotRates(tickRateHz: number): number[] {
  const rates: number[] = [];
  for (let hz = 1; hz <= tickRateHz; hz++) if (tickRateHz % hz === 0) rates.push(hz);
  return rates;
}

/**
 * The interval in ticks between two snapshots at `snapshotRateHz`; throws a RangeError naming `what`,
 * `option` and the allowed rates when it is not a divisor of `tickRateHz`.
 */
export function snapshotIntervalTicks(
  tickRateHz: number,
  snapshotRateHz: number,
  what: string,
  option = 'snapshotRateHz',
): number {
  if (snapshotRateHz === tickRateHz) return 1;
  if (!Number.isInteger(snapshotRateHz) || snapshotRateHz < 1 || tickRateHz % snapshotRateHz !== 0) {
    throw new RangeError(
      `${what}: ${option} must divide the tick rate ${tickRateHz} Hz ` +
        `(one of ${allowedSnapshotRates(tickRateHz).join(', ')}); got ${snapshotRateHz}`,
    );
  }
  return tickRateHz / snapshotRateHz;
}

/**
 * The spectators' snapshot rate, Hz: `option` (a room type's `spectatorSnapshotRateHz`) when set, else the
 * largest divisor of `tickRateHz` not above {@link DEFAULT_SPECTATOR_SNAPSHOT_RATE_HZ}.
 */
export function spectatorSnapshotRate(tickRateHz: number, option: number | null): number {
  if (option !== null) return option;
  let best = 1;
  for (const hz of allowedSnapshotRates(tickRateHz)) if (hz <= DEFAULT_SPECTATOR_SNAPSHOT_RATE_HZ) best = hz;
  return best;
}
