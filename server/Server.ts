/**
 * The authoritative server: room types and rooms, client handshakes and sessions, the tick loop and
 * the metrics, over a Transport (uWebSockets.js where it loads, else ws). One process hosts many rooms.
 *
 *   const server = new Server({ tickRateHz: 60 });
 *   server.define('arena', arena);
 *   const { port } = await server.listen(8080, '0.0.0.0');
 *   ...
 *   await server.close(); // every client gets 1001
 */
import { randomBytes } from 'node:crypto';
import {
  checkInputValues,
  CloseCode,
  decodeClientMessage,
  encodeMessage,
  type HelloMsg,
  type JoinOptions,
  MsgKind,
  PROTOCOL_VERSION,
  type Schema,
  SnapshotCodec,
  SUBPROTOCOL,
} from '../shared/index.ts';
import { type Clock, systemClock, type TimerHandle } from './clock.ts';
import type { RoomType } from './defineRoom.ts';
import { RateLimitedLog } from './RateLimitedLog.ts';
import { type ErrorContext, Room, type RoomHost } from './Room.ts';
import { type ResolvedServerOptions, resolveServerOptions, type ServerOptions } from './serverOptions.ts';
import { ServerMetrics } from './ServerMetrics.ts';
import { Session } from './Session.ts';
import { MAX_FRAME_INPUT_SEQ } from '../shared/wire/snapshotFrame.ts';
import { TickLoop, type TickStats } from './TickLoop.ts';
import { TokenBucket } from './TokenBucket.ts';
import { isOriginAllowed } from './origin.ts';
import type {
  Connection,
  Transport,
  TransportHandlers,
  UpgradeDecision,
  UpgradeRequest,
} from './transport/Transport.ts';
import { createTransport } from './transport/createTransport.ts';

const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Per-connection state before and after the handshake. */
interface ConnState {
  session: Session | null;
  timer: TimerHandle | null;
  bucket: TokenBucket;
  /** Set when the server closed it for cause: its session leaves at once, no grace period. */
  kicked: boolean;
}

/** The authoritative game server. See the module comment. */
export class Server {
  /** This server's metrics (its own Prometheus registry). */
  readonly metrics = new ServerMetrics();
  /** The resolved options. */
  readonly options: ResolvedServerOptions;
  private readonly clock: Clock;
  private readonly log: RateLimitedLog;
  private readonly types = new Map<string, { type: RoomType<Schema>; codec: SnapshotCodec }>();
  private readonly rooms = new Map<string, Room<Schema>>();
  private readonly defaultRooms = new Map<string, Room<Schema>>();
  private readonly conns = new Map<Connection, ConnState>();
  private readonly byToken = new Map<string, Session>();
  private readonly loop: TickLoop;
  private readonly roomHost: RoomHost;
  private transport: Transport | null = null;
  private nextClientId = 1;
  private nextRoomNumber = 1;
  private closing: Promise<void> | null = null;

  /** Validates the options (throws naming a bad one). Nothing listens until `listen`. */
  constructor(options: ServerOptions = {}) {
    this.options = resolveServerOptions(options);
    this.clock = options.clock ?? systemClock;
    const logger = options.logger ?? console;
    this.log = new RateLimitedLog(logger, () => this.clock.now(), this.options.logIntervalMs);
    this.loop = new TickLoop({
      tickRateHz: this.options.tickRateHz,
      clock: this.clock,
      onTick: () => this.step(),
      onTickDuration: (ms) => this.metrics.tick(ms),
    });
    const o = this.options;
    const server = this;
    this.roomHost = {
      tickRateHz: o.tickRateHz,
      metrics: this.metrics,
      maxBufferedBytes: o.maxBufferedBytes,
      maxBaselineAgeTicks: o.maxBaselineAgeTicks,
      resumeGraceMs: o.resumeGraceMs,
      now: () => this.clock.now(),
      reportError: (err, context) => this.reportError(err, context),
      sessionLeft(session) {
        server.byToken.delete(session.resumeToken);
      },
      roomClosed(room) {
        server.rooms.delete(room.id);
        if (server.defaultRooms.get(room.name) === room) server.defaultRooms.delete(room.name);
      },
    };
  }

  /**
   * Registers a room type under `name` (letters, digits, _). Clients join it by that name. Throws for a bad or taken
   * name.
   */
  define<S extends Schema>(name: string, type: RoomType<S>): this {
    if (!TYPE_NAME.test(name))
      throw new RangeError(`Server.define: room type name "${name}" must be an identifier (letters, digits, _)`);
    if (this.types.has(name))
      throw new RangeError(`Server.define: room type "${name}" is already defined; pick another name`);
    if (type === null || typeof type !== 'object' || type.schema === undefined)
      throw new TypeError('Server.define: pass a room type from defineRoom(schema, handlers)');
    this.types.set(name, { type: type as unknown as RoomType<Schema>, codec: new SnapshotCodec(type.schema) });
    return this;
  }

