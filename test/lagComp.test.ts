/**
 * Lag compensation: the history ring and its cap, and hit tests over the memory transport at 150 ms
 * simulated RTT (75 ms each way) with a manual clock — a shot aimed where the shooter drew the target
 * hits; one aimed at where the target was drawn longer ago than the cap does not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeServerMessage,
  defineSchema,
  encodeMessage,
  indexOfEntity,
  MsgKind,
  PROTOCOL_VERSION,
  quantizeWorld,
  type Snapshot,
  SnapshotCodec,
  t,
} from '../shared/index.ts';
import { defineRoom, LagCompensation, MemoryTransport, type Room, Server } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';

const TICK_RATE_HZ = 60;
const ONE_WAY_MS = 75;
const TARGET_SPEED = 300;
const HIT_RADIUS = 4;

const schema = defineSchema({
  entities: {
    player: { x: t.float({ min: 0, max: 4000, step: 0.01 }), y: t.float({ min: 0, max: 1000, step: 0.01 }) },
  },
  input: {
    aimX: t.float({ min: 0, max: 4000, step: 0.01 }),
    aimY: t.float({ min: 0, max: 1000, step: 0.01 }),
    fire: t.bool(),
  },
});

interface Shot {
  readonly hit: boolean;
  readonly viewTick: number;
  readonly rewindTick: number;
  readonly roomTick: number;
  /** Distance from the aim to the target's live (not rewound) position. */
  readonly liveMiss: number;
}

async function setup() {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock, latencyMs: ONE_WAY_MS });
  const server = new Server({ clock, transport: memory, tickRateHz: TICK_RATE_HZ, logger: { warn() {}, error() {} } });
  const shots: Shot[] = [];
  let targetId = -1;
  server.define(
    'duel',
    defineRoom(schema, {
      // This shooter sends one input per shot, not one per tick: a tick without input applies nothing.
      onMissingInput: () => null,
      onCreate(room) {
        targetId = room.spawn('player', { x: 100, y: 500 }).id;
      },
      onJoin(room, client) {
        client.entityId = room.spawn('player', { x: 100, y: 100 }).id;
      },
      onInput(room, client, input) {
        if (!input.fire) return;
        const hit = room.rewind(client, (at) => {
          const target = at.get(targetId, 'player');
          return target !== undefined && Math.hypot(target.x - input.aimX, target.y - input.aimY) <= HIT_RADIUS;
        });
        const live = room.get(targetId, 'player')!;
        shots.push({
          hit: hit === true,
          viewTick: client.viewTick,
          rewindTick: room.rewindTick(client),
          roomTick: room.tick,
          liveMiss: Math.hypot(live.x - input.aimX, live.y - input.aimY),
        });
      },
      step(room, dtSec) {
        room.get(targetId, 'player')!.x += TARGET_SPEED * dtSec;
      },
    }),
  );
  await server.listen(0, '127.0.0.1');
  // The shooter: decodes every snapshot and keeps them by tick, like a renderer's buffer.
  const socket = memory.connect();
  const codec = new SnapshotCodec(schema);
  const drawn = new Map<number, Snapshot>();
  let latest: Snapshot | null = null;
  let welcomed = false;
  socket.onmessage = (bytes) => {
    const msg = decodeServerMessage(bytes);
    assert.ok(msg.ok);
    if (msg.value.kind === MsgKind.Welcome) welcomed = true;
    if (msg.value.kind !== MsgKind.Snapshot) return;
    const snap = codec.decode(msg.value.baseTick === -1 ? null : latest, msg.value.tick, msg.value.body);
    assert.ok(snap.ok);
    latest = snap.value;
    drawn.set(latest.tick, latest);
  };
  for (let i = 0; i < 3; i++) await Promise.resolve();
  clock.advance(ONE_WAY_MS * 2);
  socket.send(
    encodeMessage({
      kind: MsgKind.Hello,
      protocolVersion: PROTOCOL_VERSION,
      schemaHash: schema.hash,
      room: 'duel',
      resumeToken: null,
      options: {},
    }),
  );
  clock.advance(ONE_WAY_MS * 2 + 400);
  assert.ok(welcomed && latest !== null, 'the shooter joined and receives snapshots');
  let seq = 0;
  /** Fires at the target as drawn `behindTicks` before the newest snapshot, claiming that view tick. */
  const fire = (behindTicks: number): void => {
    const viewTick = latest!.tick - behindTicks;
    const view = drawn.get(viewTick)!;
    const i = indexOfEntity(view, targetId);
    const [fx, fy] = schema.kinds[0]!.fields;
    const aim = {
      aimX: fx!.dequantize(view.values[i * view.stride]!) as number,
      aimY: fy!.dequantize(view.values[i * view.stride + 1]!) as number,
      fire: true,
    };
    const values = schema.input.map((f) => f.quantize(aim[f.name as keyof typeof aim]));
    socket.send(encodeMessage({ kind: MsgKind.Input, seq: seq++, viewTick, values }));
  };
  return { clock, server, shots, fire };
}

