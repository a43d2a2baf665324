/**
 * The "bigworld" benchmark scenario: the arena's units (fly straight, bounce off the walls, turn, 1 %
 * lose hp each tick) on a 10,000 × 10,000 field, with interest management on so each client sees about
 * 100 of 10,000 units. The same room type with `interest: false` is the all-visible reference.
 * Deterministic for a given seed. Used by `npm run bench -- bigworld`; a load test can serve it too
 * (`bigworldRoomType` is an ordinary room type whose clients each follow one unit).
 */
import { seededRandom } from '../../shared/index.ts';
import { defineRoom, type Entity, type InterestOptions, type RoomType } from '../../server/index.ts';
import { TURN_RATE_RAD_PER_S, unitSchema } from './arena.ts';

/** Side of the square field, world units. */
export const BIGWORLD_SIZE = 10_000;
/** Default units in the world. */
export const BIGWORLD_ENTITIES = 10_000;
/** View radius: the cells within it (3 or 4 of {@link BIGWORLD_CELL_SIZE}) hold about 100 units. */
export const BIGWORLD_VIEW_RADIUS = 250;
/** Grid cell side, world units: 25 units per cell on average. */
export const BIGWORLD_CELL_SIZE = 500;
/** Most units per group: most cells are one group. */
export const BIGWORLD_GROUP_CAP = 32;
/** Largest initial speed along one axis, world units per second (the arena's). */
const INITIAL_AXIS_SPEED = 150;
/** Share of units whose hp changes each tick (the arena's). */
const HP_CHANGE_SHARE = 0.01;
const TURN = Math.PI * 2;
/** Capacity of the room: far above anything one process can serve. */
const MAX_CLIENTS = 1_000_000;

/** The big world's schema: the arena's unit on a 10× wider field. */
export const bigworldSchema = unitSchema(BIGWORLD_SIZE);

/** Options of {@link bigworldRoomType}. */
export interface BigworldOptions {
  /** Units in the world. Default {@link BIGWORLD_ENTITIES}. */
  readonly entities?: number;
  /** Side of the field, world units; units start spread over it. Default {@link BIGWORLD_SIZE}. */
  readonly size?: number;
  /** Interest management on (each client sees the units near the one it follows) or off (all-visible). */
  readonly interest: boolean;
  /** Frame budget per client, bytes. Default: the engine's. */
  readonly budgetBytes?: number;
  /** PRNG seed. Default 1. */
  readonly seed?: number;
}

/** One unit of the big world, as the game holds it. */
type Unit = Entity<typeof bigworldSchema, 'unit'>;

/**
 * A room type running the big world. Each joining client follows one unit (client k → unit k mod E),
 * which centres its view; inputs are accepted and ignored. Never closes when empty.
 */
export function bigworldRoomType(options: BigworldOptions): RoomType<typeof bigworldSchema> {
  const count = options.entities ?? BIGWORLD_ENTITIES;
  const size = options.size ?? BIGWORLD_SIZE;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`bigworldRoomType: entities must be a whole number ≥ 1; got ${count}`);
  if (!(size > 0 && size <= BIGWORLD_SIZE))
    throw new RangeError(`bigworldRoomType: size must be in (0, ${BIGWORLD_SIZE}]; got ${size}`);
  const rand = seededRandom(options.seed ?? 1);
  const units: Unit[] = [];
  let joined = 0;
  return defineRoom(bigworldSchema, {
    maxClients: MAX_CLIENTS,
    closeWhenEmpty: false,
    ...(options.interest ? { interest: interestOf(options) } : {}),
    onCreate(room) {
      const speed = (): number => (rand() * 2 - 1) * INITIAL_AXIS_SPEED;
      for (let i = 0; i < count; i++) {
        units.push(
          room.spawn('unit', {
            x: rand() * size,
            y: rand() * size,
            vx: speed(),
            vy: speed(),
            angle: rand() * TURN,
            hp: 100,
            type: Math.floor(rand() * 8),
          }),
        );
      }
    },
    onJoin(_room, client) {
      client.entityId = units[joined++ % units.length]!.id;
    },
    // Taken and dropped: an input is applied (and acknowledged through lastInputSeq) only when the room
    // type has onInput, so without it a load test's inputs would pile up unacknowledged.
    onInput() {},
    step(_room, dtSec) {
      moveUnits(units, dtSec, size);
      const changes = Math.max(1, Math.round(count * HP_CHANGE_SHARE));
      for (let n = 0; n < changes; n++) {
        const u = units[Math.floor(rand() * units.length)]!;
        u.hp = u.hp > 0 ? u.hp - 1 : 100;
      }
    },
  });
}

/** The big world's interest options: its view radius, cells and groups, and the budget if one is given. */
function interestOf(options: BigworldOptions): InterestOptions<typeof bigworldSchema> {
  return {
    x: 'x',
    y: 'y',
    viewRadius: BIGWORLD_VIEW_RADIUS,
    cellSize: BIGWORLD_CELL_SIZE,
    groupCap: BIGWORLD_GROUP_CAP,
    ...(options.budgetBytes !== undefined ? { budgetBytes: options.budgetBytes } : {}),
  };
}

/** Moves every unit `dtSec` along its velocity, bouncing off the walls of a `size` field, and turns it. */
function moveUnits(units: readonly Unit[], dtSec: number, size: number): void {
  for (const u of units) {
    const x = u.x + u.vx * dtSec;
    const y = u.y + u.vy * dtSec;
    // Reflect a position that left [0, size] back inside, reversing the velocity.
    if (x < 0 || x > size) u.vx = -u.vx;
    if (y < 0 || y > size) u.vy = -u.vy;
    u.x = x < 0 ? -x : x > size ? 2 * size - x : x;
    u.y = y < 0 ? -y : y > size ? 2 * size - y : y;
    u.angle = (u.angle + TURN_RATE_RAD_PER_S * dtSec) % TURN;
  }
}
