/**
 * The load-test CLI: `npm run bench -- load --clients N --tick-rate HZ --entities E --duration S ...`
 * (see HELP). Prints a live progress line, then the tables and verdict; writes the JSON report and an
 * HTML page of plots under bench/results/.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TRANSPORT_CHOICES } from '../server/index.ts';
import { MAX_TICK_RATE_HZ, MIN_TICK_RATE_HZ } from '../shared/index.ts';
import { defaultResultPath, machineInfo, RESULTS_DIR, round, writeJson } from '../bench/report.ts';
import { BIGWORLD_ENTITIES } from '../bench/scenarios/bigworld.ts';
import type { BotKind, LoadScenario } from './ipc.ts';
import { isBigworld, type LoadReport, progressLine, reportText, verdictOf, WIRE_ESTIMATE } from './loadReport.ts';
import { plotHtml } from './plotHtml.ts';
import {
  DEFAULT_CONNECT_PER_SEC,
  DEFAULT_DECODE_EVERY,
  DEFAULT_SETTLE_SEC,
  type LoadHooks,
  type LoadOptions,
  runLoad,
} from './runLoad.ts';

/** Default clients. */
const DEFAULT_CLIENTS = 100;
/** Default tick rate, Hz. */
const DEFAULT_TICK_RATE_HZ = 60;
/**
 * Default entities: units in the arena (and in `bigworld-all`), server-side bot ships in `demo`. `bigworld` has
 * {@link BIGWORLD_ENTITIES}.
 */
const DEFAULT_ENTITIES = 100;
/** Default measured seconds (per step with --ramp). */
const DEFAULT_DURATION_SEC = 10;
/** Default clients added per ramp step. */
const DEFAULT_RAMP_STEP = 500;
/** Default ramp ceiling. */
const DEFAULT_RAMP_MAX = 10_000;
const SCENARIOS: readonly LoadScenario[] = ['arena', 'arena-jitter', 'demo', 'bigworld', 'bigworld-all'];
const BOT_KINDS: readonly BotKind[] = ['light', 'full'];

/** Default bot processes: every core but the server's. */
function defaultBotProcesses(): number {
  return Math.max(1, availableParallelism() - 1);
}

const HELP = `Usage: npm run bench -- load [options]

Starts a Tickwave server (its own process, 127.0.0.1) running the chosen scenario, connects headless
bots from separate processes, and reports whether the tick rate holds, with server and client figures.

  --clients N        clients (with --ramp: the first step) (default ${DEFAULT_CLIENTS})
  --tick-rate HZ     server tick rate, ${MIN_TICK_RATE_HZ}–${MAX_TICK_RATE_HZ} (default ${DEFAULT_TICK_RATE_HZ})
  --entities E       units in the world; with demo, server-side bot ships (plus one ship per
                     client) (default ${DEFAULT_ENTITIES}; bigworld: ${BIGWORLD_ENTITIES})
  --duration S       measured seconds, per step with --ramp (default ${DEFAULT_DURATION_SEC})
  --scenario NAME    arena | arena-jitter (the codec benchmark's worlds) | demo (the demo game's
                     room) | bigworld (E units on a 10,000² field, interest management on: each
                     client follows one unit and sees the ~100 around it) | bigworld-all (the
                     same room all-visible, E units on a 1,000² field: the reference to compare
                     bigworld with, at the same --clients) (default arena)
  --bots KIND        light: parse the envelope, ack, decode 1 in --decode-every; full: the real
                     TickwaveClient (decode + interpolation; small counts) (default light)
  --compare          with --scenario bigworld: first run its all-visible reference (bigworld-all,
                     E=100) with the same clients, tick rate and duration, then judge bytes and
                     server CPU per client per snapshot against it (not with --ramp or --url)
  --ramp             capacity search: add --ramp-step clients per step until the tick rate no
                     longer holds (tick p99 over budget, or achieved rate under 99 %)
  --ramp-step N      clients added per step (default ${DEFAULT_RAMP_STEP})
  --ramp-max N       stop the ramp here (default ${DEFAULT_RAMP_MAX})
  --bot-procs N      bot processes (default ${defaultBotProcesses()}: the cores minus one)
  --connect-rate N   new connections per second per bot process (default ${DEFAULT_CONNECT_PER_SEC})
  --decode-every N   light bots whose index is a multiple of N decode every snapshot (default ${DEFAULT_DECODE_EVERY})
  --settle S         seconds between all clients joined and the measurement (default ${DEFAULT_SETTLE_SEC})
  --transport NAME   the server's network transport: uws (uWebSockets.js, Node 20) | ws (the ws
                     package, any Node) | auto (uws where its native binary loads, else ws)
                     (default auto; not with --url)
  --url ws://H:P/    target a server started elsewhere (bots only; server figures come from the
                     clients); the server must run the same scenario (see README "Load testing")
  --room ID          room to join with --url (default: the server's choice)
  --cpu-prof         write V8 CPU profiles of the server and bot processes to
                     bench/results/profiles/<process>/ (open in Chrome DevTools)
  --out FILE.json    result file (default bench/results/load-<date>.json; the plots go next to it as .html)
  --help             show this help`;

