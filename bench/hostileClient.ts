/**
 * `npm run bench -- hostile --side client`: the real TickwaveClient against a hostile server, in one
 * process and on a simulated clock, so hundreds of thousands of frames take seconds. Each connection
 * gets a valid Welcome and full snapshot, then hostile frames (hostile values and envelopes, valid
 * envelopes around hostile bodies, text frames) until the client drops it; the client reconnects and
 * resumes. At the end a last connection sends a valid world, which the client must hold exactly.
 * A throw out of any socket callback counts as a crash.
 */
import fc from 'fast-check';
import { TickwaveClient } from '../client/index.ts';
import {
  type ClientSocket,
  decodeClientMessage,
  encodeMessage,
  MsgKind,
  seededRandom,
  type Snapshot,
  SnapshotCodec,
} from '../shared/index.ts';
import {
  checkWellFormed,
  type HostileServerFrame,
  hostileClientWorld,
  hostileServerFrameArb,
} from '../test/helpers/hostileValues.ts';
import { sameWorld, testSchema } from '../test/helpers/serverFixture.ts';

/** Frames drawn from the arbitrary at a time (drawing one by one costs more than the client's work). */
const BATCH = 2000;

/** Figures of a client-side run. */
export interface HostileClientResult {
  readonly framesSent: number;
  readonly connections: number;
  /** Throws that escaped a socket callback into the (simulated) event loop: must be 0. */
  readonly crashes: number;
  /** Snapshots the client reported that were not well formed: must be 0. */
  readonly badSnapshots: number;
  /** Close codes the client dropped hostile connections with ('kept': the bench ended it, 'open': the last). */
  readonly closeCodes: Record<string, number>;
  /** Errors the client reported through onError. */
  readonly errorsReported: number;
  /** The client held exactly the last valid world at the end. */
  readonly exact: boolean;
  readonly durationMs: number;
}

