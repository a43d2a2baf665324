// The game both sides share: what an entity is, what a player sends, and how one tick of input moves it.
import { defineSchema, type InputOf, t } from 'tickwave/shared';

export const WIDTH = 800;
export const HEIGHT = 600;
const SPEED = 240; // world units per second

export const schema = defineSchema({
  entities: {
    player: {
      x: t.float({ min: 0, max: WIDTH, step: 0.01 }),
      y: t.float({ min: 0, max: HEIGHT, step: 0.01 }),
      hue: t.uint(8),
    },
  },
  input: { left: t.bool(), right: t.bool(), up: t.bool(), down: t.bool() },
});

/** One tick of movement: the server runs it for every player, the browser to predict its own. */
export function move(player: { x: number; y: number }, input: InputOf<typeof schema>, dtSec: number): void {
  const dx = Number(input.right) - Number(input.left);
  const dy = Number(input.down) - Number(input.up);
  player.x = Math.min(WIDTH, Math.max(0, player.x + dx * SPEED * dtSec));
  player.y = Math.min(HEIGHT, Math.max(0, player.y + dy * SPEED * dtSec));
}
