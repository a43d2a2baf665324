/** A room type's spectator limits: how many may watch at once and how far behind the room they may ask to be. */
import { MAX_SPECTATE_DELAY_SEC } from '../../shared/index.ts';

/** Default most spectators per room, counted apart from its players. */
export const DEFAULT_MAX_SPECTATORS = 32;
/** Default longest spectator delay a room serves, in seconds. */
export const DEFAULT_MAX_SPECTATOR_DELAY_SEC = 120;

/**
 * A room type's resolved spectator limits (see `maxSpectators` and `maxSpectatorDelaySec` of the room
 * type's handlers).
 *
 * @category Server
 */
export interface SpectatorLimits {
  /** Most spectators at once (0: spectating is refused with 4016). */
  readonly max: number;
  /** Longest delay served, seconds; a Hello asking for more is refused with 4002. */
  readonly maxDelaySec: number;
}

/** Checks and fills in the spectator limits of a room type's handlers; throws a RangeError for a bad value. */
export function resolveSpectatorLimits(handlers: {
  readonly maxSpectators?: number;
  readonly maxSpectatorDelaySec?: number;
}): SpectatorLimits {
  const max = handlers.maxSpectators ?? DEFAULT_MAX_SPECTATORS;
  if (!Number.isInteger(max) || max < 0)
    throw new RangeError(`defineRoom: maxSpectators must be an integer ≥ 0; got ${max}`);
  const maxDelaySec = handlers.maxSpectatorDelaySec ?? DEFAULT_MAX_SPECTATOR_DELAY_SEC;
  if (!(typeof maxDelaySec === 'number' && maxDelaySec >= 0 && maxDelaySec <= MAX_SPECTATE_DELAY_SEC)) {
    throw new RangeError(
      `defineRoom: maxSpectatorDelaySec must be from 0 to ${MAX_SPECTATE_DELAY_SEC}; got ${maxDelaySec}`,
    );
  }
  return { max, maxDelaySec };
}
