/** Shutdown of a spawned server process on SIGTERM, and wss:// with a certificate made by the test. */
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
import { arenaRoom, TestClient, wsSocket } from './helpers/serverFixture.ts';

const fixture = fileURLToPath(new URL('./fixtures/serverProcess.ts', import.meta.url));

async function joined(url: string, options: Parameters<typeof wsSocket>[1] = {}): Promise<TestClient> {
  const c = new TestClient(wsSocket(url, options));
  await c.waitFor(() => c.isOpen, 'open');
  c.hello();
  await c.waitFor(() => c.welcome !== null, 'Welcome');
  return c;
}

describe('server shutdown and TLS', () => {
  it('closes every client with 1001 and exits when a spawned server gets SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line', { signal: AbortSignal.timeout(20_000) })) as [string];
      const { port } = JSON.parse(line) as { port: number };
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

  it('serves wss:// and https:// with a self-signed certificate', async (t) => {
    if (spawnSync('openssl', ['version']).status !== 0) {
      t.skip('openssl is not installed: cannot make a certificate (SKIPPED: install openssl to run the TLS test)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'tickwave-tls-'));
    const server = new Server({
      logger: { warn: () => {}, error: () => {} },
      tls: { keyFile: join(dir, 'key.pem'), certFile: join(dir, 'cert.pem') },
    });
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
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
