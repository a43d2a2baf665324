/**
 * The load tester's command line: `tickwave-load --room ./myRoom.ts --clients N ...` (the package's
 * bin) and `npm run load -- --scenario arena ...` in a Tickwave checkout (see HELP). Prints a live
 * progress line, the tables, the verdict and a recommendation; writes a JSON report and a one-file HTML
 * report with a name of its own per run; `--json` prints a summary on stdout; the exit code says held (0),
 * not held (1) or a bad command line (2).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { allowedSnapshotRates, TRANSPORT_CHOICES } from '../server/index.ts';
import { DEFAULT_INPUT_HOLD_TICKS } from '../client/index.ts';
import { MAX_INPUT_HOLD_TICKS, MAX_TICK_RATE_HZ, MIN_TICK_RATE_HZ } from '../shared/index.ts';
import type { BotKind } from './ipc.ts';
import { DEFAULT_BUDGET } from './loadFigures.ts';
import { moduleUrl } from './loadModule.ts';
import { type LoadReport, WIRE_ESTIMATE } from './loadReport.ts';
import { machineInfo, writeJson } from './report.ts';
import { reportHtml } from './reportHtml.ts';
import {
  DEFAULT_CONNECT_PER_SEC,
  DEFAULT_DECODE_EVERY,
  DEFAULT_SETTLE_SEC,
  type LoadHooks,
  type LoadOptions,
  runLoad,
} from './runLoad.ts';
import { verdictOf } from './verdict.ts';

/** A built-in scenario: its room module's file URL and its default entity count. */
export interface BuiltinScenario {
  /** File URL of the scenario's room module. */
  readonly module: string;
  /** Its default `--entities`. */
  readonly entities: number;
}

/** Where the CLI runs: the package's bin (no built-in scenarios) or a Tickwave checkout. */
export interface CliSetup {
  /** How the user runs it, for the help text. */
  readonly program: string;
  /** Built-in scenarios by name (empty in the package). */
  readonly scenarios: Readonly<Record<string, BuiltinScenario>>;
  /** Folder reports go to by default, relative to the working directory. */
  readonly resultsDir: string;
  /** The scenario run when no --room, --url or --scenario is given (none in the package). */
  readonly defaultScenario?: string;
}

/** The package bin's setup: the user's own rooms only, reports under ./tickwave-load/. */
export const PACKAGE_SETUP: CliSetup = { program: 'tickwave-load', scenarios: {}, resultsDir: 'tickwave-load' };

/** Default clients. */
const DEFAULT_CLIENTS = 100;
/** Default tick rate, Hz. */
const DEFAULT_TICK_RATE_HZ = 60;
/** Default `--entities`, handed to the room module's `room({ entities, tickRateHz })` factory. */
const DEFAULT_ENTITIES = 100;
/** Default measured seconds (per step with --ramp). */
const DEFAULT_DURATION_SEC = 10;
/** Default clients added per ramp step. */
const DEFAULT_RAMP_STEP = 500;
/** Default ramp ceiling. */
const DEFAULT_RAMP_MAX = 10_000;
/** Most server processes `--workers` starts. */
const MAX_WORKERS = 16;
/** Default headroom the recommendation keeps, share of a core. */
const DEFAULT_HEADROOM = 0.3;
const BOT_KINDS: readonly BotKind[] = ['light', 'full'];
/** Exit codes: held, not held (or interrupted), bad command line or a failure to start. */
export const EXIT_HELD = 0;
export const EXIT_NOT_HELD = 1;
export const EXIT_USAGE = 2;

