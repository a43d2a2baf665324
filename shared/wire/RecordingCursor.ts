/**
 * Decodes a recording's ticks in order from a seek point: the keyframe at or before the tick asked
 * for, then each delta. Every keyframe's state hash is checked, on the keyframe's own decode when the
 * cursor starts there and on the delta chain's decode of that tick when it passes one, so a replay that
 * would differ from what the live server had stops with a failure instead of drawing a wrong world.
 */
import { Unpackr } from 'msgpackr';
import { fail, ok, type Result } from '../result.ts';
import type { Snapshot } from '../snapshot.ts';
import type { SnapshotCodec } from './deltaCodec.ts';
import type { ChunkSource } from './RecordingReader.ts';
import { ByteReader, RecordKind, readU32le } from './recordingFormat.ts';
import type { DecodeLimits } from './SnapshotDecoder.ts';
import { type StateHash, stateHash } from './stateHash.ts';

/** An event the game logged, as a recording holds it. */
export interface RecordedEvent {
  /** The tick it was logged at. */
  readonly tick: number;
  /** Its name. */
  readonly name: string;
  /** Its data (what the game passed, through msgpack). */
  readonly data: unknown;
}

const eventUnpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** A keyframe record read along the chain (its bodies are views into the chunk). */
interface PendingKeyframe {
  readonly tick: number;
  readonly hash: StateHash;
  readonly seedGap: number;
  readonly seedBody: Uint8Array;
  readonly deltaBody: Uint8Array;
}

