/** The Server's options, their safe defaults, and their validation. */
import type { ClusterOptions } from './cluster/clusterOptions.ts';
import type { Clock } from '../shared/clock.ts';
import type { ErrorContext } from './Room.ts';
import type { Logger } from './RateLimitedLog.ts';
import type { TlsOptions } from './transport/tlsFiles.ts';
import type { Transport, UpgradeRequest } from './transport/Transport.ts';
import { TRANSPORT_CHOICES, type TransportChoice } from './transport/createTransport.ts';
import { DEFAULT_TICK_RATE_HZ } from './TickLoop.ts';
import { DEFAULT_MAX_BUFFERED_INPUTS } from './Session.ts';
import { MAX_TICK_RATE_HZ, MIN_TICK_RATE_HZ } from '../shared/index.ts';
import { snapshotIntervalTicks } from './stream/snapshotRate.ts';

/** Default largest frame a client may send, bytes (a Hello with every join option fits). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 8 * 1024;
/** Default sustained messages per second per client (60 Hz inputs + acks + pings fit). */
export const DEFAULT_MAX_MESSAGES_PER_SECOND = 200;
/** Default time a new connection has to send a valid Hello, ms. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;
/** Default seconds without any traffic (pings included) before the transport drops a connection. */
export const DEFAULT_IDLE_TIMEOUT_SEC = 30;
/** Default time a disconnected client keeps its session and entity, ms. */
export const DEFAULT_RESUME_GRACE_MS = 10_000;
/** Default bound on a socket's buffered bytes above which it is skipped for a tick (latest wins). */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024;
/** Default age beyond which a client's baseline is dropped in favour of a full snapshot, ticks. */
export const DEFAULT_MAX_BASELINE_AGE_TICKS = 600;
/** Default most connections open at once (handshaking or joined); upgrades past it are refused with 503. */
export const DEFAULT_MAX_CONNECTIONS = 16_384;
/** Default most bytes the transport queues for one client before it drops frames (uWS maxBackpressure). */
export const DEFAULT_MAX_BACKPRESSURE_BYTES = 1024 * 1024;

/**
 * What the authenticate hook answers: accept with user data, or reject with 401/403.
 *
 * @category Server
 */
export type AuthResult =
  | {
      /** Accept the upgrade. */
      readonly ok: true;
      /**
       * Game data attached to the connection, reaching `client.userData` for the session's life; the server never reads
       * it.
       */
      readonly userData?: unknown;
    }
  | {
      /** Reject the upgrade. */
      readonly ok: false;
      /** HTTP status of the rejection: 401 (not authenticated) or 403 (not allowed). */
      readonly status: 401 | 403;
      /** Plain-text body of the rejection response. Default 'not authorized'. */
      readonly reason?: string;
    };

/**
 * Options of a Server. Every limit has a safe default.
 *
 * @category Server
 */
