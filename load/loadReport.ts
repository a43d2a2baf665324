/**
 * The load test's report: the JSON written per run, the tables printed at the end, the verdict against
 * the user's budget and the recommendation.
 */
import { formatTable, type MachineInfo, round, type TableColumn } from './report.ts';
import { joinLine, PROCESS_COLUMNS, processRows } from './clusterReport.ts';
import type { TimeSeriesRow, WindowFigures } from './loadFigures.ts';
import type { LoadOptions } from './runLoad.ts';
import { ASSUMED_MSS_BYTES, TCP_IP_HEADER_BYTES } from './botTraffic.ts';

/**
 * `--compare` (Tickwave's own big-world benchmark): bytes and server CPU per client per snapshot within
 * this share of the all-visible E=100 figures.
 */
export const TARGET_BIGWORLD_REFERENCE_SHARE = 0.1;

/** How the on-the-wire figure is estimated, written into every report. */
export const WIRE_ESTIMATE =
  'wire = WebSocket frames as received (payload + 2/4/10-byte server frame headers) + ' +
  `${TCP_IP_HEADER_BYTES} bytes of IPv4 + TCP ` +
  `(with timestamps) per ${ASSUMED_MSS_BYTES}-byte segment, one segment at least per frame ` +
  '(the server corks and sends one frame ' +
  'per client per tick); Ethernet framing (38 B per packet) and TCP ACKs are not counted.';

/** The result file of a load test. */
export interface LoadReport {
  readonly benchmark: 'load';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly parameters: LoadOptions;
  /** The network transport the server ran on (uws or ws); null when the run targeted a server elsewhere (--url). */
  readonly transport: 'uws' | 'ws' | null;
  readonly verdict: Verdict;
  /** The command line that ran the test. */
  readonly command: string;
  readonly steps: readonly WindowFigures[];
  readonly timeSeries: readonly TimeSeriesRow[];
  readonly wireEstimate: string;
  readonly interrupted: boolean;
  /**
   * With `--compare`: the last measured window of the all-visible reference (`bigworld-all`, E=100,
   * the same clients, tick rate and duration) run just before, which the bytes and CPU are judged against.
   */
  readonly reference?: WindowFigures;
}

/** Whether the run held, in one line, with the recommendation. */
export interface Verdict {
  /** True when the tick rate held within the budget (with --ramp: at the first step at least). */
  readonly held: boolean;
  /** The largest client count that held (0 if none). */
  readonly lastHeldClients: number;
  readonly summary: string;
  /** Clients per server core the figures point to with the headroom kept, or null without server figures. */
  readonly clientsPerCore: number | null;
  readonly recommendation: string;
}

const kib = (bytes: number): number => round(bytes / 1024, 2);

/** The server table's columns, one row per window. */
export const SERVER_COLUMNS: readonly TableColumn<WindowFigures>[] = [
  { heading: 'clients', cell: (s) => s.clients },
  { heading: 'held', cell: (s) => (s.held ? 'yes' : 'NO'), align: 'left' },
  { heading: 'tick p50 ms', cell: (s) => s.server?.tickP50Ms ?? '-' },
  { heading: 'p99 ms', cell: (s) => s.server?.tickP99Ms ?? '-' },
  { heading: 'max ms', cell: (s) => s.server?.tickMaxMs ?? '-' },
  { heading: 'tick ms', cell: (s) => s.server?.tickBudgetMs ?? '-' },
  { heading: 'Hz', cell: (s) => s.server?.achievedTickRateHz ?? '-' },
  { heading: 'skipped ticks', cell: (s) => s.server?.skippedTicks ?? '-' },
  { heading: 'game step ms', cell: (s) => s.server?.stepHandlerMsPerTick ?? '-' },
  { heading: 'CPU µs/client/snap', cell: (s) => s.server?.cpuUsPerClientSnapshot ?? '-' },
  { heading: 'user', cell: (s) => s.server?.cpuUserUsPerClientSnapshot ?? '-' },
  { heading: 'kernel', cell: (s) => s.server?.cpuSystemUsPerClientSnapshot ?? '-' },
  { heading: 'CPU µs/client/s', cell: (s) => s.server?.cpuUsPerClientPerSec ?? '-' },
  { heading: 'CPU %', cell: (s) => s.server?.cpuPercent ?? '-' },
  { heading: 'RSS MiB', cell: (s) => s.server?.rssMiB ?? '-' },
  { heading: 'loop delay p99 ms', cell: (s) => s.server?.eventLoopDelayP99Ms ?? '-' },
  { heading: 'snaps skipped', cell: (s) => s.server?.snapshotsSkipped ?? '-' },
];

