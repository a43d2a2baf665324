/**
 * The msgpack primitives the hand-built frames are written with (shared/wire/README.md): integers in
 * their shortest form, bin headers and fixarray headers, into a caller's buffer, without allocating.
 * They write what msgpackr writes for the same values (checked byte for byte by test/wire.test.ts).
 */

/** Bytes of the shortest msgpack integer for `v` (−2^31 … 2^32 − 1). */
export function intBytes(v: number): number {
  if (v >= 0) return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
  return v >= -32 ? 1 : v >= -128 ? 2 : v >= -32768 ? 3 : 5;
}

/** Writes a msgpack integer in its shortest form (−2^31 … 2^32 − 1) at `at`; returns the next offset. */
export function writeInt(out: Uint8Array, at: number, v: number): number {
  if (v >= 0) {
    if (v < 0x80) {
      out[at] = v;
      return at + 1;
    }
    if (v < 0x100) {
      out[at] = 0xcc;
      out[at + 1] = v;
      return at + 2;
    }
    if (v < 0x10000) {
      out[at] = 0xcd;
      out[at + 1] = v >>> 8;
      out[at + 2] = v & 0xff;
      return at + 3;
    }
    out[at] = 0xce;
    writeU32(out, at + 1, v);
    return at + 5;
  }
  if (v >= -32) {
    out[at] = v & 0xff;
    return at + 1;
  }
  if (v >= -128) {
    out[at] = 0xd0;
    out[at + 1] = v & 0xff;
    return at + 2;
  }
  if (v >= -32768) {
    out[at] = 0xd1;
    out[at + 1] = (v >> 8) & 0xff;
    out[at + 2] = v & 0xff;
    return at + 3;
  }
  return writeInt32(out, at, v);
}

/** Writes `v` (−2^31 … 2^31 − 1) as a fixed-width msgpack int32 (0xd2 + 4 bytes); returns the next offset. */
export function writeInt32(out: Uint8Array, at: number, v: number): number {
  out[at] = 0xd2;
  writeU32(out, at + 1, v);
  return at + 5;
}

/** Bytes of the msgpack bin header for a payload of `n` bytes. */
export function binHeaderBytes(n: number): number {
  return n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/** Writes the msgpack bin 8/16/32 header of a `n`-byte payload at `at`; returns the next offset. */
export function writeBinHeader(out: Uint8Array, at: number, n: number): number {
  if (n < 0x100) {
    out[at] = 0xc4;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = 0xc5;
    out[at + 1] = n >>> 8;
    out[at + 2] = n & 0xff;
    return at + 3;
  }
  out[at] = 0xc6;
  writeU32(out, at + 1, n);
  return at + 5;
}

/** Writes the low 32 bits of `v` big-endian at `at`. */
export function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/**
 * Reads a msgpack integer (positive/negative fixint, uint8/16/32, int8/16/32) at `c.at`, advancing it;
 * null (cursor unmoved) for anything else or a truncated one.
 */
export function readInt(b: Uint8Array, c: { at: number }): number | null {
  const at = c.at;
  const n = b.byteLength;
  if (at >= n) return null;
  const tag = b[at]!;
  if (tag < 0x80) {
    c.at = at + 1;
    return tag;
  }
  if (tag >= 0xe0) {
    c.at = at + 1;
    return tag - 0x100;
  }
  if ((tag === 0xcc || tag === 0xd0) && at + 2 <= n) {
    c.at = at + 2;
    return tag === 0xcc ? b[at + 1]! : (b[at + 1]! << 24) >> 24;
  }
  if ((tag === 0xcd || tag === 0xd1) && at + 3 <= n) {
    c.at = at + 3;
    const v = (b[at + 1]! << 8) | b[at + 2]!;
    return tag === 0xcd ? v : (v << 16) >> 16;
  }
  if ((tag === 0xce || tag === 0xd2) && at + 5 <= n) {
    c.at = at + 5;
    const v = (b[at + 1]! << 24) | (b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!;
    return tag === 0xce ? v >>> 0 : v;
  }
  return null;
}
