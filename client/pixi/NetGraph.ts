/**
 * A net-graph overlay: small live graphs of what the connection is doing, read from a client's
 * {@link ClientStats} — round trip, interpolation delay, snapshot rate and size, bandwidth in and out,
 * prediction corrections and buffer underruns. Add `graph.view` above the game and call
 * `graph.update(now)` every frame; it samples at a fixed interval and redraws only then.
 */
import { BitmapText, Container, Graphics } from 'pixi.js';
import type { ClientStats } from '../index.ts';

/** Default width of the overlay, px. */
export const DEFAULT_NET_GRAPH_WIDTH_PX = 220;
/** Default height of one graph, px. */
export const DEFAULT_NET_GRAPH_HEIGHT_PX = 26;
/** Default samples kept per graph (the graph's width in time is samples × interval). */
export const DEFAULT_NET_GRAPH_SAMPLES = 120;
/** Default time between two samples, ms. */
export const DEFAULT_NET_GRAPH_SAMPLE_INTERVAL_MS = 100;

const LABEL_HEIGHT_PX = 13;
const PADDING_PX = 6;
const GAP_PX = 4;
const FONT = { fontFamily: 'monospace', fontSize: 11, fill: 0xffffff } as const;

/**
 * Options of a {@link NetGraph}.
 *
 * @category Pixi
 */
export interface NetGraphOptions {
  /** Width of the overlay, px. Default {@link DEFAULT_NET_GRAPH_WIDTH_PX}. */
  readonly widthPx?: number;
  /** Height of each graph, px. Default {@link DEFAULT_NET_GRAPH_HEIGHT_PX}. */
  readonly graphHeightPx?: number;
  /** Samples kept per graph. Default {@link DEFAULT_NET_GRAPH_SAMPLES}. */
  readonly samples?: number;
  /** Time between samples, ms. Default {@link DEFAULT_NET_GRAPH_SAMPLE_INTERVAL_MS}. */
  readonly sampleIntervalMs?: number;
}

/** One graph: what it reads and how it is labelled. */
interface SeriesSpec {
  readonly label: string;
  readonly unit: string;
  readonly color: number;
  /** Smallest full scale, so a quiet graph does not magnify noise. */
  readonly minScale: number;
  /** A gauge to plot as is, or a counter to plot as a rate per second. */
  readonly read: (stats: ClientStats) => number;
  readonly counter: boolean;
  readonly digits: number;
}

const SERIES: readonly SeriesSpec[] = [
  { label: 'rtt', unit: 'ms', color: 0x4fc3f7, minScale: 50, read: (s) => s.rttMs, counter: false, digits: 0 },
  {
    label: 'interp delay',
    unit: 'ms',
    color: 0x81c784,
    minScale: 50,
    read: (s) => s.interpDelayMs,
    counter: false,
    digits: 0,
  },
  {
    label: 'snapshots',
    unit: '/s',
    color: 0xfff176,
    minScale: 60,
    read: (s) => s.snapshotRateHz,
    counter: false,
    digits: 0,
  },
  {
    label: 'snapshot size',
    unit: 'B',
    color: 0xffb74d,
    minScale: 100,
    read: (s) => s.snapshotBytesAvg,
    counter: false,
    digits: 0,
  },
  {
    label: 'in',
    unit: 'kB/s',
    color: 0xba68c8,
    minScale: 5,
    read: (s) => s.bytesInPerSec / 1000,
    counter: false,
    digits: 1,
  },
  {
    label: 'out',
    unit: 'kB/s',
    color: 0x9575cd,
    minScale: 5,
    read: (s) => s.bytesOutPerSec / 1000,
    counter: false,
    digits: 1,
  },
  {
    label: 'corrections',
    unit: '/s',
    color: 0xe57373,
    minScale: 5,
    read: (s) => s.corrections,
    counter: true,
    digits: 1,
  },
  {
    label: 'underruns',
    unit: '/s',
    color: 0xf06292,
    minScale: 2,
    read: (s) => s.bufferUnderruns,
    counter: true,
    digits: 1,
  },
  {
    label: 'missed inputs',
    unit: '/s',
    color: 0xa1887f,
    minScale: 2,
    read: (s) => s.missedInputs,
    counter: true,
    digits: 1,
  },
];

class Series {
  readonly values: Float32Array;
  head = 0;
  count = 0;
  previous = NaN;
  readonly line = new Graphics();
  readonly text: BitmapText;

  constructor(
    readonly spec: SeriesSpec,
    samples: number,
  ) {
    this.values = new Float32Array(samples);
    this.text = new BitmapText({ text: spec.label, style: { ...FONT, fill: spec.color } });
  }

