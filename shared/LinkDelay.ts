/**
 * The one model of a bad network that Tickwave simulates, used by the client's `NetworkConditioner`
 * (around any socket, in a browser too) and by the server's `MemoryTransport` (inside its links): per
 * direction, every frame is delayed by a latency plus uniform random jitter, and now and then the
 * direction stalls (nothing arrives, then everything at once: what a lost TCP segment looks like to the
 * application). Order is preserved, as on TCP: a late frame holds back the ones behind it.
 *
 *   sent:     a    b    c         d   e
 *   arrives:    a     b  |-stall-|cde        (c waited for the stall; d and e for c)
 */

/** Conditions of a simulated path. Latency and jitter apply to each direction separately. */
export interface LinkConditions {
  /** Added one-way delay, in ms (half the added round trip). Default 0. */
  readonly latencyMs?: number;
  /** One-way jitter: each frame's delay varies uniformly by ± this, in ms (never below 0). Default 0. */
  readonly jitterMs?: number;
  /** Mean time between stalls of a direction, in ms (exponentially distributed); 0 for none. Default 0. */
  readonly stallIntervalMs?: number;
  /** Length of each stall, in ms; 0 for none. Default 0. */
  readonly stallMs?: number;
}

/**
 * `conditions` with every default filled in. Throws a RangeError naming `owner` and the bad field
 * when a value is not a finite number ≥ 0.
 */
export function checkLinkConditions(owner: string, conditions: LinkConditions): Required<LinkConditions> {
  const full: Required<LinkConditions> = {
    latencyMs: conditions.latencyMs ?? 0,
    jitterMs: conditions.jitterMs ?? 0,
    stallIntervalMs: conditions.stallIntervalMs ?? 0,
    stallMs: conditions.stallMs ?? 0,
  };
  for (const [key, value] of Object.entries(full)) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`${owner}: ${key} must be a finite number ≥ 0; got ${value}`);
  }
  return full;
}

/**
 * One direction of a simulated path: tells when each frame sent on it arrives. Pure arithmetic on the
 * times it is given; the caller queues the frames and runs the timers.
 */
export class LinkDelay {
  private lastAtMs = -Infinity;
  private stallStartMs = Infinity;
  private stallEndMs = -Infinity;
  private readonly conditions: Required<LinkConditions>;

  /**
   * @param conditions the path's conditions (checked: see {@link checkLinkConditions})
   * @param random numbers in [0, 1) for jitter and stalls; may be shared with other directions, and is
   *   called once per frame plus once per stall, so a seeded one gives a reproducible run
   * @param startMs when the path opened, ms on the caller's clock (the first stall is drawn from here)
   */
  constructor(
    conditions: LinkConditions,
    private readonly random: () => number,
    startMs: number,
  ) {
    this.conditions = checkLinkConditions('LinkDelay', conditions);
    if (this.conditions.stallIntervalMs > 0 && this.conditions.stallMs > 0) this.nextStall(startMs);
  }

  /**
   * When a frame sent at `sentAtMs` arrives, ms: never before `sentAtMs`, never before the frame sent
   * before it on this direction, and never inside a stall. Call once per frame, in sending order.
   */
  arrivalMs(sentAtMs: number): number {
    const { latencyMs, jitterMs } = this.conditions;
    let at = sentAtMs + Math.max(0, latencyMs + (this.random() * 2 - 1) * jitterMs);
    at = Math.max(at, this.lastAtMs);
    while (this.stallEndMs <= at && this.stallStartMs !== Infinity) this.nextStall(this.stallEndMs);
    if (at >= this.stallStartMs) at = this.stallEndMs;
    this.lastAtMs = at;
    return at;
  }

  private nextStall(afterMs: number): void {
    const gap = -Math.log(1 - this.random()) * this.conditions.stallIntervalMs;
    this.stallStartMs = afterMs + gap;
    this.stallEndMs = this.stallStartMs + this.conditions.stallMs;
  }
}
