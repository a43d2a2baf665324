export { Server } from './Server.ts';
export type { CreateRoomOptions } from './Server.ts';
export { MeasureWindow } from './MeasureWindow.ts';
export type { ServerTotals } from './MeasureWindow.ts';
export type { AuthResult, ResolvedServerOptions, ServerOptions } from './serverOptions.ts';
export type { TlsOptions } from './transport/tlsFiles.ts';
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_SEC,
  DEFAULT_MAX_BACKPRESSURE_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_BASELINE_AGE_TICKS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_MESSAGES_PER_SECOND,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_RESUME_GRACE_MS,
} from './serverOptions.ts';
export {
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_SPECTATOR_DELAY_SEC,
  DEFAULT_MAX_SPECTATORS,
  DEFAULT_SPECTATOR_SNAPSHOT_RATE_HZ,
  defineRoom,
} from './defineRoom.ts';
export { allowedSnapshotRates } from './stream/snapshotRate.ts';
export type { RoomClient, RoomHandlers, RoomType, SpectatorLimits } from './defineRoom.ts';
export type { SpectatorFeed } from './spectate/SpectatorFeed.ts';
export { Room } from './Room.ts';
export type { Entity } from './EntityStore.ts';
export type { ErrorContext } from './Room.ts';
export type { StreamListener, StreamTick } from './stream/streamTypes.ts';
export { DEFAULT_MAX_CATCH_UP_TICKS, DEFAULT_TICK_HISTORY, DEFAULT_TICK_RATE_HZ, TickLoop } from './TickLoop.ts';
export type { TickLoopOptions, TickStats } from './TickLoop.ts';
export { DEFAULT_MAX_BUFFERED_INPUTS } from './Session.ts';
export { systemClock } from '../shared/clock.ts';
export type { Clock, TimerHandle } from '../shared/clock.ts';
export type { Logger } from './RateLimitedLog.ts';
export { ServerMetrics } from './ServerMetrics.ts';
export type { MetricsRegistry, MetricsRegistryMetric } from './ServerMetrics.ts';
export { installShutdownHandlers, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './shutdown.ts';
export {
  DEFAULT_EXPIRY_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MATCHMAKE_PER_SECOND,
  DEFAULT_SEAT_TTL_MS,
} from './cluster/clusterOptions.ts';
export type { ClusterOptions } from './cluster/clusterOptions.ts';
export { MemoryDirectory } from './cluster/MemoryDirectory.ts';
export { MAX_CHANNEL_NAME_LENGTH, MemoryBus } from './cluster/MessageBus.ts';
export type { ChannelHandler, MessageBus } from './cluster/MessageBus.ts';
export { RedisBus } from './cluster/RedisBus.ts';
export type { RedisBusOptions } from './cluster/RedisBus.ts';
export {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  RedisDirectory,
} from './cluster/RedisDirectory.ts';
export type { RedisDirectoryOptions } from './cluster/RedisDirectory.ts';
export type {
  ClaimedSeat,
  Heartbeat,
  ProcessEntry,
  RoomDirectory,
  RoomEntry,
  RoomReport,
  SeatReservation,
} from './cluster/RoomDirectory.ts';
export { MAX_MATCHMAKE_BODY_BYTES } from './cluster/matchmakeRequest.ts';
export type { JsonAnswer, Listening } from './transport/Transport.ts';
export type { Closable, ShutdownOptions } from './shutdown.ts';
export { DEFAULT_CHUNK_EVERY_MS, DEFAULT_KEYFRAME_EVERY_MS, RoomRecorder } from './recording/RoomRecorder.ts';
export type { RecordingSink, RoomRecorderOptions } from './recording/RoomRecorder.ts';
export { FileSink } from './recording/FileSink.ts';
export { Recordings } from './recording/Recordings.ts';
export type { RecordableType, RecordingsOptions } from './recording/Recordings.ts';
export { DEFAULT_FRAGMENT_MS, DEFAULT_KEEP_FRAGMENTS, FragmentPublisher } from './recording/FragmentPublisher.ts';
export type { FragmentPublisherOptions } from './recording/FragmentPublisher.ts';
export {
  MemoryClientSocket,
  MemoryTransport,
  DEFAULT_MEMORY_MAX_BACKPRESSURE_BYTES,
} from './transport/MemoryTransport.ts';
export type { MemoryConnectOptions, MemoryTransportOptions } from './transport/MemoryTransport.ts';
export { UwsTransport } from './transport/UwsTransport.ts';
export type { UwsTransportOptions } from './transport/UwsTransport.ts';
export {
  DEFAULT_WS_CLOSE_TIMEOUT_MS,
  DEFAULT_WS_IDLE_TIMEOUT_SEC,
  DEFAULT_WS_MAX_BACKPRESSURE_BYTES,
  DEFAULT_WS_MAX_PAYLOAD_BYTES,
  WsTransport,
} from './transport/WsTransport.ts';
export type { WsTransportOptions } from './transport/WsTransport.ts';
export { createTransport, TRANSPORT_CHOICES } from './transport/createTransport.ts';
export type { ChosenTransport, NetworkTransportOptions, TransportChoice } from './transport/createTransport.ts';
export type {
  Connection,
  HttpRoutes,
  SendStatus,
  Transport,
  TransportHandlers,
  UpgradeDecision,
  UpgradeRequest,
} from './transport/Transport.ts';
export { InterestManager } from './interest/InterestManager.ts';
export type { ClientViewInfo, InterestStats, ViewOptions } from './interest/interestTypes.ts';
export {
  DEFAULT_BUDGET_BYTES,
  DEFAULT_CELL_SHARE,
  DEFAULT_ENTITY_WEIGHT,
  DEFAULT_VIEW_MARGIN_SHARE,
} from './interest/interestOptions.ts';
export type { InterestOptions } from './interest/interestOptions.ts';
export { DEFAULT_HISTORY_MS, DEFAULT_MAX_REWIND_MS, LagCompensation } from './LagCompensation.ts';
export type { LagCompensationOptions, RewoundWorld } from './LagCompensation.ts';