  push(value: number): void {
    this.values[this.head] = value;
    this.head = (this.head + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
  }
}

/**
 * The overlay for one client's stats. Owns its display objects; `destroy()` frees them.
 *
 * @example
 * ```ts
 * import { Application } from 'pixi.js';
 * import { browserSocketFactory, TickwaveClient } from 'tickwave/client';
 * import { NetGraph } from 'tickwave/client/pixi';
 * import { defineSchema, t } from 'tickwave/shared';
 *
 * const schema = defineSchema({ entities: { dot: { x: t.uint(10) } }, input: {} });
 * const client = new TickwaveClient(schema, { url: `ws://${location.host}/ws`, socketFactory: browserSocketFactory });
 * client.connect();
 *
 * const app = new Application();
 * await app.init({ width: 800, height: 600 });
 * const graph = new NetGraph(client.stats); // RTT, jitter, interpolation delay, bandwidth, corrections
 * graph.view.position.set(8, 8);
 * app.stage.addChild(graph.view);
 * addEventListener('keydown', (e) => e.key === 'n' && graph.toggle());
 * app.ticker.add(() => graph.update(performance.now()));
 * ```
 *
 * @category Start here
 */
export class NetGraph {
  /** The overlay's root; add it to the stage and position it. */
  readonly view = new Container();
  private readonly series: Series[];
  private readonly widthPx: number;
  private readonly graphHeightPx: number;
  private readonly sampleIntervalMs: number;
  private lastSampleMs = NaN;

  /** @param stats the client's live stats object (`client.stats`), read at every sample. */
  constructor(
    private readonly stats: ClientStats,
    options: NetGraphOptions = {},
  ) {
    this.widthPx = options.widthPx ?? DEFAULT_NET_GRAPH_WIDTH_PX;
    this.graphHeightPx = options.graphHeightPx ?? DEFAULT_NET_GRAPH_HEIGHT_PX;
    this.sampleIntervalMs = options.sampleIntervalMs ?? DEFAULT_NET_GRAPH_SAMPLE_INTERVAL_MS;
    const samples = options.samples ?? DEFAULT_NET_GRAPH_SAMPLES;
    for (const [name, value] of [
      ['widthPx', this.widthPx],
      ['graphHeightPx', this.graphHeightPx],
      ['sampleIntervalMs', this.sampleIntervalMs],
      ['samples', samples],
    ] as const) {
      if (!(Number.isFinite(value) && value > 0))
        throw new RangeError(`NetGraph: ${name} must be a number > 0; got ${value}`);
    }
    if (!Number.isInteger(samples) || samples < 2)
      throw new RangeError(`NetGraph: samples must be an integer ≥ 2; got ${samples}`);
    const rowPx = LABEL_HEIGHT_PX + this.graphHeightPx + GAP_PX;
    const background = new Graphics()
      .rect(0, 0, this.widthPx + 2 * PADDING_PX, SERIES.length * rowPx + 2 * PADDING_PX - GAP_PX)
      .fill({ color: 0x05070b, alpha: 0.85 });
    this.view.addChild(background);
    this.series = SERIES.map((spec, i) => {
      const series = new Series(spec, samples);
      const top = PADDING_PX + i * rowPx;
      series.text.position.set(PADDING_PX, top);
      series.line.position.set(PADDING_PX, top + LABEL_HEIGHT_PX);
      this.view.addChild(series.text, series.line);
      return series;
    });
  }

  /** Whether the overlay is shown. */
  get visible(): boolean {
    return this.view.visible;
  }

  /** Shows (true) or hides (false) the overlay. */
  set visible(value: boolean) {
    this.view.visible = value;
  }

  /** Shows the overlay if hidden, hides it if shown. */
  toggle(): void {
    this.view.visible = !this.view.visible;
  }

  /**
   * Samples the stats and redraws if a sample interval passed since the last one (also while hidden, so the history
   * is there when shown).
   */
  update(nowMs: number): void {
    if (!Number.isNaN(this.lastSampleMs) && nowMs - this.lastSampleMs < this.sampleIntervalMs) return;
    const dtSec = Number.isNaN(this.lastSampleMs) ? 0 : (nowMs - this.lastSampleMs) / 1000;
    this.lastSampleMs = nowMs;
    for (const series of this.series) {
      const raw = series.spec.read(this.stats);
      let value = raw;
      if (series.spec.counter) {
        value = Number.isNaN(series.previous) || dtSec === 0 ? 0 : Math.max(0, raw - series.previous) / dtSec;
        series.previous = raw;
      }
      series.push(Number.isFinite(value) ? value : 0);
      if (this.view.visible) this.draw(series, value);
    }
  }

  /** Frees the overlay's display objects. */
  destroy(): void {
    this.view.destroy({ children: true });
  }

  private draw(series: Series, current: number): void {
    const { values, count, head, spec } = series;
    const n = values.length;
    let max = spec.minScale;
    for (let i = 0; i < count; i++) max = Math.max(max, values[(head - count + i + n) % n]!);
    const scale = niceCeiling(max);
    series.text.text = `${spec.label} ${current.toFixed(spec.digits)} ${spec.unit}  (max ${scale})`;
    const g = series.line;
    const h = this.graphHeightPx;
    const stepPx = this.widthPx / (n - 1);
    g.clear();
    g.moveTo(0, h).lineTo(this.widthPx, h).stroke({ width: 1, color: 0xffffff, alpha: 0.25 });
    if (count < 2) return;
    const x0 = this.widthPx - (count - 1) * stepPx;
    for (let i = 0; i < count; i++) {
      const v = values[(head - count + i + n) % n]!;
      const x = x0 + i * stepPx;
      const y = h - (Math.min(v, scale) / scale) * h;
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    }
    g.stroke({ width: 1.5, color: spec.color });
  }
}

/** The smallest 1, 2 or 5 × 10^k at or above `value`. */
function niceCeiling(value: number): number {
  const exponent = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * exponent >= value) return m * exponent;
  return 10 * exponent;
}