  /** Creates another room of type `name` (clients join it by its id). Throws for an unknown type. */
  createRoom(name: string, options: JoinOptions = {}): Room<Schema> {
    const entry = this.types.get(name);
    if (entry === undefined)
      throw new RangeError(`Server.createRoom: no room type "${name}"; define it first with server.define`);
    const room = new Room(`${name}-${this.nextRoomNumber++}`, name, entry.type, entry.codec, this.roomHost);
    this.rooms.set(room.id, room);
    room.create(options);
    return room;
  }

  /** The room with `id`, if open. */
  getRoom(id: string): Room<Schema> | undefined {
    return this.rooms.get(id);
  }

  /** Every open room. */
  roomList(): Room<Schema>[] {
    return [...this.rooms.values()];
  }

  /** Number of open connections (handshaking or joined). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Tick timing statistics of the built-in loop. */
  tickStats(): TickStats {
    return this.loop.stats();
  }

  /**
   * Advances every room one tick and flushes metrics. The built-in loop calls this; hosts with autoTick false call it
   * themselves.
   */
  step(): void {
    for (const room of [...this.rooms.values()]) room.step();
    this.metrics.flush(this.conns.size, this.rooms.size, this.loop.running ? this.loop.achievedRateHz : 0);
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
    const o = this.options;
    let transport: Transport;
    if (typeof o.transport === 'object') transport = o.transport;
    else {
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
      transport = chosen.transport;
      // One line at start, at info level: running on ws is a supported choice, not a problem to warn about.
      (o.logger ?? console).info?.(`tickwave: ${chosen.line}`);
    }
    this.transport = transport;
    const bound = await this.transport.listen(port, host, this.handlers());
    if (o.autoTick) this.loop.start();
    return { port: bound.port };
  }

  /** Stops accepting, closes every client with 1001 and `reason`, closes the rooms and the transport. Idempotent. */
  close(reason = 'server shutting down'): Promise<void> {
    this.closing ??= this.shutdown(reason);
    return this.closing;
  }

  private async shutdown(reason: string): Promise<void> {
    this.loop.stop();
    this.transport?.stopAccepting();
    for (const [conn, state] of [...this.conns]) {
      state.kicked = true;
      conn.close(CloseCode.GoingAway, reason);
    }
    for (const room of [...this.rooms.values()]) room.close(reason, CloseCode.GoingAway);
    await this.transport?.close();
    this.metrics.flush(0, 0, 0);
  }

  /**
   * The transport's entry points. Each is guarded: an exception while handling one connection's bytes
   * (which decoding and validation should already rule out) closes that connection with 1011 and
   * writes one rate-limited log line; the process, its rooms and its other clients carry on.
   */
  private handlers(): TransportHandlers {
    return {
      upgrade: (request) => {
        try {
          return this.upgrade(request);
        } catch (err) {
          this.log.log('error', 'internal:upgrade', `unexpected error deciding an upgrade: ${errorText(err)}`);
          return { ok: false, status: 500, reason: 'upgrade failed' };
        }
      },
      open: (conn) => this.guarded(conn, 'open', () => this.open(conn)),
      message: (conn, bytes, isBinary) => this.guarded(conn, 'message', () => this.message(conn, bytes, isBinary)),
      close: (conn, code) => this.guarded(conn, 'close', () => this.closed(conn, code)),
      http: {
        health: () =>
          JSON.stringify({
            ok: this.closing === null,
            rooms: this.rooms.size,
            clients: this.conns.size,
            tick: this.loop.tick,
          }),
        metrics: () => {
          this.metrics.flush(this.conns.size, this.rooms.size, this.loop.running ? this.loop.achievedRateHz : 0);
          return this.metrics.render();
        },
      },
    };
  }

  /** Runs one transport callback for `conn`; an exception closes that connection (1011), nothing more. */
  private guarded(conn: Connection, what: string, handle: () => void): void {
    try {
      handle();
    } catch (err) {
      this.log.log(
        'error',
        `internal:${what}`,
        `unexpected error handling ${what} of client ${conn.remoteAddress}: ${errorText(err)}`,
      );
      const state = this.conns.get(conn);
      if (what === 'close') {
        // The socket is gone; make sure its state does not outlive it.
        if (state !== undefined) this.forget(conn, state);
        return;
      }
      try {
        if (state !== undefined) this.kick(conn, state, CloseCode.InternalError, 'internal error');
        else conn.close(CloseCode.InternalError, 'internal error');
      } catch (closeErr) {
        this.log.log('error', 'internal:close', `closing client ${conn.remoteAddress} failed: ${errorText(closeErr)}`);
      }
    }
  }

