/**
 * Fixtures for the client tests: a small game (schema, step function, room type) served by the real
 * `Server` over the memory transport, everything on the one fake clock, so a simulation is
 * deterministic. The server runs behind a {@link ProbeTransport}, which lets a test watch the Hellos,
 * corrupt a snapshot or close connections; network conditions come from a NetworkConditioner around
 * each client socket.
 */
import {
  type ClientMsg,
  decodeClientMessage,
  decodeServerMessage,
  defineSchema,
  encodeMessage,
  type InputOf,
  MsgKind,
  type Snapshot,
  type SocketFactory,
  seededRandom,
  t,
  type WelcomeMsg,
} from '../../shared/index.ts';
import {
  type ConditionerOptions,
  NetworkConditioner,
  type PredictedEntityOf,
  TickwaveClient,
} from '../../client/index.ts';
import { defineRoom, MemoryTransport, type Room, Server } from '../../server/index.ts';
import { FakeClock } from './FakeClock.ts';
import { ProbeTransport } from './ProbeTransport.ts';

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
/**
 * Inputs the test server keeps waiting per client. A 200 ms stall delivers 12 inputs at once; the
 * default buffer (8) would drop the oldest, and a dropped input is a misprediction the simulation
 * tests would see as a correction. They assert that prediction agrees with the server, so none is lost.
 */
const TEST_MAX_BUFFERED_INPUTS = 64;

/** The shared step function: the server runs it for each input, the client predicts with it (players only). */
export function apply(state: PredictedEntityOf<TestSchema>, input: InputOf<TestSchema>, dtSec: number): void {
  if (state.kind !== 'player') return;
  state.x = Math.min(1000, Math.max(0, state.x + input.dx * PLAYER_SPEED * dtSec));
  state.y = Math.min(1000, Math.max(0, state.y + input.dy * PLAYER_SPEED * dtSec));
  state.aim = input.aim;
}

/** Knobs of {@link ArenaServer}. */
export interface ArenaServerOptions {
  readonly tickRateHz?: number;
  /** The server's snapshot rate, Hz (a divisor of the tick rate). Default: the tick rate. */
  readonly snapshotRateHz?: number;
  /** Bots spawned when the room is created (ids 1…bots). Default 3. */
  readonly bots?: number;
  /** Added to the fake clock's time for the server, so its clock differs from the client's. Default 5,000,000. */
  readonly serverClockOffsetMs?: number;
  /** Players the room admits. Default 16. */
  readonly maxClients?: number;
}

/** What {@link ArenaServer.corruptNext} does to the next snapshot. */
export type Corruption = 'trailing' | 'unknownBaseline';

/**
 * The real Server with one room type, 'arena': a player entity per client moved by {@link apply}, and
 * bots moving along x at {@link BOT_SPEED} and turning by {@link BOT_TURN} per tick. Keeps every
 * snapshot the room streamed, and the Hellos and Welcomes that crossed the wire.
 */
export class ArenaServer {
  /** The server's tick rate, Hz. */
  readonly tickRateHz: number;
  /** Resume tokens of the Hellos received, in order (null for a fresh join). */
  readonly hellos: (string | null)[] = [];
  /** The Welcomes sent, in order. */
  readonly welcomes: WelcomeMsg[] = [];
  /** Errors thrown by the game's handlers (none, in a correct test). */
  readonly gameErrors: unknown[] = [];
  private readonly snapshots = new Map<number, Snapshot>();
  private lastStepAtMs = NaN;
  private corruption: Corruption | null = null;

  private constructor(
    readonly clock: FakeClock,
    readonly server: Server,
    readonly memory: MemoryTransport,
    readonly probe: ProbeTransport,
  ) {
    this.tickRateHz = server.options.tickRateHz;
    probe.onClientFrame = (bytes) => {
      const msg = decodeClientMessage(bytes);
      if (msg.ok && msg.value.kind === MsgKind.Hello) this.hellos.push(msg.value.resumeToken);
    };
    probe.rewrite = (bytes) => this.outgoing(bytes);
  }

  /** Starts a server on `clock` (its tick loop runs on the clock from now on). */
  static async start(clock: FakeClock, options: ArenaServerOptions = {}): Promise<ArenaServer> {
    const memory = new MemoryTransport({ clock });
    const probe = new ProbeTransport(memory);
    const server = new Server({
      clock: clock.offset(options.serverClockOffsetMs ?? 5_000_000),
      transport: probe,
      tickRateHz: options.tickRateHz ?? 60,
      ...(options.snapshotRateHz === undefined ? {} : { snapshotRateHz: options.snapshotRateHz }),
      maxBufferedInputs: TEST_MAX_BUFFERED_INPUTS,
      logger: { warn() {}, error() {} },
      onError: (err) => arena.gameErrors.push(err),
    });
    const arena: ArenaServer = new ArenaServer(clock, server, memory, probe);
    server.define('arena', arena.roomType(options));
    await server.listen(0, '127.0.0.1');
    return arena;
  }

  /** The arena room; throws before the first join created it. */
  get room(): Room<TestSchema> {
    const room = this.server.roomList()[0];
    if (room === undefined) throw new Error('no arena room yet: no client has joined');
    return room as unknown as Room<TestSchema>;
  }

  /** The room's tick: the last one streamed. */
  get tick(): number {
    return this.room.tick;
  }

  /** The world the room streamed at `tick` (quantized), or undefined. */
  snapshotAt(tick: number): Snapshot | undefined {
    const latest = this.room.snapshot;
    return latest !== null && latest.tick === tick ? latest : this.snapshots.get(tick);
  }

  /** The room's (fractional) tick at fake-clock time `nowMs`. */
  tickAt(nowMs: number): number {
    return this.room.tick + ((nowMs - this.lastStepAtMs) * this.tickRateHz) / 1000;
  }

