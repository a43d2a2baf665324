/**
 * A running room: the authoritative entities of one game instance, its clients, and its tick. Each
 * `step()` applies one buffered input per client, runs the game's `step`, quantizes the world once and
 * hands it to the room's snapshot stream (server/stream/SnapshotStream.ts), which sends each client
 * what it sees: all of it, or what its interest view chooses.
 */
import type { EntityOf, InputOf, JoinOptions, KindName, Schema, Snapshot, SnapshotCodec } from '../shared/index.ts';
import type { RoomHandlers, RoomType } from './defineRoom.ts';
import { type Entity, EntityStore } from './EntityStore.ts';
import type { ClientInterest } from './interest/ClientInterest.ts';
import { InterestManager } from './interest/InterestManager.ts';
import { LagCompensation, type RewoundWorld } from './LagCompensation.ts';
import type { Session } from './Session.ts';
import type { RoomClient } from './RoomClient.ts';
import type { ServerMetrics } from './ServerMetrics.ts';
import { type AllVisibleState, AllVisibleStrategy } from './stream/AllVisibleStrategy.ts';
import { SpectatorFeed } from './spectate/SpectatorFeed.ts';
import { snapshotIntervalTicks, spectatorSnapshotRate } from './stream/snapshotRate.ts';
import { SnapshotStream } from './stream/SnapshotStream.ts';
import type { StreamListener } from './stream/streamTypes.ts';
import { WorldColumns } from './worldColumns.ts';
import { quantizeEntities } from './worldQuantizer.ts';

/**
 * Where an error thrown by game code happened.
 *
 * @category Server
 */
export interface ErrorContext {
  /** The room's id. */
  readonly roomId: string;
  /** The room's tick when it happened. */
  readonly tick: number;
  /** The handler that threw. */
  readonly handler: 'state' | 'onCreate' | 'onJoin' | 'onInput' | 'step' | 'onLeave' | 'onDispose' | 'onTick';
  /** The client concerned, if any. */
  readonly client: RoomClient | null;
}

/** What a Room needs from the server that hosts it. */
export interface RoomHost {
  readonly tickRateHz: number;
  /** Snapshots per second per client of room types without their own rate, Hz (a divisor of the tick rate). */
  readonly snapshotRateHz: number;
  readonly metrics: ServerMetrics;
  /** Most bytes a client's socket may have buffered for it still to get a snapshot this tick. */
  readonly maxBufferedBytes: number;
  /** A baseline older than this many ticks is dropped and a full snapshot sent instead. */
  readonly maxBaselineAgeTicks: number;
  /** How long a disconnected client keeps its place, ms. */
  readonly resumeGraceMs: number;
  now(): number;
  reportError(err: unknown, context: ErrorContext): void;
  /** A session left the room for good. */
  sessionLeft(session: Session): void;
  /** The room closed. */
  roomClosed(room: Room<Schema>): void;
}

/**
 * A room instance. Created by the Server; the game reaches it through its handlers. `G` is the type of
 * its game state (`room.state`, made by the room type's `state` handler).
 *
 * @category Server
 */
