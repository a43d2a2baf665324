/** Built-in load scenario `arena`: E units of the codec benchmark's arena, steered by the first E bots. */
import type { RoomParams } from '../../load/index.ts';
import { arenaSchema } from '../scenarios/arena.ts';
import { arenaRoomType } from './arenaRoom.ts';
import { arenaBot } from './bots.ts';

export const schema = arenaSchema;
export const bot = arenaBot;
/** The room for the run's entities and tick rate. */
export const room = (p: RoomParams) => arenaRoomType({ scenario: 'arena', ...p });
