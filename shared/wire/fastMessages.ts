/**
 * Hand-built encoders for the two messages a client sends every tick, Ack and Input (layouts in
 * shared/wire/README.md), writing into a caller's scratch buffer without allocating. They write what
 * `encodeMessage` writes for the same values, byte for byte (test/wire.test.ts); load-test bots use
 * them to send at thousands of clients per process.
 */
import { writeInt } from './msgpackWrite.ts';
import { MsgKind } from './protocol.ts';

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
 * Writes `[Input, seq, viewTick, values]` (integer quantized values, at most 15) at the start of `out`;
 * returns its length in bytes.
 *
 * @category Wire internals
 */
export function writeInputMessage(out: Uint8Array, seq: number, viewTick: number, values: readonly number[]): number {
  out[0] = 0x94;
  out[1] = MsgKind.Input;
  let at = writeInt(out, 2, seq);
  at = writeInt(out, at, viewTick);
  out[at++] = 0x90 | values.length;
  for (const v of values) at = writeInt(out, at, v);
  return at;
}