  private upgrade(request: UpgradeRequest): UpgradeDecision | Promise<UpgradeDecision> {
    if (this.closing !== null) return { ok: false, status: 503, reason: 'server shutting down' };
    if (this.conns.size >= this.options.maxConnections) {
      this.log.log('warn', 'connections', `refused an upgrade: ${this.options.maxConnections} connections are open`);
      return { ok: false, status: 503, reason: 'server full' };
    }
    if (!request.protocols.includes(SUBPROTOCOL))
      return { ok: false, status: 400, reason: `subprotocol ${SUBPROTOCOL} required` };
    if (!isOriginAllowed(request.origin, request.headers['host'] ?? '', this.options.allowedOrigins)) {
      this.log.log('warn', 'origin', `rejected upgrade from origin ${request.origin.slice(0, 100)}`);
      return { ok: false, status: 403, reason: 'origin not allowed' };
    }
    const authenticate = this.options.authenticate;
    if (authenticate === undefined) return { ok: true, protocol: SUBPROTOCOL, userData: undefined };
    const decide = (r: Awaited<ReturnType<typeof authenticate>>): UpgradeDecision =>
      r.ok
        ? { ok: true, protocol: SUBPROTOCOL, userData: r.userData }
        : { ok: false, status: r.status === 401 ? 401 : 403, reason: r.reason ?? 'not authorized' };
    const failed = (err: unknown): UpgradeDecision => {
      this.log.log('error', 'authenticate', `authenticate hook threw: ${errorText(err)}`);
      return { ok: false, status: 403, reason: 'not authorized' };
    };
    try {
      const result = authenticate(request);
      return result instanceof Promise ? result.then(decide, failed) : decide(result);
    } catch (err) {
      return failed(err);
    }
  }

  private open(conn: Connection): void {
    const now = this.clock.now();
    const bucket = new TokenBucket(this.options.maxMessagesPerSecond, this.options.messageBurst, now);
    const state: ConnState = { session: null, timer: null, bucket, kicked: false };
    this.conns.set(conn, state);
    if (this.closing !== null) return this.kick(conn, state, CloseCode.GoingAway, 'server shutting down');
    state.timer = this.clock.schedule(() => {
      state.timer = null;
      if (state.session === null && this.conns.has(conn))
        this.kick(conn, state, CloseCode.HandshakeTimeout, 'no Hello within the handshake timeout');
    }, this.options.handshakeTimeoutMs);
  }

  private message(conn: Connection, bytes: Uint8Array, isBinary: boolean): void {
    const state = this.conns.get(conn);
    if (state === undefined || state.kicked) return;
    if (!isBinary) return this.kick(conn, state, CloseCode.Malformed, 'text frames are not part of the protocol');
    const o = this.options;
    if (bytes.byteLength > o.maxPayloadBytes)
      return this.kick(conn, state, CloseCode.Oversize, `frame over ${o.maxPayloadBytes} bytes`);
    const now = this.clock.now();
    if (!state.bucket.take(now))
      return this.kick(conn, state, CloseCode.RateLimited, `more than ${o.maxMessagesPerSecond} messages per second`);
    const decoded = decodeClientMessage(bytes);
    if (!decoded.ok) return this.kick(conn, state, decoded.error.code, decoded.error.reason);
    const msg = decoded.value;
    const session = state.session;
    if (session === null) {
      if (msg.kind !== MsgKind.Hello) return this.kick(conn, state, CloseCode.UnknownMessage, 'expected Hello first');
      return this.hello(conn, state, msg);
    }
    switch (msg.kind) {
      case MsgKind.Input: {
        if (msg.seq > MAX_FRAME_INPUT_SEQ)
          return this.kick(conn, state, CloseCode.OutOfRange, 'input seq over 2^31 − 1');
        const room = session.room;
        const values = checkInputValues(room.schema, msg.values);
        if (!values.ok) return this.kick(conn, state, CloseCode.OutOfRange, values.reason);
        session.pushInput(msg, values.value);
        return;
      }
      case MsgKind.Ping: {
        const pong = encodeMessage({
          kind: MsgKind.Pong,
          clientTimeMs: msg.clientTimeMs,
          serverTimeMs: now,
          serverTick: session.room.tick,
        });
        this.send(conn, pong);
        return;
      }
      case MsgKind.Ack:
        if (msg.tick > session.room.tick) return this.kick(conn, state, CloseCode.OutOfRange, 'Ack of a future tick');
        session.ackedTick = Math.max(session.ackedTick, msg.tick);
        return;
      case MsgKind.Hello:
        return this.kick(conn, state, CloseCode.UnknownMessage, 'Hello after the handshake');
    }
  }

