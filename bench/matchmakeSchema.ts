/** The matchmaking benchmark's schema (server processes and the joining sockets): one entity per player. */
import { defineSchema, t } from '../shared/index.ts';

/** One entity per player, one input bit. */
export const duelSchema = defineSchema({
  entities: { player: { x: t.uint(10) } },
  input: { go: t.bool() },
});
