/**
 * The Redis server of a `--workers` run: `redis-server` from the PATH on a free 127.0.0.1 port, without
 * persistence, started for the run and stopped by its PID when the run ends (also on errors and aborts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** Time redis-server has to say it accepts connections, ms. */
const REDIS_START_TIMEOUT_MS = 15_000;

/** Thrown when `redis-server` is not on the PATH (the CLI says so and exits 2). */
export class RedisMissingError extends Error {}

/** A running redis-server started by the load tester; {@link stop} kills it by PID. */
export interface RedisProcess {
  /** redis://127.0.0.1:port. */
  readonly url: string;
  /** Its process id. */
  readonly pid: number;
  /** Kills it (SIGKILL, by PID) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 when asked. */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/**
 * Starts redis-server on a free port and resolves once it accepts connections; rejects with a
 * {@link RedisMissingError} if it is not on the PATH, or an Error if it exits or stays silent.
 */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await readyOf(child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid ?? -1, stop };
}

/** Resolves when `child` prints that it accepts connections; rejects if it fails to start or exits first. */
function readyOf(child: ChildProcess): Promise<void> {
  let out = '';
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start: ${out.slice(-300)}`)),
      REDIS_START_TIMEOUT_MS,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ENOENT' ? new RedisMissingError('--workers needs redis-server on the PATH') : err),
    );
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}): ${out.slice(-300)}`)));
    const read = (chunk: Buffer): void => {
      out = (out + chunk.toString()).slice(-2000);
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
  });
}
