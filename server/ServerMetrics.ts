/**
 * The server's Prometheus metrics, in a registry of its own (never prom-client's global default
 * registry, so two servers in one process do not collide). Hot paths add to plain counters; `flush()`
 * moves them into prom-client once per tick.
 *
 * prom-client is an optional peer dependency. Without it the server runs with Prometheus export off:
 * `totals` still count, `registry` is undefined and `GET /metrics` answers a comment naming the package.
 */
import { createRequire } from 'node:module';
import type { Counter, Gauge, Histogram } from 'prom-client';

type PromClient = typeof import('prom-client');

/**
 * prom-client, or undefined when it is not installed. Loaded with `require` (it is CommonJS), so
 * `tickwave/server` needs no top-level await and loads the same with or without it. Any other
 * failure inside prom-client (a broken install) still throws.
 */
function loadPromClient(): PromClient | undefined {
  try {
    return createRequire(import.meta.url)('prom-client') as PromClient;
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    const missing = e.code === 'MODULE_NOT_FOUND' && String(e.message).startsWith("Cannot find module 'prom-client'");
    if (missing) return undefined;
    throw error;
  }
}

const prom = loadPromClient();

/** What `GET /metrics` answers when prom-client is not installed (a valid, empty Prometheus exposition). */
const METRICS_OFF_BODY =
  '# Tickwave: Prometheus metrics are off because the optional peer dependency prom-client is not installed.\n' +
  '# Install it next to tickwave to export them: npm install prom-client\n';
const METRICS_OFF_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One metric of a {@link MetricsRegistry} (a prom-client metric), typed only as far as reading its values. */
export interface MetricsRegistryMetric {
  /** The metric's current values, one per label set. */
  get(): Promise<{
    /** One entry per label set. */
    readonly values: readonly {
      /** The value (a counter's total, a gauge's level, …). */
      readonly value: number;
      /** The labels of this value. */
      readonly labels: Partial<Record<string, string | number>>;
    }[];
  }>;
}

/**
 * The server's prom-client `Registry`, typed only as far as Tickwave uses it, so these declarations
 * compile without prom-client installed. Cast it to prom-client's `Registry` for the rest of its API.
 */
export interface MetricsRegistry {
  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string>;
  /** The Content-Type header value for {@link MetricsRegistry.metrics}. */
  readonly contentType: string;
  /** One metric by name, or undefined. */
  getSingleMetric(name: string): MetricsRegistryMetric | undefined;
}

/** Tick duration histogram buckets, seconds (a 60 Hz tick lasts 16.7 ms). */
const TICK_BUCKETS_SEC = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.012, 0.0167, 0.025, 0.033, 0.05, 0.1];
/** Tick phase histogram buckets, seconds: a phase takes microseconds to most of a tick. */
const PHASE_BUCKETS_SEC = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.0167, 0.033];

/**
 * Where one tick's time went, ms, summed over the rooms:
 * - `inputsMs`: applying the buffered inputs (the game's `onInput` calls included);
 * - `stepMs`: the game's `step` handlers;
 * - `encodeMs`: quantizing the world and encoding snapshot bodies, up to the last body encoded in the
 *   tick (where bodies are encoded between sends — clients holding different baselines, interest
 *   management's per-client bodies — the sends before the last encode count here);
 * - `sendMs`: the frames sent after that, and the tick's listeners (recorders, spectator feeds).
 * Everything else of the tick (expiring sessions, metrics) is in none of them.
 */
export interface TickPhases {
  /** Applying inputs, ms. */
  inputsMs: number;
  /** The game's step, ms. */
  stepMs: number;
  /** Quantizing and encoding, ms. */
  encodeMs: number;
  /** Sending, ms. */
  sendMs: number;
}

/** The `phase` labels of `tickwave_tick_phase_seconds`, made once. */
const PHASE_LABELS = {
  inputs: { phase: 'inputs' },
  step: { phase: 'step' },
  encode: { phase: 'encode' },
  send: { phase: 'send' },
} as const;

