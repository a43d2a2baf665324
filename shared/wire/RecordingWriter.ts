/**
 * Builds a recording's bytes (format: recordingFormat.ts and shared/wire/README.md): the preamble and
 * header, data chunks of records, and the index and trailer that close it. Pure: it hands out byte
 * arrays and never writes anywhere; the server's recorder and fragment publisher choose the sink.
 */
import { Packr } from 'msgpackr';
import type { StateHash } from './stateHash.ts';
import {
  ByteWriter,
  ChunkType,
  frameChunk,
  PREAMBLE_BYTES,
  RECORDING_MAGIC,
  RECORDING_VERSION,
  RecordKind,
  trailerBytes,
} from './recordingFormat.ts';

/** What a recording says about itself in its header. */
export interface RecordingHeader {
  /** The format version (see RECORDING_VERSION). */
  readonly version: number;
  /** The schema hash the snapshots are encoded with (`schema.hash`). */
  readonly schemaHash: string;
  /** The schema's declaration as JSON, for tools that read a recording without the game's code. */
  readonly schema: string;
  /** Ticks per second of the room. */
  readonly tickRateHz: number;
  /** When recording started, ms since the Unix epoch (wall clock; informational). */
  readonly startTimeMs: number;
  /** The room's id. */
  readonly roomId: string;
  /** The room type's name. */
  readonly roomType: string;
  /** Ticks between keyframes (seek points). */
  readonly keyframeEveryTicks: number;
}

/** One entry of the index: a keyframe tick and the offset of the data chunk it starts. */
export interface KeyframeEntry {
  /** The keyframe's tick. */
  readonly tick: number;
  /** Offset of its chunk from the start of the recording, bytes. */
  readonly offset: number;
}

const packr = new Packr({ useRecords: false, variableMapSize: true });

/** The msgpack payload of a header chunk. */
export function encodeHeader(header: RecordingHeader): Uint8Array {
  return packr.pack({ ...header });
}

/**
 * Writes records into chunks for one recording. Owned by one recorder; the byte arrays it returns are
 * fresh and belong to the caller.
 */
export class RecordingWriter {
  private readonly records = new ByteWriter(16 * 1024);
  private readonly entries: KeyframeEntry[] = [];
  /** Bytes of the recording handed out so far (the offset of the next chunk). */
  private written = 0;
  /** Records in the open chunk. */
  private pending = 0;

  /** The preamble and the header chunk: the recording's first bytes. */
  start(header: RecordingHeader): Uint8Array {
    const chunk = frameChunk(ChunkType.Header, encodeHeader(header));
    const out = new Uint8Array(PREAMBLE_BYTES + chunk.length);
    out.set(RECORDING_MAGIC, 0);
    out[4] = RECORDING_VERSION;
    out.set(chunk, PREAMBLE_BYTES);
    this.written = out.length;
    return out;
  }

  /** Bytes handed out so far. */
  get bytesWritten(): number {
    return this.written;
  }

  /** Records waiting in the open chunk. */
  get pendingRecords(): number {
    return this.pending;
  }

  /**
   * Adds a keyframe record for `tick` (see RecordKind.Keyframe). It starts a chunk: call {@link cut}
   * first if records are pending, so the chunk a seek lands on begins with it.
   */
  keyframe(tick: number, seedGap: number, hash: StateHash, seedBody: Uint8Array, deltaBody: Uint8Array): void {
    if (this.pending > 0) throw new Error('RecordingWriter.keyframe: cut() the open chunk first');
    this.entries.push({ tick, offset: this.written });
    const w = this.records;
    w.u8(RecordKind.Keyframe);
    w.varint(tick);
    w.varint(seedGap);
    w.u32(hash.hi);
    w.u32(hash.lo);
    w.sized(seedBody);
    w.sized(deltaBody);
    this.pending++;
  }

  /** Adds a delta record: the world at `tick` against the one `baseGap` ticks before. */
  delta(tick: number, baseGap: number, body: Uint8Array): void {
    const w = this.records;
    w.u8(RecordKind.Delta);
    w.varint(tick);
    w.varint(baseGap);
    w.sized(body);
    this.pending++;
  }

  /** Adds an event record: msgpack `[name, data]` at `tick`. Throws if `data` cannot be packed. */
  event(tick: number, name: string, data: unknown): void {
    const w = this.records;
    w.u8(RecordKind.Event);
    w.varint(tick);
    w.sized(packr.pack([name, data ?? null]));
    this.pending++;
  }

  /** Closes the open chunk and returns its bytes, or null when no record is pending. */
  cut(): Uint8Array | null {
    if (this.pending === 0) return null;
    const chunk = frameChunk(ChunkType.Data, this.records.view());
    this.records.clear();
    this.pending = 0;
    this.written += chunk.length;
    return chunk;
  }

  /** The last bytes of the recording: any open chunk, the index chunk and the trailer. */
  finish(): Uint8Array {
    const last = this.cut();
    const index = new ByteWriter(16 + this.entries.length * 6);
    index.varint(this.entries.length);
    let tick = 0;
    let offset = 0;
    for (const e of this.entries) {
      index.varint(e.tick - tick);
      index.varint(e.offset - offset);
      tick = e.tick;
      offset = e.offset;
    }
    const indexChunk = frameChunk(ChunkType.Index, index.view());
    const indexOffset = this.written;
    const trailer = trailerBytes(indexOffset);
    const out = new ByteWriter((last?.length ?? 0) + indexChunk.length + trailer.length);
    if (last !== null) out.bytes(last);
    out.bytes(indexChunk);
    out.bytes(trailer);
    this.written += indexChunk.length + trailer.length;
    return out.copy();
  }
}
