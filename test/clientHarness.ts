/**
 * Test fixtures for the client: a fake clock with timers, an in-memory socket pair, and a small
 * authoritative server that speaks the real protocol with the shared codec and the same step function
 * the client predicts with. Everything runs on the fake clock, so a simulation is deterministic.
 */
import {
  checkInputValues,
  type ClientSocket,
  CloseCode,
  decodeClientMessage,
  defineSchema,
  encodeMessage,
  type EntityInput,
  type EntityOf,
  type InputOf,
  MsgKind,
  PROTOCOL_VERSION,
  quantizeWorld,
  type Snapshot,
  SnapshotCodec,
  type SocketFactory,
  t,
} from '../shared/index.ts';
import { NetworkConditioner, type ConditionerOptions } from '../client/NetworkConditioner.ts';
import type { Timers } from '../client/timing.ts';

export const schema = defineSchema({
  entities: {
    player: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1000, step: 0.01 }),
      aim: t.angle({ steps: 4096 }),
      hp: t.uint(8),
      name: t.string({ maxBytes: 16 }),
    },
    bot: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1000, step: 0.01 }),
      heading: t.angle({ steps: 1024 }),
      mode: t.enum(['roam', 'chase']),
    },
  },
  input: {
    dx: t.float({ min: -1, max: 1, step: 1 / 128 }),
    dy: t.float({ min: -1, max: 1, step: 1 / 128 }),
    aim: t.angle({ steps: 1024 }),
  },
});
export type TestSchema = typeof schema;

/** Player speed in units per second. */
export const PLAYER_SPEED = 200;
/** Bot speed along x in units per second. */
export const BOT_SPEED = 30;
/** Bot turn rate in radians per tick (crosses 2π regularly, to exercise angle wrapping). */
export const BOT_TURN = 0.05;

/** The shared step function: the server runs it for each input, the client predicts with it. */
export function apply(state: EntityOf<TestSchema, 'player'>, input: InputOf<TestSchema>, dtSec: number): void {
  state.x = Math.min(1000, Math.max(0, state.x + input.dx * PLAYER_SPEED * dtSec));
  state.y = Math.min(1000, Math.max(0, state.y + input.dy * PLAYER_SPEED * dtSec));
  state.aim = input.aim;
}

/** A fake monotonic clock with timers: nothing happens until the test advances it. */
export class FakeClock implements Timers {
  private nowMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { atMs: number; seq: number; fn: () => void }>();
  private seq = 0;

  constructor(startMs = 1000) {
    this.nowMs = startMs;
  }

  readonly now = (): number => this.nowMs;

  readonly schedule = (fn: () => void, delayMs: number): unknown => {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.nowMs + Math.max(0, delayMs), seq: this.seq++, fn });
    return id;
  };

  readonly cancel = (handle: unknown): void => {
    this.pending.delete(handle as number);
  };

  /** Runs every timer due up to `t` in time order, then sets the clock to `t`. */
  advanceTo(t: number): void {
    for (;;) {
      let best: number | null = null;
      let bestAt = Infinity;
      let bestSeq = Infinity;
      for (const [id, p] of this.pending) {
        if (p.atMs < bestAt || (p.atMs === bestAt && p.seq < bestSeq)) {
          best = id;
          bestAt = p.atMs;
          bestSeq = p.seq;
        }
      }
      if (best === null || bestAt > t) break;
      const p = this.pending.get(best)!;
      this.pending.delete(best);
      this.nowMs = Math.max(this.nowMs, p.atMs);
      p.fn();
    }
    this.nowMs = Math.max(this.nowMs, t);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.nowMs + ms);
  }

  /** Delays of the pending timers (for backoff tests). */
  pendingDelays(): number[] {
    return [...this.pending.values()].map((p) => p.atMs - this.nowMs);
  }
}

/** The server's end of an in-memory connection. */
export interface ServerEnd {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  onmessage: ((data: Uint8Array) => void) | null;
  onclose: ((code: number, reason: string) => void) | null;
}

/** An in-memory socket pair on the fake clock: frames arrive in order on the next timer turn. */
export function memoryPair(clock: FakeClock): { client: ClientSocket; server: ServerEnd } {
  let open = true;
  const shut = (code: number, reason: string): void => {
    if (!open) return;
    open = false;
    clock.schedule(() => {
      server.onclose?.(code, reason);
      client.onclose?.(code, reason);
    }, 0);
  };
  const client: ClientSocket = {
    onopen: null,
    onmessage: null,
    onclose: null,
    bufferedAmount: 0,
    send(data) {
      if (!open) return;
      const copy = data.slice();
      clock.schedule(() => open && server.onmessage?.(copy), 0);
    },
    close(code = 1000, reason = '') {
      shut(code, reason);
    },
  };
  const server: ServerEnd = {
    onmessage: null,
    onclose: null,
    send(data) {
      if (!open) return;
      const copy = data.slice();
      clock.schedule(() => open && client.onmessage?.(copy), 0);
    },
    close(code, reason) {
      shut(code, reason);
    },
  };
  clock.schedule(() => open && client.onopen?.(), 0);
  return { client, server };
}

