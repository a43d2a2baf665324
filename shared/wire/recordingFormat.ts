/*
 * The recording format's bytes: magic, chunk framing (type, length, CRC-32), the records inside data
 * chunks, the index chunk and the trailer. The layout as tables: shared/wire/README.md, "Recordings".
 *
 *   file     = "TWRC" · u8 version · header chunk · data chunk* · [index chunk · trailer]
 *   chunk    = u8 type · u32le payloadBytes · u32le crc32(payload) · payload
 *   record   = u8 kind · varint tick · …   (Keyframe, Delta, Event; see RecordKind)
 *   trailer  = u32le indexOffsetLow · u32le indexOffsetHigh · "TWIX"
 *
 * Varints are unsigned LEB128 (7 bits a byte, least significant first) of integers up to 2^53 − 1.
 * A crash leaves a file without index and trailer, maybe with a torn last chunk: a reader keeps every
 * chunk whose length fits the file and whose CRC matches, and stops at the first one that does not.
 */
import { fail, ok, type Result } from '../result.ts';

/** The first four bytes of a recording ("TWRC"). */
export const RECORDING_MAGIC = Uint8Array.of(0x54, 0x57, 0x52, 0x43);
/** The last four bytes of a closed recording ("TWIX"), after the index offset. */
export const TRAILER_MAGIC = Uint8Array.of(0x54, 0x57, 0x49, 0x58);
/** The recording format version this code writes and reads. */
export const RECORDING_VERSION = 1;
/** Bytes before the header chunk: the magic and the version. */
export const PREAMBLE_BYTES = 5;
/** Bytes of a chunk's framing before its payload. */
export const CHUNK_HEADER_BYTES = 9;
/** Bytes of the trailer. */
export const TRAILER_BYTES = 12;
/** Largest chunk payload a reader accepts, bytes (a writer cuts chunks far smaller). */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/** Chunk types. */
export const ChunkType = {
  /** The recording's header: a msgpack map (see RecordingHeader). */
  Header: 1,
  /** Records of consecutive ticks; a chunk that starts with a Keyframe record is a seek point. */
  Data: 2,
  /** The index: keyframe ticks and the offsets of the chunks they start. */
  Index: 3,
} as const;

/** Record kinds inside a data chunk. */
export const RecordKind = {
  /**
   * A seek point at `tick`: the state hash of `tick`, the world at `tick − seedGap` whole (a body
   * against nothing), and the world at `tick` as a delta against that seed.
   */
  Keyframe: 1,
  /** The world at `tick` as a delta against the world at `tick − baseGap` (the previous Delta). */
  Delta: 2,
  /** An event the game logged at `tick`: msgpack `[name, data]`. */
  Event: 3,
} as const;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 (IEEE, as zlib and PNG compute it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A growable byte buffer that records and chunks are written into; owned by its writer. */
export class ByteWriter {
  private buf: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  /** @param initialBytes the first capacity; it doubles as needed. */
  constructor(initialBytes = 4096) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Makes room for `n` more bytes. */
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one byte. */
  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  /** Appends a 32-bit unsigned integer, little-endian. */
  u32(v: number): void {
    this.room(4);
    writeU32le(this.buf, this.length, v);
    this.length += 4;
  }

  /** Appends an unsigned LEB128 varint of an integer 0 … 2^53 − 1. */
  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`recording: varint ${v} is not an integer ≥ 0`);
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  /** Appends `bytes`. */
  bytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Appends a varint length, then `bytes`. */
  sized(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.bytes(bytes);
  }

  /** A copy of the bytes written, which the caller owns. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** A view of the bytes written, valid until the next write or `clear`. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets what was written, keeping the capacity. */
  clear(): void {
    this.length = 0;
  }
}

/** Writes `v` as 4 little-endian bytes at `at`. */
export function writeU32le(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

/** Reads 4 little-endian bytes at `at` as an unsigned integer (the caller checked the bounds). */
export function readU32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Frames `payload` as a chunk of `type` in a fresh buffer the caller owns. */
export function frameChunk(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER_BYTES + payload.length);
  out[0] = type;
  writeU32le(out, 1, payload.length);
  writeU32le(out, 5, crc32(payload));
  out.set(payload, CHUNK_HEADER_BYTES);
  return out;
}

/** The trailer of a recording whose index chunk starts at `indexOffset`. */
export function trailerBytes(indexOffset: number): Uint8Array {
  const out = new Uint8Array(TRAILER_BYTES);
  writeU32le(out, 0, indexOffset % 2 ** 32);
  writeU32le(out, 4, Math.floor(indexOffset / 2 ** 32));
  out.set(TRAILER_MAGIC, 8);
  return out;
}

/** A cursor over untrusted bytes: every read is bounds-checked and fails instead of throwing. */
export class ByteReader {
  /** Offset of the next byte to read. */
  at: number;

  /** Reads `bytes` from `start` up to `end` (exclusive). */
  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.at = start;
  }

  /** True when every byte was read. */
  get done(): boolean {
    return this.at >= this.end;
  }

  /** One byte, or -1 past the end. */
  u8(): number {
    return this.at < this.end ? this.bytes[this.at++]! : -1;
  }

  /** A varint of at most 2^53 − 1, or -1 if it is truncated or longer. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.end) return -1;
      const b = this.bytes[this.at++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return Number.isSafeInteger(value) ? value : -1;
      scale *= 0x80;
    }
    return -1;
  }

  /** The next `n` bytes as a view (no copy), or null if fewer are left. */
  take(n: number): Uint8Array | null {
    if (n < 0 || this.at + n > this.end) return null;
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** A varint length, then that many bytes as a view, or null. */
  sized(): Uint8Array | null {
    const n = this.varint();
    return n < 0 ? null : this.take(n);
  }
}

/** A chunk found in a recording: its type and payload (a view into the recording's bytes). */
export interface RawChunk {
  /** The chunk type (see ChunkType). */
  readonly type: number;
  /** Offset of the chunk's first byte in the recording. */
  readonly offset: number;
  /** The payload, a view into the bytes read. */
  readonly payload: Uint8Array;
}

/**
 * Reads the chunk at `offset` of `bytes`, checking its length against the bytes there and its CRC.
 * A failure names what was wrong (a torn or corrupt chunk).
 */
export function readChunk(bytes: Uint8Array, offset: number): Result<RawChunk> {
  if (offset + CHUNK_HEADER_BYTES > bytes.length) return fail(`chunk at ${offset}: its header is cut short`);
  const type = bytes[offset]!;
  const length = readU32le(bytes, offset + 1);
  if (length > MAX_CHUNK_BYTES) return fail(`chunk at ${offset}: ${length} bytes is over the limit`);
  const start = offset + CHUNK_HEADER_BYTES;
  if (start + length > bytes.length) return fail(`chunk at ${offset}: its ${length}-byte payload is cut short`);
  const payload = bytes.subarray(start, start + length);
  if (crc32(payload) !== readU32le(bytes, offset + 5)) return fail(`chunk at ${offset}: CRC mismatch`);
  return ok({ type, offset, payload });
}

/** The offset of the index chunk named by a valid trailer at the end of `bytes`, or -1 without one. */
export function trailerIndexOffset(bytes: Uint8Array): number {
  const at = bytes.length - TRAILER_BYTES;
  if (at < PREAMBLE_BYTES) return -1;
  for (let i = 0; i < 4; i++) if (bytes[at + 8 + i] !== TRAILER_MAGIC[i]) return -1;
  const offset = readU32le(bytes, at) + readU32le(bytes, at + 4) * 2 ** 32;
  return offset >= PREAMBLE_BYTES && offset < at ? offset : -1;
}
