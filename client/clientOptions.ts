/** The options and entity types of a TickwaveClient, with their defaults: a leaf module (types and one constant). */
import type {
  CancelFn,
  EntityOf,
  InputOf,
  JoinOptions,
  KindName,
  NowFn,
  ScheduleFn,
  Schema,
  SocketFactory,
} from '../shared/index.ts';
import type { ReconnectPolicy } from './backoff.ts';
import type { ClockSyncOptions } from './ClockSync.ts';
import type { InterpolatorOptions, RenderEntity } from './Interpolator.ts';
import type { MatchmakeOptions } from './Matchmaker.ts';
import type { PredictorOptions } from './Predictor.ts';
import type { SnapshotBufferOptions } from './SnapshotBuffer.ts';
import type { SpectateOption } from './spectateOption.ts';

/** Inputs kept unacknowledged at most; older ones are dropped (the server has lost them anyway). */
export const DEFAULT_MAX_PENDING_INPUTS = 256;
/** Default {@link TickwaveClientOptions.inputHoldTicks}: the most the protocol allows (half a second at 60 Hz). */
export const DEFAULT_INPUT_HOLD_TICKS = 30;

/** The state of any entity kind of schema `S`. */
export type AnyEntityOf<S extends Schema> = EntityOf<S, KindName<S>>;
/**
 * What a prediction's step function gets: one kind's state plus its read-only `kind` name, a union over
 * the kinds, so `if (state.kind === 'ship')` narrows it (the server's entities carry `kind` too).
 *
 * @category Client
 */
export type PredictedEntityOf<S extends Schema> = {
  [K in KindName<S>]: EntityOf<S, K> & {
    /** The entity kind's name: the discriminant. */
    readonly kind: K;
  };
}[KindName<S>];
/**
 * A drawable entity of schema `S`, as found in the client's `entities` map: a union over the kinds,
 * so checking `entity.kind` narrows `entity.state` to that kind's fields.
 *
 * @category Client
 */
export type ClientEntity<S extends Schema> = { [K in KindName<S>]: RenderEntity<EntityOf<S, K>, K> }[KindName<S>];

/**
 * Prediction settings: the shared step function, and smoothing.
 *
 * @category Client
 */
export interface PredictionOptions<S extends Schema> extends PredictorOptions {
  /**
   * The game's step function, the same code the server's onInput runs: mutates `state` by one tick of
   * `input`. With several kinds, `state.kind` tells which one it is. Declared as a method so a function
   * taking one specific kind's state fits.
   */
  apply(state: PredictedEntityOf<S>, input: InputOf<S>, dtSec: number): void;
  /** Unacknowledged inputs kept at most. Default {@link DEFAULT_MAX_PENDING_INPUTS}. */
  readonly maxPendingInputs?: number;
}

/**
 * Options of a `TickwaveClient`. Only `socketFactory`, and `url` or `matchmake`, are required.
 *
 * @category Client
 */
export interface TickwaveClientOptions<S extends Schema> {
  /** Server URL, e.g. `ws://localhost:8080/play`. Unused with `matchmake`. */
  readonly url?: string;
  /**
   * Join through matchmaking instead of `url`: before each connection the client asks any server process
   * (`POST /matchmake`) for a seat in a room of `type`, or, to resume, for its session's process.
   */
  readonly matchmake?: MatchmakeOptions;
  /** Opens sockets: `browserSocketFactory`, `wsSocketFactory` (Node), or an in-memory one in tests. */
  readonly socketFactory: SocketFactory;
  /** Room to join; null or absent lets the server choose. */
  readonly room?: string | null;
  /** Join options sent in Hello (name, team, …). */
  readonly joinOptions?: JoinOptions;
  /**
   * Seqs an input sent by `update` holds its values for on the server, 0 … `MAX_INPUT_HOLD_TICKS`
   * (30): while the sampled input stays the same, `update` sends nothing until an ack is due or half the
   * hold ran out, and the server applies the held values each tick as this client's inputs. A player
   * holding keys sends about 6 messages a second instead of one per tick. 0 sends every input. Default
   * {@link DEFAULT_INPUT_HOLD_TICKS}. `sendInput` always sends, without a hold.
   */
  readonly inputHoldTicks?: number;
  /**
   * Join as a spectator (no entity; `sendInput` and `update` send nothing): `true` for live, or
   * `{ delaySec }` to watch the world as it was that many seconds ago. Default: join as a player.
   */
  readonly spectate?: SpectateOption;
  /** Monotonic clock in ms (a Clock's `now`). Default `globalThis.performance.now`. */
  readonly now?: NowFn;
  /** Timer (a Clock's `schedule`), delay in ms. Default `globalThis.setTimeout`; pass with `cancel`. */
  readonly schedule?: ScheduleFn;
  /** Timer cancel (a Clock's `cancel`). Default `globalThis.clearTimeout`; pass with `schedule`. */
  readonly cancel?: CancelFn;
  /** Reconnection policy. */
  readonly reconnect?: ReconnectPolicy;
  /** Most entities a snapshot may hold before it is rejected as hostile. Default 65,536. */
  readonly maxEntities?: number;
  /** Interpolation delay bounds, jitter adaptation and extrapolation. */
  readonly interpolation?: SnapshotBufferOptions & InterpolatorOptions;
  /** Clock sync settings. */
  readonly clock?: ClockSyncOptions;
  /** Prediction of the local entity (Welcome.entityId); without it every entity is interpolated. */
  readonly prediction?: PredictionOptions<S>;
}
