/**
 * The arena room type, built only on Tickwave's public API: players join with a name and get a ship;
 * their inputs go through the shared `moveShip`; bots keep a lone player busy. See {@link ArenaWorld}
 * for the rules.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  defineRoom,
  FragmentPublisher,
  type InterestOptions,
  type Recordings,
  type Room,
  type RoomType,
} from '../../server/index.ts';
import { type ArenaSchema, arenaSchema, WORLD_SIZE } from '../game/schema.ts';
import { ArenaWorld } from './ArenaWorld.ts';
import { sanitizeName } from './names.ts';

/** Default number of bots in an arena room. */
export const DEFAULT_BOTS = 8;
/** Default most bots a room may hold (also the cap on a joiner's `bots` option). */
export const DEFAULT_MAX_BOTS = 2000;
/** Default seed of a room's randomness. */
export const DEFAULT_SEED = 1;

/** Options of {@link arenaRoom}. */
export interface ArenaRoomOptions {
  /** Bots spawned when a room is created. Default {@link DEFAULT_BOTS}. */
  readonly bots?: number;
  /** Whether bots hunt and shoot (false: they only roam). Default true. */
  readonly botsFight?: boolean;
  /**
   * Let the first joiner's numeric `bots` join option set the room's bot count (capped at `maxBots`),
   * for a stress room. Default false: join options cannot change the bot count.
   */
  readonly botsFromJoinOptions?: boolean;
  /** Most bots per room. Default {@link DEFAULT_MAX_BOTS}. */
  readonly maxBots?: number;
  /** Seed of each room's randomness. Default {@link DEFAULT_SEED}. */
  readonly seed?: number;
  /** Most players per room. Default: the engine's default. */
  readonly maxClients?: number;
  /**
   * Side of the square world, world units (it must match the clients' `worldSizeOf(roomId)`). Default
   * {@link WORLD_SIZE}.
   */
  readonly worldSize?: number;
  /** Asteroids spawned when a room is created. Default 0. */
  readonly asteroids?: number;
  /** Pickups spawned when a room is created. Default 0. */
  readonly pickups?: number;
  /** Interest management (each client sees what is near its ship). Default: everyone sees everything. */
  readonly interest?: InterestOptions<ArenaSchema>;
  /** Test players' shots against ships where the shooter saw them (the room's rewind). Default false. */
  readonly lagCompensation?: boolean;
  /** Record each room (its kills logged as `kill` events `{ killer, victim }`). Default: not recorded. */
  readonly recordings?: Recordings | null;
  /** Publish each room live as HTTP fragments into `<dir>/<room id>/`, `delayMs` behind. Default: none. */
  readonly broadcast?: { readonly dir: string; readonly tickRateHz: number; readonly delayMs: number } | null;
}

/** Declares the arena room type. Throws a RangeError for a bad bot count. */
export function arenaRoom(options: ArenaRoomOptions = {}): RoomType<ArenaSchema> {
  const maxBots = options.maxBots ?? DEFAULT_MAX_BOTS;
  const bots = options.bots ?? DEFAULT_BOTS;
  if (!Number.isInteger(maxBots) || maxBots < 0)
    throw new RangeError(`arenaRoom: maxBots must be an integer ≥ 0; got ${maxBots}`);
  if (!Number.isInteger(bots) || bots < 0 || bots > maxBots)
    throw new RangeError(`arenaRoom: bots must be an integer 0–${maxBots}; got ${bots}`);
  const worldSize = options.worldSize ?? WORLD_SIZE;
  if (!(worldSize >= 200) || !Number.isFinite(worldSize))
    throw new RangeError(`arenaRoom: worldSize must be a finite number ≥ 200 (world units); got ${worldSize}`);
  const asteroids = options.asteroids ?? 0;
  const pickups = options.pickups ?? 0;
  for (const [name, value] of [
    ['asteroids', asteroids],
    ['pickups', pickups],
  ] as const) {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`arenaRoom: ${name} must be an integer ≥ 0; got ${value}`);
  }
  const lagCompensation = options.lagCompensation ?? false;
  const worlds = new WeakMap<Room<ArenaSchema>, ArenaWorld>();
  const worldOf = (room: Room<ArenaSchema>): ArenaWorld => {
    const world = worlds.get(room);
    if (world === undefined) throw new Error(`arena room ${room.id} has no world: onCreate did not run`);
    return world;
  };
  const recordings = options.recordings ?? null;
  const broadcast = options.broadcast ?? null;
  const publishers = new WeakMap<Room<ArenaSchema>, FragmentPublisher>();
  const type = defineRoom(arenaSchema, {
    maxClients: options.maxClients,
    interest: options.interest,
    onCreate(room, joinOptions) {
      const world = new ArenaWorld(room, {
        seed: options.seed ?? DEFAULT_SEED,
        botsFight: options.botsFight ?? true,
        worldSize,
        onKill: (killer, victim) => recordings?.event(room, 'kill', { killer, victim }),
      });
      worlds.set(room, world);
      world.scenery.populate(asteroids, pickups);
      const asked = joinOptions['bots'];
      const count =
        options.botsFromJoinOptions === true && typeof asked === 'number'
          ? Math.max(0, Math.min(maxBots, Math.floor(asked)))
          : bots;
      for (let i = 0; i < count; i++) world.spawnShip(`bot ${i + 1}`, true);
      if (broadcast !== null) {
        const dir = join(broadcast.dir, room.id);
        mkdirSync(dir, { recursive: true });
        publishers.set(room, new FragmentPublisher(room as never, { ...broadcast, dir }));
      }
    },
    onDispose(room) {
      void publishers.get(room)?.close();
    },
    onJoin(room, client, joinOptions) {
      client.entityId = worldOf(room).spawnShip(sanitizeName(joinOptions['name'], `player ${client.id}`), false).id;
    },
    onInput(room, client, input, dtSec) {
      const lagTicks = lagCompensation ? Math.max(0, room.tick - room.rewindTick(client)) : 0;
      worldOf(room).playerInput(client.entityId, input, dtSec, lagTicks);
    },
    step(room, dtSec) {
      worldOf(room).step(dtSec);
    },
    onLeave(room, client) {
      worldOf(room).removeShip(client.entityId);
    },
  });
  return recordings === null ? type : recordings.roomType(type);
}
