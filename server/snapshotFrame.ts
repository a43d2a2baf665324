/**
 * Builds Snapshot messages (see shared/protocol.ts) by hand, so that one frame per group of clients
 * sharing a baseline is built once and only the 4-byte `lastInputSeq` is patched per client:
 *
 *   0x95  fixarray(5)
 *   0x04  MsgKind.Snapshot (0x08 MsgKind.GroupSnapshot for a grouped body)
 *   tick          msgpack uint (shortest form)
 *   baseTick      msgpack int (-1 = full; shortest form)
 *   lastInputSeq  0xd2 + int32 big-endian (fixed width, patched per client; -1 = none)
 *   body          msgpack bin 8/16/32
 *
 * Any msgpack decoder reads this as the array `[4, tick, baseTick, lastInputSeq, body]`.
 */
import { MsgKind } from '../shared/index.ts';

/** Largest input sequence number a Snapshot frame can carry (int32); the server closes clients past it. */
export const MAX_FRAME_INPUT_SEQ = 0x7fffffff;

/** A Snapshot frame with a patchable `lastInputSeq`. The bytes are the frame's own (not aliased). */
export interface SnapshotFrame {
  /** The whole frame. */
  readonly bytes: Uint8Array;
  /** Offset of the int32 `lastInputSeq`. */
  readonly seqOffset: number;
}

/** Builds a frame of `kind` for `tick` against `baseTick` (-1 = full) holding a copy of `body`. */
export function buildSnapshotFrame(tick: number, baseTick: number, body: Uint8Array, kind: typeof MsgKind.Snapshot | typeof MsgKind.GroupSnapshot = MsgKind.Snapshot): SnapshotFrame {
  const head = new Uint8Array(32);
  const view = new DataView(head.buffer);
  let at = 0;
  head[at++] = 0x95;
  head[at++] = kind;
  at = writeInt(view, at, tick);
  at = writeInt(view, at, baseTick);
  const seqOffset = at + 1;
  head[at++] = 0xd2;
  at += 4;
  const n = body.byteLength;
  if (n < 0x100) {
    head[at++] = 0xc4;
    head[at++] = n;
  } else if (n < 0x10000) {
    head[at++] = 0xc5;
    view.setUint16(at, n);
    at += 2;
  } else {
    head[at++] = 0xc6;
    view.setUint32(at, n);
    at += 4;
  }
  const bytes = new Uint8Array(at + n);
  bytes.set(head.subarray(0, at), 0);
  bytes.set(body, at);
  return { bytes, seqOffset };
}

/** Writes `lastInputSeq` (-1 … {@link MAX_FRAME_INPUT_SEQ}) into a frame in place. */
export function patchInputSeq(frame: SnapshotFrame, lastInputSeq: number): void {
  const b = frame.bytes;
  const o = frame.seqOffset;
  b[o] = (lastInputSeq >>> 24) & 0xff;
  b[o + 1] = (lastInputSeq >>> 16) & 0xff;
  b[o + 2] = (lastInputSeq >>> 8) & 0xff;
  b[o + 3] = lastInputSeq & 0xff;
}

function writeInt(view: DataView, at: number, v: number): number {
  if (!Number.isInteger(v) || v < -1 || v > 0xffffffff) throw new RangeError(`snapshot frame: tick ${v} is outside -1 … 2^32 − 1`);
  if (v === -1) {
    view.setUint8(at, 0xff);
    return at + 1;
  }
  if (v < 0x80) {
    view.setUint8(at, v);
    return at + 1;
  }
  if (v < 0x100) {
    view.setUint8(at, 0xcc);
    view.setUint8(at + 1, v);
    return at + 2;
  }
  if (v < 0x10000) {
    view.setUint8(at, 0xcd);
    view.setUint16(at + 1, v);
    return at + 3;
  }
  view.setUint8(at, 0xce);
  view.setUint32(at + 1, v);
  return at + 5;
}
