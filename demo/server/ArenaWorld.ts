/**
 * The arena's authoritative rules on the server: ships (players and bots) moved by the shared
 * `moveShip`, bullets fired with a cooldown and flown for a while, hits, deaths, respawns and score;
 * in the big world also asteroids that stop bullets and pickups. One instance per room; it holds the
 * server-only state (cooldowns, bullet lifetimes, bot brains) next to the room's entities.
 *
 * Lag compensation: a player's bullet remembers how far behind the server the player's screen was
 * when it fired (`lagTicks`, from the room's rewind, capped at 250 ms). While it flies, it is tested
 * against the ships where they were that many ticks earlier — where the shooter saw them — so a shot
 * aimed at a ship on screen hits it although the ship has moved on by the time the input arrives.
 *
 *   tick     t−lag ........................ t
 *   shooter  sees target here          bullet here
 *   server   tests the bullet at t against the target's state at t − lag (room.stateAt)
 */
import type { Entity, Room } from '../../server/index.ts';
import {
  BULLET_DAMAGE,
  BULLET_LIFE_SEC,
  BULLET_SPEED,
  FIRE_COOLDOWN_SEC,
  hitsShip,
  moveShip,
  SHIP_HP,
  SHIP_RADIUS,
  SHIP_SPEED,
} from '../game/rules.ts';
import type { ArenaInput, ArenaSchema } from '../game/schema.ts';
import { BotBrain } from './BotBrain.ts';
import { seededRandom } from '../../shared/index.ts';
import { Scenery } from './Scenery.ts';
import { SpatialHash } from './SpatialHash.ts';

/** Radius of a bullet for hit tests, world units. */
export const BULLET_RADIUS = 4;
/** Ships spawn at least this far from the walls, world units. */
const SPAWN_MARGIN = 100;
/** Largest score a ship can hold (the field is 16 bits). */
const MAX_SCORE = 65535;

/** A ship entity of the arena. */
export type ShipEntity = Entity<ArenaSchema, 'ship'>;

/** Options of an {@link ArenaWorld}. */
export interface ArenaWorldOptions {
  /** Seed of the world's randomness (spawn points, colours, bots, scenery). */
  readonly seed: number;
  /** Whether bots look for targets and shoot (false: they only roam, for stress tests). */
  readonly botsFight: boolean;
  /** Side of the square world, world units. */
  readonly worldSize: number;
  /** Called when a ship is shot down, with the shooter's and the victim's entity ids. */
  readonly onKill?: (killerId: number, victimId: number) => void;
}

interface ShipData {
  readonly entity: ShipEntity;
  cooldownSec: number;
  readonly brain: BotBrain | null;
}

interface BulletData {
  lifeSec: number;
  /** Ticks the shooter's screen was behind the server when it fired (0 for bots). */
  readonly lagTicks: number;
}

/** The arena's server-side state and rules for one room; owned by that room's handlers. */
export class ArenaWorld {
  /** The asteroids and pickups (none unless {@link Scenery.populate} is called). */
  readonly scenery: Scenery;
  private readonly random: () => number;
  private readonly ships = new Map<number, ShipData>();
  /** The ships' entities, for bots looking for targets (the room's iterators walk every entity). */
  private shipList: ShipEntity[] = [];
  private readonly bullets = new Map<number, BulletData>();
  private readonly shipHash = new SpatialHash(200);
  private botCount = 0;

  constructor(
    private readonly room: Room<ArenaSchema>,
    private readonly options: ArenaWorldOptions,
  ) {
    this.random = seededRandom(options.seed);
    this.scenery = new Scenery(room, this.random, options.worldSize);
  }

  /** Number of ships (players and bots). */
  get shipCount(): number {
    return this.ships.size;
  }

  /** Number of bullets in flight. */
  get bulletCount(): number {
    return this.bullets.size;
  }

  /** Spawns a ship named `name` at a random place; a bot gets a brain that steers it in {@link step}. */
  spawnShip(name: string, bot: boolean): ShipEntity {
    const ship = this.room.spawn('ship', {
      x: 0,
      y: 0,
      vx: 0,
      vy: 0,
      angle: 0,
      hp: SHIP_HP,
      score: 0,
      hue: Math.floor(this.random() * 256),
      bot,
      name,
    });
    this.placeRandomly(ship);
    const brain = bot
      ? new BotBrain(this.random, this.botCount++, this.options.botsFight, this.options.worldSize)
      : null;
    this.ships.set(ship.id, { entity: ship, cooldownSec: 0, brain });
    this.shipList.push(ship);
    return ship;
  }

  /** Removes ship `id` (its bullets fly on). */
  removeShip(id: number): void {
    this.ships.delete(id);
    this.shipList = this.shipList.filter((s) => s.id !== id);
    this.room.despawn(id);
  }

  /**
   * Applies one tick of a player's input to ship `id`: moves it, and fires when asked and ready.
   * `lagTicks` is how far behind the server the player's screen was (0: no lag compensation).
   */
  playerInput(id: number, input: ArenaInput, dtSec: number, lagTicks = 0): void {
    const data = this.ships.get(id);
    if (data === undefined) return;
    moveShip(data.entity, input, dtSec, this.options.worldSize);
    if (input.fire) this.fire(data.entity, data, lagTicks);
  }

