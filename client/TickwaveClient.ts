/**
 * The Tickwave client: connects, keeps the server clock, buffers and interpolates snapshots, predicts
 * the entities this client controls, and exposes one persistent map of drawable entities. DOM-free:
 * the same class drives a browser game and a headless load-test bot. This class wires the parts and
 * owns the world's lifetime across Welcomes; the parts do the work: Connection (socket, handshake,
 * reconnection), SnapshotReceiver (every snapshot message), InputSender (the input clock), PingLoop
 * (clock sync pings), Interpolator and PredictedEntities (what is drawn).
 *
 * The host owns the loop. Per animation frame:
 *   client.update(now, sampleInput)   // sends inputs at the tick rate, predicting each one at once
 *   client.frame(now)                 // interpolates remote entities, smooths predicted ones
 *   for (const e of client.entities.values()) draw(e)
 */
import {
  type Clock,
  CloseCode,
  type InputOf,
  type KindName,
  MAX_TICK_RATE_HZ,
  MIN_TICK_RATE_HZ,
  resolveClock,
  type Schema,
  type Snapshot,
  SnapshotRecycler,
  type WelcomeMsg,
} from '../shared/index.ts';
import { ClientEvents } from './ClientEvents.ts';
import {
  type AnyEntityOf,
  type ClientEntity,
  DEFAULT_INPUT_HOLD_TICKS,
  type TickwaveClientOptions,
} from './clientOptions.ts';
import { ClockSync } from './ClockSync.ts';
import { Connection, type ConnectionState } from './Connection.ts';
import { type EntitySetListener, Interpolator, type RenderEntity } from './Interpolator.ts';
import { InputSender } from './InputSender.ts';
import { matchTarget } from './Matchmaker.ts';
import { type ClientStats, NetStats } from './NetStats.ts';
import { PingLoop } from './PingLoop.ts';
import type { PredictedEntities } from './PredictedEntities.ts';
import { predictedEntities } from './predictionSetup.ts';
import { SnapshotBuffer } from './SnapshotBuffer.ts';
import { SnapshotReceiver } from './SnapshotReceiver.ts';
import { spectateJoinOptions } from './spectateOption.ts';

/**
 * A Tickwave game client for schema `S`. Create one per connection; `close()` ends it.
 *
 * @example
 * ```ts
 * import { browserSocketFactory, TickwaveClient } from 'tickwave/client';
 * import { defineSchema, type InputOf, t } from 'tickwave/shared';
 *
 * const schema = defineSchema({
 *   entities: { dot: { x: t.float({ min: 0, max: 800, step: 0.1 }) } },
 *   input: { right: t.bool() },
 * });
 * // The same step function the server's onInput runs: predicts your own dot.
 * function move(dot: { x: number }, input: InputOf<typeof schema>, dtSec: number): void {
 *   if (input.right) dot.x = Math.min(800, dot.x + 100 * dtSec);
 * }
 *
 * const client = new TickwaveClient(schema, {
 *   url: `wss://${location.host}/ws`,
 *   socketFactory: browserSocketFactory,
 *   room: 'dots',
 *   prediction: { apply: move },
 * });
 * client.onWelcome((welcome) => console.log(`in ${welcome.roomId} as entity ${welcome.entityId}`));
 * client.connect();
 *
 * const keys = new Set<string>();
 * addEventListener('keydown', (e) => keys.add(e.key));
 * addEventListener('keyup', (e) => keys.delete(e.key));
 * function frame(now: number): void {
 *   client.update(now, () => ({ right: keys.has('ArrowRight') })); // samples and sends input at the tick rate
 *   for (const entity of client.frame(now).values()) {
 *     console.log(entity.id, entity.state.x, entity.isLocal ? 'predicted' : 'interpolated');
 *   }
 *   requestAnimationFrame(frame);
 * }
 * requestAnimationFrame(frame);
 * ```
 *
 * @category Start here
 */
export class TickwaveClient<S extends Schema> {
  /** The server clock estimate (rtt, server time, server tick). */
  readonly clock: ClockSync;
  /** Live figures for a net-graph, updated in place. */
  readonly stats: ClientStats;
  private readonly time: Clock;
  private readonly connection: Connection;
  private readonly buffer: SnapshotBuffer;
  /** Reuses the columns of decoded snapshots that left the buffer unseen (retained when handed out). */
  private readonly recycler = new SnapshotRecycler();
  private readonly interpolator: Interpolator;
  private readonly net = new NetStats();
  private readonly drawn = new Map<number, RenderEntity>();
  private readonly events = new ClientEvents<S>();
  private readonly predicted: PredictedEntities | null;
  private readonly receiver: SnapshotReceiver<S>;
  private readonly inputs: InputSender<S>;
  private readonly pings: PingLoop;
  private readonly listener: EntitySetListener;
  private readonly isPredicted: (id: number) => boolean;
  /** True when joined with the `spectate` option: inputs are never sent. */
  private readonly spectating: boolean;
  private welcomeMsg: WelcomeMsg | null = null;
  private tickMs = 1000 / 60;
  private renderTickNow = NaN;

