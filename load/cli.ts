/**
 * Runs the load tester's command line (see load/main.ts for the options): progress on stderr, the
 * tables, verdict and recommendation on stdout (stderr with `--json`, whose summary is then stdout's
 * only line), the JSON and HTML reports written; resolves to the exit code.
 */
import { resolve } from 'node:path';
import type { LoadReport } from './loadReport.ts';
import { progressLine, reportText } from './loadReport.ts';
import {
  type CliSetup,
  EXIT_HELD,
  EXIT_NOT_HELD,
  EXIT_USAGE,
  helpText,
  jsonSummary,
  loadReport,
  loadReportWithReference,
  parseLoadArgs,
  type ParsedArgs,
  uniqueReportPath,
  writeLoadReport,
} from './main.ts';
import { machineInfo } from './report.ts';
import type { LoadHooks } from './runLoad.ts';

/** Runs the command line `args` in `setup`; resolves to the exit code (0 held, 1 not held, 2 usage or start failed). */
export async function runCli(args: readonly string[], setup: CliSetup): Promise<number> {
  let parsed: ParsedArgs | null;
  try {
    parsed = parseLoadArgs(args, setup);
  } catch (err) {
    console.error(`${setup.program}: ${err instanceof Error ? err.message : String(err)}\n\n${helpText(setup)}`);
    return EXIT_USAGE;
  }
  if (parsed === null) {
    console.log(helpText(setup));
    return EXIT_HELD;
  }
  const print = parsed.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => console.log(line);
  const abort = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\ninterrupted: stopping the bots and the server…\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const command = [setup.program, ...args].join(' ');
    const report = await run(parsed, setup, hooksFor(parsed, abort.signal), print, command);
    if (report === null) return EXIT_NOT_HELD;
    print(`\n${reportText(report)}`);
    const path = parsed.out ?? uniqueReportPath(resolve(setup.resultsDir), report.parameters.scenario);
    const paths = writeLoadReport(report, path);
    print(`\nwrote ${paths.json}\nwrote ${paths.html}`);
    if (parsed.json) console.log(JSON.stringify(jsonSummary(report, paths)));
    return report.verdict.held && !report.interrupted ? EXIT_HELD : EXIT_NOT_HELD;
  } catch (err) {
    console.error(`${setup.program}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_USAGE;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Runs the test (with `--compare`, the reference first); prints the header lines. */
async function run(
  parsed: ParsedArgs,
  setup: CliSetup,
  hooks: LoadHooks,
  print: (line: string) => void,
  command: string,
): Promise<LoadReport | null> {
  const o = parsed.options;
  const m = machineInfo();
  const snapshots = o.snapshotRateHz === null ? '' : `, snapshots ${o.snapshotRateHz} Hz`;
  print(
    `load test: ${o.scenario} at ${o.tickRateHz} Hz${snapshots}, ` +
      `${o.ramp ? `ramp ${o.clients}+${o.rampStep}…${o.rampMax}` : `${o.clients}`} ${o.bots} clients, ` +
      `${o.durationSec} s${o.ramp ? ' per step' : ''}, ${o.botProcesses} bot process(es)` +
      `${o.url === null ? `, transport ${o.transport}` : `, server ${o.url}`}`,
  );
  print(`tickwave ${m.tickwave}, node ${m.node}, ${m.cpu} × ${m.cores}, ${m.os}\n`);
  if (!parsed.compare) return loadReport(o, hooks, command);
  const both = await loadReportWithReference(o, setup, hooks);
  print(`\nreference: bigworld-all\n\n${reportText(both.reference)}`);
  return both.report === null ? null : { ...both.report, command };
}

/** Progress on stderr: one rewritten line on a terminal, a line every 5 s otherwise. */
function hooksFor(parsed: ParsedArgs, signal: AbortSignal): LoadHooks {
  const tty = process.stderr.isTTY === true;
  const budgetMs = 1000 / parsed.options.tickRateHz;
  let lastPrinted = 0;
  return {
    signal,
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
}