  /** Runs one tick after the players' inputs: bots, cooldowns, scenery, pickups, then bullets and hits. */
  step(dtSec: number): void {
    const tick = this.room.tick;
    const find = (shipId: number): ShipEntity | undefined => this.ships.get(shipId)?.entity;
    const all = (): Iterable<ShipEntity> => this.shipList;
    for (const data of this.ships.values()) {
      if (data.cooldownSec > 0) data.cooldownSec = Math.max(0, data.cooldownSec - dtSec);
      if (data.brain === null) continue;
      const ship = data.entity;
      const input = data.brain.think(tick, ship, all, find);
      moveShip(ship, input, dtSec, this.options.worldSize);
      if (input.fire) this.fire(ship, data, 0);
    }
    this.scenery.step(dtSec);
    this.shipHash.clear();
    const collecting = this.scenery.pickupCount > 0;
    for (const ship of this.shipList) {
      this.shipHash.insert(ship.id, ship.x, ship.y);
      if (collecting) this.scenery.collect(ship);
    }
    this.stepBullets(dtSec);
  }

  private fire(ship: ShipEntity, data: ShipData, lagTicks: number): void {
    if (data.cooldownSec > 0) return;
    data.cooldownSec = FIRE_COOLDOWN_SEC;
    const cos = Math.cos(ship.angle);
    const sin = Math.sin(ship.angle);
    const muzzle = SHIP_RADIUS + BULLET_RADIUS + 2;
    const bullet = this.room.spawn('bullet', {
      x: ship.x + cos * muzzle,
      y: ship.y + sin * muzzle,
      vx: cos * BULLET_SPEED,
      vy: sin * BULLET_SPEED,
      owner: ship.id,
    });
    this.bullets.set(bullet.id, { lifeSec: BULLET_LIFE_SEC, lagTicks });
  }

  private stepBullets(dtSec: number): void {
    const size = this.options.worldSize;
    const blocking = this.scenery.asteroidCount > 0;
    for (const [id, data] of this.bullets) {
      const bullet = this.room.get(id, 'bullet');
      if (bullet === undefined) {
        this.bullets.delete(id);
        continue;
      }
      bullet.x += bullet.vx * dtSec;
      bullet.y += bullet.vy * dtSec;
      data.lifeSec -= dtSec;
      const gone =
        data.lifeSec <= 0 ||
        bullet.x < 0 ||
        bullet.y < 0 ||
        bullet.x > size ||
        bullet.y > size ||
        this.hit(bullet.owner, bullet.x, bullet.y, data.lagTicks, dtSec) ||
        (blocking && this.scenery.blocks(bullet.x, bullet.y, BULLET_RADIUS));
      if (gone) {
        this.bullets.delete(id);
        this.room.despawn(id);
      }
    }
  }

  /**
   * Damages the first ship (not `ownerId`'s) at (x, y) — where ships were `lagTicks` ticks ago when
   * the shooter lagged, else where they are now. True if one was hit.
   */
  private hit(ownerId: number, x: number, y: number, lagTicks: number, dtSec: number): boolean {
    const reach = SHIP_RADIUS + BULLET_RADIUS;
    // Candidates from the ships' current places; a ship moves at most SHIP_SPEED · dt a tick.
    const searchRadius = reach + lagTicks * SHIP_SPEED * dtSec + 1;
    // This step makes tick room.tick + 1; the shooter saw lagTicks ticks before that.
    const seenTick = this.room.tick + 1 - lagTicks;
    let victim: ShipEntity | undefined;
    this.shipHash.query(x, y, searchRadius, (id) => {
      if (id === ownerId) return false;
      const ship = this.ships.get(id)?.entity;
      if (ship === undefined) return false;
      const seen = lagTicks === 0 ? ship : this.room.stateAt(seenTick, id);
      if (seen === undefined || !hitsShip({ x: Number(seen['x']), y: Number(seen['y']) }, x, y, reach)) return false;
      victim = ship;
      return true;
    });
    if (victim === undefined) return false;
    victim.hp = Math.max(0, victim.hp - BULLET_DAMAGE);
    if (victim.hp === 0) {
      const shooter = this.room.get(ownerId, 'ship');
      if (shooter !== undefined) shooter.score = Math.min(MAX_SCORE, shooter.score + 1);
      this.options.onKill?.(ownerId, victim.id);
      victim.hp = SHIP_HP;
      this.placeRandomly(victim);
    }
    return true;
  }

  private placeRandomly(ship: ShipEntity): void {
    const size = this.options.worldSize;
    ship.x = SPAWN_MARGIN + this.random() * (size - 2 * SPAWN_MARGIN);
    ship.y = SPAWN_MARGIN + this.random() * (size - 2 * SPAWN_MARGIN);
    ship.vx = 0;
    ship.vy = 0;
  }
}