  /** @param schema the schema shared with the server (its hash is checked in the handshake). */
  constructor(
    readonly schema: S,
    options: TickwaveClientOptions<S>,
  ) {
    const where = options?.matchmake !== undefined || typeof options?.url === 'string';
    if (!where || typeof options.socketFactory !== 'function') {
      throw new TypeError(
        'TickwaveClient: pass { url, socketFactory } or { matchmake, socketFactory }, ' +
          'e.g. { url: "ws://host:port", socketFactory: browserSocketFactory }',
      );
    }
    this.time = resolveClock(options.now, options.schedule, options.cancel);
    this.clock = new ClockSync(options.clock);
    this.buffer = new SnapshotBuffer(options.interpolation, this.recycler);
    this.interpolator = new Interpolator(schema, options.interpolation);
    this.stats = this.net.values;
    const events = this.events;
    this.listener = {
      added: (e) => events.added.emit(e.id, e.kind as KindName<S>),
      removed: (id) => events.removed.emit(id),
    };
    this.predicted = predictedEntities(schema, options.prediction, this.drawn, events);
    this.isPredicted = this.predicted?.has ?? (() => false);
    this.spectating = options.spectate !== undefined && options.spectate !== false;
    this.connection = this.connectionFor(options);
    this.pings = new PingLoop(this.time, this.clock, this.connection);
    const holdTicks = options.inputHoldTicks ?? DEFAULT_INPUT_HOLD_TICKS;
    this.inputs = new InputSender(schema, this.connection, this.predicted, () => this.renderTickNow, holdTicks);
    const { time: clock, buffer, net, connection, predicted } = this;
    const targets = { clock, buffer, net, connection, predicted, events, inputs: this.inputs, recycler: this.recycler };
    this.receiver = new SnapshotReceiver(schema, options.maxEntities, targets);
  }

  /** Opens the connection (Hello, then Welcome). Call once; reconnections are automatic. */
  connect(): void {
    this.connection.connect();
  }

  /** Closes the connection with 1000 and stops reconnecting. Idempotent. */
  close(): void {
    this.pings.stop();
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
    const newest = this.buffer.newest;
    // Handed out: the caller may keep it, so its columns are never recycled.
    if (newest !== null) this.recycler.retain(newest);
    return newest;
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
    if (this.spectating) return 0;
    return this.inputs.update(nowMs, sampleInput);
  }

  /**
   * Sends one tick of input (quantized to the schema) and applies it at once to the predicted entities.
   * Returns false, sending nothing, when not joined. Prefer {@link update}, which keeps the tick rate.
   */
  sendInput(input: InputOf<S>): boolean {
    if (this.spectating) return false;
    return this.inputs.send(input);
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
    this.predicted?.smooth(nowMs, this.inputs.subTick(nowMs));
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
    v.inputLead = this.inputs.lead;
    v.missedInputs = this.inputs.missedInputs;
    return this.entities;
  }

  /** Called after the server accepted this client into a room (also after each resume). */
  onWelcome(handler: (welcome: WelcomeMsg) => void): () => void {
    return this.events.welcome.on(handler);
  }

  /** Called with each applied snapshot (immutable) and the last input sequence the server applied (−1 for none). */
  onSnapshot(handler: (snapshot: Snapshot, lastInputSeq: number) => void): () => void {
    return this.events.snapshot.on(handler);
  }

  /** Called when an entity appears on screen (from {@link frame}, or at once for predicted entities). */
  onEntityAdded(handler: (id: number, kind: KindName<S>) => void): () => void {
    return this.events.added.on(handler);
  }

  /** Called when an entity leaves the screen. */
  onEntityRemoved(handler: (id: number) => void): () => void {
    return this.events.removed.on(handler);
  }

  /** Called when the connection closes, with the code, the reason, and whether a reconnection follows. */
  onDisconnect(handler: (code: number, reason: string, willReconnect: boolean) => void): () => void {
    return this.events.disconnect.on(handler);
  }