/** Default bot processes: every core but the server's. */
function defaultBotProcesses(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The help text for `setup`. */
export function helpText(setup: CliSetup): string {
  const names = Object.keys(setup.scenarios);
  const pct = (share: number): number => Math.round(share * 100);
  return `Usage: ${setup.program} --room ./myRoom.ts [options]
       ${setup.program} --url ws://host:port/ --schema ./schema.ts [options]${
         names.length > 0 ? `\n       ${setup.program} --scenario ${names.join('|')} [options]` : ''
       }

Starts your room in a server process of its own (127.0.0.1), or targets a server you run, connects
headless bots from separate processes, and says whether the tick rate held within your budget.

What to load:
  --room FILE        your room module (.js/.mjs, or .ts with tsx installed in your project):
                     exports schema (defineSchema), room (defineRoom, or a function of
                     { entities, tickRateHz } returning one) and optionally bot (defineBot)
  --url ws://H:P/    a server you run instead; the bots need its schema: --schema FILE
  --url http://H:P/matchmake
                     the same through matchmaking: each bot asks any process (or a cluster's)
                     for a seat in a room of --join TYPE and connects where it is told
  --schema FILE      with --url: a module exporting the server's schema (your room module works)
  --join ROOM        with --url: the room id or type to join (default: the server's choice);
                     with a matchmaking --url: the room type (required)
  --bot FILE         a module exporting a bot (defineBot) to use instead of the room module's;
                     without any, bots send random valid inputs from the schema's ranges${
                       names.length > 0 ? `\n  --scenario NAME    a built-in scenario: ${names.join(', ')}` : ''
                     }

The run:
  --clients N        clients (with --ramp: the first step) (default ${DEFAULT_CLIENTS})
  --tick-rate HZ     server tick rate, ${MIN_TICK_RATE_HZ}–${MAX_TICK_RATE_HZ} (default ${DEFAULT_TICK_RATE_HZ})
  --snapshot-rate HZ snapshots per second per client, a divisor of the tick rate (the room's
                     snapshotRateHz; default: the room type's own, else the tick rate; not with --url)
  --entities E       passed to your room factory as entities (default ${DEFAULT_ENTITIES})
  --duration S       measured seconds, per step with --ramp (default ${DEFAULT_DURATION_SEC})
  --ramp             capacity search: add --ramp-step clients per step until the budget is missed
  --ramp-step N      clients added per step (default ${DEFAULT_RAMP_STEP})
  --ramp-max N       stop the ramp here (default ${DEFAULT_RAMP_MAX})
  --bots KIND        light: parse the envelope, ack, decode 1 in --decode-every; full: the real
                     TickwaveClient (decode + interpolation; small counts) (default light)
  --bot-procs N      bot processes (default ${defaultBotProcesses()}: the cores minus one)
  --connect-rate N   new connections per second per bot process (default ${DEFAULT_CONNECT_PER_SEC})
  --decode-every N   light bots whose index is a multiple of N decode every snapshot (default ${DEFAULT_DECODE_EVERY})
  --no-input         bots send no input, only acks (isolates what receiving inputs costs the server)
  --input-hold N     seqs each input holds its values for, 0–${MAX_INPUT_HOLD_TICKS}, as the client's inputHoldTicks:
                     an unchanged input is sent only when an ack is due or half the hold passed
                     (default ${DEFAULT_INPUT_HOLD_TICKS}, the client's; 0 sends every input)
  --settle S         seconds between all clients joined and the measurement (default ${DEFAULT_SETTLE_SEC})
  --transport NAME   uws | ws | auto: the started server's transport (default auto; not with --url)
  --workers N        a cluster: starts redis-server (from the PATH, on a free port, stopped at the
                     end) and N server processes (1–${MAX_WORKERS}); the bots join through matchmaking
                     and the report adds per-process figures and the join latency (not with --url)
  --room-size N      with --workers: players per room before matchmaking opens another
                     (default: --clients / --workers, rounded up, so rooms spread over the workers)

Your budget (the verdict):
  --tick-budget PCT  tick p99 at most this % of the tick's time (default ${pct(DEFAULT_BUDGET.tickShare)})
  --max-latency MS   input-to-ack p99 at most this (default ${DEFAULT_BUDGET.maxLatencyP99Ms}; 0: not judged)
  --max-kib N        wire bandwidth per client at most N KiB/s (default: not judged)
  --headroom PCT     share of a core the recommendation keeps free (default ${pct(DEFAULT_HEADROOM)})

Output:
  --out FILE.json    report file (default ${setup.resultsDir}/load-<room>-<date-time>.json, a new name per
                     run); the HTML report goes next to it (.html)
  --json             print a JSON summary on stdout (the rest goes to stderr)
  --cpu-prof         write V8 CPU profiles of the server and bot processes next to the report
  --help             show this help

Exit code: 0 held, 1 not held or interrupted, 2 bad options or a failure to start.`;
}

function int(text: string | undefined, fallback: number, flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new RangeError(`${flag} must be a whole number ${min}–${max}; got "${text}"`);
  return n;
}

function oneOf<T extends string>(text: string | undefined, allowed: readonly T[], fallback: T, flag: string): T {
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text))
    throw new RangeError(`${flag} must be one of ${allowed.join(', ')}; got "${text}"`);
  return text as T;
}

