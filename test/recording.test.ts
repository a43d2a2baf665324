/**
 * Recording fidelity: a scripted match recorded through the room's stream replays, tick by tick and
 * from any seek point, exactly the quantized worlds the live server had; keyframe hashes are checked;
 * a file cut short (a crash) reads up to its last whole chunk; a corrupt one fails instead of lying.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { quantizeWorld, seededRandom, type Snapshot, SnapshotCodec } from '../shared/index.ts';
import { MemoryTransport, Server } from '../server/index.ts';
import { Recordings } from '../server/recording/Recordings.ts';
import { RecordingCursor, type RecordedEvent } from '../shared/wire/RecordingCursor.ts';
import { RecordingFile } from '../shared/wire/RecordingReader.ts';
import { RecordingWriter } from '../shared/wire/RecordingWriter.ts';
import { stateHash } from '../shared/wire/stateHash.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { recordMatch, scriptedType, TICK_RATE_HZ } from './helpers/recordingFixture.ts';
import { sameWorld, testSchema } from './helpers/serverFixture.ts';

function cursorOf(bytes: Uint8Array): { file: RecordingFile; cursor: RecordingCursor } {
  const opened = RecordingFile.open(bytes);
  assert.ok(opened.ok, opened.ok ? '' : opened.reason);
  return { file: opened.value, cursor: new RecordingCursor(new SnapshotCodec(testSchema), opened.value) };
}

/** Plays from `from` to the end; returns the ticks decoded and the first failure, if any. */
function playAll(cursor: RecordingCursor, from: number, live: Map<number, Snapshot>, events: RecordedEvent[] = []) {
  const start = cursor.seek(from);
  assert.ok(start.ok, start.ok ? '' : start.reason);
  assert.ok(sameWorld(start.value, live.get(start.value.tick)!), `keyframe ${start.value.tick} equals the live world`);
  const ticks = [start.value.tick];
  for (;;) {
    const next = cursor.next((e) => events.push(e));
    if (!next.ok) return { ticks, failure: next.reason };
    if (next.value === null) return { ticks, failure: null };
    assert.equal(next.value.tick, ticks[ticks.length - 1]! + 1, 'ticks follow each other');
    assert.ok(sameWorld(next.value, live.get(next.value.tick)!), `tick ${next.value.tick} equals the live world`);
    ticks.push(next.value.tick);
  }
}

