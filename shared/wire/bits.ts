/**
 * Bit-level writer and reader, most significant bit first, used for snapshot bodies.
 * Exp-Golomb codes read with the default 33-bit bound carry values below 2^33 − 2^k: enough for a
 * zigzagged residual of a 32-bit field.
 */

const CHUNK = 24;
const TWO_CHUNK = 2 ** CHUNK;
/** POW2[n] = 2^n, for n up to 64: cheaper than `**` in the hot loops. */
const POW2 = Float64Array.from({ length: 65 }, (_, n) => 2 ** n);

/** Appends bits to a growable byte buffer. One writer is reused across encodes by its owner. */
export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  private acc = 0;
  private pending = 0;

  /** @param initialBytes starting capacity; the buffer doubles as needed. */
  constructor(initialBytes = 4096) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Clears the writer for a new message, keeping its buffer. */
  reset(): void {
    this.pos = 0;
    this.acc = 0;
    this.pending = 0;
  }

  /** Bits written since the last reset. */
  get bitLength(): number {
    return this.pos * 8 + this.pending;
  }

  /** Writes the low `n` bits of `value` (0 ≤ value < 2^n, n ≤ 53). */
  bits(value: number, n: number): void {
    if (n > CHUNK) {
      const hi = Math.floor(value / TWO_CHUNK);
      this.bits(hi, n - CHUNK);
      this.put(value - hi * TWO_CHUNK, CHUNK);
    } else if (n > 0) this.put(value, n);
  }

  /** Writes one bit. */
  bit(on: boolean): void {
    this.put(on ? 1 : 0, 1);
  }

  /** Writes `value` ≥ 0 as an order-`k` Exp-Golomb code: 2·⌊log2(value + 2^k)⌋ − k + 1 bits. */
  expGolomb(value: number, k: number): void {
    const x = value + POW2[k]!;
    const n = bitLengthOf(x);
    this.bits(0, n - 1 - k);
    this.bits(x, n);
  }

  /** Writes one whole byte. */
  byte(value: number): void {
    this.put(value & 0xff, 8);
  }

  /** Writes the first `bitLength` bits of `src` (most significant bit first), as another writer wrote them. */
  append(src: Uint8Array, bitLength: number): void {
    const whole = bitLength >>> 3;
    if (this.pos + whole + 1 >= this.buf.length) this.reserve(whole + 1);
    const buf = this.buf;
    const p = this.pending;
    let pos = this.pos;
    if (p === 0) {
      buf.set(src.subarray(0, whole), pos);
      pos += whole;
    } else {
      // Each source byte completes the pending bits into one output byte and leaves p bits pending.
      let acc = this.acc;
      const keep = (1 << p) - 1;
      for (let i = 0; i < whole; i++) {
        const b = src[i]!;
        buf[pos++] = ((acc << (8 - p)) | (b >>> p)) & 0xff;
        acc = b & keep;
      }
      this.acc = acc;
    }
    this.pos = pos;
    const rest = bitLength & 7;
    if (rest > 0) this.put(src[whole]! >>> (8 - rest), rest);
  }

  /**
   * Pads to a whole byte with zero bits and returns the bytes written. The returned view aliases the
   * writer's buffer and is overwritten by the next message: copy it to keep it.
   */
  finish(): Uint8Array {
    if (this.pending > 0) this.put(0, 8 - this.pending);
    return this.buf.subarray(0, this.pos);
  }

  private put(value: number, n: number): void {
    // acc holds < 8 pending bits, so acc << 24 stays within 31 bits.
    this.acc = (this.acc << n) | value;
    this.pending += n;
    while (this.pending >= 8) {
      this.pending -= 8;
      if (this.pos === this.buf.length) this.reserve(1);
      this.buf[this.pos++] = (this.acc >>> this.pending) & 0xff;
    }
    this.acc &= (1 << this.pending) - 1;
  }

  /** Makes room for at least `bytes` more bytes after `pos`. */
  private reserve(bytes: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + bytes + 1) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf);
    this.buf = next;
  }
}

/**
 * Reads bits from a byte array. Never throws: reading past the end sets `overrun` and returns 0,
 * so callers check `overrun` (and bound every count by `bitsLeft`) before trusting what they read.
 */
export class BitReader {
  private pos = 0;
  /** Set once any read went past the end of the input. */
  overrun = false;

