// The arena demo in headless Chromium (playwright-core driving Debian's /usr/bin/chromium): the built
// client served by the demo server, two pages playing together, and a 1,000-entity stress room whose
// frame rate and client timings are written to test-artifacts/browser-e2e/ with the screenshots.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './helpers/chromium.ts';
import type { Server } from '../server/index.ts';
import { ensureClientBuilt } from '../demo/server/buildClient.ts';
import { startDemoServer } from '../demo/server/demoServer.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'browser-e2e');
const WAIT_MS = 20_000;
/** How long the stress room's frame rate is measured, ms (a measurement window, not an assertion). */
const MEASURE_MS = 5000;
const STRESS_BOTS = 1000;

/** The read-only hook the page installs as window.__tickwave (demo/client/debugHook.ts). */
interface Hook {
  readonly localId: number;
  readonly entityCount: number;
  readonly renderer: string;
  positionOf(id: number): { x: number; y: number } | null;
  serverPositionOf(id: number): { x: number; y: number } | null;
  perf(): Record<string, number>;
  resetPerf(): void;
  stats(): Record<string, number>;
}
/** The page's globals this file uses, declared structurally: tests compile without DOM types. */
interface PageGlobals {
  readonly __tickwave?: Hook;
  createImageBitmap(blob: Blob): Promise<{ readonly width: number; readonly height: number }>;
  readonly OffscreenCanvas: new (
    width: number,
    height: number,
  ) => {
    getContext(kind: '2d'): {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { readonly data: Uint8ClampedArray };
    } | null;
  };
}

