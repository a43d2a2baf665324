/**
 * The server side of a load test: a Tickwave Server with one room of the chosen scenario, driven by
 * its own TickLoop (so every tick's duration is seen), and the process figures a server owner needs:
 * CPU (user + system), RSS, event-loop delay, snapshots sent and skipped, closes by code.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_MAX_MESSAGES_PER_SECOND, type Logger, Server, TickLoop } from '../../server/index.ts';
import type { LoadScenario, ServerSample } from './ipc.ts';
import { arenaRoom as demoRoom, DEFAULT_MAX_BOTS } from '../../demo/server/arenaRoom.ts';
import { arenaRoomType } from './arenaRoom.ts';

/** Event-loop delay sampling resolution, ms. */
const EVENT_LOOP_RESOLUTION_MS = 5;
/** Messages per second a client may send, per Hz of tick rate (input + ack + pings, with headroom). */
const MESSAGES_PER_TICK = 3;
/** Capacity of the demo room in a load test: far above anything one process can serve. */
const MAX_CLIENTS = 1_000_000;

/** Options of {@link startLoadServer}. */
export interface LoadServerOptions {
  readonly scenario: LoadScenario;
  readonly entities: number;
  readonly tickRateHz: number;
  /** Address to listen on. */
  readonly host: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** Where the server's warnings go. */
  readonly logger: Logger;
}

/** A running load-test server. */
export interface LoadServer {
  /** The port it listens on. */
  readonly port: number;
  /** The id of the room bots join. */
  readonly roomId: string;
  /** Figures since the previous call (the first call: since start). */
  sample(): Promise<ServerSample>;
  /** Stops the loop and closes the server (clients get 1001). */
  stop(): Promise<void>;
}

/**
 * Starts a server for `options.scenario` and its tick loop. `arena`/`arena-jitter`: `entities` units
 * (bench/load/arenaRoom.ts). `demo`: the demo game's room with `entities` server-side bot ships, plus
 * one ship per client.
 */
export async function startLoadServer(options: LoadServerOptions): Promise<LoadServer> {
  const server = new Server({
    tickRateHz: options.tickRateHz,
    autoTick: false,
    logger: options.logger,
    maxMessagesPerSecond: Math.max(DEFAULT_MAX_MESSAGES_PER_SECOND, MESSAGES_PER_TICK * options.tickRateHz),
  });
  if (options.scenario === 'demo') {
    server.define('arena', demoRoom({ bots: options.entities, maxBots: Math.max(options.entities, DEFAULT_MAX_BOTS), maxClients: MAX_CLIENTS }));
  } else server.define('arena', arenaRoomType({ scenario: options.scenario, entities: options.entities, tickRateHz: options.tickRateHz }));
  const room = server.createRoom('arena');
  let durations: number[] = [];
  const loop = new TickLoop({ tickRateHz: options.tickRateHz, onTick: () => server.step(), onTickDuration: (ms) => durations.push(ms) });
  const { port } = await server.listen(options.port, options.host);
  const delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  delay.enable();
  loop.start();

  let lastAt = performance.now();
  let lastCpu = process.cpuUsage();
  let lastSkipped = 0;
  const last = { ...server.metrics.totals };
  let lastCloses = new Map<string, number>();
  return {
    port,
    roomId: room.id,
    async sample() {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      lastCpu = process.cpuUsage();
      const totals = server.metrics.totals;
      const stats = loop.stats();
      const closesNow = await closeCounts(server);
      const closes: Record<string, number> = {};
      for (const [code, n] of closesNow) {
        const d = n - (lastCloses.get(code) ?? 0);
        if (d > 0) closes[code] = d;
      }
      const sample: ServerSample = {
        intervalMs: now - lastAt,
        clients: server.connectionCount,
        tickDurationsMs: durations,
        skippedTicks: stats.skippedTicks - lastSkipped,
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        rssBytes: process.memoryUsage.rss(),
        eventLoopDelayP99Ms: delay.count === 0 ? 0 : delay.percentile(99) / 1e6,
        eventLoopDelayMaxMs: delay.count === 0 ? 0 : delay.max / 1e6,
        snapshotsSent: totals.snapshotsSent - last.snapshotsSent,
        snapshotsSkipped: totals.snapshotsSkipped - last.snapshotsSkipped,
        bytesSent: totals.bytesSent - last.bytesSent,
        closes,
      };
      durations = [];
      lastAt = now;
      lastSkipped = stats.skippedTicks;
      Object.assign(last, totals);
      lastCloses = closesNow;
      delay.reset();
      return sample;
    },
    async stop() {
      loop.stop();
      delay.disable();
      await server.close('load test over');
    },
  };
}

/** Connections closed so far, by close code, from the server's Prometheus counter. */
async function closeCounts(server: Server): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const metric = server.metrics.registry.getSingleMetric('tickwave_closes_total');
  if (metric === undefined) return out;
  const data = await metric.get();
  for (const v of data.values) out.set(String(v.labels['code']), v.value);
  return out;
}