/** The tick phases table's columns (p50 and p99 of each phase, ms per tick), one row per window. */
export const PHASE_COLUMNS: readonly TableColumn<WindowFigures>[] = [
  { heading: 'clients', cell: (s) => s.clients },
  { heading: 'inputs p50', cell: (s) => s.server?.phases?.inputs.p50Ms ?? '-' },
  { heading: 'p99', cell: (s) => s.server?.phases?.inputs.p99Ms ?? '-' },
  { heading: 'game step p50', cell: (s) => s.server?.phases?.step.p50Ms ?? '-' },
  { heading: 'p99', cell: (s) => s.server?.phases?.step.p99Ms ?? '-' },
  { heading: 'encode p50', cell: (s) => s.server?.phases?.encode.p50Ms ?? '-' },
  { heading: 'p99', cell: (s) => s.server?.phases?.encode.p99Ms ?? '-' },
  { heading: 'send p50', cell: (s) => s.server?.phases?.send.p50Ms ?? '-' },
  { heading: 'p99', cell: (s) => s.server?.phases?.send.p99Ms ?? '-' },
  { heading: 'tick p50', cell: (s) => s.server?.tickP50Ms ?? '-' },
  { heading: 'p99', cell: (s) => s.server?.tickP99Ms ?? '-' },
];

/** What the phases table holds, printed under it. */
export const PHASES_NOTE =
  'inputs: applying buffered inputs (onInput included); game step: the step handlers; encode: quantizing ' +
  'the world and encoding bodies; send: writing the frames to the sockets. Each column is its own ' +
  'percentile over the ticks, so the phases of one column need not add up to the tick.';

/** The clients table's columns, one row per window. */
export const CLIENT_COLUMNS: readonly TableColumn<WindowFigures>[] = [
  { heading: 'clients', cell: (s) => s.clients },
  { heading: 'snaps/s', cell: (s) => s.client.snapshotsPerClientPerSec },
  { heading: 'payload KiB/s', cell: (s) => kib(s.client.payloadBytesPerClientPerSec) },
  { heading: 'wire KiB/s', cell: (s) => kib(s.client.wireBytesPerClientPerSec) },
  { heading: 'up KiB/s', cell: (s) => kib(s.client.upstreamWsBytesPerClientPerSec) },
  { heading: 'arrival p99 ms', cell: (s) => s.client.interArrivalP99Ms },
  { heading: 'jitter p99 ms', cell: (s) => s.client.jitterP99Ms },
  { heading: 'input→ack p50 ms', cell: (s) => s.client.latencyP50Ms },
  { heading: 'p99 ms', cell: (s) => s.client.latencyP99Ms },
  { heading: 'disconnects', cell: (s) => s.client.disconnects },
  { heading: 'decoded', cell: (s) => s.client.decodedSnapshots },
  { heading: 'bad', cell: (s) => s.client.decodeFailures },
  { heading: 'bot CPU %', cell: (s) => `${s.botCpuPercent} (${s.botProcesses} proc)`, align: 'right' },
  { heading: 'other CPU %', cell: (s) => s.otherCpuPercent },
];

/**
 * What a client gets and costs per snapshot, with what it sees: the table that compares `bigworld` with
 * `bigworld-all`.
 */
const VIEW_COLUMNS: readonly TableColumn<WindowFigures>[] = [
  { heading: 'clients', cell: (s) => s.clients },
  { heading: 'seen/client', cell: (s) => s.server?.seenPerClient ?? '-', align: 'right' },
  { heading: 'sent/snap', cell: (s) => s.server?.entitiesSentPerSnapshot ?? '-', align: 'right' },
  {
    heading: 'deferred %',
    cell: (s) => (s.server === null || s.server.deferredShare === null ? '-' : round(s.server.deferredShare * 100, 2)),
    align: 'right',
  },
  { heading: 'payload B/snap', cell: (s) => s.client.payloadBytesPerSnapshot },
  { heading: 'wire B/snap', cell: (s) => s.client.wireBytesPerSnapshot },
  { heading: 'CPU µs/client/snap', cell: (s) => s.server?.cpuUsPerClientSnapshot ?? '-' },
  { heading: 'user', cell: (s) => s.server?.cpuUserUsPerClientSnapshot ?? '-' },
  { heading: 'kernel', cell: (s) => s.server?.cpuSystemUsPerClientSnapshot ?? '-' },
  { heading: 'tick p50 ms', cell: (s) => s.server?.tickP50Ms ?? '-' },
  { heading: 'game step ms', cell: (s) => s.server?.stepHandlerMsPerTick ?? '-' },
  { heading: 'p99 ms', cell: (s) => s.server?.tickP99Ms ?? '-' },
  {
    heading: 'p99 % of budget',
    cell: (s) => (s.server === null ? '-' : round((s.server.tickP99Ms / s.server.tickBudgetMs) * 100, 1)),
  },
];

