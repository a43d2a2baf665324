/** Reconnection policy: exponential backoff with full jitter, and the close codes that end a session for good. */
import { CloseCode } from '../shared/index.ts';

/** First reconnection delay bound, in ms. */
export const DEFAULT_RECONNECT_INITIAL_MS = 250;
/**
 * Largest reconnection delay bound, in ms: a client finds a restarted server at most this long after it
 * answers (with full jitter, half of it on average), so players are back within about 3 s of a deploy.
 */
export const DEFAULT_RECONNECT_MAX_MS = 2_000;
/** Reconnection attempts in a row before giving up (about a minute of trying at the default delays). */
export const DEFAULT_RECONNECT_ATTEMPTS = 60;

/** How the client reconnects after an unexpected disconnection. */
export interface ReconnectPolicy {
  /** Reconnect at all. Default true. */
  readonly enabled?: boolean;
  /** Delay bound of the first attempt, in ms. Default {@link DEFAULT_RECONNECT_INITIAL_MS}. */
  readonly initialDelayMs?: number;
  /** Largest delay bound, in ms. Default {@link DEFAULT_RECONNECT_MAX_MS}. */
  readonly maxDelayMs?: number;
  /**
   * Attempts in a row (without a Welcome between them) before giving up. Default
   * {@link DEFAULT_RECONNECT_ATTEMPTS}.
   */
  readonly maxAttempts?: number;
  /**
   * When a resume is refused because the server no longer knows the session (4008: it restarted, or
   * the grace period ran out) or its room (4010), join afresh as a new player instead of giving up.
   * Default true.
   */
  readonly rejoinWhenSessionLost?: boolean;
  /** Random numbers in [0, 1) for the jitter. Default `Math.random`; inject a seeded one in tests. */
  readonly random?: () => number;
}

/**
 * Close codes after which reconnecting cannot help: the peer speaks another protocol or schema, the
 * client was refused or replaced by a newer connection, the room does not exist, or the session was
 * closed normally (1000: the client left, or the server ended it without blame).
 */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set<number>([
  CloseCode.Normal,
  CloseCode.ProtocolMismatch,
  CloseCode.SchemaMismatch,
  CloseCode.AuthFailed,
  CloseCode.RoomFull,
  CloseCode.Replaced,
  CloseCode.NoSuchRoom,
]);

/**
 * The delay before reconnection attempt `attempt` (0 for the first), in ms: full jitter, uniform in
 * [0, min(maxDelayMs, initialDelayMs · 2^attempt)).
 */
export function backoffDelayMs(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const bound = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt, 30));
  return random() * bound;
}
