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

/** One room's arena: its simulated world, the room's units, and which client steers which unit. */
interface ArenaState {
  readonly arena: ReturnType<typeof createArena>;
  readonly live: Entity<typeof arenaSchema, 'unit'>[];
  /** Unit index steered by each client id. */
  readonly steering: Map<number, number>;
  readonly free: number[];
}

/**
 * A room type running the arena scenario; it never closes when empty. Each room has a world of its own (a
 * cluster run's matchmaking opens several rooms of the type in one process).
 */
export function arenaRoomType(options: ArenaRoomOptions): RoomType<typeof arenaSchema> {
  const states = new WeakMap<object, ArenaState>();
  const stateOf = (room: object): ArenaState => {
    const state = states.get(room);
    if (state === undefined) throw new Error('arena room used before onCreate');
    return state;
  };
  return defineRoom(arenaSchema, {
    maxClients: MAX_CLIENTS,
    closeWhenEmpty: false,
    onCreate(room) {
      const arena = createArena({
        scenario: options.scenario,
        entities: options.entities,
        tickRateHz: options.tickRateHz,
        seed: options.seed ?? 1,
      });
      const state: ArenaState = { arena, live: [], steering: new Map(), free: [] };
      for (const e of arena.entities)
        state.live.push(room.spawn('unit', { ...(e.state as unknown as Entity<typeof arenaSchema, 'unit'>) }));
      for (let i = state.live.length - 1; i >= 0; i--) state.free.push(i);
      states.set(room, state);
    },
    onJoin(room, client) {
      const { free, steering, live } = stateOf(room);
      const unit = free.pop();
      if (unit === undefined) return;
      steering.set(client.id, unit);
      client.entityId = live[unit]!.id;
    },
    onInput(room, client, input, dtSec) {
      const { arena, steering } = stateOf(room);
      const unit = steering.get(client.id);
      if (unit === undefined) return;
      const s = arena.entities[unit]!.state as unknown as ArenaUnit;
      s.vx = clamp(s.vx + input.ax * STEER_ACCEL * dtSec);
      s.vy = clamp(s.vy + input.ay * STEER_ACCEL * dtSec);
    },
    step(room) {
      const { arena, live } = stateOf(room);
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
    onLeave(room, client) {
      const { steering, free } = stateOf(room);
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
