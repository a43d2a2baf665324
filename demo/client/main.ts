/**
 * The arena's browser client: joins the server this page came from, predicts the local ship with the
 * shared `moveShip`, interpolates everyone else, and draws with Pixi. The page owns the loop: every
 * animation frame it samples input (`client.update`), brings the entities to now (`client.frame`),
 * syncs the views, moves the camera and renders.
 */
import { Application, Container } from 'pixi.js';
import { browserSocketFactory, NetworkConditioner, systemClock, TickwaveClient } from '../../client/index.ts';
import { EntityViews, NetGraph } from '../../client/pixi/index.ts';
import { moveShip } from '../game/rules.ts';
import { arenaSchema, worldSizeOf } from '../game/schema.ts';
import { type ArenaEntity, arenaViewAdapter, Camera, createArenaTextures, createBackground } from './arenaViews.ts';
import { installDebugHook } from './debugHook.ts';
import { Hud } from './Hud.ts';
import { PlayerInput } from './PlayerInput.ts';
import { describeConditions, readPageOptions } from './options.ts';
import { FramePerf, timedSocketFactory } from './FramePerf.ts';

/** WebSocket path of the game (any path reaches the server; the dev server proxies this one). */
const WS_PATH = '/ws';
const NET_GRAPH_MARGIN_PX = 10;

function element(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el;
}

async function start(): Promise<void> {
  const page = readPageOptions(location.search);
  // The walls prediction stops at; set from the room actually joined (Welcome) before any input is sent.
  let worldSize = worldSizeOf(page.room);
  const perf = new FramePerf();
  let socketFactory = browserSocketFactory;
  if (page.conditioner !== null)
    socketFactory = NetworkConditioner.factory(socketFactory, page.conditioner, systemClock);
  socketFactory = timedSocketFactory(socketFactory, perf.recordDecode);

  const client = new TickwaveClient(arenaSchema, {
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_PATH}`,
    socketFactory,
    room: page.room,
    joinOptions: page.joinOptions,
    prediction: {
      apply(state, input, dtSec) {
        // Only ships are predicted (the local one); other kinds are never passed here.
        if ('hp' in state) moveShip(state, input, dtSec, worldSize);
      },
    },
  });

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
  const host = element('game');
  host.appendChild(app.canvas);

  const world = new Container();
  let background = createBackground(worldSize);
  const sceneryLayer = new Container();
  const bulletLayer = new Container();
  const shipLayer = new Container();
  world.addChild(background, sceneryLayer, bulletLayer, shipLayer);
  app.stage.addChild(world);

  const camera = new Camera();
  const textures = createArenaTextures(app.renderer);
  const adapter = arenaViewAdapter(textures, camera, client.entities);
  const ships = new EntityViews(shipLayer, adapter);
  const bullets = new EntityViews(bulletLayer, adapter);
  const scenery = new EntityViews(sceneryLayer, adapter);
  const shipMap = new Map<number, ArenaEntity>();
  const bulletMap = new Map<number, ArenaEntity>();
  const sceneryMap = new Map<number, ArenaEntity>();

  const netGraph = new NetGraph(client.stats);
  netGraph.visible = page.netGraph;
  netGraph.view.position.set(NET_GRAPH_MARGIN_PX, NET_GRAPH_MARGIN_PX);
  app.stage.addChild(netGraph.view);

  const hud = new Hud(element('scores'), element('status'));
  const input = new PlayerInput(app.canvas);
  const conditions = describeConditions(page.conditioner);
  let status = 'connecting…';
  client.onWelcome((w) => {
    status = `joined ${w.roomId} at ${w.tickRateHz} Hz`;
    const size = worldSizeOf(w.roomId);
    if (size !== worldSize) {
      worldSize = size;
      world.removeChild(background).destroy();
      background = createBackground(worldSize);
      world.addChildAt(background, 0);
    }
  });
  client.onDisconnect((code, reason, willReconnect) => {
    status = `disconnected (${code}${reason ? ` ${reason}` : ''})${willReconnect ? ', reconnecting…' : ''}`;
  });
  client.onError((err) => console.warn(`tickwave: ${err.message}`));
  window.addEventListener('keydown', (e) => {
    if (e.code === 'KeyN' || e.code === 'F3') {
      netGraph.toggle();
      e.preventDefault();
    }
  });
  installDebugHook(window, client, perf, app.renderer.name);

  const sample = () => input.sample(app.screen.width / 2, app.screen.height / 2);
  const loop = (): void => {
    const now = performance.now();
    client.update(now, sample);
    const entities = client.frame(now);
    const afterFrame = performance.now();
    const localId = client.welcome?.entityId ?? -1;
    const local = entities.get(localId);
    if (local !== undefined) {
      camera.centerX = local.state.x;
      camera.centerY = local.state.y;
    }
    camera.halfWidth = app.screen.width / 2;
    camera.halfHeight = app.screen.height / 2;
    // Ships above bullets above scenery: split by kind into the layers' maps (reused, no allocation per frame).
    shipMap.clear();
    bulletMap.clear();
    sceneryMap.clear();
    for (const e of entities.values())
      (e.kind === 'ship' ? shipMap : e.kind === 'bullet' ? bulletMap : sceneryMap).set(e.id, e);
    ships.sync(shipMap);
    bullets.sync(bulletMap);
    scenery.sync(sceneryMap);
    world.position.set(Math.round(camera.halfWidth - camera.centerX), Math.round(camera.halfHeight - camera.centerY));
    netGraph.update(now);
    hud.updateScores(now, entities, localId);
    hud.setStatus(
      `${status} · ${ships.size} ships, ${bullets.size} bullets` +
        `${scenery.size > 0 ? `, ${scenery.size} asteroids and pickups in view` : ''}${conditions}`,
    );
    app.render();
    perf.endFrame(now, afterFrame - now, performance.now() - afterFrame);
    requestAnimationFrame(loop);
  };
  client.connect();
  requestAnimationFrame(loop);
}

start().catch((err: unknown) => {
  console.error(err);
  const status = document.getElementById('status');
  if (status !== null) status.textContent = `failed to start: ${err instanceof Error ? err.message : String(err)}`;
});
