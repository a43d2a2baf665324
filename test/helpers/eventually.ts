/** Waiting helpers for tests over real sockets: they poll, and fail with what they waited for. */

/** How long a test waits for a condition over real sockets before failing, ms (generous: CI is slow). */
export const EVENTUALLY_TIMEOUT_MS = 15_000;

/** Resolves when `check` holds, polling every few ms; rejects naming `what` after `timeoutMs`. */
export function eventually(check: () => boolean, what: string, timeoutMs = EVENTUALLY_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}
