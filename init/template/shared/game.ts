// The game both sides share: what an entity is, what a player sends, and how one tick of input moves
// a player. The server runs `move` for every player; the browser runs the same code to predict its own.
import { defineSchema, type InputOf, t } from 'tickwave/shared';

/** The arena's size, world units (pixels at scale 1). */
export const WIDTH = 960;
export const HEIGHT = 600;
/** How fast a player runs, world units per second. */
export const SPEED = 260;
/** Two players closer than this touch: the one who is "it" tags the other, world units. */
export const TAG_RADIUS = 28;

export const schema = defineSchema({
  entities: {
    player: {
      x: t.float({ min: 0, max: WIDTH, step: 0.01 }),
      y: t.float({ min: 0, max: HEIGHT, step: 0.01 }),
      hue: t.uint(8),
      it: t.bool(),
    },
  },
  input: { left: t.bool(), right: t.bool(), up: t.bool(), down: t.bool() },
});

/** The schema's type, for `Room<GameSchema>` and `TickwaveClient<GameSchema>`. */
export type GameSchema = typeof schema;
/** What a player sends each tick. */
export type GameInput = InputOf<GameSchema>;

/** One tick of movement, `dtSec` seconds long: the same on the server and in the browser's prediction. */
export function move(player: { x: number; y: number }, input: GameInput, dtSec: number): void {
  const dx = Number(input.right) - Number(input.left);
  const dy = Number(input.down) - Number(input.up);
  const scale = dx !== 0 && dy !== 0 ? Math.SQRT1_2 : 1;
  player.x = Math.min(WIDTH, Math.max(0, player.x + dx * scale * SPEED * dtSec));
  player.y = Math.min(HEIGHT, Math.max(0, player.y + dy * scale * SPEED * dtSec));
}
