/**
 * The page of the Chromium seek part of `npm run bench -- record` (bundled by Vite, loaded in headless
 * Chromium by recordBrowser.ts): `globalThis.__seekBench(url, count, seed)` fetches the recording and
 * runs the same seeks as Node (recordSeekLoop.ts), timed with the page's performance.now.
 */
import { runSeeks, type SeekRun } from './recordSeekLoop.ts';

/** The page's entry point, called by the bench through page.evaluate. */
async function seekBench(url: string, count: number, seed: number): Promise<SeekRun> {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return runSeeks(
    bytes,
    count,
    seed,
    () => performance.now(),
    () => new Promise((resolve) => setTimeout(resolve, 0)),
  );
}

(globalThis as unknown as { __seekBench: typeof seekBench }).__seekBench = seekBench;
