/** The client's `spectate` option and the join options it becomes in the Hello. */
import { type JoinOptions, MAX_SPECTATE_DELAY_SEC, SPECTATE_OPTION } from '../shared/index.ts';

/**
 * Join as a spectator: `true` to watch live, or `{ delaySec }` to watch the world as it was `delaySec`
 * seconds ago (anti-ghosting; 0 to {@link MAX_SPECTATE_DELAY_SEC}, and at most the room type's
 * `maxSpectatorDelaySec`). A spectator has no entity and sends no input.
 *
 * @category Client
 */
export type SpectateOption =
  | boolean
  | {
      /** How far behind the room to watch, in seconds. */
      readonly delaySec: number;
    };

/**
 * `joinOptions` with the reserved spectate key added when `spectate` asks for it; throws a RangeError for a
 * delay outside 0–{@link MAX_SPECTATE_DELAY_SEC} seconds (the server would refuse the Hello).
 */
export function spectateJoinOptions(joinOptions: JoinOptions, spectate: SpectateOption | undefined): JoinOptions {
  if (spectate === undefined || spectate === false) return joinOptions;
  const delaySec = spectate === true ? 0 : spectate.delaySec;
  if (!(typeof delaySec === 'number' && delaySec >= 0 && delaySec <= MAX_SPECTATE_DELAY_SEC))
    throw new RangeError(`spectate.delaySec must be from 0 to ${MAX_SPECTATE_DELAY_SEC}; got ${delaySec}`);
  return { ...joinOptions, [SPECTATE_OPTION]: delaySec };
}
