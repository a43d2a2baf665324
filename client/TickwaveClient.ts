/**
 * The Tickwave client: connects, keeps the server clock, buffers and interpolates snapshots, predicts
 * the entities this client controls, and exposes one persistent map of drawable entities. DOM-free:
 * the same class drives a browser game and a headless load-test bot.
 *
 * The host owns the loop. Per animation frame:
 *   client.update(now, sampleInput)   // sends inputs at the tick rate, predicting each one at once
 *   client.frame(now)                 // interpolates remote entities, smooths predicted ones
 *   for (const e of client.entities.values()) draw(e)
 */
import {
  ACK_EVERY_SNAPSHOTS,
  CloseCode,
  type EntityOf,
  type InputOf,
  type JoinOptions,
  type KindName,
  MAX_TICK_RATE_HZ,
  MIN_TICK_RATE_HZ,
  MsgKind,
  type Schema,
  type Snapshot,
  SnapshotCodec,
  GroupedDecoder,
  type Result,
  type SnapshotMsg,
  type SocketFactory,
  type WelcomeMsg,
} from '../shared/index.ts';
import type { ReconnectPolicy } from './backoff.ts';
import { ClockSync, type ClockSyncOptions } from './ClockSync.ts';
import { Connection, type ConnectionState, toError } from './Connection.ts';
import { type EntitySetListener, Interpolator, type InterpolatorOptions, type RenderEntity } from './Interpolator.ts';
import { type ClientStats, NetStats } from './NetStats.ts';
import { PredictedEntities } from './PredictedEntities.ts';
import type { PredictorOptions } from './Predictor.ts';
import { Signal } from './Signal.ts';
import { SnapshotBuffer, type SnapshotBufferOptions } from './SnapshotBuffer.ts';
import { type CancelFn, type Clock, type NowFn, resolveClock, type ScheduleFn } from '../shared/clock.ts';

/** Inputs kept unacknowledged at most; older ones are dropped (the server has lost them anyway). */
export const DEFAULT_MAX_PENDING_INPUTS = 256;
/** Inputs `update` sends at most per call when the host fell behind; the rest are skipped. */
export const MAX_INPUTS_PER_UPDATE = 5;

/** The state of any entity kind of schema `S`. */
export type AnyEntityOf<S extends Schema> = EntityOf<S, KindName<S>>;
/**
 * A drawable entity of schema `S`, as found in {@link TickwaveClient.entities}: a union over the kinds,
 * so checking `entity.kind` narrows `entity.state` to that kind's fields.
 */
export type ClientEntity<S extends Schema> = { [K in KindName<S>]: RenderEntity<EntityOf<S, K>, K> }[KindName<S>];

/** Prediction settings: the shared step function, and smoothing. */
export interface PredictionOptions<S extends Schema> extends PredictorOptions {
  /**
   * The game's step function, the same code the server's onInput runs: mutates `state` by one tick of
   * `input`. Declared as a method so a function taking one specific kind's state fits.
   */
  apply(state: AnyEntityOf<S>, input: InputOf<S>, dtSec: number): void;
  /** Unacknowledged inputs kept at most. Default {@link DEFAULT_MAX_PENDING_INPUTS}. */
  readonly maxPendingInputs?: number;
}