export interface ServerOptions {
  /** Ticks per second, 10–120. Default {@link DEFAULT_TICK_RATE_HZ}. */
  readonly tickRateHz?: number;
  /**
   * Snapshots per second per client for room types without their own `snapshotRateHz`, Hz: a divisor of
   * `tickRateHz` (at 60: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60). Default: `tickRateHz` (every tick).
   */
  readonly snapshotRateHz?: number;
  /**
   * Run the built-in tick loop after `listen` (true), or let the host call `server.step()` / `room.step()` (false).
   * Default true.
   */
  readonly autoTick?: boolean;
  /**
   * Largest client frame, bytes; bigger frames close the client with 4004. Default {@link DEFAULT_MAX_PAYLOAD_BYTES}.
   */
  readonly maxPayloadBytes?: number;
  /**
   * Sustained messages per second per client (token bucket); more closes it with 4003. Default
   * {@link DEFAULT_MAX_MESSAGES_PER_SECOND}.
   */
  readonly maxMessagesPerSecond?: number;
  /** Token bucket size: messages accepted back to back. Default: one second's worth. */
  readonly messageBurst?: number;
  /** Time to send a valid Hello, ms; then 4005. Default {@link DEFAULT_HANDSHAKE_TIMEOUT_MS}. */
  readonly handshakeTimeoutMs?: number;
  /** Transport idle timeout with automatic pings, s. Default {@link DEFAULT_IDLE_TIMEOUT_SEC}. */
  readonly idleTimeoutSec?: number;
  /**
   * Origins allowed to open a WebSocket (exact `scheme://host[:port]`), or '*' for any. Default: requests
   * without an Origin (non-browser clients) and same-origin pages (Origin host equals the Host header).
   */
  readonly allowedOrigins?: readonly string[] | '*';
  /** Decides each upgrade; its user data reaches `client.userData`. Default: accept everyone. */
  readonly authenticate?: (request: UpgradeRequest) => AuthResult | Promise<AuthResult>;
  /** Directory of static files served over HTTP (the built demo client). Default: none. */
  readonly staticDir?: string;
  /** Serve wss:// and https:// with these files. */
  readonly tls?: TlsOptions;
  /** Called with each error thrown by game code. Default: a rate-limited log line with the stack. */
  readonly onError?: (err: unknown, context: ErrorContext) => void;
  /** Where log lines go. Default: console. */
  readonly logger?: Logger;
  /** Least time between two log lines of one kind, ms. Default 5000. */
  readonly logIntervalMs?: number;
  /** Time and timers. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * The network: a Transport instance (the server then owns it and closes it), or which one `listen`
   * creates from these options: 'uws' (uWebSockets.js), 'ws' (the `ws` package, any Node), or 'auto'
   * (uWS when its native binary loads on this Node, else ws). A forced package that is not installed
   * makes `listen` reject naming it. Default 'auto'.
   */
  readonly transport?: Transport | TransportChoice;
  /** Time a disconnected client can resume its session, ms. Default {@link DEFAULT_RESUME_GRACE_MS}. */
  readonly resumeGraceMs?: number;
  /** Socket buffered bytes above which a client skips a tick's snapshot. Default {@link DEFAULT_MAX_BUFFERED_BYTES}. */
  readonly maxBufferedBytes?: number;
  /** Baseline age beyond which a full snapshot is sent, ticks. Default {@link DEFAULT_MAX_BASELINE_AGE_TICKS}. */
  readonly maxBaselineAgeTicks?: number;
  /** Inputs waiting per client. Default {@link DEFAULT_MAX_BUFFERED_INPUTS}. */
  readonly maxBufferedInputs?: number;
  /**
   * Most connections open at once, handshaking or joined; more upgrades get HTTP 503. Default
   * {@link DEFAULT_MAX_CONNECTIONS}.
   */
  readonly maxConnections?: number;
  /**
   * Bytes the transport may queue per client before dropping frames. Default {@link DEFAULT_MAX_BACKPRESSURE_BYTES}.
   */
  readonly maxBackpressureBytes?: number;
  /**
   * This process's place in a cluster of server processes sharing a room directory, and `POST /matchmake`.
   * Default: a directory in this process's memory (one process; matchmaking still works).
   */
  readonly cluster?: ClusterOptions;
}

/** ServerOptions with every default filled in. */
export type ResolvedServerOptions = Required<
  Omit<ServerOptions, 'authenticate' | 'staticDir' | 'tls' | 'onError' | 'logger' | 'clock' | 'transport' | 'cluster'>
> &
  Pick<ServerOptions, 'authenticate' | 'staticDir' | 'tls' | 'onError'> & {
    /** The transport instance, or which transport `listen` creates. */
    readonly transport: Transport | TransportChoice;
    /** Where log lines go, or undefined for the console. */
    readonly logger: ServerOptions['logger'];
  };

