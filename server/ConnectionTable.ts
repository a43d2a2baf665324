/**
 * The server's open connections, from the transport's `open` to its `close`: each one's state, the
 * handshake deadline, closing one for cause (with one rate-limited log line), and sending to one.
 */
import { CloseCode } from '../shared/index.ts';
import type { Clock, TimerHandle } from '../shared/clock.ts';
import { errorText } from './errorText.ts';
import { FrameLimiter } from './FrameLimiter.ts';
import type { RateLimitedLog } from './RateLimitedLog.ts';
import type { ResolvedServerOptions } from './serverOptions.ts';
import type { ServerMetrics } from './ServerMetrics.ts';
import type { Session } from './Session.ts';
import type { Spectator } from './spectate/Spectator.ts';
import type { Connection } from './transport/Transport.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** One open connection's state, before and after the handshake; owned by its {@link ConnectionTable}. */
export interface ConnState {
  /** The session it carries once its Hello was accepted; null while handshaking. */
  session: Session | null;
  /** The spectator it carries once its spectating Hello was accepted (then `session` stays null). */
  spectator: Spectator | null;
  /** The handshake deadline, until a Hello is accepted or the connection goes. */
  timer: TimerHandle | null;
  /** Its incoming frame limits. */
  readonly limiter: FrameLimiter;
  /** Set when the server closed it for cause: its session leaves at once, no grace period. */
  kicked: boolean;
}

/**
 * The open connections of one Server (handshaking or joined). Entries are added by {@link ConnectionTable.open}
 * and removed when the transport reports the close ({@link ConnectionTable.forget}) or a resume replaces them.
 */
export class ConnectionTable {
  private readonly conns = new Map<Connection, ConnState>();

  /** An empty table; keeps the options, clock, log and metrics for its lifetime. */
  constructor(
    private readonly options: ResolvedServerOptions,
    private readonly clock: Clock,
    private readonly log: RateLimitedLog,
    private readonly metrics: ServerMetrics,
  ) {}

  /** Number of open connections. */
  get size(): number {
    return this.conns.size;
  }

  /** The state of `conn`, or undefined once it is forgotten. */
  get(conn: Connection): ConnState | undefined {
    return this.conns.get(conn);
  }

  /**
   * Adds a connection the transport opened and starts its handshake deadline (`handshakeTimeoutMs`:
   * no Hello by then closes it with 4005). While `shuttingDown` it is closed at once with 1001.
   */
  open(conn: Connection, shuttingDown: boolean): void {
    const state: ConnState = {
      session: null,
      spectator: null,
      timer: null,
      limiter: new FrameLimiter(this.options, this.clock.now()),
      kicked: false,
    };
    this.conns.set(conn, state);
    if (shuttingDown) return this.kick(conn, state, CloseCode.GoingAway, 'server shutting down');
    state.timer = this.clock.schedule(() => {
      state.timer = null;
      if (state.session === null && state.spectator === null && this.conns.has(conn))
        this.kick(conn, state, CloseCode.HandshakeTimeout, 'no Hello within the handshake timeout');
    }, this.options.handshakeTimeoutMs);
  }

  /** Marks `state` as carrying `session` from now on: the handshake is over, its deadline cancelled. */
  admit(state: ConnState, session: Session): void {
    this.clearTimer(state);
    state.session = session;
  }

  /** Marks `state` as carrying `spectator` from now on: the handshake is over, its deadline cancelled. */
  admitSpectator(state: ConnState, spectator: Spectator): void {
    this.clearTimer(state);
    state.spectator = spectator;
  }

  /** Closes `old` (4011), whose session resumed on another connection, and forgets it at once. */
  replace(old: Connection): void {
    const oldState = this.conns.get(old);
    if (oldState !== undefined) oldState.session = null;
    this.conns.delete(old);
    old.close(CloseCode.Replaced, 'session resumed on another connection');
  }

  /** Removes `conn`, whose socket is gone, and cancels its handshake deadline. */
  forget(conn: Connection, state: ConnState): void {
    this.conns.delete(conn);
    this.clearTimer(state);
  }

  /**
   * Closes `conn` for cause with `code` and `reason`, once; logs a rate-limited line for any code but
   * 1001. The entry stays until the transport reports the close.
   */
  kick(conn: Connection, state: ConnState, code: number, reason: string): void {
    if (state.kicked) return;
    state.kicked = true;
    if (code !== CloseCode.GoingAway) {
      // A reason may quote a few peer-chosen characters (a room name, an option key): no control characters in the log.
      const shown = reason.replace(CONTROL_CHARS, '?');
      this.log.log('warn', `close:${code}`, `closing client ${conn.remoteAddress}: ${code} ${shown}`);
    }
    conn.close(code, reason);
  }

  /** Closes every open connection with 1001 and `reason` (shutdown); their sessions then leave at once. */
  kickAll(reason: string): void {
    for (const [conn, state] of [...this.conns]) {
      state.kicked = true;
      conn.close(CloseCode.GoingAway, reason);
    }
  }

  /** Sends `bytes` (borrowed for the call) to `conn`, counting them in the metrics unless dropped. */
  send(conn: Connection, bytes: Uint8Array): void {
    if (conn.send(bytes) !== 'dropped') this.metrics.sent(bytes.byteLength);
  }

  /**
   * Runs the transport callback `what` for `conn`. An exception (which decoding and validation should
   * already rule out) closes that connection with 1011 and writes one rate-limited log line; the
   * process, its rooms and its other clients carry on. After a throwing `close` the entry is forgotten.
   */
  guarded(conn: Connection, what: string, handle: () => void): void {
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

  private clearTimer(state: ConnState): void {
    if (state.timer !== null) this.clock.cancel(state.timer);
    state.timer = null;
  }
}
