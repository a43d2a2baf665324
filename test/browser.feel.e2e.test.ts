// Play feel on the real demo in headless Chromium (playwright-core, Debian's /usr/bin/chromium): while
// the page's player holds a key and another player (a Node client sending on its own timer clock, as a
// browser does on its frames) flies straight, every frame the page draws moves its own ship, and every
// frame that interpolated further in time moves the other player's ship. No timing thresholds: the
// checks hold per frame whatever the frame rate. Then the server restarts on the same port and the
// page plays again without a reload; the time it took is written to test-artifacts/browser-e2e/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from './helpers/chromium.ts';
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/index.ts';
import { moveShip, SHIP_RADIUS } from '../demo/game/rules.ts';
import { type ArenaInput, arenaSchema, WORLD_SIZE } from '../demo/game/schema.ts';
import { ensureClientBuilt } from '../demo/server/buildClient.ts';
import { type DemoServer, startDemoServer } from '../demo/server/demoServer.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'browser-e2e');
const WAIT_MS = 20_000;
/** Frames sampled in the page while both ships fly straight. */
const FRAMES = 60;

/** One sampled frame of the page. */
interface Sample {
  readonly t: number;
  readonly local: { x: number; y: number } | null;
  readonly remote: { x: number; y: number } | null;
  readonly renderTick: number;
  readonly extrapolatedMs: number;
}

/** The page's hook (demo/client/debugHook.ts), declared structurally: tests compile without DOM types. */
interface PageGlobals {
  readonly __tickwave?: {
    readonly localId: number;
    readonly state: string;
    positionOf(id: number): { x: number; y: number } | null;
    stats(): { renderTick: number; extrapolatedMs: number };
  };
}

/** The key that flies a ship at `x` toward the farther wall, and that direction (+1 right, −1 left). */
function awayFromWall(x: number): { key: 'd' | 'a'; dir: 1 | -1 } {
  return x < WORLD_SIZE / 2 ? { key: 'd', dir: 1 } : { key: 'a', dir: -1 };
}

/** A Node player of the demo's arena, sending inputs on a 16 ms timer (not aligned with the server's ticks). */
class TimerPlayer {
  readonly client: TickwaveClient<typeof arenaSchema>;
  private input: ArenaInput = { up: false, down: false, left: false, right: false, fire: false, aim: 0 };
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(port: number) {
    this.client = new TickwaveClient(arenaSchema, {
      url: `ws://127.0.0.1:${port}/`,
      socketFactory: wsSocketFactory(),
      room: 'arena',
      joinOptions: { name: 'timer' },
      prediction: { apply: (state, input, dtSec) => moveShip(state as never, input, dtSec) },
    });
    this.client.connect();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.client.update(now, () => this.input);
      this.client.frame(now);
    }, 16);
  }

  /** Flies toward the farther wall (left or right). */
  flyAway(): void {
    const ship = this.client.predictedState(this.client.welcome!.entityId) as { x: number } | null;
    const { dir } = awayFromWall(ship?.x ?? 0);
    this.input = { ...this.input, right: dir === 1, left: dir === -1 };
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.client.close();
  }
}

/**
 * Samples `frames` animation frames of the page: its own ship, ship `remoteId`, the render tick. The
 * sampler is page source text: a function compiled here would carry the test loader's helpers along.
 */
function sampleFrames(page: Page, remoteId: number, frames: number): Promise<Sample[]> {
  return page.evaluate(`new Promise((resolve) => {
    const h = globalThis.__tickwave;
    const out = [];
    const frame = () => {
      const stats = h.stats();
      out.push({
        t: performance.now(),
        local: h.positionOf(h.localId),
        remote: h.positionOf(${Number(remoteId)}),
        renderTick: stats.renderTick,
        extrapolatedMs: stats.extrapolatedMs,
      });
      if (out.length < ${Number(frames)}) requestAnimationFrame(frame);
      else resolve(out);
    };
    requestAnimationFrame(frame);
  })`) as Promise<Sample[]>;
}

function step(a: { x: number; y: number } | null, b: { x: number; y: number } | null): number {
  return a === null || b === null ? Number.NaN : Math.hypot(b.x - a.x, b.y - a.y);
}

