/**
 * The load tester's public surface: bots for `tickwave-load` (defineBot, and the default random bot),
 * the room module contract, the CLI runner for scripts that embed it, and the report helpers it writes
 * its figures with (machine info, percentiles, tables, JSON files).
 */
export { type BotDefinition, type BotView, defineBot, RANDOM_HOLD_TICKS, randomBot, randomInput } from './defineBot.ts';
export type { LoadModule, RoomParams } from './loadModule.ts';
export type { Budget } from './loadFigures.ts';
export { runCli } from './cli.ts';
export { type BuiltinScenario, type CliSetup, PACKAGE_SETUP } from './main.ts';
export {
  formatTable,
  type MachineInfo,
  machineInfo,
  percentile,
  round,
  type TableColumn,
  writeJson,
} from './report.ts';
