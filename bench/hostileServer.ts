/**
 * The server process of the hostile-traffic run (bench/hostile.ts, test/hostile.soak.test.ts): a
 * Tickwave Server on uWebSockets.js with the test arena room, logging to the console (its stdout and
 * stderr are what the parent counts as log bytes), driven by its own tick timer. It talks to the parent
 * over the IPC channel only, so every byte it writes is a log byte:
 *
 *   parent → child  { type: 'freeze' }   stop ticking; answer with the room's final snapshot
 *                   { type: 'stats' }    answer with the frames and connections the engine saw
 *   child → parent  { type: 'ready', port } | { type: 'frozen', world } | { type: 'stats', ... }
 *
 * It exits by itself when the parent goes away or after `--lifetime-ms`, so no run leaves it behind.
 */
import { parseArgs } from 'node:util';
import {
  type Connection,
  createTransport,
  Server,
  type Transport,
  type TransportChoice,
  type TransportHandlers,
} from '../server/index.ts';
import type { Snapshot } from '../shared/index.ts';
import { arenaRoom } from '../test/helpers/serverFixture.ts';

/** A room snapshot as plain arrays, for the IPC channel. */
export interface PlainWorld {
  readonly tick: number;
  readonly count: number;
  readonly stride: number;
  readonly ids: number[];
  readonly kinds: number[];
  readonly values: number[];
  readonly texts: (string | null)[] | null;
}

/** What the engine saw, counted at the transport boundary. */
export interface EngineCounts {
  readonly type: 'stats';
  /** Frames handed to the engine's message handler. */
  readonly frames: number;
  readonly opened: number;
  readonly closed: number;
}

/** Messages the child sends. */
export type HostileChildMsg =
  | { type: 'ready'; port: number; roomId: string; transport: 'uws' | 'ws' }
  | { type: 'frozen'; world: PlainWorld }
  | EngineCounts;

/** The snapshot as plain arrays. */
export function plainWorld(s: Snapshot): PlainWorld {
  return {
    tick: s.tick,
    count: s.count,
    stride: s.stride,
    ids: Array.from(s.ids).slice(0, s.count),
    kinds: Array.from(s.kinds).slice(0, s.count),
    values: Array.from(s.values),
    texts: s.texts === null ? null : Array.from(s.texts, (t) => t ?? null),
  };
}

/** Counts the frames and connections the engine is handed. */
class CountingTransport implements Transport {
  frames = 0;
  opened = 0;
  closed = 0;
  constructor(private readonly inner: Transport) {}
  listen(port: number, host: string, handlers: TransportHandlers): Promise<{ readonly port: number }> {
    return this.inner.listen(port, host, {
      ...handlers,
      open: (conn: Connection) => {
        this.opened++;
        handlers.open(conn);
      },
      message: (conn, bytes, isBinary) => {
        this.frames++;
        handlers.message(conn, bytes, isBinary);
      },
      close: (conn, code, reason) => {
        this.closed++;
        handlers.close(conn, code, reason);
      },
    });
  }
  stopAccepting(): void {
    this.inner.stopAccepting();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

if (process.send === undefined) {
  console.error('hostileServer.ts is forked by bench/hostile.ts; it needs an IPC channel');
  process.exit(2);
}
const send = (msg: HostileChildMsg): void => void process.send?.(msg);

const { values: args } = parseArgs({
  options: {
    'max-payload': { type: 'string', default: '2048' },
    'tick-rate': { type: 'string', default: '30' },
    'lifetime-ms': { type: 'string', default: '600000' },
    'max-messages': { type: 'string', default: '200' },
    transport: { type: 'string', default: 'auto' },
  },
});
const maxPayloadBytes = Number(args['max-payload']);
const tickRateHz = Number(args['tick-rate']);
const chosen = await createTransport(args.transport as TransportChoice, { maxPayloadBytes });
const transport = new CountingTransport(chosen.transport);
const server = new Server({
  tickRateHz,
  autoTick: false,
  maxPayloadBytes,
  maxMessagesPerSecond: Number(args['max-messages']),
  handshakeTimeoutMs: 2000,
  transport,
});
server.define('arena', arenaRoom({ rocks: 30, maxClients: 100_000, closeWhenEmpty: false }));
// The game room exists from the start, so the normal clients and the hostile Hellos share it.
const room = server.createRoom('arena');
const { port } = await server.listen(0, '127.0.0.1');
let ticking = true;
const timer = setInterval(() => {
  if (ticking) server.step();
}, 1000 / tickRateHz);

const stop = async (code: number): Promise<never> => {
  clearInterval(timer);
  await server.close();
  process.exit(code);
};
setTimeout(() => void stop(3), Number(args['lifetime-ms'])).unref();
process.on('disconnect', () => void stop(0));
process.on('message', (raw) => {
  const msg = raw as { type: string };
  if (msg.type === 'freeze') {
    ticking = false;
    server.step();
    send({ type: 'frozen', world: plainWorld(room.snapshot!) });
  } else if (msg.type === 'stats') {
    send({ type: 'stats', frames: transport.frames, opened: transport.opened, closed: transport.closed });
  } else if (msg.type === 'stop') void stop(0);
});
send({ type: 'ready', port, roomId: room.id, transport: chosen.name });
