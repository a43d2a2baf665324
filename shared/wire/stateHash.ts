/**
 * The state hash of a quantized world, written with each keyframe of a recording and checked on replay.
 * It covers what a client is shown (ids, kinds, quantized values, strings), not the motion a decoder
 * derives, so two decodes of the same tick along different delta paths hash the same.
 */
import type { Snapshot } from '../snapshot.ts';

/** A 64-bit state hash as two unsigned 32-bit halves. */
export interface StateHash {
  /** The high 32 bits. */
  readonly hi: number;
  /** The low 32 bits. */
  readonly lo: number;
}

/**
 * Hashes the quantized state of `snapshot` (ids, kinds, values of each entity's fields, strings) with
 * 32-bit integer arithmetic only, so Node and browsers agree. Quantized values are integers below 2^32.
 */
export function stateHash(snapshot: Snapshot): StateHash {
  let a = 0x811c9dc5 ^ snapshot.count;
  let b = 0x27d4eb2f;
  const mix = (v: number): void => {
    a = Math.imul(a ^ v, 0x01000193);
    b = Math.imul(b ^ v ^ (a >>> 15), 0x5bd1e995);
  };
  const { ids, kinds, values, texts, stride } = snapshot;
  for (let i = 0; i < snapshot.count; i++) {
    mix(ids[i]!);
    mix(kinds[i]!);
    const at = i * stride;
    for (let f = 0; f < stride; f++) {
      const v = values[at + f]!;
      mix(v | 0);
      mix(Math.floor(v / 2 ** 32));
      const text = texts?.[at + f];
      if (text !== undefined) for (let c = 0; c < text.length; c++) mix(text.charCodeAt(c));
    }
  }
  return { hi: (b ^ (a >>> 7)) >>> 0, lo: (a ^ Math.imul(b, 0x85ebca6b)) >>> 0 };
}