describe('play feel in the arena demo (headless Chromium)', { timeout: 180_000 }, () => {
  let skipReason: string | null = null;
  let demo: DemoServer | null = null;
  let context: BrowserContext | null = null;
  let buildDir = '';
  let profileDir = '';

  before(async () => {
    skipReason = chromiumMissing('the play-feel browser test');
    if (skipReason !== null) {
      console.warn(`\n!!! SKIPPING the play-feel browser test: ${skipReason}\n`);
      return;
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    buildDir = mkdtempSync(join(tmpdir(), 'tickwave-feel-build-'));
    profileDir = mkdtempSync(join(tmpdir(), 'tickwave-feel-chromium-'));
    await ensureClientBuilt({ repoRoot: REPO_ROOT, outDir: buildDir, force: true, logLevel: 'silent' });
    demo = await startDemoServer({ port: 0, host: '127.0.0.1', staticDir: buildDir, bots: 0, logger: quiet });
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 720 },
    });
  });

  after(async () => {
    await context?.close();
    await demo?.server.close();
    for (const dir of [buildDir, profileDir]) if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('moves the own ship every frame, the other player every interpolated frame; survives a restart', async (t) => {
    if (skipReason !== null) return t.skip(skipReason);
    const port = demo!.port;
    const other = new TimerPlayer(port);
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await page.goto(`http://127.0.0.1:${port}/?name=page&room=arena`);
      await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).__tickwave?.localId ?? -1) > 0, null, {
        timeout: WAIT_MS,
      });
      const deadline = Date.now() + WAIT_MS;
      while (other.client.welcome === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const otherId = other.client.welcome!.entityId;
      await page.waitForFunction(
        (id) => (globalThis as unknown as PageGlobals).__tickwave!.positionOf(id) !== null,
        otherId,
        { timeout: WAIT_MS },
      );
      const start = await page.evaluate(() => {
        const h = (globalThis as unknown as PageGlobals).__tickwave!;
        return h.positionOf(h.localId)!;
      });
      const { key } = awayFromWall(start.x);
      await page.keyboard.down(key);
      other.flyAway();
      // Both ships reach full speed long before this, and neither reaches a wall for a few seconds.
      await page.waitForTimeout(800);
      const samples = await sampleFrames(page, otherId, FRAMES);
      await page.keyboard.up(key);
      const figures = judge(samples);
      writeFileSync(join(ARTIFACTS, 'feel.json'), `${JSON.stringify(figures, null, 2)}\n`);
      assert.ok(figures.localFrames >= FRAMES / 2, JSON.stringify(figures));
      assert.ok(figures.remoteFrames > 0, `no frame interpolated the other ship: ${JSON.stringify(figures)}`);
      assert.equal(figures.localZero, 0, `frames without movement of the own ship: ${JSON.stringify(figures)}`);
      assert.equal(
        figures.remoteZero,
        0,
        `interpolated frames without movement of the other: ${JSON.stringify(figures)}`,
      );
      assert.ok(figures.localMax < (WORLD_SIZE - 2 * SHIP_RADIUS) / 2, 'no jump across the world');

      // The server restarts on the same port: the page joins the new one as a new player, without a reload.
      const oldId = await page.evaluate(() => (globalThis as unknown as PageGlobals).__tickwave!.localId);
      other.stop();
      await demo!.server.close();
      demo = await startDemoServer({ port, host: '127.0.0.1', staticDir: buildDir, bots: 0, logger: quiet });
      const restartedAt = Date.now();
      await page.waitForFunction(
        (old) => {
          const h = (globalThis as unknown as PageGlobals).__tickwave!;
          return h.state === 'joined' && h.localId > 0 && h.localId !== old && h.positionOf(h.localId) !== null;
        },
        oldId,
        { timeout: WAIT_MS },
      );
      const rejoinedMs = Date.now() - restartedAt;
      const before = await page.evaluate(() => {
        const h = (globalThis as unknown as PageGlobals).__tickwave!;
        return h.positionOf(h.localId)!;
      });
      const again = awayFromWall(before.x);
      await page.keyboard.down(again.key);
      await page.waitForFunction(
        ([x0, dir]) => {
          const h = (globalThis as unknown as PageGlobals).__tickwave!;
          return (h.positionOf(h.localId)!.x - x0) * dir > 20;
        },
        [before.x, again.dir] as const,
        { timeout: WAIT_MS },
      );
      const playingMs = Date.now() - restartedAt;
      await page.keyboard.up(again.key);
      const restart = { rejoinedMs, playingMs };
      writeFileSync(join(ARTIFACTS, 'feel-restart.json'), `${JSON.stringify(restart, null, 2)}\n`);
      console.log(`play feel: ${JSON.stringify(figures)}; after a restart: ${JSON.stringify(restart)}`);
      assert.deepEqual(errors, []);
    } finally {
      other.stop();
      await page.close();
    }
  });
});

const quiet = { warn() {}, error() {} };

/** Per-frame steps of the page's samples: zero-step frames of the own ship, and of the other while interpolating. */
function judge(samples: readonly Sample[]) {
  let localFrames = 0;
  let localZero = 0;
  let localMax = 0;
  let remoteFrames = 0;
  let remoteZero = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const local = step(a.local, b.local);
    if (b.t > a.t && Number.isFinite(local)) {
      localFrames++;
      if (local === 0) localZero++;
      localMax = Math.max(localMax, local);
    }
    const remote = step(a.remote, b.remote);
    // Only frames that moved the render time on and interpolated (no extrapolation cap holding the ship).
    if (b.renderTick > a.renderTick && a.extrapolatedMs === 0 && b.extrapolatedMs === 0 && Number.isFinite(remote)) {
      remoteFrames++;
      if (remote === 0) remoteZero++;
    }
  }
  return { frames: samples.length, localFrames, localZero, localMax, remoteFrames, remoteZero };
}