describe('lag compensation', () => {
  it('hits where the shooter drew the target at 150 ms RTT, though the target has moved on', async () => {
    const { clock, server, shots, fire } = await setup();
    // Drawn 3 ticks (50 ms of interpolation delay) behind the newest snapshot, itself 75 ms old.
    fire(3);
    clock.advance(ONE_WAY_MS + 40);
    assert.equal(shots.length, 1);
    const shot = shots[0]!;
    assert.ok(shot.roomTick - shot.viewTick >= 9, `the view was ${shot.roomTick - shot.viewTick} ticks behind`);
    assert.equal(shot.rewindTick, shot.viewTick, 'within the cap: rewound to the view tick');
    assert.ok(shot.hit, 'hit');
    assert.ok(shot.liveMiss > 10 * HIT_RADIUS, `the live target is ${shot.liveMiss.toFixed(1)} units from the aim`);
    await server.close();
  });

  it('misses a target drawn longer ago than the 250 ms cap', async () => {
    const { clock, server, shots, fire } = await setup();
    fire(12);
    clock.advance(ONE_WAY_MS + 40);
    assert.equal(shots.length, 1);
    const shot = shots[0]!;
    const capTicks = Math.floor((250 * TICK_RATE_HZ) / 1000);
    assert.ok(shot.roomTick - shot.viewTick > capTicks);
    assert.equal(shot.rewindTick, shot.roomTick - capTicks, 'rewound only as far as the cap');
    assert.ok(!shot.hit, 'miss');
    await server.close();
  });
});

describe('LagCompensation history', () => {
  const world = (tick: number, x: number): Snapshot =>
    quantizeWorld(schema, tick, [{ id: 7, kind: 0, state: { x, y: 1 } }]);

  it('keeps references to the last historyMs of snapshots and caps rewinds', () => {
    const lag = new LagCompensation(schema, 60, { historyMs: 100, maxRewindMs: 50 });
    assert.equal(lag.historyTicks, 7);
    assert.equal(lag.maxRewindTicks, 3);
    assert.equal(lag.rewindTick(0), -1);
    assert.equal(
      lag.rewind(0, () => true),
      undefined,
    );
    const snaps: Snapshot[] = [];
    for (let tick = 1; tick <= 20; tick++) {
      snaps.push(world(tick, tick * 10));
      lag.record(snaps.at(-1)!);
    }
    assert.equal(lag.snapshotAt(20), snaps[19], 'the same object, not a copy');
    assert.equal(lag.snapshotAt(14), snaps[13]);
    assert.equal(lag.snapshotAt(13), undefined, 'older than the history');
    assert.equal(lag.snapshotAt(21), undefined);
    assert.equal(lag.rewindTick(18), 18);
    assert.equal(lag.rewindTick(5), 17, 'capped at now − maxRewindTicks');
    assert.equal(lag.rewindTick(99), 20, 'never ahead of now');
    assert.deepEqual(lag.stateAt(15, 7), { x: 150, y: 1 });
    assert.equal(lag.stateAt(15, 8), undefined);
    assert.deepEqual(
      lag.rewind(2, (at) => [at.tick, at.get(7, 'player')?.x, at.ids]),
      [17, 170, [7]],
    );
  });

  it('rejects a cap beyond the history', () => {
    assert.throws(() => new LagCompensation(schema, 60, { historyMs: 100, maxRewindMs: 200 }), /maxRewindMs/);
    assert.throws(() => new LagCompensation(schema, 60, { historyMs: -1 }), /historyMs/);
  });

  it('is kept by every room, with the room snapshot as its newest entry', async () => {
    const server = new Server({ autoTick: false, transport: new MemoryTransport(), logger: { warn() {}, error() {} } });
    server.define(
      'r',
      defineRoom(schema, { lagCompensation: { historyMs: 500, maxRewindMs: 100 }, closeWhenEmpty: false }),
    );
    await server.listen(0);
    const room = server.createRoom('r') as unknown as Room<typeof schema>;
    for (let i = 0; i < 40; i++) server.step();
    assert.equal(room.history.snapshotAt(room.tick), room.snapshot);
    assert.equal(room.history.maxRewindTicks, 6);
    await server.close();
  });
});