/** Counters and gauges of one Server. */
export class ServerMetrics {
  /** Whether prom-client is installed, so the metrics are exported to Prometheus (`registry` is set). */
  readonly enabled = prom !== undefined;
  /** The registry `GET /metrics` renders; undefined when prom-client is not installed. */
  readonly registry: MetricsRegistry | undefined;
  private readonly tickDuration: Histogram | undefined;
  private readonly clientsGauge: Gauge | undefined;
  private readonly roomsGauge: Gauge | undefined;
  private readonly bytesSent: Counter | undefined;
  private readonly snapshotsSent: Counter | undefined;
  private readonly snapshotsSkipped: Counter | undefined;
  private readonly encodes: Counter | undefined;
  private readonly closes: Counter<'code'> | undefined;
  private readonly achievedRate: Gauge | undefined;
  private readonly stepSeconds: Counter | undefined;
  private readonly phaseSeconds: Histogram<'phase'> | undefined;
  /** This tick's phases so far. */
  private readonly pendingPhases: TickPhases = { inputsMs: 0, stepMs: 0, encodeMs: 0, sendMs: 0 };
  private phasesPending = false;
  /** When the running room's encode phase began, ms; NaN outside it. */
  private encodeStartMs = Number.NaN;
  /** When its last body was encoded, ms; NaN before the first. */
  private lastEncodedMs = Number.NaN;
  /**
   * The phases of the last tick that ran, ms; overwritten in place by each tick's `flush`: read it
   * (e.g. from the tick loop's `onTickDuration`) before the next tick.
   */
  readonly lastTickPhases: TickPhases = { inputsMs: 0, stepMs: 0, encodeMs: 0, sendMs: 0 };
  private pendingBytes = 0;
  private pendingStepMs = 0;
  private pendingSnapshots = 0;
  private pendingSkipped = 0;
  private pendingEncodes = 0;
  /** Totals since start (also exported to Prometheus). */
  readonly totals = {
    /** Bytes of frames (of every kind) accepted by client sockets; dropped frames are not counted. */
    bytesSent: 0,
    /** Snapshot frames sent to clients. */
    snapshotsSent: 0,
    /** Snapshots not sent because the client's socket was backed up. */
    snapshotsSkipped: 0,
    /** Snapshot bodies encoded (a group of clients sharing a baseline shares one). */
    encodes: 0,
    /** Milliseconds spent in the rooms' `step` handlers (the game's simulation; `onInput` is not timed). */
    stepHandlerMs: 0,
  };

  /** @param now the server clock (ms), read a few times per room per tick for the phases */
  constructor(private readonly now: () => number = () => performance.now()) {
    if (prom === undefined) return;
    const { Counter, Gauge, Histogram, Registry } = prom;
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    this.tickDuration = new Histogram({
      name: 'tickwave_tick_duration_seconds',
      help: 'Duration of one server tick (all rooms)',
      buckets: TICK_BUCKETS_SEC,
      registers,
    });
    this.clientsGauge = new Gauge({ name: 'tickwave_clients', help: 'Connected clients', registers });
    this.roomsGauge = new Gauge({ name: 'tickwave_rooms', help: 'Open rooms', registers });
    this.bytesSent = new Counter({
      name: 'tickwave_bytes_sent_total',
      help: 'Bytes of frames handed to client sockets',
      registers,
    });
    this.snapshotsSent = new Counter({
      name: 'tickwave_snapshots_sent_total',
      help: 'Snapshot frames sent to clients',
      registers,
    });
    this.snapshotsSkipped = new Counter({
      name: 'tickwave_snapshots_skipped_total',
      help: 'Snapshots not sent because the client socket was backed up (latest wins)',
      registers,
    });
    this.encodes = new Counter({
      name: 'tickwave_snapshot_encodes_total',
      help:
        'Snapshot bodies encoded ' +
        '(one per group of clients sharing a baseline, or per client with interest management)',
      registers,
    });
    this.closes = new Counter({
      name: 'tickwave_closes_total',
      help: 'Client connections closed, by close code',
      labelNames: ['code'],
      registers,
    });
    this.achievedRate = new Gauge({
      name: 'tickwave_tick_rate_hz',
      help: 'Achieved tick rate over the recent ticks',
      registers,
    });
    this.stepSeconds = new Counter({
      name: 'tickwave_room_step_seconds_total',
      help:
        "Time spent in the rooms' step handlers " +
        "(the game's simulation; most of the rest of a tick is the engine's)",
      registers,
    });
    this.phaseSeconds = new Histogram({
      name: 'tickwave_tick_phase_seconds',
      help: 'Time of one tick spent per phase: inputs, the game step, encode (quantize + bodies), send',
      labelNames: ['phase'],
      buckets: PHASE_BUCKETS_SEC,
      registers,
    });
  }

  /** Records one tick's duration in ms. */
  tick(durationMs: number): void {
    this.tickDuration?.observe(durationMs / 1000);
  }

  /** Counts bytes handed to a socket. */
  sent(bytes: number): void {
    this.pendingBytes += bytes;
  }

