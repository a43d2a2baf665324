/**
 * The authoritative server: room types and rooms, client handshakes and sessions, the tick loop and
 * the metrics, over a Transport (uWebSockets.js where it loads, else ws). One process hosts many rooms.
 * This module composes the parts, each in its own module: the rooms (RoomRegistry), the connections and
 * their frame limits (ConnectionTable, FrameLimiter), the upgrade decision (admitUpgrade), the handshake
 * (Handshake), a joined client's messages (sessionMessages) and the HTTP routes (serverRoutes).
 *
 *   const server = new Server({ tickRateHz: 60 });
 *   server.define('arena', arena);
 *   const { port } = await server.listen(8080, '0.0.0.0');
 *   ...
 *   await server.close(); // every client gets 1001
 */
import { CloseCode, decodeClientMessage, type JoinOptions, MsgKind, type Schema } from '../shared/index.ts';
import { admitUpgrade } from './admitUpgrade.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { ConnectionTable } from './ConnectionTable.ts';
import type { RoomType } from './defineRoom.ts';
import { errorText } from './errorText.ts';
import { Handshake } from './Handshake.ts';
import { RateLimitedLog } from './RateLimitedLog.ts';
import type { ErrorContext, Room } from './Room.ts';
import { RoomRegistry } from './RoomRegistry.ts';
import { type ResolvedServerOptions, resolveServerOptions, type ServerOptions } from './serverOptions.ts';
import { ServerMetrics } from './ServerMetrics.ts';
import { ClusterNode } from './cluster/ClusterNode.ts';
import { resolveClusterOptions } from './cluster/clusterOptions.ts';
import { MemoryBus, type MessageBus } from './cluster/MessageBus.ts';
import { serverRoutes } from './serverRoutes.ts';
import { MeasureWindow } from './MeasureWindow.ts';
import { handleSessionMessage, receiveInputFrame } from './sessionMessages.ts';
import { handleSpectatorMessage } from './spectate/spectatorSession.ts';
import { TickLoop, type TickStats } from './TickLoop.ts';
import type { Connection, Transport, TransportHandlers } from './transport/Transport.ts';
import { createTransport } from './transport/createTransport.ts';

/**
 * Options of {@link Server.createRoom}.
 *
 * @category Server
 */
export interface CreateRoomOptions {
  /** The room's id, chosen by the game (1–64 of letters, digits, `_ - .`). Default: `<type name>-<n>`. */
  readonly id?: string;
  /** Options for the type's `state` and `onCreate` handlers. Default `{}`. */
  readonly options?: JoinOptions;
}

/**
 * The authoritative game server: define room types, listen, and it runs the rooms at a fixed tick rate.
 *
 * @example
 * ```ts
 * import { defineRoom, installShutdownHandlers, Server } from 'tickwave/server';
 * import { defineSchema, t } from 'tickwave/shared';
 *
 * const schema = defineSchema({ entities: { dot: { x: t.uint(10) } }, input: { right: t.bool() } });
 * const dots = defineRoom(schema, {
 *   onJoin(room, client) {
 *     client.entityId = room.spawn('dot', { x: 0 }).id;
 *   },
 *   onInput(room, client, input) {
 *     const dot = room.get(client.entityId, 'dot');
 *     if (dot !== undefined && input.right) dot.x = Math.min(1023, dot.x + 1);
 *   },
 * });
 *
 * const server = new Server({ tickRateHz: 60 });
 * server.define('dots', dots);
 * const { port } = await server.listen(8080, '0.0.0.0');
 * installShutdownHandlers(server); // SIGTERM / SIGINT: every client gets 1001, then exit
 * console.log(`ws://localhost:${port}/`);
 * ```
 *
 * @category Start here
 */
export class Server {
  /** This server's metrics (its own Prometheus registry). */
  readonly metrics = new ServerMetrics(() => this.clock.now());
  /** The resolved options. */
  readonly options: ResolvedServerOptions;
  private readonly clock: Clock;
  private readonly log: RateLimitedLog;
  private readonly rooms: RoomRegistry;
  private readonly conns: ConnectionTable;
  private readonly handshake: Handshake;
  private readonly loop: TickLoop;
  private transport: Transport | null = null;
  private closing: Promise<void> | null = null;
  private readonly cluster: ClusterNode;
  private readonly bus: MessageBus;
  private readonly windows = new Set<MeasureWindow>();

