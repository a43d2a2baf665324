/**
 * An in-process Transport with injectable latency, jitter and stalls. Frames are copied and queued per
 * direction; one pump timer on the injected clock delivers whatever is due, so tests and benchmarks
 * run the whole engine without sockets and, with a manual clock, without real timers. Per link,
 * frames arrive in order (a later frame never overtakes an earlier one, whatever the jitter). Each
 * direction of a link times its frames with shared/LinkDelay.ts, the one network model that the
 * client's NetworkConditioner applies around any socket too. A client that stops reading (`stall`,
 * `pauseReading`) is another thing: its frames queue at the server end, whose bufferedAmount grows.
 */
import {
  type ClientSocket,
  type Clock,
  checkLinkConditions,
  type LinkConditions,
  LinkDelay,
  seededRandom,
  systemClock,
  type TimerHandle,
} from '../../shared/index.ts';
import { closeReason } from './closeReason.ts';
import type { Connection, Listening, SendStatus, Transport, TransportHandlers, UpgradeRequest } from './Transport.ts';

/** Default most bytes queued toward one client before `send` reports `dropped` (like uWS maxBackpressure). */
export const DEFAULT_MEMORY_MAX_BACKPRESSURE_BYTES = 1024 * 1024;
/** The WebSocket close code a peer sees for an abnormal close (no close frame). */
const ABNORMAL_CLOSE = 1006;

/**
 * Options of a {@link MemoryTransport}. The {@link LinkConditions} (latency, ± jitter, stalls; all 0 by
 * default) apply to each direction of every link.
 */
export interface MemoryTransportOptions extends LinkConditions {
  /** Time and timers for delivery. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Random numbers in [0, 1) for jitter and stalls, shared by every link; seed it for reproducible runs.
   * Default: a fixed-seed generator.
   */
  readonly random?: () => number;
  /**
   * Most bytes queued toward one client before sends are dropped. Default
   * {@link DEFAULT_MEMORY_MAX_BACKPRESSURE_BYTES}.
   */
  readonly maxBackpressureBytes?: number;
}

/** What a memory client presents in its upgrade request. */
export interface MemoryConnectOptions {
  /** The Origin header. Default ''. */
  readonly origin?: string;
  /** Offered subprotocols. Default `['tickwave.v1']`. */
  readonly protocols?: readonly string[];
  /** Other request headers (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request path. Default '/'. */
  readonly url?: string;
}

type Event =
  | { at: number; kind: 'open' }
  | { at: number; kind: 'message'; bytes: Uint8Array }
  | { at: number; kind: 'close'; code: number; reason: string };

/** An in-memory Transport; see the module comment. Create one per test or benchmark. */
export class MemoryTransport implements Transport {
  private readonly clock: Clock;
  private readonly conditions: Required<LinkConditions>;
  private readonly random: () => number;
  /** @internal read by links */
  readonly maxBackpressureBytes: number;
  private handlers: TransportHandlers | null = null;
  private accepting = false;
  private readonly links = new Set<MemoryLink>();
  private pumpTimer: TimerHandle | null = null;
  private pumpAtMs = Infinity;

  /** Validates the options; throws a RangeError naming a delay that is not a finite number ≥ 0. */
  constructor(options: MemoryTransportOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.conditions = checkLinkConditions('MemoryTransport', options);
    this.random = options.random ?? seededRandom(1);
    this.maxBackpressureBytes = options.maxBackpressureBytes ?? DEFAULT_MEMORY_MAX_BACKPRESSURE_BYTES;
  }

  /** Starts accepting `connect()` calls. The port is ignored and reported as 0. */
  listen(_port: number, _host: string, handlers: TransportHandlers): Promise<Listening> {
    if (this.handlers !== null)
      return Promise.reject(new Error('MemoryTransport: already listening; create another transport'));
    this.handlers = handlers;
    this.accepting = true;
    return Promise.resolve({ port: 0 });
  }

