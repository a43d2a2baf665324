/**
 * Messages between the load-test CLI (parent) and its server and bot processes (children), over the
 * Node IPC channel of `child_process.fork`. Samples are deltas since the previous sample: the parent
 * asks every child for one each second and lines the answers up into one time series row.
 */
import type { TransportChoice } from '../server/index.ts';
import type { SparseCounts } from './Histogram.ts';

/**
 * The name a run's room goes by in its report: a built-in scenario's (`arena`, `bigworld`, … from a
 * Tickwave checkout) or the user's room module's file name.
 */
export type LoadScenario = string;
/** Bot kinds: light (envelope parse, ack, sample decode) or full (the real TickwaveClient). */
export type BotKind = 'light' | 'full';

/** Parent → server process: start a server. */
export interface ServerStart {
  readonly type: 'start';
  /** File URL of the room module to run (see load/loadModule.ts). */
  readonly module: string;
  readonly entities: number;
  readonly tickRateHz: number;
  /** The rooms' snapshot rate (a divisor of the tick rate), or null for the room type's own. */
  readonly snapshotRateHz: number | null;
  readonly host: string;
  readonly port: number;
  /** The network transport to run: auto (uWS where its binary loads, else ws), uws or ws. */
  readonly transport: TransportChoice;
  /** The process exits by itself after this long, ms (bounded in time even if the parent vanishes). */
  readonly lifetimeMs: number;
  /** With `--workers`: join a cluster on this Redis and let matchmaking create the rooms; null: one room. */
  readonly cluster: LoadClusterStart | null;
}

/** How a load server joins a cluster (`--workers`). */
export interface LoadClusterStart {
  /** The Redis server of the room directory (redis://host:port). */
  readonly redisUrl: string;
  /** Players per room before matchmaking opens another. */
  readonly roomCapacity: number;
}

/** Parent → bot process: start an (empty) bot pool. */
export interface BotStart {
  readonly type: 'start';
  readonly url: string;
  /** Room id or type name to join; null lets the server choose. */
  readonly room: string | null;
  /** File URL of the module whose schema and bot the bots use (see load/loadModule.ts). */
  readonly module: string;
  readonly kind: BotKind;
  readonly tickRateHz: number;
  /** Bots fully decode every snapshot when their index is a multiple of this (light bots). */
  readonly decodeEvery: number;
  /** Whether the bots send inputs (false: acks only). */
  readonly sendInputs: boolean;
  /** Seqs each input holds its values for (0 sends every input). */
  readonly inputHoldTicks: number;
  /** New connections opened per second at most. */
  readonly connectPerSec: number;
  /** Index of this pool's first bot across all pools (spreads steering patterns and decode samples). */
  readonly firstIndex: number;
  /** Number of pools, so bot indices interleave: pool p owns indices firstIndex + k·stride. */
  readonly stride: number;
  readonly lifetimeMs: number;
}

/** Parent → any child. */
export type ParentMsg =
  | ServerStart
  | BotStart
  | { readonly type: 'add'; readonly count: number }
  | { readonly type: 'sample' }
  | { readonly type: 'stop' };

/** One second (or so) of the server process. Durations in ms, CPU in µs, counts are deltas. */
export interface ServerSample {
  /** Time since the previous sample, ms. */
  readonly intervalMs: number;
  /** Open connections now. */
  readonly clients: number;
  /** Duration of each tick run since the previous sample, ms. */
  readonly tickDurationsMs: readonly number[];
  /**
   * Where each of those ticks' time went, ms (the server's `metrics.lastTickPhases` after each tick); absent
   * from a server without phase timing.
   */
  readonly tickPhasesMs?: TickPhaseSeries;
  /** Ticks skipped by the loop's re-anchoring after overruns. */
  readonly skippedTicks: number;
  /** Time the room spent in its step handler (the game's simulation) over the interval, ms. */
  readonly stepHandlerMs: number;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Resident set size now, bytes. */
  readonly rssBytes: number;
  /** Event-loop delay over the interval, ms. */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly snapshotsSent: number;
  /** Snapshots not sent because the client's socket was backed up. */
  readonly snapshotsSkipped: number;
  /** Bytes handed to client sockets (snapshots, welcomes, pongs). */
  readonly bytesSent: number;
  /** Connections closed, by close code (as the server saw them). */
  readonly closes: Readonly<Record<string, number>>;
  /**
   * Mean entities in a client's view when sampled: with interest management, the views' visible counts
   * (over up to 100 clients spread across the room); without, every entity in the room. Null with no client.
   */
  readonly seenPerClient: number | null;
  /** Interest management's counters over the interval (`room.interest.stats` deltas); null without interest. */
  readonly interest: InterestSample | null;
  /** Server processes this sample sums (a cluster's, merged by the parent); absent: 1. */
  readonly processes?: number;
}

/** Per-tick phase durations, ms, one entry per tick in each array (see the server's `TickPhases`). */
export interface TickPhaseSeries {
  /** Applying inputs (the game's `onInput` included). */
  readonly inputs: readonly number[];
  /** The game's step. */
  readonly step: readonly number[];
  /** Quantizing the world and encoding bodies. */
  readonly encode: readonly number[];
  /** Sending the frames. */
  readonly send: readonly number[];
}

/** Deltas of a room's interest-management counters over one sample interval. */
export interface InterestSample {
  /** Entities sent at their true value (creates included). */
  readonly entitiesSent: number;
  /** Entities in view held back by the byte budget for a tick. */
  readonly entitiesDeferred: number;
  /** Snapshot frames the interest manager sent. */
  readonly snapshots: number;
}

/** One second (or so) of one bot process. Counts are deltas; `bots`/`connected` are current. */
export interface BotSample {
  readonly intervalMs: number;
  /** Bots started (connecting, connected or gone). */
  readonly bots: number;
  /** Bots joined (Welcome received) and still open. */
  readonly connected: number;
  readonly snapshots: number;
  /** Message payload bytes received (every server message). */
  readonly payloadBytes: number;
  /** WebSocket bytes received: payloads plus frame headers. */
  readonly wsBytes: number;
  /** Estimated bytes on the wire: WebSocket bytes plus TCP/IP headers per segment. */
  readonly wireBytes: number;
  /** WebSocket bytes sent (inputs, acks, pings; masked frames). */
  readonly wsBytesOut: number;
  readonly inputs: number;
  /** Input-to-acknowledgement latency, ms (sparse histogram counts). */
  readonly latency: SparseCounts;
  /** Matchmaking request time of the bots that joined through matchmaking (seat asked → seat given), ms. */
  readonly joinLatency: SparseCounts;
  /** Snapshot inter-arrival time per bot, ms. */
  readonly interArrival: SparseCounts;
  /** |inter-arrival − tick duration|, ms. */
  readonly jitter: SparseCounts;
  /** Snapshots fully decoded by the sampling bots, and how many failed. */
  readonly decoded: number;
  readonly decodeFailures: number;
  /** Disconnections by close code (as the bots saw them). */
  readonly closes: Readonly<Record<string, number>>;
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  readonly eventLoopDelayP99Ms: number;
}

/** Child → parent. */
export type ChildMsg =
  | {
      readonly type: 'ready';
      readonly port: number;
      readonly room: string | null;
      readonly transport?: 'uws' | 'ws';
      /** A server's rooms' snapshot rate, Hz. */
      readonly snapshotRateHz?: number;
    }
  | { readonly type: 'sample'; readonly server?: ServerSample; readonly bots?: BotSample }
  | { readonly type: 'stopped' }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'error'; readonly message: string };
