/**
 * Headless Chromium for the browser end-to-end tests: Debian's binary and the flags from
 * shared/TOOLCHAIN.md (Playwright adds --headless itself; each test passes a fresh user data dir).
 */
import { existsSync } from 'node:fs';

/** Where Debian's `apt-get install -y chromium` puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** The browser's flags (Playwright only reads them). */
export const CHROMIUM_ARGS: string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

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
