/**
 * A tiny hand parser of the Snapshot message envelope (see shared/protocol.ts and
 * server/snapshotFrame.ts) for light bots: the msgpack array header, the kind, tick, baseTick and
 * lastInputSeq, and where the body is, without decoding the body or allocating. Anything that is not
 * a well-formed Snapshot or GroupSnapshot envelope gives null; the caller falls back to `decodeServerMessage`.
 */
import { MsgKind } from '../../shared/index.ts';

/** The envelope fields of a Snapshot message. Reused by {@link parseSnapshotEnvelope}'s caller. */
export interface SnapshotEnvelope {
  /** True for a GroupSnapshot (a grouped body, shared/groupedBody.ts). */
  grouped: boolean;
  tick: number;
  baseTick: number;
  lastInputSeq: number;
  /** Offset of the body bytes in the frame. */
  bodyOffset: number;
  /** Length of the body, bytes. */
  bodyLength: number;
}

/** A fresh envelope to parse into. */
export function emptyEnvelope(): SnapshotEnvelope {
  return { grouped: false, tick: 0, baseTick: -1, lastInputSeq: -1, bodyOffset: 0, bodyLength: 0 };
}

/** Parses `frame` into `out`; returns false (out undefined) unless it is a complete Snapshot envelope. */
export function parseSnapshotEnvelope(frame: Uint8Array, out: SnapshotEnvelope): boolean {
  if (
    frame.byteLength < 6 ||
    frame[0] !== 0x95 ||
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
  if (at + head + len !== frame.byteLength) return false;
  out.grouped = frame[1] === MsgKind.GroupSnapshot;
  out.tick = tick;
  out.baseTick = baseTick;
  out.lastInputSeq = seq;
  out.bodyOffset = at + head;
  out.bodyLength = len;
  return true;
}

/** Reads a msgpack integer (fixint, negative fixint, uint8/16/32, int8/16/32); null for anything else. */
function readInt(b: Uint8Array, c: { at: number }): number | null {
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