/** What the command line asks for. */
export interface ParsedArgs {
  readonly options: LoadOptions;
  readonly out: string | null;
  readonly compare: boolean;
  readonly json: boolean;
}

/**
 * Parses CLI arguments into options (module paths resolved from `cwd`); throws a RangeError naming a bad
 * flag. Returns null for --help.
 */
export function parseLoadArgs(args: readonly string[], setup: CliSetup, cwd = process.cwd()): ParsedArgs | null {
  const values = readFlags(args);
  if (values.help === true) return null;
  if (values.url !== undefined && values.workers !== undefined)
    throw new RangeError('--workers starts a cluster of its own; it does not go with --url');
  if (values['room-size'] !== undefined && values.workers === undefined)
    throw new RangeError('--room-size goes with --workers (rooms created by matchmaking)');
  if (values.url !== undefined && values['snapshot-rate'] !== undefined)
    throw new RangeError("--snapshot-rate sets the started server's rate; a --url server keeps its own");
  if (values.url !== undefined && values.transport !== undefined) {
    throw new RangeError('--transport chooses the transport of the server the run starts; it does not go with --url');
  }
  const options = optionsOf(values, setup, cwd);
  const compare = values.compare === true;
  if (compare && (options.scenario !== 'bigworld' || options.ramp || options.url !== null)) {
    throw new RangeError(
      '--compare goes with --scenario bigworld, without --ramp or --url (it starts the reference server itself)',
    );
  }
  return { options, out: values.out ?? null, compare, json: values.json === true };
}

