/** The built-in scenarios' bots: the arena's steering taps and the demo game's busy player. */
import { defineBot } from '../../load/index.ts';
import type { Schema } from '../../shared/index.ts';
import { arenaSchema } from '../scenarios/arena.ts';
import { bigworldSchema } from '../scenarios/bigworld.ts';
import { arenaSchema as demoSchema } from '../../demo/game/schema.ts';

/** A bot taps a steering direction for one tick in every this many ticks, and sends neutral input otherwise. */
export const TAP_PERIOD_TICKS = 60;
/** Golden angle, radians: spreads the bots' steering directions evenly. */
const GOLDEN_ANGLE = 2.399963229728653;

/** The steering input of bot `index` for its input number `seq`: a tap once per period, else neutral. */
export function steeringInput(index: number, seq: number): { ax: number; ay: number } {
  if ((seq + index) % TAP_PERIOD_TICKS !== 0) return { ax: 0, ay: 0 };
  const a = index * GOLDEN_ANGLE + seq * 0.1;
  return { ax: Math.round(Math.cos(a) * 100) / 100, ay: Math.round(Math.sin(a) * 100) / 100 };
}

/** A steering bot of a unit schema (the arena's or the big world's, which share the input). */
function steeringBot<S extends typeof arenaSchema | typeof bigworldSchema>(schema: S) {
  return defineBot<Schema>({ schema, input: (view) => steeringInput(view.index, view.seq) });
}

/** The arena's bot. */
export const arenaBot = steeringBot(arenaSchema);
/** The big world's bot (the room accepts the input and ignores it). */
export const bigworldBot = steeringBot(bigworldSchema);

/**
 * The demo game's bot: thrust held in a direction that changes every period, aim sweeping, fire every
 * half period — a busy player.
 */
export const demoBot = defineBot({
  schema: demoSchema,
  input(view) {
    const { index, seq } = view;
    const phase = Math.floor((seq + index) / TAP_PERIOD_TICKS) % 4;
    return {
      up: phase === 0,
      right: phase === 1,
      down: phase === 2,
      left: phase === 3,
      fire: (seq + index) % (TAP_PERIOD_TICKS / 2) === 0,
      aim: (index * GOLDEN_ANGLE + seq * 0.05) % (2 * Math.PI),
    };
  },
});
