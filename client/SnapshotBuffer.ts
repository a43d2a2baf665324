/*
 * Recent decoded snapshots, and the playback clock that says which tick remote entities are drawn at.
 *
 * The playback clock is anchored on snapshot arrivals rather than on the ping clock: what matters for
 * interpolation is when snapshots actually arrive here, and that includes the one-way latency (which
 * a ping cannot split between directions) and the server's send timing. It also follows the server's
 * real tick rate, measured from the arrivals, not the nominal one: a server that falls behind its
 * schedule (overloaded, skipping ticks) delivers fewer ticks per second, and playback at the nominal
 * rate would outrun the data for good. Over the last `jitterWindow` arrivals:
 *
 *   msPerTick     = least-squares slope of arrival time over tick  (nominal until 30 arrivals)
 *   arrivalOffset = arrivalMs − (tick − newestTick) · msPerTick      (when the newest tick "arrived")
 *   baseOffset    = min(arrivalOffset)                                the earliest a snapshot arrives
 *   lateness      = arrivalOffset − baseOffset                        ≥ 0, each snapshot's jitter
 *   interval      = ticks between snapshots: the Welcome's tickRateHz / snapshotRateHz, then the median
 *                   tick gap of the last 16 arrivals (a rate changed mid-session; skips under congestion)
 *   floor         = minDelayMs + (interval − 1) · msPerTick               the clean link's delay
 *   targetDelay   = clamp(interval · msPerTick + k · p95(lateness), floor, max(maxDelayMs, floor))
 *   onTimeTick(t) = newestTick + (t − baseOffset) / msPerTick         what an on-time link would show
 *   renderTick    → onTimeTick(now) − targetDelay / msPerTick
 *
 * Render time advances at 1 ± slew of the server's tick rate toward its target (at down to 75 % while
 * the delay in effect is under its floor, catching up with late data), so the delay changes gradually
 * and render time never goes backwards.
 *
 *   server ticks   100     101     102     103     104
 *   sent            |───────|───────|───────|───────|
 *   arrive here         a100    a101      a102 a103     (a102 was late: lateness ≈ 0.6 tick)
 *   local now  ─────────────────────────────────────────▶ t
 *   render tick            ▲ renderTick = 101.4: between 101 and 102, α = 0.4
 *                          └──── delay ────┘ behind onTimeTick(now)
 *
 * When renderTick passes the newest snapshot the buffer has run dry (an underrun): the interpolator
 * extrapolates from the newest snapshot's motion for at most maxExtrapolationMs, then holds.
 */
import type { Snapshot, SnapshotRecycler } from '../shared/index.ts';
import { ArrivalWindow } from './ArrivalWindow.ts';

/**
 * Snapshots kept beyond those the largest delay spans. The default capacity is
 * ⌈maxDelayMs / tick⌉ + this: enough to interpolate at the largest delay and to hold recent baselines,
 * and no more, since every snapshot held past a garbage collection is copied by it.
 */
export const DEFAULT_BUFFER_SLACK = 6;
/** Smallest interpolation delay, in ms (the delay on a clean link). */
export const DEFAULT_MIN_DELAY_MS = 50;
/** Largest interpolation delay, in ms. */
export const DEFAULT_MAX_DELAY_MS = 300;
/** Delay before any jitter was measured, in ms. */
export const DEFAULT_INITIAL_DELAY_MS = 100;
/** Multiplier of the p95 lateness in the target delay. */
export const DEFAULT_JITTER_FACTOR = 1.25;
/** Arrivals the jitter and base offset are measured over (3 s at 60 Hz). */
export const DEFAULT_JITTER_WINDOW = 180;
/** Largest change of the playback offset per ms of real time (0.05 = playback at 95–105 %). */
export const DEFAULT_DELAY_SLEW_RATE = 0.05;
/** Playback slowdown while the delay in effect is under minDelayMs (0.25 = playback at 75 %). */
const STARVING_SLEW_RATE = 0.25;
/** A playback clock this far behind its target jumps forward instead of slewing (after a long outage), in ms. */
const RESYNC_MS = 1000;
/** Arrivals needed before the measured tick rate replaces the nominal one. */
const RATE_MIN_SAMPLES = 30;
/** The measured ms per tick is kept within this factor of the nominal one. */
const RATE_BOUND = 2;
/** Tick gaps between arrivals the snapshot interval is measured over. */
const GAP_WINDOW = 16;
/** Gaps needed before the measured interval replaces the announced one. */
const GAP_MIN_SAMPLES = 8;

