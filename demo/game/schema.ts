/** The arena demo's schema: ships and bullets, and the player's input. Shared by server and browser. */
import { defineSchema, type EntityOf, type InputOf, t } from '../../shared/index.ts';

/** Side of the square arena, world units. */
export const WORLD_SIZE = 2000;

const coord = t.float({ min: 0, max: WORLD_SIZE, step: 0.01 });
const speed = t.float({ min: -1000, max: 1000, step: 0.01 });

/** The arena's wire schema. */
export const arenaSchema = defineSchema({
  entities: {
    ship: {
      x: coord,
      y: coord,
      vx: speed,
      vy: speed,
      angle: t.angle({ steps: 4096 }),
      hp: t.uint(8),
      score: t.uint(16),
      hue: t.uint(8),
      bot: t.bool(),
      name: t.string({ maxBytes: 16 }),
    },
    bullet: {
      x: coord,
      y: coord,
      vx: speed,
      vy: speed,
      owner: t.uint(31),
    },
  },
  input: {
    up: t.bool(),
    down: t.bool(),
    left: t.bool(),
    right: t.bool(),
    fire: t.bool(),
    aim: t.angle({ steps: 4096 }),
  },
});

/** The arena schema's type. */
export type ArenaSchema = typeof arenaSchema;
/** A ship's state in real units (world units, units per second, radians). */
export type Ship = EntityOf<ArenaSchema, 'ship'>;
/** A bullet's state. */
export type Bullet = EntityOf<ArenaSchema, 'bullet'>;
/** One tick of a player's input. */
export type ArenaInput = InputOf<ArenaSchema>;
