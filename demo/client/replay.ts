/**
 * The replay page: plays a recording made with `RECORD=dir npm start` through the game's own views.
 * The file comes from `?file=<url>` or is dropped on the page; `?live=<folder url>` plays a room live
 * from the HTTP fragments `BROADCAST=<delay s> npm start` publishes. The player feeds the same snapshot
 * buffer and interpolation as a live game, so the arena's scene draws it unchanged; the controls add
 * play/pause, speed, a timeline, and a camera that follows any ship or moves freely.
 */
import { Application } from 'pixi.js';
import { RecordingFile } from '../../shared/index.ts';
import { FragmentSource, ReplayPlayer, type ReplaySource } from '../../client/index.ts';
import { type ArenaSchema, arenaSchema, worldSizeOf } from '../game/schema.ts';
import { ArenaScene } from './ArenaScene.ts';
import { ReplayControls } from './ReplayControls.ts';

/** Free camera speed with WASD, world units per second. */
const FREE_CAMERA_SPEED = 900;

/** What the page is playing, for the e2e test and the console. */
interface ReplayDebug {
  player: ReplayPlayer<ArenaSchema> | null;
  error: string | null;
  frames: number;
}

const debug: ReplayDebug = { player: null, error: null, frames: 0 };
(window as unknown as { __replay: ReplayDebug }).__replay = debug;

const status = document.getElementById('status')!;

function show(text: string, isError = false): void {
  status.textContent = text;
  if (isError) debug.error = text;
}

async function createApp(): Promise<Application> {
  const app = new Application();
  await app.init({ resizeTo: window, background: 0x0d1017, antialias: false, autoStart: false, autoDensity: true });
  document.getElementById('game')!.appendChild(app.canvas);
  return app;
}

/** Opens `bytes` as a recording and plays it; replaces what was playing. */
function open(app: Application, bytes: Uint8Array, name: string, started: { stop: () => void } | null) {
  const file = RecordingFile.open(bytes);
  if (!file.ok) return show(`${name}: ${file.reason}`, true);
  const crashNote = file.value.complete ? '' : ' (not closed cleanly: played up to its last whole chunk)';
  return play(app, file.value, name, crashNote, started);
}

/** Plays `source` with the page's views and controls; replaces what was playing. */
function play(
  app: Application,
  source: ReplaySource,
  name: string,
  note: string,
  started: { stop: () => void } | null,
) {
  let player: ReplayPlayer<ArenaSchema>;
  try {
    player = new ReplayPlayer(arenaSchema, source);
  } catch (err) {
    return show(`${name}: ${(err as Error).message}`, true);
  }
  started?.stop();
  const header = source.header;
  show(`${name}: room ${header.roomId}, ${new Date(header.startTimeMs).toLocaleString()}${note}`);
  player.onPlaybackError((err) => show(err.message, true));
  debug.player = player;
  return run(app, player, header.roomId, header.tickRateHz);
}

/** Draws `player` every frame until `stop`. */
function run(app: Application, player: ReplayPlayer<ArenaSchema>, roomId: string, tickRateHz: number) {
  app.stage.removeChildren();
  const scene = new ArenaScene(app.renderer, player.entities, worldSizeOf(roomId));
  app.stage.addChild(scene.world);
  const controls = new ReplayControls(player);
  const free = freeCamera(app, scene);
  player.play();
  let running = true;
  let last = performance.now();
  const loop = (): void => {
    if (!running) return;
    const now = performance.now();
    free.move((now - last) / 1000, controls.followId < 0);
    last = now;
    const entities = player.frame(now);
    scene.draw(entities, controls.followId, app.screen.width, app.screen.height);
    controls.update(tickRateHz);
    app.render();
    debug.frames++;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  return {
    stop: () => {
      running = false;
      free.dispose();
    },
  };
}

/** Drag with the mouse or hold WASD to move the camera while it follows no ship. */
function freeCamera(app: Application, scene: ArenaScene) {
  const keys = new Set<string>();
  let drag: { x: number; y: number } | null = null;
  const down = (e: KeyboardEvent) => keys.add(e.code);
  const up = (e: KeyboardEvent) => keys.delete(e.code);
  const press = (e: PointerEvent) => {
    drag = { x: e.clientX, y: e.clientY };
  };
  const moveTo = (e: PointerEvent) => {
    if (drag === null) return;
    scene.camera.centerX -= e.clientX - drag.x;
    scene.camera.centerY -= e.clientY - drag.y;
    drag = { x: e.clientX, y: e.clientY };
  };
  const release = () => {
    drag = null;
  };
  window.addEventListener('keydown', down);
  window.addEventListener('keyup', up);
  app.canvas.addEventListener('pointerdown', press);
  window.addEventListener('pointermove', moveTo);
  window.addEventListener('pointerup', release);
  return {
    move(dtSec: number, active: boolean): void {
      if (!active) return;
      const step = FREE_CAMERA_SPEED * dtSec;
      if (keys.has('KeyA')) scene.camera.centerX -= step;
      if (keys.has('KeyD')) scene.camera.centerX += step;
      if (keys.has('KeyW')) scene.camera.centerY -= step;
      if (keys.has('KeyS')) scene.camera.centerY += step;
    },
    dispose(): void {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      app.canvas.removeEventListener('pointerdown', press);
      window.removeEventListener('pointermove', moveTo);
      window.removeEventListener('pointerup', release);
    },
  };
}

/** How often a live page asks for new fragments, ms. */
const LIVE_POLL_MS = 500;

/** Plays the broadcast at `url` live, fetching new fragments every {@link LIVE_POLL_MS}. */
async function playLive(app: Application, url: string) {
  show(`connecting to ${url}…`);
  const opened = await FragmentSource.open(url, (u) => fetch(u));
  if (!opened.ok) return show(`${url}: ${opened.reason}`, true);
  const source = opened.value;
  const timer = setInterval(() => {
    void source.poll().then((r) => {
      if (!r.ok) show(`${url}: ${r.reason}`, true);
    });
  }, LIVE_POLL_MS);
  const started = play(app, source, url, ' (live)', null);
  return {
    stop: () => {
      clearInterval(timer);
      started?.stop();
    },
  };
}

async function start(): Promise<void> {
  const app = await createApp();
  let playing: { stop: () => void } | null = null;
  const params = new URLSearchParams(location.search);
  const liveUrl = params.get('live');
  if (liveUrl !== null) playing = (await playLive(app, new URL(liveUrl, location.href).href)) ?? null;
  const fileUrl = params.get('file');
  if (fileUrl !== null) {
    show(`loading ${fileUrl}…`);
    try {
      const res = await fetch(fileUrl);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      playing = open(app, new Uint8Array(await res.arrayBuffer()), fileUrl, playing) ?? playing;
    } catch (err) {
      show(`${fileUrl}: ${(err as Error).message}`, true);
    }
  }
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  window.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const dropped = e.dataTransfer?.files[0];
    if (dropped === undefined) return;
    void dropped.arrayBuffer().then((buf) => {
      playing = open(app, new Uint8Array(buf), dropped.name, playing) ?? playing;
    });
  });
}

void start();
