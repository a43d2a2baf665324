/**
 * Tickwave's client core: DOM-free, so browsers and Node bots share it. The Node `ws` adapter lives
 * in `client/node/wsSocket.ts`; Pixi rendering in `client/pixi/`.
 */
export { TickwaveClient } from './TickwaveClient.ts';
export { DEFAULT_INPUT_HOLD_TICKS, DEFAULT_MAX_PENDING_INPUTS } from './clientOptions.ts';
export type {
  AnyEntityOf,
  ClientEntity,
  PredictedEntityOf,
  PredictionOptions,
  TickwaveClientOptions,
} from './clientOptions.ts';
export { MAX_INPUTS_PER_UPDATE } from './InputSender.ts';
export type { ConnectionState } from './Connection.ts';
export { Matchmaker } from './Matchmaker.ts';
export type { MatchmakeOptions, MatchTarget, PostedJson, PostJson } from './Matchmaker.ts';
export type { SpectateOption } from './spectateOption.ts';
export {
  backoffDelayMs,
  DEFAULT_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_INITIAL_MS,
  DEFAULT_RECONNECT_MAX_MS,
  FINAL_CLOSE_CODES,
} from './backoff.ts';
export type { ReconnectPolicy } from './backoff.ts';
export {
  ClockSync,
  DEFAULT_CLOCK_SAMPLES,
  DEFAULT_FAST_PING_INTERVAL_MS,
  DEFAULT_FAST_PINGS,
  DEFAULT_MAX_SLEW_RATE,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_SNAP_FORWARD_MS,
} from './ClockSync.ts';
export type { ClockSyncOptions } from './ClockSync.ts';
export {
  DEFAULT_BUFFER_SLACK,
  DEFAULT_DELAY_SLEW_RATE,
  DEFAULT_INITIAL_DELAY_MS,
  DEFAULT_JITTER_FACTOR,
  DEFAULT_JITTER_WINDOW,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MIN_DELAY_MS,
  SnapshotBuffer,
} from './SnapshotBuffer.ts';
export type { SnapshotBufferOptions } from './SnapshotBuffer.ts';
export { DEFAULT_MAX_EXTRAPOLATION_MS, Interpolator } from './Interpolator.ts';
export type { EntitySetListener, InterpolatorOptions, RenderEntity } from './Interpolator.ts';
export { DEFAULT_SMOOTHING_MS, DEFAULT_SNAP_FRACTION, Predictor } from './Predictor.ts';
export type { PendingInput, PredictorOptions, StepFn } from './Predictor.ts';
export { NetworkConditioner, parseConditionerQuery } from './NetworkConditioner.ts';
export type { ConditionerOptions } from './NetworkConditioner.ts';
export { STATS_WINDOW_MS } from './NetStats.ts';
export type { ClientStats } from './NetStats.ts';
export { browserSocketFactory } from './browserSocket.ts';
export { resolveClock, resolveClock as resolveTimers, systemClock } from '../shared/clock.ts';
export type { CancelFn, Clock, NowFn, ScheduleFn, TimerHandle, Timers } from '../shared/clock.ts';
export { MAX_REPLAY_SPEED, MIN_REPLAY_SPEED, ReplayPlayer } from './ReplayPlayer.ts';
export type { ReplayPlayerOptions, ReplaySource } from './ReplayPlayer.ts';
export { DEFAULT_HISTORY_SECONDS, SnapshotHistory } from './SnapshotHistory.ts';
export { FragmentSource } from './FragmentSource.ts';
export type { FetchedResponse, FetchFn } from './FragmentSource.ts';
