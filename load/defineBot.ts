/**
 * Bots that play a game under load: {@link defineBot} declares what a bot sends each tick, and
 * {@link randomBot} is the default when a room module declares none (valid random inputs drawn from
 * the schema's declared ranges).
 */
import { type InputOf, type Schema, seededRandom } from '../shared/index.ts';

/** What a bot knows when it chooses its next input. Owned by the bot; read it during the call only. */
export interface BotView {
  /** The bot's index across the whole run, 0 … clients − 1 (spreads behaviour between bots). */
  readonly index: number;
  /** The number of this input, 0, 1, 2, … per bot. */
  readonly seq: number;
  /** The bot's own entity id from the server's Welcome, or −1 before it or when the room spawned none. */
  readonly entityId: number;
  /** A pseudo-random number in [0, 1), seeded per bot so runs repeat. */
  random(): number;
}

/** A bot: the schema it speaks and the input it sends for each tick. */
export interface BotDefinition<S extends Schema = Schema> {
  /** The schema of the room the bot plays (its hash must match the server's). */
  readonly schema: S;
  /**
   * The input to send now. Called once per tick per bot (at the tick rate), so keep it cheap.
   * @param view what the bot knows (see {@link BotView})
   * @param tick the latest server tick the bot has seen, or 0 before the first snapshot
   */
  input(view: BotView, tick: number): InputOf<S>;
}

/**
 * Declares a bot for the load tester (`tickwave-load --bot ./myBot.ts`, or `export const bot` beside
 * the room in a room module). Throws at once if `schema` or `input` is missing.
 *
 * @example
 * export const bot = defineBot({ schema, input: (view, tick) => ({ right: (tick + view.index) % 60 < 30 }) });
 */
export function defineBot<S extends Schema>(definition: BotDefinition<S>): BotDefinition<S> {
  if (!isSchema(definition?.schema))
    throw new TypeError('defineBot: pass { schema, input(view, tick) } with the schema from defineSchema');
  if (typeof definition.input !== 'function')
    throw new TypeError('defineBot: `input` must be a function (view, tick) => the input for this tick');
  return definition;
}

/** True if `value` looks like a schema made by defineSchema (it has a hash and compiled input fields). */
export function isSchema(value: unknown): value is Schema {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Schema>;
  return typeof s.hash === 'string' && Array.isArray(s.input) && Array.isArray(s.kinds);
}

/** Ticks a random bot holds one input before it picks the next. */
export const RANDOM_HOLD_TICKS = 10;

/**
 * The default bot of `schema`: every {@link RANDOM_HOLD_TICKS} ticks it picks a new input, each field a
 * uniformly random valid value of its declared range (floats and ints within their bounds, any enum
 * value, true or false; strings are left empty), and holds it in between, the way a player holds keys.
 */
export function randomBot<S extends Schema>(schema: S): BotDefinition<S> {
  const held = new Map<number, { until: number; input: InputOf<S> }>();
  return {
    schema,
    input(view) {
      const last = held.get(view.index);
      if (last !== undefined && view.seq < last.until) return last.input;
      const input = randomInput(schema, view.random);
      held.set(view.index, { until: view.seq + RANDOM_HOLD_TICKS, input });
      return input;
    },
  };
}

/** One random valid input of `schema` (see {@link randomBot}), drawn with `random` ([0, 1) numbers). */
export function randomInput<S extends Schema>(schema: S, random: () => number): InputOf<S> {
  const input: Record<string, unknown> = {};
  for (const field of schema.input) {
    input[field.name] = field.coding === 'text' ? '' : field.dequantize(Math.floor(random() * field.range));
  }
  return input as InputOf<S>;
}

/** The per-bot random source: seeded by the bot's index so a run's bots repeat from run to run. */
export function botRandom(index: number): () => number {
  return seededRandom(0x7c1c_0000 + index);
}
