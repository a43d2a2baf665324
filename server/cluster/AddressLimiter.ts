/**
 * Per-address request limits for `POST /matchmake`: one token bucket per peer address, so one abusive
 * peer is refused (429) while every other keeps joining. At most {@link MAX_LIMITED_ADDRESSES} buckets
 * are kept; past that the table starts again (a flood of spoofed addresses cannot grow memory).
 */
import { TokenBucket } from '../TokenBucket.ts';

/** Most addresses tracked at once. */
export const MAX_LIMITED_ADDRESSES = 10_000;

/** Token buckets by peer address; time comes from the caller. */
export class AddressLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** `ratePerSec` sustained requests per address, `burst` back to back. */
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {}

  /** Takes one request of `address` at `nowMs`; false when that address is over its limit. */
  take(address: string, nowMs: number): boolean {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_LIMITED_ADDRESSES) this.buckets.clear();
      bucket = new TokenBucket(this.ratePerSec, this.burst, nowMs);
      this.buckets.set(address, bucket);
    }
    return bucket.take(nowMs);
  }
}
