// The replay page in headless Chromium: a demo server records a room of fighting bots (RECORD), is shut
// down (the file is closed), and the built replay.html plays the file with the game's own views:
// frames are drawn, the play position advances, the timeline seeks, speed and follow work.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './helpers/chromium.ts';
import { RecordingFile } from '../shared/index.ts';
import { ensureClientBuilt } from '../demo/server/buildClient.ts';
import { startDemoServer } from '../demo/server/demoServer.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const WAIT_MS = 20_000;
/** Real time the demo server runs while recording, ms (its tick loop runs on the real clock). */
const RECORD_MS = 3000;

/** What replay.ts exposes as window.__replay, declared structurally (tests compile without DOM types). */
interface ReplayHook {
  readonly player: {
    readonly tick: number;
    readonly firstTick: number;
    readonly lastTick: number;
    readonly isPlaying: boolean;
    readonly speed: number;
    readonly entities: { readonly size: number };
  } | null;
  readonly error: string | null;
  readonly frames: number;
}

function hook(page: Page): Promise<ReplayHook> {
  return page.evaluate(() => {
    const h = (globalThis as unknown as { __replay: ReplayHook }).__replay;
    const p = h.player;
    return {
      error: h.error,
      frames: h.frames,
      player:
        p === null
          ? null
          : {
              tick: p.tick,
              firstTick: p.firstTick,
              lastTick: p.lastTick,
              isPlaying: p.isPlaying,
              speed: p.speed,
              entities: { size: p.entities.size },
            },
    };
  });
}

describe('replay page in headless Chromium', { timeout: 120_000 }, () => {
  let skipReason: string | null = null;
  let context: BrowserContext | null = null;
  let stop: (() => Promise<void>) | null = null;
  let buildDir = '';
  let profileDir = '';
  let pageUrl = '';
  let lastTick = 0;

  before(async () => {
    skipReason = chromiumMissing('the replay page end-to-end test');
    if (skipReason !== null) {
      console.warn(`\n!!! SKIPPING the replay page end-to-end test: ${skipReason}\n`);
      return;
    }
    buildDir = mkdtempSync(join(tmpdir(), 'tickwave-replay-build-'));
    profileDir = mkdtempSync(join(tmpdir(), 'tickwave-replay-chromium-'));
    await ensureClientBuilt({ repoRoot: REPO_ROOT, outDir: buildDir, force: true, logLevel: 'silent' });
    const quiet = { warn() {}, error() {} };
    const recordDir = join(buildDir, 'recordings');
    const recorder = await startDemoServer({ port: 0, host: '127.0.0.1', bots: 6, recordDir, logger: quiet });
    recorder.server.createRoom('arena');
    await new Promise((resolve) => setTimeout(resolve, RECORD_MS));
    await recorder.server.close();
    await recorder.recordings!.close();
    const [name] = readdirSync(recordDir);
    assert.ok(name !== undefined, 'a recording was written');
    const { readFileSync } = await import('node:fs');
    const file = RecordingFile.open(readFileSync(join(recordDir, name)));
    assert.ok(file.ok && file.value.complete, 'the file was closed cleanly');
    lastTick = file.value.lastTick;
    const viewer = await startDemoServer({ port: 0, host: '127.0.0.1', staticDir: buildDir, bots: 0, logger: quiet });
    stop = () => viewer.server.close();
    pageUrl = `http://127.0.0.1:${viewer.port}/replay.html?file=recordings/${encodeURIComponent(name)}`;
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 720 },
    });
  });

  after(async () => {
    await context?.close();
    await stop?.();
    for (const dir of [buildDir, profileDir]) if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('plays the file with the game views: draws, advances, seeks, changes speed, follows a ship', async (t) => {
    if (skipReason !== null) return t.skip(skipReason);
    const errors: string[] = [];
    const page = await context!.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(pageUrl);
    await page.waitForFunction(
      () => {
        const h = (globalThis as unknown as { __replay: ReplayHook }).__replay;
        return h.error !== null || (h.player !== null && h.frames > 10 && h.player.entities.size > 0);
      },
      undefined,
      { timeout: WAIT_MS },
    );
    const first = await hook(page);
    assert.equal(first.error, null);
    assert.ok(first.player !== null);
    assert.equal(first.player.lastTick, lastTick, 'the page reads the whole file');
    assert.ok(first.player.entities.size >= 6, `ships drawn: ${first.player.entities.size}`);
    // Paused through the page's player (the short file may end meanwhile; the button is tested below).
    await page.evaluate(() =>
      (globalThis as unknown as { __replay: { player: { pause(): void } } }).__replay.player.pause(),
    );
    // Seek with the timeline to the middle, paused.
    const target = Math.floor((first.player.firstTick + lastTick) / 2);
    await page.evaluate((to) => {
      const input = (
        globalThis as unknown as { document: { getElementById(id: string): unknown } }
      ).document.getElementById('timeline') as { value: string; dispatchEvent(e: unknown): void };
      input.value = String(to);
      const Ev = (globalThis as unknown as { Event: new (name: string) => unknown }).Event;
      input.dispatchEvent(new Ev('input'));
      input.dispatchEvent(new Ev('change'));
    }, target);
    const sought = await hook(page);
    assert.equal(sought.player!.isPlaying, false);
    assert.equal(Math.floor(sought.player!.tick), target, 'the timeline seeks');
    await page.selectOption('#speed', '0.25');
    const followed = await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
      const select = doc.getElementById('follow') as {
        options: { length: number; item(i: number): { value: string } };
      };
      return select.options.length > 1 ? select.options.item(1).value : null;
    });
    assert.ok(followed !== null, 'ships are offered to follow');
    await page.selectOption('#follow', followed);
    await page.click('#play');
    const slow = await hook(page);
    assert.ok(slow.player!.isPlaying && slow.player!.speed === 0.25);
    await page.click('#play');
    assert.equal((await hook(page)).player!.isPlaying, false, 'the button pauses');
    await page.click('#play');
    assert.equal((await hook(page)).player!.isPlaying, true, 'and plays');
    await page.waitForFunction(
      (from) => (globalThis as unknown as { __replay: ReplayHook }).__replay.player!.tick > from + 1,
      target,
      { timeout: WAIT_MS },
    );
    await page.selectOption('#speed', '4');
    assert.equal((await hook(page)).player!.speed, 4);
    await page.waitForFunction(
      () => {
        const p = (globalThis as unknown as { __replay: ReplayHook }).__replay.player!;
        return !p.isPlaying && p.tick === p.lastTick;
      },
      undefined,
      { timeout: WAIT_MS },
    );
    assert.deepEqual(errors, []);
  });
});
