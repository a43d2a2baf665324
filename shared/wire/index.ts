/**
 * The wire module's entry for the engine's own server and client code (layouts in README.md here).
 * Not a public package entry: games use `tickwave/shared`.
 */
export { BitWriter } from './bits.ts';
export {
  type AddedGroup,
  type ChunkBits,
  GroupedBodyWriter,
  GroupedDecoder,
  HELD_DROPPED,
  HELD_KEPT,
  HELD_UPDATED,
} from './groupedBody.ts';
export {
  buildSnapshotFrame,
  MAX_FRAME_INPUT_LEAD,
  MAX_FRAME_INPUT_SEQ,
  patchInputSeq,
  patchInputStatus,
  type SnapshotFrame,
  SnapshotFrameScratch,
  snapshotFrameBytes,
} from './snapshotFrame.ts';
export { eg0Bits, MAX_FRAME_OVERHEAD_BYTES, WireBounds } from './wireBounds.ts';
