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

/** Scratch for a frame's envelope (at most 1 + 1 + 5 + 5 + 5 + 5 bytes), copied into each frame. */
const HEAD = new Uint8Array(32);
const HEAD_VIEW = new DataView(HEAD.buffer);

/** A Snapshot frame with a patchable `lastInputSeq`. The bytes are the frame's own (not aliased). */
export interface SnapshotFrame {
  /** The whole frame. */
  readonly bytes: Uint8Array;
  /** Offset of the int32 `lastInputSeq`. */
  readonly seqOffset: number;
}

/** Builds a Snapshot frame for `tick` against `baseTick` (-1 = full) holding a copy of `body`. */
export function buildSnapshotFrame(tick: number, baseTick: number, body: Uint8Array): SnapshotFrame {
  const at = writeHead(tick, baseTick, body.byteLength, MsgKind.Snapshot);
  const bytes = new Uint8Array(at + body.byteLength);
  bytes.set(HEAD.subarray(0, at), 0);
  bytes.set(body, at);
  return { bytes, seqOffset: headSeqOffset };
}

/**
 * Builds frames into one reusable buffer: each frame is a view valid until the next one is built,
 * for a sender whose transport copies (or writes out) the bytes during `send`.
 */
export class FrameScratch {
  private buf = new Uint8Array(4096);

  /** As {@link buildSnapshotFrame}, but the frame's bytes alias this scratch buffer. */
  build(tick: number, baseTick: number, body: Uint8Array, kind: SnapshotKind): SnapshotFrame {
    const at = writeHead(tick, baseTick, body.byteLength, kind);
    const size = at + body.byteLength;
    if (this.buf.length < size) this.buf = new Uint8Array(Math.max(size, this.buf.length * 2));
    const buf = this.buf;
    for (let i = 0; i < at; i++) buf[i] = HEAD[i]!;
    buf.set(body, at);
    return { bytes: buf.subarray(0, size), seqOffset: headSeqOffset };
  }
}

/** The kinds of message a snapshot frame carries. */
type SnapshotKind = typeof MsgKind.Snapshot | typeof MsgKind.GroupSnapshot;

/** Where the last {@link writeHead} put the int32 `lastInputSeq`. */
let headSeqOffset = 0;

/** Writes the envelope of a frame with a body of `n` bytes into HEAD; returns its length. */
function writeHead(tick: number, baseTick: number, n: number, kind: SnapshotKind): number {
  const head = HEAD;
  const view = HEAD_VIEW;
  let at = 0;
  head[at++] = 0x95;
  head[at++] = kind;
  at = writeInt(view, at, tick);
  at = writeInt(view, at, baseTick);
  headSeqOffset = at + 1;
  head[at++] = 0xd2;
  at += 4;
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
  return at;
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
  if (!Number.isInteger(v) || v < -1 || v > 0xffffffff)
    throw new RangeError(`snapshot frame: tick ${v} is outside -1 … 2^32 − 1`);
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
