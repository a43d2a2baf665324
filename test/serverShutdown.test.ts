/**
 * Shutdown of a spawned server process on SIGTERM, a port taken back at once after SIGKILL, and wss://
 * with a certificate made by the test: on each network transport that runs on this Node.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CloseCode } from '../shared/index.ts';
import { Server } from '../server/index.ts';
import { NETWORK_TRANSPORTS, type NetworkName } from './helpers/networkTransports.ts';
import { arenaRoom, TestClient, wsSocket } from './helpers/serverFixture.ts';

const fixture = fileURLToPath(new URL('./fixtures/serverProcess.ts', import.meta.url));

async function joined(url: string, options: Parameters<typeof wsSocket>[1] = {}): Promise<TestClient> {
  const c = new TestClient(wsSocket(url, options));
  await c.waitFor(() => c.isOpen, 'open');
  c.hello();
  await c.waitFor(() => c.welcome !== null, 'Welcome');
  return c;
}

/** Spawns the fixture server on `transport` and `port`; resolves with the child and its first line. */
async function spawnServer(transport: NetworkName, port = 0) {
  const args = ['--import', 'tsx', fixture, transport, String(port)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line', { signal: AbortSignal.timeout(20_000) })) as [string];
  return { child, exited, result: JSON.parse(line) as { port?: number; error?: string } };
}

for (const transport of NETWORK_TRANSPORTS) {
  describe(`server shutdown and TLS over ${transport}`, () => {
    it('closes every client with 1001 and exits when a spawned server gets SIGTERM', async () => {
      const { child, exited, result } = await spawnServer(transport);
      try {
        const port = result.port!;
        const url = `ws://127.0.0.1:${port}/`;
        const a = await joined(url);
        const b = await joined(url);
        await a.waitFor(() => a.snapshotCount > 0, 'a snapshot');
        child.kill('SIGTERM');
        assert.equal(await a.closeCode(), CloseCode.GoingAway);
        assert.equal(await b.closeCode(), CloseCode.GoingAway);
        assert.equal(a.closed!.reason, 'server shutting down');
        const [code, signal] = (await exited) as [number | null, string | null];
        assert.equal(signal, null);
        assert.equal(code, 0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });

    it('gets its port back at once after a server holding connections is killed with SIGKILL', async () => {
      const first = await spawnServer(transport);
      const second: { child: ReturnType<typeof spawn> | null } = { child: null };
      try {
        const port = first.result.port!;
        const clients = await Promise.all([1, 2, 3].map(() => joined(`ws://127.0.0.1:${port}/`)));
        await clients[0]!.waitFor(() => clients[0]!.snapshotCount > 0, 'a snapshot');
        process.kill(first.child.pid!, 'SIGKILL');
        await first.exited;
        for (const c of clients) assert.equal(await c.closeCode(), 1006);
        const again = await spawnServer(transport, port);
        second.child = again.child;
        assert.deepEqual(again.result, { port }, 'the restarted server listens on the same port');
        const c = await joined(`ws://127.0.0.1:${port}/`);
        assert.ok(c.welcome !== null);
        c.socket.close(1000, 'done');
      } finally {
        for (const child of [first.child, second.child]) {
          if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      }
    });

    it('refuses a second live server on the same port with a clear error', async () => {
      const a = new Server({ logger: { warn: () => {}, error: () => {} }, transport });
      const b = new Server({ logger: { warn: () => {}, error: () => {} }, transport });
      try {
        const { port } = await a.listen(0, '127.0.0.1');
        await assert.rejects(b.listen(port, '127.0.0.1'), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('serves wss:// and https:// with a self-signed certificate', async (t) => {
      if (spawnSync('openssl', ['version']).status !== 0) {
        t.skip('openssl is not installed: cannot make a certificate (SKIPPED: install openssl to run the TLS test)');
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'tickwave-tls-'));
      const server = new Server({
        logger: { warn: () => {}, error: () => {} },
        tls: { keyFile: join(dir, 'key.pem'), certFile: join(dir, 'cert.pem') },
        transport,
      });
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-subj',
            '/CN=localhost',
            '-days',
            '1',
            '-addext',
            'subjectAltName=IP:127.0.0.1,DNS:localhost',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
          ],
          { stdio: 'ignore' },
        );
        const ca = readFileSync(join(dir, 'cert.pem'));
        server.define('arena', arenaRoom());
        const { port } = await server.listen(0, '127.0.0.1');
        const c = await joined(`wss://127.0.0.1:${port}/`, { ca });
        await c.waitFor(() => c.snapshotCount > 2, 'snapshots over TLS');
        assert.deepEqual(c.errors, []);
        const status = await new Promise<number>((resolve, reject) => {
          get({ host: '127.0.0.1', port, path: '/health', ca }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on('error', reject);
        });
        assert.equal(status, 200);
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
