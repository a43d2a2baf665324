/**
 * The arena scenario as a server room for the load test: E units simulated by bench/scenarios/arena.ts
 * (the codec benchmark's worlds), copied into the room's entities each tick. The first E clients to
 * join each steer one unit with their input (a velocity change); later clients are spectators whose
 * inputs are received, checked and handed to `onInput` like anyone's, but move nothing, so the world
 * (and the bytes per snapshot) does not grow with the client count.
 */
import { defineRoom, type Entity, type RoomType } from '../../server/index.ts';
import { type ArenaScenario, arenaSchema, type ArenaUnit, createArena, MAX_AXIS_SPEED } from '../scenarios/arena.ts';

/** How fast a full-scale input changes a unit's velocity, world units per second². */
export const STEER_ACCEL = 300;
/** Capacity of the room: far above anything one process can serve. */
const MAX_CLIENTS = 1_000_000;

/** Options of {@link arenaRoomType}. */
export interface ArenaRoomOptions {
  readonly scenario: ArenaScenario;
  readonly entities: number;
  readonly tickRateHz: number;
  /** World seed. Default 1 (the codec benchmark's). */
  readonly seed?: number;
}

/** A room type running the arena scenario; it never closes when empty. */
export function arenaRoomType(options: ArenaRoomOptions): RoomType<typeof arenaSchema> {
  const arena = createArena({
    scenario: options.scenario,
    entities: options.entities,
    tickRateHz: options.tickRateHz,
    seed: options.seed ?? 1,
  });
  const live: Entity<typeof arenaSchema, 'unit'>[] = [];
  /** Unit index steered by each client id. */
  const steering = new Map<number, number>();
  const free: number[] = [];
  return defineRoom(arenaSchema, {
    maxClients: MAX_CLIENTS,
    closeWhenEmpty: false,
    onCreate(room) {
      for (const e of arena.entities)
        live.push(room.spawn('unit', { ...(e.state as unknown as Entity<typeof arenaSchema, 'unit'>) }));
      for (let i = live.length - 1; i >= 0; i--) free.push(i);
    },
    onJoin(_room, client) {
      const unit = free.pop();
      if (unit === undefined) return;
      steering.set(client.id, unit);
      client.entityId = live[unit]!.id;
    },
    onInput(_room, client, input, dtSec) {
      const unit = steering.get(client.id);
      if (unit === undefined) return;
      const s = arena.entities[unit]!.state as unknown as ArenaUnit;
      s.vx = clamp(s.vx + input.ax * STEER_ACCEL * dtSec);
      s.vy = clamp(s.vy + input.ay * STEER_ACCEL * dtSec);
    },
    step() {
      arena.step();
      const entities = arena.entities;
      for (let i = 0; i < live.length; i++) {
        const from = entities[i]!.state as unknown as Entity<typeof arenaSchema, 'unit'>;
        const to = live[i]!;
        to.x = from.x;
        to.y = from.y;
        to.vx = from.vx;
        to.vy = from.vy;
        to.angle = from.angle;
        to.hp = from.hp;
        to.type = from.type;
      }
    },
    onLeave(_room, client) {
      const unit = steering.get(client.id);
      if (unit === undefined) return;
      steering.delete(client.id);
      free.push(unit);
    },
  });
}

function clamp(v: number): number {
  return v < -MAX_AXIS_SPEED ? -MAX_AXIS_SPEED : v > MAX_AXIS_SPEED ? MAX_AXIS_SPEED : v;
}