/** Options of {@link TickwaveClient}. Only `url` and `socketFactory` are required. */
export interface TickwaveClientOptions<S extends Schema> {
  /** Server URL, e.g. `ws://localhost:8080/play`. */
  readonly url: string;
  /** Opens sockets: `browserSocketFactory`, `wsSocketFactory` (Node), or an in-memory one in tests. */
  readonly socketFactory: SocketFactory;
  /** Room to join; null or absent lets the server choose. */
  readonly room?: string | null;
  /** Join options sent in Hello (name, team, …). */
  readonly joinOptions?: JoinOptions;
  /** Monotonic clock in ms. Default `globalThis.performance.now`. */
  readonly now?: NowFn;
  /** Timer. Default `globalThis.setTimeout`; pass with `cancel`. */
  readonly schedule?: ScheduleFn;
  /** Timer cancel. Default `globalThis.clearTimeout`; pass with `schedule`. */
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

/** A Tickwave game client for schema `S`. Create one per connection; `close()` ends it. */
export class TickwaveClient<S extends Schema> {
  /** The server clock estimate (rtt, server time, server tick). */
  readonly clock: ClockSync;
  /** Live figures for a net-graph, updated in place. */
  readonly stats: ClientStats;
  private readonly timers: Clock;
  private readonly codec: SnapshotCodec;
  private readonly grouped: GroupedDecoder;
  private readonly connection: Connection;
  private readonly buffer: SnapshotBuffer;
  private readonly interpolator: Interpolator;
  private readonly net = new NetStats();
  private readonly drawn = new Map<number, RenderEntity>();
  private readonly predicted: PredictedEntities | null;
  private readonly maxEntities: number | undefined;
  private readonly listener: EntitySetListener;
  private readonly isPredicted: (id: number) => boolean;
  private welcomeMsg: WelcomeMsg | null = null;
  private tickMs = 1000 / 60;
  private inputSeq = 0;
  private nextInputAtMs = NaN;
  private pingTimer: unknown = null;
  private renderTickNow = NaN;
  private snapshotsSinceAck = 0;
  private readonly welcomeSignal: Signal<[WelcomeMsg]>;
  private readonly snapshotSignal: Signal<[Snapshot, number]>;
  private readonly addedSignal: Signal<[number, KindName<S>]>;
  private readonly removedSignal: Signal<[number]>;
  private readonly disconnectSignal: Signal<[number, string, boolean]>;
  private readonly reconnectSignal: Signal<[WelcomeMsg]>;
  private readonly sessionLostSignal: Signal<[number, string]>;
  private readonly errorSignal: Signal<[Error]>;

  /** @param schema the schema shared with the server (its hash is checked in the handshake). */
  constructor(
    readonly schema: S,
    options: TickwaveClientOptions<S>,
  ) {
    if (typeof options?.url !== 'string' || typeof options.socketFactory !== 'function') {
      throw new TypeError(
        'TickwaveClient: pass { url, socketFactory }, ' +
          'e.g. { url: "ws://host:port", socketFactory: browserSocketFactory }',
      );
    }
    this.timers = resolveClock(options.now, options.schedule, options.cancel);
    this.codec = new SnapshotCodec(schema);
    this.grouped = new GroupedDecoder(schema);
    this.clock = new ClockSync(options.clock);
    this.buffer = new SnapshotBuffer(options.interpolation);
    this.interpolator = new Interpolator(schema, options.interpolation);
    this.stats = this.net.values;
    this.maxEntities = options.maxEntities;
    const swallow = (): void => {};
    const report = (err: unknown): void => this.errorSignal.emit(toError(err, 'a handler threw'));
    this.errorSignal = new Signal(swallow);
    this.welcomeSignal = new Signal(report);
    this.snapshotSignal = new Signal(report);
    this.addedSignal = new Signal(report);
    this.removedSignal = new Signal(report);
    this.disconnectSignal = new Signal(report);
    this.reconnectSignal = new Signal(report);
    this.sessionLostSignal = new Signal(report);
    this.listener = {
      added: (e) => this.addedSignal.emit(e.id, e.kind as KindName<S>),
      removed: (id) => this.removedSignal.emit(id),
    };
    const prediction = options.prediction;
    this.predicted =
      prediction === undefined
        ? null
        : new PredictedEntities(
            schema,
            prediction.apply.bind(prediction) as (
              state: Record<string, unknown>,
              input: Record<string, unknown>,
              dtSec: number,
            ) => void,
            prediction,
            prediction.maxPendingInputs ?? DEFAULT_MAX_PENDING_INPUTS,
            this.drawn,
            {
              added: (id, kind) => this.addedSignal.emit(id, kind as KindName<S>),
              removed: (id) => this.removedSignal.emit(id),
              error: report,
            },
          );
    this.isPredicted = this.predicted?.has ?? (() => false);
    this.connection = new Connection(
      {
        url: options.url,
        socketFactory: options.socketFactory,
        schemaHash: schema.hash,
        room: options.room ?? null,
        joinOptions: options.joinOptions ?? {},
        reconnect: options.reconnect ?? {},
      },
      this.timers,
      this.net,
      {
        welcome: (msg, resumed) => this.handleWelcome(msg, resumed),
        sessionLost: (code, reason) => this.sessionLostSignal.emit(code, reason),
        snapshot: (msg, bytes) => this.handleSnapshot(msg, bytes),
        pong: (msg) => {
          this.clock.onPong(this.timers.now(), msg.clientTimeMs, msg.serverTimeMs, msg.serverTick);
        },
        disconnect: (code, reason, willReconnect) => this.handleDisconnect(code, reason, willReconnect),
        error: report,
      },
    );
  }

