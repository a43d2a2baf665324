/** Built-in load scenario `demo`: the demo game's room with E server-side bot ships, plus one ship per client. */
import type { RoomParams } from '../../load/index.ts';
import { arenaSchema } from '../../demo/game/schema.ts';
import { DEFAULT_MAX_BOTS, arenaRoom } from '../../demo/server/arenaRoom.ts';
import { demoBot } from './bots.ts';

/** Capacity of the demo room in a load test: far above anything one process can serve. */
const MAX_CLIENTS = 1_000_000;

export const schema = arenaSchema;
export const bot = demoBot;
/** The room for the run's entities (server-side bot ships). */
export const room = (p: RoomParams) =>
  arenaRoom({ bots: p.entities, maxBots: Math.max(p.entities, DEFAULT_MAX_BOTS), maxClients: MAX_CLIENTS });
