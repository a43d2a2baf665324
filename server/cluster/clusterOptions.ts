/** The `cluster` option of a Server: the shared room directory and this process's place in it. */
import { randomBytes } from 'node:crypto';
import type { ClusterNodeSettings } from './ClusterNode.ts';
import { MemoryDirectory } from './MemoryDirectory.ts';
import type { RoomDirectory } from './RoomDirectory.ts';
import type { MessageBus } from './MessageBus.ts';

/** Default time between heartbeats, ms. */
export const DEFAULT_HEARTBEAT_MS = 1000;
/** Default life of a process's entries without a heartbeat, ms: a killed process leaves within this (+1 beat). */
export const DEFAULT_EXPIRY_MS = 3000;
/** Default `POST /matchmake` requests per second from one address (twice that back to back). */
export const DEFAULT_MATCHMAKE_PER_SECOND = 20;
/** Default life of a reserved seat, ms (an expired seat is still honoured while its room has space). */
export const DEFAULT_SEAT_TTL_MS = 15_000;

/** Options of a server process in a cluster. */
export interface ClusterOptions {
  /** The shared directory: a `RedisDirectory` for many processes. Default: a `MemoryDirectory` (this process only). */
  readonly directory?: RoomDirectory;
  /**
   * The URL clients connect to for rooms on this process (`ws://host:port`, or `wss://…` behind a TLS proxy);
   * `{port}` in it becomes the port `listen` bound. Default '': clients connect where they asked for
   * matchmaking (right for one process).
   */
  readonly publicUrl?: string;
  /** The cross-process channels: a `RedisBus` for many processes. Default: a `MemoryBus` (this process only). */
  readonly bus?: MessageBus;
  /** This process's id in the directory (letters, digits, _ -; at most 64). Default: random. */
  readonly processId?: string;
  /** Time between heartbeats, ms. Default {@link DEFAULT_HEARTBEAT_MS}. */
  readonly heartbeatMs?: number;
  /** Life of this process's entries without a heartbeat, ms (> heartbeatMs). Default {@link DEFAULT_EXPIRY_MS}. */
  readonly expiryMs?: number;
  /** Life of a reserved seat, ms. Default {@link DEFAULT_SEAT_TTL_MS}. */
  readonly seatTtlMs?: number;
  /**
   * `POST /matchmake` requests per second from one address (behind a proxy, the proxy's address: raise it
   * there). Default {@link DEFAULT_MATCHMAKE_PER_SECOND}.
   */
  readonly matchmakePerSecond?: number;
}

/** Fills defaults and validates (throws a RangeError naming the bad option). */
export function resolveClusterOptions(options: ClusterOptions | undefined, now: () => number): ClusterNodeSettings {
  const o = options ?? {};
  const processId = o.processId ?? randomBytes(9).toString('base64url');
  if (typeof processId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(processId))
    throw new RangeError(`cluster.processId must be 1–64 of letters, digits, _ -; got ${String(processId)}`);
  const publicUrl = o.publicUrl ?? '';
  if (typeof publicUrl !== 'string' || (publicUrl !== '' && !/^wss?:\/\/[^\s]+$/.test(publicUrl)))
    throw new RangeError(`cluster.publicUrl must be a ws:// or wss:// URL; got ${String(publicUrl)}`);
  const heartbeatMs = o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const expiryMs = o.expiryMs ?? DEFAULT_EXPIRY_MS;
  const seatTtlMs = o.seatTtlMs ?? DEFAULT_SEAT_TTL_MS;
  if (!(heartbeatMs >= 50 && expiryMs > heartbeatMs && seatTtlMs >= 1000))
    throw new RangeError(
      'cluster: need heartbeatMs ≥ 50, expiryMs > heartbeatMs, seatTtlMs ≥ 1000; ' +
        `got ${heartbeatMs}, ${expiryMs}, ${seatTtlMs}`,
    );
  const matchmakePerSecond = o.matchmakePerSecond ?? DEFAULT_MATCHMAKE_PER_SECOND;
  if (!(matchmakePerSecond > 0))
    throw new RangeError(`cluster.matchmakePerSecond must be > 0; got ${matchmakePerSecond}`);
  const directory = o.directory ?? new MemoryDirectory(now);
  return { directory, processId, publicUrl, heartbeatMs, expiryMs, seatTtlMs, matchmakePerSecond };
}
