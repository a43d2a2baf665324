/**
 * The arena's browser client: joins the server this page came from, predicts the local ship with the
 * shared `moveShip`, interpolates everyone else, and draws with Pixi. The page owns the loop: every
 * animation frame it samples input (`client.update`), brings the entities to now (`client.frame`),
 * syncs the views, moves the camera and renders.
 */
import { Application } from 'pixi.js';
import {
  browserSocketFactory,
  type ClientEntity,
  NetworkConditioner,
  systemClock,
  TickwaveClient,
} from '../../client/index.ts';
import { NetGraph } from '../../client/pixi/index.ts';
import { moveShip } from '../game/rules.ts';
import { type ArenaSchema, arenaSchema, worldSizeOf } from '../game/schema.ts';
import { ArenaScene } from './ArenaScene.ts';
import { installDebugHook } from './debugHook.ts';
import { Hud } from './Hud.ts';
import { KillCam } from './KillCam.ts';
import { PlayerInput } from './PlayerInput.ts';
import { describeConditions, type PageOptions, readPageOptions } from './options.ts';
import { FramePerf, timedSocketFactory } from './FramePerf.ts';

/** WebSocket path of the game (any path reaches the server; the dev server proxies this one). */
const WS_PATH = '/ws';
const NET_GRAPH_MARGIN_PX = 10;

/** What the page knows of its connection: the room's size and the status line. */
interface Joined {
  /** The walls prediction stops at; set from the room actually joined (Welcome) before any input is sent. */
  worldSize: number;
  /** The connection's state, as shown in the status line. */
  status: string;
}

function element(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el;
}

async function start(): Promise<void> {
  const page = readPageOptions(location.search);
  const joined: Joined = { worldSize: worldSizeOf(page.room), status: 'connecting…' };
  const perf = new FramePerf();
  const client = createClient(page, perf, joined);
  const app = await createApp(page);
  const scene = new ArenaScene(app.renderer, client.entities, joined.worldSize);
  app.stage.addChild(scene.world);
  const netGraph = createNetGraph(app, client, page);
  const hud = new Hud(element('scores'), element('status'));
  const input = new PlayerInput(app.canvas);
  const conditions = describeConditions(page.conditioner);
  const delay = page.spectateDelaySec;
  const watching = delay === null ? '' : `spectating${delay > 0 ? ` ${delay} s behind` : ''}, following the leader · `;
  followConnection(client, joined, scene);
  const killCam = new KillCam(client);
  installDebugHook(window, client, perf, app.renderer.name);

  const sample = () => input.sample(app.screen.width / 2, app.screen.height / 2);
  const loop = (): void => {
    const now = performance.now();
    client.update(now, sample);
    const live = client.frame(now);
    // On the local ship's death, the last seconds from the killer's ship, then the live game again.
    const replay = killCam.frame(now);
    const entities = replay?.entities ?? live;
    const afterFrame = performance.now();
    const localId =
      replay?.focusId ?? (page.spectateDelaySec === null ? (client.welcome?.entityId ?? -1) : leader(live));
    scene.draw(entities, localId, app.screen.width, app.screen.height);
    netGraph.update(now);
    hud.updateScores(now, entities, localId);
    const { ships, bullets, scenery } = scene;
    hud.setStatus(
      `${watching}${replay?.status ?? joined.status} · ${ships.size} ships, ${bullets.size} bullets` +
        `${scenery.size > 0 ? `, ${scenery.size} asteroids and pickups in view` : ''}${conditions}`,
    );
    app.render();
    perf.endFrame(now, afterFrame - now, performance.now() - afterFrame);
    requestAnimationFrame(loop);
  };
  client.connect();
  requestAnimationFrame(loop);
}

/** The game's client: the page's server, room and network conditions, predicting within `joined.worldSize`. */
function createClient(page: PageOptions, perf: FramePerf, joined: Joined): TickwaveClient<ArenaSchema> {
  let socketFactory = browserSocketFactory;
  if (page.conditioner !== null)
    socketFactory = NetworkConditioner.factory(socketFactory, page.conditioner, systemClock);
  socketFactory = timedSocketFactory(socketFactory, perf.recordDecode);
  return new TickwaveClient(arenaSchema, {
    // Matchmaking answers with the process that owns the room (any worker of a cluster, or this one).
    ...(page.matchmake
      ? { matchmake: { url: `${location.origin}/matchmake`, type: page.room, socketUrl: pageSocketUrl() } }
      : { url: pageSocketUrl(), room: page.room }),
    socketFactory,
    joinOptions: page.joinOptions,
    ...(page.spectateDelaySec === null ? {} : { spectate: { delaySec: page.spectateDelaySec } }),
    prediction: {
      apply(state, input, dtSec) {
        // Only ships are predicted (the local one); other kinds are never passed here.
        if ('hp' in state) moveShip(state, input, dtSec, joined.worldSize);
      },
    },
  });
}

/** The ship a spectator's camera follows: the highest score (the lowest id on a tie), or -1 with none. */
function leader(entities: ReadonlyMap<number, ClientEntity<ArenaSchema>>): number {
  let best = -1;
  let bestScore = -1;
  for (const e of entities.values()) {
    if (e.kind !== 'ship' || !('score' in e.state)) continue;
    if (e.state.score > bestScore) [best, bestScore] = [e.id, e.state.score];
  }
  return best;
}

/** The game's WebSocket on the server this page came from. */
function pageSocketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`;
}

/** The Pixi application on the page's `#game` element, rendering only when the loop asks. */
async function createApp(page: PageOptions): Promise<Application> {
  const app = new Application();
  await app.init({
    resizeTo: window,
    preference: [...page.renderers],
    background: 0x0d1017,
    antialias: false,
    autoStart: false,
    autoDensity: true,
    resolution: Math.min(2, window.devicePixelRatio || 1),
  });
  element('game').appendChild(app.canvas);
  return app;
}

/** The net graph in the top left corner, toggled with N or F3. */
function createNetGraph(app: Application, client: TickwaveClient<ArenaSchema>, page: PageOptions): NetGraph {
  const netGraph = new NetGraph(client.stats);
  netGraph.visible = page.netGraph;
  netGraph.view.position.set(NET_GRAPH_MARGIN_PX, NET_GRAPH_MARGIN_PX);
  app.stage.addChild(netGraph.view);
  window.addEventListener('keydown', (e) => {
    if (e.code === 'KeyN' || e.code === 'F3') {
      netGraph.toggle();
      e.preventDefault();
    }
  });
  return netGraph;
}

/** Keeps `joined` (status, world size) and the scene's floor up to date with the client's connection. */
function followConnection(client: TickwaveClient<ArenaSchema>, joined: Joined, scene: ArenaScene): void {
  client.onWelcome((w) => {
    joined.status = `joined ${w.roomId} at ${w.tickRateHz} Hz`;
    const size = worldSizeOf(w.roomId);
    if (size !== joined.worldSize) {
      joined.worldSize = size;
      scene.resize(size);
    }
  });
  client.onDisconnect((code, reason, willReconnect) => {
    joined.status = `disconnected (${code}${reason ? ` ${reason}` : ''})${willReconnect ? ', reconnecting…' : ''}`;
  });
  client.onError((err) => console.warn(`tickwave: ${err.message}`));
}

start().catch((err: unknown) => {
  console.error(err);
  const status = document.getElementById('status');
  if (status !== null) status.textContent = `failed to start: ${err instanceof Error ? err.message : String(err)}`;
});
