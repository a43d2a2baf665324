/**
 * The Snapshot and GroupSnapshot frames, built by hand (layout in shared/wire/README.md) so that one
 * frame serves every client that gets the same body and only the fixed-width per-client fields
 * (`lastInputSeq`, `inputLead`, `missedInputs`) are patched per client; and their envelope read back
 * without decoding the body (for load-test bots).
 *
 *   0x97          fixarray(7)
 *   kind          MsgKind.Snapshot (0x04) or MsgKind.GroupSnapshot (0x08)
 *   tick          msgpack uint, shortest form
 *   baseTick      msgpack int, shortest form (-1 = against nothing)
 *   lastInputSeq  0xd2 + int32 big-endian (fixed width, patched per client; -1 = none)
 *   body          msgpack bin 8/16/32
 *   inputLead     0xd0 + int8 (patched per client: inputs in the server's buffer beyond its target)
 *   missedInputs  0xcc + uint8 (patched per client: ticks that ran without the client's input, mod 256)
 *
 * Any msgpack decoder reads this as the array `[kind, tick, baseTick, lastInputSeq, body, inputLead,
 * missedInputs]`. A protocol 2 frame (`0x95`, the first five) is still read, with both input fields 0.
 */
import { binHeaderBytes, intBytes, readInt, writeBinHeader, writeInt, writeInt32 } from './msgpackWrite.ts';
import { MsgKind } from './messages.ts';

/** Largest input sequence number a snapshot frame can carry (int32); the server closes clients past it. */
export const MAX_FRAME_INPUT_SEQ = 0x7fffffff;
/** Bytes of the fixed-width `lastInputSeq` (0xd2 + int32). */
const SEQ_BYTES = 5;
/** Bytes of the fixed-width `inputLead` and `missedInputs` after the body (0xd0 int8, 0xcc uint8). */
const TAIL_BYTES = 4;
/** Largest `inputLead` a frame carries; larger leads are sent as this (and the negative likewise). */
export const MAX_FRAME_INPUT_LEAD = 127;

/** The kinds of message a snapshot frame carries. */
export type SnapshotKind = typeof MsgKind.Snapshot | typeof MsgKind.GroupSnapshot;

/** A snapshot frame with a patchable `lastInputSeq`. */
export interface SnapshotFrame {
  /** The whole frame. Who owns it is said by the function that returned it. */
  readonly bytes: Uint8Array;
  /** Offset of the int32 `lastInputSeq` (its 4 bytes after the 0xd2 tag). */
  readonly seqOffset: number;
}

/** Offset of the int8 `inputLead` in `frame`; `missedInputs` is 2 bytes further (the frame's last byte). */
function tailOffset(frame: SnapshotFrame): number {
  return frame.bytes.byteLength - 3;
}

/** The exact size in bytes of a snapshot frame for `tick` against `baseTick` holding a `bodyBytes`-byte body. */
export function snapshotFrameBytes(tick: number, baseTick: number, bodyBytes: number): number {
  return 2 + intBytes(tick) + intBytes(baseTick) + SEQ_BYTES + binHeaderBytes(bodyBytes) + bodyBytes + TAIL_BYTES;
}

/**
 * Writes a snapshot frame into `out` (which must hold {@link snapshotFrameBytes}) with `lastInputSeq`
 * -1 and both input fields 0; returns the offset of its int32 `lastInputSeq`. Throws for a tick
 * outside 0 … 2^32 − 1 or a
 * baseTick outside -1 … 2^32 − 1 (a programmer error: ticks come from the room).
 */
function writeSnapshotFrame(
  out: Uint8Array,
  kind: SnapshotKind,
  tick: number,
  baseTick: number,
  body: Uint8Array,
): number {
  checkTick(tick, 0);
  checkTick(baseTick, -1);
  out[0] = 0x97;
  out[1] = kind;
  let at = writeInt(out, 2, tick);
  at = writeInt(out, at, baseTick);
  const seqAt = at + 1;
  at = writeInt32(out, at, -1);
  at = writeBinHeader(out, at, body.byteLength);
  out.set(body, at);
  at += body.byteLength;
  out[at] = 0xd0;
  out[at + 1] = 0;
  out[at + 2] = 0xcc;
  out[at + 3] = 0;
  return seqAt;
}

/** Builds a frame in a fresh buffer that the caller owns, holding a copy of `body`. */
export function buildSnapshotFrame(
  kind: SnapshotKind,
  tick: number,
  baseTick: number,
  body: Uint8Array,
): SnapshotFrame {
  const bytes = new Uint8Array(snapshotFrameBytes(tick, baseTick, body.byteLength));
  return { bytes, seqOffset: writeSnapshotFrame(bytes, kind, tick, baseTick, body) };
}

/**
 * Builds frames into one reusable buffer: each frame's bytes alias it and are valid until the next
 * `build`, for a sender whose transport copies (or writes out) the bytes during `send`.
 */
export class SnapshotFrameScratch {
  private buf = new Uint8Array(4096);