/** Options of {@link SnapshotBuffer}; every field has a default. */
export interface SnapshotBufferOptions {
  /** Snapshots kept. Default: ⌈maxDelayMs / tick⌉ + {@link DEFAULT_BUFFER_SLACK}, set with the tick rate. */
  readonly capacity?: number;
  /** Smallest delay in ms. Default {@link DEFAULT_MIN_DELAY_MS}. */
  readonly minDelayMs?: number;
  /** Largest delay in ms. Default {@link DEFAULT_MAX_DELAY_MS}. */
  readonly maxDelayMs?: number;
  /** Delay before jitter is known, in ms. Default {@link DEFAULT_INITIAL_DELAY_MS}. */
  readonly initialDelayMs?: number;
  /** k in tickMs + k · p95 lateness. Default {@link DEFAULT_JITTER_FACTOR}. */
  readonly jitterFactor?: number;
  /** Arrivals measured. Default {@link DEFAULT_JITTER_WINDOW}. */
  readonly jitterWindow?: number;
  /** Delay change per ms of real time. Default {@link DEFAULT_DELAY_SLEW_RATE}. */
  readonly delaySlewRate?: number;
}

/**
 * A ring of decoded snapshots in tick order plus the adaptive playback clock. Owned by one client;
 * the snapshots it holds are immutable and may be read by anyone until they leave the ring.
 */
export class SnapshotBuffer {
  private ring: (Snapshot | null)[];
  private readonly fixedCapacity: number | undefined;
  private start = 0;
  private length = 0;
  /** The last `jitterWindow` arrivals. */
  private readonly window: ArrivalWindow;
  private newestTick = 0;
  private baseOffsetMs = 0;
  private p95LatenessMs = 0;
  private targetDelayMs: number;
  /** The tick drawn at `playedAtMs` (NaN before the first snapshot). */
  private playTick = NaN;
  private playedAtMs = 0;
  private tickMs = 1000 / 60;
  private msPerTick = 1000 / 60;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  /** The snapshot interval the server announced, in ticks (Welcome: tickRateHz / snapshotRateHz). */
  private announcedInterval = 1;
  /** The snapshot interval in effect, in ticks: announced, then measured from the arrivals. */
  private interval = 1;
  private readonly gaps = new Float64Array(GAP_WINDOW);
  private readonly gapScratch = new Float64Array(GAP_WINDOW);
  private gapCount = 0;
  private readonly jitterFactor: number;
  private readonly slewRate: number;

