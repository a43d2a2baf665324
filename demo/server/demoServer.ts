/**
 * The demo server: a Tickwave Server with the arena room types, serving the built browser client and
 * the game's WebSocket from one port. `main.ts` runs it; the tests start it on an ephemeral port.
 */
import { type Logger, Server } from '../../server/index.ts';
import { arenaRoom, DEFAULT_BOTS, DEFAULT_MAX_BOTS } from './arenaRoom.ts';

/** Default tick rate of the demo, Hz. */
export const DEFAULT_DEMO_TICK_RATE_HZ = 60;
/** Default bot count of a stress room when the joiner asks for none (`?stress` without `bots=`). */
export const DEFAULT_STRESS_BOTS = 1000;

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
  /** Seed of the rooms' randomness. */
  readonly seed?: number;
  /** Where the server logs. Default: console. */
  readonly logger?: Logger;
}

/** A running demo server. */
export interface DemoServer {
  /** The engine's server (close it to stop). */
  readonly server: Server;
  /** The port it listens on. */
  readonly port: number;
}

/**
 * Starts the demo: room type `arena` (the game, with fighting bots) and `stress` (roaming bots, as
 * many as the first joiner's `bots` join option asks, default {@link DEFAULT_STRESS_BOTS}).
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const server = new Server({
    tickRateHz: options.tickRateHz ?? DEFAULT_DEMO_TICK_RATE_HZ,
    staticDir: options.staticDir,
    logger: options.logger,
  });
  server.define('arena', arenaRoom({ bots: options.bots ?? DEFAULT_BOTS, seed: options.seed }));
  const maxBots = options.maxStressBots ?? DEFAULT_MAX_BOTS;
  server.define('stress', arenaRoom({ bots: Math.min(DEFAULT_STRESS_BOTS, maxBots), maxBots, botsFight: false, botsFromJoinOptions: true, seed: options.seed }));
  const { port } = await server.listen(options.port, options.host);
  return { server, port };
}
