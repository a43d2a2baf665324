/**
 * Headless Chromium for the browser end-to-end tests: the benches' binary and flags (bench/chromium.ts),
 * and the check that fails under CI when the browser is missing.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM } from '../../bench/chromium.ts';

export { CHROMIUM, CHROMIUM_ARGS } from '../../bench/chromium.ts';

/**
 * Why `what` cannot run here (Chromium is missing), or null when it can. Under CI (`CI=true`) a
 * missing browser is an error, never a skip: throws.
 */
export function chromiumMissing(what: string): string | null {
  if (existsSync(CHROMIUM)) return null;
  const install = 'install it with `apt-get install -y chromium` (.ci/run does)';
  const reason = `${CHROMIUM} is missing: ${install} to run ${what}`;
  if (process.env['CI'] === 'true') throw new Error(`${what} under CI: ${reason}`);
  return reason;
}
