/**
 * Judges a load-test window: whether it held the tick rate within the user's budget (and why not), and
 * what to be wary of in its figures.
 */
import { CloseCode } from '../shared/index.ts';
import type { Budget, ClientFigures, SampleRound, ServerFigures } from './loadFigures.ts';
import { round } from './report.ts';

/** A tick rate holds when the achieved rate is at least this share of the configured one. */
export const HELD_RATE_SHARE = 0.99;
/** Bot processes above this share of a core are reported as a possible bottleneck. */
const BOT_BUSY_SHARE = 0.9;
/** Other processes above this much CPU (% of one core) during a window are reported. */
const OTHER_BUSY_PERCENT = 15;

/**
 * Whether the window held the tick rate: every client connected throughout, and the server's tick p99
 * within budget at the configured rate (against an external server: the clients' snapshot rate).
 * Appends to `notes` why not.
 */
export function judge(
  notes: string[],
  w: {
    readonly clients: number;
    readonly minConnected: number;
    readonly server: ServerFigures | null;
    readonly client: ClientFigures;
    readonly tickRateHz: number;
    /** Snapshots per second per client the room sends (the tick rate unless its snapshotRateHz is lower). */
    readonly snapshotRateHz: number;
    readonly budgetMs: number;
  },
  budget: Budget,
): boolean {
  const { clients, minConnected, server, client, tickRateHz, snapshotRateHz, budgetMs } = w;
  let held = checkBudget(notes, client, budget);
  if (minConnected < clients) {
    held = false;
    notes.push(`only ${minConnected} of ${clients} clients were connected throughout`);
  }
  if (server !== null) {
    if (server.tickP99Ms > budgetMs * budget.tickShare) {
      held = false;
      notes.push(
        `tick p99 ${server.tickP99Ms} ms is over ${round(budget.tickShare * 100, 1)} % ` +
          `of the ${round(budgetMs, 2)} ms tick (${round((server.tickP99Ms / budgetMs) * 100, 1)} %)`,
      );
    }
    if (server.achievedTickRateHz < HELD_RATE_SHARE * tickRateHz) {
      held = false;
      notes.push(`achieved ${server.achievedTickRateHz} Hz, under ${HELD_RATE_SHARE * 100} % of ${tickRateHz} Hz`);
    }
  } else if (client.snapshotsPerClientPerSec < HELD_RATE_SHARE * snapshotRateHz) {
    held = false;
    notes.push(
      `clients received ${client.snapshotsPerClientPerSec} snapshots/s, ` +
        `under ${HELD_RATE_SHARE * 100} % of ${snapshotRateHz} Hz ` +
        '(external server: judged from the clients)',
    );
  }
  return held;
}

const CLOSE_NAMES = new Map<number, string>(Object.entries(CloseCode).map(([name, code]) => [code, name]));

/** The bots' close codes over `rounds`, named: why clients were missing. */
export function closesLine(rounds: readonly SampleRound[]): string {
  const counts = new Map<string, number>();
  for (const b of rounds.flatMap((r) => r.bots))
    for (const [code, n] of Object.entries(b.closes)) counts.set(code, (counts.get(code) ?? 0) + n);
  if (counts.size === 0) return 'no client was closed: the rest never finished joining';
  const named = [...counts].map(
    ([code, n]) => `${n} × ${code}${CLOSE_NAMES.has(Number(code)) ? ` ${CLOSE_NAMES.get(Number(code))}` : ''}`,
  );
  return `clients closed since the step began: ${named.join(', ')}`;
}

/** Whether the clients' bandwidth and latency are within `budget`; appends to `notes` why not. */
function checkBudget(notes: string[], client: ClientFigures, budget: Budget): boolean {
  let held = true;
  const kib = client.wireBytesPerClientPerSec / 1024;
  if (budget.maxKibPerClient !== null && kib > budget.maxKibPerClient) {
    held = false;
    notes.push(`${round(kib, 2)} KiB/s per client on the wire is over the ${budget.maxKibPerClient} KiB/s budget`);
  }
  if (budget.maxLatencyP99Ms !== null && client.latencyP99Ms > budget.maxLatencyP99Ms) {
    held = false;
    notes.push(`input-to-ack p99 ${client.latencyP99Ms} ms is over the ${budget.maxLatencyP99Ms} ms budget`);
  }
  return held;
}

/** Appends to `notes` what to be wary of in a window: disconnects, decode failures, busy bots or machine, skips. */
export function warn(
  notes: string[],
  w: {
    readonly server: ServerFigures | null;
    readonly client: ClientFigures;
    readonly botProcesses: number;
    readonly botCpuPercent: number;
    readonly otherCpuPercent: number;
  },
): void {
  const { server, client, botProcesses, botCpuPercent, otherCpuPercent } = w;
  if (client.disconnects > 0) notes.push(`${client.disconnects} disconnects: ${JSON.stringify(client.closeCodes)}`);
  if (client.decodeFailures > 0) notes.push(`${client.decodeFailures} snapshots failed to decode`);
  if (botProcesses > 0 && botCpuPercent / botProcesses > BOT_BUSY_SHARE * 100) {
    notes.push(
      `bot processes ran at ${round(botCpuPercent / botProcesses, 0)} % of a core each: ` +
        'the bots may be the limit, not the server',
    );
  }
  if (otherCpuPercent > OTHER_BUSY_PERCENT) {
    notes.push(
      `other processes on this machine used ${otherCpuPercent} % of a core during the window: ` +
        'the figures are disturbed',
    );
  }
  if (server !== null && server.snapshotsSkipped > 0)
    notes.push(`${server.snapshotsSkipped} snapshots skipped for congestion`);
}