  /** Validates the options (throws naming a bad one). Nothing listens until `listen`. */
  constructor(options: ServerOptions = {}) {
    const o = resolveServerOptions(options);
    this.options = o;
    this.clock = options.clock ?? systemClock;
    const logger = options.logger ?? console;
    this.log = new RateLimitedLog(logger, () => this.clock.now(), o.logIntervalMs);
    this.loop = new TickLoop({
      tickRateHz: o.tickRateHz,
      clock: this.clock,
      onTick: () => this.step(),
      onTickDuration: (ms) => this.metrics.tick(ms),
    });
    this.rooms = new RoomRegistry({
      tickRateHz: o.tickRateHz,
      snapshotRateHz: o.snapshotRateHz,
      metrics: this.metrics,
      maxBufferedBytes: o.maxBufferedBytes,
      maxBaselineAgeTicks: o.maxBaselineAgeTicks,
      resumeGraceMs: o.resumeGraceMs,
      now: () => this.clock.now(),
      reportError: (err, context) => this.reportError(err, context),
      sessionLeft: (session) => this.handshake.sessionLeft(session),
      roomClosed: (room) => this.rooms.remove(room),
    });
    this.conns = new ConnectionTable(o, this.clock, this.log, this.metrics);
    this.handshake = new Handshake(o, this.clock, this.rooms, this.conns);
    this.cluster = this.clusterNode(options);
    this.bus =
      options.cluster?.bus ??
      new MemoryBus((err, channel) => this.log.log('error', 'bus', `a ${channel} handler threw: ${errorText(err)}`));
  }

  /**
   * Registers a room type under `name` (letters, digits, _). Clients join it by that name. Throws for a bad or taken
   * name.
   */
  define<S extends Schema>(name: string, type: RoomType<S>): this {
    this.rooms.define(name, type as unknown as RoomType<Schema>);
    this.cluster.defineType(name, type.maxClients);
    return this;
  }

  /**
   * Creates and opens a room of type `name` now, before any client asks; clients join it by its id (a Hello's
   * `room`, the client's `room` option). The id is `options.id` when given (e.g. `'lobby'`, or the type's own
   * name so clients asking for the type land here), else generated as `<name>-<n>`. `options.options` reach
   * the type's `state` and `onCreate` as the join options would. The room closes when its last client leaves
   * unless the type says `closeWhenEmpty: false`. Throws for an unknown type, a malformed id (1–64 of letters,
   * digits, `_ - .`) or the id of an open room.
   */
  createRoom(name: string, options: CreateRoomOptions = {}): Room<Schema> {
    return this.rooms.create(name, options.options ?? {}, options.id);
  }

  /** The room with `id`, if open. */
  getRoom(id: string): Room<Schema> | undefined {
    return this.rooms.get(id);
  }

  /** Every open room. */
  roomList(): Room<Schema>[] {
    return this.rooms.list();
  }

  /** Number of open connections (handshaking or joined). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /**
   * Tick timing statistics of the built-in loop over its last `DEFAULT_TICK_HISTORY` (1,024) ticks; `ticks` and
   * `skippedTicks` count since start. For figures over a run of your choosing, use {@link Server.measure}.
   */
  tickStats(): TickStats {
    return this.loop.stats();
  }

  /**
   * Opens a measurement window: from now until its `end()`, every tick (`server.step()`, by the loop or by the
   * host) is timed into it, and its `totals()` are the server's totals accumulated since it opened. Any number
   * may be open at once; each holds 8 bytes per tick until ended.
   */
  measure(): MeasureWindow {
    const window = new MeasureWindow({
      clock: this.clock,
      tickRateHz: this.options.tickRateHz,
      totals: this.metrics.totals,
      skippedTicks: () => this.loop.skippedTicks,
      detach: (w) => this.windows.delete(w),
    });
    this.windows.add(window);
    return window;
  }

