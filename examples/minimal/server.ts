// The authoritative server: one room type, one player entity per client, 60 ticks per second.
import { fileURLToPath } from 'node:url';
import { defineRoom, installShutdownHandlers, Server } from 'tickwave/server';
import { move, schema } from './shared.ts';

const game = defineRoom(schema, {
  maxClients: 32,
  onJoin(room, client) {
    client.entityId = room.spawn('player', { x: 400, y: 300, hue: (client.id * 47) % 256 }).id;
  },
  onInput(room, client, input, dtSec) {
    const player = room.get(client.entityId, 'player');
    if (player !== undefined) move(player, input, dtSec);
  },
  onLeave(room, client) {
    room.despawn(client.entityId);
  },
});

/** Starts the example server; `staticDir` serves the built browser client from the same port. */
export async function startServer(
  port: number,
  host: string,
  staticDir?: string,
): Promise<{ server: Server; port: number }> {
  const server = new Server({ tickRateHz: 60, staticDir });
  server.define('game', game);
  const listening = await server.listen(port, host);
  return { server, port: listening.port };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const staticDir = fileURLToPath(new URL('./dist', import.meta.url));
  const { server, port } = await startServer(
    Number(process.env.PORT ?? 8090),
    process.env.HOST ?? '127.0.0.1',
    staticDir,
  );
  installShutdownHandlers(server);
  console.log(`minimal example on http://localhost:${port}/`);
}