/** The printed tables, notes, verdict and target lines. */
export function reportText(report: LoadReport): string {
  const o = report.parameters;
  const lines: string[] = [];
  if (report.transport !== null) {
    lines.push(`server transport: ${report.transport}${o.transport === 'auto' ? ' (auto)' : ''}\n`);
  }
  lines.push('server (figures over each measurement window)');
  lines.push(formatTable(SERVER_COLUMNS, report.steps));
  if (report.steps.some((s) => s.server?.phases != null)) {
    lines.push('', 'tick phases (ms per tick over each window)', formatTable(PHASE_COLUMNS, report.steps));
    lines.push(PHASES_NOTE);
  }
  lines.push('');
  lines.push('clients (per client; bytes are server → client unless "up")');
  lines.push(formatTable(CLIENT_COLUMNS, report.steps));
  for (const s of report.steps) for (const note of s.notes) lines.push(`  ${s.clients} clients: ${note}`);
  if (o.workers > 0) lines.push('', ...clusterLines(report.steps));
  if (report.steps.some((w) => w.server?.entitiesSentPerSnapshot != null)) lines.push('', ...viewLines(report));
  lines.push('');
  const best = [...report.steps].reverse().find((s) => s.held) ?? report.steps.at(-1);
  if (best !== undefined && report.reference !== undefined) lines.push(...referenceLines(best, report.reference));
  lines.push(`verdict: ${report.verdict.summary}`);
  lines.push(`recommendation: ${report.verdict.recommendation}`);
  lines.push('');
  lines.push(`wire estimate: ${report.wireEstimate}`);
  return lines.join('\n');
}

/** The per-process table and the join latency of a `--workers` run. */
function clusterLines(steps: readonly WindowFigures[]): string[] {
  return [
    'server processes (each worker over each measurement window; the server table sums them)',
    formatTable(PROCESS_COLUMNS, processRows(steps)),
    ...steps.map(joinLine),
  ];
}

/** The big-world table of what a client sees and is sent per snapshot, headed by how to compare it. */
function viewLines(report: LoadReport): string[] {
  const o = report.parameters;
  const compare =
    report.reference !== undefined ? 'judged below against the all-visible reference run first' : 'as measured';
  return [
    `per client per snapshot (${o.scenario} E=${o.entities}; ${compare})`,
    formatTable(VIEW_COLUMNS, report.steps),
  ];
}

/**
 * Bytes and server CPU per client per snapshot of big-world window `s` against the all-visible `reference`, each
 * judged.
 */
export function referenceLines(s: WindowFigures, reference: WindowFigures): string[] {
  const limit = TARGET_BIGWORLD_REFERENCE_SHARE;
  const over = (value: number, base: number): number => (base > 0 ? value / base - 1 : Infinity);
  const pct = (share: number): string => `${share >= 0 ? '+' : ''}${round(share * 100, 1)} %`;
  const mark = (share: number): string => (share <= limit ? 'ok  ' : 'MISS');
  const target = `(target within ${limit * 100} % of all-visible E=100 at ${reference.clients} clients)`;
  const c = s.client;
  const rc = reference.client;
  const payload = over(c.payloadBytesPerSnapshot, rc.payloadBytesPerSnapshot);
  const wire = over(c.wireBytesPerSnapshot, rc.wireBytesPerSnapshot);
  const lines = [
    `${mark(Math.max(payload, wire))} bytes per client per snapshot: ` +
      `${c.payloadBytesPerSnapshot} B payload, ${c.wireBytesPerSnapshot} B wire ` +
      `against ${rc.payloadBytesPerSnapshot} and ${rc.wireBytesPerSnapshot}: ${pct(payload)}, ${pct(wire)} ${target}`,
  ];
  if (s.server !== null && reference.server !== null) {
    const a = s.server;
    const r = reference.server;
    const cpu = over(a.cpuUsPerClientSnapshot, r.cpuUsPerClientSnapshot);
    lines.push(
      `${mark(cpu)} server CPU per client per snapshot: ${a.cpuUsPerClientSnapshot} µs ` +
        `(${a.cpuUserUsPerClientSnapshot} user + ${a.cpuSystemUsPerClientSnapshot} kernel) against ` +
        `${r.cpuUsPerClientSnapshot} (${r.cpuUserUsPerClientSnapshot} + ${r.cpuSystemUsPerClientSnapshot}): ` +
        `${pct(cpu)} ${target}`,
    );
    lines.push(
      `     the reference's own tick p99 was ${r.tickP99Ms} ms = ` +
        `${round((r.tickP99Ms / r.tickBudgetMs) * 100, 1)} % of its budget; ` +
        `its game step ${r.stepHandlerMsPerTick} ms per tick, this run's ${a.stepHandlerMsPerTick}`,
    );
  }
  return lines;
}

/** The live progress line for one time-series row. */
export function progressLine(row: TimeSeriesRow, phase: string, budgetMs: number): string {
  const p99 = row.tickP99Ms === null ? '-' : row.tickP99Ms.toFixed(2);
  const hz = row.achievedTickRateHz === null ? '-' : row.achievedTickRateHz.toFixed(1);
  const snaps = row.snapshotsPerClientPerSec === null ? 0 : Math.round(row.snapshotsPerClientPerSec * row.clients);
  const cpu = row.serverCpuPercent === null ? '-' : `${row.serverCpuPercent.toFixed(0)}%`;
  return (
    `[${row.tSec.toFixed(0).padStart(4)}s] ${phase.padEnd(16)} clients ${row.clients}/${row.targetClients}  ` +
    `tick p99 ${p99} ms (tick ${budgetMs.toFixed(2)})  ` +
    `${hz} Hz  snapshots/s ${snaps}  server CPU ${cpu}  ` +
    `bots CPU ${row.botCpuPercent.toFixed(0)}%  other CPU ${row.otherCpuPercent.toFixed(0)}%`
  );
}
