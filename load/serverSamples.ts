/**
 * A cluster's server samples as one: the figures the report already uses, summed over the processes
 * (clients, CPU, bytes, snapshots, closes), their tick durations together, the worst event-loop delay.
 */
import type { InterestSample, ServerSample, TickPhaseSeries } from './ipc.ts';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** One sample standing for every process's of one round; null for none, the sample itself for one. */
export function mergeServerSamples(samples: readonly ServerSample[]): ServerSample | null {
  if (samples.length <= 1) return samples[0] ?? null;
  const closes: Record<string, number> = {};
  for (const s of samples) for (const [code, n] of Object.entries(s.closes)) closes[code] = (closes[code] ?? 0) + n;
  const seen = samples.filter((s) => s.seenPerClient !== null && s.clients > 0);
  const seenClients = sum(seen.map((s) => s.clients));
  return {
    intervalMs: sum(samples.map((s) => s.intervalMs)) / samples.length,
    clients: sum(samples.map((s) => s.clients)),
    tickDurationsMs: samples.flatMap((s) => s.tickDurationsMs),
    tickPhasesMs: mergePhases(samples.map((s) => s.tickPhasesMs)),
    skippedTicks: sum(samples.map((s) => s.skippedTicks)),
    stepHandlerMs: sum(samples.map((s) => s.stepHandlerMs)),
    cpuUserUs: sum(samples.map((s) => s.cpuUserUs)),
    cpuSystemUs: sum(samples.map((s) => s.cpuSystemUs)),
    rssBytes: sum(samples.map((s) => s.rssBytes)),
    eventLoopDelayP99Ms: Math.max(...samples.map((s) => s.eventLoopDelayP99Ms)),
    eventLoopDelayMaxMs: Math.max(...samples.map((s) => s.eventLoopDelayMaxMs)),
    snapshotsSent: sum(samples.map((s) => s.snapshotsSent)),
    snapshotsSkipped: sum(samples.map((s) => s.snapshotsSkipped)),
    bytesSent: sum(samples.map((s) => s.bytesSent)),
    closes,
    seenPerClient: seenClients === 0 ? null : sum(seen.map((s) => (s.seenPerClient ?? 0) * s.clients)) / seenClients,
    interest: mergeInterest(samples.map((s) => s.interest)),
    processes: sum(samples.map((s) => s.processes ?? 1)),
  };
}

/** Every process's tick phases together (like their tick durations); undefined when none has them. */
function mergePhases(all: readonly (TickPhaseSeries | undefined)[]): TickPhaseSeries | undefined {
  const some = all.filter((p): p is TickPhaseSeries => p !== undefined);
  if (some.length === 0) return undefined;
  return {
    inputs: some.flatMap((p) => p.inputs),
    step: some.flatMap((p) => p.step),
    encode: some.flatMap((p) => p.encode),
    send: some.flatMap((p) => p.send),
  };
}

/** The interest counters summed; null when no process has interest management. */
function mergeInterest(all: readonly (InterestSample | null)[]): InterestSample | null {
  const some = all.filter((i): i is InterestSample => i !== null);
  if (some.length === 0) return null;
  return {
    entitiesSent: sum(some.map((i) => i.entitiesSent)),
    entitiesDeferred: sum(some.map((i) => i.entitiesDeferred)),
    snapshots: sum(some.map((i) => i.snapshots)),
  };
}
