/**
 * Turns the children's samples into the load test's figures: one time-series row per sample round,
 * and the figures of a measurement window (a run, or one step of a capacity search) with its verdict.
 */
import { percentile, round } from './report.ts';
import { Histogram } from './Histogram.ts';
import { JOIN_RANGE_MS, JOIN_RESOLUTION_MS } from './botTraffic.ts';
import { closesLine, judge, warn } from './judge.ts';
import type { BotSample, InterestSample, ServerSample, TickPhaseSeries } from './ipc.ts';

/** The user's budget a measurement window is judged by (`--tick-budget`, `--max-kib`, `--max-latency`). */
export interface Budget {
  /** Largest tick p99 allowed, as a share of the tick's time (1000 / tick rate ms), 0–1. */
  readonly tickShare: number;
  /** Largest on-the-wire bandwidth per client, KiB/s; null: not judged. */
  readonly maxKibPerClient: number | null;
  /** Largest input-to-acknowledgement latency p99, ms; null: not judged. */
  readonly maxLatencyP99Ms: number | null;
}

/** The budget when none is given: tick p99 within 80 % of the tick, input-to-ack p99 within 200 ms. */
export const DEFAULT_BUDGET: Budget = { tickShare: 0.8, maxKibPerClient: null, maxLatencyP99Ms: 200 };

/** One sample round: the server's sample (null against an external server) and every bot pool's. */
export interface SampleRound {
  /** Seconds since the run started. */
  readonly tSec: number;
  /** Clients the run asked for at that time. */
  readonly targetClients: number;
  readonly server: ServerSample | null;
  /** With `--workers`: each server process's own sample, in worker order (`server` sums them); else empty. */
  readonly processes: readonly ServerSample[];
  readonly bots: readonly BotSample[];
  /** CPU used by the whole machine over the round, % of one core. */
  readonly machineCpuPercent: number;
}

/** One row of the per-second time series (for the plots and the JSON). NaN-free: missing is null. */
export interface TimeSeriesRow {
  readonly tSec: number;
  readonly targetClients: number;
  /** Bots joined and open. */
  readonly clients: number;
  readonly serverConnections: number | null;
  readonly tickP50Ms: number | null;
  readonly tickP99Ms: number | null;
  readonly tickMaxMs: number | null;
  readonly achievedTickRateHz: number | null;
  /** Server CPU (user + system), % of one core. */
  readonly serverCpuPercent: number | null;
  readonly serverRssMiB: number | null;
  readonly eventLoopDelayP99Ms: number | null;
  readonly snapshotsSkipped: number | null;
  /** Snapshots received per client per second. */
  readonly snapshotsPerClientPerSec: number | null;
  readonly payloadBytesPerClientPerSec: number | null;
  readonly wireBytesPerClientPerSec: number | null;
  readonly latencyP99Ms: number | null;
  readonly jitterP99Ms: number | null;
  /** Bot processes' CPU, % of one core (summed). */
  readonly botCpuPercent: number;
  /** CPU used by other processes on the machine (not this run's), % of one core. */
  readonly otherCpuPercent: number;
  readonly disconnects: number;
}

/** Server figures over a window; null fields against an external server. */
export interface ServerFigures {
  readonly tickBudgetMs: number;
  readonly tickP50Ms: number;
  readonly tickP99Ms: number;
  readonly tickMaxMs: number;
  readonly achievedTickRateHz: number;
  readonly skippedTicks: number;
  /**
   * Mean time per tick in the room's step handler (the game's simulation), ms; most of the rest of a tick is the
   * engine's.
   */
  readonly stepHandlerMsPerTick: number;
  /** Server CPU (user + system) per snapshot sent, µs: the cost of one client for one tick. */
  readonly cpuUsPerClientSnapshot: number;
  /** The user-space part of it (JavaScript, uWS), µs. */
  readonly cpuUserUsPerClientSnapshot: number;
  /** The kernel part of it (socket writes and reads; on loopback also the receivers' TCP work), µs. */
  readonly cpuSystemUsPerClientSnapshot: number;
  /** Server CPU (user + system) per connected client per second, µs: what one client costs at its snapshot rate. */
  readonly cpuUsPerClientPerSec: number;
  /** Server CPU, % of one core. */
  readonly cpuPercent: number;
  readonly rssMiB: number;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly snapshotsSent: number;
  readonly snapshotsSkipped: number;
  /** Bytes handed to sockets per client per second (the server's own count). */
  readonly bytesSentPerClientPerSec: number;
  /**
   * Mean entities in a client's view (with interest management its view's visible count, without it
   * every entity in the room); null if no sample saw a client.
   */
  readonly seenPerClient: number | null;
  /** With interest management: entities sent at their true value per snapshot (what a frame updates); else null. */
  readonly entitiesSentPerSnapshot: number | null;
  /** With interest management: share of the entity updates in view that the byte budget deferred; else null. */
  readonly deferredShare: number | null;
  /** Where the ticks' time went, per phase; null when the server reported no phases. */
  readonly phases: PhaseFigures | null;
}

