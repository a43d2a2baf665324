/*
 * A strict msgpack reader for untrusted frames: the only way Tickwave turns a peer's bytes into values.
 *
 * It accepts the subset the protocol uses and rejects everything else with a reason, before any value
 * reaches protocol code:
 *   nil, true, false                      → null, boolean
 *   positive/negative fixint, (u)int 8–64 → number (64-bit values outside ±(2^53 − 1) are rejected)
 *   float 32/64                           → number (NaN and ±Infinity are passed on; callers check ranges)
 *   str 8/16/32, fixstr                   → string (strict UTF-8, at most `maxStringBytes`)
 *   bin 8/16/32                           → Uint8Array aliasing the input (no copy)
 *   array 16/32, fixarray                 → MsgValue[] (depth at most `maxDepth`)
 *   map 16/32, fixmap                     → MsgMap: a Map with string keys (no prototype, nothing to shadow)
 *   ext, fixext, timestamps, 0xc1         → rejected
 * Every declared length or count is checked against the bytes left before anything is allocated or
 * read, depth is checked before recursing, and trailing bytes after the value are rejected. It never
 * throws on any input and keeps no state between calls.
 */
import { decodeUtf8 } from './utf8.ts';
import { fail, ok, type Result } from '../result.ts';

/** A map read from msgpack: string keys only, in wire order, no duplicates. */
export type MsgMap = ReadonlyMap<string, MsgValue>;
/** A value read from msgpack by {@link readMsgpack}. */
export type MsgValue = null | boolean | number | string | Uint8Array | readonly MsgValue[] | MsgMap;

/** Bounds on what {@link readMsgpack} accepts. */
export interface ReadLimits {
  /** Deepest nesting of arrays and maps; the top-level value is depth 1. */
  readonly maxDepth: number;
  /** Longest string, in UTF-8 bytes. */
  readonly maxStringBytes: number;
}

/** Limits fitting every Tickwave message: an envelope array holding scalars, one array or one map. */
export const MESSAGE_READ_LIMITS: ReadLimits = { maxDepth: 2, maxStringBytes: 1024 };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class Reader {
  pos = 0;
  error = '';
  private dataView: DataView | null = null;

  constructor(
    readonly bytes: Uint8Array,
    readonly limits: ReadLimits,
  ) {}

  /** A DataView of the bytes, made on first use: most frames hold only small integers, read without one. */
  get view(): DataView {
    this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.dataView;
  }

  /** Moves past `n` bytes (claimed already); returns where they start. */
  skip(n: number): number {
    const at = this.pos;
    this.pos = at + n;
    return at;
  }

  /** Reads a big-endian unsigned integer of 2 or 4 bytes (claimed already). */
  uint(size: 2 | 4): number {
    const b = this.bytes;
    const p = this.pos;
    this.pos += size;
    return size === 2
      ? (b[p]! << 8) | b[p + 1]!
      : b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** Claims `n` bytes; false (with an error) when fewer are left. */
  need(n: number): boolean {
    if (n <= this.bytes.length - this.pos) return true;
    this.error = 'a length runs past the end of the frame';
    return false;
  }
}

/** Reads one msgpack value filling all of `bytes`. Never throws; see the module comment for what is accepted. */
export function readMsgpack(bytes: Uint8Array, limits: ReadLimits = MESSAGE_READ_LIMITS): Result<MsgValue> {
  const r = new Reader(bytes, limits);
  const value = readValue(r, 1);
  if (value === undefined) return fail(r.error);
  if (r.pos !== bytes.length) return fail('trailing bytes after the message');
  return ok(value);
}

function readValue(r: Reader, depth: number): MsgValue | undefined {
  if (!r.need(1)) return undefined;
  const b = r.bytes[r.pos++]!;
  if (b <= 0x7f) return b;
  if (b >= 0xe0) return b - 0x100;
  if (b <= 0x8f) return readMap(r, b & 0x0f, depth);
  if (b <= 0x9f) return readArray(r, b & 0x0f, depth);
  if (b <= 0xbf) return readString(r, b & 0x1f);
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return r.need(1) ? readBin(r, r.bytes[r.pos++]!) : undefined;
    case 0xc5:
      return r.need(2) ? readBin(r, r.uint(2)) : undefined;
    case 0xc6:
      return r.need(4) ? readBin(r, r.uint(4)) : undefined;
    case 0xca:
      return r.need(4) ? r.view.getFloat32(r.skip(4)) : undefined;
    case 0xcb:
      return r.need(8) ? r.view.getFloat64(r.skip(8)) : undefined;
    case 0xcc:
      return r.need(1) ? r.bytes[r.pos++]! : undefined;
    case 0xcd:
      return r.need(2) ? r.uint(2) : undefined;
    case 0xce:
      return r.need(4) ? r.uint(4) : undefined;
    case 0xcf:
      return r.need(8) ? safe(r, r.view.getBigUint64(r.skip(8))) : undefined;
    case 0xd0:
      return r.need(1) ? r.view.getInt8(r.pos++) : undefined;
    case 0xd1:
      return r.need(2) ? r.view.getInt16(r.skip(2)) : undefined;
    case 0xd2:
      return r.need(4) ? r.view.getInt32(r.skip(4)) : undefined;
    case 0xd3:
      return r.need(8) ? safe(r, r.view.getBigInt64(r.skip(8))) : undefined;
    case 0xd9:
      return r.need(1) ? readString(r, r.bytes[r.pos++]!) : undefined;
    case 0xda:
      return r.need(2) ? readString(r, r.uint(2)) : undefined;
    case 0xdb:
      return r.need(4) ? readString(r, r.uint(4)) : undefined;
    case 0xdc:
      return r.need(2) ? readArray(r, r.uint(2), depth) : undefined;
    case 0xdd:
      return r.need(4) ? readArray(r, r.uint(4), depth) : undefined;
    case 0xde:
      return r.need(2) ? readMap(r, r.uint(2), depth) : undefined;
    case 0xdf:
      return r.need(4) ? readMap(r, r.uint(4), depth) : undefined;
    default:
      // 0xc1 (never used), ext 8/16/32 (0xc7–0xc9), fixext (0xd4–0xd8): no extension types on the wire.
      r.error = b === 0xc1 ? 'reserved msgpack byte 0xc1' : 'msgpack extension types are not part of the protocol';
      return undefined;
  }
}

