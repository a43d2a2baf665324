/**
 * The room's one snapshot stream: its listeners (what a recorder or a spectator feed attaches to) get
 * every tick's world with delta and keyframe encodings that decode to it, apart from the clients' stream.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeServerMessage, MsgKind, type Snapshot, SnapshotCodec } from '../shared/index.ts';
import type { Room } from '../server/index.ts';
import type { StreamTick } from '../server/stream/streamTypes.ts';
import { sameWorld, testSchema } from './helpers/serverFixture.ts';
import { steppedArena } from './helpers/steppedServer.ts';

/** Decodes a frame a listener got; returns its envelope and body. */
function frameOf(bytes: Uint8Array): { tick: number; baseTick: number; lastInputSeq: number; body: Uint8Array } {
  const msg = decodeServerMessage(bytes);
  assert.ok(msg.ok && msg.value.kind === MsgKind.Snapshot, 'a Snapshot frame');
  return msg.value;
}

describe('snapshot stream listeners (room.onTick)', () => {
  it("get every tick's world with deltas and keyframes that decode to it", async () => {
    const { room, join, step, errors } = await steppedArena();
    const client = await join();
    const codec = new SnapshotCodec(testSchema);
    const held = new Map<number, Snapshot>();
    let ticks = 0;
    const off = room.onTick((t: StreamTick) => {
      ticks++;
      assert.equal(t.tick, room.tick);
      assert.equal(t.world, room.snapshot, 'the world the clients were streamed');
      const delta = frameOf(t.delta().bytes);
      assert.equal(t.delta(), t.delta(), 'encoded once per tick');
      assert.equal(delta.lastInputSeq, -1);
      const base = delta.baseTick < 0 ? null : held.get(delta.baseTick);
      assert.ok(base !== undefined, `the delta's base tick ${delta.baseTick} was seen`);
      const decoded = codec.decode(base, delta.tick, delta.body);
      assert.ok(decoded.ok && sameWorld(decoded.value, t.world), `tick ${t.tick}: the delta decodes to the world`);
      held.set(t.tick, decoded.value);
      if (t.tick % 5 === 0) {
        const key = frameOf(t.keyframe().bytes);
        assert.equal(key.baseTick, -1);
        const whole = codec.decode(null, key.tick, key.body);
        assert.ok(whole.ok && sameWorld(whole.value, t.world), `tick ${t.tick}: the keyframe decodes to the world`);
      }
    });
    for (let i = 0; i < 30; i++) step();
    assert.equal(ticks, 30);
    assert.deepEqual(errors, [], 'every check in the listener passed');
    assert.equal(held.size, 30, 'every delta decoded against the one before it');
    off();
    for (let i = 0; i < 3; i++) step();
    assert.equal(ticks, 30, 'a removed listener is not called');
    assert.equal(client.latest?.tick, room.tick);
    assert.deepEqual(client.errors, []);
  });

  it('leave the clients’ stream byte for byte as it is without them', async () => {
    const sent = async (withListener: boolean): Promise<number[]> => {
      const { server, room, join, step } = await steppedArena();
      const a = await join();
      await join();
      if (withListener)
        room.onTick((t) => {
          t.delta();
          t.keyframe();
        });
      const sizes: number[] = [];
      for (let i = 0; i < 20; i++) {
        const before = server.metrics.totals.bytesSent;
        step();
        sizes.push(server.metrics.totals.bytesSent - before);
      }
      assert.equal(a.latest?.tick, room.tick);
      await server.close();
      return sizes;
    };
    assert.deepEqual(await sent(true), await sent(false));
  });

  it("report a listener's exception to onError and carry on with the next tick", async () => {
    const { room, join, step, errors } = await steppedArena();
    const client = await join();
    let calls = 0;
    room.onTick(() => {
      calls++;
      throw new Error('recorder failed');
    });
    step();
    step();
    assert.equal(calls, 2);
    assert.equal(errors.length, 2);
    assert.equal(client.latest?.tick, (room as Room).tick, 'the clients are still streamed');
  });
});