  /** Called when a reconnection resumed the session (a Welcome after a disconnection, same player). */
  onReconnect(handler: (welcome: WelcomeMsg) => void): () => void {
    return this.events.reconnect.on(handler);
  }

  /**
   * Called when the server refused to resume the session (close code 4008: the server restarted, or
   * the resume grace period ran out; or 4010: its room no longer exists). Unless
   * `reconnect.rejoinWhenSessionLost` is false, the client then joins afresh as a new player: the next
   * `onWelcome` brings a new client id and entity, and
   * every entity of the old world is removed first (`onEntityRemoved`). Reset game state kept per
   * player here.
   */
  onSessionLost(handler: (code: number, reason: string) => void): () => void {
    return this.events.sessionLost.on(handler);
  }

  /**
   * Called with errors: undecodable server data (before reconnecting), and errors thrown by handlers or the step
   * function.
   */
  onError(handler: (error: Error) => void): () => void {
    return this.events.error.on(handler);
  }

  private connectionFor(options: TickwaveClientOptions<S>): Connection {
    const events = this.events;
    return new Connection(
      {
        url: options.url ?? '',
        socketFactory: options.socketFactory,
        schemaHash: this.schema.hash,
        room: options.room ?? null,
        joinOptions: spectateJoinOptions(options.joinOptions ?? {}, options.spectate),
        reconnect: options.reconnect ?? {},
        ...matchTarget(options),
      },
      this.time,
      this.net,
      {
        welcome: (msg, resumed) => this.handleWelcome(msg, resumed),
        sessionLost: (code, reason) => events.sessionLost.emit(code, reason),
        snapshot: (msg, bytes) => this.receiver.handleSnapshot(msg, bytes),
        pong: (msg) => this.pings.pong(msg),
        disconnect: (code, reason, willReconnect) => this.handleDisconnect(code, reason, willReconnect),
        error: events.report,
      },
    );
  }

  private handleWelcome(msg: WelcomeMsg, resumed: boolean): void {
    if (!(msg.tickRateHz >= MIN_TICK_RATE_HZ && msg.tickRateHz <= MAX_TICK_RATE_HZ)) {
      this.connection.fail(
        CloseCode.OutOfRange,
        `Welcome tick rate ${msg.tickRateHz} Hz is outside ${MIN_TICK_RATE_HZ}–${MAX_TICK_RATE_HZ}`,
      );
      return;
    }
    if (msg.tickRateHz % msg.snapshotRateHz !== 0) {
      this.connection.fail(
        CloseCode.OutOfRange,
        `Welcome snapshot rate ${msg.snapshotRateHz} Hz does not divide the tick rate ${msg.tickRateHz} Hz`,
      );
      return;
    }
    if (this.holdsAnotherWorld(msg, resumed)) this.resetWorld();
    this.welcomeMsg = msg;
    this.tickMs = 1000 / msg.tickRateHz;
    this.clock.setTickRate(msg.tickRateHz);
    this.buffer.setTickRate(msg.tickRateHz);
    this.buffer.setSnapshotInterval(msg.tickRateHz / msg.snapshotRateHz);
    this.inputs.setTickRate(msg.tickRateHz);
    if (msg.entityId >= 0) this.predicted?.add(msg.entityId);
    this.predicted?.setTickRate(msg.tickRateHz);
    this.pings.start();
    this.events.welcome.emit(msg);
    if (resumed) {
      this.net.values.reconnects++;
      this.events.reconnect.emit(msg);
    }
  }

  /**
   * True when what the client holds belongs to another world than the one `msg` welcomes it to: a
   * fresh join after a lost session, another room, tick rate or entity, or a server tick behind what
   * the client already holds (the room or the server started over).
   */
  private holdsAnotherWorld(msg: WelcomeMsg, resumed: boolean): boolean {
    const prev = this.welcomeMsg;
    const newest = this.buffer.newest;
    if (newest !== null && msg.serverTick < newest.tick) return true;
    if (prev === null) return false;
    return (
      !resumed || prev.roomId !== msg.roomId || prev.tickRateHz !== msg.tickRateHz || prev.entityId !== msg.entityId
    );
  }

  private handleDisconnect(code: number, reason: string, willReconnect: boolean): void {
    this.pings.stop();
    this.inputs.stop();
    this.events.disconnect.emit(code, reason, willReconnect);
  }

  private resetWorld(): void {
    this.buffer.clear();
    this.interpolator.reset();
    this.predicted?.clear();
    for (const id of [...this.drawn.keys()]) {
      this.drawn.delete(id);
      this.events.removed.emit(id);
    }
  }
}
