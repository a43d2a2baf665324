/**
 * The demo server: a Tickwave Server with the arena room types, serving the built browser client and
 * the game's WebSocket from one port. `main.ts` runs it; the tests start it on an ephemeral port.
 */
import { type ClusterOptions, type Logger, Server, type TransportChoice } from '../../server/index.ts';
import { join } from 'node:path';
import { Recordings } from '../../server/index.ts';
import { BIG_WORLD_SIZE } from '../game/schema.ts';
import { arenaRoom, DEFAULT_BOTS, DEFAULT_MAX_BOTS } from './arenaRoom.ts';

/** Default tick rate of the demo, Hz. */
export const DEFAULT_DEMO_TICK_RATE_HZ = 60;
/** Default bot count of a stress room when the joiner asks for none (`?stress` without `bots=`). */
export const DEFAULT_STRESS_BOTS = 1000;
/** Default population of the big world: with ships, about 5,450 entities on 8,000 × 8,000 units. */
export const DEFAULT_BIG_WORLD: BigWorldOptions = { bots: 250, asteroids: 4000, pickups: 1200 };
/** View radius in the big world, world units (a 1280 × 720 screen reaches 734 from its centre). */
export const BIG_WORLD_VIEW_RADIUS = 1000;

/** What the big world holds. */
export interface BigWorldOptions {
  readonly bots: number;
  readonly asteroids: number;
  readonly pickups: number;
}

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on, e.g. '0.0.0.0' or '127.0.0.1'. */
  readonly host: string;
  /** Folder of the built client to serve over HTTP; none serves only the WebSocket. */
  readonly staticDir?: string;
  /** Bots in each `arena` room. Default {@link DEFAULT_BOTS}. */
  readonly bots?: number;
  /** Most bots a `stress` room may ask for. Default {@link DEFAULT_MAX_BOTS}. */
  readonly maxStressBots?: number;
  /** Ticks per second. Default {@link DEFAULT_DEMO_TICK_RATE_HZ}. */
  readonly tickRateHz?: number;
  /** Snapshots per second per player, a divisor of the tick rate. Default: the tick rate. */
  readonly snapshotRateHz?: number;
  /** Population of each `bigworld` room. Default {@link DEFAULT_BIG_WORLD}. */
  readonly bigWorld?: BigWorldOptions;
  /** Seed of the rooms' randomness. */
  readonly seed?: number;
  /** Where the server logs. Default: console. */
  readonly logger?: Logger;
  /** The network transport: uws, ws, or auto (uws where its native binary loads, else ws). Default auto. */
  readonly transport?: TransportChoice;
  /** Record every room into a file of this folder (see Recordings); none records nothing. */
  readonly recordDir?: string;
  /**
   * Publish every room live as HTTP fragments into `<staticDir>/live/<room id>/` (played by
   * `/replay.html?live=live/<room id>/`), this many ms behind the game. Default: none.
   */
  readonly broadcastDelayMs?: number;
  /** This process's place in a cluster (a Redis directory and its public URL). Default: one process. */
  readonly cluster?: ClusterOptions;
  /** Page origins allowed besides the server's own (the other workers' pages). Default none. */
  readonly allowedOrigins?: readonly string[];
  /** Players in each `arena` room before matchmaking opens another. Default: the arena's own. */
  readonly arenaSize?: number;
}

/** A running demo server. */
export interface DemoServer {
  /** The engine's server (close it to stop). */
  readonly server: Server;
  /** The port it listens on. */
  readonly port: number;
  /** The recordings of its rooms (`recordDir`), or null; close it after the server to finish the files. */
  readonly recordings: Recordings | null;
}

/**
 * Starts the demo: room type `arena` (the game, with fighting bots), `stress` (roaming bots, as
 * many as the first joiner's `bots` join option asks, default {@link DEFAULT_STRESS_BOTS}) and
 * `bigworld` (asteroids, pickups and bots on {@link BIG_WORLD_SIZE} units a side, with interest
 * management — each player gets what is within {@link BIG_WORLD_VIEW_RADIUS} — and lag-compensated shots).
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const tickRateHz = options.tickRateHz ?? DEFAULT_DEMO_TICK_RATE_HZ;
  const recordings = options.recordDir === undefined ? null : new Recordings({ dir: options.recordDir, tickRateHz });
  const { staticDir, broadcastDelayMs: delayMs } = options;
  const broadcast =
    delayMs === undefined || staticDir === undefined ? null : { dir: join(staticDir, 'live'), tickRateHz, delayMs };
  const server = new Server({
    tickRateHz,
    ...(options.snapshotRateHz === undefined ? {} : { snapshotRateHz: options.snapshotRateHz }),
    staticDir: options.staticDir,
    logger: options.logger,
    transport: options.transport ?? 'auto',
    cluster: options.cluster,
    allowedOrigins: options.allowedOrigins ?? [],
  });
  const arenaSize = options.arenaSize;
  const bots = options.bots ?? DEFAULT_BOTS;
  server.define(
    'arena',
    arenaRoom({ bots, seed: options.seed, recordings, broadcast, ...(arenaSize ? { maxClients: arenaSize } : {}) }),
  );
  const maxBots = options.maxStressBots ?? DEFAULT_MAX_BOTS;
  server.define(
    'stress',
    arenaRoom({
      bots: Math.min(DEFAULT_STRESS_BOTS, maxBots),
      maxBots,
      botsFight: false,
      botsFromJoinOptions: true,
      seed: options.seed,
      recordings,
      broadcast,
    }),
  );
  const big = options.bigWorld ?? DEFAULT_BIG_WORLD;
  server.define(
    'bigworld',
    arenaRoom({
      ...big,
      maxBots: Math.max(big.bots, DEFAULT_MAX_BOTS),
      worldSize: BIG_WORLD_SIZE,
      lagCompensation: true,
      seed: options.seed,
      recordings,
      broadcast,
      interest: { x: 'x', y: 'y', viewRadius: BIG_WORLD_VIEW_RADIUS, kindWeights: { ship: 4, bullet: 2, pickup: 0.5 } },
    }),
  );
  const { port } = await server.listen(options.port, options.host);
  return { server, port, recordings };
}