function safe(r: Reader, n: bigint): number | undefined {
  if (n <= MAX_SAFE && n >= -MAX_SAFE) return Number(n);
  r.error = 'a 64-bit integer outside the safe integer range';
  return undefined;
}

function readBin(r: Reader, length: number): Uint8Array | undefined {
  if (!r.need(length)) return undefined;
  const out = r.bytes.subarray(r.pos, r.pos + length);
  r.pos += length;
  return out;
}

function readString(r: Reader, length: number): string | undefined {
  if (length > r.limits.maxStringBytes) {
    r.error = `a string over ${r.limits.maxStringBytes} bytes`;
    return undefined;
  }
  if (!r.need(length)) return undefined;
  const text = decodeUtf8(r.bytes.subarray(r.pos, r.pos + length));
  r.pos += length;
  if (text === undefined) r.error = 'a string that is not valid UTF-8';
  return text;
}

function readArray(r: Reader, count: number, depth: number): MsgValue[] | undefined {
  if (!nest(r, count, depth)) return undefined;
  const out: MsgValue[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const item = readValue(r, depth + 1);
    if (item === undefined) return undefined;
    out[i] = item;
  }
  return out;
}

function readMap(r: Reader, count: number, depth: number): MsgMap | undefined {
  // Each entry takes at least two bytes, a key and a value.
  if (!nest(r, count * 2, depth)) return undefined;
  const out = new Map<string, MsgValue>();
  for (let i = 0; i < count; i++) {
    const key = readValue(r, depth + 1);
    if (key === undefined) return undefined;
    if (typeof key !== 'string') {
      r.error = 'a map key that is not a string';
      return undefined;
    }
    const value = readValue(r, depth + 1);
    if (value === undefined) return undefined;
    if (out.has(key)) {
      r.error = 'a map with a duplicate key';
      return undefined;
    }
    out.set(key, value);
  }
  return out;
}

/** Checks a container's depth, and that its elements (at least one byte each) fit in what is left. */
function nest(r: Reader, minBytes: number, depth: number): boolean {
  if (depth > r.limits.maxDepth) {
    r.error = `nesting deeper than ${r.limits.maxDepth}`;
    return false;
  }
  if (minBytes > r.bytes.length - r.pos) {
    r.error = 'a count runs past the end of the frame';
    return false;
  }
  return true;
}
