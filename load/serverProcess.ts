/**
 * Entry of the load test's server process (forked by the CLI with an IPC channel): waits for a
 * `start` message, runs {@link startLoadServer}, answers `sample` and `stop`. It exits by itself when
 * the parent goes away or its lifetime ends, so no run leaves a server behind.
 */
import type { ChildMsg, ParentMsg } from './ipc.ts';
import { type LoadServer, startLoadServer } from './loadServer.ts';

function send(msg: ChildMsg): void {
  process.send?.(msg);
}

if (process.send === undefined) {
  console.error('serverProcess.ts is started by the load tester (tickwave-load); it needs an IPC channel');
  process.exit(2);
}

let server: LoadServer | null = null;
const logger = {
  warn: (message: string) => send({ type: 'log', line: `server: ${message}` }),
  error: (message: string) => send({ type: 'log', line: `server error: ${message}` }),
};

async function stop(code: number): Promise<never> {
  try {
    await server?.stop();
  } finally {
    send({ type: 'stopped' });
    process.disconnect?.();
    process.exit(code);
  }
}

process.on('disconnect', () => void stop(0));
process.on('message', (raw) => {
  const msg = raw as ParentMsg;
  switch (msg.type) {
    case 'start': {
      if (!('entities' in msg)) return;
      setTimeout(() => void stop(3), msg.lifetimeMs).unref();
      const { module, entities, tickRateHz, snapshotRateHz, host, port, transport, cluster } = msg;
      startLoadServer({ module, entities, tickRateHz, snapshotRateHz, host, port, logger, transport, cluster }).then(
        (s) => {
          server = s;
          const rate = s.snapshotRateHz;
          send({ type: 'ready', port: s.port, room: s.roomId, transport: s.transport, snapshotRateHz: rate });
        },
        (err: unknown) => {
          send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
          process.exit(1);
        },
      );
      return;
    }
    case 'sample':
      server?.sample().then(
        (sample) => send({ type: 'sample', server: sample }),
        (err: unknown) => send({ type: 'error', message: `sample failed: ${String(err)}` }),
      );
      return;
    case 'stop':
      void stop(0);
      return;
    case 'add':
      return;
  }
});
