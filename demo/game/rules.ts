/**
 * The arena's movement rules, run by the server for every ship and by the browser to predict its own:
 * the same function on both sides is what makes prediction land where the server does.
 */
import { type ArenaInput, type Ship, WORLD_SIZE } from './schema.ts';

/** Top speed of a ship, world units per second. */
export const SHIP_SPEED = 320;
/** How fast a ship reaches its target velocity, per second (exponential approach). */
export const SHIP_ACCEL_PER_SEC = 10;
/** Ship radius for collisions, world units. */
export const SHIP_RADIUS = 18;
/** Bullet speed, world units per second. */
export const BULLET_SPEED = 900;
/** How long a bullet flies, seconds. */
export const BULLET_LIFE_SEC = 1.2;
/** Time between two shots of one ship, seconds. */
export const FIRE_COOLDOWN_SEC = 0.25;
/** Damage of one hit, hit points. */
export const BULLET_DAMAGE = 20;
/** Hit points of a fresh ship. */
export const SHIP_HP = 100;
/** Hit points a health pickup restores. */
export const PICKUP_HEAL = 40;
/** Distance at which a ship collects a pickup, world units. */
export const PICKUP_RADIUS = 30;

/** The fields of a ship that movement reads and writes. */
export type ShipMotion = Pick<Ship, 'x' | 'y' | 'vx' | 'vy' | 'angle'>;

/**
 * Advances a ship by one tick of input: steer toward the pressed direction at {@link SHIP_SPEED},
 * stop at the walls of a world `worldSize` units wide, face the aim. Mutates `ship`; deterministic
 * for the same inputs.
 */
export function moveShip(ship: ShipMotion, input: ArenaInput, dtSec: number, worldSize = WORLD_SIZE): void {
  let dx = (input.right ? 1 : 0) - (input.left ? 1 : 0);
  let dy = (input.down ? 1 : 0) - (input.up ? 1 : 0);
  if (dx !== 0 && dy !== 0) {
    dx *= Math.SQRT1_2;
    dy *= Math.SQRT1_2;
  }
  const blend = Math.min(1, SHIP_ACCEL_PER_SEC * dtSec);
  ship.vx += (dx * SHIP_SPEED - ship.vx) * blend;
  ship.vy += (dy * SHIP_SPEED - ship.vy) * blend;
  ship.x += ship.vx * dtSec;
  ship.y += ship.vy * dtSec;
  if (ship.x < SHIP_RADIUS || ship.x > worldSize - SHIP_RADIUS) {
    ship.x = clamp(ship.x, SHIP_RADIUS, worldSize - SHIP_RADIUS);
    ship.vx = 0;
  }
  if (ship.y < SHIP_RADIUS || ship.y > worldSize - SHIP_RADIUS) {
    ship.y = clamp(ship.y, SHIP_RADIUS, worldSize - SHIP_RADIUS);
    ship.vy = 0;
  }
  ship.angle = input.aim;
}

/** `value` limited to [min, max]. */
export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** True if a point lies within `radius` of a ship's centre. */
export function hitsShip(ship: Pick<Ship, 'x' | 'y'>, x: number, y: number, radius = SHIP_RADIUS): boolean {
  const dx = ship.x - x;
  const dy = ship.y - y;
  return dx * dx + dy * dy <= radius * radius;
}
