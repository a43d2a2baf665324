/**
 * The "arena" benchmark scenario: units that fly straight, bounce off the walls and turn, on a
 * 1000 × 1000 field. "arena-jitter" is the same with every velocity nudged at random each tick.
 * Deterministic for a given seed, so the codec benchmark and the load test see the same worlds.
 */
import { defineSchema, seededRandom, t } from '../../shared/index.ts';
import type { EntityInput } from '../../shared/index.ts';

/** Side of the square field, in world units. */
export const ARENA_SIZE = 1000;
/** Largest speed along one axis, in world units per second. */
export const MAX_AXIS_SPEED = 500;
/** How fast every unit turns, in radians per second. */
export const TURN_RATE_RAD_PER_S = 1.5;
/** Share of units whose hp changes each tick. */
export const HP_CHANGE_SHARE = 0.01;
/** Largest random velocity change per axis per tick in "arena-jitter", in world units per second. */
export const JITTER_PER_TICK = 2;
/** Largest initial speed along one axis, in world units per second. */
const INITIAL_AXIS_SPEED = 150;
/** Seed used when none is given. */
const DEFAULT_SEED = 1;
const TURN = Math.PI * 2;

/** The arena's schema: one kind `unit`, and a steering input for bots. */
export const arenaSchema = unitSchema(ARENA_SIZE);

/** The schema of moving units in a square world of side `worldSize` (the arena's, or a bigger one). */
export function unitSchema(worldSize: number) {
  return defineSchema({
    entities: {
      unit: {
        x: t.float({ min: 0, max: worldSize, step: 0.01 }),
        y: t.float({ min: 0, max: worldSize, step: 0.01 }),
        vx: t.float({ min: -MAX_AXIS_SPEED, max: MAX_AXIS_SPEED, step: 0.01 }),
        vy: t.float({ min: -MAX_AXIS_SPEED, max: MAX_AXIS_SPEED, step: 0.01 }),
        angle: t.angle({ steps: 3600 }),
        hp: t.uint(8),
        type: t.uint(8),
      },
    },
    input: { ax: t.float({ min: -1, max: 1, step: 0.01 }), ay: t.float({ min: -1, max: 1, step: 0.01 }) },
  });
}

/** The scenarios this module simulates. */
export type ArenaScenario = 'arena' | 'arena-jitter';
/** Every scenario name, for CLIs. */
export const ARENA_SCENARIOS: readonly ArenaScenario[] = ['arena', 'arena-jitter'];

/** A unit's state in real units, as the game holds it. */
export interface ArenaUnit {
  x: number;
  y: number;
  vx: number;
  vy: number;
  angle: number;
  hp: number;
  type: number;
}

/** Options of {@link createArena}. */
export interface ArenaOptions {
  /** Which scenario to simulate. */
  readonly scenario: ArenaScenario;
  /** Number of units. */
  readonly entities: number;
  /** Simulation rate; one `step()` advances 1 / tickRateHz seconds. */
  readonly tickRateHz: number;
  /** PRNG seed; the same seed gives the same world. Default 1. */
  readonly seed?: number;
  /** Every unit stands still and nothing changes (for measuring what an unchanged entity costs). */
  readonly still?: boolean;
}

/** A running arena world. */
export interface Arena {
  /** The current tick (0 before the first step). */
  readonly tick: number;
  /**
   * The units as entities (ids 0 … E − 1, kind 0), in id order. The array and its state objects are
   * owned by the arena and change in place on every `step()`: quantize them before stepping again.
   */
  readonly entities: readonly EntityInput[];
  /** Advances the world by one tick. */
  step(): void;
}

/** Creates an arena world at tick 0 with units at random places, velocities, headings and types. */
export function createArena(options: ArenaOptions): Arena {
  const { scenario, entities: count, tickRateHz } = options;
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`createArena: entities must be a whole number ≥ 0; got ${count}`);
  if (!(tickRateHz > 0)) throw new RangeError(`createArena: tickRateHz must be > 0; got ${tickRateHz}`);
  if (!ARENA_SCENARIOS.includes(scenario))
    throw new RangeError(`createArena: unknown scenario "${scenario}"; use ${ARENA_SCENARIOS.join(' or ')}`);
  const rand = seededRandom(options.seed ?? DEFAULT_SEED);
  const still = options.still === true;
  const speed = (): number => (still ? 0 : (rand() * 2 - 1) * INITIAL_AXIS_SPEED);
  const units: ArenaUnit[] = [];
  for (let i = 0; i < count; i++) {
    units.push({
      x: rand() * ARENA_SIZE,
      y: rand() * ARENA_SIZE,
      vx: speed(),
      vy: speed(),
      angle: rand() * TURN,
      hp: 100,
      type: Math.floor(rand() * 8),
    });
  }
  const entities: EntityInput[] = units.map((state, id) => ({
    id,
    kind: 0,
    state: state as unknown as Record<string, unknown>,
  }));
  const dt = 1 / tickRateHz;
  const jitter = scenario === 'arena-jitter' && !still;
  const hpChanges = still ? 0 : Math.max(count > 0 ? 1 : 0, Math.round(count * HP_CHANGE_SHARE));
  let tick = 0;
  return {
    get tick() {
      return tick;
    },
    entities,
    step() {
      tick++;
      if (still) return;
      for (const u of units) {
        if (jitter) {
          u.vx = clamp(u.vx + (rand() * 2 - 1) * JITTER_PER_TICK, MAX_AXIS_SPEED);
          u.vy = clamp(u.vy + (rand() * 2 - 1) * JITTER_PER_TICK, MAX_AXIS_SPEED);
        }
        [u.x, u.vx] = bounce(u.x + u.vx * dt, u.vx);
        [u.y, u.vy] = bounce(u.y + u.vy * dt, u.vy);
        u.angle = (u.angle + TURN_RATE_RAD_PER_S * dt) % TURN;
      }
      for (let n = 0; n < hpChanges; n++) {
        const u = units[Math.floor(rand() * count)]!;
        u.hp = u.hp > 0 ? u.hp - 1 : 100;
      }
    },
  };
}

/** Reflects a position that left [0, ARENA_SIZE] back inside, reversing the velocity. */
function bounce(p: number, v: number): [number, number] {
  if (p < 0) return [-p, -v];
  if (p > ARENA_SIZE) return [2 * ARENA_SIZE - p, -v];
  return [p, v];
}

function clamp(v: number, limit: number): number {
  return v < -limit ? -limit : v > limit ? limit : v;
}
