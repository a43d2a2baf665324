/**
 * Entry of a load-test bot process (forked by the CLI with an IPC channel): waits for `start`, then
 * runs a {@link BotPool}, adding bots on `add`, answering `sample`, and closing every bot on `stop`.
 * It exits by itself when the parent goes away or its lifetime ends.
 */
import { BotPool } from './BotPool.ts';
import { botOf, importLoadModule } from './loadModule.ts';
import type { ChildMsg, ParentMsg } from './ipc.ts';

/** Time given to bots to send their Close frames before the process exits, ms. */
const CLOSE_GRACE_MS = 300;

function send(msg: ChildMsg): void {
  process.send?.(msg);
}

if (process.send === undefined) {
  console.error('botProcess.ts is started by the load tester (tickwave-load); it needs an IPC channel');
  process.exit(2);
}

let pool: BotPool | null = null;
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  pool?.stop();
  setTimeout(() => {
    send({ type: 'stopped' });
    process.disconnect?.();
    process.exit(code);
  }, CLOSE_GRACE_MS);
}

process.on('disconnect', () => stop(0));
process.on('message', (raw) => {
  const msg = raw as ParentMsg;
  switch (msg.type) {
    case 'start':
      if (!('url' in msg)) return;
      setTimeout(() => stop(3), msg.lifetimeMs).unref();
      importLoadModule(msg.module).then(
        (m) => {
          const { type: _type, lifetimeMs: _lifetime, module, ...options } = msg;
          pool = new BotPool(options, botOf(m, module), (line) => send({ type: 'log', line: `bots: ${line}` }));
          send({ type: 'ready', port: 0, room: msg.room });
        },
        (err: unknown) => {
          send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
          process.exit(1);
        },
      );
      return;
    case 'add':
      pool?.add(msg.count);
      return;
    case 'sample':
      if (pool !== null) send({ type: 'sample', bots: pool.sample() });
      return;
    case 'stop':
      stop(0);
      return;
  }
});
