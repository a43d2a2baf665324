/** Room types: a schema plus the game's handlers, declared once with {@link defineRoom}. */
import { type InputOf, type JoinOptions, MAX_TICK_RATE_HZ, type Schema } from '../shared/index.ts';
import { type InterestOptions, type ResolvedInterest, resolveInterest } from './interest/interestOptions.ts';
import type { LagCompensationOptions } from './LagCompensation.ts';
import type { Room } from './Room.ts';
import type { RoomClient } from './RoomClient.ts';
import {
  DEFAULT_MAX_SPECTATOR_DELAY_SEC,
  DEFAULT_MAX_SPECTATORS,
  resolveSpectatorLimits,
  type SpectatorLimits,
} from './spectate/spectatorLimits.ts';
import { DEFAULT_SPECTATOR_SNAPSHOT_RATE_HZ } from './stream/snapshotRate.ts';

export type { RoomClient } from './RoomClient.ts';
export {
  DEFAULT_MAX_SPECTATOR_DELAY_SEC,
  DEFAULT_MAX_SPECTATORS,
  DEFAULT_SPECTATOR_SNAPSHOT_RATE_HZ,
  type SpectatorLimits,
};

/** Default most clients per room. */
export const DEFAULT_MAX_CLIENTS = 64;

/**
 * The game's side of a room type. Every handler is optional; errors they throw reach the server's `onError`.
 * `G` is the type of the room's game state (`room.state`), inferred from the return type of `state`.
 *
 * A room's lifecycle: created (by the first client asking for the type, or by `server.createRoom`) →
 * `state(options)` → `onCreate` → for each client `onJoin` … `onInput` each tick … `onLeave`; each tick
 * `step` → closed (when empty, with `closeWhenEmpty`, or by `room.close()`) → `onDispose`. The state object
 * lives exactly as long as the room: a new room gets a new one, so nothing leaks from one game to the next.
 *
 * @category Server
 */
export interface RoomHandlers<S extends Schema, G = undefined> {
  /** Most clients at once (disconnected clients in their grace period count). Default {@link DEFAULT_MAX_CLIENTS}. */
  readonly maxClients?: number;
  /** Close the room when its last client left. Default true. */
  readonly closeWhenEmpty?: boolean;
  /** Most spectators at once, counted apart from `maxClients` (0: none). Default {@link DEFAULT_MAX_SPECTATORS}. */
  readonly maxSpectators?: number;
  /**
   * Longest spectator delay this room serves, seconds (memory: one quantized world per tick of it, held
   * only while a spectator asks for that long). Default {@link DEFAULT_MAX_SPECTATOR_DELAY_SEC}.
   */
  readonly maxSpectatorDelaySec?: number;
  /**
   * Snapshots per second sent to each client of this room, Hz: a divisor of the server's tick rate (at 60 Hz:
   * 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60), checked by `server.define`. The room still steps and applies
   * inputs every tick; a snapshot goes out every `tickRateHz / snapshotRateHz` ticks (clients spread over
   * those ticks), and clients widen their interpolation delay to match. One client's rate can be changed
   * with `room.setSnapshotRate(client, hz)`. Default: the server's `snapshotRateHz` (the tick rate).
   */
  readonly snapshotRateHz?: number;
  /**
   * Snapshots per second sent to each spectator, Hz: a divisor of the tick rate. Default: the largest divisor
   * of the tick rate not above {@link DEFAULT_SPECTATOR_SNAPSHOT_RATE_HZ} (20 Hz at a 60 Hz tick).
   */
  readonly spectatorSnapshotRateHz?: number;
  /**
   * Interest management: each client sees the entities near its view, within a byte budget per
   * snapshot (see `room.interest`). Without it every client sees every entity.
   */
  readonly interest?: InterestOptions<S>;
  /** World history for `room.rewind` (lag-compensated hit tests). Default: 1 s kept, rewinds capped at 250 ms. */
  readonly lagCompensation?: LagCompensationOptions;
  /**
   * Creates the room's game state (scores, timers, the round, anything not an entity), once per room before
   * `onCreate`, with the same options; the result is `room.state`, typed `G` in every handler. Owned by the
   * room and dropped with it. Without it `room.state` is undefined.
   */
  state?(options: JoinOptions): G;
  /** Called once when the room is created, with the first joiner's options (or the `createRoom` options). */
  onCreate?(room: Room<S, G>, options: JoinOptions): void;
  /** Called when a client joins (not on resume); typically spawns its entity and sets `client.entityId`. */
  onJoin?(room: Room<S, G>, client: RoomClient, options: JoinOptions): void;
  /** Called with one input per client per tick at most, in sequence order, dequantized, before `step`. */
  onInput?(room: Room<S, G>, client: RoomClient, input: InputOf<S>, dtSec: number): void;
  /**
   * What stands in for a client's input that had not arrived when its tick ran (the server's input
   * buffer ran dry: a late packet, a stall). Gets the last input applied; returns the input to apply in
   * its place (passed to `onInput`), or null to apply nothing that tick. Its seq counts as applied, so
   * the late input is dropped and adds no lasting latency; the client's prediction is corrected from the
   * next snapshot. Default: the last input again (a held key stays held). Thrown errors apply nothing.
   */
  onMissingInput?(room: Room<S, G>, client: RoomClient, last: InputOf<S>): InputOf<S> | null;
  /** Called once per tick after the inputs: the game's rules. */
  step?(room: Room<S, G>, dtSec: number): void;
  /** Called when a client left for good (clean close, kicked, or grace period over). */
  onLeave?(room: Room<S, G>, client: RoomClient): void;
  /** Called once when the room closes, after every client left. */
  onDispose?(room: Room<S, G>): void;
}

