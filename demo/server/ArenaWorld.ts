/**
 * The arena's authoritative rules on the server: ships (players and bots) moved by the shared
 * `moveShip`, bullets fired with a cooldown and flown for a while, hits, deaths, respawns and score.
 * One instance per room; it holds the server-only state (cooldowns, bullet lifetimes, bot brains)
 * next to the room's entities.
 */
import type { Entity, Room } from '../../server/index.ts';
import { BULLET_DAMAGE, BULLET_LIFE_SEC, BULLET_SPEED, FIRE_COOLDOWN_SEC, hitsShip, moveShip, SHIP_HP, SHIP_RADIUS } from '../game/rules.ts';
import { type ArenaInput, type ArenaSchema, WORLD_SIZE } from '../game/schema.ts';
import { BotBrain } from './bots.ts';
import { createRandom } from './random.ts';

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
  /** Seed of the world's randomness (spawn points, colours, bots). */
  readonly seed: number;
  /** Whether bots look for targets and shoot (false: they only roam, for stress tests). */
  readonly botsFight: boolean;
}

interface ShipData {
  cooldownSec: number;
  readonly brain: BotBrain | null;
}

/** The arena's server-side state and rules for one room; owned by that room's handlers. */
export class ArenaWorld {
  private readonly random: () => number;
  private readonly ships = new Map<number, ShipData>();
  private readonly bullets = new Map<number, { lifeSec: number }>();
  private botCount = 0;

  constructor(
    private readonly room: Room<ArenaSchema>,
    private readonly options: ArenaWorldOptions,
  ) {
    this.random = createRandom(options.seed);
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
    const brain = bot ? new BotBrain(this.random, this.botCount++, this.options.botsFight) : null;
    this.ships.set(ship.id, { cooldownSec: 0, brain });
    return ship;
  }

  /** Removes ship `id` (its bullets fly on). */
  removeShip(id: number): void {
    this.ships.delete(id);
    this.room.despawn(id);
  }

  /** Applies one tick of a player's input to ship `id`: moves it and fires when asked and ready. */
  playerInput(id: number, input: ArenaInput, dtSec: number): void {
    const ship = this.room.get(id, 'ship');
    const data = this.ships.get(id);
    if (ship === undefined || data === undefined) return;
    moveShip(ship, input, dtSec);
    if (input.fire) this.fire(ship, data);
  }

  /** Runs one tick after the players' inputs: bots think and move, cooldowns run, bullets fly and hit. */
  step(dtSec: number): void {
    const tick = this.room.tick;
    const find = (shipId: number): ShipEntity | undefined => this.room.get(shipId, 'ship');
    const all = (): Iterable<ShipEntity> => this.room.entitiesOf('ship');
    for (const [id, data] of this.ships) {
      if (data.cooldownSec > 0) data.cooldownSec = Math.max(0, data.cooldownSec - dtSec);
      if (data.brain === null) continue;
      const ship = find(id);
      if (ship === undefined) continue;
      const input = data.brain.think(tick, ship, all, find);
      moveShip(ship, input, dtSec);
      if (input.fire) this.fire(ship, data);
    }
    this.stepBullets(dtSec);
  }

  private fire(ship: ShipEntity, data: ShipData): void {
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
    this.bullets.set(bullet.id, { lifeSec: BULLET_LIFE_SEC });
  }

  private stepBullets(dtSec: number): void {
    for (const [id, life] of this.bullets) {
      const bullet = this.room.get(id, 'bullet');
      if (bullet === undefined) {
        this.bullets.delete(id);
        continue;
      }
      bullet.x += bullet.vx * dtSec;
      bullet.y += bullet.vy * dtSec;
      life.lifeSec -= dtSec;
      const outside = bullet.x < 0 || bullet.y < 0 || bullet.x > WORLD_SIZE || bullet.y > WORLD_SIZE;
      if (life.lifeSec <= 0 || outside || this.hit(bullet.owner, bullet.x, bullet.y)) {
        this.bullets.delete(id);
        this.room.despawn(id);
      }
    }
  }

  /** Damages the first ship (not `ownerId`'s) at (x, y); true if one was hit. */
  private hit(ownerId: number, x: number, y: number): boolean {
    for (const id of this.ships.keys()) {
      if (id === ownerId) continue;
      const ship = this.room.get(id, 'ship');
      if (ship === undefined || !hitsShip(ship, x, y, SHIP_RADIUS + BULLET_RADIUS)) continue;
      ship.hp = Math.max(0, ship.hp - BULLET_DAMAGE);
      if (ship.hp === 0) {
        const shooter = this.room.get(ownerId, 'ship');
        if (shooter !== undefined) shooter.score = Math.min(MAX_SCORE, shooter.score + 1);
        ship.hp = SHIP_HP;
        this.placeRandomly(ship);
      }
      return true;
    }
    return false;
  }

  private placeRandomly(ship: ShipEntity): void {
    ship.x = SPAWN_MARGIN + this.random() * (WORLD_SIZE - 2 * SPAWN_MARGIN);
    ship.y = SPAWN_MARGIN + this.random() * (WORLD_SIZE - 2 * SPAWN_MARGIN);
    ship.vx = 0;
    ship.vy = 0;
  }
}