  /** Opens the connection (Hello, then Welcome). Call once; reconnections are automatic. */
  connect(): void {
    this.connection.connect();
  }

  /** Closes the connection with 1000 and stops reconnecting. Idempotent. */
  close(): void {
    this.stopPings();
    this.connection.close(CloseCode.Normal, 'client closed');
  }

  /** Where the connection is: idle, connecting, handshaking, joined, waiting (to reconnect) or closed. */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The last Welcome (room, client id, tick rate, local entity id), or null before joining. */
  get welcome(): WelcomeMsg | null {
    return this.welcomeMsg;
  }

  /** Drawable entities by id. The map and its entities are persistent and updated in place by {@link frame}. */
  get entities(): ReadonlyMap<number, ClientEntity<S>> {
    return this.drawn as unknown as ReadonlyMap<number, ClientEntity<S>>;
  }

  /** The newest decoded snapshot (immutable), or null. */
  get latestSnapshot(): Snapshot | null {
    return this.buffer.newest;
  }

  /** The delay before the current reconnection attempt, in ms (for status displays and tests). */
  get reconnectDelayMs(): number {
    return this.connection.lastReconnectDelayMs;
  }

  /** Reconnection attempts since the last Welcome. */
  get reconnectAttempt(): number {
    return this.connection.attempt;
  }

  /** The predicted (unsmoothed) state of a predicted entity, or null. Owned by the client; do not mutate. */
  predictedState(id: number): Readonly<AnyEntityOf<S>> | null {
    return (this.predicted?.state(id) ?? null) as AnyEntityOf<S> | null;
  }

  /**
   * Opts entity `id` into prediction with the same inputs as the local entity (a vehicle the player
   * drives, say). Throws without `prediction` options.
   */
  predictEntity(id: number): void {
    if (this.predicted === null)
      throw new Error('predictEntity: pass prediction: { apply } in the client options first');
    this.predicted.add(id);
  }

  /**
   * Samples and sends inputs at the server's tick rate: call every animation frame with the current
   * time; `sampleInput` is called once per tick due. Returns the number of inputs sent.
   */
  update(nowMs: number, sampleInput: () => InputOf<S>): number {
    if (this.connection.state !== 'joined') {
      this.nextInputAtMs = NaN;
      return 0;
    }
    if (Number.isNaN(this.nextInputAtMs)) this.nextInputAtMs = nowMs;
    let sent = 0;
    while (nowMs >= this.nextInputAtMs && sent < MAX_INPUTS_PER_UPDATE) {
      this.sendInput(sampleInput());
      this.nextInputAtMs += this.tickMs;
      sent++;
    }
    // A host that stalled (a hidden tab) skips the missed ticks instead of sending a burst.
    if (nowMs >= this.nextInputAtMs) this.nextInputAtMs = nowMs + this.tickMs;
    return sent;
  }

  /**
   * Sends one tick of input (quantized to the schema) and applies it at once to the predicted entities.
   * Returns false, sending nothing, when not joined. Prefer {@link update}, which keeps the tick rate.
   */
  sendInput(input: InputOf<S>): boolean {
    if (this.connection.state !== 'joined') return false;
    const fields = this.schema.input;
    const raw = input as Record<string, unknown>;
    const values = new Array<number | string>(fields.length);
    const real: Record<string, unknown> = {};
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      const q = field.quantize(raw[field.name]);
      values[f] = q;
      real[field.name] = field.dequantize(q);
    }
    const seq = this.inputSeq++;
    const viewTick = Number.isNaN(this.renderTickNow) ? 0 : Math.max(0, Math.floor(this.renderTickNow));
    this.connection.send({ kind: MsgKind.Input, seq, viewTick, values });
    this.predicted?.input(seq, real);
    return true;
  }

