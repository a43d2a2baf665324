/**
 * One client's link to the server across reconnections: opens the socket with the Tickwave
 * subprotocol, sends Hello (with the resume token after the first Welcome), decodes every frame,
 * and after an unexpected close reconnects with exponential backoff and full jitter, unless the close
 * code is final (see {@link FINAL_CLOSE_CODES}).
 *
 *   idle ─connect()─▶ connecting ─open/Hello─▶ handshaking ─Welcome─▶ joined
 *                         ▲                          │                   │ close / protocol error
 *                         └──── backoff timer ◀── waiting ◀──────────────┘ (not final, attempts left)
 *   any ─close() or final code or out of attempts─▶ closed
 */
import {
  type ClientMsg,
  type ClientSocket,
  type Clock,
  CloseCode,
  decodeServerMessage,
  encodeMessage,
  type JoinOptions,
  MsgKind,
  PROTOCOL_VERSION,
  type PongMsg,
  type SnapshotMsg,
  type SocketFactory,
  SUBPROTOCOL,
  type WelcomeMsg,
} from '../shared/index.ts';
import {
  backoffDelayMs,
  DEFAULT_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_INITIAL_MS,
  DEFAULT_RECONNECT_MAX_MS,
  FINAL_CLOSE_CODES,
  type ReconnectPolicy,
} from './backoff.ts';
import type { MatchTarget } from './Matchmaker.ts';
import type { NetStats } from './NetStats.ts';

/** Where the connection is in its life. */
export type ConnectionState = 'idle' | 'connecting' | 'handshaking' | 'joined' | 'waiting' | 'closed';

/** Close code 1006: the connection dropped without a close frame. */
const ABNORMAL_CLOSE = 1006;

/** What the connection reports to its owner. */
export interface ConnectionHandlers {
  welcome(msg: WelcomeMsg, resumed: boolean): void;
  /** The server refused to resume (4008, 4010): it no longer knows the session or its room; a fresh join follows. */
  sessionLost(code: number, reason: string): void;
  snapshot(msg: SnapshotMsg, frameBytes: number): void;
  pong(msg: PongMsg): void;
  disconnect(code: number, reason: string, willReconnect: boolean): void;
  error(err: Error): void;
}

/** Settings of a {@link Connection}. */
export interface ConnectionConfig {
  readonly url: string;
  readonly socketFactory: SocketFactory;
  readonly schemaHash: string;
  readonly room: string | null;
  readonly joinOptions: JoinOptions;
  readonly reconnect: ReconnectPolicy;
  /**
   * Where each socket goes, asked before every attempt (matchmaking): `resuming` is true while a resume
   * token is held. Absent: always `url` and `room`.
   */
  readonly target?: (resuming: boolean) => Promise<MatchTarget>;
}

/** The socket lifecycle of one client; owned by it. */
export class Connection {
  private socket: ClientSocket | null = null;
  private timer: unknown = null;
  private attempts = 0;
  private targetAttempt = 0;
  private lastDelayMs = 0;
  /** The current state. */
  state: ConnectionState = 'idle';
  /** The token that resumes the session, from the last Welcome. */
  resumeToken: string | null = null;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly rejoinWhenSessionLost: boolean;

  constructor(
    private readonly config: ConnectionConfig,
    private readonly clock: Clock,
    private readonly stats: NetStats,
    private readonly handlers: ConnectionHandlers,
  ) {
    const r = config.reconnect;
    this.initialDelayMs = r.initialDelayMs ?? DEFAULT_RECONNECT_INITIAL_MS;
    this.maxDelayMs = r.maxDelayMs ?? DEFAULT_RECONNECT_MAX_MS;
    this.maxAttempts = r.enabled === false ? 0 : (r.maxAttempts ?? DEFAULT_RECONNECT_ATTEMPTS);
    this.random = r.random ?? Math.random;
    this.rejoinWhenSessionLost = r.rejoinWhenSessionLost ?? true;
    if (!(this.initialDelayMs > 0 && this.maxDelayMs >= this.initialDelayMs)) {
      throw new RangeError(
        `reconnect: need 0 < initialDelayMs ≤ maxDelayMs; got ${this.initialDelayMs} and ${this.maxDelayMs}`,
      );
    }
  }

  /** Reconnection attempts since the last Welcome. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay chosen for the last scheduled reconnection, in ms. */
  get lastReconnectDelayMs(): number {
    return this.lastDelayMs;
  }

  /** Opens the socket (no-op unless idle or waiting), after asking the matchmaker where when there is one. */
  connect(): void {
    if (this.state !== 'idle' && this.state !== 'waiting') return;
    this.cancelTimer();
    this.state = 'connecting';
    const target = this.config.target;
    if (target === undefined) return this.open(this.config.url, this.config.room);
    const attempt = ++this.targetAttempt;
    target(this.resumeToken !== null).then(
      (where) => {
        if (attempt !== this.targetAttempt || this.state !== 'connecting') return;
        if (where.sessionLost && this.resumeToken !== null) {
          this.resumeToken = null;
          this.handlers.sessionLost(CloseCode.AuthFailed, 'the process holding the session is gone');
        }
        this.open(where.url, where.room);
      },
      (err: unknown) => {
        if (attempt !== this.targetAttempt || this.state !== 'connecting') return;
        this.handlers.error(toError(err, 'matchmaking failed'));
        this.lost(ABNORMAL_CLOSE, 'matchmaking failed');
      },
    );
  }