  /**
   * Advances every room one tick and flushes metrics. The built-in loop calls this; hosts with autoTick false call it
   * themselves.
   */
  step(): void {
    const start = this.windows.size > 0 ? this.clock.now() : 0;
    this.rooms.stepAll();
    this.flushMetrics();
    if (this.windows.size === 0) return;
    const durationMs = this.clock.now() - start;
    for (const window of this.windows) window.record(durationMs);
  }

  /** Starts listening on `host:port` (port 0 = any free port) and, with autoTick, the tick loop. */
  async listen(
    port: number,
    host = '0.0.0.0',
  ): Promise<{
    /** The port the transport bound (the chosen free port when `port` was 0; 0 with a MemoryTransport). */
    port: number;
  }> {
    if (this.transport !== null)
      throw new Error('Server.listen: already listening; create another Server for another port');
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError(`Server.listen: port must be 0–65535; got ${port}`);
    const transport = await this.chooseTransport();
    this.transport = transport;
    const bound = await transport.listen(port, host, this.handlers());
    await this.cluster.start(bound.port);
    if (this.options.autoTick) this.loop.start();
    return { port: bound.port };
  }

  /** Stops accepting, closes every client with 1001 and `reason`, closes the rooms and the transport. Idempotent. */
  close(reason = 'server shutting down'): Promise<void> {
    this.closing ??= this.shutdown(reason);
    return this.closing;
  }

  /**
   * Drains this process for a deploy: it leaves matchmaking at once (no new seats or rooms here), its
   * clients play on until they have all left or `deadlineMs` passed, then it closes like {@link close}
   * (1001 with `reason`) and its directory entries are removed. Idempotent with `close`.
   */
  async drain(deadlineMs: number, reason = 'server shutting down'): Promise<void> {
    if (this.closing === null) await this.cluster.drain(deadlineMs);
    await this.close(reason);
  }

  /**
   * Sends the text `message` to every subscriber of `channel` in every process of the cluster (this one
   * included) through `cluster.bus`. Rejects when the bus is down.
   */
  publish(channel: string, message: string): Promise<void> {
    return this.bus.publish(channel, message);
  }

  /**
   * Calls `handler` with each message published to `channel` anywhere in the cluster, from when the promise
   * resolves until the function it resolves to is called (lobbies, chat, "match found", admin broadcasts).
   */
  subscribe(channel: string, handler: (message: string, channel: string) => void): Promise<() => void> {
    return this.bus.subscribe(channel, handler);
  }

  /** The transport the options ask for: the given instance, or a created one (logging the one start-up line). */
  private async chooseTransport(): Promise<Transport> {
    const o = this.options;
    if (typeof o.transport === 'object') return o.transport;
    const { maxPayloadBytes, idleTimeoutSec, maxBackpressureBytes, staticDir, tls } = o;
    const chosen = await createTransport(o.transport, {
      maxPayloadBytes,
      idleTimeoutSec,
      maxBackpressureBytes,
      staticDir,
      tls,
    });
    if (this.transport !== null)
      throw new Error('Server.listen: already listening; create another Server for another port');
    // One line at start, at info level: running on ws is a supported choice, not a problem to warn about.
    (o.logger ?? console).info?.(`tickwave: ${chosen.line}`);
    return chosen.transport;
  }

  private async shutdown(reason: string): Promise<void> {
    this.loop.stop();
    this.transport?.stopAccepting();
    this.conns.kickAll(reason);
    this.rooms.closeAll(reason, CloseCode.GoingAway);
    await this.cluster.stop();
    await this.transport?.close();
    this.metrics.flush(0, 0, 0);
  }

  /** The cluster side of this server: the directory from `options.cluster` (in memory by default). */
  private clusterNode(options: ServerOptions): ClusterNode {
    const conns = this.conns;
    const rooms = this.rooms;
    const host = {
      get connectionCount() {
        return conns.size;
      },
      roomClients: (id: string) => {
        const room = rooms.get(id);
        return room === undefined || room.isClosed ? undefined : room.clients.length;
      },
      openRoom: (type: string, id: string) => {
        try {
          rooms.create(type, {}, id);
          return true;
        } catch (err) {
          this.log.log('error', 'cluster:open', `could not open room ${id}: ${errorText(err)}`);
          return false;
        }
      },
    };
    const settings = resolveClusterOptions(options.cluster, () => this.clock.now());
    return new ClusterNode(settings, host, this.clock, this.log);
  }

