/**
 * Built-in load scenario `bigworld-all`: the big world's room type all-visible, its E units on the
 * arena's 1,000² field (the reference `bigworld` is compared with at E = 100).
 */
import type { RoomParams } from '../../load/index.ts';
import { ARENA_SIZE } from '../scenarios/arena.ts';
import { bigworldRoomType, bigworldSchema } from '../scenarios/bigworld.ts';
import { bigworldBot } from './bots.ts';

export const schema = bigworldSchema;
export const bot = bigworldBot;
/** The room for the run's entities. */
export const room = (p: RoomParams) => bigworldRoomType({ entities: p.entities, size: ARENA_SIZE, interest: false });
