/** A token bucket for per-client message rate limits, driven by caller-supplied time. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  /**
   * @param ratePerSec tokens added per second (the sustained message rate)
   * @param burst bucket size (the most messages accepted back to back); starts full
   * @param nowMs the current time in ms
   */
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1))
      throw new RangeError(`TokenBucket: need rate > 0 and burst ≥ 1; got ${ratePerSec} and ${burst}`);
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes one token at time `nowMs`; false when the bucket is empty (the message is over the limit). */
  take(nowMs: number): boolean {
    const elapsed = nowMs - this.lastMs;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSec) / 1000);
      this.lastMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
