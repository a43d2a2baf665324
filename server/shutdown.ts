/** Signal handling for entry points: a clean, bounded shutdown on SIGTERM/SIGINT. */

/** Default time allowed for `server.close()` before the process exits anyway, ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 900;

/** Anything with an async `close(reason)`, such as a Server. */
export interface Closable {
  /** Closes with `reason` (the text clients see with code 1001); resolves when closed, rejects if closing failed. */
  close(reason?: string): Promise<void>;
}

/** Options of {@link installShutdownHandlers}. */
export interface ShutdownOptions {
  /** Signals to handle. Default SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** The close reason clients see with code 1001. Default 'server shutting down'. */
  readonly reason?: string;
  /** Most time to wait for `close()` before exiting anyway, ms. Default {@link DEFAULT_SHUTDOWN_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Ends the process. Default `process.exit`; tests inject a spy. */
  readonly exit?: (code: number) => void;
}

/**
 * On the first SIGTERM/SIGINT: closes `server` (it stops accepting and every client gets 1001 with
 * the reason), then exits with 0, or with 1 if closing failed or took longer than the timeout.
 * A second signal exits at once. For entry points only; returns a function that removes the handlers.
 *
 * @category Server
 */
export function installShutdownHandlers(server: Closable, options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let started = false;
  const onSignal = (): void => {
    if (started) return exit(1);
    started = true;
    const timer = setTimeout(() => exit(1), timeoutMs);
    timer.unref();
    server.close(options.reason ?? 'server shutting down').then(
      () => {
        clearTimeout(timer);
        exit(0);
      },
      () => {
        clearTimeout(timer);
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
