/**
 * `npm start`: builds the browser client if its sources changed, then serves it and the game from one
 * port. Environment: PORT (default 8080), HOST (default 0.0.0.0), BOTS (bots per arena room, default 8),
 * TRANSPORT (uws, ws or auto: uWebSockets.js where its native binary loads, else ws; default auto).
 * A cluster: REDIS_URL (the room directory; without it, one process with an in-memory directory),
 * WORKERS (processes, one per core by default with REDIS_URL; worker i listens on PORT + i), PUBLIC_URL
 * (what clients connect to, `{port}` replaced; default ws://<host>:{port}), ARENA_SIZE (players per
 * arena room), ALLOWED_ORIGINS (more page origins, comma-separated), DRAIN_MS (SIGTERM drain deadline,
 * default 10000). RECORD (a folder: record every room into a `.twr` file there, played by /replay.html).
 * SNAPSHOT_RATE (snapshots per second per player, a divisor of the 60 Hz tick: 30 sends every 2nd tick).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  allowedSnapshotRates,
  type ClusterOptions,
  installShutdownHandlers,
  RedisDirectory,
  TRANSPORT_CHOICES,
  type TransportChoice,
} from '../../server/index.ts';
import { DEFAULT_BOTS } from './arenaRoom.ts';
import { ensureClientBuilt } from './buildClient.ts';
import { DEFAULT_DEMO_TICK_RATE_HZ, startDemoServer } from './demoServer.ts';
import { startWorkers, WORKER_INDEX_ENV, workerOrigins } from './workers.ts';

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '0.0.0.0';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be an integer ${min}–${max}; got "${raw}"`);
    process.exit(2);
  }
  return value;
}

/** The host to open in a browser for a server bound to `bound`: localhost for a wildcard address. */
function browseHost(bound: string): string {
  if (bound === '0.0.0.0' || bound === '::') return 'localhost';
  return bound.includes(':') ? `[${bound}]` : bound;
}

const port = intFromEnv('PORT', DEFAULT_PORT, 0, 65535);
const host = process.env['HOST'] || DEFAULT_HOST;
const bots = intFromEnv('BOTS', DEFAULT_BOTS, 0, 500);
const transport = (process.env['TRANSPORT'] || 'auto') as TransportChoice;
if (!TRANSPORT_CHOICES.includes(transport)) {
  console.error(`TRANSPORT must be one of ${TRANSPORT_CHOICES.join(', ')}; got "${transport}"`);
  process.exit(2);
}
const redisUrl = process.env['REDIS_URL'] || '';
const workers = intFromEnv('WORKERS', redisUrl === '' ? 1 : availableParallelism(), 1, 256);
const arenaSize = intFromEnv('ARENA_SIZE', 0, 0, 10_000);
const drainMs = intFromEnv('DRAIN_MS', 10_000, 0, 3_600_000);
const recordDir = process.env['RECORD'] || undefined;
const snapshotRateHz = intFromEnv('SNAPSHOT_RATE', DEFAULT_DEMO_TICK_RATE_HZ, 1, DEFAULT_DEMO_TICK_RATE_HZ);
if (!allowedSnapshotRates(DEFAULT_DEMO_TICK_RATE_HZ).includes(snapshotRateHz)) {
  const rates = allowedSnapshotRates(DEFAULT_DEMO_TICK_RATE_HZ).join(', ');
  console.error(
    `SNAPSHOT_RATE must divide the ${DEFAULT_DEMO_TICK_RATE_HZ} Hz tick (one of ${rates}); got ${snapshotRateHz}`,
  );
  process.exit(2);
}
const broadcastDelayMs = process.env['BROADCAST'] ? intFromEnv('BROADCAST', 0, 0, 3600) * 1000 : undefined;
const workerIndex = process.env[WORKER_INDEX_ENV];
if (workers > 1 && (redisUrl === '' || port === 0)) {
  console.error('WORKERS > 1 needs REDIS_URL (the shared room directory) and a PORT other than 0');
  process.exit(2);
}
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

if (workerIndex === undefined) {
  const started = performance.now();
  const { outDir, built } = await ensureClientBuilt({ repoRoot });
  console.log(
    built
      ? `built the client into ${outDir} in ${Math.round(performance.now() - started)} ms`
      : `client is up to date in ${outDir}`,
  );
}
if (workers > 1 && workerIndex === undefined) {
  startWorkers(fileURLToPath(import.meta.url), workers);
  console.log(`Tickwave arena on ${workers} processes (ports ${port}–${port + workers - 1}), rooms on ${redisUrl}`);
} else await serve(Number(workerIndex ?? 0));

/** Serves the page and the game: alone, or as worker `index` of a cluster on Redis. */
async function serve(index: number): Promise<void> {
  const outDir = fileURLToPath(new URL('../../dist/demo/', import.meta.url));
  const cluster = await clusterOptions();
  const extraOrigins = (process.env['ALLOWED_ORIGINS'] ?? '').split(',').filter((o) => o !== '');
  const allowedOrigins = [...workerOrigins(browseHost(host), port, workers), ...extraOrigins];
  const options = { host, bots, staticDir: outDir, transport, cluster, allowedOrigins, recordDir, broadcastDelayMs };
  const demo = await startDemoServer({
    ...options,
    snapshotRateHz,
    port: port === 0 ? 0 : port + index,
    arenaSize: arenaSize || undefined,
  });
  // Closing the server closes its rooms and so their recordings; then wait for the files to be written.
  const closing = { close: (reason?: string) => demo.server.close(reason).then(() => demo.recordings?.close()) };
  installShutdownHandlers(closing, { signals: ['SIGINT'] });
  if (redisUrl === '') installShutdownHandlers(closing, { signals: ['SIGTERM'] });
  else {
    const draining = {
      close: (reason?: string) => demo.server.drain(drainMs, reason).then(() => demo.recordings?.close()),
    };
    installShutdownHandlers(draining, { signals: ['SIGTERM'], timeoutMs: drainMs + 2000 });
  }
  console.log(
    `Tickwave arena${workers > 1 ? ` (worker ${index})` : ''}: http://${browseHost(host)}:${demo.port}/  ` +
      '(open a second tab to see each other; ?lag=150&jitter=30 for a bad network)',
  );
  if (recordDir !== undefined) console.log(`recording every room into ${recordDir} (play a file at /replay.html)`);
}

/** The cluster settings from REDIS_URL and PUBLIC_URL, or undefined for one process. */
async function clusterOptions(): Promise<ClusterOptions | undefined> {
  if (redisUrl === '') return undefined;
  const directory = await RedisDirectory.connect({ url: redisUrl });
  return { directory, publicUrl: process.env['PUBLIC_URL'] || `ws://${browseHost(host)}:{port}` };
}
