/** A scripted match recorded through a room's stream, for the recording and replay tests. */
import { seededRandom, type Snapshot } from '../../shared/index.ts';
import { MemoryTransport, Server } from '../../server/index.ts';
import { type RecordingSink, RoomRecorder } from '../../server/recording/RoomRecorder.ts';
import { FakeClock } from './FakeClock.ts';
import { arenaRoom } from './serverFixture.ts';

/** Tick rate of the scripted match. */
export const TICK_RATE_HZ = 50;

/** A sink keeping what it is given in memory. */
export class MemorySink implements RecordingSink {
  readonly parts: Uint8Array[] = [];
  closed = false;
  write(bytes: Uint8Array): void {
    this.parts.push(bytes);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/** A room whose rocks drift (motion the codec predicts), come and go, and are renamed; kills are logged. */
export function scriptedType(log: (room: unknown, name: string, data: unknown) => void) {
  const rand = seededRandom(11);
  return arenaRoom({
    rocks: 30,
    closeWhenEmpty: false,
    extra: {
      step(room) {
        for (const rock of room.entitiesOf('rock')) {
          rock.x = (rock.x + 1.3 + (rock.id % 3)) % 1000;
          rock.y = 500 + 200 * Math.sin(room.tick / 15 + rock.id);
          if (rand() < 0.02) rock.tag = `t${room.tick}`;
        }
        if (room.tick % 7 === 3) room.spawn('rock', { x: rand() * 900, y: rand() * 900, tag: 'new' });
        if (room.tick % 11 === 5) {
          const victim = [...room.entitiesOf('rock')][Math.floor(rand() * room.entityCount)];
          if (victim !== undefined) {
            room.despawn(victim.id);
            log(room, 'kill', { victim: victim.id, tick: room.tick });
          }
        }
      },
    },
  });
}

/** Records `ticks` ticks of the scripted match; returns the file's bytes and the live worlds by tick. */
export async function recordMatch(ticks: number) {
  const clock = new FakeClock();
  const server = new Server({
    clock,
    transport: new MemoryTransport({ clock }),
    tickRateHz: TICK_RATE_HZ,
    autoTick: false,
    logger: { warn() {}, error() {} },
  });
  let recorder: RoomRecorder | null = null;
  server.define(
    'arena',
    scriptedType((_room, name, data) => recorder?.event(name, data)),
  );
  await server.listen(0, '127.0.0.1');
  const room = server.createRoom('arena');
  const sink = new MemorySink();
  recorder = new RoomRecorder(room, sink, TICK_RATE_HZ, { keyframeEveryMs: 1000, chunkEveryMs: 300 });
  const live = new Map<number, Snapshot>();
  room.onTick((t) => live.set(t.tick, t.world));
  for (let i = 0; i < ticks; i++) {
    server.step();
    clock.advance(1000 / TICK_RATE_HZ);
  }
  await recorder.close();
  await server.close();
  return { bytes: sink.bytes(), live, sink };
}
