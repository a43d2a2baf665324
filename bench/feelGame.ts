/**
 * The play-feel benchmark's game (bench/feel.ts): ships that always fly forward and turn on input,
 * at the speed of the demo's ships (320 units/s: 5.3 units per tick at 60 Hz). Players fly a scripted
 * course, straight then turning, over and over; bots fly the same course driven by the server, so a
 * remote human and a bot move alike and can be compared frame by frame.
 */
import { defineSchema, type EntityOf, type InputOf, t } from '../shared/index.ts';
import { defineRoom, type RoomType } from '../server/index.ts';

/** The ships' speed, units per second. */
export const SHIP_SPEED = 320;
/** Turn rate at full input, radians per second. */
export const TURN_RATE = Math.PI / 2;
/**
 * The course: fly straight this long, ms … (not a whole number of ticks, so turns start at every phase
 * of the input clock, as key presses do)
 */
export const STRAIGHT_MS = 2010;
/** … then turn this long, ms (about a quarter turn), and again. */
export const TURN_MS = 1003;
/** Bots in the room. */
export const BOTS = 2;

/** The benchmark's schema: one kind of ship and a turn input. */
export const feelSchema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: -20_000, max: 20_000, step: 0.01 }),
      y: t.float({ min: -20_000, max: 20_000, step: 0.01 }),
      heading: t.angle({ steps: 4096 }),
    },
  },
  input: {
    turn: t.float({ min: -1, max: 1, step: 1 / 64 }),
  },
});

/** The schema's type. */
export type FeelSchema = typeof feelSchema;
/** A ship's state. */
export type Ship = EntityOf<FeelSchema, 'ship'>;

/** The shared step: turn, then fly forward. The server runs it for each input; the client predicts with it. */
export function flyShip(ship: Ship, input: InputOf<FeelSchema>, dtSec: number): void {
  ship.heading = wrap(ship.heading + input.turn * TURN_RATE * dtSec);
  ship.x += Math.cos(ship.heading) * SHIP_SPEED * dtSec;
  ship.y += Math.sin(ship.heading) * SHIP_SPEED * dtSec;
}

/** The scripted course's input at time `ms` (from the start of the course): 0 while straight, 1 while turning. */
export function courseInput(ms: number): InputOf<FeelSchema> {
  const phase = ms % (STRAIGHT_MS + TURN_MS);
  return { turn: phase < STRAIGHT_MS ? 0 : 1 };
}

/** The start time of every turn of the course up to `untilMs`, from a course started at `startMs`. */
export function turnStarts(startMs: number, untilMs: number): number[] {
  const out: number[] = [];
  for (let at = startMs + STRAIGHT_MS; at < untilMs; at += STRAIGHT_MS + TURN_MS) out.push(at);
  return out;
}

/** Per-tick movement the room saw of each client's ship, for the server-side figures. */
export interface ServerMoves {
  /** Per client id: the distance its ship moved on each tick. */
  readonly byClient: Map<number, number[]>;
}

/** The room type: a ship per client flown by its inputs, {@link BOTS} bots flying the course. */
export function feelRoom(moves: ServerMoves, tickRateHz: number): RoomType<FeelSchema> {
  const last = new Map<number, { x: number; y: number }>();
  return defineRoom(feelSchema, {
    closeWhenEmpty: false,
    onCreate(room) {
      for (let b = 0; b < BOTS; b++) room.spawn('ship', { x: 0, y: 2000 * (b + 1), heading: 0 });
    },
    onJoin(room, client) {
      client.entityId = room.spawn('ship', { x: 0, y: -2000 * (client.id + 1), heading: 0 }).id;
    },
    onInput(room, client, input, dtSec) {
      const ship = room.get(client.entityId, 'ship');
      if (ship !== undefined) flyShip(ship, input, dtSec);
    },
    step(room, dtSec) {
      const ms = (room.tick * 1000) / tickRateHz;
      const botIds = new Set<number>();
      for (let b = 0; b < BOTS; b++) botIds.add(b + 1);
      for (const ship of room.entitiesOf('ship')) if (botIds.has(ship.id)) flyShip(ship, courseInput(ms), dtSec);
      for (const client of room.clients) {
        const ship = room.get(client.entityId, 'ship');
        if (ship === undefined) continue;
        const prev = last.get(client.id);
        if (prev !== undefined) {
          const list = moves.byClient.get(client.id) ?? [];
          list.push(Math.hypot(ship.x - prev.x, ship.y - prev.y));
          moves.byClient.set(client.id, list);
        }
        last.set(client.id, { x: ship.x, y: ship.y });
      }
    },
    onLeave(room, client) {
      room.despawn(client.entityId);
    },
  });
}

function wrap(a: number): number {
  const turn = Math.PI * 2;
  return ((a % turn) + turn) % turn;
}
