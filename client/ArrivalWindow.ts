/*
 * The last `size` snapshot arrivals (tick, local arrival time) a SnapshotBuffer measures its playback
 * clock from (formulas in SnapshotBuffer.ts), with what it asks of them on every arrival kept cheap:
 * the least-squares slope from running sums (no pass), and the smallest and the p95 arrival offset in
 * one pass with a small heap (no copy, no selection).
 */

/**
 * A ring of the last arrivals and their running sums. Owned by one SnapshotBuffer.
 */
export class ArrivalWindow {
  private readonly ticks: Float64Array;
  private readonly arrivalsMs: Float64Array;
  /** The largest offsets of the last {@link offsets} pass, a min-heap. */
  private readonly largest: Float64Array;
  /** Arrivals recorded since the last {@link clear}. */
  private recorded = 0;
  /**
   * Sums over the window of dt and da (tick and arrival time less those of the anchor: an arrival of
   * the window, renewed every `capacity` arrivals so the terms stay small and no rounding accumulates)
   * and of dt², dt · da, kept as arrivals enter and leave.
   */
  private sumT = 0;
  private sumA = 0;
  private sumTT = 0;
  private sumTA = 0;
  private anchorTick = 0;
  private anchorMs = 0;
  /** The smallest arrival offset of the last {@link offsets} pass, in ms. */
  smallestOffsetMs = 0;

  /** @param capacity arrivals kept (the jitter window), an integer ≥ 2. */
  constructor(capacity: number) {
    this.ticks = new Float64Array(capacity);
    this.arrivalsMs = new Float64Array(capacity);
    this.largest = new Float64Array(capacity);
  }

  /** Arrivals recorded since the last {@link clear} (not bounded by the capacity). */
  get count(): number {
    return this.recorded;
  }

  /** Arrivals held: the last min(count, capacity). */
  get size(): number {
    return Math.min(this.recorded, this.ticks.length);
  }

  /** Forgets every arrival. */
  clear(): void {
    this.recorded = 0;
  }

  /** Records the arrival of `tick` at local time `arrivalMs`, dropping the oldest when full. */
  record(tick: number, arrivalMs: number): void {
    const capacity = this.ticks.length;
    const slot = this.recorded % capacity;
    if (this.recorded >= capacity) this.addToSums(this.ticks[slot]!, this.arrivalsMs[slot]!, -1);
    this.ticks[slot] = tick;
    this.arrivalsMs[slot] = arrivalMs;
    this.recorded++;
    if (slot !== 0) {
      this.addToSums(tick, arrivalMs, 1);
      return;
    }
    // Once per window: this arrival is the new anchor, and the sums start afresh.
    this.anchorTick = tick;
    this.anchorMs = arrivalMs;
    this.sumT = this.sumA = this.sumTT = this.sumTA = 0;
    for (let i = 0; i < this.size; i++) this.addToSums(this.ticks[i]!, this.arrivalsMs[i]!, 1);
  }

  /** The least-squares slope of arrival time over tick, ms per tick (NaN with fewer than two ticks). */
  slope(): number {
    const n = this.size;
    const st = this.sumT;
    const vt = this.sumTT - (st * st) / n;
    const cov = this.sumTA - (st * this.sumA) / n;
    return vt > 0 ? cov / vt : NaN;
  }

  /**
   * One pass over the arrival offsets (each arrival's time less its tick's distance from `tick` at
   * `msPerTick`): sets {@link smallestOffsetMs} and returns the `m`-th largest (1 ≤ m ≤ size), keeping
   * the `m` largest in a min-heap, so most offsets cost a comparison or two.
   */
  offsets(tick: number, msPerTick: number, m: number): number {
    const heap = this.largest;
    const arrivalsMs = this.arrivalsMs;
    const ticks = this.ticks;
    const n = this.size;
    let smallest = Infinity;
    // The heap's root (the smallest of the m largest) once it holds m: most offsets are not above it.
    let root = Infinity;
    for (let i = 0; i < n; i++) {
      const offset = arrivalsMs[i]! - (ticks[i]! - tick) * msPerTick;
      if (offset < smallest) smallest = offset;
      if (i >= m) {
        if (offset <= root) continue;
        heapDown(heap, m, offset);
      } else heapUp(heap, i, offset);
      if (i >= m - 1) root = heap[0]!;
    }
    this.smallestOffsetMs = smallest;
    return heap[0]!;
  }

  private addToSums(tick: number, arrivalMs: number, sign: number): void {
    const dt = tick - this.anchorTick;
    const da = arrivalMs - this.anchorMs;
    this.sumT += sign * dt;
    this.sumA += sign * da;
    this.sumTT += sign * dt * dt;
    this.sumTA += sign * dt * da;
  }
}

/** Adds `x` at slot `i` of the min-heap `heap[0 … i)`, moving it up to its place. */
function heapUp(heap: Float64Array, i: number, x: number): void {
  let at = i;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (heap[parent]! <= x) break;
    heap[at] = heap[parent]!;
    at = parent;
  }
  heap[at] = x;
}

/** Replaces the root of the min-heap `heap[0 … size)` with `x` (not smaller), moving it down to its place. */
function heapDown(heap: Float64Array, size: number, x: number): void {
  let at = 0;
  for (;;) {
    const left = 2 * at + 1;
    if (left >= size) break;
    const child = left + 1 < size && heap[left + 1]! < heap[left]! ? left + 1 : left;
    if (heap[child]! >= x) break;
    heap[at] = heap[child]!;
    at = child;
  }
  heap[at] = x;
}
