/**
 * Records one room: attached to the room's snapshot stream (`room.onTick`), it writes each tick's
 * world as the stream's delta, a keyframe every few seconds, and the events the game logs, into
 * chunks handed to a sink (a file, or anything else). The tick only copies bytes into the open chunk;
 * a chunk goes to the sink once a second or so, and the sink writes it off the tick.
 *
 * A keyframe at tick K holds the world at K − 1 whole and K as a delta against it: a reader that
 * decodes both holds K exactly as a reader of every delta does (values, and the motion the codec
 * predicts the next delta from), so the one delta chain serves readers that seek and readers that
 * play on, and the chain's decode of K is checked against the keyframe's state hash.
 */
import { emptyEnvelope, parseSnapshotEnvelope, type Schema, type Snapshot, SnapshotCodec } from '../../shared/index.ts';
import { RecordingWriter } from '../../shared/wire/RecordingWriter.ts';
import { stateHash } from '../../shared/wire/stateHash.ts';
import type { Room } from '../Room.ts';
import type { StreamTick } from '../stream/streamTypes.ts';

/**
 * Default time between keyframes (seek points), ms. A seek decodes at most this much of deltas; at
 * 2 s a 30-minute recording at 60 Hz (E = 100) seeks in a few ms for about 5 % more bytes than at 5 s
 * (`npm run bench -- record`).
 */
export const DEFAULT_KEYFRAME_EVERY_MS = 2000;
/** Default time between chunks handed to the sink, ms: at most this much is lost in a crash. */
export const DEFAULT_CHUNK_EVERY_MS = 1000;

/** Where a recorder's bytes go. */
export interface RecordingSink {
  /** Appends `bytes` (the recorder's; they are not reused). Must return at once and write later. */
  write(bytes: Uint8Array): void;
  /** Resolves once every byte written before it is stored and the sink is closed. */
  close(): Promise<void>;
}

/** Options of a {@link RoomRecorder}. */
export interface RoomRecorderOptions {
  /** Time between keyframes, ms. Default {@link DEFAULT_KEYFRAME_EVERY_MS}. */
  readonly keyframeEveryMs?: number;
  /** Time between chunks handed to the sink, ms. Default {@link DEFAULT_CHUNK_EVERY_MS}. */
  readonly chunkEveryMs?: number;
  /** Wall-clock time for the header's start time, ms since the epoch. Default `Date.now`. */
  readonly wallClockMs?: () => number;
}

/** A keyframe's first half: the world of the tick before it, whole. */
interface Seed {
  readonly tick: number;
  readonly bytes: Uint8Array;
  readonly next: Snapshot;
}

/** Records one room into a sink from attachment until {@link RoomRecorder.close}. */
export class RoomRecorder {
  private readonly writer = new RecordingWriter();
  private readonly codec: SnapshotCodec;
  private readonly envelope = emptyEnvelope();
  private readonly keyframeEveryTicks: number;
  private readonly chunkTicks: number;
  private readonly detach: () => void;
  private seed: Seed | null = null;
  /** True once a keyframe started the chain the deltas continue. */
  private chained = false;
  private lastTick = -1;
  private lastKeyframeTick = -Infinity;
  private chunkStartTick = -1;
  private closing: Promise<void> | null = null;

  /**
   * Starts recording `room` into `sink`: writes the header at once and a record every tick from the
   * next one. The sink is owned by the recorder from now on and closed by {@link close}.
   */
  constructor(
    private readonly room: Room<Schema>,
    private readonly sink: RecordingSink,
    tickRateHz: number,
    options: RoomRecorderOptions = {},
  ) {
    const keyframeMs = options.keyframeEveryMs ?? DEFAULT_KEYFRAME_EVERY_MS;
    const chunkMs = options.chunkEveryMs ?? DEFAULT_CHUNK_EVERY_MS;
    if (!(keyframeMs > 0 && chunkMs > 0))
      throw new RangeError(`recording: keyframeEveryMs and chunkEveryMs must be > 0; got ${keyframeMs}, ${chunkMs}`);
    this.keyframeEveryTicks = Math.max(2, Math.round((keyframeMs * tickRateHz) / 1000));
    this.chunkTicks = Math.max(1, Math.round((chunkMs * tickRateHz) / 1000));
    this.codec = new SnapshotCodec(room.schema);
    sink.write(
      this.writer.start({
        version: 1,
        schemaHash: room.schema.hash,
        schema: JSON.stringify(room.schema.decl),
        tickRateHz,
        startTimeMs: (options.wallClockMs ?? Date.now)(),
        roomId: room.id,
        roomType: room.name,
        keyframeEveryTicks: this.keyframeEveryTicks,
      }),
    );
    this.detach = room.onTick((t) => this.tick(t));
  }

  /** Bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.writer.bytesWritten;
  }

  /**
   * Logs a game event at the room's current tick: `data` is anything msgpack can hold (plain objects,
   * arrays, numbers, strings, booleans, null, byte arrays). Ignored once closing.
   */
  event(name: string, data?: unknown): void {
    if (this.closing !== null || !this.chained) return;
    this.writer.event(this.room.tick, name, data);
  }

  /** Stops recording: writes the open chunk, the index and the trailer, and closes the sink. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.detach();
      this.sink.write(this.writer.finish());
      this.closing = this.sink.close();
    }
    return this.closing;
  }

  private tick(t: StreamTick): void {
    const tick = t.tick;
    const frame = t.delta().bytes;
    const env = this.envelope;
    if (!parseSnapshotEnvelope(frame, env))
      throw new Error(`recording: the stream's frame at tick ${tick} is malformed`);
    if (env.baseTick !== this.lastTick) this.chained = false; // the first tick, or a chain restarted
    const seed = this.seed;
    if (seed !== null && seed.tick === tick - 1) this.writeKeyframe(t.world, seed);
    if (this.chained)
      this.writer.delta(tick, tick - env.baseTick, frame.subarray(env.bodyOffset, env.bodyOffset + env.bodyLength));
    this.seed = null;
    if (!this.chained || tick + 1 - this.lastKeyframeTick >= this.keyframeEveryTicks) {
      const whole = this.codec.encode(null, t.world);
      this.seed = { tick, bytes: whole.bytes.slice(), next: whole.next };
    }
    if (this.chunkStartTick < 0) this.chunkStartTick = tick;
    if (tick + 1 - this.chunkStartTick >= this.chunkTicks) this.flush();
    this.lastTick = tick;
  }

  private writeKeyframe(world: Snapshot, seed: Seed): void {
    this.flush();
    const delta = this.codec.encode(seed.next, world);
    this.writer.keyframe(world.tick, world.tick - seed.tick, stateHash(world), seed.bytes, delta.bytes);
    this.chained = true;
    this.lastKeyframeTick = world.tick;
    this.chunkStartTick = world.tick;
  }

  private flush(): void {
    const chunk = this.writer.cut();
    if (chunk !== null) this.sink.write(chunk);
    this.chunkStartTick = -1;
  }
}