  /**
   * Brings every drawable entity to local time `nowMs`: remote ones interpolated at the render tick,
   * predicted ones at their smoothed prediction. Returns {@link entities}. Allocates nothing per entity
   * except when one appears.
   */
  frame(nowMs: number): ReadonlyMap<number, ClientEntity<S>> {
    this.net.roll(nowMs);
    const renderTick = this.buffer.renderTick(nowMs);
    this.renderTickNow = renderTick;
    this.interpolator.draw(this.buffer, renderTick, this.tickMs, this.drawn, this.isPredicted, this.listener);
    this.predicted?.smooth(nowMs);
    const v = this.net.values;
    v.rttMs = this.clock.rttMs;
    v.interpDelayMs = this.buffer.delayMs;
    v.targetInterpDelayMs = this.buffer.targetDelay;
    v.jitterMs = this.buffer.jitterMs;
    v.bufferUnderruns = this.interpolator.underruns;
    v.extrapolatedMs = this.interpolator.extrapolatedMs;
    v.pendingInputs = this.predicted?.pending.length ?? 0;
    v.corrections = this.predicted?.corrections ?? 0;
    v.lastCorrection = this.predicted?.lastCorrection ?? 0;
    v.correctionSnaps = this.predicted?.snaps ?? 0;
    v.serverTick = this.clock.serverTick(nowMs);
    v.renderTick = renderTick;
    return this.entities;
  }

  /** Called after the server accepted this client into a room (also after each resume). */
  onWelcome(handler: (welcome: WelcomeMsg) => void): () => void {
    return this.welcomeSignal.on(handler);
  }

  /** Called with each applied snapshot (immutable) and the last input sequence the server applied (−1 for none). */
  onSnapshot(handler: (snapshot: Snapshot, lastInputSeq: number) => void): () => void {
    return this.snapshotSignal.on(handler);
  }

  /** Called when an entity appears on screen (from {@link frame}, or at once for predicted entities). */
  onEntityAdded(handler: (id: number, kind: KindName<S>) => void): () => void {
    return this.addedSignal.on(handler);
  }

  /** Called when an entity leaves the screen. */
  onEntityRemoved(handler: (id: number) => void): () => void {
    return this.removedSignal.on(handler);
  }

  /** Called when the connection closes, with the code, the reason, and whether a reconnection follows. */
  onDisconnect(handler: (code: number, reason: string, willReconnect: boolean) => void): () => void {
    return this.disconnectSignal.on(handler);
  }

  /** Called when a reconnection resumed the session (a Welcome after a disconnection, same player). */
  onReconnect(handler: (welcome: WelcomeMsg) => void): () => void {
    return this.reconnectSignal.on(handler);
  }

  /**
   * Called when the server refused to resume the session (close code 4008: the server restarted, or
   * the resume grace period ran out). Unless `reconnect.rejoinWhenSessionLost` is false, the client
   * then joins afresh as a new player: the next `onWelcome` brings a new client id and entity, and
   * every entity of the old world is removed first (`onEntityRemoved`). Reset game state kept per
   * player here.
   */
  onSessionLost(handler: (code: number, reason: string) => void): () => void {
    return this.sessionLostSignal.on(handler);
  }

  /**
   * Called with errors: undecodable server data (before reconnecting), and errors thrown by handlers or the step
   * function.
   */
  onError(handler: (error: Error) => void): () => void {
    return this.errorSignal.on(handler);
  }

