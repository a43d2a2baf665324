/**
 * A bad network in a box: wraps a {@link ClientSocket} and delays every frame in both directions by a
 * latency plus seeded random jitter, and now and then stalls a direction (nothing is delivered, then
 * everything at once — what a lost TCP segment looks like to the application). Order is preserved, as
 * on TCP: a late frame holds back the ones behind it. The timing model is shared/LinkDelay.ts, the same
 * one the server's MemoryTransport applies inside its links. It runs on the injected clock, so a test
 * with a fake clock is fully deterministic for a given seed.
 */
import {
  type ClientSocket,
  checkLinkConditions,
  type Clock,
  type LinkConditions,
  LinkDelay,
  seededRandom,
  type SocketFactory,
  type TimerHandle,
} from '../shared/index.ts';

/**
 * Conditions for one connection: the {@link LinkConditions} of both directions, and a seed.
 *
 * @category Client
 */
export interface ConditionerOptions extends LinkConditions {
  /** Seed of the pseudo-random generator. Default 1. */
  readonly seed?: number;
}

/**
 * Reads conditions from a page's query string: `?lag=150&jitter=30&stall=200&stallEvery=5000&seed=7`.
 * `lag` and `jitter` are round-trip figures in ms (split evenly between the directions); `stall` is a
 * stall's length and `stallEvery` the mean time between stalls, in ms. Returns null when the query
 * asks for no conditioning; ignores values that are not finite non-negative numbers.
 *
 * @category Client
 */
export function parseConditionerQuery(search: string): ConditionerOptions | null {
  const params = new Map<string, number>();
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const value = Number(decodeURIComponent(pair.slice(eq + 1)));
    if (Number.isFinite(value) && value >= 0) params.set(decodeURIComponent(pair.slice(0, eq)), value);
  }
  const lag = params.get('lag') ?? 0;
  const jitter = params.get('jitter') ?? 0;
  const stallMs = params.get('stall') ?? 0;
  if (lag === 0 && jitter === 0 && stallMs === 0) return null;
  return {
    latencyMs: lag / 2,
    jitterMs: jitter / 2,
    stallMs,
    stallIntervalMs: stallMs > 0 ? (params.get('stallEvery') ?? 5000) : 0,
    seed: params.get('seed') ?? 1,
  };
}

interface Pending {
  readonly atMs: number;
  readonly deliver: () => void;
}

/** One direction: a FIFO with delivery times from its {@link LinkDelay}, and a timer for its head. */
class Lane {
  private queue: Pending[] = [];
  private head = 0;
  private timer: TimerHandle | null = null;
  private readonly delay: LinkDelay;
  queuedBytes = 0;

  constructor(
    private readonly clock: Clock,
    conditions: LinkConditions,
    random: () => number,
  ) {
    this.delay = new LinkDelay(conditions, random, clock.now());
  }

  push(deliver: () => void, bytes: number): void {
    const atMs = this.delay.arrivalMs(this.clock.now());
    this.queuedBytes += bytes;
    this.queue.push({
      atMs,
      deliver: () => {
        this.queuedBytes -= bytes;
        deliver();
      },
    });
    if (this.timer === null) this.arm();
  }

  clear(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private arm(): void {
    const next = this.queue[this.head];
    if (next === undefined) return;
    this.timer = this.clock.schedule(() => this.fire(), Math.max(0, next.atMs - this.clock.now()));
  }

  private fire(): void {
    this.timer = null;
    const now = this.clock.now();
    while (this.head < this.queue.length && this.queue[this.head]!.atMs <= now) {
      const p = this.queue[this.head++]!;
      p.deliver();
      // A delivery may have cleared the lane (the socket closed).
      if (this.queue.length === 0) return;
    }
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.timer === null) this.arm();
  }
}

/**
 * A ClientSocket with latency, jitter and stalls in front of another one. Owns the inner socket:
 * closing this closes it.
 *
 * @category Client
 */
export class NetworkConditioner implements ClientSocket {
  onopen: (() => void) | null = null;
  onmessage: ((data: Uint8Array) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;
  private readonly up: Lane;
  private readonly down: Lane;
  private closedByUser = false;
  private closed = false;

  /**
   * Wraps every socket a factory opens. Each connection gets its own generator, seeded from
   * `options.seed` and the connection's number, so reconnections do not replay the same delays.
   */
  static factory(inner: SocketFactory, options: ConditionerOptions, clock: Clock): SocketFactory {
    let connections = 0;
    return (url, protocol) =>
      new NetworkConditioner(
        inner(url, protocol),
        { ...options, seed: (options.seed ?? 1) + 7919 * connections++ },
        clock,
      );
  }

  /**
   * @param inner the real socket, owned by the conditioner from now on
   * @param options the conditions; throws a RangeError naming a value that is not a finite number ≥ 0
   * @param clock time and timers for the delays (the page's `systemClock`, or a test's fake clock)
   */
  constructor(
    private readonly inner: ClientSocket,
    options: ConditionerOptions,
    clock: Clock,
  ) {
    const conditions = checkLinkConditions('NetworkConditioner', options);
    const seed = options.seed ?? 1;
    if (!(Number.isFinite(seed) && seed >= 0))
      throw new RangeError(`NetworkConditioner: seed must be a finite number ≥ 0; got ${seed}`);
    const random = seededRandom(seed);
    this.up = new Lane(clock, conditions, random);
    this.down = new Lane(clock, conditions, random);
    inner.onopen = () => this.down.push(() => this.onopen?.(), 0);
    inner.onmessage = (data) => this.down.push(() => this.onmessage?.(data), data.byteLength);
    inner.onclose = (code, reason) => {
      this.up.clear();
      if (this.closedByUser) this.finish(code, reason);
      else this.down.push(() => this.finish(code, reason), 0);
    };
  }

  /** Queues a copy of `data` for delivery after the conditioned delay. */
  send(data: Uint8Array): void {
    if (this.closed || this.closedByUser) return;
    const copy = data.slice();
    this.up.push(() => this.inner.send(copy), copy.byteLength);
  }

  /** Closes at once (queued frames in both directions are dropped), like a local socket close. */
  close(code?: number, reason?: string): void {
    if (this.closedByUser || this.closed) return;
    this.closedByUser = true;
    this.up.clear();
    this.down.clear();
    this.inner.close(code, reason);
  }

  /** Bytes queued in the conditioner plus the inner socket's buffered bytes. */
  get bufferedAmount(): number {
    return this.up.queuedBytes + this.inner.bufferedAmount;
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.down.clear();
    this.onclose?.(code, reason);
  }
}
