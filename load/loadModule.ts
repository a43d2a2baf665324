/**
 * The user's code a load test runs: a room module (`--room ./myRoom.ts`: exports `schema`, `room` and
 * optionally `bot`), a schema module for a server started elsewhere (`--schema`), a bot module (`--bot`),
 * and how the forked processes get to load TypeScript.
 */
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RoomType } from '../server/index.ts';
import type { Schema } from '../shared/index.ts';
import { type BotDefinition, isSchema, randomBot } from './defineBot.ts';

/** What a room module's `room` factory gets: the run's `--entities` and `--tick-rate`. */
export interface RoomParams {
  /** The run's `--entities` (what it means is up to the room: units, server-side bots…). */
  readonly entities: number;
  /** The server's tick rate, Hz. */
  readonly tickRateHz: number;
}

/**
 * A load-test module's exports: `schema` (from defineSchema), `room` (from defineRoom, or a function of
 * {@link RoomParams} returning one) and `bot` (from defineBot; without it, bots send random valid inputs).
 */
export interface LoadModule {
  /** The schema the room and the bots share. */
  readonly schema: Schema;
  /** The room type (or its factory) the run's server process runs; null in a schema-only module. */
  readonly room: RoomType<Schema> | ((params: RoomParams) => RoomType<Schema>) | null;
  /** The bots' behaviour; null: random valid inputs. */
  readonly bot: BotDefinition | null;
}

/** Where the modules of a run are, as file URLs (null: not given). */
export interface ModuleUrls {
  /** The room module (started in the load test's own server process); null with `--url`. */
  readonly room: string | null;
  /** The module whose `schema` (and `bot`) the bots use: `--bot`, else `--schema`, else the room module. */
  readonly bot: string;
}

/** The file URL of a module path given on the command line, relative to `cwd`. */
export function moduleUrl(path: string, cwd: string): string {
  return pathToFileURL(resolve(cwd, path)).href;
}

/**
 * Imports the module at `url` and checks its exports; throws an Error saying what is missing and how to fix it.
 * `room` may also be the module's only room-type export under another name (`export const tagRoom =
 * defineRoom(...)`), and `schema` defaults to the bot's or the room type's.
 */
export async function importLoadModule(url: string): Promise<LoadModule> {
  const ns = (await import(url)) as Record<string, unknown>;
  const exported = (name: string): unknown =>
    ns[name] ?? (ns['default'] as Record<string, unknown> | undefined)?.[name];
  const bot = exported('bot') ?? (isBot(ns['default']) ? ns['default'] : undefined);
  if (bot !== undefined && !isBot(bot))
    throw new Error(`${url}: \`bot\` must be made with defineBot({ schema, input })`);
  const roomTypes = Object.values(ns).filter(isRoomType);
  const room = exported('room') ?? (roomTypes.length === 1 ? roomTypes[0] : undefined);
  if (room !== undefined && typeof room !== 'function' && !isRoomType(room))
    throw new Error(`${url}: \`room\` must be made with defineRoom(schema, handlers), or a function returning one`);
  const schema = exported('schema') ?? bot?.schema ?? (isRoomType(room) ? room.schema : undefined);
  if (!isSchema(schema)) {
    throw new Error(
      `${url} exports no schema: export the schema your room uses (export const schema = defineSchema(...)), ` +
        'a room made with defineRoom, or a bot made with defineBot({ schema, input })',
    );
  }
  return {
    schema,
    room: (room as LoadModule['room'] | undefined) ?? null,
    bot: (bot as BotDefinition | undefined) ?? null,
  };
}

/** The room type of module `m` for `params`; throws if the module has none. */
export function roomTypeOf(m: LoadModule, url: string, params: RoomParams): RoomType<Schema> {
  if (m.room === null)
    throw new Error(`${url} exports no room: export const room = defineRoom(schema, { ... }) to load-test it`);
  const room = typeof m.room === 'function' ? m.room(params) : m.room;
  if (!isRoomType(room)) throw new Error(`${url}: the \`room\` function did not return a defineRoom(...) room type`);
  return room;
}

/** The bot of module `m`: its own, or random valid inputs of its schema. Throws if the schemas differ. */
export function botOf(m: LoadModule, url: string): BotDefinition {
  if (m.bot === null) return randomBot(m.schema);
  if (m.bot.schema.hash !== m.schema.hash)
    throw new Error(`${url}: the bot's schema is not the module's schema (their hashes differ)`);
  return m.bot;
}

function isBot(value: unknown): value is BotDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    isSchema((value as BotDefinition).schema) &&
    typeof (value as BotDefinition).input === 'function'
  );
}

function isRoomType(value: unknown): value is RoomType<Schema> {
  return (
    typeof value === 'object' &&
    value !== null &&
    isSchema((value as RoomType<Schema>).schema) &&
    typeof (value as RoomType<Schema>).handlers === 'object'
  );
}

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * The Node options a forked process of the run needs to import `urls` and the load tester's own
 * modules: `--import tsx` when tsx is installed in `cwd`'s project (so a .js module may import .ts ones
 * too), else nothing when all are JavaScript or this Node strips types by itself. Throws with the fix
 * when TypeScript cannot load.
 */
export function loaderArgs(urls: readonly (string | null)[], cwd: string): string[] {
  if (hasTsx(cwd)) return ['--import', 'tsx'];
  const ts = urls.filter((u): u is string => u !== null && TYPESCRIPT_EXTENSIONS.has(extname(new URL(u).pathname)));
  if (ts.length === 0) return [];
  const features = process.features as { typescript?: string | false };
  if (features.typescript === 'strip' || features.typescript === 'transform') return [];
  throw new Error(
    `${ts[0]} is TypeScript: install tsx in your project (npm install --save-dev tsx) and run from its folder, ` +
      'use a Node version that runs TypeScript itself (22.18 or later), or pass a compiled .js/.mjs module',
  );
}

/** True if the `tsx` package resolves from `cwd` (Node resolves `--import tsx` from the working directory). */
function hasTsx(cwd: string): boolean {
  try {
    createRequire(join(cwd, 'noop.js')).resolve('tsx/package.json');
    return true;
  } catch {
    return false;
  }
}
