/**
 * A fixed-bucket histogram of durations in ms, cheap to fill on a hot path and to merge across
 * processes: bucket i counts values in [i·resolutionMs, (i+1)·resolutionMs); the last bucket holds
 * everything above the range. Deltas travel between processes as sparse [bucket, count] pairs.
 */

/** Default bucket width, ms. */
export const DEFAULT_RESOLUTION_MS = 0.05;
/** Default top of the range, ms; larger values land in the overflow bucket. */
export const DEFAULT_RANGE_MS = 2000;

/** Sparse histogram counts: [bucket index, count] pairs. */
export type SparseCounts = readonly (readonly [number, number])[];

/** A histogram of durations in ms. Not thread-safe; one per process and purpose. */
export class Histogram {
  /** Bucket width, ms. */
  readonly resolutionMs: number;
  private readonly counts: Float64Array;
  private total = 0;

  /** @param resolutionMs bucket width; @param rangeMs top of the range (values above go to the overflow bucket) */
  constructor(resolutionMs = DEFAULT_RESOLUTION_MS, rangeMs = DEFAULT_RANGE_MS) {
    if (!(resolutionMs > 0) || !(rangeMs > resolutionMs))
      throw new RangeError(`Histogram: need 0 < resolutionMs < rangeMs; got ${resolutionMs}, ${rangeMs}`);
    this.resolutionMs = resolutionMs;
    this.counts = new Float64Array(Math.ceil(rangeMs / resolutionMs) + 1);
  }

  /** Number of values recorded. */
  get count(): number {
    return this.total;
  }

  /** Records one value in ms (negative values count as 0). */
  record(valueMs: number): void {
    const i = Math.min(this.counts.length - 1, Math.max(0, Math.floor(valueMs / this.resolutionMs)));
    this.counts[i]!++;
    this.total++;
  }

  /** Adds sparse counts (from another histogram of the same resolution). */
  add(sparse: SparseCounts): void {
    for (const [i, n] of sparse) {
      if (i < 0 || i >= this.counts.length) continue;
      this.counts[i]! += n;
      this.total += n;
    }
  }

  /** The non-zero buckets as sparse pairs. */
  sparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] !== 0) out.push([i, this.counts[i]!]);
    return out;
  }

  /** The non-zero buckets as sparse pairs, then empties the histogram. */
  drain(): [number, number][] {
    const out = this.sparse();
    this.clear();
    return out;
  }

  /** Empties the histogram. */
  clear(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  /** The `p`-th percentile (0–100) in ms, at the middle of its bucket; NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (i + 0.5) * this.resolutionMs;
    }
    return (this.counts.length - 0.5) * this.resolutionMs;
  }
}
