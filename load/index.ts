/**
 * The load tester's public surface: bots for `tickwave-load` (defineBot, and the default random bot),
 * the room module contract, and the CLI runner for scripts that embed it.
 */
export { type BotDefinition, type BotView, defineBot, RANDOM_HOLD_TICKS, randomBot, randomInput } from './defineBot.ts';
export type { LoadModule, RoomParams } from './loadModule.ts';
export type { Budget } from './loadFigures.ts';
export { runCli } from './cli.ts';
export { type BuiltinScenario, type CliSetup, PACKAGE_SETUP } from './main.ts';
