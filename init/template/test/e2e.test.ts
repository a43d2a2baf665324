// End to end in a real browser: the built client (dist/, `npm run build`) served by the real server, two
// pages in headless Chromium. A holds the right arrow; its player moves on its own screen and on B's.
// Chromium: CHROMIUM_PATH, default /usr/bin/chromium (Debian: `apt-get install chromium`).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Server } from 'tickwave/server';
import { startServer } from '../server/main.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'];
const WAIT_MS = 20_000;
const DIST = fileURLToPath(new URL('../dist', import.meta.url));

/** What a page's `game` global shows the test: its own entity id and where it draws each player. */
interface View {
  readonly me: number;
  readonly x: Record<number, number>;
}

/** Reads what `page` draws right now. */
function view(page: Page): Promise<View> {
  return page.evaluate(() => {
    type Drawn = { state: { x: number } };
    type Game = {
      client: { welcome: { entityId: number } | null; frame(now: number): Map<number, Drawn> };
    };
    const game = (globalThis as unknown as { game?: Game }).game;
    const x: Record<number, number> = {};
    if (game === undefined) return { me: -1, x };
    for (const [id, drawn] of game.client.frame(performance.now())) x[id] = drawn.state.x;
    return { me: game.client.welcome?.entityId ?? -1, x };
  });
}

/** Polls `read` until `done` holds, failing after WAIT_MS with `what`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the game in a browser', () => {
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let profile = '';
  let url = '';

  before(async () => {
    assert.ok(existsSync(join(DIST, 'index.html')), 'dist/ is built: run `npm run build` first');
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install it or set CHROMIUM_PATH`);
    const started = await startServer(0, '127.0.0.1', DIST);
    server = started.server;
    url = `http://127.0.0.1:${started.port}/`;
    profile = mkdtempSync(join(tmpdir(), 'game-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (profile !== '') rmSync(profile, { recursive: true, force: true });
  });

  it('two players join; A runs right, sees itself move, and B sees A move too', async () => {
    const errors: string[] = [];
    const open = async (): Promise<Page> => {
      const page = await context!.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      return page;
    };
    const a = await open();
    const b = await open();
    const aStart = await until(
      () => view(a),
      (v) => v.me > 0 && v.x[v.me] !== undefined,
      'A to join and draw itself',
    );
    const me = aStart.me;
    const bStart = await until(
      () => view(b),
      (v) => v.me > 0 && v.x[me] !== undefined,
      'B to see A',
    );
    await a.bringToFront();
    await a.keyboard.down('ArrowRight');
    try {
      await until(
        () => view(a),
        (v) => (v.x[me] ?? 0) > aStart.x[me]! + 60,
        'A to move on its own screen',
      );
      await until(
        () => view(b),
        (v) => (v.x[me] ?? 0) > bStart.x[me]! + 60,
        'B to see A move',
      );
    } finally {
      await a.keyboard.up('ArrowRight');
    }
    assert.deepEqual(errors, [], 'no errors in the pages');
  });
});