export class Room<S extends Schema = Schema, G = unknown> {
  /** The room's tick: the number of the last completed step (0 before the first). */
  tick = 0;
  /**
   * The room's game state, made once by the room type's `state(options)` before `onCreate` (undefined
   * without one). Owned by this room: mutate it freely; a new room gets a new one.
   */
  state: G = undefined as G;
  /**
   * The world as last quantized and streamed (tick `tick`), or null before the first step. Immutable:
   * never modify it; it stays valid for as long as the caller keeps it.
   */
  get snapshot(): Snapshot | null {
    this.columns.expose(this.world);
    return this.world;
  }
  /**
   * Interest management of this room (per-client views, budgets, priority weights), or null when the
   * room type has no `interest` option and every client sees every entity.
   */
  readonly interest: InterestManager | null;
  /** The world history behind {@link Room.rewind}. */
  readonly history: LagCompensation<S>;
  /**
   * The room's spectators (`spectators.count`): clients that joined with the `spectate` option, watching
   * with no entity and no input, counted apart from {@link Room.clients} up to the type's `maxSpectators`.
   */
  readonly spectators: SpectatorFeed;
  /**
   * Snapshots per second each client of this room is sent unless {@link Room.setSnapshotRate} changed its
   * own, Hz: the room type's `snapshotRateHz`, else the server's. A divisor of the tick rate.
   */
  readonly snapshotRateHz: number;
  private readonly handlers: RoomHandlers<S, G>;
  /** The one stream every client's snapshots go through, with the strategy of this room type. */
  private readonly stream: SnapshotStream<AllVisibleState> | SnapshotStream<ClientInterest>;
  private readonly entityStore: EntityStore;
  /** The world as last quantized (what {@link Room.snapshot} hands out). */
  private world: Snapshot | null = null;
  /**
   * World value columns reused once the history ring drops them: only in interest rooms, whose stream
   * copies what it needs into its groups (the all-visible stream keeps worlds as clients' baselines).
   */
  private readonly columns = new WorldColumns();
  private readonly sessions = new Set<Session>();
  private clientList: RoomClient[] = [];
  private closed = false;
  private readonly dtSec: number;

  /** @internal created by the Server. */
  constructor(
    /** The room's unique id in this process. */
    readonly id: string,
    /** The room type's name. */
    readonly name: string,
    /** The room type. */
    readonly type: RoomType<S, G>,
    codec: SnapshotCodec,
    private readonly host: RoomHost,
  ) {
    this.handlers = type.handlers;
    this.entityStore = new EntityStore(id);
    this.dtSec = 1 / host.tickRateHz;
    this.interest = type.interest === null ? null : new InterestManager(type.schema, type.interest);
    this.snapshotRateHz = type.snapshotRateHz ?? host.snapshotRateHz;
    const interval = snapshotIntervalTicks(host.tickRateHz, this.snapshotRateHz, `room ${id}`);
    this.stream =
      this.interest === null
        ? new SnapshotStream(new AllVisibleStrategy(codec), host, codec, interval)
        : new SnapshotStream(this.interest.strategy, host, codec, interval);
    this.history = new LagCompensation(type.schema, host.tickRateHz, type.handlers.lagCompensation);
    const { metrics, maxBufferedBytes, maxBaselineAgeTicks } = host;
    const onTick = (listener: StreamListener) => this.onTick(listener);
    const snapshotRateHz = spectatorSnapshotRate(host.tickRateHz, type.spectatorSnapshotRateHz);
    const intervalTicks = snapshotIntervalTicks(host.tickRateHz, snapshotRateHz, `room ${id}`);
    const limits = { maxBufferedBytes, maxBaselineAgeTicks };
    this.spectators = new SpectatorFeed(codec, { metrics, ...limits, onTick, intervalTicks, snapshotRateHz });
  }

  /** The schema of this room's type. */
  get schema(): S {
    return this.type.schema;
  }

  /** The clients in the room, connected or within their grace period. A fresh array after each join/leave. */
  get clients(): readonly RoomClient[] {
    return this.clientList;
  }

  /** True once the room closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** True if the room has no space left. */
  get isFull(): boolean {
    return this.sessions.size >= this.type.maxClients;
  }

  /** Creates an entity of `kind` with the fields of `init`; returns the live state object (mutate it). */
  spawn<K extends KindName<S>>(kind: K, init: EntityOf<S, K>): Entity<S, K> {
    return this.entityStore.spawn(this.type.schema.kindIndex(kind), kind, init) as Entity<S, K>;
  }

  /** The entity with `id`, or undefined. Pass a kind to get it typed (undefined if it is of another kind). */
  get<K extends KindName<S>>(id: number, kind?: K): Entity<S, K> | undefined {
    return this.entityStore.get(id, kind) as Entity<S, K> | undefined;
  }

  /** Removes entity `id`; returns false if there was none. */
  despawn(id: number): boolean {
    if (!this.entityStore.despawn(id)) return false;
    this.interest?.despawned(id);
    return true;
  }

  /** Number of entities. */
  get entityCount(): number {
    return this.entityStore.size;
  }

