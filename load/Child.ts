/** The load run's handle on one child process it forked; see {@link Child}. */
import { type ChildProcess, fork } from 'node:child_process';
import type { ChildMsg, ParentMsg } from './ipc.ts';

/** Time a child has to stop before it is killed, ms. */
const STOP_TIMEOUT_MS = 3000;

/**
 * A forked child process of a load run (the server or a bot pool) with a reply queue: requests wait for
 * the child's answer of a given type, or an error when it times out or the process exits. The run owns
 * it and stops it by PID.
 */
export class Child {
  readonly proc: ChildProcess;
  private waiters: { type: ChildMsg['type']; resolve: (msg: ChildMsg) => void }[] = [];
  exited = false;

  constructor(
    readonly role: 'server' | 'bots',
    script: string,
    execArgv: readonly string[],
    log: (line: string) => void,
  ) {
    this.proc = fork(script, [], {
      execArgv: [...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (raw) => {
      const msg = raw as ChildMsg;
      if (msg.type === 'log') return log(msg.line);
      const i = this.waiters.findIndex((w) => w.type === msg.type || msg.type === 'error');
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else if (msg.type === 'error') log(`child ${this.proc.pid}: ${msg.message}`);
    });
    this.proc.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w.resolve({ type: 'error', message: `process ${this.proc.pid} exited` });
    });
  }

  send(msg: ParentMsg): void {
    if (!this.exited && this.proc.connected) this.proc.send(msg);
  }

  /** Sends `msg` and waits for a reply of `type` (or an error), at most `timeoutMs`. */
  request(msg: ParentMsg, type: ChildMsg['type'], timeoutMs: number): Promise<ChildMsg> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve({
          type: 'error',
          message: `process ${this.proc.pid} did not answer ${msg.type} within ${timeoutMs} ms`,
        });
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m: ChildMsg) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
      if (this.exited) waiter.resolve({ type: 'error', message: `process ${this.proc.pid} exited` });
      else this.send(msg);
    });
  }

  /** Asks the child to stop; kills it by PID if it has not exited within the timeout. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => {
      if (!this.exited && this.proc.pid !== undefined) process.kill(this.proc.pid, 'SIGKILL');
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
