/**
 * The room directory on a real Redis server (7.0 or later), shared by every process of a cluster:
 * liveness by expiring heartbeats, rooms indexed by type with free seats, seat reservation and
 * join-or-create in Lua scripts (redisScripts.ts), so concurrent joins on many processes neither
 * overfill a room nor open duplicates. Needs the optional peer dependency `ioredis`.
 *
 *   const directory = await RedisDirectory.connect({ url: 'redis://127.0.0.1:6379' });
 *   const server = new Server({ cluster: { directory, publicUrl: 'wss://eu1.example.com:8081' } });
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  ClaimedSeat,
  Heartbeat,
  ProcessEntry,
  RoomDirectory,
  RoomEntry,
  SeatReservation,
} from './RoomDirectory.ts';
import { CLAIM, DRAIN, HEARTBEAT, LIST_ROOMS, PROCESS, RESERVE, UNREGISTER } from './redisScripts.ts';

/** Default prefix of every key the directory writes. */
export const DEFAULT_REDIS_KEY_PREFIX = 'tickwave:';
/** Default time a Redis command may take before it fails, ms. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;

/** Options of {@link RedisDirectory.connect}. */
export interface RedisDirectoryOptions {
  /** The Redis URL, e.g. `redis://127.0.0.1:6379` or `rediss://…` for TLS. */
  readonly url: string;
  /** Prefix of every key, so clusters can share a Redis. Default {@link DEFAULT_REDIS_KEY_PREFIX}. */
  readonly keyPrefix?: string;
  /** Most time a command may take before it rejects, ms. Default {@link DEFAULT_REDIS_COMMAND_TIMEOUT_MS}. */
  readonly commandTimeoutMs?: number;
}

const SCRIPTS = {
  twHeartbeat: HEARTBEAT,
  twReserve: RESERVE,
  twClaim: CLAIM,
  twProcess: PROCESS,
  twDrain: DRAIN,
  twUnregister: UNREGISTER,
  twListRooms: LIST_ROOMS,
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

/**
 * A {@link RoomDirectory} on Redis. While Redis is unreachable every method rejects at once (no queue
 * of stale commands), and the client reconnects by itself; a Redis that restarted empty is filled
 * again by the next heartbeat of each process. Owns its connection until {@link close}.
 */
export class RedisDirectory implements RoomDirectory {
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Connects to Redis (waits for the first connection; rejects if it fails) and loads the scripts.
   * Throws with an install hint when the optional `ioredis` package is missing.
   */
  static async connect(options: RedisDirectoryOptions): Promise<RedisDirectory> {
    if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url))
      throw new TypeError(`RedisDirectory: url must be redis://host:port or rediss://…; got ${String(options?.url)}`);
    let mod: typeof import('ioredis');
    try {
      mod = await import('ioredis');
    } catch {
      throw new Error('RedisDirectory needs the optional package ioredis: npm install ioredis');
    }
    const redis = new mod.Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    });
    // Connection errors surface as rejected commands; without a listener ioredis would print each one.
    redis.on('error', () => {});
    for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
    await redis.connect();
    return new RedisDirectory(redis, options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
  }

  async heartbeat(beat: Heartbeat): Promise<void> {
    const args: (string | number)[] = [beat.processId, beat.url, beat.load, beat.draining ? '1' : '0', beat.expiryMs];
    for (const room of beat.rooms) args.push(room.id, room.type, room.clients, room.capacity);
    await this.run('twHeartbeat', ...args);
  }

  async reserve(type: string, capacity: number, seatTtlMs: number): Promise<SeatReservation | null> {
    const nonce = randomBytes(12).toString('base64url');
    const r = (await this.run('twReserve', type, capacity, seatTtlMs, nonce)) as string[] | number[] | null;
    if (!Array.isArray(r)) return null;
    const [seat, roomId, processId, url, created] = r.map(String) as [string, string, string, string, string];
    return { seat, roomId, type, processId, url, created: created === '1' };
  }

  async claim(processId: string, roomId: string, seat: string): Promise<ClaimedSeat | null> {
    const type = await this.run('twClaim', processId, roomId, seat);
    return typeof type === 'string' ? { roomId, type } : null;
  }

  async process(processId: string): Promise<ProcessEntry | null> {
    const r = await this.run('twProcess', processId);
    if (!Array.isArray(r)) return null;
    return { processId, url: String(r[0]), draining: String(r[1]) === '1' };
  }

  async drain(processId: string): Promise<void> {
    await this.run('twDrain', processId);
  }

  async unregister(processId: string): Promise<void> {
    await this.run('twUnregister', processId);
  }

  async listRooms(): Promise<RoomEntry[]> {
    const rows = (await this.run('twListRooms')) as string[][];
    return rows.map(([id, type, processId, clients, capacity, reserved]) => ({
      id: String(id),
      type: String(type),
      processId: String(processId),
      clients: Number(clients),
      capacity: Number(capacity),
      reserved: Number(reserved),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.redis.disconnect();
  }

  private run(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('RedisDirectory: closed'));
    const runner = (this.redis as unknown as Record<ScriptName, ScriptRunner>)[name];
    return runner.call(this.redis, this.prefix, ...args);
  }
}