/** A socket the bench plays the server of; it records how the client closed it. */
class BenchSocket implements ClientSocket {
  onopen: (() => void) | null = null;
  onmessage: ((data: Uint8Array) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;
  readonly bufferedAmount = 0;
  closedWith: number | null = null;
  /** True when the bench ended the connection because the client kept it open (every frame acceptable). */
  endedByServer = false;
  helloSeen = false;
  send(data: Uint8Array): void {
    const msg = decodeClientMessage(data);
    if (msg.ok && msg.value.kind === MsgKind.Hello) this.helloSeen = true;
  }
  close(code?: number): void {
    this.closedWith ??= code ?? 1005;
  }
}

/** Runs `frames` hostile frames at one client; `progress` gets a line every 50,000 frames. */
export function runHostileClient(frames: number, seed: number, progress: (line: string) => void): HostileClientResult {
  const started = performance.now();
  const bench = new HostileClientBench(seed);
  bench.client.connect();
  while (bench.sent < frames) {
    const { socket } = bench.join();
    bench.attack(socket, frames, progress);
    // The server side ends this connection whether or not the client dropped it.
    if (socket.closedWith === null) {
      socket.endedByServer = true;
      socket.close(1006);
    }
    bench.dispatch(() => socket.onclose?.(socket.closedWith ?? 1006, ''));
  }
  const { world: last } = bench.join();
  const client = bench.client;
  const exact = client.latestSnapshot !== null && sameWorld(client.latestSnapshot, last);
  const closeCodes = bench.closeCodes();
  client.close();
  return {
    framesSent: bench.sent,
    connections: bench.sockets.length,
    crashes: bench.crashes,
    badSnapshots: bench.badSnapshots,
    closeCodes,
    errorsReported: bench.errorsReported,
    exact,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * The client under attack, the sockets the bench plays the server of, and the simulated clock the
 * client's timers run on. One per run.
 */
class HostileClientBench {
  /** The client under attack. */
  readonly client: TickwaveClient<typeof testSchema>;
  /** Every socket the client opened, in order. */
  readonly sockets: BenchSocket[] = [];
  /** Hostile frames sent so far. */
  sent = 0;
  /** Throws out of a socket callback or timer. */
  crashes = 0;
  /** Snapshots reported to the game that were not well formed. */
  badSnapshots = 0;
  /** Errors the client reported through onError. */
  errorsReported = 0;
  private now = 0;
  private readonly timers: { at: number; fn: () => void }[] = [];
  private readonly codec = new SnapshotCodec(testSchema);
  private readonly arb: fc.Arbitrary<HostileServerFrame>;
  private batch: HostileServerFrame[] = [];
  private batchSeed: number;
  private tick = 10;

  /** A client on the simulated clock whose reconnection jitter and hostile frames come from `seed`. */
  constructor(seed: number) {
    this.batchSeed = seed;
    this.arb = hostileServerFrameArb(this.codec.encode(null, hostileClientWorld(1)).bytes.slice());
    const timers = this.timers;
    this.client = new TickwaveClient(testSchema, {
      url: 'bench://hostile',
      socketFactory: () => {
        const socket = new BenchSocket();
        this.sockets.push(socket);
        return socket;
      },
      now: () => this.now,
      schedule: (fn, delayMs) => {
        const timer = { at: this.now + delayMs, fn };
        timers.push(timer);
        return timer;
      },
      cancel: (handle) => {
        const i = timers.indexOf(handle as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
      reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: Number.MAX_SAFE_INTEGER, random: seededRandom(seed) },
    });
    this.client.onError(() => this.errorsReported++);
    this.client.onSnapshot((snap) => {
      try {
        checkWellFormed(snap);
      } catch {
        this.badSnapshots++;
      }
    });
  }

  /** Calls a socket callback the way an event loop would: a throw out of it is a crash. */
  dispatch(fn: () => void): void {
    try {
      fn();
    } catch {
      this.crashes++;
    }
  }

  /** Opens the next connection: the client's socket, its Hello answered by a Welcome and a full snapshot. */
  join(): { socket: BenchSocket; world: Snapshot } {
    const sockets = this.sockets;
    while (sockets.length === 0 || sockets.at(-1)!.closedWith !== null || !sockets.at(-1)!.helloSeen) {
      if (sockets.length > 0 && sockets.at(-1)!.onopen !== null && !sockets.at(-1)!.helloSeen) {
        const opening = sockets.at(-1)!;
        this.dispatch(() => opening.onopen?.());
        continue;
      }
      this.advance(1);
    }
    const socket = sockets.at(-1)!;
    this.tick += 5;
    const tick = this.tick;
    const world = hostileClientWorld(tick);
    const welcome = encodeMessage({
      kind: MsgKind.Welcome,
      clientId: 1,
      tickRateHz: 30,
      serverTick: tick,
      resumeToken: 't',
      roomId: 'hostile',
      entityId: -1,
      snapshotRateHz: 30,
    });
    const full = encodeMessage({
      kind: MsgKind.Snapshot,
      tick,
      baseTick: -1,
      lastInputSeq: -1,
      body: this.codec.encode(null, world).bytes,
    });
    this.dispatch(() => socket.onmessage?.(welcome));
    this.dispatch(() => socket.onmessage?.(full));
    return { socket, world };
  }

  /** Sends hostile frames on `socket` until the client drops it or `frames` are sent in all. */
  attack(socket: BenchSocket, frames: number, progress: (line: string) => void): void {
    while (socket.closedWith === null && this.sent < frames) {
      const bytes = this.frameBytes(this.nextFrame());
      this.dispatch(() => socket.onmessage?.(bytes));
      this.sent++;
      if (this.sent % 50_000 === 0) progress(`hostile client: ${this.sent} frames, ${this.sockets.length} connections`);
    }
  }

  /** How each connection ended, counted ('kept': the bench ended it, 'open': the last). */
  closeCodes(): Record<string, number> {
    const closeCodes: Record<string, number> = {};
    for (const s of this.sockets) {
      const key = s.endedByServer ? 'kept' : s.closedWith === null ? 'open' : String(s.closedWith);
      closeCodes[key] = (closeCodes[key] ?? 0) + 1;
    }
    return closeCodes;
  }

  /** Runs due timers (the client's reconnection and ping timers) up to `now + ms`. */
  private advance(ms: number): void {
    this.now += ms;
    const timers = this.timers;
    for (;;) {
      const due = timers.filter((t) => t.at <= this.now).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      timers.splice(timers.indexOf(due), 1);
      this.dispatch(due.fn);
    }
  }

  private nextFrame(): HostileServerFrame {
    if (this.batch.length === 0) this.batch = fc.sample(this.arb, { seed: this.batchSeed++, numRuns: BATCH });
    return this.batch.pop()!;
  }

  /** The bytes of `frame`: as drawn, or a snapshot envelope around a hostile body at the current tick. */
  private frameBytes(frame: HostileServerFrame): Uint8Array {
    const tick = this.tick;
    // A text frame: the socket adapters pass it on as bytes that do not decode.
    if (typeof frame === 'string') return new Uint8Array(0);
    if (frame instanceof Uint8Array) return frame;
    return encodeMessage({
      kind: frame.kind,
      tick: tick + 1,
      baseTick: frame.base < 0 ? -1 : tick - frame.base,
      lastInputSeq: -1,
      body: frame.body,
    });
  }
}
