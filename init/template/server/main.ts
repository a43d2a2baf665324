// The server: one room type, "tag", at 60 ticks per second. `npm start` serves the built client (dist/)
// and the game's WebSocket from one port; `npm run dev` runs it beside Vite, which proxies /ws here.
import { fileURLToPath } from 'node:url';
import { installShutdownHandlers, Server } from 'tickwave/server';
import { tagRoom } from './room.ts';

/** Starts a game server on `host:port` (0: any free port); serves `staticDir` over HTTP when given. */
export async function startServer(
  port: number,
  host: string,
  staticDir?: string,
): Promise<{ server: Server; port: number }> {
  const server = new Server({ tickRateHz: 60, staticDir });
  server.define('tag', tagRoom);
  const listening = await server.listen(port, host);
  return { server, port: listening.port };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = fileURLToPath(new URL('../dist', import.meta.url));
  const serveClient = process.env.SERVE_CLIENT !== '0';
  const port = Number(process.env.PORT ?? 8080);
  const { server } = await startServer(port, process.env.HOST ?? '127.0.0.1', serveClient ? dist : undefined);
  installShutdownHandlers(server);
  console.log(serveClient ? `game on http://localhost:${port}/` : `game server on ws://localhost:${port}/ws`);
}