  private handleWelcome(msg: WelcomeMsg, resumed: boolean): void {
    if (!(msg.tickRateHz >= MIN_TICK_RATE_HZ && msg.tickRateHz <= MAX_TICK_RATE_HZ)) {
      this.connection.fail(
        CloseCode.OutOfRange,
        `Welcome tick rate ${msg.tickRateHz} Hz is outside ${MIN_TICK_RATE_HZ}–${MAX_TICK_RATE_HZ}`,
      );
      return;
    }
    const prev = this.welcomeMsg;
    const newest = this.buffer.newest;
    // A fresh join after a lost session, another room, tick rate or entity, or a server tick behind
    // what this client already holds (the room or the server started over): what the client holds
    // belongs to another world.
    if (
      (prev !== null &&
        (!resumed ||
          prev.roomId !== msg.roomId ||
          prev.tickRateHz !== msg.tickRateHz ||
          prev.entityId !== msg.entityId)) ||
      (newest !== null && msg.serverTick < newest.tick)
    )
      this.resetWorld();
    this.welcomeMsg = msg;
    this.tickMs = 1000 / msg.tickRateHz;
    this.clock.setTickRate(msg.tickRateHz);
    this.buffer.setTickRate(msg.tickRateHz);
    if (msg.entityId >= 0) this.predicted?.add(msg.entityId);
    this.predicted?.setTickRate(msg.tickRateHz);
    this.clock.restartPings();
    this.ping();
    this.welcomeSignal.emit(msg);
    if (resumed) {
      this.net.values.reconnects++;
      this.reconnectSignal.emit(msg);
    }
  }

  private handleSnapshot(msg: SnapshotMsg, frameBytes: number): void {
    const now = this.timers.now();
    // A grouped body applies to the groups the decoder holds; a plain one to a snapshot in the buffer.
    const grouped = msg.kind === MsgKind.GroupSnapshot;
    const baseline = grouped || msg.baseTick < 0 ? null : this.buffer.get(msg.baseTick);
    const newest = this.buffer.newest;
    const limits = { maxEntities: this.maxEntities };
    let reason: string | null = null;
    if (!grouped && msg.baseTick >= 0 && baseline === null) reason = `its baseline tick ${msg.baseTick} is not held`;
    else if (newest !== null && msg.tick <= newest.tick) reason = `tick ${msg.tick} is not after ${newest.tick}`;
    let decoded: Result<Snapshot> | null = null;
    if (reason === null)
      decoded = grouped
        ? this.grouped.decode(msg.tick, msg.baseTick, msg.body, limits)
        : this.codec.decode(baseline, msg.tick, msg.body, limits);
    if (decoded === null || !decoded.ok) {
      // Never carry on with a state that may be wrong: drop the connection and resume from a full snapshot.
      this.net.values.decodeFailures++;
      const why = reason ?? (decoded !== null && !decoded.ok ? decoded.reason : 'undecodable');
      this.errorSignal.emit(new Error(`snapshot ${msg.tick} rejected: ${why}; reconnecting`));
      this.connection.fail(CloseCode.Malformed, 'bad snapshot');
      return;
    }
    const snap = decoded.value;
    this.buffer.push(snap, now);
    this.net.snapshot(now, frameBytes);
    if (msg.baseTick < 0 || ++this.snapshotsSinceAck >= ACK_EVERY_SNAPSHOTS) {
      this.snapshotsSinceAck = 0;
      this.connection.send({ kind: MsgKind.Ack, tick: snap.tick });
    }
    this.predicted?.reconcile(snap, msg.lastInputSeq);
    this.snapshotSignal.emit(snap, msg.lastInputSeq);
  }

  private handleDisconnect(code: number, reason: string, willReconnect: boolean): void {
    this.stopPings();
    this.nextInputAtMs = NaN;
    this.disconnectSignal.emit(code, reason, willReconnect);
  }

  private resetWorld(): void {
    this.buffer.clear();
    this.interpolator.reset();
    this.predicted?.clear();
    for (const id of [...this.drawn.keys()]) {
      this.drawn.delete(id);
      this.removedSignal.emit(id);
    }
  }

  private ping(): void {
    this.stopPings();
    if (!this.connection.send({ kind: MsgKind.Ping, clientTimeMs: this.timers.now() })) return;
    this.pingTimer = this.timers.schedule(() => {
      this.pingTimer = null;
      this.ping();
    }, this.clock.pingSent());
  }

  private stopPings(): void {
    if (this.pingTimer !== null) this.timers.cancel(this.pingTimer);
    this.pingTimer = null;
  }
}