/** The flags given, as text (booleans for switches); throws for an unknown flag. */
function readFlags(args: readonly string[]) {
  const text = { type: 'string' } as const;
  const flag = { type: 'boolean' } as const;
  return parseArgs({
    args: [...args],
    options: {
      ...{ clients: text, 'tick-rate': text, entities: text, duration: text, scenario: text, bots: text },
      'snapshot-rate': text,
      ...{ ramp: flag, compare: flag, 'ramp-step': text, 'ramp-max': text, 'bot-procs': text },
      ...{ 'connect-rate': text, 'decode-every': text, settle: text, url: text, transport: text, join: text },
      ...{ room: text, schema: text, bot: text, 'tick-budget': text, 'max-latency': text, 'max-kib': text },
      ...{ headroom: text, json: flag, 'cpu-prof': flag, out: text, workers: text, 'room-size': text },
      'no-input': flag,
      'input-hold': text,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
}

type Flags = ReturnType<typeof readFlags>;

/** The room's name, its module and the bots' module from the flags; throws when they do not fit together. */
function targetOf(values: Flags, setup: CliSetup, cwd: string): Pick<LoadOptions, 'scenario' | 'modules'> {
  const given = [values.room, values.url, values.scenario].filter((v) => v !== undefined).length;
  const names = Object.keys(setup.scenarios);
  if (given === 0 && setup.defaultScenario !== undefined)
    return targetOf({ ...values, scenario: setup.defaultScenario }, setup, cwd);
  if (given !== 1) {
    const scenario = names.length > 0 ? ', or --scenario NAME' : '';
    throw new RangeError(`say what to load: --room ./myRoom.ts, or --url ws://host:port/ with --schema${scenario}`);
  }
  const botUrl = values.bot === undefined ? null : moduleUrl(values.bot, cwd);
  if (values.scenario !== undefined) {
    const name = oneOf(values.scenario, names, names[0] ?? '', '--scenario');
    const module = setup.scenarios[name]!.module;
    return { scenario: name, modules: { room: module, bot: botUrl ?? module } };
  }
  if (values.room !== undefined) {
    const room = moduleUrl(values.room, cwd);
    return { scenario: basename(values.room, extname(values.room)), modules: { room, bot: botUrl ?? room } };
  }
  const schema = values.schema === undefined ? botUrl : moduleUrl(values.schema, cwd);
  if (schema === null)
    throw new RangeError("--url needs the server's schema: --schema ./schema.ts (a module exporting it), or --bot");
  return { scenario: values.url ?? 'server', modules: { room: null, bot: botUrl ?? schema } };
}

/** `--snapshot-rate`: null when absent, else a divisor of `tickRateHz`; throws a RangeError listing the divisors. */
function snapshotRateOf(text: string | undefined, tickRateHz: number): number | null {
  if (text === undefined) return null;
  const rates = allowedSnapshotRates(tickRateHz);
  const hz = Number(text);
  if (!rates.includes(hz))
    throw new RangeError(
      `--snapshot-rate must divide --tick-rate ${tickRateHz} (one of ${rates.join(', ')}); got "${text}"`,
    );
  return hz;
}

/** A percentage flag as a share, 0–1. */
function share(text: string | undefined, fallback: number, flag: string, min: number, max: number): number {
  return int(text, Math.round(fallback * 100), flag, min, max) / 100;
}

/** The run's options from the flags, each checked and defaulted; throws a RangeError naming a bad one. */
function optionsOf(values: Flags, setup: CliSetup, cwd: string): LoadOptions {
  const url = values.url ?? null;
  if (url !== null && !/^(wss?|https?):\/\/[^/]+/.test(url))
    throw new RangeError(`--url must be a ws://host:port/ URL or a http://host:port/matchmake endpoint; got "${url}"`);
  if (url !== null && /^https?:/.test(url) && values.join === undefined)
    throw new RangeError('--url with a matchmaking endpoint needs the room type to join: --join TYPE');
  const clients = int(values.clients, DEFAULT_CLIENTS, '--clients', 1);
  const workers = int(values.workers, 0, '--workers', 1, MAX_WORKERS);
  const target = targetOf(values, setup, cwd);
  const entities = setup.scenarios[target.scenario]?.entities ?? DEFAULT_ENTITIES;
  const latency = int(values['max-latency'], DEFAULT_BUDGET.maxLatencyP99Ms ?? 0, '--max-latency', 0, 600_000);
  const maxKib = values['max-kib'] === undefined ? null : Number(values['max-kib']);
  if (maxKib !== null && !(maxKib > 0))
    throw new RangeError(`--max-kib must be a number > 0; got "${values['max-kib']}"`);
  const tickRateHz = int(values['tick-rate'], DEFAULT_TICK_RATE_HZ, '--tick-rate', MIN_TICK_RATE_HZ, MAX_TICK_RATE_HZ);
  return {
    ...target,
    clients,
    tickRateHz,
    snapshotRateHz: snapshotRateOf(values['snapshot-rate'], tickRateHz),
    entities: int(values.entities, entities, '--entities', 0, 65_536),
    durationSec: int(values.duration, DEFAULT_DURATION_SEC, '--duration', 1, 3600),
    bots: oneOf(values.bots, BOT_KINDS, 'light', '--bots'),
    ramp: values.ramp === true,
    rampStep: int(values['ramp-step'], DEFAULT_RAMP_STEP, '--ramp-step', 1),
    rampMax: int(values['ramp-max'], Math.max(DEFAULT_RAMP_MAX, clients), '--ramp-max', clients),
    botProcesses: int(values['bot-procs'], defaultBotProcesses(), '--bot-procs', 1, 256),
    url,
    workers,
    roomCapacity: int(values['room-size'], Math.max(1, Math.ceil(clients / Math.max(1, workers))), '--room-size', 1),
    transport: oneOf(values.transport, TRANSPORT_CHOICES, 'auto', '--transport'),
    room: values.join ?? null,
    connectPerSec: int(values['connect-rate'], DEFAULT_CONNECT_PER_SEC, '--connect-rate', 1),
    decodeEvery: int(values['decode-every'], DEFAULT_DECODE_EVERY, '--decode-every', 1),
    sendInputs: values['no-input'] !== true,
    inputHoldTicks: int(values['input-hold'], DEFAULT_INPUT_HOLD_TICKS, '--input-hold', 0, MAX_INPUT_HOLD_TICKS),
    settleSec: int(values.settle, DEFAULT_SETTLE_SEC, '--settle', 0, 600),
    cpuProfDir: values['cpu-prof'] === true ? resolve(cwd, setup.resultsDir, 'profiles') : null,
    budget: {
      tickShare: share(values['tick-budget'], DEFAULT_BUDGET.tickShare, '--tick-budget', 1, 100),
      maxLatencyP99Ms: latency === 0 ? null : latency,
      maxKibPerClient: maxKib,
    },
    headroom: share(values.headroom, DEFAULT_HEADROOM, '--headroom', 0, 90),
  };
}

/** Runs a load test and assembles its report (nothing printed or written); `command` is recorded in it. */
export async function loadReport(options: LoadOptions, hooks: LoadHooks = {}, command = ''): Promise<LoadReport> {
  const machine = machineInfo();
  const run = await runLoad(options, hooks);
  return {
    benchmark: 'load',
    date: new Date().toISOString(),
    command,
    machine,
    parameters: options,
    transport: run.transport,
    verdict: verdictOf(options, run.steps, run.lastHeldClients, run.interrupted),
    steps: run.steps,
    timeSeries: run.timeSeries,
    wireEstimate: WIRE_ESTIMATE,
    interrupted: run.interrupted,
  };
}

/**
 * `--compare`: runs the all-visible reference (the `bigworld-all` scenario of `setup`, E=100, all else
 * the same) and then big-world `options`; returns both reports, the second carrying the reference's last
 * window (null if the reference was interrupted or measured nothing: then there is nothing to compare with).
 */
export async function loadReportWithReference(
  options: LoadOptions,
  setup: CliSetup,
  hooks: LoadHooks = {},
): Promise<{ reference: LoadReport; report: LoadReport | null }> {
  const all = setup.scenarios['bigworld-all'];
  if (all === undefined) throw new RangeError('--compare needs the bigworld-all scenario (a Tickwave checkout)');
  const modules = { room: all.module, bot: all.module };
  const reference = await loadReport(
    { ...options, scenario: 'bigworld-all', modules, entities: DEFAULT_ENTITIES },
    hooks,
  );
  const last = reference.steps.at(-1);
  if (reference.interrupted || last === undefined) return { reference, report: null };
  const report = await loadReport(options, hooks);
  return { reference, report: { ...report, reference: last } };
}

/** A report path of its own for a run of `scenario` in `dir`: load-<room>-<date-time>[-n].json. */
export function uniqueReportPath(dir: string, scenario: string, date = new Date()): string {
  const room = scenario.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'room';
  const stamp = date.toISOString().replace(/[:.]/g, '-').replace(/Z$/, '');
  const base = join(dir, `load-${room}-${stamp}`);
  let path = `${base}.json`;
  for (let n = 2; existsSync(path) || existsSync(path.replace(/\.json$/, '.html')); n++) path = `${base}-${n}.json`;
  return path;
}

/** Writes the JSON report to `path` and the HTML report next to it (same name, .html); returns both paths. */
export function writeLoadReport(report: LoadReport, path: string): { json: string; html: string } {
  const json = writeJson(path, report);
  const html = `${json.replace(/\.json$/, '')}.html`;
  writeFileSync(html, reportHtml(report));
  return { json, html };
}

/** The `--json` summary of a report and where it was written. */
export function jsonSummary(report: LoadReport, paths: { json: string; html: string }): object {
  const last = report.steps.at(-1);
  return {
    held: report.verdict.held,
    clients: last?.clients ?? 0,
    lastHeldClients: report.verdict.lastHeldClients,
    tickRateHz: report.parameters.tickRateHz,
    verdict: report.verdict.summary,
    recommendation: report.verdict.recommendation,
    clientsPerCore: report.verdict.clientsPerCore,
    tickP99Ms: last?.server?.tickP99Ms ?? null,
    latencyP99Ms: last?.client.latencyP99Ms ?? null,
    wireKibPerClient: last === undefined ? null : Math.round(last.client.wireBytesPerClientPerSec / 10.24) / 100,
    disconnects: last?.client.disconnects ?? 0,
    report: paths,
  };
}
