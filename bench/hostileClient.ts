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
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const sockets: BenchSocket[] = [];
  const client = new TickwaveClient(testSchema, {
    url: 'bench://hostile',
    socketFactory: () => {
      const socket = new BenchSocket();
      sockets.push(socket);
      return socket;
    },
    now: () => now,
    schedule: (fn, delayMs) => {
      const timer = { at: now + delayMs, fn };
      timers.push(timer);
      return timer;
    },
    cancel: (handle) => {
      const i = timers.indexOf(handle as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
    reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: Number.MAX_SAFE_INTEGER, random: seededRandom(seed) },
  });
  let crashes = 0;
  let badSnapshots = 0;
  let errorsReported = 0;
  client.onError(() => errorsReported++);
  client.onSnapshot((snap) => {
    try {
      checkWellFormed(snap);
    } catch {
      badSnapshots++;
    }
  });
  /** Calls a socket callback the way an event loop would: a throw out of it is a crash. */
  const dispatch = (fn: () => void): void => {
    try {
      fn();
    } catch {
      crashes++;
    }
  };
  /** Runs due timers (the client's reconnection and ping timers) up to `now + ms`. */
  const advance = (ms: number): void => {
    now += ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      timers.splice(timers.indexOf(due), 1);
      dispatch(due.fn);
    }
  };
  const codec = new SnapshotCodec(testSchema);
  const arb = hostileServerFrameArb(codec.encode(null, hostileClientWorld(1)).bytes.slice());
  let batch: HostileServerFrame[] = [];
  let batchSeed = seed;
  let sent = 0;
  let tick = 10;
  /** Opens the next connection: the client's socket, its Hello answered by a Welcome and a full snapshot. */
  const join = (): { socket: BenchSocket; world: Snapshot } => {
    while (sockets.length === 0 || sockets.at(-1)!.closedWith !== null || !sockets.at(-1)!.helloSeen) {
      if (sockets.length > 0 && sockets.at(-1)!.onopen !== null && !sockets.at(-1)!.helloSeen) {
        const opening = sockets.at(-1)!;
        dispatch(() => opening.onopen?.());
        continue;
      }
      advance(1);
    }
    const socket = sockets.at(-1)!;
    tick += 5;
    const world = hostileClientWorld(tick);
    const welcome = encodeMessage({
      kind: MsgKind.Welcome,
      clientId: 1,
      tickRateHz: 30,
      serverTick: tick,
      resumeToken: 't',
      roomId: 'hostile',
      entityId: -1,
    });
    const full = encodeMessage({
      kind: MsgKind.Snapshot,
      tick,
      baseTick: -1,
      lastInputSeq: -1,
      body: codec.encode(null, world).bytes,
    });
    dispatch(() => socket.onmessage?.(welcome));
    dispatch(() => socket.onmessage?.(full));
    return { socket, world };
  };
  client.connect();
  while (sent < frames) {
    const { socket } = join();
    while (socket.closedWith === null && sent < frames) {
      if (batch.length === 0) batch = fc.sample(arb, { seed: batchSeed++, numRuns: BATCH });
      const frame = batch.pop()!;
      const bytes =
        typeof frame === 'string'
          ? new Uint8Array(0) // a text frame: the socket adapters pass it on as bytes that do not decode
          : frame instanceof Uint8Array
            ? frame
            : encodeMessage({
                kind: frame.kind,
                tick: tick + 1,
                baseTick: frame.base < 0 ? -1 : tick - frame.base,
                lastInputSeq: -1,
                body: frame.body,
              });
      dispatch(() => socket.onmessage?.(bytes));
      sent++;
      if (sent % 50_000 === 0) progress(`hostile client: ${sent} frames, ${sockets.length} connections`);
    }
    // The server side ends this connection whether or not the client dropped it.
    if (socket.closedWith === null) {
      socket.endedByServer = true;
      socket.close(1006);
    }
    dispatch(() => socket.onclose?.(socket.closedWith ?? 1006, ''));
  }
  const { world: last } = join();
  const exact = client.latestSnapshot !== null && sameWorld(client.latestSnapshot, last);
  const closeCodes: Record<string, number> = {};
  for (const s of sockets) {
    const key = s.endedByServer ? 'kept' : s.closedWith === null ? 'open' : String(s.closedWith);
    closeCodes[key] = (closeCodes[key] ?? 0) + 1;
  }
  client.close();
  return {
    framesSent: sent,
    connections: sockets.length,
    crashes,
    badSnapshots,
    closeCodes,
    errorsReported,
    exact,
    durationMs: Math.round(performance.now() - started),
  };
}
