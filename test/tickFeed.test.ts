/**
 * The stream's listener feed (what a recorder or a fragment publisher reads) reuses the delta the
 * all-visible strategy encoded for the peers instead of encoding the world a second time, and its
 * deltas still decode, one after the other, to every tick's world exactly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeServerMessage, MsgKind, type Snapshot, SnapshotCodec } from '../shared/index.ts';
import { sameWorld, testSchema } from './helpers/serverFixture.ts';
import { steppedArena } from './helpers/steppedServer.ts';

/** Counts SnapshotCodec.encode calls made while `run` runs. */
async function countEncodes(run: (count: () => number) => Promise<void>): Promise<void> {
  const original = SnapshotCodec.prototype.encode;
  let calls = 0;
  SnapshotCodec.prototype.encode = function (this: SnapshotCodec, ...args) {
    calls++;
    return original.apply(this, args);
  };
  try {
    await run(() => calls);
  } finally {
    SnapshotCodec.prototype.encode = original;
  }
}

describe("the stream's listener feed", () => {
  it("shares the peers' delta encode and still decodes to every tick's world", async () => {
    await countEncodes(async (count) => {
      const { server, room, join, step } = await steppedArena();
      await join();
      const late = await join();
      const codec = new SnapshotCodec(testSchema);
      let held: Snapshot | null = null;
      const failures: string[] = [];
      room.onTick((t) => {
        const msg = decodeServerMessage(t.delta().bytes);
        assert.ok(msg.ok && msg.value.kind === MsgKind.Snapshot);
        const { tick, baseTick, body } = msg.value;
        if (baseTick !== (held === null ? -1 : held.tick)) failures.push(`tick ${tick}: base ${baseTick}`);
        const decoded = codec.decode(baseTick < 0 ? null : held, tick, body);
        if (!decoded.ok || !sameWorld(decoded.value, t.world)) failures.push(`tick ${tick}: not the world`);
        else held = decoded.value;
      });
      const perStep: number[] = [];
      for (let i = 0; i < 30; i++) {
        const before = count();
        step();
        perStep.push(count() - before);
        if (i === 10) late.socket.close();
      }
      assert.deepEqual(failures, []);
      assert.equal(held !== null && (held as Snapshot).tick, room.tick, 'the feed decoded up to the last tick');
      // The first tick the feed encodes against nothing and adopts the peers' result; from then on
      // the one encode per tick is the peers'.
      assert.deepEqual(perStep.slice(2), new Array(28).fill(1), `encodes per tick: ${perStep.join(' ')}`);
      await server.close();
    });
  });

  it('encodes its own delta when no peer is streamed', async () => {
    await countEncodes(async (count) => {
      const { server, room, step } = await steppedArena();
      const codec = new SnapshotCodec(testSchema);
      let held: Snapshot | null = null;
      room.onTick((t) => {
        const msg = decodeServerMessage(t.delta().bytes);
        assert.ok(msg.ok && msg.value.kind === MsgKind.Snapshot);
        const decoded = codec.decode(held, msg.value.tick, msg.value.body);
        assert.ok(decoded.ok && sameWorld(decoded.value, t.world));
        held = decoded.value;
      });
      const before = count();
      for (let i = 0; i < 10; i++) step();
      assert.equal(count() - before, 10, 'one encode per tick, the feed’s own');
      await server.close();
    });
  });
});