/**
 * A compiled room type: pass it to `server.define(name, type)`. Immutable. `G` is its rooms' game state type.
 *
 * @category Server
 */
export interface RoomType<S extends Schema, G = unknown> {
  /** The schema both sides share. */
  readonly schema: S;
  /** The game's handlers. */
  readonly handlers: RoomHandlers<S, G>;
  /** Capacity per room. */
  readonly maxClients: number;
  /** Whether an empty room closes. */
  readonly closeWhenEmpty: boolean;
  /** Spectator capacity and longest delay. */
  readonly spectators: SpectatorLimits;
  /** Interest options compiled against the schema, or null (every client sees everything). */
  readonly interest: ResolvedInterest | null;
  /** Snapshots per second per client, Hz, or null for the server's `snapshotRateHz`. */
  readonly snapshotRateHz: number | null;
  /** Snapshots per second per spectator, Hz, or null for the default (see the handler option). */
  readonly spectatorSnapshotRateHz: number | null;
}

/**
 * Declares a room type for `schema`. Throws at once for a bad capacity or bad interest options.
 *
 * @example
 * ```ts
 * import { defineRoom } from 'tickwave/server';
 * import { defineSchema, t } from 'tickwave/shared';
 *
 * const schema = defineSchema({
 *   entities: {
 *     ship: { x: t.float({ min: 0, max: 1000, step: 0.01 }), y: t.float({ min: 0, max: 1000, step: 0.01 }) },
 *   },
 *   input: { dx: t.int(2), dy: t.int(2) },
 * });
 *
 * export const arena = defineRoom(schema, {
 *   maxClients: 16,
 *   state: () => ({ joins: 0 }), // room.state, one per room
 *   onJoin(room, client) {
 *     client.entityId = room.spawn('ship', { x: 500, y: 500 }).id;
 *     room.state.joins++;
 *   },
 *   onInput(room, client, input, dtSec) {
 *     const ship = room.get(client.entityId, 'ship');
 *     if (ship === undefined) return;
 *     ship.x = Math.min(1000, Math.max(0, ship.x + input.dx * 200 * dtSec));
 *     ship.y = Math.min(1000, Math.max(0, ship.y + input.dy * 200 * dtSec));
 *   },
 *   onLeave(room, client) {
 *     room.despawn(client.entityId);
 *   },
 * });
 * ```
 *
 * @category Start here
 */
export function defineRoom<S extends Schema, G = undefined>(schema: S, handlers: RoomHandlers<S, G>): RoomType<S, G> {
  if (schema === null || typeof schema !== 'object' || typeof schema.hash !== 'string') {
    throw new TypeError('defineRoom: pass the compiled schema from defineSchema(...) first');
  }
  const maxClients = handlers.maxClients ?? DEFAULT_MAX_CLIENTS;
  if (!Number.isInteger(maxClients) || maxClients < 1)
    throw new RangeError(`defineRoom: maxClients must be an integer ≥ 1; got ${maxClients}`);
  const interest = handlers.interest === undefined ? null : resolveInterest(schema, handlers.interest);
  const spectators = resolveSpectatorLimits(handlers);
  const closeWhenEmpty = handlers.closeWhenEmpty ?? true;
  const snapshotRateHz = rateOption('snapshotRateHz', handlers.snapshotRateHz);
  const spectatorSnapshotRateHz = rateOption('spectatorSnapshotRateHz', handlers.spectatorSnapshotRateHz);
  return Object.freeze({
    ...{ schema, handlers, maxClients, closeWhenEmpty, interest, spectators },
    ...{ snapshotRateHz, spectatorSnapshotRateHz },
  });
}

/** A snapshot rate option: null when absent, else an integer 1–MAX_TICK_RATE_HZ (`server.define` checks the rest). */
function rateOption(name: string, hz: number | undefined): number | null {
  if (hz === undefined) return null;
  if (!Number.isInteger(hz) || hz < 1 || hz > MAX_TICK_RATE_HZ)
    throw new RangeError(`defineRoom: ${name} must be an integer from 1 to ${MAX_TICK_RATE_HZ} Hz; got ${hz}`);
  return hz;
}