  private open(url: string, room: string | null): void {
    let socket: ClientSocket;
    try {
      socket = this.config.socketFactory(url, SUBPROTOCOL);
    } catch (err) {
      this.handlers.error(err instanceof Error ? err : new Error(String(err)));
      this.lost(ABNORMAL_CLOSE, 'socket factory threw');
      return;
    }
    this.socket = socket;
    socket.onopen = () =>
      this.guarded(socket, () => {
        this.state = 'handshaking';
        this.send({
          kind: MsgKind.Hello,
          protocolVersion: PROTOCOL_VERSION,
          schemaHash: this.config.schemaHash,
          room,
          resumeToken: this.resumeToken,
          options: this.config.joinOptions,
        });
      });
    socket.onmessage = (data) => this.guarded(socket, () => this.receive(data));
    socket.onclose = (code, reason) => this.guarded(socket, () => this.lost(code, reason));
  }

  /**
   * Runs one socket callback of `socket` if it is still the current one. Nothing escapes into the
   * socket's event loop: an unexpected exception is reported as an error and drops the connection
   * (1011), which reconnects and resumes from a full snapshot like any other client-detected failure.
   */
  private guarded(socket: ClientSocket, handle: () => void): void {
    if (this.socket !== socket) return;
    try {
      handle();
    } catch (err) {
      this.handlers.error(toError(err, 'unexpected error handling a server frame'));
      try {
        if (this.socket === socket) this.fail(CloseCode.InternalError, 'internal error');
      } catch (failErr) {
        this.handlers.error(toError(failErr, 'unexpected error dropping the connection'));
      }
    }
  }

  /** Sends a message if the socket is open; returns false (and drops it) otherwise. */
  send(msg: ClientMsg): boolean {
    if (this.socket === null || (this.state !== 'handshaking' && this.state !== 'joined')) return false;
    const bytes = encodeMessage(msg);
    this.stats.sent(this.clock.now(), bytes.byteLength);
    this.socket.send(bytes);
    return true;
  }

  /**
   * Drops the connection because the server sent something this client cannot trust (an undecodable
   * frame or snapshot), and reconnects to resume. `code` is sent to the server in the close frame.
   */
  fail(code: number, reason: string): void {
    if (this.socket === null) return;
    this.detach(code, reason);
    this.lost(code, reason, true);
  }

  /** Closes for good with `code` (1000 by default); no reconnection follows. */
  close(code: number = CloseCode.Normal, reason = 'client closed'): void {
    if (this.state === 'closed') return;
    this.cancelTimer();
    const hadSocket = this.socket !== null || this.state === 'waiting';
    if (this.socket !== null) this.detach(code, reason);
    this.state = 'closed';
    if (hadSocket) this.handlers.disconnect(code, reason, false);
  }

  private receive(data: Uint8Array): void {
    this.stats.received(this.clock.now(), data.byteLength);
    const decoded = decodeServerMessage(data);
    if (!decoded.ok) {
      this.fail(decoded.error.code, decoded.error.reason);
      return;
    }
    const msg = decoded.value;
    if (msg.kind === MsgKind.Welcome) {
      if (this.state !== 'handshaking') {
        this.fail(CloseCode.UnknownMessage, 'a second Welcome');
        return;
      }
      this.state = 'joined';
      this.attempts = 0;
      // The Hello carried the token of the session this Welcome resumes, or none for a fresh join.
      const resumed = this.resumeToken !== null;
      // An empty token (a spectator's) resumes nothing: a reconnection joins afresh.
      this.resumeToken = msg.resumeToken === '' ? null : msg.resumeToken;
      this.handlers.welcome(msg, resumed);
      return;
    }
    if (this.state !== 'joined') {
      this.fail(CloseCode.UnknownMessage, `message kind ${msg.kind} before Welcome`);
      return;
    }
    if (msg.kind === MsgKind.Pong) this.handlers.pong(msg);
    else this.handlers.snapshot(msg, data.byteLength);
  }

  private detach(code: number, reason: string): void {
    const socket = this.socket!;
    this.socket = null;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.close(code, reason);
  }

  private lost(code: number, reason: string, clientDetected = false): void {
    this.socket = null;
    if (this.state === 'closed') return;
    // A resume refused in the handshake: the server restarted or the session expired. Join afresh
    // rather than give up.
    const sessionLost =
      !clientDetected &&
      (code === CloseCode.AuthFailed || code === CloseCode.NoSuchRoom) &&
      this.state === 'handshaking' &&
      this.resumeToken !== null &&
      this.rejoinWhenSessionLost;
    if (sessionLost) {
      this.resumeToken = null;
      this.handlers.sessionLost(code, reason);
    }
    const final = !sessionLost && !clientDetected && FINAL_CLOSE_CODES.has(code);
    const willReconnect = !final && this.attempts < this.maxAttempts;
    if (willReconnect) {
      this.lastDelayMs = backoffDelayMs(this.attempts, this.initialDelayMs, this.maxDelayMs, this.random);
      this.attempts++;
      this.state = 'waiting';
      this.timer = this.clock.schedule(() => {
        this.timer = null;
        this.connect();
      }, this.lastDelayMs);
    } else {
      this.state = 'closed';
    }
    this.handlers.disconnect(code, reason, willReconnect);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
  }
}

/** An Error for a thrown value of any kind, never throwing itself (a value may have a hostile toString). */
export function toError(err: unknown, context: string): Error {
  if (err instanceof Error) return err;
  try {
    return new Error(`${context}: ${String(err).slice(0, 300)}`);
  } catch {
    return new Error(`${context}: a value that cannot be shown`);
  }
}
