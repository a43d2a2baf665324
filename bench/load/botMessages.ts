/**
 * Hand-written msgpack encoders for the two messages a light bot sends every tick, Ack and Input
 * (layouts in shared/protocol.ts), writing into a caller's scratch buffer without allocating. They
 * produce what `encodeMessage` produces for the same values (checked by test/loadSmoke.test.ts).
 */
import { MsgKind } from '../../shared/index.ts';

/** Bytes a scratch buffer needs for either message with up to 4 numeric input values. */
export const SCRATCH_BYTES = 64;

/** Writes `[Ack, tick]` at the start of `out`; returns its length. */
export function writeAck(out: Uint8Array, tick: number): number {
  out[0] = 0x92;
  out[1] = MsgKind.Ack;
  return writeInt(out, 2, tick);
}

/** Writes `[Input, seq, viewTick, values]` (integer quantized values) at the start of `out`; returns its length. */
export function writeInput(out: Uint8Array, seq: number, viewTick: number, values: readonly number[]): number {
  out[0] = 0x94;
  out[1] = MsgKind.Input;
  let at = writeInt(out, 2, seq);
  at = writeInt(out, at, viewTick);
  out[at++] = 0x90 | values.length;
  for (const v of values) at = writeInt(out, at, v);
  return at;
}

/** Writes a msgpack integer in its shortest form (−2^31 … 2^32 − 1); returns the next offset. */
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
    out[at + 1] = v >>> 24;
    out[at + 2] = (v >>> 16) & 0xff;
    out[at + 3] = (v >>> 8) & 0xff;
    out[at + 4] = v & 0xff;
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
  out[at] = 0xd2;
  out[at + 1] = (v >> 24) & 0xff;
  out[at + 2] = (v >> 16) & 0xff;
  out[at + 3] = (v >> 8) & 0xff;
  out[at + 4] = v & 0xff;
  return at + 5;
}