  private hello(conn: Connection, state: ConnState, msg: HelloMsg): void {
    if (msg.protocolVersion !== PROTOCOL_VERSION) {
      return this.kick(
        conn,
        state,
        CloseCode.ProtocolMismatch,
        `protocol ${msg.protocolVersion}; this server speaks ${PROTOCOL_VERSION}`,
      );
    }
    if (msg.resumeToken !== null) return this.resume(conn, state, msg, msg.resumeToken);
    const room = this.findRoom(msg.room, msg.options);
    if (room === null) return this.kick(conn, state, CloseCode.NoSuchRoom, `no room ${String(msg.room).slice(0, 64)}`);
    if (msg.schemaHash !== room.schema.hash)
      return this.kick(conn, state, CloseCode.SchemaMismatch, `schema ${room.schema.hash} expected`);
    if (room.isFull) return this.kick(conn, state, CloseCode.RoomFull, `room ${room.id} is full`);
    const token = randomBytes(18).toString('base64url');
    const session = new Session(this.nextClientId++, token, room, conn, msg.options, this.options.maxBufferedInputs);
    this.byToken.set(token, session);
    this.clearTimer(state);
    state.session = session;
    if (!room.join(session, msg.options))
      return this.kick(conn, state, CloseCode.ServerError, 'the game failed to admit this client');
    this.welcome(conn, session, room);
  }

  private resume(conn: Connection, state: ConnState, msg: HelloMsg, token: string): void {
    const session = this.byToken.get(token);
    if (session === undefined) return this.kick(conn, state, CloseCode.AuthFailed, 'unknown or expired resume token');
    const room = session.room;
    if (msg.schemaHash !== room.schema.hash)
      return this.kick(conn, state, CloseCode.SchemaMismatch, `schema ${room.schema.hash} expected`);
    const old = session.conn;
    if (old !== null) {
      const oldState = this.conns.get(old);
      if (oldState !== undefined) oldState.session = null;
      this.conns.delete(old);
      old.close(CloseCode.Replaced, 'session resumed on another connection');
    }
    this.clearTimer(state);
    state.session = session;
    session.attach(conn);
    this.welcome(conn, session, room);
  }

  private welcome(conn: Connection, session: Session, room: Room<Schema>): void {
    const welcome = encodeMessage({
      kind: MsgKind.Welcome,
      clientId: session.clientId,
      tickRateHz: this.options.tickRateHz,
      serverTick: room.tick,
      resumeToken: session.resumeToken,
      roomId: room.id,
      entityId: session.client.entityId,
    });
    this.send(conn, welcome);
    session.welcomed = true;
  }

  private findRoom(name: string | null, options: JoinOptions): Room<Schema> | null {
    let typeName = name;
    if (typeName === null) {
      if (this.types.size !== 1) return null;
      typeName = this.types.keys().next().value!;
    }
    const byId = this.rooms.get(typeName);
    if (byId !== undefined) return byId;
    if (!this.types.has(typeName)) return null;
    let room = this.defaultRooms.get(typeName);
    if (room === undefined || room.isClosed) {
      room = this.createRoom(typeName, options);
      this.defaultRooms.set(typeName, room);
    }
    return room;
  }

  private closed(conn: Connection, code: number): void {
    this.metrics.closed(code);
    const state = this.conns.get(conn);
    if (state === undefined) return;
    this.forget(conn, state);
    const session = state.session;
    if (session === null || session.conn !== conn) return;
    const room = session.room;
    if (state.kicked || code === CloseCode.Normal || this.closing !== null) {
      session.conn = null;
      room.leave(session);
    } else session.detach(this.clock.now());
  }

  private forget(conn: Connection, state: ConnState): void {
    this.conns.delete(conn);
    this.clearTimer(state);
  }

  private kick(conn: Connection, state: ConnState, code: number, reason: string): void {
    if (state.kicked) return;
    state.kicked = true;
    if (code !== CloseCode.GoingAway) {
      // A reason may quote a few peer-chosen characters (a room name, an option key): no control characters in the log.
      const shown = reason.replace(CONTROL_CHARS, '?');
      this.log.log('warn', `close:${code}`, `closing client ${conn.remoteAddress}: ${code} ${shown}`);
    }
    conn.close(code, reason);
  }

  private send(conn: Connection, bytes: Uint8Array): void {
    if (conn.send(bytes) !== 'dropped') this.metrics.sent(bytes.byteLength);
  }

  private clearTimer(state: ConnState): void {
    if (state.timer !== null) this.clock.cancel(state.timer);
    state.timer = null;
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

/** Text for a thrown value of any kind, never throwing itself (a value may have a hostile toString). */
function errorText(err: unknown): string {
  try {
    return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 300);
  } catch {
    return 'a value that cannot be shown';
  }
}
