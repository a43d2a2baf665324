/**
 * The big-world benchmark's harness (bench/bigworld.ts): a server on a manual clock over the memory
 * transport with its clients joined, the game's step handler's CPU time measured, and a client-side
 * check of the decoded stream against the server's world.
 */
import {
  decodeServerMessage,
  encodeMessage,
  GroupedDecoder,
  MsgKind,
  PROTOCOL_VERSION,
  type Snapshot,
  SnapshotCodec,
} from '../shared/index.ts';
import {
  type Clock,
  MemoryTransport,
  type MemoryClientSocket,
  type Room,
  type RoomType,
  Server,
} from '../server/index.ts';
import { bigworldSchema } from './scenarios/bigworld.ts';

/** A clock that moves only when told; runs due timers in order. */
export class StepClock implements Clock {
  private time = 0;
  private timers: { at: number; fn: () => void }[] = [];
  now(): number {
    return this.time;
  }
  schedule(fn: () => void, delayMs: number): unknown {
    const timer = { at: this.time + Math.max(0, delayMs), fn };
    this.timers.push(timer);
    return timer;
  }
  cancel(handle: unknown): void {
    this.timers = this.timers.filter((x) => x !== handle);
  }
  advance(ms: number): void {
    this.time += ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= this.time).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      this.timers = this.timers.filter((x) => x !== due);
      due.fn();
    }
  }
}

/** `type` with its step handler timed: `ms` adds up the process CPU time (user + system) spent in it, ms. */
export function withTimedStep(type: RoomType<typeof bigworldSchema>): {
  type: RoomType<typeof bigworldSchema>;
  ms: number;
} {
  const out = { type, ms: 0 };
  const step = type.handlers.step;
  if (step === undefined) return out;
  out.type = {
    ...type,
    handlers: {
      ...type.handlers,
      step(room, dtSec) {
        const start = process.cpuUsage();
        step.call(this, room, dtSec);
        const used = process.cpuUsage(start);
        out.ms += (used.user + used.system) / 1000;
      },
    },
  };
  return out;
}

/** A started case: a Server over the memory transport on a manual clock, one room, its clients joined. */
export interface CaseRun {
  readonly clock: StepClock;
  readonly server: Server;
  readonly room: Room<typeof bigworldSchema>;
  /** The game's step handler CPU time so far, ms (see {@link withTimedStep}). */
  readonly timed: { ms: number };
  /** The joined clients' sockets. */
  readonly sockets: readonly MemoryClientSocket[];
}

/**
 * Starts a server at `tickRateHz` with one room of `type` and joins `clients` clients through the real
 * handshake. The caller closes the server.
 */
export async function startCase(
  type: RoomType<typeof bigworldSchema>,
  clients: number,
  tickRateHz: number,
): Promise<CaseRun> {
  const clock = new StepClock();
  const memory = new MemoryTransport({ clock, maxBackpressureBytes: 64 * 1024 * 1024 });
  const server = new Server({
    clock,
    transport: memory,
    tickRateHz,
    autoTick: false,
    logger: { warn() {}, error: (m) => console.error(m) },
    handshakeTimeoutMs: 1e9,
  });
  // The server's clock here is manual, so its own step-handler metric reads 0: time the handler here.
  const timed = withTimedStep(type);
  server.define('big', timed.type);
  const room = server.createRoom('big') as unknown as Room<typeof bigworldSchema>;
  await server.listen(0);
  const sockets: MemoryClientSocket[] = [];
  for (let i = 0; i < clients; i++) sockets.push(memory.connect());
  for (let i = 0; i < 3; i++) await Promise.resolve();
  clock.advance(1);
  const hello = encodeMessage({
    kind: MsgKind.Hello,
    protocolVersion: PROTOCOL_VERSION,
    schemaHash: bigworldSchema.hash,
    room: room.id,
    resumeToken: null,
    options: {},
  });
  for (const s of sockets) s.send(hello);
  clock.advance(1);
  if (room.clients.length !== clients) throw new Error(`bigworld: ${room.clients.length} of ${clients} clients joined`);
  return { clock, server, room, timed, sockets };
}

/**
 * Decodes one client's stream and checks it against the server's room at each tick: the client holds
 * the room's tick, and every entity it holds exists in the room. The room's live entities are read, not
 * `room.snapshot`: a world handed out is never reused, so reading it would change what is measured.
 */
export class StreamCheck {
  private readonly codec = new SnapshotCodec(bigworldSchema);
  private readonly grouped = new GroupedDecoder(bigworldSchema);
  private latest: Snapshot | null = null;

  constructor(socket: MemoryClientSocket) {
    socket.onmessage = (data) => {
      const msg = decodeServerMessage(data);
      if (!msg.ok) throw new Error(`bigworld: undecodable frame: ${msg.error.reason}`);
      const m = msg.value;
      if (m.kind === MsgKind.Welcome || m.kind === MsgKind.Pong) return;
      const snap =
        m.kind === MsgKind.GroupSnapshot
          ? this.grouped.decode(m.tick, m.baseTick, m.body)
          : this.codec.decode(m.baseTick === -1 ? null : this.latest, m.tick, m.body);
      if (!snap.ok) throw new Error(`bigworld: decode failed at tick ${m.tick}: ${snap.reason}`);
      this.latest = snap.value;
    };
  }

  verify(room: Room<typeof bigworldSchema>): void {
    const mine = this.latest;
    if (mine === null) return;
    if (mine.tick !== room.tick)
      throw new Error(`bigworld: a checked client holds tick ${mine.tick}, the server ${room.tick}`);
    for (let i = 0; i < mine.count; i++) {
      if (room.get(mine.ids[i]!) === undefined)
        throw new Error(`bigworld: client holds entity ${mine.ids[i]} the world does not have`);
    }
  }
}
