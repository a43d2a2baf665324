/**
 * The server side of a load test: a Tickwave Server with one room of the given room module, driven by
 * its own TickLoop (so every tick's duration is seen), and the process figures a server owner needs:
 * CPU (user + system), RSS, event-loop delay, snapshots sent and skipped, closes by code, and what a
 * client sees (entities in view; with interest management, entities sent and deferred per snapshot).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  type ClusterOptions,
  createTransport,
  DEFAULT_MAX_MESSAGES_PER_SECOND,
  type Logger,
  RedisDirectory,
  type Room,
  Server,
  TickLoop,
  type TransportChoice,
} from '../server/index.ts';
import type { Schema } from '../shared/index.ts';
import type { InterestSample, LoadClusterStart, ServerSample } from './ipc.ts';
import { importLoadModule, roomTypeOf } from './loadModule.ts';

/** Event-loop delay sampling resolution, ms. */
const EVENT_LOOP_RESOLUTION_MS = 5;
/** Messages per second a client may send, per Hz of tick rate (input + ack + pings, with headroom). */
const MESSAGES_PER_TICK = 3;
/** Clients whose view is looked at for the mean entities seen, at most (spread across the room). */
const SEEN_SAMPLE_CLIENTS = 100;
/** Matchmaking requests per second a worker takes from one address (every bot comes from 127.0.0.1). */
const CLUSTER_MATCHMAKE_PER_SECOND = 100_000;

/** Options of {@link startLoadServer}. */
export interface LoadServerOptions {
  /** File URL of the room module (exports `schema` and `room`; see load/loadModule.ts). */
  readonly module: string;
  readonly entities: number;
  readonly tickRateHz: number;
  /** The room's snapshot rate, Hz (a divisor of the tick rate), or null for the room type's own. */
  readonly snapshotRateHz: number | null;
  /** Address to listen on. */
  readonly host: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** Where the server's warnings go. */
  readonly logger: Logger;
  /** The network transport: auto (uWS where its native binary loads, else ws), uws or ws. */
  readonly transport: TransportChoice;
  /** Join a cluster (rooms created by matchmaking, of type `load`); null: one room created here. */
  readonly cluster: LoadClusterStart | null;
}

/** A running load-test server. */
export interface LoadServer {
  /** The port it listens on. */
  readonly port: number;
  /** The network transport it runs on. */
  readonly transport: 'uws' | 'ws';
  /** The id of the room bots join; null in a cluster (bots join the `load` type through matchmaking). */
  readonly roomId: string | null;
  /** Snapshots per second per client its rooms send, Hz. */
  readonly snapshotRateHz: number;
  /** Figures since the previous call (the first call: since start). */
  sample(): Promise<ServerSample>;
  /** Stops the loop and closes the server (clients get 1001). */
  stop(): Promise<void>;
}

/** Starts a server running one room of `options.module` and its tick loop; throws if the module is unfit. */
export async function startLoadServer(options: LoadServerOptions): Promise<LoadServer> {
  const roomType = roomTypeOf(await importLoadModule(options.module), options.module, {
    entities: options.entities,
    tickRateHz: options.tickRateHz,
  });
  // Created here rather than by the Server so the report can name the transport 'auto' picked.
  const chosen = await createTransport(options.transport, {});
  const cluster = await clusterOf(options.cluster);
  const server = new Server({
    transport: chosen.transport,
    tickRateHz: options.tickRateHz,
    ...(options.snapshotRateHz === null ? {} : { snapshotRateHz: options.snapshotRateHz }),
    autoTick: false,
    logger: options.logger,
    maxMessagesPerSecond: Math.max(DEFAULT_MAX_MESSAGES_PER_SECOND, MESSAGES_PER_TICK * options.tickRateHz),
    ...(cluster === undefined ? {} : { cluster }),
  });
  const capacity = options.cluster?.roomCapacity;
  const snapshotRateHz = options.snapshotRateHz ?? roomType.snapshotRateHz ?? options.tickRateHz;
  server.define('load', { ...roomType, maxClients: capacity ?? roomType.maxClients, snapshotRateHz });
  const room = options.cluster === null ? server.createRoom('load') : null;
  const sampler = new ServerSampler(server);
  const loop = new TickLoop({
    tickRateHz: options.tickRateHz,
    onTick: () => server.step(),
    onTickDuration: (ms) => sampler.tick(ms),
  });
  const { port } = await server.listen(options.port, options.host);
  loop.start();
  sampler.begin();
  return {
    port,
    snapshotRateHz,
    transport: chosen.name,
    roomId: room?.id ?? null,
    sample: () => sampler.sample(loop.stats().skippedTicks),
    async stop() {
      loop.stop();
      sampler.end();
      await server.close('load test over');
      await cluster?.directory?.close();
    },
  };
}

/** The cluster option of a worker: the Redis directory and this worker's URL; undefined for one process. */
async function clusterOf(o: LoadClusterStart | null): Promise<ClusterOptions | undefined> {
  if (o === null) return undefined;
  const directory = await RedisDirectory.connect({ url: o.redisUrl });
  return { directory, publicUrl: 'ws://127.0.0.1:{port}', matchmakePerSecond: CLUSTER_MATCHMAKE_PER_SECOND };
}

