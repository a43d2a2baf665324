/**
 * One server process of the matchmaking benchmark: a Server on 127.0.0.1 (ephemeral port) sharing the
 * room directory on Redis, with one small room type `duel`. Prints `{"port": N}` once listening; drains
 * on SIGTERM. Arguments: the Redis URL, the process id, the room capacity.
 */
import { defineRoom, installShutdownHandlers, RedisDirectory, Server } from '../server/index.ts';
import { duelSchema } from './matchmakeSchema.ts';

async function main(): Promise<void> {
  const [redisUrl = '', processId = 'p', capacity = '8'] = process.argv.slice(2);
  const directory = await RedisDirectory.connect({ url: redisUrl });
  const server = new Server({
    logger: { warn: () => {}, error: (m: string) => process.stderr.write(`${m}\n`) },
    // Every benchmark join comes from 127.0.0.1: no per-address limit here.
    cluster: { directory, processId, publicUrl: 'ws://127.0.0.1:{port}', matchmakePerSecond: 1e9 },
    maxConnections: 20_000,
  });
  server.define(
    'duel',
    defineRoom(duelSchema, {
      maxClients: Number(capacity),
      onJoin(room, client) {
        client.entityId = room.spawn('player', { x: client.id % 1000 }).id;
      },
      onLeave(room, client) {
        room.despawn(client.entityId);
      },
    }),
  );
  const { port } = await server.listen(0, '127.0.0.1');
  installShutdownHandlers(
    { close: (r) => server.drain(2000, r).finally(() => directory.close()) },
    { timeoutMs: 5000 },
  );
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
