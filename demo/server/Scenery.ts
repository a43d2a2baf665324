/**
 * The big world's scenery: asteroids that drift, turn and stop bullets, and pickups that heal or
 * score when a ship flies over them (a collected pickup reappears somewhere else, so the count stays).
 */
import type { Entity, Room } from '../../server/index.ts';
import { PICKUP_HEAL, PICKUP_RADIUS, SHIP_HP } from '../game/rules.ts';
import type { ArenaSchema } from '../game/schema.ts';
import { SpatialHash } from './SpatialHash.ts';

/** Smallest asteroid radius, world units. */
export const ASTEROID_MIN_SIZE = 18;
/** Largest asteroid radius, world units. */
export const ASTEROID_MAX_SIZE = 70;
/** Fastest asteroid drift, world units per second. */
export const ASTEROID_MAX_SPEED = 25;
/** Fastest asteroid spin, radians per second. */
const ASTEROID_MAX_SPIN = 0.6;
/** Pickups and asteroids keep this far from the walls, world units. */
const SCENERY_MARGIN = 80;
/** Ticks between two rebuilds of the asteroids' grid; queries widen by the drift in between. */
const ASTEROID_REHASH_TICKS = 30;

type AsteroidEntity = Entity<ArenaSchema, 'asteroid'>;
type PickupEntity = Entity<ArenaSchema, 'pickup'>;
type ShipEntity = Entity<ArenaSchema, 'ship'>;

/** Asteroids and pickups of one room; owned by its world. */
export class Scenery {
  private readonly asteroids: { readonly entity: AsteroidEntity; readonly spin: number }[] = [];
  private readonly asteroidHash = new SpatialHash(ASTEROID_MAX_SIZE * 2);
  private readonly pickups = new Map<number, PickupEntity>();
  private readonly pickupHash = new SpatialHash(PICKUP_RADIUS * 4);
  private ticksSinceRehash = 0;
  /** How far an asteroid may have drifted since the grid was built, world units. */
  private driftSlack = 0;

  constructor(
    private readonly room: Room<ArenaSchema>,
    private readonly random: () => number,
    private readonly worldSize: number,
  ) {}

  /** Number of asteroids. */
  get asteroidCount(): number {
    return this.asteroids.length;
  }

  /** Number of pickups. */
  get pickupCount(): number {
    return this.pickups.size;
  }

  /** Spawns `asteroids` asteroids and `pickups` pickups at random places. */
  populate(asteroids: number, pickups: number): void {
    for (let i = 0; i < asteroids; i++) {
      const heading = this.random() * Math.PI * 2;
      const speed = this.random() * ASTEROID_MAX_SPEED;
      const entity = this.room.spawn('asteroid', {
        x: this.coord(),
        y: this.coord(),
        vx: Math.cos(heading) * speed,
        vy: Math.sin(heading) * speed,
        angle: this.random() * Math.PI * 2,
        size: Math.round(ASTEROID_MIN_SIZE + this.random() * this.random() * (ASTEROID_MAX_SIZE - ASTEROID_MIN_SIZE)),
      });
      this.asteroids.push({ entity, spin: (this.random() * 2 - 1) * ASTEROID_MAX_SPIN });
    }
    for (let i = 0; i < pickups; i++) this.spawnPickup();
    this.rebuildAsteroidHash();
  }

  /** Drifts and turns the asteroids (bouncing off the walls); rebuilds their grid now and then. */
  step(dtSec: number): void {
    const min = SCENERY_MARGIN;
    const max = this.worldSize - SCENERY_MARGIN;
    for (const { entity: a, spin } of this.asteroids) {
      a.x += a.vx * dtSec;
      a.y += a.vy * dtSec;
      if (a.x < min || a.x > max) {
        a.vx = -a.vx;
        a.x = Math.min(max, Math.max(min, a.x));
      }
      if (a.y < min || a.y > max) {
        a.vy = -a.vy;
        a.y = Math.min(max, Math.max(min, a.y));
      }
      a.angle = (((a.angle + spin * dtSec) % (Math.PI * 2)) + Math.PI * 2) % (Math.PI * 2);
    }
    if (++this.ticksSinceRehash >= ASTEROID_REHASH_TICKS) this.rebuildAsteroidHash();
    else this.driftSlack += ASTEROID_MAX_SPEED * dtSec;
  }

  /** True if the point (x, y) with `radius` touches an asteroid. */
  blocks(x: number, y: number, radius: number): boolean {
    return this.asteroidHash.query(x, y, ASTEROID_MAX_SIZE + radius + this.driftSlack, (i) => {
      const a = this.asteroids[i]!.entity;
      const reach = a.size + radius;
      const dx = a.x - x;
      const dy = a.y - y;
      return dx * dx + dy * dy <= reach * reach;
    });
  }

  /** Lets `ship` collect the pickups it touches: health heals a damaged ship, score adds a point. */
  collect(ship: ShipEntity): void {
    let taken: PickupEntity | undefined;
    this.pickupHash.query(ship.x, ship.y, PICKUP_RADIUS, (id) => {
      const p = this.pickups.get(id);
      if (p === undefined || Math.hypot(p.x - ship.x, p.y - ship.y) > PICKUP_RADIUS) return false;
      if (p.type === 'health' && ship.hp >= SHIP_HP) return false;
      taken = p;
      return true;
    });
    if (taken === undefined) return;
    if (taken.type === 'health') ship.hp = Math.min(SHIP_HP, ship.hp + PICKUP_HEAL);
    else ship.score = Math.min(65535, ship.score + 1);
    this.pickups.delete(taken.id);
    this.pickupHash.remove(taken.id, taken.x, taken.y);
    this.room.despawn(taken.id);
    this.spawnPickup();
  }

  private spawnPickup(): void {
    const p = this.room.spawn('pickup', {
      x: this.coord(),
      y: this.coord(),
      type: this.random() < 0.5 ? 'health' : 'score',
    });
    this.pickups.set(p.id, p);
    this.pickupHash.insert(p.id, p.x, p.y);
  }

  private rebuildAsteroidHash(): void {
    this.ticksSinceRehash = 0;
    this.driftSlack = 0;
    this.asteroidHash.clear();
    for (let i = 0; i < this.asteroids.length; i++) {
      const a = this.asteroids[i]!.entity;
      this.asteroidHash.insert(i, a.x, a.y);
    }
  }

  private coord(): number {
    return SCENERY_MARGIN + this.random() * (this.worldSize - 2 * SCENERY_MARGIN);
  }
}