/** Collects console errors and uncaught exceptions of a page. */
function watchErrors(page: Page, name: string, errors: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${name} console: ${message.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${name} pageerror: ${err.message}`));
}

/**
 * Screenshots the page with the HTML overlays hidden and counts, in the page's own PNG decoder, the
 * bright pixels and the distinct colours (4 bits per channel) the canvas shows.
 */
async function canvasInk(page: Page, file: string): Promise<{ bright: number; colors: number; pixels: number }> {
  await page.addStyleTag({ content: '.panel { visibility: hidden !important; }' });
  const png = await page.screenshot({ path: file });
  await page.addStyleTag({ content: '.panel { visibility: visible !important; }' });
  return page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const g = globalThis as unknown as PageGlobals;
    const bitmap = await g.createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const colors = new Set<number>();
    let bright = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i]!;
      const g = data[i + 1]!;
      const b = data[i + 2]!;
      colors.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      if (0.299 * r + 0.587 * g + 0.114 * b > 100) bright++;
    }
    return { bright, colors: colors.size, pixels: data.length / 4 };
  }, png.toString('base64'));
}

describe('arena demo in headless Chromium', { timeout: 180_000 }, () => {
  let skipReason: string | null = null;
  let server: Server | null = null;
  let context: BrowserContext | null = null;
  let baseUrl = '';
  let buildDir = '';
  let profileDir = '';
  const serverLog: string[] = [];

  before(async () => {
    const reason = chromiumMissing('the browser end-to-end tests');
    if (reason !== null) {
      skipReason = reason;
      console.warn(
        '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' +
          `!!! SKIPPING the browser end-to-end tests: ${reason}\n` +
          '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n',
      );
      return;
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    buildDir = mkdtempSync(join(tmpdir(), 'tickwave-demo-build-'));
    profileDir = mkdtempSync(join(tmpdir(), 'tickwave-chromium-'));
    await ensureClientBuilt({ repoRoot: REPO_ROOT, outDir: buildDir, force: true, logLevel: 'silent' });
    const demo = await startDemoServer({
      port: 0,
      host: '127.0.0.1',
      staticDir: buildDir,
      bots: 0,
      logger: { warn: (m) => serverLog.push(`warn: ${m}`), error: (m) => serverLog.push(`error: ${m}`) },
    });
    server = demo.server;
    baseUrl = `http://127.0.0.1:${demo.port}/`;
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 720 },
    });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    for (const dir of [buildDir, profileDir]) if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('two pages play together: keys move A at once, B sees it, the canvas is drawn, no console errors', async (t) => {
    if (skipReason !== null) return t.skip(skipReason);
    const errors: string[] = [];
    // A plays over a simulated 400 ms round trip, so "at once" is visible: its ship moves long before the server could
    // answer.
    const a = await context!.newPage();
    watchErrors(a, 'A', errors);
    await a.goto(`${baseUrl}?name=alice&lag=400`);
    const b = await context!.newPage();
    watchErrors(b, 'B', errors);
    await b.goto(`${baseUrl}?name=bob`);
    try {
      const joined = (page: Page) =>
        page.waitForFunction(() => ((globalThis as unknown as PageGlobals).__tickwave?.localId ?? -1) > 0, null, {
          timeout: WAIT_MS,
        });
      await Promise.all([joined(a), joined(b)]);
      const aId = await a.evaluate(() => (globalThis as unknown as PageGlobals).__tickwave!.localId);
      const bId = await b.evaluate(() => (globalThis as unknown as PageGlobals).__tickwave!.localId);
      assert.notEqual(aId, bId);
      await a.waitForFunction((id) => (globalThis as unknown as PageGlobals).__tickwave!.positionOf(id) !== null, bId, {
        timeout: WAIT_MS,
      });
      await b.waitForFunction((id) => (globalThis as unknown as PageGlobals).__tickwave!.positionOf(id) !== null, aId, {
        timeout: WAIT_MS,
      });
      await a.waitForFunction(
        (id) => (globalThis as unknown as PageGlobals).__tickwave!.serverPositionOf(id) !== null,
        aId,
        { timeout: WAIT_MS },
      );
      const start = await a.evaluate((id) => {
        const h = (globalThis as unknown as PageGlobals).__tickwave!;
        return { drawn: h.positionOf(id)!, server: h.serverPositionOf(id)! };
      }, aId);
      assert.equal(start.drawn.x, start.server.x, 'an idle ship is drawn where the server has it');

      await a.bringToFront();
      await a.keyboard.down('d');
      // In A's page: the first frame where the drawn ship moved, and where the newest snapshot had it then.
      const moved = await (
        await a.waitForFunction(
          ([id, x0]) => {
            const h = (globalThis as unknown as PageGlobals).__tickwave!;
            const drawn = h.positionOf(id)!;
            return drawn.x > x0 + 2 ? { drawn, server: h.serverPositionOf(id)! } : null;
          },
          [aId, start.drawn.x] as const,
          { timeout: WAIT_MS, polling: 'raf' },
        )
      ).jsonValue();
      assert.ok(moved !== null);
      assert.equal(
        moved.server.x,
        start.server.x,
        'A drew its ship moving before any snapshot showed the move (prediction)',
      );
      await a.waitForFunction(
        ([id, x0]) => (globalThis as unknown as PageGlobals).__tickwave!.positionOf(id)!.x > x0 + 80,
        [aId, start.drawn.x] as const,
        { timeout: WAIT_MS },
      );
      await a.keyboard.up('d');
      await b.waitForFunction(
        ([id, x0]) => (globalThis as unknown as PageGlobals).__tickwave!.positionOf(id)!.x > x0 + 60,
        [aId, start.drawn.x] as const,
        { timeout: WAIT_MS },
      );

      for (const [page, name] of [
        [a, 'page-a'],
        [b, 'page-b'],
      ] as const) {
        const ink = await canvasInk(page, join(ARTIFACTS, `${name}.png`));
        t.diagnostic(
          `${name}: ${ink.bright} bright pixels, ${ink.colors} colours of ${ink.pixels} ` +
            `(screenshot test-artifacts/browser-e2e/${name}.png)`,
        );
        assert.ok(ink.colors >= 8, `${name}: the canvas shows more than a flat fill (${ink.colors} colours)`);
        assert.ok(ink.bright >= 300, `${name}: ships, names and the net graph are drawn (${ink.bright} bright pixels)`);
      }
      assert.deepEqual(errors, [], 'no console errors or uncaught exceptions');
      assert.deepEqual(
        serverLog.filter((line) => line.startsWith('error')),
        [],
        'the server reported no game errors',
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  /**
   * Opens `query`, waits for `ready` entities, measures the page for MEASURE_MS and writes `<name>.json` and
   * `<name>.png`.
   */
  async function measure(
    t: { diagnostic(message: string): void },
    query: string,
    name: string,
    ready: number,
  ): Promise<{ entities: number; frames: number }> {
    const errors: string[] = [];
    const page = await context!.newPage();
    watchErrors(page, name, errors);
    await page.goto(`${baseUrl}${query}`);
    try {
      await page.waitForFunction(
        (n) => ((globalThis as unknown as PageGlobals).__tickwave?.entityCount ?? 0) >= n,
        ready,
        { timeout: WAIT_MS },
      );
      await page.evaluate(() => (globalThis as unknown as PageGlobals).__tickwave!.resetPerf());
      await page.waitForTimeout(MEASURE_MS);
      const figures = await page.evaluate(() => {
        const h = (globalThis as unknown as PageGlobals).__tickwave!;
        return { entities: h.entityCount, renderer: h.renderer, perf: h.perf(), stats: h.stats() };
      });
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
      writeFileSync(
        join(ARTIFACTS, `${name}.json`),
        `${JSON.stringify({ query, measuredMs: MEASURE_MS, node: process.version, ...figures }, null, 2)}\n`,
      );
      const p = figures.perf;
      t.diagnostic(
        `${name}: ${figures.entities} entities drawn, ${figures.renderer} renderer, ` +
          `${p['fps']!.toFixed(1)} fps over ${p['frames']} frames; ` +
          `client decode + interpolation ${p['clientMsPerFrameMean']!.toFixed(3)} ms/frame mean, ` +
          `${p['clientMsPerFrameP95']!.toFixed(3)} ms p95 (decode ${p['decodeMsPerFrameMean']!.toFixed(3)}, ` +
          `interpolate ${p['interpolateMsMean']!.toFixed(3)}); ` +
          `views + render ${p['drawMsMean']!.toFixed(2)} ms; ` +
          `snapshot ${figures.stats['snapshotBytesAvg']!.toFixed(0)} B ` +
          `(test-artifacts/browser-e2e/${name}.json, ${name}.png)`,
      );
      assert.deepEqual(errors, [], 'no console errors or uncaught exceptions');
      return { entities: figures.entities, frames: p['frames']! };
    } finally {
      await page.close();
    }
  }

  it(`runs a stress room with ${STRESS_BOTS} moving ships and reports its frame rate and client timings`, async (t) => {
    if (skipReason !== null) return t.skip(skipReason);
    const { entities, frames } = await measure(t, `?name=stress&bots=${STRESS_BOTS}`, 'stress-1000', STRESS_BOTS + 1);
    assert.ok(entities >= STRESS_BOTS + 1, 'every ship is drawn');
    assert.ok(frames > 0, 'frames were measured');
  });

  it('shows a big-world player the few hundred entities near it, out of more than 5,000', async (t) => {
    if (skipReason !== null) return t.skip(skipReason);
    const room = () => server!.roomList().find((r) => r.name === 'bigworld');
    const { entities } = await measure(t, '?name=explorer&world=big', 'bigworld', 100);
    assert.ok(entities >= 100 && entities < 1000, `a few hundred entities drawn (${entities})`);
    assert.ok((room()?.entityCount ?? 0) >= 5000, 'the world is far bigger than the view');
  });
});