interface Session {
  readonly token: string;
  readonly entityId: number;
  end: ServerEnd | null;
  baseline: Snapshot | null;
  lastInputSeq: number;
  hellos: number;
}

/** Knobs of {@link TestServer}. */
export interface TestServerOptions {
  readonly tickRateHz?: number;
  readonly bots?: number;
  /** Added to the fake clock to make the server's clock differ from the client's. */
  readonly serverClockOffsetMs?: number;
}

/**
 * A tiny authoritative server: one room, a player entity per session, bots moving on a straight line
 * and turning. Streams delta snapshots against each session's last written snapshot.
 */
export class TestServer {
  readonly tickRateHz: number;
  readonly dtSec: number;
  tick = 0;
  readonly startMs: number;
  readonly codec = new SnapshotCodec(schema);
  readonly entities = new Map<number, EntityInput & { state: Record<string, unknown> }>();
  readonly sessions = new Map<string, Session>();
  /** The quantized world of each tick, for comparisons. */
  readonly history = new Map<number, Snapshot>();
  /** Hello messages received: [resumeToken] per connection. */
  readonly hellos: (string | null)[] = [];
  /** Mangles the next snapshot sent: extra trailing bytes, or a baseline the client never saw. */
  corruptNext: 'trailing' | 'unknownBaseline' | null = null;
  /** Close code with which the next Hello is refused (then cleared). */
  refuseNext: number | null = null;
  private nextEntityId = 1;
  private readonly offsetMs: number;
  private timer: unknown = null;

  constructor(
    private readonly clock: FakeClock,
    options: TestServerOptions = {},
  ) {
    this.tickRateHz = options.tickRateHz ?? 60;
    this.dtSec = 1 / this.tickRateHz;
    this.offsetMs = options.serverClockOffsetMs ?? 5_000_000;
    this.startMs = clock.now();
    for (let b = 0; b < (options.bots ?? 3); b++) {
      const id = this.nextEntityId++;
      this.entities.set(id, {
        id,
        kind: schema.kindIndex('bot'),
        state: { x: 100, y: 100 + 50 * b, heading: 0, mode: 'roam' },
      });
    }
    this.history.set(0, this.world());
    this.scheduleTick();
  }

  /** The bot x at tick `tick` (they move at BOT_SPEED from x = 100). */
  botX(tick: number): number {
    return 100 + BOT_SPEED * tick * this.dtSec;
  }

  /** A SocketFactory connecting to this server, optionally through a NetworkConditioner. */
  factory(conditions?: ConditionerOptions): SocketFactory {
    const raw: SocketFactory = () => {
      const { client, server } = memoryPair(this.clock);
      this.accept(server);
      return client;
    };
    return conditions === undefined ? raw : NetworkConditioner.factory(raw, conditions, this.clock);
  }

  /** Moves an entity on the server only (a knock-back the client cannot predict). */
  push(entityId: number, dx: number): void {
    const e = this.entities.get(entityId)!;
    e.state.x = Math.min(1000, Math.max(0, (e.state.x as number) + dx));
  }

  /** Closes every connection with `code`. */
  kick(code: number, reason: string): void {
    for (const s of this.sessions.values()) s.end?.close(code, reason);
  }

  stop(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
  }