describe('recording (RoomRecorder, RecordingFile, RecordingCursor)', () => {
  it('replays tick by tick exactly the quantized worlds the live server had, events included', async () => {
    const { bytes, live, sink } = await recordMatch(400);
    assert.ok(sink.closed, 'the sink was closed');
    const { file, cursor } = cursorOf(bytes);
    assert.ok(file.complete, 'closed cleanly: index and trailer');
    assert.equal(file.header.schemaHash, testSchema.hash);
    assert.equal(file.header.tickRateHz, TICK_RATE_HZ);
    assert.equal(file.header.keyframeEveryTicks, 50);
    assert.ok(file.keyframes.length >= 7, `keyframes every second: ${file.keyframes.length}`);
    const events: RecordedEvent[] = [];
    const { ticks, failure } = playAll(cursor, 0, live, events);
    assert.equal(failure, null);
    assert.equal(ticks[0], 2, 'the first keyframe is the second tick (its seed is the first)');
    assert.equal(ticks[ticks.length - 1], 400);
    assert.equal(file.lastTick, 400, 'the last tick, read from the last chunk without decoding');
    assert.ok(events.length > 30, `kills logged: ${events.length}`);
    for (const e of events) assert.equal(e.name, 'kill');
  });

  it('seeks to any tick through the nearest keyframe before it', async () => {
    const { bytes, live } = await recordMatch(300);
    const { file, cursor } = cursorOf(bytes);
    const rand = seededRandom(5);
    for (let i = 0; i < 20; i++) {
      const target = 2 + Math.floor(rand() * 298);
      const start = cursor.seek(target);
      assert.ok(start.ok);
      assert.ok(start.value.tick <= target && target - start.value.tick < file.header.keyframeEveryTicks);
      let at = start.value;
      while (at.tick < target) {
        const next = cursor.next(() => {});
        assert.ok(next.ok && next.value !== null);
        at = next.value;
      }
      assert.ok(sameWorld(at, live.get(target)!), `seek to ${target}`);
    }
  });

  it('reads a file cut short by a crash up to its last whole chunk', async () => {
    const { bytes, live } = await recordMatch(300);
    const rand = seededRandom(9);
    for (let i = 0; i < 10; i++) {
      const cut = 200 + Math.floor(rand() * (bytes.length - 400));
      const { file, cursor } = cursorOf(bytes.subarray(0, cut));
      assert.equal(file.complete, false);
      const { ticks, failure } = playAll(cursor, 0, live);
      assert.equal(failure, null, 'a torn last chunk is not an error: it is left out');
      assert.ok(ticks.length > 0 && ticks[ticks.length - 1]! < 300);
      assert.equal(file.lastTick, ticks[ticks.length - 1], 'lastTick is the last tick a player reaches');
    }
  });

  it('fails, rather than showing a wrong world, when a byte of the file is corrupt', async () => {
    const { bytes, live } = await recordMatch(200);
    const { file } = cursorOf(bytes);
    const rand = seededRandom(3);
    let caught = 0;
    for (let i = 0; i < 20; i++) {
      const copy = bytes.slice();
      const at = file.keyframes[0]!.offset + Math.floor(rand() * (bytes.length - file.keyframes[0]!.offset - 12));
      copy[at] = copy[at]! ^ (1 + Math.floor(rand() * 255));
      const opened = RecordingFile.open(copy);
      const cursor = opened.ok ? new RecordingCursor(new SnapshotCodec(testSchema), opened.value) : null;
      const start = cursor?.seek(0);
      if (cursor === null || start === undefined || !start.ok) {
        caught++;
        continue;
      }
      let last = start.value;
      for (;;) {
        const next = cursor.next(() => {});
        if (!next.ok) caught++;
        if (!next.ok || next.value === null) break;
        last = next.value;
        assert.ok(sameWorld(last, live.get(last.tick)!), 'every world shown is the live one');
      }
    }
    assert.ok(caught >= 10, `corruptions caught: ${caught} of 20 (a flip in the index only costs the index)`);
  });

  it("checks each keyframe's state hash: on the keyframe when seeking, on the delta chain when playing on", () => {
    const codec = new SnapshotCodec(testSchema);
    const world = (tick: number, dx: number) =>
      quantizeWorld(testSchema, tick, [{ id: 1, kind: 1, state: { x: tick * 3 + dx, y: 5, tag: 'a' } }]);
    const recordWith = (chainDx: number, hashOf: Snapshot): Uint8Array => {
      const writer = new RecordingWriter();
      const header = { version: 1, schemaHash: testSchema.hash, schema: '{}', tickRateHz: 50, startTimeMs: 0 };
      const parts = [writer.start({ ...header, roomId: 'r', roomType: 't', keyframeEveryTicks: 3 })];
      const seed = codec.encode(null, world(1, 0));
      const seedBytes = seed.bytes.slice();
      writer.keyframe(2, 1, stateHash(hashOf), seedBytes, codec.encode(seed.next, world(2, 0)).bytes);
      const one = codec.encode(null, world(1, 0)).next;
      const chain2 = codec.encode(one, world(2, 0));
      writer.delta(2, 1, chain2.bytes.slice());
      const chain3 = codec.encode(chain2.next, world(3, 0));
      writer.delta(3, 1, chain3.bytes.slice());
      parts.push(writer.cut()!);
      const seed4 = codec.encode(null, world(3, 0));
      writer.keyframe(4, 1, stateHash(world(4, 0)), seed4.bytes.slice(), codec.encode(seed4.next, world(4, 0)).bytes);
      writer.delta(4, 1, codec.encode(chain3.next, world(4, chainDx)).bytes);
      parts.push(writer.finish());
      return Buffer.concat(parts);
    };
    const play = (bytes: Uint8Array) => {
      const { cursor } = cursorOf(bytes);
      const start = cursor.seek(0);
      if (!start.ok) return start.reason;
      for (;;) {
        const next = cursor.next(() => {});
        if (!next.ok) return next.reason;
        if (next.value === null) return `end at ${cursor.current!.tick}`;
      }
    };
    assert.equal(play(recordWith(0, world(2, 0))), 'end at 4');
    assert.equal(play(recordWith(0, world(2, 1))), 'recording: keyframe at tick 2: hash mismatch');
    assert.equal(play(recordWith(1, world(2, 0))), 'recording: tick 4: hash mismatch');
  });

  it('records each room of a wrapped type into a file, closed when the room and the server close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-rec-'));
    try {
      const clock = new FakeClock();
      const server = new Server({
        clock,
        transport: new MemoryTransport({ clock }),
        tickRateHz: TICK_RATE_HZ,
        autoTick: false,
        logger: { warn() {}, error() {} },
      });
      const recordings = new Recordings({ dir, tickRateHz: TICK_RATE_HZ, keyframeEveryMs: 500, wallClockMs: () => 1 });
      server.define(
        'arena',
        recordings.roomType(scriptedType((room, name, data) => recordings.event(room as never, name, data))),
      );
      await server.listen(0, '127.0.0.1');
      const room = server.createRoom('arena');
      const live = new Map<number, Snapshot>();
      room.onTick((t) => live.set(t.tick, t.world));
      for (let i = 0; i < 120; i++) server.step();
      await server.close();
      await recordings.close();
      assert.deepEqual(recordings.files, [join(dir, `${room.id}-1.twr`)]);
      const { file, cursor } = cursorOf(readFileSync(recordings.files[0]!));
      assert.ok(file.complete);
      const { ticks, failure } = playAll(cursor, 0, live);
      assert.equal(failure, null);
      assert.equal(ticks[ticks.length - 1], 120);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
