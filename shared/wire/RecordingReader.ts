/**
 * Reads recordings (format: recordingFormat.ts and shared/wire/README.md) from untrusted bytes: the
 * header, the seek points (from the index, or by walking the chunks of a file a crash left without
 * one), and the chunks a cursor decodes. Every read returns a Result; nothing here throws on bad bytes.
 */
import { Unpackr } from 'msgpackr';
import { fail, ok, type Result } from '../result.ts';
import type { KeyframeEntry, RecordingHeader } from './RecordingWriter.ts';
import {
  ByteReader,
  ChunkType,
  CHUNK_HEADER_BYTES,
  PREAMBLE_BYTES,
  RECORDING_MAGIC,
  RECORDING_VERSION,
  RecordKind,
  readChunk,
  readU32le,
  trailerIndexOffset,
} from './recordingFormat.ts';

/** A data chunk read from a {@link ChunkSource}. */
export interface ChunkRead {
  /** The chunk's payload (its records); a view owned by the source, valid while the source is. */
  readonly payload: Uint8Array;
  /** The position of the next chunk, for the next `chunk` call. */
  readonly next: number;
}

/** Where a cursor gets data chunks from: one recording file, or live fragments as they arrive. */
export interface ChunkSource {
  /** The seek points, ascending by tick; `offset` is a position this source's `chunk` takes. */
  readonly keyframes: readonly KeyframeEntry[];
  /**
   * The payload of the data chunk at `position` and the position of the next one; null when there is
   * none (yet); a failure for a torn or corrupt chunk.
   */
  chunk(position: number): Result<ChunkRead> | null;
}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** Decodes and checks a header chunk's msgpack payload. */
export function decodeHeader(payload: Uint8Array): Result<RecordingHeader> {
  let value: unknown;
  try {
    value = unpackr.unpack(payload);
  } catch {
    return fail('recording header: not msgpack');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('recording header: not a map');
  const h = value as Record<string, unknown>;
  const text = (k: string): boolean => typeof h[k] === 'string' && (h[k] as string).length <= 1 << 20;
  const int = (k: string, min: number, max: number): boolean =>
    Number.isInteger(h[k]) && (h[k] as number) >= min && (h[k] as number) <= max;
  if (!int('version', 1, 255) || h['version'] !== RECORDING_VERSION)
    return fail(`recording header: version ${String(h['version'])}; this reader reads ${RECORDING_VERSION}`);
  for (const k of ['schemaHash', 'schema', 'roomId', 'roomType'])
    if (!text(k)) return fail(`recording header: ${k} is not a string`);
  if (!int('tickRateHz', 1, 1000)) return fail('recording header: tickRateHz out of range');
  if (!int('keyframeEveryTicks', 1, 2 ** 31)) return fail('recording header: keyframeEveryTicks out of range');
  if (typeof h['startTimeMs'] !== 'number' || !Number.isFinite(h['startTimeMs']))
    return fail('recording header: startTimeMs is not a number');
  return ok({
    version: h['version'] as number,
    schemaHash: h['schemaHash'] as string,
    schema: h['schema'] as string,
    tickRateHz: h['tickRateHz'] as number,
    startTimeMs: h['startTimeMs'] as number,
    roomId: h['roomId'] as string,
    roomType: h['roomType'] as string,
    keyframeEveryTicks: h['keyframeEveryTicks'] as number,
  });
}

/** The preamble and header chunk at the start of `bytes`, and the offset after them. */
export function readPreamble(bytes: Uint8Array): Result<{ header: RecordingHeader; dataStart: number }> {
  for (let i = 0; i < 4; i++) if (bytes[i] !== RECORDING_MAGIC[i]) return fail('not a Tickwave recording (magic)');
  if (bytes.length < PREAMBLE_BYTES) return fail('recording: cut short before its version');
  if (bytes[4] !== RECORDING_VERSION)
    return fail(`recording format version ${bytes[4]}; this reader reads ${RECORDING_VERSION}`);
  const chunk = readChunk(bytes, PREAMBLE_BYTES);
  if (!chunk.ok) return chunk;
  if (chunk.value.type !== ChunkType.Header) return fail('recording: the first chunk is not a header');
  const header = decodeHeader(chunk.value.payload);
  if (!header.ok) return header;
  return ok({ header: header.value, dataStart: PREAMBLE_BYTES + CHUNK_HEADER_BYTES + chunk.value.payload.length });
}

/**
 * The tick of the last world record (Keyframe or Delta) in a data chunk payload, walking the records
 * without decoding their bodies; -1 if there is none or the payload is malformed.
 */
export function lastTickOf(payload: Uint8Array): number {
  const r = new ByteReader(payload);
  let last = -1;
  while (!r.done) {
    const kind = r.u8();
    const tick = r.varint();
    if (tick < 0) return -1;
    if (kind === RecordKind.Keyframe) {
      if (r.varint() < 0 || r.take(8) === null || r.sized() === null || r.sized() === null) return -1;
    } else if (kind === RecordKind.Delta) {
      if (r.varint() < 0 || r.sized() === null) return -1;
    } else if (kind !== RecordKind.Event || r.sized() === null) return -1;
    if (kind !== RecordKind.Event) last = tick;
  }
  return last;
}

/** The first record of a data chunk payload if it is a keyframe: its tick; else -1. */
export function keyframeTickOf(payload: Uint8Array): number {
  const r = new ByteReader(payload);
  return r.u8() === RecordKind.Keyframe ? r.varint() : -1;
}

/** A whole recording file in memory, as a {@link ChunkSource}. */
export class RecordingFile implements ChunkSource {
  /** True when the file was closed cleanly (it has an index and a trailer). */
  readonly complete: boolean;
  private endTick: number | null = null;

  private constructor(
    /** The recording's header. */
    readonly header: RecordingHeader,
    /** The seek points; offsets are byte offsets of their chunks. */
    readonly keyframes: readonly KeyframeEntry[],
    private readonly bytes: Uint8Array,
    private readonly dataEnd: number,
    complete: boolean,
  ) {
    this.complete = complete;
  }

  /**
   * Opens the recording in `bytes` (kept, not copied): its header, and its seek points from the index,
   * or, for a file without one (a crash), from walking its chunks up to the last whole one.
   */
  static open(bytes: Uint8Array): Result<RecordingFile> {
    const pre = readPreamble(bytes);
    if (!pre.ok) return pre;
    const { header, dataStart } = pre.value;
    const indexOffset = trailerIndexOffset(bytes);
    if (indexOffset >= dataStart) {
      const index = readIndex(bytes, indexOffset, dataStart);
      if (index.ok) return ok(new RecordingFile(header, index.value, bytes, indexOffset, true));
    }
    const keyframes: KeyframeEntry[] = [];
    let at = dataStart;
    while (at + CHUNK_HEADER_BYTES <= bytes.length && bytes[at] === ChunkType.Data) {
      const end = at + CHUNK_HEADER_BYTES + readU32le(bytes, at + 1);
      if (end > bytes.length) break;
      const tick = keyframeTickOf(bytes.subarray(at + CHUNK_HEADER_BYTES, end));
      if (tick >= 0 && (keyframes.length === 0 || tick > keyframes[keyframes.length - 1]!.tick))
        keyframes.push({ tick, offset: at });
      at = end;
    }
    return ok(new RecordingFile(header, keyframes, bytes, at, false));
  }

  /**
   * The last tick the recording holds (from its last whole chunk; the first keyframe's tick if that
   * chunk is unreadable, -1 without keyframes). Computed once.
   */
  get lastTick(): number {
    if (this.endTick === null) this.endTick = this.findLastTick();
    return this.endTick;
  }

  private findLastTick(): number {
    let last = this.keyframes.length === 0 ? -1 : this.keyframes[this.keyframes.length - 1]!.tick;
    let at = this.keyframes.length === 0 ? this.dataEnd : this.keyframes[this.keyframes.length - 1]!.offset;
    for (let chunk = this.chunk(at); chunk?.ok; chunk = this.chunk(at)) {
      last = Math.max(last, lastTickOf(chunk.value.payload));
      at = chunk.value.next;
    }
    return last;
  }

  /** Size of the recording, bytes. */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** See {@link ChunkSource.chunk}. */
  chunk(position: number): Result<ChunkRead> | null {
    if (position >= this.dataEnd) return null;
    const chunk = readChunk(this.bytes.subarray(0, this.dataEnd), position);
    if (!chunk.ok) return chunk;
    if (chunk.value.type !== ChunkType.Data) return fail(`chunk at ${position}: not a data chunk`);
    return ok({ payload: chunk.value.payload, next: position + CHUNK_HEADER_BYTES + chunk.value.payload.length });
  }
}

/** Reads and checks the index chunk at `offset`: ascending ticks, offsets inside the data region. */
function readIndex(bytes: Uint8Array, offset: number, dataStart: number): Result<KeyframeEntry[]> {
  const chunk = readChunk(bytes, offset);
  if (!chunk.ok) return chunk;
  if (chunk.value.type !== ChunkType.Index) return fail('recording: the trailer does not point at an index');
  const r = new ByteReader(chunk.value.payload);
  const count = r.varint();
  if (count < 0 || count > chunk.value.payload.length) return fail('recording index: bad count');
  const entries: KeyframeEntry[] = [];
  let tick = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const dt = r.varint();
    const dAt = r.varint();
    if (dt < 0 || dAt < 0 || (i > 0 && (dt === 0 || dAt === 0))) return fail('recording index: bad entry');
    tick += dt;
    at += dAt;
    if (at < dataStart || at >= offset) return fail('recording index: offset outside the data');
    entries.push({ tick, offset: at });
  }
  return r.done ? ok(entries) : fail('recording index: trailing bytes');
}