  private flushMetrics(): void {
    this.metrics.flush(this.conns.size, this.rooms.size, this.loop.running ? this.loop.achievedRateHz : 0);
  }

  /**
   * The transport's entry points. Each is guarded: an exception while handling one connection's bytes
   * closes that connection with 1011 (see ConnectionTable.guarded); the process and its rooms carry on.
   */
  private handlers(): TransportHandlers {
    const conns = this.conns;
    return {
      upgrade: (request) => {
        try {
          const shuttingDown = this.closing !== null;
          const decision = admitUpgrade(request, {
            shuttingDown,
            connectionCount: conns.size,
            options: this.options,
            log: this.log,
          });
          return this.cluster.admit(request.query, decision);
        } catch (err) {
          this.log.log('error', 'internal:upgrade', `unexpected error deciding an upgrade: ${errorText(err)}`);
          return { ok: false, status: 500, reason: 'upgrade failed' };
        }
      },
      open: (conn) => conns.guarded(conn, 'open', () => conns.open(conn, this.closing !== null)),
      message: (conn, bytes, isBinary) => conns.guarded(conn, 'message', () => this.message(conn, bytes, isBinary)),
      close: (conn, code) => conns.guarded(conn, 'close', () => this.closed(conn, code)),
      http: serverRoutes(
        this.metrics,
        () => ({ ok: this.closing === null, rooms: this.rooms.size, clients: conns.size, tick: this.loop.tick }),
        () => this.flushMetrics(),
        (body, address) => this.cluster.matchmake(body, address),
      ),
    };
  }

  private message(conn: Connection, bytes: Uint8Array, isBinary: boolean): void {
    const state = this.conns.get(conn);
    if (state === undefined || state.kicked) return;
    const now = this.clock.now();
    const refused = state.limiter.check(bytes, isBinary, now);
    if (refused !== null) return this.conns.kick(conn, state, refused.code, refused.reason);
    // A player's Input, every tick: read in place without the generic decoder when it has the usual form.
    if (state.session !== null && receiveInputFrame(this.conns, conn, state, state.session, bytes, now)) return;
    const decoded = decodeClientMessage(bytes);
    if (!decoded.ok) return this.conns.kick(conn, state, decoded.error.code, decoded.error.reason);
    const spectator = state.spectator;
    if (spectator !== null)
      return handleSpectatorMessage(this.conns, conn, state, spectator, decoded.value, now, this.options.tickRateHz);
    const session = state.session;
    if (session === null) {
      const hello = decoded.value.kind === MsgKind.Hello ? decoded.value : null;
      if (hello !== null) this.cluster.beforeHello(hello.room);
      this.handshake.first(conn, state, decoded.value);
      // A fresh join takes the place of a claimed seat; a resumed session was counted all along.
      if (hello?.resumeToken === null && state.session !== null) this.cluster.joined(state.session.room.id);
      return;
    }
    handleSessionMessage(this.conns, conn, state, session, decoded.value, now);
  }

  private closed(conn: Connection, code: number): void {
    this.metrics.closed(code);
    const state = this.conns.get(conn);
    if (state === undefined) return;
    this.conns.forget(conn, state);
    state.spectator?.room.spectators.remove(state.spectator);
    this.handshake.disconnected(conn, state, code, this.closing !== null);
  }

  private reportError(err: unknown, context: ErrorContext): void {
    const onError = this.options.onError;
    if (onError !== undefined) {
      try {
        onError(err, context);
        return;
      } catch (hookErr) {
        err = hookErr;
      }
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : errorText(err);
    this.log.log(
      'error',
      `game:${context.handler}`,
      `${context.handler} threw in room ${context.roomId} at tick ${context.tick}: ${detail}`,
    );
  }
}
