/**
 * Chromium seek part of `npm run bench -- record`: the seek loop (recordSeekLoop.ts) bundled by Vite,
 * loaded in headless Chromium (/usr/bin/chromium through playwright-core, as the browser tests do), each
 * run in a fresh browser context; the page fetches the same 30-minute recording as the Node runs. The
 * page and the file are served from memory by request interception: nothing listens on a port.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';
import type { SeekRun } from './recordSeekLoop.ts';

/** The page's made-up origin, answered by request interception. */
const ORIGIN = 'http://seek-bench.invalid';

/** Why the Chromium part cannot run here, or null when it can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `${CHROMIUM} is missing (install it with \`apt-get install -y chromium\`): Chromium seek part skipped`;
}

/** Bundles recordBrowserPage.ts with Vite; returns the script. */
async function bundlePage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'tw-seek-page-'));
  try {
    await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        target: 'es2022',
        lib: {
          entry: new URL('./recordBrowserPage.ts', import.meta.url).pathname,
          formats: ['es'],
          fileName: () => 'seek.js',
        },
      },
    });
    return readFileSync(join(outDir, 'seek.js'), 'utf8');
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Runs `runs` page loads of `count` seeks each (seeds 1…runs) in `recording`; also the browser's version. */
export async function browserSeekRuns(
  recording: Uint8Array,
  runs: number,
  count: number,
): Promise<{ version: string; runs: SeekRun[] }> {
  const script = await bundlePage();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const out: SeekRun[] = [];
    for (let seed = 1; seed <= runs; seed++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.route(`${ORIGIN}/**`, (route) => {
        const path = new URL(route.request().url()).pathname;
        if (path === '/seek.js') return route.fulfill({ body: script, contentType: 'text/javascript' });
        if (path === '/seek.twr')
          return route.fulfill({ body: Buffer.from(recording), contentType: 'application/octet-stream' });
        return route.fulfill({ body: '<!doctype html><script type="module" src="/seek.js"></script>' });
      });
      await page.goto(`${ORIGIN}/`);
      await page.waitForFunction(() => '__seekBench' in globalThis);
      out.push(
        await page.evaluate(
          ([c, s]) =>
            (globalThis as unknown as { __seekBench(u: string, c: number, s: number): Promise<SeekRun> }).__seekBench(
              '/seek.twr',
              c,
              s,
            ),
          [count, seed] as const,
        ),
      );
      await context.close();
    }
    return { version: browser.version(), runs: out };
  } finally {
    await browser.close();
  }
}
