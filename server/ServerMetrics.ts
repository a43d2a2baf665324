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

  constructor() {
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

  /** Counts one snapshot body encoded. */
  encoded(): void {
    this.pendingEncodes++;
  }

  /** Adds time a room spent in its `step` handler, in ms. */
  stepHandlerTime(ms: number): void {
    this.pendingStepMs += ms;
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
