/**
 * The room every part of `npm run bench -- record` runs: the arena scenario (E = 100 units moved by the
 * scenario each tick) at 60 Hz, as a room type, and a recording of it made in memory.
 */
import { defineRoom, MemoryTransport, type RecordingSink, RoomRecorder, Server } from '../server/index.ts';
import { encodeMessage, MsgKind, PROTOCOL_VERSION } from '../shared/index.ts';
import { StepClock } from './bigworldHarness.ts';
import { arenaSchema, createArena } from './scenarios/arena.ts';

/** The server's tick rate, Hz. */
export const TICK_RATE_HZ = 60;
/** Units in the arena. */
export const ENTITIES = 100;
/** Players (all-seeing clients) of the tick-cost and spectator parts. */
export const CLIENTS = 100;

/** The arena as a room type: E units moved by the scenario each tick; room for `clients` players. */
export function arenaType(clients: number = CLIENTS) {
  const arena = createArena({ scenario: 'arena', entities: ENTITIES, tickRateHz: TICK_RATE_HZ });
  return defineRoom(arenaSchema, {
    closeWhenEmpty: false,
    maxClients: clients + 1,
    onCreate(room) {
      for (const e of arena.entities) room.spawn('unit', { ...(e.state as { x: number }) } as never);
    },
    step(room) {
      arena.step();
      let i = 0;
      for (const unit of room.entitiesOf('unit')) Object.assign(unit, arena.entities[i++]!.state);
    },
  });
}

/** The Hello frame a bench client sends to join room `roomId` of the arena type (no options). */
export function arenaHello(roomId: string): Uint8Array {
  return encodeMessage({
    kind: MsgKind.Hello,
    protocolVersion: PROTOCOL_VERSION,
    schemaHash: arenaSchema.hash,
    room: roomId,
    resumeToken: null,
    options: {},
  });
}

/** A sink keeping the recording in memory. */
class MemorySink implements RecordingSink {
  readonly parts: Uint8Array[] = [];
  write(bytes: Uint8Array): void {
    this.parts.push(bytes);
  }
  async close(): Promise<void> {}
}

/** Records `ticks` ticks of the arena (no clients) with the default recorder options; returns the file. */
export async function recordArena(ticks: number): Promise<Uint8Array> {
  const clock = new StepClock();
  const server = new Server({
    clock,
    transport: new MemoryTransport({ clock }),
    tickRateHz: TICK_RATE_HZ,
    autoTick: false,
    logger: { warn() {}, error: console.error },
  });
  server.define('arena', arenaType());
  const room = server.createRoom('arena');
  const sink = new MemorySink();
  const recorder = new RoomRecorder(room, sink, TICK_RATE_HZ);
  for (let i = 0; i < ticks; i++) server.step();
  await recorder.close();
  await server.close();
  return Buffer.concat(sink.parts);
}