/** Fills defaults and validates; throws a RangeError naming the bad option and its allowed range. */
export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const maxMessagesPerSecond = options.maxMessagesPerSecond ?? DEFAULT_MAX_MESSAGES_PER_SECOND;
  const resolved = {
    tickRateHz: options.tickRateHz ?? DEFAULT_TICK_RATE_HZ,
    snapshotRateHz: options.snapshotRateHz ?? options.tickRateHz ?? DEFAULT_TICK_RATE_HZ,
    autoTick: options.autoTick ?? true,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    maxMessagesPerSecond,
    messageBurst: options.messageBurst ?? maxMessagesPerSecond,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    idleTimeoutSec: options.idleTimeoutSec ?? DEFAULT_IDLE_TIMEOUT_SEC,
    allowedOrigins: options.allowedOrigins ?? [],
    logIntervalMs: options.logIntervalMs ?? 5000,
    resumeGraceMs: options.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    maxBaselineAgeTicks: options.maxBaselineAgeTicks ?? DEFAULT_MAX_BASELINE_AGE_TICKS,
    maxBufferedInputs: options.maxBufferedInputs ?? DEFAULT_MAX_BUFFERED_INPUTS,
    maxBackpressureBytes: options.maxBackpressureBytes ?? DEFAULT_MAX_BACKPRESSURE_BYTES,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    authenticate: options.authenticate,
    staticDir: options.staticDir,
    tls: options.tls,
    onError: options.onError,
    transport: options.transport ?? 'auto',
    logger: options.logger,
  };
  const hz = resolved.tickRateHz;
  if (!Number.isFinite(hz) || hz < MIN_TICK_RATE_HZ || hz > MAX_TICK_RATE_HZ) {
    throw new RangeError(`Server: tickRateHz must be ${MIN_TICK_RATE_HZ}–${MAX_TICK_RATE_HZ}; got ${hz}`);
  }
  snapshotIntervalTicks(hz, resolved.snapshotRateHz, 'Server');
  positiveInt('maxPayloadBytes', resolved.maxPayloadBytes, 64);
  positive('maxMessagesPerSecond', resolved.maxMessagesPerSecond);
  positiveInt('messageBurst', resolved.messageBurst, 1);
  positive('handshakeTimeoutMs', resolved.handshakeTimeoutMs);
  positiveInt('idleTimeoutSec', resolved.idleTimeoutSec, 8);
  positiveInt('resumeGraceMs', resolved.resumeGraceMs, 0);
  positiveInt('maxBufferedBytes', resolved.maxBufferedBytes, 1);
  positiveInt('maxBaselineAgeTicks', resolved.maxBaselineAgeTicks, 1);
  positiveInt('maxBufferedInputs', resolved.maxBufferedInputs, 1);
  positiveInt('maxBackpressureBytes', resolved.maxBackpressureBytes, resolved.maxBufferedBytes);
  positiveInt('maxConnections', resolved.maxConnections, 1);
  if (resolved.allowedOrigins !== '*' && !Array.isArray(resolved.allowedOrigins)) {
    throw new TypeError("Server: allowedOrigins must be an array of origins like 'https://example.com', or '*'");
  }
  const transport = resolved.transport;
  if (
    typeof transport === 'string' ? !TRANSPORT_CHOICES.includes(transport) : typeof transport?.listen !== 'function'
  ) {
    throw new TypeError(
      `Server: transport must be a Transport or one of ${TRANSPORT_CHOICES.join(', ')}; got ${String(transport)}`,
    );
  }
  if (
    resolved.tls !== undefined &&
    (typeof resolved.tls.keyFile !== 'string' || typeof resolved.tls.certFile !== 'string')
  ) {
    throw new TypeError('Server: tls needs { keyFile, certFile } paths of PEM files');
  }
  return resolved;
}

function positive(name: string, v: number): void {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v)))
    throw new RangeError(`Server: ${name} must be a finite number > 0; got ${v}`);
}

function positiveInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`Server: ${name} must be an integer ≥ ${min}; got ${v}`);
}