  private accept(end: ServerEnd): void {
    let session: Session | null = null;
    end.onclose = () => {
      if (session !== null && session.end === end) session.end = null;
    };
    end.onmessage = (bytes) => {
      const decoded = decodeClientMessage(bytes);
      if (!decoded.ok) return end.close(decoded.error.code, decoded.error.reason);
      const msg = decoded.value;
      if (msg.kind === MsgKind.Hello) {
        this.hellos.push(msg.resumeToken);
        if (msg.protocolVersion !== PROTOCOL_VERSION) return end.close(CloseCode.ProtocolMismatch, 'protocol');
        if (msg.schemaHash !== schema.hash) return end.close(CloseCode.SchemaMismatch, 'schema');
        if (this.refuseNext !== null) {
          const code = this.refuseNext;
          this.refuseNext = null;
          return end.close(code, 'refused');
        }
        session = (msg.resumeToken !== null ? this.sessions.get(msg.resumeToken) : undefined) ?? this.newSession();
        session.end?.close(CloseCode.Replaced, 'replaced');
        session.end = end;
        session.baseline = null;
        session.hellos++;
        end.send(
          encodeMessage({
            kind: MsgKind.Welcome,
            clientId: 1,
            tickRateHz: this.tickRateHz,
            serverTick: this.tick,
            resumeToken: session.token,
            roomId: 'arena',
            entityId: session.entityId,
          }),
        );
        return;
      }
      if (session === null) return end.close(CloseCode.UnknownMessage, 'no Hello');
      if (msg.kind === MsgKind.Input) {
        const values = checkInputValues(schema, msg.values);
        if (!values.ok) return end.close(CloseCode.OutOfRange, values.reason);
        const input: Record<string, unknown> = {};
        for (const f of schema.input) input[f.name] = f.dequantize(values.value[f.index]!);
        apply(
          this.entities.get(session.entityId)!.state as EntityOf<TestSchema, 'player'>,
          input as InputOf<TestSchema>,
          this.dtSec,
        );
        session.lastInputSeq = msg.seq;
      } else if (msg.kind === MsgKind.Ping) {
        end.send(
          encodeMessage({
            kind: MsgKind.Pong,
            clientTimeMs: msg.clientTimeMs,
            serverTimeMs: this.clock.now() + this.offsetMs,
            serverTick: this.tick,
          }),
        );
      }
    };
  }

  private newSession(): Session {
    const id = this.nextEntityId++;
    this.entities.set(id, {
      id,
      kind: schema.kindIndex('player'),
      state: { x: 500, y: 500, aim: 0, hp: 100, name: `p${id}` },
    });
    const session: Session = {
      token: `token-${id}`,
      entityId: id,
      end: null,
      baseline: null,
      lastInputSeq: -1,
      hellos: 0,
    };
    this.sessions.set(session.token, session);
    return session;
  }

  private world(): Snapshot {
    return quantizeWorld(schema, this.tick, [...this.entities.values()]);
  }

  private scheduleTick(): void {
    const due = this.startMs + ((this.tick + 1) * 1000) / this.tickRateHz;
    this.timer = this.clock.schedule(() => this.step(), due - this.clock.now());
  }

  private step(): void {
    this.tick++;
    for (const e of this.entities.values()) {
      if (e.kind !== schema.kindIndex('bot')) continue;
      e.state.x = this.botX(this.tick);
      e.state.heading = ((e.state.heading as number) + BOT_TURN) % (Math.PI * 2);
    }
    const world = this.world();
    this.history.set(this.tick, world);
    for (const s of this.sessions.values()) {
      if (s.end === null) continue;
      const encoded = this.codec.encode(s.baseline, world);
      let body = encoded.bytes.slice();
      let baseTick = s.baseline === null ? -1 : s.baseline.tick;
      if (this.corruptNext === 'trailing') {
        const longer = new Uint8Array(body.length + 3);
        longer.set(body);
        longer.set([0xde, 0xad, 0xbe], body.length);
        body = longer;
      } else if (this.corruptNext === 'unknownBaseline') {
        baseTick = Math.max(0, this.tick - 1000);
      }
      this.corruptNext = null;
      s.baseline = encoded.next;
      s.end.send(
        encodeMessage({ kind: MsgKind.Snapshot, tick: this.tick, baseTick, lastInputSeq: s.lastInputSeq, body }),
      );
    }
    this.scheduleTick();
  }
}

/** A client driven like a game loop on the fake clock: `update` and `frame` every display frame. */
export interface Loop {
  /** Runs display frames until `untilMs`; `each` is called after every frame. */
  run(untilMs: number, each?: (nowMs: number) => void): void;
}

/** A display loop at `fps` calling `client.update(now, sample)` (when `sample` is given) and `client.frame(now)`. */
export function gameLoop(
  clock: FakeClock,
  client: { update(nowMs: number, sample: () => InputOf<TestSchema>): number; frame(nowMs: number): unknown },
  sample: (() => InputOf<TestSchema>) | null,
  fps = 60,
): Loop & { sample: (() => InputOf<TestSchema>) | null } {
  const frameMs = 1000 / fps;
  let next = clock.now();
  const loop = {
    sample,
    run(untilMs: number, each?: (nowMs: number) => void): void {
      while (next + frameMs <= untilMs) {
        next += frameMs;
        clock.advanceTo(next);
        if (loop.sample !== null) client.update(next, loop.sample);
        client.frame(next);
        each?.(next);
      }
      clock.advanceTo(untilMs);
    },
  };
  return loop;
}

/** The network of the simulation tests: 150 ms RTT ± 30 ms jitter, with 200 ms stalls every ~2 s. */
export const BAD_NETWORK: ConditionerOptions = {
  latencyMs: 75,
  jitterMs: 15,
  stallIntervalMs: 2000,
  stallMs: 200,
  seed: 42,
};