function int(
  text: string | undefined,
  fallback: number,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
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

/** Parses CLI arguments into options; throws a RangeError naming a bad flag. Returns null for --help. */
export function parseLoadArgs(
  args: readonly string[],
): { options: LoadOptions; out: string | null; compare: boolean } | null {
  const values = readFlags(args);
  if (values.help === true) return null;
  const options = optionsOf(values);
  if (options.url !== null && values.transport !== undefined) {
    throw new RangeError('--transport chooses the transport of the server the run starts; it does not go with --url');
  }
  const compare = values.compare === true;
  if (compare && (options.scenario !== 'bigworld' || options.ramp || options.url !== null)) {
    throw new RangeError(
      '--compare goes with --scenario bigworld, without --ramp or --url (it starts the reference server itself)',
    );
  }
  return { options, out: values.out ?? null, compare };
}

/** The flags given, as text (booleans for switches); throws for an unknown flag. */
function readFlags(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    options: {
      clients: { type: 'string' },
      'tick-rate': { type: 'string' },
      entities: { type: 'string' },
      duration: { type: 'string' },
      scenario: { type: 'string' },
      bots: { type: 'string' },
      ramp: { type: 'boolean' },
      compare: { type: 'boolean' },
      'ramp-step': { type: 'string' },
      'ramp-max': { type: 'string' },
      'bot-procs': { type: 'string' },
      'connect-rate': { type: 'string' },
      'decode-every': { type: 'string' },
      settle: { type: 'string' },
      url: { type: 'string' },
      transport: { type: 'string' },
      room: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
}

/** The run's options from the flags, each checked and defaulted; throws a RangeError naming a bad one. */
function optionsOf(values: ReturnType<typeof readFlags>): LoadOptions {
  const url = values.url ?? null;
  if (url !== null && !/^ws:\/\/[^/]+/.test(url))
    throw new RangeError(`--url must be a ws://host:port/ URL; got "${url}"`);
  const clients = int(values.clients, DEFAULT_CLIENTS, '--clients', 1);
  const scenario = oneOf(values.scenario, SCENARIOS, 'arena', '--scenario');
  return {
    clients,
    tickRateHz: int(values['tick-rate'], DEFAULT_TICK_RATE_HZ, '--tick-rate', MIN_TICK_RATE_HZ, MAX_TICK_RATE_HZ),
    entities: int(
      values.entities,
      scenario === 'bigworld' ? BIGWORLD_ENTITIES : DEFAULT_ENTITIES,
      '--entities',
      isBigworld(scenario) ? 1 : 0,
      65_536,
    ),
    durationSec: int(values.duration, DEFAULT_DURATION_SEC, '--duration', 1, 3600),
    scenario,
    bots: oneOf(values.bots, BOT_KINDS, 'light', '--bots'),
    ramp: values.ramp === true,
    rampStep: int(values['ramp-step'], DEFAULT_RAMP_STEP, '--ramp-step', 1),
    rampMax: int(values['ramp-max'], Math.max(DEFAULT_RAMP_MAX, clients), '--ramp-max', clients),
    botProcesses: int(values['bot-procs'], defaultBotProcesses(), '--bot-procs', 1, 256),
    url,
    transport: oneOf(values.transport, TRANSPORT_CHOICES, 'auto', '--transport'),
    room: values.room ?? null,
    connectPerSec: int(values['connect-rate'], DEFAULT_CONNECT_PER_SEC, '--connect-rate', 1),
    decodeEvery: int(values['decode-every'], DEFAULT_DECODE_EVERY, '--decode-every', 1),
    settleSec: int(values.settle, DEFAULT_SETTLE_SEC, '--settle', 0, 600),
    cpuProfDir: values['cpu-prof'] === true ? join(RESULTS_DIR, 'profiles') : null,
  };
}

/** Runs a load test and assembles its report (nothing printed or written). */
export async function loadReport(options: LoadOptions, hooks: LoadHooks = {}): Promise<LoadReport> {
  const machine = machineInfo();
  const run = await runLoad(options, hooks);
  const verdict = verdictOf(options, run.steps, run.lastHeldClients, run.interrupted);
  return {
    benchmark: 'load',
    date: new Date().toISOString(),
    machine,
    parameters: options,
    transport: run.transport,
    verdict: { ...verdict, lastHeldClients: run.lastHeldClients },
    steps: run.steps,
    timeSeries: run.timeSeries,
    wireEstimate: WIRE_ESTIMATE,
    interrupted: run.interrupted,
  };
}

/** The options of the all-visible reference of big-world `options`: bigworld-all, E=100, all else the same. */
export function referenceOptions(options: LoadOptions): LoadOptions {
  return { ...options, scenario: 'bigworld-all', entities: DEFAULT_ENTITIES };
}

/**
 * `--compare`: runs the all-visible reference (see {@link referenceOptions}) and then big-world
 * `options`; returns both reports, the second carrying the reference's last window (null if the
 * reference was interrupted or measured nothing: then there is nothing to compare with).
 */
export async function loadReportWithReference(
  options: LoadOptions,
  hooks: LoadHooks = {},
): Promise<{ reference: LoadReport; report: LoadReport | null }> {
  const reference = await loadReport(referenceOptions(options), hooks);
  const last = reference.steps.at(-1);
  if (reference.interrupted || last === undefined) return { reference, report: null };
  const report = await loadReport(options, hooks);
  return { reference, report: { ...report, reference: last } };
}

/** Writes the JSON report to `path` and the plots next to it (same name, .html); returns both paths. */
export function writeLoadReport(report: LoadReport, path: string): { json: string; html: string } {
  const json = writeJson(path, report);
  const html = `${json.replace(/\.json$/, '')}.html`;
  const o = report.parameters;
  const m = report.machine;
  writeFileSync(
    html,
    plotHtml({
      title:
        `Tickwave load test: ${o.scenario} E=${o.entities} at ${o.tickRateHz} Hz, ` +
        `${o.ramp ? `ramp from ${o.clients}` : `${o.clients} clients`}` +
        `${report.transport === null ? '' : `, ${report.transport}`}`,
      subtitle: `${report.verdict.summary} — node ${m.node}, ${m.cpu} × ${m.cores}, commit ${m.commit}, ${report.date}`,
      tickBudgetMs: round(1000 / o.tickRateHz, 3),
      rows: report.timeSeries,
    }),
  );
  return { json, html };
}

/** CLI entry: parses `args`, runs with a live progress line, prints the tables, writes JSON + HTML. */
export async function main(args: readonly string[]): Promise<void> {
  const parsed = parseLoadArgs(args);
  if (parsed === null) {
    console.log(HELP);
    return;
  }
  const { options: o, out, compare } = parsed;
  const m = machineInfo();
  console.log(
    `load test: ${o.scenario} E=${o.entities} at ${o.tickRateHz} Hz, ` +
      `${o.ramp ? `ramp ${o.clients}+${o.rampStep}…${o.rampMax}` : `${o.clients}`} ${o.bots} clients, ` +
      `${o.durationSec} s${o.ramp ? ' per step' : ''}, ${o.botProcesses} bot process(es)` +
      `${o.url === null ? `, transport ${o.transport}` : `, server ${o.url}`}`,
  );
  console.log(`node ${m.node}, ${m.cpu} × ${m.cores}, ${m.os}, commit ${m.commit}\n`);
  const abort = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\ninterrupted: stopping the bots and the server…\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const tty = process.stderr.isTTY === true;
  const budgetMs = 1000 / o.tickRateHz;
  let lastPrinted = 0;
  const hooks: LoadHooks = {
    signal: abort.signal,
    log: (line) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`),
    progress: (row, phase) => {
      const line = progressLine(row, phase, budgetMs);
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (row.tSec - lastPrinted >= 5) {
        lastPrinted = row.tSec;
        process.stderr.write(`${line}\n`);
      }
    },
  };
  try {
    const path = out ?? defaultResultPath('load');
    let report: LoadReport | null;
    if (compare) {
      hooks.log?.(
        `--compare: the all-visible reference first (bigworld-all E=${DEFAULT_ENTITIES}), ` +
          `then ${o.scenario} E=${o.entities}`,
      );
      const both = await loadReportWithReference(o, hooks);
      if (tty) process.stderr.write('\n');
      console.log(`\nreference: bigworld-all E=${DEFAULT_ENTITIES}\n\n${reportText(both.reference)}`);
      const paths = writeLoadReport(both.reference, `${path.replace(/\.json$/, '')}-reference.json`);
      console.log(`\nwrote ${paths.json}\nwrote ${paths.html}\n\n${o.scenario} E=${o.entities}`);
      report = both.report;
    } else report = await loadReport(o, hooks);
    if (report === null) return;
    if (tty) process.stderr.write('\n');
    console.log(`\n${reportText(report)}`);
    const paths = writeLoadReport(report, path);
    console.log(`\nwrote ${paths.json}\nwrote ${paths.html}`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
