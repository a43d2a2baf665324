/**
 * Built-in load scenario `bigworld`: E units on the 10,000² field with interest management on (each
 * client follows one unit and sees the ~100 around it).
 */
import type { RoomParams } from '../../load/index.ts';
import { bigworldRoomType, bigworldSchema } from '../scenarios/bigworld.ts';
import { bigworldBot } from './bots.ts';

export const schema = bigworldSchema;
export const bot = bigworldBot;
/** The room for the run's entities. */
export const room = (p: RoomParams) => bigworldRoomType({ entities: p.entities, interest: true });
