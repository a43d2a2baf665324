// The browser: connect, predict your own player, interpolate the others, draw them with Pixi, and show
// the net graph (press N). Arrow keys or WASD to run; whoever is "it" (the red ring) tags by touching.
import { Application, Container, Graphics, Text } from 'pixi.js';
import {
  browserSocketFactory,
  type ClientEntity,
  NetworkConditioner,
  parseConditionerQuery,
  systemClock,
  TickwaveClient,
} from 'tickwave/client';
import { EntityViews, NetGraph } from 'tickwave/client/pixi';
import { type GameInput, type GameSchema, HEIGHT, move, schema, WIDTH } from '../shared/game.ts';

const app = new Application();
await app.init({ width: WIDTH, height: HEIGHT, background: '#10141c', antialias: true });
document.body.appendChild(app.canvas);

// Try a bad network from the address bar: ?lag=150&jitter=30 (round trip, ms), &stall=200&stallEvery=5000.
const conditions = parseConditionerQuery(location.search);
const socketFactory =
  conditions === null
    ? browserSocketFactory
    : NetworkConditioner.factory(browserSocketFactory, conditions, systemClock);

const client = new TickwaveClient(schema, {
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  socketFactory,
  room: 'tag',
  prediction: { apply: move },
});
client.connect();

const keys = new Set<string>();
addEventListener('keydown', (e) => keys.add(e.key.toLowerCase()));
addEventListener('keyup', (e) => keys.delete(e.key.toLowerCase()));
addEventListener('blur', () => keys.clear());
const held = (...names: string[]): boolean => names.some((name) => keys.has(name));
const readInput = (): GameInput => ({
  left: held('arrowleft', 'a'),
  right: held('arrowright', 'd'),
  up: held('arrowup', 'w'),
  down: held('arrowdown', 's'),
});

const world = app.stage.addChild(new Container());
const views = new EntityViews<ClientEntity<GameSchema>, Graphics>(world, {
  create: (entity) =>
    new Graphics().circle(0, 0, entity.isLocal ? 14 : 12).fill(`hsl(${entity.state.hue * 1.4},80%,60%)`),
  update: (view, entity) => {
    view.position.set(entity.state.x, entity.state.y);
    view.tint = entity.state.it ? 0xff6060 : 0xffffff;
    view.scale.set(entity.state.it ? 1.3 : 1);
  },
});

const netGraph = new NetGraph(client.stats);
netGraph.view.position.set(8, 8);
app.stage.addChild(netGraph.view);
addEventListener('keydown', (e) => {
  if (e.key.toLowerCase() === 'n') netGraph.toggle();
});

const hud = app.stage.addChild(new Text({ text: 'connecting…', style: { fill: '#c8d0e0', fontSize: 16 } }));
hud.position.set(8, HEIGHT - 28);
client.onDisconnect((code, reason, willReconnect) => {
  hud.text = `disconnected (${code} ${reason})${willReconnect ? ', reconnecting…' : ''}`;
});

app.ticker.add(() => {
  const now = performance.now();
  client.update(now, readInput);
  const entities = client.frame(now);
  views.sync(entities);
  netGraph.update(now);
  const me = client.welcome === null ? undefined : entities.get(client.welcome.entityId);
  if (me !== undefined) hud.text = `${entities.size} playing · ${me.state.it ? 'you are it: tag someone!' : 'run!'}`;
});

/** For tests and the console: the client and what it draws. */
Object.assign(globalThis, { game: { client } });
