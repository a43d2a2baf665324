/**
 * Headless Chromium as the benches and the browser tests launch it: Debian's binary and the flags from
 * shared/TOOLCHAIN.md (Playwright adds --headless itself; each run uses a fresh user data dir or context).
 */

/** Where Debian's `apt-get install -y chromium` puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** The browser's flags (Playwright only reads them; do not change them in place). */
export const CHROMIUM_ARGS: string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
