/**
 * `npm start`: builds the browser client if its sources changed, then serves it and the game from one
 * port. Environment: PORT (default 8080), HOST (default 0.0.0.0), BOTS (bots per arena room, default 8),
 * TRANSPORT (uws, ws or auto: uWebSockets.js where its native binary loads, else ws; default auto),
 * RECORD (a folder: record every room into a `.twr` file there, played by /replay.html; default none).
 */
import { fileURLToPath } from 'node:url';
import { installShutdownHandlers, TRANSPORT_CHOICES, type TransportChoice } from '../../server/index.ts';
import { DEFAULT_BOTS } from './arenaRoom.ts';
import { ensureClientBuilt } from './buildClient.ts';
import { startDemoServer } from './demoServer.ts';

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
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const started = performance.now();
const { outDir, built } = await ensureClientBuilt({ repoRoot });
console.log(
  built
    ? `built the client into ${outDir} in ${Math.round(performance.now() - started)} ms`
    : `client is up to date in ${outDir}`,
);
const recordDir = process.env['RECORD'] || undefined;
const demo = await startDemoServer({ port, host, bots, staticDir: outDir, transport, recordDir });
// Closing the server closes its rooms and so their recordings; then wait for the files to be written.
installShutdownHandlers({ close: (reason) => demo.server.close(reason).then(() => demo.recordings?.close()) });
if (recordDir !== undefined) console.log(`recording every room into ${recordDir} (play a file at /replay.html)`);
console.log(
  `Tickwave arena: http://${browseHost(host)}:${demo.port}/  ` +
    '(open a second tab to see each other; ?lag=150&jitter=30 for a bad network)',
);
