/**
 * The two messages a client sends every tick, Input (with or without the ack it carries) and Ack,
 * written and read by hand without allocating (layouts in shared/wire/README.md).
 *
 * The writers put into a caller's scratch buffer what `encodeMessage` writes for the same values, byte
 * for byte (test/wire.test.ts); load-test bots use them to send at thousands of clients per process.
 *
 * {@link readInputFrame} is the server's fast path for the frame every player sends every tick. It reads
 * only the shortest-form encoding those writers (and msgpackr) produce:
 *
 *   0x94 … 0x96   fixarray of 4 (Input), 5 (Input carrying an ack) or 6 (ack or −1, then a hold)
 *   0x03          kind Input
 *   uint          seq ≤ 2^31 − 1         uint: positive fixint, or 0xcc / 0xcd / 0xce + 1, 2 or 4 bytes
 *   uint          viewTick
 *   0x9n          fixarray of the schema's n input values, each a uint below its numeric field's range
 *   uint          ackTick (in the 5-element form; in the 6-element form a uint or 0xff for −1)
 *   0x00 … 0x1e   holdTicks ≤ MAX_INPUT_HOLD_TICKS (only in the 6-element form)
 *
 * and nothing after it. Anything else (another kind, another integer form, a text field, a value out
 * of range, a truncated or longer frame) is not read: the caller decodes it with the strict
 * `decodeClientMessage`, which accepts it or names the close code. So every frame the fast path reads,
 * the strict decoder reads to the same values (test/fastInput.property.test.ts).
 */
import type { CompiledField, QValue } from '../schema.ts';
import { writeInt } from './msgpackWrite.ts';
import { MAX_INPUT_HOLD_TICKS, MAX_INPUT_SEQ, MsgKind } from './messages.ts';

/**
 * Bytes a scratch buffer needs for either message with up to 4 integer input values.
 *
 * @category Wire internals
 */
export const MESSAGE_SCRATCH_BYTES = 64;

/**
 * Writes `[Ack, tick]` at the start of `out`; returns its length in bytes.
 *
 * @category Wire internals
 */
export function writeAckMessage(out: Uint8Array, tick: number): number {
  out[0] = 0x92;
  out[1] = MsgKind.Ack;
  return writeInt(out, 2, tick);
}

/**
 * Writes `[Input, seq, viewTick, values]`, with `ackTick` appended when it is 0 or more, and `ackTick`
 * (−1 for none) and `holdTicks` appended when `holdTicks` is more than 0, at the start of `out`
 * (integer quantized values, at most 15); returns its length in bytes.
 *
 * @category Wire internals
 */
export function writeInputMessage(
  out: Uint8Array,
  seq: number,
  viewTick: number,
  values: readonly number[],
  ackTick = -1,
  holdTicks = 0,
): number {
  out[0] = holdTicks > 0 ? 0x96 : ackTick >= 0 ? 0x95 : 0x94;
  out[1] = MsgKind.Input;
  let at = writeInt(out, 2, seq);
  at = writeInt(out, at, viewTick);
  out[at++] = 0x90 | values.length;
  for (const v of values) at = writeInt(out, at, v);
  if (holdTicks > 0) return writeInt(out, writeInt(out, at, Math.max(-1, ackTick)), holdTicks);
  return ackTick >= 0 ? writeInt(out, at, ackTick) : at;
}

/**
 * Where {@link readInputFrame} puts what it read: one per session, reused for every frame. `values`
 * holds as many values as the schema has input fields after a successful read.
 *
 * @category Wire internals
 */
export interface InputFrame {
  /** The input's seq, 0 … 2^31 − 1. */
  seq: number;
  /** The server tick the client was showing. */
  viewTick: number;
  /** The ack carried by the frame, or −1 for none. */
  ackTick: number;
  /** Seqs after this one that repeat its values (0 for none), 0 … {@link MAX_INPUT_HOLD_TICKS}. */
  holdTicks: number;
  /** The quantized input values, in input-field order, each checked against its field. */
  readonly values: QValue[];
}

/**
 * A fresh {@link InputFrame} for a schema with `fields` input fields; the caller owns it.
 *
 * @category Wire internals
 */
export function emptyInputFrame(fields: number): InputFrame {
  return { seq: 0, viewTick: 0, ackTick: -1, holdTicks: 0, values: new Array<QValue>(fields).fill(0) };
}

/**
 * Reads `bytes` into `out` if it is an Input in the fast form above whose values are in range for
 * `fields`; returns false otherwise, leaving `out` partly written (decode such a frame with
 * `decodeClientMessage`). Never throws, never allocates.
 *
 * @category Wire internals
 */
export function readInputFrame(bytes: Uint8Array, fields: readonly CompiledField[], out: InputFrame): boolean {
  const n = fields.length;
  const head = bytes[0];
  if (head === undefined || head < 0x94 || head > 0x96 || bytes[1] !== MsgKind.Input || n > 15) return false;
  let at = 2;
  let size = uintBytes(bytes, at);
  if (size === 0) return false;
  const seq = uintValue(bytes, at);
  at += size;
  size = uintBytes(bytes, at);
  if (size === 0 || seq > MAX_INPUT_SEQ) return false;
  out.seq = seq;
  out.viewTick = uintValue(bytes, at);
  at += size;
  if (bytes[at++] !== (0x90 | n)) return false;
  const values = out.values;
  for (let i = 0; i < n; i++) {
    size = uintBytes(bytes, at);
    const field = fields[i]!;
    if (size === 0 || field.coding === 'text') return false;
    const value = uintValue(bytes, at);
    if (value >= field.range) return false;
    values[i] = value;
    at += size;
  }
  out.ackTick = -1;
  out.holdTicks = 0;
  if (head === 0x96 && bytes[at] === 0xff) at++;
  else if (head >= 0x95) {
    size = uintBytes(bytes, at);
    if (size === 0) return false;
    out.ackTick = uintValue(bytes, at);
    at += size;
  }
  if (head === 0x96) {
    const hold = bytes[at++];
    if (hold === undefined || hold > MAX_INPUT_HOLD_TICKS) return false;
    out.holdTicks = hold;
  }
  return at === bytes.length;
}

/** Bytes of the unsigned msgpack integer at `at` (1, 2, 3 or 5), or 0 when there is none or it is cut short. */
function uintBytes(b: Uint8Array, at: number): number {
  if (at >= b.length) return 0;
  const tag = b[at]!;
  const size = tag <= 0x7f ? 1 : tag === 0xcc ? 2 : tag === 0xcd ? 3 : tag === 0xce ? 5 : 0;
  return at + size <= b.length ? size : 0;
}

/** The unsigned msgpack integer at `at`, whose size {@link uintBytes} checked. */
function uintValue(b: Uint8Array, at: number): number {
  const tag = b[at]!;
  if (tag <= 0x7f) return tag;
  if (tag === 0xcc) return b[at + 1]!;
  if (tag === 0xcd) return (b[at + 1]! << 8) | b[at + 2]!;
  return b[at + 1]! * 0x1000000 + ((b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!);
}
