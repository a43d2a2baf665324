/**
 * The static file server of the spectator part of `npm run bench -- record`, in a process of its own as
 * a CDN or nginx would be: serves the flat folder given as argument on 127.0.0.1 (a free port, sent
 * over IPC), GET and HEAD only, plain file names only (no path: anything else is a 404), `sync.json`
 * uncached and fragments cacheable for good. Answers `{ cmd: 'stats' }` with its counts and CPU time.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2]!;
/** File names served: a fragment, the start file or the sync file. */
const NAME = /^\/([0-9]{1,9}\.twc|start\.twr|sync\.json)$/;
const stats = { requests: 0, found: 0, missing: 0, bytes: 0 };

const server = createServer(async (req, res) => {
  stats.requests++;
  const match = NAME.exec((req.url ?? '').split('?')[0]!);
  let body: Buffer | null = null;
  if (match !== null && (req.method === 'GET' || req.method === 'HEAD')) {
    try {
      body = await readFile(join(dir, match[1]!));
    } catch {
      body = null;
    }
  }
  if (body === null) {
    stats.missing++;
    res.writeHead(404, { 'content-length': 0, 'cache-control': 'no-cache' }).end();
    return;
  }
  stats.found++;
  stats.bytes += body.length;
  const name = match![1]!;
  res.writeHead(200, {
    'content-type': name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    'content-length': body.length,
    'cache-control': name === 'sync.json' ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('message', (msg: { cmd: string }) => {
  if (msg.cmd === 'stats') {
    const used = process.cpuUsage();
    process.send!({ ...stats, cpuMs: (used.user + used.system) / 1000 });
  } else if (msg.cmd === 'stop') {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  }
});
