/**
 * The verdict of a load test in the user's terms: did the tick rate hold at N clients within the
 * budget they gave, and about how many clients one server core holds with their headroom kept.
 */
import type { Budget, WindowFigures } from './loadFigures.ts';
import type { Verdict } from './loadReport.ts';
import { round } from './report.ts';

/** What the verdict needs of a run's options. */
export interface VerdictOptions {
  readonly tickRateHz: number;
  /** The rooms' snapshot rate set for the run, Hz, or null (the tick rate, or the room type's own). */
  readonly snapshotRateHz: number | null;
  readonly clients: number;
  readonly ramp: boolean;
  readonly rampMax: number;
  readonly budget: Budget;
  /** Share of a core (and of the tick) kept free in the recommendation, 0–1. */
  readonly headroom: number;
}

/** The verdict of `steps` (one per window) run with `o`. */
export function verdictOf(
  o: VerdictOptions,
  steps: readonly WindowFigures[],
  lastHeldClients: number,
  interrupted: boolean,
): Verdict {
  const cut = interrupted ? ' (interrupted)' : '';
  const hz = `${o.tickRateHz} Hz${o.snapshotRateHz === null ? '' : ` (snapshots ${o.snapshotRateHz} Hz)`}`;
  const last = steps.at(-1);
  const { clientsPerCore, recommendation } = recommend(o, steps);
  const base = { lastHeldClients, clientsPerCore, recommendation };
  if (last === undefined) return { ...base, held: false, summary: `no measurement completed${cut}` };
  const failed = steps.find((s) => !s.held);
  const why = failed === undefined ? '' : failed.reasons.join('; ');
  if (o.ramp) {
    const end =
      failed === undefined
        ? `the ramp reached --ramp-max ${o.rampMax} without failing`
        : `at ${failed.clients}: ${why}`;
    const summary =
      lastHeldClients > 0
        ? `HELD up to ${lastHeldClients} clients at ${hz} within your budget; ${end}${cut}`
        : `NOT HELD: ${hz} did not hold even at ${o.clients} clients: ${why}${cut}`;
    return { ...base, held: lastHeldClients > 0, summary };
  }
  const summary = last.held
    ? `HELD: ${hz} with ${last.clients} clients within your budget (${figuresLine(last, o)})${cut}`
    : `NOT HELD at ${last.clients} clients and ${hz}: ${why}${cut}`;
  return { ...base, held: last.held, summary };
}

/** The judged figures of window `w`, each beside its budget. */
function figuresLine(w: WindowFigures, o: VerdictOptions): string {
  const tickMs = 1000 / o.tickRateHz;
  const parts: string[] = [];
  if (w.server !== null) {
    const share = round((w.server.tickP99Ms / tickMs) * 100, 1);
    parts.push(
      `tick p99 ${w.server.tickP99Ms} ms = ${share} % of the ${round(tickMs, 2)} ms tick, ` +
        `budget ${round(o.budget.tickShare * 100, 1)} %`,
    );
  } else parts.push(`${w.client.snapshotsPerClientPerSec} snapshots/s per client`);
  const latency = o.budget.maxLatencyP99Ms === null ? '' : `, budget ${o.budget.maxLatencyP99Ms} ms`;
  parts.push(`input-to-ack p99 ${w.client.latencyP99Ms} ms${latency}`);
  const kibs = round(w.client.wireBytesPerClientPerSec / 1024, 2);
  const bandwidth = o.budget.maxKibPerClient === null ? '' : `, budget ${o.budget.maxKibPerClient}`;
  parts.push(`${kibs} KiB/s per client${bandwidth}`);
  return parts.join('; ');
}

/** The server's share of one core in window `w` (user + system CPU), or null without server figures. */
function usedShare(w: WindowFigures): { used: number; what: string } | null {
  if (w.server === null) return null;
  const cpu = w.server.cpuPercent / 100;
  return { used: cpu, what: `${round(cpu * 100, 1)} % of a core` };
}

/**
 * Clients per core with `o.headroom` of the core kept free, from the server's CPU share (a room's ticks
 * run on one core). With two or more windows (--ramp) a line through them (fixed cost + cost per client)
 * is solved for the free share; with one, the share is scaled from zero, which counts the fixed per-tick
 * cost as per-client (low). The tick p99 is judged by the verdict, not scaled here: on a busy machine it
 * mostly measures the scheduler.
 */
function recommend(
  o: VerdictOptions,
  steps: readonly WindowFigures[],
): { clientsPerCore: number | null; recommendation: string } {
  const keep = `${round(o.headroom * 100, 0)} % headroom`;
  const points = steps.flatMap((w) => {
    const u = usedShare(w);
    return u === null ? [] : [{ clients: w.clients, held: w.held, ...u }];
  });
  if (steps.length === 0) return { clientsPerCore: null, recommendation: 'none: no window was measured' };
  if (points.length === 0) {
    return {
      clientsPerCore: null,
      recommendation:
        'none from a server started elsewhere (its CPU and tick times are not visible to the bots); ' +
        'run the same room with --room to get one',
    };
  }
  const free = 1 - o.headroom;
  const fit = points.length >= 2 ? line(points) : null;
  if (fit !== null && fit.perClient > 0) {
    const perCore = Math.max(0, Math.floor((free - fit.fixed) / fit.perClient));
    const span = `${points[0]!.clients}–${points.at(-1)!.clients}`;
    return {
      clientsPerCore: perCore,
      recommendation:
        `holds about ${perCore} clients per core at ${o.tickRateHz} Hz with ${keep} ` +
        `(a line through the ${points.length} windows of ${span} clients: ` +
        `${round(fit.fixed * 100, 1)} % fixed + ${round(fit.perClient * 100, 4)} % per client)`,
    };
  }
  const p = points.at(-1)!;
  if (!(p.used > 0)) return { clientsPerCore: null, recommendation: 'none: the server measured no load' };
  const perCore = Math.floor((p.clients * free) / p.used);
  return {
    clientsPerCore: perCore,
    recommendation:
      `holds about ${perCore} clients per core at ${o.tickRateHz} Hz with ${keep} ` +
      `(scaled from ${p.what} at ${p.clients} clients${p.held ? '' : ', a window that did not hold'}, ` +
      'counting the fixed per-tick cost as per-client, so low; ' +
      `${o.ramp ? 'the ramp measured one window' : '--ramp measures more than one point'})`,
  };
}

/** The least-squares line used = fixed + perClient × clients through `points`. */
function line(points: readonly { clients: number; used: number }[]): { fixed: number; perClient: number } | null {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.clients, 0) / n;
  const my = points.reduce((a, p) => a + p.used, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.clients - mx) ** 2, 0);
  if (sxx === 0) return null;
  const perClient = points.reduce((a, p) => a + (p.clients - mx) * (p.used - my), 0) / sxx;
  return { fixed: Math.max(0, my - perClient * mx), perClient };
}