  /** @param bytes the input; borrowed, not copied, and must not change while reading. */
  constructor(private readonly bytes: Uint8Array) {}

  /** Bits not yet read. */
  get bitsLeft(): number {
    return this.bytes.length * 8 - this.pos;
  }

  /** The input (borrowed): for a reader that reads ahead on its own and then {@link seek}s. */
  get input(): Uint8Array {
    return this.bytes;
  }

  /** The position of the next bit read, counted from the input's first bit. */
  get position(): number {
    return this.pos;
  }

  /** Moves to bit `pos`; a position past the end sets `overrun` and stops at the end, as a read would. */
  seek(pos: number): void {
    if (pos > this.bytes.length * 8) {
      this.overrun = true;
      this.pos = this.bytes.length * 8;
    } else this.pos = pos;
  }

  /** Reads `n` bits (n ≤ 53) as an unsigned number. */
  bits(n: number): number {
    if (n > CHUNK) {
      const hi = this.bits(n - CHUNK);
      return hi * TWO_CHUNK + this.take(CHUNK);
    }
    return n > 0 ? this.take(n) : 0;
  }

  /** Reads one bit. */
  bit(): boolean {
    return this.take(1) === 1;
  }

  /**
   * Reads an order-`k` Exp-Golomb code. Returns -1 (and sets `overrun`) when the prefix is longer
   * than `maxBits` allows, so a hostile run of zeros cannot produce an unbounded value.
   */
  expGolomb(k: number, maxBits = 33): number {
    // Fast path: the whole code (2·zeros + k + 1 bits) lies in one 32-bit window of at least 25 bits.
    const bytes = this.bytes;
    const pos = this.pos;
    const i = pos >>> 3;
    if (i + 3 < bytes.length) {
      const word = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) << (pos & 7);
      const zeros = Math.clz32(word);
      const n = 2 * zeros + k + 1;
      if (n <= 25) {
        this.pos = pos + n;
        return (word >>> (32 - n)) - (1 << k);
      }
    }
    const zeros = this.zeros(maxBits);
    if (zeros + k + 1 > maxBits) {
      this.overrun = true;
      return -1;
    }
    this.skip(zeros);
    const x = this.bits(zeros + 1 + k);
    return this.overrun ? -1 : x - POW2[k]!;
  }

  /** True if the unread bits are only zero padding within the last byte. */
  atPaddedEnd(): boolean {
    const left = this.bitsLeft;
    if (left >= 8 || left < 0) return false;
    return left === 0 || this.take(left) === 0;
  }

  private take(n: number): number {
    const pos = this.pos;
    const end = pos + n;
    const bytes = this.bytes;
    if (end > bytes.length * 8) {
      this.overrun = true;
      this.pos = bytes.length * 8;
      return 0;
    }
    this.pos = end;
    const i = pos >>> 3;
    // Fast path: a 32-bit big-endian window holds the (at most 24 + 7) bits wanted.
    if (i + 3 < bytes.length) {
      const word = (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!;
      return (word << (pos & 7)) >>> (32 - n);
    }
    let value = 0;
    for (let p = pos; p < end; p++) value = value * 2 + (((bytes[p >>> 3]! << (p & 7)) >>> 7) & 1);
    return value;
  }

  private skip(n: number): void {
    if (this.pos + n > this.bytes.length * 8) {
      this.overrun = true;
      this.pos = this.bytes.length * 8;
    } else this.pos += n;
  }

  /** Counts zero bits before the next one bit without consuming the one; stops after `limit`. */
  private zeros(limit: number): number {
    const bytes = this.bytes;
    const i = this.pos >>> 3;
    if (i + 3 < bytes.length) {
      const word = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) << (this.pos & 7);
      const z = Math.clz32(word);
      if (z <= 24) return z;
    }
    let z = 0;
    const total = bytes.length * 8;
    for (let p = this.pos; p < total && z <= limit; p++, z++) {
      if (((bytes[p >>> 3]! << (p & 7)) & 0x80) !== 0) return z;
    }
    return z;
  }
}

/** Number of bits needed to write `n` ≥ 0 (0 for 0), up to 2^53. */
export function bitLengthOf(n: number): number {
  return n < 2 ** 31 ? 32 - Math.clz32(n) : 31 + bitLengthOf(Math.floor(n / 2 ** 31));
}