  /** Every entity, in ascending id order. */
  entities(): IterableIterator<Entity<S, KindName<S>>> {
    return this.entityStore.states() as IterableIterator<Entity<S, KindName<S>>>;
  }

  /** Every entity of `kind`, in ascending id order. */
  entitiesOf<K extends KindName<S>>(kind: K): IterableIterator<Entity<S, K>> {
    return this.entityStore.states(this.type.schema.kindIndex(kind)) as IterableIterator<Entity<S, K>>;
  }

  /**
   * Advances one tick: drops clients whose grace period ended, applies one buffered input per client
   * (in seq order), runs the game's `step`, quantizes the world and streams snapshots. Errors thrown
   * by game code are reported and the tick carries on. The time spent in `step` is added to the server's
   * metrics (`tickwave_room_step_seconds_total`). A no-op once closed.
   */
  step(): void {
    if (this.closed) return;
    this.expireGrace();
    const tick = this.tick;
    const metrics = this.host.metrics;
    const inputsStart = this.host.now();
    const onInput = this.handlers.onInput;
    if (onInput !== undefined) {
      for (const session of this.sessions) {
        for (let n = session.inputsDue(inputsStart); n > 0; n--) {
          const value = this.nextInput(session, tick);
          if (value === null) continue;
          try {
            onInput.call(this.handlers, this, session.client, value, this.dtSec);
          } catch (err) {
            this.host.reportError(err, { roomId: this.id, tick, handler: 'onInput', client: session.client });
          }
        }
      }
    }
    const stepStart = this.host.now();
    metrics.inputsTime(stepStart - inputsStart);
    this.call('step', null, () => this.handlers.step?.(this, this.dtSec));
    const stepEnd = this.host.now();
    metrics.stepHandlerTime(stepEnd - stepStart);
    this.tick = tick + 1;
    // Phases (ServerMetrics): encode from here to the last body encoded, send from there to the end.
    metrics.encodeStarted(stepEnd);
    const snapshot = quantizeEntities(
      this.type.schema,
      this.tick,
      this.entityStore.records(),
      this.world,
      this.columns,
    );
    this.world = snapshot;
    const dropped = this.history.record(snapshot);
    try {
      this.stream.stream(snapshot);
    } finally {
      metrics.streamEnded(this.host.now());
    }
    if (dropped !== null && this.interest !== null) this.columns.release(dropped);
  }

  /**
   * Sends `client` a snapshot `hz` times per second from its next due tick on (a spectator far away, a
   * player on a slow link: 10–20 Hz), keeping what it holds, so the next frame is still a delta; the client
   * widens its interpolation delay as the snapshots arrive further apart. The rate lasts for the client's
   * session, across reconnections. Throws a RangeError when `hz` does not divide the tick rate or `client`
   * is not in this room.
   */
  setSnapshotRate(client: RoomClient, hz: number): void {
    const interval = snapshotIntervalTicks(this.host.tickRateHz, hz, 'room.setSnapshotRate');
    if (!this.stream.setInterval(client, interval))
      throw new RangeError(`room.setSnapshotRate: client ${client.id} is not in room ${this.id}`);
  }

  /** Snapshots per second `client` is sent, Hz; 0 when it is not in this room. */
  snapshotRateOf(client: RoomClient): number {
    const interval = this.stream.intervalOf(client);
    return interval === 0 ? 0 : this.host.tickRateHz / interval;
  }

  /**
   * Calls `listener` after each tick's snapshots went out, with the tick's quantized world and its
   * delta and keyframe encodings (made once per tick, on first use, apart from what clients are sent):
   * what a recorder or a spectator feed attaches to. Returns a function that removes the listener. An
   * exception it throws is reported to the server's `onError` (handler 'onTick') and the tick carries on.
   */
  onTick(listener: StreamListener): () => void {
    return this.stream.onTick((tick) => {
      this.columns.expose(tick.world);
      this.call('onTick', null, () => listener(tick));
    });
  }

  /**
   * The tick a hit test for `client` rewinds to: its view tick (the server tick it was showing with
   * its latest applied input), raised to at most `history.maxRewindTicks` (250 ms by default) before
   * the current tick. -1 before the first step.
   */
  rewindTick(client: RoomClient): number {
    return this.history.rewindTick(client.viewTick);
  }