/** The server process's figures between two samples: each sample holds what changed since the last. */
class ServerSampler {
  /** Durations of the ticks since the last sample, ms; the tick loop appends to it. */
  private tickDurationsMs: number[] = [];
  /** The phases of the ticks since the last sample, ms. */
  private phases = { inputs: [] as number[], step: [] as number[], encode: [] as number[], send: [] as number[] };
  private readonly delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  private lastAt = 0;
  private lastCpu = process.cpuUsage();
  private lastSkipped = 0;
  private readonly last: Server['metrics']['totals'];
  private lastCloses = new Map<string, number>();
  private lastInterest: InterestSample | null = null;

  constructor(private readonly server: Server) {
    this.last = { ...server.metrics.totals };
  }

  /** Records a tick that took `durationMs`, with its phases from the server's metrics. */
  tick(durationMs: number): void {
    this.tickDurationsMs.push(durationMs);
    const p = this.server.metrics.lastTickPhases;
    const into = this.phases;
    into.inputs.push(p.inputsMs);
    into.step.push(p.stepMs);
    into.encode.push(p.encodeMs);
    into.send.push(p.sendMs);
  }

  /** Starts measuring: the first sample covers the time from here. */
  begin(): void {
    this.delay.enable();
    this.lastAt = performance.now();
    this.lastCpu = process.cpuUsage();
    Object.assign(this.last, this.server.metrics.totals);
    this.lastInterest = interestCounts(this.server.roomList());
  }

  /** Stops the event-loop delay monitor. */
  end(): void {
    this.delay.disable();
  }

  /** The figures since the previous sample; `skippedTicks` is the tick loop's count so far. */
  async sample(skippedTicks: number): Promise<ServerSample> {
    const { server, delay } = this;
    const rooms = server.roomList();
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    const totals = server.metrics.totals;
    const last = this.last;
    const closesNow = await closeCounts(server);
    const interestNow = interestCounts(rooms);
    const sample: ServerSample = {
      intervalMs: now - this.lastAt,
      clients: server.connectionCount,
      tickDurationsMs: this.tickDurationsMs,
      tickPhasesMs: this.phases,
      skippedTicks: skippedTicks - this.lastSkipped,
      stepHandlerMs: totals.stepHandlerMs - last.stepHandlerMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssBytes: process.memoryUsage.rss(),
      eventLoopDelayP99Ms: delay.count === 0 ? 0 : delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.count === 0 ? 0 : delay.max / 1e6,
      snapshotsSent: totals.snapshotsSent - last.snapshotsSent,
      snapshotsSkipped: totals.snapshotsSkipped - last.snapshotsSkipped,
      bytesSent: totals.bytesSent - last.bytesSent,
      closes: countsSince(closesNow, this.lastCloses),
      seenPerClient: seenPerClient(rooms),
      interest: interestSince(interestNow, this.lastInterest),
    };
    this.tickDurationsMs = [];
    this.phases = { inputs: [], step: [], encode: [], send: [] };
    this.lastInterest = interestNow;
    this.lastAt = now;
    this.lastSkipped = skippedTicks;
    Object.assign(last, totals);
    this.lastCloses = closesNow;
    delay.reset();
    return sample;
  }
}

/** The closes by code since `before` (codes with none left out). */
function countsSince(now: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>): Record<string, number> {
  const closes: Record<string, number> = {};
  for (const [code, n] of now) {
    const d = n - (before.get(code) ?? 0);
    if (d > 0) closes[code] = d;
  }
  return closes;
}

/** The interest counters since `before`, or null when either is (no interest management). */
function interestSince(now: InterestSample | null, before: InterestSample | null): InterestSample | null {
  if (now === null || before === null) return null;
  return {
    entitiesSent: now.entitiesSent - before.entitiesSent,
    entitiesDeferred: now.entitiesDeferred - before.entitiesDeferred,
    snapshots: now.snapshots - before.snapshots,
  };
}

/** The rooms' interest-management counters so far (summed), or null without interest management. */
function interestCounts(rooms: readonly Room<Schema>[]): InterestSample | null {
  const out = { entitiesSent: 0, entitiesDeferred: 0, snapshots: 0 };
  let any = false;
  for (const room of rooms) {
    const stats = room.interest?.stats;
    if (stats === undefined) continue;
    any = true;
    out.entitiesSent += stats.entitiesSent;
    out.entitiesDeferred += stats.entitiesDeferred;
    out.snapshots += stats.snapshots;
  }
  return any ? out : null;
}

/** Mean entities in a client's view now, over every room's clients (see {@link ServerSample.seenPerClient}). */
function seenPerClient(rooms: readonly Room<Schema>[]): number | null {
  let seen = 0;
  let n = 0;
  for (const room of rooms) {
    const clients = room.clients;
    if (clients.length === 0) continue;
    const interest = room.interest;
    if (interest === null) {
      seen += room.entityCount;
      n++;
      continue;
    }
    const stride = Math.max(1, Math.floor(clients.length / SEEN_SAMPLE_CLIENTS));
    for (let i = 0; i < clients.length; i += stride, n++) seen += interest.viewOf(clients[i]!).visibleCount;
  }
  return n === 0 ? null : seen / n;
}

/** Connections closed so far, by close code, from the server's Prometheus counter. */
async function closeCounts(server: Server): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const metric = server.metrics.registry?.getSingleMetric('tickwave_closes_total');
  if (metric === undefined) return out;
  const data = await metric.get();
  for (const v of data.values) out.set(String(v.labels['code']), v.value);
  return out;
}