  /** Refuses further `connect()` calls (they close with 1006). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /**
   * Stops accepting and cuts every link still open (both ends see 1006). Links the server already
   * closed still deliver their queued frames and the close, as a socket flushes before its close frame.
   */
  close(): Promise<void> {
    this.accepting = false;
    for (const link of [...this.links]) if (link.serverOpen) link.cut();
    return Promise.resolve();
  }

  /**
   * Opens a client connection, like `new WebSocket(url, protocols)`: the returned socket's `onopen`
   * fires once the server accepted it, or `onclose(1006, 'HTTP <status>')` if it was rejected.
   */
  connect(options: MemoryConnectOptions = {}): MemoryClientSocket {
    const link = new MemoryLink(this);
    const request: UpgradeRequest = {
      url: options.url ?? '/',
      query: '',
      origin: options.origin ?? '',
      protocols: options.protocols ?? ['tickwave.v1'],
      headers: { ...(options.headers ?? {}), ...(options.origin !== undefined ? { origin: options.origin } : {}) },
      remoteAddress: 'memory',
    };
    const handlers = this.handlers;
    if (handlers === null || !this.accepting) {
      link.reject(0);
      return link.client;
    }
    let decision: ReturnType<TransportHandlers['upgrade']>;
    try {
      decision = handlers.upgrade(request);
    } catch {
      decision = { ok: false as const, status: 500, reason: 'upgrade handler failed' };
    }
    void Promise.resolve(decision).then((d) => {
      if (!this.accepting || link.client.closedByClient) return link.reject(d.ok ? 0 : d.status);
      if (!d.ok) return link.reject(d.status);
      link.accept(d.userData);
    });
    return link.client;
  }

  /** Number of open links (for tests). */
  get connectionCount(): number {
    return this.links.size;
  }

  /** @internal */
  handlersOrNull(): TransportHandlers | null {
    return this.handlers;
  }

  /** @internal */
  addLink(link: MemoryLink): void {
    this.links.add(link);
  }

  /** @internal */
  removeLink(link: MemoryLink): void {
    this.links.delete(link);
  }

  /** @internal the timing of one direction of a new link. */
  newDelay(): LinkDelay {
    return new LinkDelay(this.conditions, this.random, this.clock.now());
  }

  /** @internal */
  nowMs(): number {
    return this.clock.now();
  }

  /** @internal schedules a delivery pass at `atMs` (or sooner if one is already due earlier). */
  wantPump(atMs: number): void {
    if (atMs >= this.pumpAtMs) return;
    if (this.pumpTimer !== null) this.clock.cancel(this.pumpTimer);
    this.pumpAtMs = atMs;
    this.pumpTimer = this.clock.schedule(() => this.pump(), Math.max(0, atMs - this.clock.now()));
  }

  private pump(): void {
    this.pumpTimer = null;
    this.pumpAtMs = Infinity;
    const now = this.clock.now();
    let nextMs = Infinity;
    for (const link of [...this.links]) nextMs = Math.min(nextMs, link.deliver(now));
    if (nextMs < Infinity) this.wantPump(nextMs);
  }
}

/** One connection's two ends and the frames in flight between them. */
class MemoryLink {
  readonly client: MemoryClientSocket;
  readonly server: MemoryConnection;
  toClient: Event[] = [];
  toServer: Event[] = [];
  toClientBytes = 0;
  toServerBytes = 0;
  readonly toClientDelay: LinkDelay;
  readonly toServerDelay: LinkDelay;
  pausedUntilMs = 0;
  paused = false;
  serverOpen = false;
  clientClosed = false;

  constructor(readonly transport: MemoryTransport) {
    this.client = new MemoryClientSocket(this);
    this.server = new MemoryConnection(this);
    // Upward first, as a NetworkConditioner does: the same random numbers give the same delays.
    this.toServerDelay = transport.newDelay();
    this.toClientDelay = transport.newDelay();
  }