  /**
   * Runs a hit test against the world as `client` saw it (at {@link Room.rewindTick}) and returns its
   * result; undefined before the first step. Call it from `onInput` when the input fires:
   *
   *   const hit = room.rewind(client, (at) => {
   *     const t = at.get(targetId, 'ship');
   *     return t !== undefined && near(t, aim);
   *   });
   *
   * The rewound states are dequantized copies: change the live entities (`room.get`), not them.
   */
  rewind<T>(client: RoomClient, test: (at: RewoundWorld<S>) => T): T | undefined {
    return this.history.rewind(client.viewTick, test);
  }

  /**
   * Entity `id`'s state at a past `tick` as real values (a fresh object), or undefined if not held (no cap
   * applied).
   */
  stateAt(tick: number, id: number): Record<string, unknown> | undefined {
    return this.history.stateAt(tick, id);
  }

  /** Closes the room: every client is closed with `code` and `reason` and leaves; then `onDispose` runs. */
  close(reason = 'room closed', code = 4012): void {
    if (this.closed) return;
    this.closed = true;
    for (const session of [...this.sessions]) {
      const conn = session.conn;
      this.leave(session);
      conn?.close(code, reason);
    }
    this.spectators.closeAll(code, reason);
    this.call('onDispose', null, () => this.handlers.onDispose?.(this));
    this.host.roomClosed(this as unknown as Room<Schema>);
  }

  /** @internal makes the game state, then runs onCreate (skipped if `state` threw). */
  create(options: JoinOptions): void {
    const makeState = this.handlers.state;
    if (makeState !== undefined && !this.call('state', null, () => (this.state = makeState(options)))) return;
    this.call('onCreate', null, () => this.handlers.onCreate?.(this, options));
  }

  /** @internal admits a new session; false if the game's onJoin threw (the session is then removed). */
  join(session: Session, options: JoinOptions): boolean {
    this.sessions.add(session);
    this.stream.add(session);
    this.clientList = [...this.clientList, session.client];
    const ok = this.call('onJoin', session.client, () => this.handlers.onJoin?.(this, session.client, options));
    if (!ok) this.leave(session);
    return ok;
  }

  /** @internal the session leaves for good: onLeave runs. Closes the room if it is now empty and should. */
  leave(session: Session): void {
    if (!this.sessions.delete(session)) return;
    this.clientList = this.clientList.filter((c) => c !== session.client);
    this.stream.remove(session);
    this.call('onLeave', session.client, () => this.handlers.onLeave?.(this, session.client));
    this.host.sessionLeft(session);
    if (this.sessions.size === 0 && this.type.closeWhenEmpty && !this.closed) this.close('room empty');
  }

  private expireGrace(): void {
    const deadline = this.host.now() - this.host.resumeGraceMs;
    for (const session of this.sessions) {
      if (session.conn === null && session.disconnectedAtMs <= deadline) this.leave(session);
    }
  }

  /** The input `session` applies this tick: its next one, or the game's stand-in for a missing one (or null). */
  private nextInput(session: Session, tick: number): InputOf<S> | null {
    const input = session.takeInput(tick);
    const value = this.dequantizeInput(input.values);
    const fallback = this.handlers.onMissingInput;
    if (!input.repeated || fallback === undefined) return value;
    let standIn: InputOf<S> | null = null;
    try {
      standIn = fallback.call(this.handlers, this, session.client, value);
    } catch (err) {
      this.host.reportError(err, { roomId: this.id, tick, handler: 'onInput', client: session.client });
    }
    if (standIn === null) session.skipStandIn();
    return standIn;
  }

  private dequantizeInput(values: readonly (number | string)[]): InputOf<S> {
    const out: Record<string, unknown> = {};
    const fields = this.type.schema.input;
    for (let i = 0; i < fields.length; i++) out[fields[i]!.name] = fields[i]!.dequantize(values[i]!);
    return out as InputOf<S>;
  }

  private call(handler: ErrorContext['handler'], client: RoomClient | null, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.host.reportError(err, { roomId: this.id, tick: this.tick, handler, client });
      return false;
    }
  }
}