  /** Counts one snapshot frame sent. */
  snapshotSent(): void {
    this.pendingSnapshots++;
  }

  /** Counts one snapshot skipped for congestion. */
  snapshotSkipped(): void {
    this.pendingSkipped++;
  }

  /** Counts one snapshot body encoded (and, inside a room's encode phase, when it ended). */
  encoded(): void {
    this.pendingEncodes++;
    if (!Number.isNaN(this.encodeStartMs)) this.lastEncodedMs = this.now();
  }

  /** Adds time a room spent in its `step` handler, in ms (the tick's step phase). */
  stepHandlerTime(ms: number): void {
    this.pendingStepMs += ms;
    this.pendingPhases.stepMs += ms;
    this.phasesPending = true;
  }

  /** Adds time a room spent applying inputs, in ms (the tick's inputs phase). */
  inputsTime(ms: number): void {
    this.pendingPhases.inputsMs += ms;
    this.phasesPending = true;
  }

  /** A room begins quantizing and streaming its world at `nowMs` (server clock). */
  encodeStarted(nowMs: number): void {
    this.encodeStartMs = nowMs;
    this.lastEncodedMs = Number.NaN;
  }

  /** The room's snapshots went out by `nowMs`: splits the time since `encodeStarted` into encode and send. */
  streamEnded(nowMs: number): void {
    const start = this.encodeStartMs;
    if (Number.isNaN(start)) return;
    const encodedAt = Number.isNaN(this.lastEncodedMs) ? nowMs : this.lastEncodedMs;
    this.pendingPhases.encodeMs += encodedAt - start;
    this.pendingPhases.sendMs += nowMs - encodedAt;
    this.encodeStartMs = Number.NaN;
    this.phasesPending = true;
  }

  /** Counts a closed connection by its close code. */
  closed(code: number): void {
    this.closes?.inc({ code: String(code) });
  }

  /** Sets the gauges and moves pending counts into prom-client. Call once per tick and before rendering. */
  flush(clients: number, rooms: number, achievedRateHz: number): void {
    this.clientsGauge?.set(clients);
    this.roomsGauge?.set(rooms);
    this.achievedRate?.set(achievedRateHz);
    if (this.pendingBytes > 0) this.bytesSent?.inc(this.pendingBytes);
    if (this.pendingSnapshots > 0) this.snapshotsSent?.inc(this.pendingSnapshots);
    if (this.pendingSkipped > 0) this.snapshotsSkipped?.inc(this.pendingSkipped);
    if (this.pendingEncodes > 0) this.encodes?.inc(this.pendingEncodes);
    if (this.pendingStepMs > 0) this.stepSeconds?.inc(this.pendingStepMs / 1000);
    if (this.phasesPending) this.endTickPhases();
    this.totals.bytesSent += this.pendingBytes;
    this.totals.snapshotsSent += this.pendingSnapshots;
    this.totals.snapshotsSkipped += this.pendingSkipped;
    this.totals.encodes += this.pendingEncodes;
    this.totals.stepHandlerMs += this.pendingStepMs;
    this.pendingEncodes = 0;
    this.pendingStepMs = 0;
    this.pendingBytes = 0;
    this.pendingSnapshots = 0;
    this.pendingSkipped = 0;
  }

  /** Moves this tick's phases into {@link lastTickPhases} (and Prometheus) and starts the next tick's at 0. */
  private endTickPhases(): void {
    const p = this.pendingPhases;
    const last = this.lastTickPhases;
    last.inputsMs = p.inputsMs;
    last.stepMs = p.stepMs;
    last.encodeMs = p.encodeMs;
    last.sendMs = p.sendMs;
    const h = this.phaseSeconds;
    if (h !== undefined) {
      h.observe(PHASE_LABELS.inputs, p.inputsMs / 1000);
      h.observe(PHASE_LABELS.step, p.stepMs / 1000);
      h.observe(PHASE_LABELS.encode, p.encodeMs / 1000);
      h.observe(PHASE_LABELS.send, p.sendMs / 1000);
    }
    p.inputsMs = 0;
    p.stepMs = 0;
    p.encodeMs = 0;
    p.sendMs = 0;
    this.phasesPending = false;
  }

  /** The Prometheus text exposition and its content type (only a comment when prom-client is not installed). */
  async render(): Promise<{
    /** The metrics in the Prometheus text exposition format. */
    body: string;
    /** The Content-Type header value for `body`. */
    contentType: string;
  }> {
    if (this.registry === undefined) return { body: METRICS_OFF_BODY, contentType: METRICS_OFF_CONTENT_TYPE };
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
