/**
 * Shared fixtures for the server tests: a small game (schema + room type), a `ws`
 * adapter to the shared ClientSocket interface, and a test client that decodes the snapshot stream
 * exactly like a real client (delta against the snapshot it holds) and records what it saw.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import {
  decodeServerMessage,
  defineSchema,
  encodeMessage,
  GroupedDecoder,
  indexOfEntity,
  type JoinOptions,
  MsgKind,
  PROTOCOL_VERSION,
  type QValue,
  seededRandom,
  type Snapshot,
  SnapshotCodec,
  SUBPROTOCOL,
  t,
  type ClientSocket,
  type WelcomeMsg,
} from '../../shared/index.ts';
import { defineRoom, type RoomHandlers } from '../../server/index.ts';

/** The test game's schema: ships steered by input, rocks that drift on their own. */
export const testSchema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1000, step: 0.01 }),
      a: t.angle({ steps: 1024 }),
      hp: t.uint(8),
    },
    rock: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      y: t.float({ min: 0, max: 1000, step: 0.01 }),
      tag: t.string({ maxBytes: 16 }),
    },
  },
  input: { dx: t.float({ min: -1, max: 1, step: 0.01 }), dy: t.float({ min: -1, max: 1, step: 0.01 }), fire: t.bool() },
});
/** The schema's type. */
export type TestSchema = typeof testSchema;

/** Options of the test room type. */
export interface ArenaOptions {
  /** Rocks spawned on create. Default 20. */
  readonly rocks?: number;
  /** Move every rock to a random place each tick (large deltas). Default false: smooth drift. */
  readonly chaotic?: boolean;
  readonly maxClients?: number;
  readonly closeWhenEmpty?: boolean;
  /** Extra handlers merged over the defaults. */
  readonly extra?: Partial<RoomHandlers<TestSchema>>;
  /** Seed for the chaotic motion. */
  readonly seed?: number;
}

/** The test room type: each joiner gets a ship moved by its inputs; rocks move every tick. */
export function arenaRoom(options: ArenaOptions = {}) {
  const rand = seededRandom(options.seed ?? 7);
  return defineRoom(testSchema, {
    maxClients: options.maxClients ?? 16,
    closeWhenEmpty: options.closeWhenEmpty ?? true,
    onCreate(room) {
      for (let i = 0; i < (options.rocks ?? 20); i++) room.spawn('rock', { x: 10 + i * 3, y: 500, tag: `r${i}` });
    },
    onJoin(room, client) {
      client.entityId = room.spawn('ship', { x: 100, y: 100, a: 0, hp: 100 }).id;
    },
    onInput(room, client, input, dtSec) {
      const ship = room.get(client.entityId, 'ship');
      if (ship === undefined) return;
      ship.x = Math.min(1000, Math.max(0, ship.x + input.dx * 100 * dtSec));
      ship.y = Math.min(1000, Math.max(0, ship.y + input.dy * 100 * dtSec));
      if (input.fire) ship.hp = Math.max(0, ship.hp - 1);
    },
    step(room) {
      for (const rock of room.entitiesOf('rock')) {
        if (options.chaotic) {
          rock.x = rand() * 1000;
          rock.y = rand() * 1000;
        } else {
          rock.x = (rock.x + 0.37) % 1000;
          rock.y = 500 + 100 * Math.sin(room.tick / 20 + rock.x);
        }
      }
    },
    onLeave(room, client) {
      room.despawn(client.entityId);
    },
    ...options.extra,
  });
}

/** A `ws` socket behind the shared ClientSocket interface, with the raw socket and upgrade status exposed. */
export interface WsClientSocket extends ClientSocket {
  readonly ws: WebSocket;
  /** The HTTP status of a rejected upgrade, or 0. */
  readonly rejectedStatus: number;
}

/** Options for {@link wsSocket}. */
export interface WsSocketOptions {
  readonly origin?: string;
  readonly headers?: Record<string, string>;
  readonly protocols?: string[];
  readonly ca?: string | Buffer;
}