  /**
   * @param options see {@link SnapshotBufferOptions}; throws for bounds that contradict each other.
   * @param recycler released every snapshot that leaves the buffer (see {@link SnapshotRecycler}): an
   *   adopted snapshot read from the buffer must be retained by whoever keeps it past its stay here.
   */
  constructor(
    options: SnapshotBufferOptions = {},
    private readonly recycler: SnapshotRecycler | null = null,
  ) {
    const capacity = options.capacity;
    if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 2)) {
      throw new RangeError(`SnapshotBuffer: capacity must be an integer ≥ 2; got ${capacity}`);
    }
    this.fixedCapacity = capacity;
    this.minDelayMs = options.minDelayMs ?? DEFAULT_MIN_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    if (!(this.minDelayMs >= 0 && this.maxDelayMs >= this.minDelayMs)) {
      throw new RangeError(
        `interpolation: need 0 ≤ minDelayMs ≤ maxDelayMs; got ${this.minDelayMs} and ${this.maxDelayMs}`,
      );
    }
    const window = options.jitterWindow ?? DEFAULT_JITTER_WINDOW;
    if (!Number.isInteger(window) || window < 2)
      throw new RangeError(`interpolation: jitterWindow must be an integer ≥ 2; got ${window}`);
    this.slewRate = options.delaySlewRate ?? DEFAULT_DELAY_SLEW_RATE;
    if (!(this.slewRate > 0 && this.slewRate < 1))
      throw new RangeError(`interpolation: delaySlewRate must be in (0, 1); got ${this.slewRate}`);
    this.jitterFactor = options.jitterFactor ?? DEFAULT_JITTER_FACTOR;
    this.targetDelayMs = clamp(options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS, this.minDelayMs, this.maxDelayMs);
    this.ring = new Array<Snapshot | null>(capacity ?? this.defaultCapacity()).fill(null);
    this.window = new ArrivalWindow(window);
  }

  /** Sets the server tick rate (from Welcome). A change empties the buffer. */
  setTickRate(tickRateHz: number): void {
    const tickMs = 1000 / tickRateHz;
    if (tickMs !== this.tickMs) this.clear();
    this.tickMs = tickMs;
    if (this.fixedCapacity === undefined && this.ring.length !== this.defaultCapacity()) {
      this.clear();
      this.ring = new Array<Snapshot | null>(this.defaultCapacity()).fill(null);
    }
    this.msPerTick = tickMs;
  }

  /**
   * Sets the snapshot interval the server announced, in ticks (the Welcome's tickRateHz / snapshotRateHz;
   * 1: a snapshot every tick). The delay's floor and target scale with it, so render time does not run out
   * of snapshots between two arrivals; once enough arrived, the measured interval takes over.
   */
  setSnapshotInterval(ticks: number): void {
    if (!(Number.isInteger(ticks) && ticks >= 1))
      throw new RangeError(`SnapshotBuffer: snapshot interval must be an integer ≥ 1 tick; got ${ticks}`);
    this.announcedInterval = ticks;
    this.gapCount = 0;
    this.interval = ticks;
    if (this.window.count < 8) this.targetDelayMs = Math.max(this.targetDelayMs, this.delayFloorMs);
  }

  /** Ticks between two snapshots in effect: the announced interval, then the median measured gap. */
  get snapshotIntervalTicks(): number {
    return this.interval;
  }

  /** The smallest delay at the current snapshot interval (the delay on a clean link), in ms. */
  get delayFloorMs(): number {
    return this.minDelayMs + (this.interval - 1) * this.msPerTick;
  }

  private defaultCapacity(): number {
    return Math.ceil(this.maxDelayMs / this.tickMs) + DEFAULT_BUFFER_SLACK;
  }

  /** Forgets every snapshot and the playback clock (a new room or tick rate). */
  clear(): void {
    for (let i = 0; i < this.length; i++) this.recycler?.release(this.at(i));
    this.ring.fill(null);
    this.start = 0;
    this.length = 0;
    this.window.clear();
    this.playTick = NaN;
    this.msPerTick = this.tickMs;
    this.gapCount = 0;
    this.interval = this.announcedInterval;
  }

  /**
   * Adds the snapshot decoded at `arrivalMs`. Returns false, and keeps nothing, if its tick is not newer
   * than the newest one held (the caller treats that as a protocol error).
   */
  push(snapshot: Snapshot, arrivalMs: number): boolean {
    const newest = this.newest;
    if (newest !== null && snapshot.tick <= newest.tick) return false;
    const cap = this.ring.length;
    if (this.length === cap) {
      this.recycler?.release(this.ring[this.start]!);
      this.ring[this.start] = null;
      this.start = (this.start + 1) % cap;
      this.length--;
    }
    this.ring[(this.start + this.length) % cap] = snapshot;
    this.length++;
    this.measureArrival(snapshot.tick, arrivalMs);
    return true;
  }

  /** Number of snapshots held. */
  get size(): number {
    return this.length;
  }

  /** The newest snapshot, or null. */
  get newest(): Snapshot | null {
    return this.length === 0 ? null : this.ring[(this.start + this.length - 1) % this.ring.length]!;
  }

  /** The `i`-th held snapshot, oldest first (0 ≤ i < size). */
  at(i: number): Snapshot {
    return this.ring[(this.start + i) % this.ring.length]!;
  }

  /** The held snapshot of tick `tick` (a delta's baseline), or null. */
  get(tick: number): Snapshot | null {
    for (let i = this.length - 1; i >= 0; i--) {
      const s = this.at(i);
      if (s.tick === tick) return s;
      if (s.tick < tick) return null;
    }
    return null;
  }

  /** Index of the newest held snapshot with tick ≤ `tick`, or −1 when all are newer. */
  indexAtOrBefore(tick: number): number {
    for (let i = this.length - 1; i >= 0; i--) if (this.at(i).tick <= tick) return i;
    return -1;
  }

  /** The interpolation delay in effect: how far render time runs behind an on-time link, in ms. */
  get delayMs(): number {
    return Number.isNaN(this.playTick)
      ? this.targetDelayMs
      : (this.onTimeTick(this.playedAtMs) - this.playTick) * this.msPerTick;
  }

  /** The delay the playback clock is moving toward, in ms. */
  get targetDelay(): number {
    return this.targetDelayMs;
  }

  /** The 95th percentile of snapshot lateness over the window: the measured jitter, in ms. */
  get jitterMs(): number {
    return this.p95LatenessMs;
  }

  /** The server's tick length as measured from arrivals, in ms (the nominal one until enough arrived). */
  get measuredTickMs(): number {
    return this.msPerTick;
  }

  /** Advances the playback clock to `nowMs` and returns the fractional tick to draw (NaN before any snapshot). */
  renderTick(nowMs: number): number {
    if (Number.isNaN(this.playTick)) return NaN;
    const elapsed = nowMs - this.playedAtMs;
    if (elapsed > 0) {
      this.playedAtMs = nowMs;
      const msPerTick = this.msPerTick;
      const target = this.onTimeTick(nowMs) - this.targetDelayMs / msPerTick;
      const aheadMs = (target - this.playTick) * msPerTick - elapsed; // > 0: render time should run faster
      if (aheadMs > RESYNC_MS) this.playTick = target;
      else {
        // Starving (the delay in effect under its floor: drawing data that has not arrived) slows
        // playback harder than the ordinary drift toward the target.
        const starving = (this.onTimeTick(nowMs) - this.playTick) * msPerTick < this.delayFloorMs;
        const up = elapsed * this.slewRate;
        const down = elapsed * (starving ? STARVING_SLEW_RATE : this.slewRate);
        const stepMs = elapsed + (aheadMs > up ? up : aheadMs < -down ? -down : aheadMs);
        this.playTick += Math.max(0, stepMs) / msPerTick;
      }
    }
    return this.playTick;
  }

  /** The tick an on-time link would show at `timeMs`. */
  private onTimeTick(timeMs: number): number {
    return this.newestTick + (timeMs - this.baseOffsetMs) / this.msPerTick;
  }

  private measureArrival(tick: number, arrivalMs: number): void {
    const arrivals = this.window;
    if (arrivals.count > 0) this.measureGap(tick - this.newestTick);
    arrivals.record(tick, arrivalMs);
    this.newestTick = tick;
    const n = arrivals.size;
    const slope = n >= RATE_MIN_SAMPLES ? arrivals.slope() : NaN;
    this.msPerTick = Number.isNaN(slope)
      ? this.tickMs
      : clamp(slope, this.tickMs / RATE_BOUND, this.tickMs * RATE_BOUND);
    const msPerTick = this.msPerTick;
    // The p95 offset is the m-th largest, m = n − ⌊0.95 n⌋ (9 of 180).
    const p95 = arrivals.offsets(tick, msPerTick, n - Math.min(n - 1, Math.floor(n * 0.95)));
    this.baseOffsetMs = arrivals.smallestOffsetMs;
    this.p95LatenessMs = p95 - this.baseOffsetMs;
    if (n >= 8) {
      const floor = this.delayFloorMs;
      const target = this.interval * msPerTick + this.jitterFactor * this.p95LatenessMs;
      this.targetDelayMs = clamp(target, floor, Math.max(this.maxDelayMs, floor));
    }
    if (Number.isNaN(this.playTick)) {
      this.playTick = this.onTimeTick(arrivalMs) - this.targetDelayMs / msPerTick;
      this.playedAtMs = arrivalMs;
    }
  }

  /** Records the tick gap between two arrivals; the interval becomes the median (upper) of the last gaps. */
  private measureGap(gap: number): void {
    const slot = this.gapCount % GAP_WINDOW;
    // A full window whose oldest gap equals the new one (every gap of a steady stream) keeps its median.
    const same = this.gapCount >= GAP_WINDOW && this.gaps[slot] === gap;
    this.gaps[slot] = gap;
    this.gapCount++;
    const n = Math.min(this.gapCount, GAP_WINDOW);
    if (n < GAP_MIN_SAMPLES || same) return;
    const scratch = this.gapScratch;
    scratch.set(this.gaps);
    this.interval = Math.max(1, selectNth(scratch, n, n >> 1));
  }
}

/**
 * The `k`-th smallest (0-based) of the first `n` entries of `a`, partially reordering them in place:
 * Hoare's selection, linear on average (the median of the last snapshot gaps).
 */
function selectNth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