/** The p50 and p99 of one tick phase over a window, ms per tick. */
export interface PhaseSpread {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** The tick's phases over a window (server/ServerMetrics.ts `TickPhases` says what each one holds). */
export interface PhaseFigures {
  readonly inputs: PhaseSpread;
  readonly step: PhaseSpread;
  readonly encode: PhaseSpread;
  readonly send: PhaseSpread;
}

/** Client figures over a window, from the bots. */
export interface ClientFigures {
  readonly snapshotsPerClientPerSec: number;
  /** Message payload bytes received per client per second. */
  readonly payloadBytesPerClientPerSec: number;
  /** Payload plus WebSocket frame headers. */
  readonly wsBytesPerClientPerSec: number;
  /** WebSocket bytes plus an IPv4 + TCP header estimate per segment (see botTraffic.ts). */
  readonly wireBytesPerClientPerSec: number;
  /** Payload bytes per snapshot received (every server message counted, so pongs and the welcome too). */
  readonly payloadBytesPerSnapshot: number;
  /** Estimated wire bytes per snapshot received (same counting). */
  readonly wireBytesPerSnapshot: number;
  /** What each client sends (inputs, acks), WebSocket bytes per second. */
  readonly upstreamWsBytesPerClientPerSec: number;
  readonly inputsPerClientPerSec: number;
  readonly interArrivalP50Ms: number;
  readonly interArrivalP99Ms: number;
  /** p99 of |inter-arrival − tick duration|. */
  readonly jitterP99Ms: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Matchmaking requests answered with a seat in the step (light bots joining through matchmaking). */
  readonly joins: number;
  /** The directory's join latency, the matchmaking request's time (seat asked → seat given), ms; null: none. */
  readonly joinP50Ms: number | null;
  readonly joinP99Ms: number | null;
  readonly disconnects: number;
  readonly closeCodes: Readonly<Record<string, number>>;
  /** Snapshots fully decoded (sampling light bots, or every full bot), and failures. */
  readonly decodedSnapshots: number;
  readonly decodeFailures: number;
}

/** The figures of one measurement window and whether the tick rate held. */
export interface WindowFigures {
  readonly clients: number;
  /** When the window started and ended, seconds since the run started (the report's window markers). */
  readonly startSec: number;
  readonly endSec: number;
  /** Fewest bots joined during the window. */
  readonly minConnected: number;
  readonly durationSec: number;
  readonly server: ServerFigures | null;
  /** With `--workers`: each server process's figures, in worker order (`server` is the cluster's); else empty. */
  readonly processes: readonly ProcessFigures[];
  readonly client: ClientFigures;
  readonly botProcesses: number;
  readonly botCpuPercent: number;
  readonly botEventLoopDelayP99Ms: number;
  /** Mean CPU used by other processes on the machine during the window, % of one core. */
  readonly otherCpuPercent: number;
  /** True when the server held the tick rate within the budget with every client connected. */
  readonly held: boolean;
  /** Why it did not hold (empty when it held). */
  readonly reasons: readonly string[];
  /** The reasons, then what to be wary of (disconnects, busy bots or machine, skipped snapshots). */
  readonly notes: readonly string[];
}

/** One server process of a cluster over a window. */
export interface ProcessFigures {
  /** Worker index, from 0. */
  readonly process: number;
  /** Mean open connections on it. */
  readonly clients: number;
  readonly tickP50Ms: number;
  readonly tickP99Ms: number;
  readonly achievedTickRateHz: number;
  /** CPU (user + system), % of one core. */
  readonly cpuPercent: number;
  /** Largest resident set size, MiB. */
  readonly rssMiB: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const mib = (bytes: number): number => bytes / (1024 * 1024);

/** CPU of bot pools over their intervals, % of one core (summed). */
function botCpu(bots: readonly BotSample[]): number {
  return sum(bots.map((b) => ((b.cpuUserUs + b.cpuSystemUs) / 1000 / b.intervalMs) * 100));
}

/** CPU of the machine not used by this run's processes, % of one core. */
function otherCpu(r: SampleRound): number {
  const server =
    r.server === null ? 0 : ((r.server.cpuUserUs + r.server.cpuSystemUs) / 1000 / r.server.intervalMs) * 100;
  return Math.max(0, r.machineCpuPercent - server - botCpu(r.bots));
}

/** The time-series row of one sample round. */
export function rowOf(round_: SampleRound): TimeSeriesRow {
  const s = round_.server;
  const bots = round_.bots;
  const connected = sum(bots.map((b) => b.connected));
  const intervalSec = bots.length === 0 ? 1 : Math.max(...bots.map((b) => b.intervalMs)) / 1000;
  const perClient = (n: number): number | null => (connected === 0 ? null : round(n / connected / intervalSec, 1));
  const lat = new Histogram();
  const jit = new Histogram();
  for (const b of bots) {
    lat.add(b.latency);
    jit.add(b.jitter);
  }
  const durations = s?.tickDurationsMs ?? [];
  const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? round(v, 3) : null);
  return {
    tSec: round_.tSec,
    targetClients: round_.targetClients,
    clients: connected,
    serverConnections: s?.clients ?? null,
    tickP50Ms: s === null ? null : nullIfNaN(percentile(durations, 50)),
    tickP99Ms: s === null ? null : nullIfNaN(percentile(durations, 99)),
    tickMaxMs: s === null ? null : nullIfNaN(Math.max(...durations)),
    achievedTickRateHz: s === null ? null : round((durations.length * 1000) / s.intervalMs / (s.processes ?? 1), 2),
    serverCpuPercent: s === null ? null : round(((s.cpuUserUs + s.cpuSystemUs) / 1000 / s.intervalMs) * 100, 1),
    serverRssMiB: s === null ? null : round(mib(s.rssBytes), 1),
    eventLoopDelayP99Ms: s === null ? null : round(s.eventLoopDelayP99Ms, 2),
    snapshotsSkipped: s?.snapshotsSkipped ?? null,
    snapshotsPerClientPerSec: perClient(sum(bots.map((b) => b.snapshots))),
    payloadBytesPerClientPerSec: perClient(sum(bots.map((b) => b.payloadBytes))),
    wireBytesPerClientPerSec: perClient(sum(bots.map((b) => b.wireBytes))),
    latencyP99Ms: nullIfNaN(lat.percentile(99)),
    jitterP99Ms: nullIfNaN(jit.percentile(99)),
    botCpuPercent: round(botCpu(bots), 1),
    otherCpuPercent: round(otherCpu(round_), 1),
    disconnects: sum(bots.map((b) => sum(Object.values(b.closes)))),
  };
}

/**
 * The figures of the sample rounds of one window, judged against `tickRateHz` and `budget` (against an
 * external server, the clients' snapshots per second against `snapshotRateHz`); the window started at
 * `startSec`. `stepRounds` are every round since the step's clients were asked for (the window's and the
 * connecting ones before it): a client refused while connecting is closed there.
 */
export function windowFigures(
  rounds: readonly SampleRound[],
  clients: number,
  tickRateHz: number,
  budget: Budget,
  startSec: number,
  stepRounds: readonly SampleRound[] = rounds,
  snapshotRateHz = tickRateHz,
): WindowFigures {
  const budgetMs = 1000 / tickRateHz;
  const bots = rounds.flatMap((r) => r.bots);
  const botSec =
    rounds.length === 0 ? 0 : sum(rounds.map((r) => Math.max(0, ...r.bots.map((b) => b.intervalMs)))) / 1000;
  const connectedPerRound = rounds.map((r) => sum(r.bots.map((b) => b.connected)));
  const meanConnected = connectedPerRound.length === 0 ? 0 : sum(connectedPerRound) / connectedPerRound.length;
  const joinBots = stepRounds.flatMap((r) => r.bots);
  const client = clientFigures(bots, Math.max(1e-9, meanConnected * botSec), joinBots);
  const servers = rounds.map((r) => r.server).filter((s): s is ServerSample => s !== null);
  const server = servers.length === 0 ? null : serverFigures(servers, budgetMs, meanConnected);
  const processes = processFigures(rounds, budgetMs);
  const botProcesses = rounds.length === 0 ? 0 : Math.max(...rounds.map((r) => r.bots.length));
  const botCpuPercent =
    botSec === 0 ? 0 : round((sum(bots.map((b) => b.cpuUserUs + b.cpuSystemUs)) / 1e6 / botSec) * 100, 1);
  const minConnected = connectedPerRound.length === 0 ? 0 : Math.min(...connectedPerRound);
  const otherCpuPercent = rounds.length === 0 ? 0 : round(sum(rounds.map(otherCpu)) / rounds.length, 1);
  const reasons: string[] = [];
  const rates = { tickRateHz, snapshotRateHz, budgetMs };
  const held = judge(reasons, { clients, minConnected, server, client, ...rates }, budget);
  if (minConnected < clients) reasons.push(closesLine(stepRounds));
  const notes = [...reasons];
  warn(notes, { server, client, botProcesses, botCpuPercent, otherCpuPercent });
  return {
    clients,
    startSec,
    endSec: rounds.at(-1)?.tSec ?? startSec,
    minConnected,
    durationSec: round(botSec, 1),
    server,
    processes,
    client,
    botProcesses,
    botCpuPercent,
    botEventLoopDelayP99Ms: round(Math.max(0, ...bots.map((b) => b.eventLoopDelayP99Ms)), 2),
    otherCpuPercent,
    held,
    reasons,
    notes,
  };
}

/**
 * The clients' figures from the bot samples of a window; `clientSec` is client-seconds connected. The join
 * latency comes from `joinBots`, the samples of the whole step (bots join before the window starts).
 */
function clientFigures(bots: readonly BotSample[], clientSec: number, joinBots: readonly BotSample[]): ClientFigures {
  const lat = new Histogram();
  const ia = new Histogram();
  const jit = new Histogram();
  const join = new Histogram(JOIN_RESOLUTION_MS, JOIN_RANGE_MS);
  const closeCodes: Record<string, number> = {};
  for (const b of bots) {
    lat.add(b.latency);
    ia.add(b.interArrival);
    jit.add(b.jitter);
    for (const [code, n] of Object.entries(b.closes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
  }
  for (const b of joinBots) join.add(b.joinLatency);
  const snapshots = sum(bots.map((b) => b.snapshots));
  const perSnapshot = (bytes: number): number => (snapshots === 0 ? 0 : round(bytes / snapshots, 1));
  return {
    snapshotsPerClientPerSec: round(snapshots / clientSec, 2),
    payloadBytesPerClientPerSec: round(sum(bots.map((b) => b.payloadBytes)) / clientSec, 0),
    wsBytesPerClientPerSec: round(sum(bots.map((b) => b.wsBytes)) / clientSec, 0),
    wireBytesPerClientPerSec: round(sum(bots.map((b) => b.wireBytes)) / clientSec, 0),
    payloadBytesPerSnapshot: perSnapshot(sum(bots.map((b) => b.payloadBytes))),
    wireBytesPerSnapshot: perSnapshot(sum(bots.map((b) => b.wireBytes))),
    upstreamWsBytesPerClientPerSec: round(sum(bots.map((b) => b.wsBytesOut)) / clientSec, 0),
    inputsPerClientPerSec: round(sum(bots.map((b) => b.inputs)) / clientSec, 2),
    interArrivalP50Ms: round(ia.percentile(50), 2),
    interArrivalP99Ms: round(ia.percentile(99), 2),
    jitterP99Ms: round(jit.percentile(99), 2),
    latencyP50Ms: round(lat.percentile(50), 2),
    latencyP99Ms: round(lat.percentile(99), 2),
    joins: join.count,
    joinP50Ms: join.count === 0 ? null : round(join.percentile(50), 2),
    joinP99Ms: join.count === 0 ? null : round(join.percentile(99), 2),
    disconnects: sum(Object.values(closeCodes)),
    closeCodes,
    decodedSnapshots: sum(bots.map((b) => b.decoded)),
    decodeFailures: sum(bots.map((b) => b.decodeFailures)),
  };
}

/** The server's figures from its samples of a window (at least one); `meanConnected` clients on average. */
function serverFigures(servers: readonly ServerSample[], budgetMs: number, meanConnected: number): ServerFigures {
  const durations = servers.flatMap((s) => s.tickDurationsMs);
  const sec = sum(servers.map((s) => s.intervalMs)) / 1000;
  const cpuUserUs = sum(servers.map((s) => s.cpuUserUs));
  const cpuSystemUs = sum(servers.map((s) => s.cpuSystemUs));
  const cpuUs = cpuUserUs + cpuSystemUs;
  const sent = sum(servers.map((s) => s.snapshotsSent));
  const seen = servers.map((s) => s.seenPerClient).filter((n): n is number => n !== null);
  const interest = servers.map((s) => s.interest).filter((i): i is InterestSample => i !== null);
  const updates = sum(interest.map((i) => i.entitiesSent));
  const deferred = sum(interest.map((i) => i.entitiesDeferred));
  const interestSnapshots = sum(interest.map((i) => i.snapshots));
  return {
    tickBudgetMs: round(budgetMs, 2),
    tickP50Ms: round(percentile(durations, 50), 3),
    tickP99Ms: round(percentile(durations, 99), 3),
    tickMaxMs: round(Math.max(...durations), 3),
    achievedTickRateHz: round(durations.length / sec / meanProcesses(servers), 2),
    skippedTicks: sum(servers.map((s) => s.skippedTicks)),
    stepHandlerMsPerTick:
      durations.length === 0 ? 0 : round(sum(servers.map((s) => s.stepHandlerMs)) / durations.length, 3),
    cpuUsPerClientSnapshot: sent === 0 ? 0 : round(cpuUs / sent, 2),
    cpuUserUsPerClientSnapshot: sent === 0 ? 0 : round(cpuUserUs / sent, 2),
    cpuSystemUsPerClientSnapshot: sent === 0 ? 0 : round(cpuSystemUs / sent, 2),
    cpuUsPerClientPerSec: round(cpuUs / Math.max(1e-9, meanConnected * sec), 1),
    cpuPercent: round((cpuUs / 1e6 / sec) * 100, 1),
    rssMiB: round(mib(Math.max(...servers.map((s) => s.rssBytes))), 1),
    eventLoopDelayP99Ms: round(Math.max(...servers.map((s) => s.eventLoopDelayP99Ms)), 2),
    eventLoopDelayMaxMs: round(Math.max(...servers.map((s) => s.eventLoopDelayMaxMs)), 2),
    snapshotsSent: sent,
    snapshotsSkipped: sum(servers.map((s) => s.snapshotsSkipped)),
    bytesSentPerClientPerSec: round(sum(servers.map((s) => s.bytesSent)) / Math.max(1e-9, meanConnected * sec), 0),
    seenPerClient: seen.length === 0 ? null : round(sum(seen) / seen.length, 1),
    entitiesSentPerSnapshot:
      interest.length === 0 ? null : interestSnapshots === 0 ? 0 : round(updates / interestSnapshots, 1),
    deferredShare:
      interest.length === 0 ? null : updates + deferred === 0 ? 0 : round(deferred / (updates + deferred), 4),
    phases: phaseFigures(servers),
  };
}

/** The phases' p50 and p99 over the samples that carry them; null when none does. */
function phaseFigures(servers: readonly ServerSample[]): PhaseFigures | null {
  const series = servers.map((s) => s.tickPhasesMs).filter((p): p is TickPhaseSeries => p !== undefined);
  if (series.length === 0) return null;
  const spread = (pick: (p: TickPhaseSeries) => readonly number[]): PhaseSpread => {
    const all = series.flatMap(pick);
    return { p50Ms: round(percentile(all, 50) || 0, 3), p99Ms: round(percentile(all, 99) || 0, 3) };
  };
  return {
    inputs: spread((p) => p.inputs),
    step: spread((p) => p.step),
    encode: spread((p) => p.encode),
    send: spread((p) => p.send),
  };
}

/** Mean server processes per sample (a cluster's merged samples count several). */
function meanProcesses(servers: readonly ServerSample[]): number {
  return sum(servers.map((s) => s.processes ?? 1)) / servers.length;
}

/** Each server process's figures over a window (`--workers`), in worker order; empty without per-process samples. */
function processFigures(rounds: readonly SampleRound[], budgetMs: number): ProcessFigures[] {
  const count = Math.max(0, ...rounds.map((r) => r.processes.length));
  const out: ProcessFigures[] = [];
  for (let p = 0; p < count; p++) {
    const samples = rounds.map((r) => r.processes[p]).filter((s): s is ServerSample => s !== undefined);
    if (samples.length === 0) continue;
    const clients = sum(samples.map((s) => s.clients)) / samples.length;
    const f = serverFigures(samples, budgetMs, clients);
    out.push({
      process: p,
      clients: round(clients, 1),
      tickP50Ms: f.tickP50Ms,
      tickP99Ms: f.tickP99Ms,
      achievedTickRateHz: f.achievedTickRateHz,
      cpuPercent: f.cpuPercent,
      rssMiB: f.rssMiB,
    });
  }
  return out;
}