  /** When a frame sent toward the client now arrives. */
  toClientAt(): number {
    return this.toClientDelay.arrivalMs(this.transport.nowMs());
  }

  /** When a frame sent toward the server now arrives. */
  toServerAt(): number {
    return this.toServerDelay.arrivalMs(this.transport.nowMs());
  }

  reject(status: number): void {
    this.clientClosed = true;
    const reason = status === 0 ? 'connection refused' : `HTTP ${status}`;
    this.client.rejectedStatus = status;
    this.transport.addLink(this);
    this.pushToClient({
      at: this.toClientAt(),
      kind: 'close',
      code: ABNORMAL_CLOSE,
      reason,
    });
  }

  accept(userData: unknown): void {
    const handlers = this.transport.handlersOrNull();
    if (handlers === null) return this.reject(0);
    this.server.userData = userData;
    this.serverOpen = true;
    this.transport.addLink(this);
    this.pushToClient({ at: this.toClientAt(), kind: 'open' });
    handlers.open(this.server);
  }

  pushToClient(event: Event): void {
    this.toClient.push(event);
    if (event.kind === 'message') this.toClientBytes += event.bytes.byteLength;
    this.transport.wantPump(event.at);
  }

  pushToServer(event: Event): void {
    this.toServer.push(event);
    if (event.kind === 'message') this.toServerBytes += event.bytes.byteLength;
    this.transport.wantPump(event.at);
  }

  /**
   * Server side closes: report it to the engine at once (as uWS does), then tell the client after the queued frames.
   */
  closeFromServer(code: number, reason: string): void {
    if (!this.serverOpen) return;
    this.serverOpen = false;
    this.toServer = [];
    this.toServerBytes = 0;
    this.pushToClient({ at: this.toClientAt(), kind: 'close', code, reason });
    this.transport.handlersOrNull()?.close(this.server, code, reason);
  }

  /** Both ends see an abnormal close now; nothing queued is delivered. */
  cut(): void {
    const wasOpen = this.serverOpen;
    this.serverOpen = false;
    this.toClient = [];
    this.toServer = [];
    this.toClientBytes = 0;
    this.toServerBytes = 0;
    this.transport.removeLink(this);
    if (wasOpen) this.transport.handlersOrNull()?.close(this.server, ABNORMAL_CLOSE, '');
    this.client.finish(ABNORMAL_CLOSE, '');
  }

  /** Delivers due events both ways; returns when the next one is due (Infinity for none). */
  deliver(now: number): number {
    const handlers = this.transport.handlersOrNull();
    while (this.toServer.length > 0 && this.toServer[0]!.at <= now) {
      const e = this.toServer.shift()!;
      if (e.kind === 'message') {
        this.toServerBytes -= e.bytes.byteLength;
        if (this.serverOpen) handlers?.message(this.server, e.bytes, true);
      } else if (e.kind === 'close' && this.serverOpen) {
        this.serverOpen = false;
        this.toServer = [];
        this.toServerBytes = 0;
        handlers?.close(this.server, e.code, e.reason);
        this.pushToClient({
          at: this.toClientAt(),
          kind: 'close',
          code: e.code,
          reason: e.reason,
        });
      }
    }
    const reading = !this.paused && now >= this.pausedUntilMs;
    while (reading && this.toClient.length > 0 && this.toClient[0]!.at <= now) {
      const e = this.toClient.shift()!;
      if (e.kind === 'message') {
        this.toClientBytes -= e.bytes.byteLength;
        this.client.receive(e.bytes);
      } else if (e.kind === 'open') this.client.opened();
      else {
        this.toClient = [];
        this.toClientBytes = 0;
        this.transport.removeLink(this);
        this.client.finish(e.code, e.reason);
      }
    }
    let next = Infinity;
    if (this.toServer.length > 0) next = this.toServer[0]!.at;
    if (this.toClient.length > 0 && !this.paused)
      next = Math.min(next, Math.max(this.toClient[0]!.at, this.pausedUntilMs));
    return next;
  }
}

