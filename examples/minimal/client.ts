// The browser: connect, predict the local player, interpolate the others, draw them with Pixi.
import { Application, Graphics } from 'pixi.js';
import { browserSocketFactory, TickwaveClient } from 'tickwave/client';
import { HEIGHT, move, schema, WIDTH } from './shared.ts';

const app = new Application();
await app.init({ width: WIDTH, height: HEIGHT, background: '#10141c' });
document.body.appendChild(app.canvas);

const keys = new Set<string>();
addEventListener('keydown', (e) => keys.add(e.key.toLowerCase()));
addEventListener('keyup', (e) => keys.delete(e.key.toLowerCase()));

const client = new TickwaveClient(schema, {
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
  socketFactory: browserSocketFactory,
  room: 'game',
  prediction: { apply: move },
});
client.connect();

const dots = new Map<number, Graphics>();
app.ticker.add(() => {
  const now = performance.now();
  client.update(now, () => ({ left: keys.has('a'), right: keys.has('d'), up: keys.has('w'), down: keys.has('s') }));
  const entities = client.frame(now);
  for (const [id, entity] of entities) {
    let dot = dots.get(id);
    if (dot === undefined) {
      const color = `hsl(${(entity.state.hue / 256) * 360}, 80%, 60%)`;
      dot = app.stage.addChild(new Graphics().circle(0, 0, entity.isLocal ? 14 : 10).fill(color));
      dots.set(id, dot);
    }
    dot.position.set(entity.state.x, entity.state.y);
  }
  for (const [id, dot] of dots) {
    if (!entities.has(id)) {
      dot.destroy();
      dots.delete(id);
    }
  }
});