/** The index of the last keyframe with tick ≤ `tick` (0 when all are later; -1 when there is none). */
export function keyframeIndexAtOrBefore(keyframes: readonly { tick: number }[], tick: number): number {
  if (keyframes.length === 0) return -1;
  let lo = 0;
  let hi = keyframes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (keyframes[mid]!.tick <= tick) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A decoding position in a recording. Owned by one player; its snapshots are immutable. */
export class RecordingCursor {
  private held: Snapshot | null = null;
  private reader: ByteReader | null = null;
  private position = -1;
  /**
   * A keyframe seen while reading along the chain: its hash is checked when the chain reaches its tick,
   * and it is decoded instead when the chain breaks there (a recorder that restarted its chain).
   */
  private expected: PendingKeyframe | null = null;
  private readonly unpack: (bytes: Uint8Array) => unknown;

  /**
   * @param codec the codec of the recording's schema
   * @param source where the chunks come from
   * @param limits decode limits for every body
   * @param unpackEvent decodes an event record's msgpack (may throw; a throw fails the read). Default msgpackr.
   */
  constructor(
    private readonly codec: SnapshotCodec,
    private readonly source: ChunkSource,
    private readonly limits: DecodeLimits = {},
    unpackEvent: (bytes: Uint8Array) => unknown = (bytes) => eventUnpackr.unpack(bytes),
  ) {
    this.unpack = unpackEvent;
  }

  /** The last decoded world, or null before the first. */
  get current(): Snapshot | null {
    return this.held;
  }

  /**
   * Moves to the keyframe at or before `tick` (the first one when `tick` is earlier) and decodes it;
   * returns its world. Fails for a source without keyframes or a corrupt keyframe.
   */
  seek(tick: number): Result<Snapshot> {
    const keyframes = this.source.keyframes;
    const k = keyframeIndexAtOrBefore(keyframes, tick);
    if (k < 0) return fail('recording: no keyframe to start from');
    this.held = null;
    this.expected = null;
    this.reader = null;
    this.position = keyframes[k]!.offset;
    if (!this.openChunk()) return fail('recording: the keyframe chunk is missing');
    const first = this.readRecord(() => {});
    if (!first.ok) return first;
    if (first.value === null) return fail('recording: the keyframe chunk does not start with a keyframe');
    return ok(first.value);
  }

  /**
   * Decodes the next tick, calling `onEvent` for events on the way. Returns null at the end of what
   * the source holds (more may come later from a live source); a failure for corrupt data.
   */
  next(onEvent: (event: RecordedEvent) => void): Result<Snapshot | null> {
    if (this.held === null) return fail('recording: seek first');
    for (;;) {
      const r = this.readRecord(onEvent);
      if (!r.ok || r.value !== null) return r;
      if (this.reader !== null && !this.reader.done) continue;
      const opened = this.openChunk();
      if (opened === null) return ok(null);
      if (!opened.ok) return opened;
    }
  }

  /** Opens the chunk at the current position; null at the end of the source. */
  private openChunk(): Result<true> | null {
    const chunk = this.source.chunk(this.position);
    if (chunk === null) return null;
    if (!chunk.ok) return chunk;
    this.reader = new ByteReader(chunk.value.payload);
    this.position = chunk.value.next;
    return ok(true);
  }

  /** Reads one record: a new world, or null for an event, a skipped delta or the chunk's end. */
  private readRecord(onEvent: (event: RecordedEvent) => void): Result<Snapshot | null> {
    const r = this.reader;
    if (r === null || r.done) return ok(null);
    const kind = r.u8();
    const tick = r.varint();
    if (tick < 0) return fail('recording: truncated record');
    if (kind === RecordKind.Keyframe) return this.keyframe(r, tick);
    if (kind === RecordKind.Delta) return this.delta(r, tick);
    if (kind === RecordKind.Event) {
      const bytes = r.sized();
      if (bytes === null) return fail('recording: truncated event');
      try {
        const value = this.unpack(bytes);
        if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string')
          return fail(`recording: event at tick ${tick} is not [name, data]`);
        onEvent({ tick, name: value[0], data: value[1] });
      } catch {
        return fail(`recording: event at tick ${tick} is not msgpack`);
      }
      return ok(null);
    }
    return fail(`recording: unknown record kind ${kind}`);
  }

  private keyframe(r: ByteReader, tick: number): Result<Snapshot | null> {
    const seedGap = r.varint();
    const hash = r.take(8);
    const seedBody = r.sized();
    const deltaBody = r.sized();
    if (seedGap < 1 || seedGap > tick || hash === null || seedBody === null || deltaBody === null)
      return fail(`recording: keyframe at tick ${tick} is truncated`);
    const expected = { hi: readU32le(hash, 0), lo: readU32le(hash, 4) };
    if (this.held !== null) {
      // Reading on along the chain: check the chain's own decode of this tick when it comes.
      this.expected = { tick, hash: expected, seedGap, seedBody, deltaBody };
      return ok(null);
    }
    return this.decodeKeyframe(tick, seedGap, expected, seedBody, deltaBody);
  }

  private decodeKeyframe(
    tick: number,
    seedGap: number,
    expected: StateHash,
    seedBody: Uint8Array,
    deltaBody: Uint8Array,
  ): Result<Snapshot> {
    const seed = this.codec.decode(null, tick - seedGap, seedBody, this.limits);
    if (!seed.ok) return fail(`recording: keyframe seed at tick ${tick - seedGap}: ${seed.reason}`);
    const world = this.codec.decode(seed.value, tick, deltaBody, this.limits);
    if (!world.ok) return fail(`recording: keyframe at tick ${tick}: ${world.reason}`);
    if (!sameHash(stateHash(world.value), expected)) return fail(`recording: keyframe at tick ${tick}: hash mismatch`);
    this.held = world.value;
    return ok(world.value);
  }

  private delta(r: ByteReader, tick: number): Result<Snapshot | null> {
    const baseGap = r.varint();
    const body = r.sized();
    if (baseGap < 1 || body === null) return fail(`recording: delta at tick ${tick} is truncated`);
    const held = this.held;
    if (held === null) return fail(`recording: delta at tick ${tick} before any keyframe`);
    if (tick <= held.tick) return ok(null); // the chain's copy of the keyframe the cursor started on
    const pending = this.expected;
    if (tick - baseGap !== held.tick) {
      if (pending === null || pending.tick !== tick)
        return fail(`recording: delta at tick ${tick} is against a tick not held`);
      this.expected = null;
      return this.decodeKeyframe(tick, pending.seedGap, pending.hash, pending.seedBody, pending.deltaBody);
    }
    const world = this.codec.decode(held, tick, body, this.limits);
    if (!world.ok) return fail(`recording: delta at tick ${tick}: ${world.reason}`);
    if (pending !== null && pending.tick === tick) {
      this.expected = null;
      if (!sameHash(stateHash(world.value), pending.hash)) return fail(`recording: tick ${tick}: hash mismatch`);
    }
    this.held = world.value;
    return ok(world.value);
  }
}

function sameHash(a: StateHash, b: StateHash): boolean {
  return a.hi === b.hi && a.lo === b.lo;
}