  /** As {@link buildSnapshotFrame}, but the frame's bytes alias this scratch buffer. */
  build(kind: SnapshotKind, tick: number, baseTick: number, body: Uint8Array): SnapshotFrame {
    const size = snapshotFrameBytes(tick, baseTick, body.byteLength);
    if (this.buf.length < size) this.buf = new Uint8Array(Math.max(size, this.buf.length * 2));
    const bytes = this.buf.subarray(0, size);
    return { bytes, seqOffset: writeSnapshotFrame(bytes, kind, tick, baseTick, body) };
  }
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

/**
 * Writes a client's input buffer status into a frame in place: `inputLead` (clamped to ±
 * {@link MAX_FRAME_INPUT_LEAD}) and `missedInputs` (mod 256).
 */
export function patchInputStatus(frame: SnapshotFrame, inputLead: number, missedInputs: number): void {
  const o = tailOffset(frame);
  const lead = Math.max(-MAX_FRAME_INPUT_LEAD, Math.min(MAX_FRAME_INPUT_LEAD, Math.round(inputLead)));
  frame.bytes[o] = lead & 0xff;
  frame.bytes[o + 2] = missedInputs & 0xff;
}

function checkTick(v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > 0xffffffff)
    throw new RangeError(`snapshot frame: tick ${v} is outside ${min} … 2^32 − 1`);
}

/**
 * The envelope of a snapshot frame, as {@link parseSnapshotEnvelope} reads it. Reused by its caller.
 *
 * @category Wire internals
 */
export interface SnapshotEnvelope {
  /** True for a GroupSnapshot (a grouped body, shared/wire/groupedBody.ts). */
  grouped: boolean;
  /** The server tick of the snapshot. */
  tick: number;
  /** The tick it is a delta against, or -1. */
  baseTick: number;
  /** The newest input seq the server applied for this client, or -1. */
  lastInputSeq: number;
  /** Inputs in the server's buffer for this client beyond its target (0 in a protocol 2 frame). */
  inputLead: number;
  /** Ticks that ran without this client's input, mod 256 (0 in a protocol 2 frame). */
  missedInputs: number;
  /** Offset of the body bytes in the frame. */
  bodyOffset: number;
  /** Length of the body, bytes. */
  bodyLength: number;
}

/**
 * A fresh envelope to parse into.
 *
 * @category Wire internals
 */
export function emptyEnvelope(): SnapshotEnvelope {
  return {
    grouped: false,
    tick: 0,
    baseTick: -1,
    lastInputSeq: -1,
    inputLead: 0,
    missedInputs: 0,
    bodyOffset: 0,
    bodyLength: 0,
  };
}

/**
 * Reads the envelope of a snapshot frame into `out` without decoding its body or allocating; returns
 * false (leaving `out` unspecified) unless `frame` is one whole, well-formed Snapshot or GroupSnapshot
 * envelope. The body is not checked: decode it with the snapshot or grouped decoder.
 *
 * @category Wire internals
 */
export function parseSnapshotEnvelope(frame: Uint8Array, out: SnapshotEnvelope): boolean {
  if (
    frame.byteLength < 6 ||
    (frame[0] !== 0x95 && frame[0] !== 0x97) ||
    (frame[1] !== MsgKind.Snapshot && frame[1] !== MsgKind.GroupSnapshot)
  )
    return false;
  const cursor = { at: 2 };
  const tick = readInt(frame, cursor);
  const baseTick = readInt(frame, cursor);
  const seq = readInt(frame, cursor);
  if (tick === null || baseTick === null || seq === null || tick < 0) return false;
  const at = cursor.at;
  const tag = frame[at];
  let len: number;
  let head: number;
  if (tag === 0xc4 && at + 2 <= frame.byteLength) {
    len = frame[at + 1]!;
    head = 2;
  } else if (tag === 0xc5 && at + 3 <= frame.byteLength) {
    len = (frame[at + 1]! << 8) | frame[at + 2]!;
    head = 3;
  } else if (tag === 0xc6 && at + 5 <= frame.byteLength) {
    len = ((frame[at + 1]! << 24) | (frame[at + 2]! << 16) | (frame[at + 3]! << 8) | frame[at + 4]!) >>> 0;
    head = 5;
  } else return false;
  cursor.at = at + head + len;
  let lead: number | null = 0;
  let missed: number | null = 0;
  if (frame[0] === 0x97) {
    lead = readInt(frame, cursor);
    missed = lead === null ? null : readInt(frame, cursor);
  }
  if (cursor.at !== frame.byteLength || lead === null || missed === null) return false;
  if (lead < -MAX_FRAME_INPUT_LEAD || lead > MAX_FRAME_INPUT_LEAD || missed < 0 || missed > 255) return false;
  out.inputLead = lead;
  out.missedInputs = missed;
  out.grouped = frame[1] === MsgKind.GroupSnapshot;
  out.tick = tick;
  out.baseTick = baseTick;
  out.lastInputSeq = seq;
  out.bodyOffset = at + head;
  out.bodyLength = len;
  return true;
}
