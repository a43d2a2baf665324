/**
 * `npm start` as a cluster: with REDIS_URL and WORKERS=N, the first process builds the client and starts
 * N worker processes (this same entry point, told their index), worker i on port PORT + i, all sharing
 * the room directory on Redis; each serves the page, and the page's joins spread over the workers through
 * matchmaking. Signals are passed on to the workers; the first process ends when they all have.
 */
import { type ChildProcess, fork } from 'node:child_process';

/** The environment variable that tells a process it is worker number N (0-based). */
export const WORKER_INDEX_ENV = 'TICKWAVE_WORKER_INDEX';

/** Starts `count` workers of the script `entry` (with this process's Node flags and environment). */
export function startWorkers(entry: string, count: number): void {
  const children: ChildProcess[] = [];
  let alive = count;
  for (let i = 0; i < count; i++) {
    const child = fork(entry, [], { env: { ...process.env, [WORKER_INDEX_ENV]: String(i) } });
    child.on('exit', (code, signal) => {
      alive--;
      if (code !== 0) console.error(`worker ${i} (pid ${child.pid}) exited with ${signal ?? code}`);
      if (alive === 0) process.exit(0);
    });
    children.push(child);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
}

/** The page origins of every worker on `host` (as a browser names it) from `basePort`. */
export function workerOrigins(host: string, basePort: number, count: number): string[] {
  const origins: string[] = [];
  for (let i = 0; i < count; i++) origins.push(`http://${host}:${basePort + i}`, `https://${host}:${basePort + i}`);
  return origins;
}