/** The server's end of a memory link. */
class MemoryConnection implements Connection {
  userData: unknown = undefined;
  readonly remoteAddress = 'memory';

  constructor(private readonly link: MemoryLink) {}

  get bufferedAmount(): number {
    return this.link.serverOpen ? this.link.toClientBytes : 0;
  }

  send(bytes: Uint8Array): SendStatus {
    const link = this.link;
    if (!link.serverOpen) return 'dropped';
    if (link.toClientBytes + bytes.byteLength > link.transport.maxBackpressureBytes) return 'dropped';
    link.pushToClient({ at: link.toClientAt(), kind: 'message', bytes: bytes.slice() });
    return link.paused || link.pausedUntilMs > link.transport.nowMs() ? 'backpressure' : 'sent';
  }

  close(code: number, reason: string): void {
    this.link.closeFromServer(code, closeReason(reason));
  }
}

/**
 * The client's end of a memory link: a {@link ClientSocket}, plus controls to simulate a client that
 * stops reading (`pauseReading`, `stall`).
 */
export class MemoryClientSocket implements ClientSocket {
  /** Called once when the connection is open. */
  onopen: (() => void) | null = null;
  /** Called with each received frame (a fresh copy, owned by the handler). */
  onmessage: ((data: Uint8Array) => void) | null = null;
  /** Called once when the connection closed, with the code and reason (1006 if abnormal or rejected). */
  onclose: ((code: number, reason: string) => void) | null = null;
  /** The HTTP status of a rejected upgrade (0 when refused outright), or -1 if not rejected. */
  rejectedStatus = -1;
  /** @internal */
  closedByClient = false;
  private isOpen = false;
  private finished = false;

  /** @internal */
  constructor(private readonly link: MemoryLink) {}

  /** True between `onopen` and `onclose`. */
  get open(): boolean {
    return this.isOpen;
  }

  /** Bytes sent by this end and not yet delivered to the server. */
  get bufferedAmount(): number {
    return this.link.toServerBytes;
  }

  /** Sends one frame (copied). Ignored unless open. */
  send(data: Uint8Array): void {
    if (!this.isOpen || this.closedByClient) return;
    this.link.pushToServer({
      at: this.link.toServerAt(),
      kind: 'message',
      bytes: data.slice(),
    });
  }

  /** Starts a clean close; `onclose` fires when the server has seen it. Idempotent. */
  close(code = 1000, reason = ''): void {
    if (this.closedByClient || this.finished) return;
    this.closedByClient = true;
    if (!this.isOpen) return;
    this.link.pushToServer({
      at: this.link.toServerAt(),
      kind: 'close',
      code,
      reason: closeReason(reason),
    });
  }

  /** Stops reading frames until `resumeReading()`: they queue at the server end (its bufferedAmount grows). */
  pauseReading(): void {
    this.link.paused = true;
  }

  /** Resumes reading after `pauseReading()`; queued frames are delivered in order. */
  resumeReading(): void {
    this.link.paused = false;
    this.link.transport.wantPump(this.link.transport.nowMs());
  }

  /** Stops reading for `durationMs` of the transport's clock. */
  stall(durationMs: number): void {
    const until = this.link.transport.nowMs() + durationMs;
    this.link.pausedUntilMs = Math.max(this.link.pausedUntilMs, until);
    this.link.transport.wantPump(until);
  }

  /** @internal */
  opened(): void {
    if (this.finished) return;
    this.isOpen = true;
    this.onopen?.();
  }

  /** @internal */
  receive(bytes: Uint8Array): void {
    if (this.isOpen) this.onmessage?.(bytes);
  }

  /** @internal */
  finish(code: number, reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.isOpen = false;
    this.onclose?.(code, reason);
  }
}