  /** The bot x at tick `tick` (they move at BOT_SPEED from x = 100). */
  botX(tick: number): number {
    return 100 + (BOT_SPEED * tick) / this.tickRateHz;
  }

  /** A SocketFactory connecting to this server, optionally through a NetworkConditioner. */
  factory(conditions?: ConditionerOptions): SocketFactory {
    const raw: SocketFactory = () => this.memory.connect();
    return conditions === undefined ? raw : NetworkConditioner.factory(raw, conditions, this.clock);
  }

  /** Moves an entity on the server only (a knock-back the client cannot predict). */
  push(entityId: number, dx: number): void {
    const e = this.room.get(entityId, 'player')!;
    e.x = Math.min(1000, Math.max(0, e.x + dx));
  }

  /** Removes an entity from the world. */
  despawn(entityId: number): void {
    this.room.despawn(entityId);
  }

  /** Closes every connection with `code`, behind the server's back (it keeps the sessions for a resume). */
  closeAll(code: number, reason: string): void {
    this.probe.closeAll(code, reason);
  }

  /**
   * Mangles the next snapshot sent: extra trailing bytes after its body, or a baseline the client never
   * saw (1000 ticks back, at least tick 0).
   */
  corruptNext(corruption: Corruption): void {
    this.corruption = corruption;
  }

  private roomType(options: ArenaServerOptions) {
    const arena = this;
    return defineRoom(schema, {
      maxClients: options.maxClients ?? 16,
      closeWhenEmpty: false,
      onCreate(room) {
        for (let b = 0; b < (options.bots ?? 3); b++)
          room.spawn('bot', { x: 100, y: 100 + 50 * b, heading: 0, mode: 'roam' });
      },
      onJoin(room, client) {
        const player = room.spawn('player', { x: 500, y: 500, aim: 0, hp: 100, name: '' });
        player.name = `p${player.id}`;
        client.entityId = player.id;
      },
      onInput(room, client, input, dtSec) {
        const player = room.get(client.entityId, 'player');
        if (player !== undefined) apply(player, input, dtSec);
      },
      step(room) {
        // The room streams `room.snapshot` before this step; keep it before the next one replaces it.
        if (room.snapshot !== null) arena.snapshots.set(room.snapshot.tick, room.snapshot);
        arena.lastStepAtMs = arena.clock.now();
        for (const bot of room.entitiesOf('bot')) {
          bot.x = arena.botX(room.tick + 1);
          bot.heading = (bot.heading + BOT_TURN) % (Math.PI * 2);
        }
      },
      onLeave(room, client) {
        room.despawn(client.entityId);
      },
    });
  }

  private outgoing(bytes: Uint8Array): Uint8Array {
    const decoded = decodeServerMessage(bytes);
    if (!decoded.ok) return bytes;
    const msg = decoded.value;
    if (msg.kind === MsgKind.Welcome) this.welcomes.push(msg);
    if (msg.kind !== MsgKind.Snapshot || this.corruption === null) return bytes;
    let body = msg.body;
    let baseTick = msg.baseTick;
    if (this.corruption === 'trailing') {
      body = new Uint8Array(msg.body.length + 3);
      body.set(msg.body);
      body.set([0xde, 0xad, 0xbe], msg.body.length);
    } else baseTick = Math.max(0, msg.tick - 1000);
    this.corruption = null;
    return encodeMessage({ kind: MsgKind.Snapshot, tick: msg.tick, baseTick, lastInputSeq: msg.lastInputSeq, body });
  }
}

/** A client driven like a game loop on the fake clock: `update` and `frame` every display frame. */
export interface Loop {
  /** The input sampler, or null to send no inputs. */
  sample: (() => InputOf<TestSchema>) | null;
  /** Runs display frames until `untilMs`; `each` is called after every frame. */
  run(untilMs: number, each?: (nowMs: number) => void): Promise<void>;
}

/** A display loop at `fps` calling `client.update(now, sample)` (when `sample` is given) and `client.frame(now)`. */
export function gameLoop(
  clock: FakeClock,
  client: { update(nowMs: number, sample: () => InputOf<TestSchema>): number; frame(nowMs: number): unknown },
  sample: (() => InputOf<TestSchema>) | null,
  fps = 60,
): Loop {
  const frameMs = 1000 / fps;
  let next = clock.now();
  const loop: Loop = {
    sample,
    async run(untilMs, each) {
      while (next + frameMs <= untilMs) {
        next += frameMs;
        await clock.flowTo(next);
        if (loop.sample !== null) client.update(next, loop.sample);
        client.frame(next);
        each?.(next);
      }
      await clock.flowTo(untilMs);
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

/**
 * A predicting client (with `inputHoldTicks`) against a fresh ArenaServer with 2 bots on a new fake clock,
 * each frame it sends decoded and handed to `onFrame` (a frame that does not decode fails the test).
 */
export async function watchedClient(inputHoldTicks: number, onFrame: (msg: ClientMsg) => void) {
  const clock = new FakeClock(1000);
  const server = await ArenaServer.start(clock, { bots: 2 });
  const before = server.probe.onClientFrame;
  server.probe.onClientFrame = (bytes) => {
    before?.(bytes);
    const msg = decodeClientMessage(bytes);
    if (!msg.ok) throw new Error(`the client sent an invalid frame: ${msg.error.reason}`);
    onFrame(msg.value);
  };
  const client = new TickwaveClient(schema, {
    url: 'memory://arena',
    socketFactory: server.factory(),
    now: clock.now,
    schedule: clock.schedule,
    cancel: clock.cancel,
    prediction: { apply },
    reconnect: { random: seededRandom(4) },
    inputHoldTicks,
  });
  client.connect();
  return { clock, client, server };
}