/** Opens a `ws` connection as a ClientSocket. */
export function wsSocket(url: string, options: WsSocketOptions = {}): WsClientSocket {
  const ws = new WebSocket(url, options.protocols ?? [SUBPROTOCOL], {
    headers: options.headers,
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
  ws.binaryType = 'nodebuffer';
  let rejectedStatus = 0;
  const socket: WsClientSocket = {
    ws,
    get rejectedStatus() {
      return rejectedStatus;
    },
    send: (data) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    },
    close: (code, reason) => ws.close(code, reason),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    onopen: null,
    onmessage: null,
    onclose: null,
  };
  ws.on('unexpected-response', (_req, res) => {
    rejectedStatus = res.statusCode ?? 0;
    res.resume();
    ws.terminate();
  });
  ws.on('error', () => {});
  ws.on('open', () => socket.onopen?.());
  ws.on('message', (data: Buffer) => socket.onmessage?.(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
  ws.on('close', (code: number, reason: Buffer) => socket.onclose?.(code, reason.toString()));
  return socket;
}

/** What {@link TestClient.hello} sends. */
export interface HelloOptions {
  readonly room?: string | null;
  readonly resumeToken?: string | null;
  readonly schemaHash?: string;
  readonly protocolVersion?: number;
  readonly options?: JoinOptions;
}

/** A protocol-level client for tests: decodes every frame strictly and keeps what it saw. */
export class TestClient {
  welcome: WelcomeMsg | null = null;
  /** The snapshot the client holds (the newest decoded). */
  latest: Snapshot | null = null;
  lastInputSeq = -1;
  /** The newest snapshot's count of ticks that ran without this client's input (mod 256). */
  missedInputs = 0;
  snapshotCount = 0;
  fullSnapshots = 0;
  pongs = 0;
  closed: { code: number; reason: string } | null = null;
  isOpen = false;
  /** Protocol violations the server committed, as seen by this client (must stay empty). */
  readonly errors: string[] = [];
  private readonly codec = new SnapshotCodec(testSchema);
  /** The groups of an interest-managed room's stream. */
  readonly grouped = new GroupedDecoder(testSchema);
  private waiters: (() => void)[] = [];

  constructor(readonly socket: ClientSocket) {
    socket.onopen = () => {
      this.isOpen = true;
      this.notify();
    };
    socket.onmessage = (data) => {
      this.receive(data);
      this.notify();
    };
    socket.onclose = (code, reason) => {
      this.isOpen = false;
      this.closed = { code, reason };
      this.notify();
    };
  }

  /** Sends Hello (defaults: the test schema, current protocol, room 'arena'). */
  hello(options: HelloOptions = {}): void {
    this.socket.send(
      encodeMessage({
        kind: MsgKind.Hello,
        protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
        schemaHash: options.schemaHash ?? testSchema.hash,
        room: options.room === undefined ? 'arena' : options.room,
        resumeToken: options.resumeToken ?? null,
        options: options.options ?? {},
      }),
    );
  }

  /** Sends one input with real values (quantized here, like a real client). */
  input(seq: number, value: { dx: number; dy: number; fire: boolean }, viewTick = this.latest?.tick ?? 0): void {
    const values: QValue[] = testSchema.input.map((f) => f.quantize(value[f.name as keyof typeof value]));
    this.socket.send(encodeMessage({ kind: MsgKind.Input, seq, viewTick, values }));
  }

  /** Resolves when `predicate` holds (checked after every event); rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(
          new Error(`timed out waiting for ${what}; closed=${JSON.stringify(this.closed)} tick=${this.latest?.tick}`),
        );
      }, timeoutMs);
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  /** Waits for the close and returns its code. */
  async closeCode(timeoutMs = 10_000): Promise<number> {
    await this.waitFor(() => this.closed !== null, 'close', timeoutMs);
    return this.closed!.code;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private receive(data: Uint8Array): void {
    const decoded = decodeServerMessage(data);
    if (!decoded.ok) return void this.errors.push(`undecodable frame: ${decoded.error.reason}`);
    const msg = decoded.value;
    if (msg.kind === MsgKind.Welcome) {
      this.welcome = msg;
      this.latest = null;
      return;
    }
    if (msg.kind === MsgKind.Pong) {
      this.pongs++;
      return;
    }
    if (this.welcome === null) return void this.errors.push('snapshot before Welcome');
    if (msg.kind === MsgKind.GroupSnapshot) {
      if (msg.baseTick === -1) this.fullSnapshots++;
      const snap = this.grouped.decode(msg.tick, msg.baseTick, msg.body);
      if (!snap.ok) return void this.errors.push(`grouped decode failed at tick ${msg.tick}: ${snap.reason}`);
      this.latest = snap.value;
      this.lastInputSeq = msg.lastInputSeq;
      this.missedInputs = msg.missedInputs ?? 0;
      this.snapshotCount++;
      return;
    }
    let baseline: Snapshot | null = null;
    if (msg.baseTick !== -1) {
      if (this.latest === null || this.latest.tick !== msg.baseTick) {
        return void this.errors.push(
          `delta against tick ${msg.baseTick} but the client holds ${this.latest?.tick ?? 'nothing'}`,
        );
      }
      baseline = this.latest;
    } else this.fullSnapshots++;
    const snap = this.codec.decode(baseline, msg.tick, msg.body);
    if (!snap.ok) return void this.errors.push(`decode failed at tick ${msg.tick}: ${snap.reason}`);
    this.latest = snap.value;
    this.lastInputSeq = msg.lastInputSeq;
    this.missedInputs = msg.missedInputs ?? 0;
    this.snapshotCount++;
  }
}

/** The quantized row of entity `id` in `snap` (numbers and strings), or undefined if it is not there. */
export function rowOf(snap: Snapshot, id: number): (number | string | undefined)[] | undefined {
  const i = indexOfEntity(snap, id);
  if (i < 0) return undefined;
  const out: (number | string | undefined)[] = [];
  for (let f = 0; f < snap.stride; f++) out.push(snap.texts?.[i * snap.stride + f] ?? snap.values[i * snap.stride + f]);
  return out;
}

/** True if two snapshots hold the same entities with the same quantized values. */
export function sameWorld(a: Snapshot, b: Snapshot): boolean {
  if (a.tick !== b.tick || a.count !== b.count || a.stride !== b.stride) return false;
  for (let i = 0; i < a.count; i++) if (a.ids[i] !== b.ids[i] || a.kinds[i] !== b.kinds[i]) return false;
  for (let i = 0; i < a.values.length; i++) if (a.values[i] !== b.values[i]) return false;
  if ((a.texts === null) !== (b.texts === null)) return false;
  for (let i = 0; a.texts !== null && i < a.texts.length; i++)
    if ((a.texts[i] ?? '') !== (b.texts![i] ?? '')) return false;
  return true;
}

/** Resolves on the next turn of the event loop after I/O (lets sockets flush between manual steps). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits for a `ws` event with a generous timeout. */
export async function event(ws: WebSocket, name: string, timeoutMs = 10_000): Promise<unknown[]> {
  return once(ws, name, { signal: AbortSignal.timeout(timeoutMs) });
}
