/**
 * The arena demo's schema, shared by server and browser: ships and bullets, plus the asteroids and
 * pickups of the big world, and the player's input.
 */
import { defineSchema, type EntityOf, type InputOf, t } from '../../shared/index.ts';

/** Side of the square arena, world units. */
export const WORLD_SIZE = 2000;
/** Side of the square big world (room type `bigworld`), world units. */
export const BIG_WORLD_SIZE = 8000;

const coord = t.float({ min: 0, max: BIG_WORLD_SIZE, step: 0.01 });
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
    asteroid: {
      x: coord,
      y: coord,
      vx: t.float({ min: -100, max: 100, step: 0.01 }),
      vy: t.float({ min: -100, max: 100, step: 0.01 }),
      angle: t.angle({ steps: 1024 }),
      /** Radius, world units. */
      size: t.uint(8),
    },
    pickup: {
      x: coord,
      y: coord,
      type: t.enum(['health', 'score']),
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
/** An asteroid's state: it drifts and turns slowly and stops bullets. */
export type Asteroid = EntityOf<ArenaSchema, 'asteroid'>;
/** A pickup's state: flying over it heals or scores. */
export type Pickup = EntityOf<ArenaSchema, 'pickup'>;
/** One tick of a player's input. */
export type ArenaInput = InputOf<ArenaSchema>;

/**
 * The side of the world of room `roomId`, world units: {@link BIG_WORLD_SIZE} for `bigworld` rooms,
 * else {@link WORLD_SIZE}. Server and browser both use it, so prediction clamps at the same walls.
 * (Room ids are `<type>-<n>`, `<type>.<hex n>` when matchmaking opened them, or the type name itself for a
 * room created under that name.)
 */
export function worldSizeOf(roomId: string): number {
  return /^bigworld([-.][0-9a-f]+)?$/.test(roomId) ? BIG_WORLD_SIZE : WORLD_SIZE;
}
