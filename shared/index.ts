export { t } from './fields.ts';
export type {
  AngleField,
  AngleInterp,
  BoolField,
  EnumField,
  Field,
  FieldsDecl,
  FloatField,
  FloatInterp,
  IntField,
  StateOf,
  StringField,
  ValueOf,
} from './fields.ts';
export { defineSchema, isValidQValue, MAX_FIELDS, MAX_KINDS, MAX_STRING_BYTES } from './schema.ts';
export type {
  CompiledField,
  EntityKind,
  EntityOf,
  FieldCoding,
  InputOf,
  KindName,
  QValue,
  Schema,
  SchemaDecl,
} from './schema.ts';
export {
  dequantizeEntity,
  emptySnapshot,
  hasTextFields,
  indexOfEntity,
  MAX_ENTITY_ID,
  quantizedEntity,
  quantizedValue,
  quantizeWorld,
  strideOf,
} from './snapshot.ts';
export type { EntityInput, Snapshot } from './snapshot.ts';
export { DEFAULT_MAX_ENTITIES, MAX_TICK_GAP, motionOf, predict, wrap } from './wire/codecTables.ts';
export { SnapshotCodec } from './wire/deltaCodec.ts';
export { GroupedDecoder } from './wire/groupedBody.ts';
export type { DecodeLimits } from './wire/SnapshotDecoder.ts';
export { SnapshotRecycler } from './wire/SnapshotRecycler.ts';
export type { EncodedDelta } from './wire/SnapshotEncoder.ts';
export {
  ACK_EVERY_SNAPSHOTS,
  CloseCode,
  JOIN_OPTIONS_LIMITS,
  MAX_INPUT_HOLD_TICKS,
  MAX_INPUT_SEQ,
  MAX_NAME_LENGTH,
  MAX_SPECTATE_DELAY_SEC,
  MsgKind,
  PROTOCOL_VERSION,
  SPECTATE_OPTION,
  SUBPROTOCOL,
} from './wire/messages.ts';
export { checkInputValues, decodeClientMessage, decodeServerMessage, encodeMessage } from './wire/protocol.ts';
export type {
  AckMsg,
  ClientMsg,
  HelloMsg,
  InputMsg,
  JoinOptions,
  PingMsg,
  PongMsg,
  ServerMsg,
  SnapshotMsg,
  WelcomeMsg,
} from './wire/messages.ts';
export type { Decoded, ProtocolError } from './wire/protocol.ts';
export {
  emptyInputFrame,
  type InputFrame,
  MESSAGE_SCRATCH_BYTES,
  readInputFrame,
  writeAckMessage,
  writeInputMessage,
} from './wire/fastMessages.ts';
export { emptyEnvelope, parseSnapshotEnvelope } from './wire/snapshotFrame.ts';
export type { SnapshotEnvelope } from './wire/snapshotFrame.ts';
export type { ClientSocket, SocketFactory } from './socket.ts';
export { seededRandom } from './random.ts';
export { fail, ok } from './result.ts';
export type { Result } from './result.ts';
export { MAX_TICK_RATE_HZ, MIN_TICK_RATE_HZ, tickAtMs, tickDueMs, tickDurationMs } from './time.ts';
export { resolveClock, systemClock } from './clock.ts';
export { ManualClock } from './ManualClock.ts';
export { checkLinkConditions, LinkDelay } from './LinkDelay.ts';
export type { LinkConditions } from './LinkDelay.ts';
export type { CancelFn, Clock, NowFn, ScheduleFn, TimerHandle } from './clock.ts';
export { RECORDING_VERSION } from './wire/recordingFormat.ts';
export { RecordingFile } from './wire/RecordingReader.ts';
export type { ChunkRead, ChunkSource } from './wire/RecordingReader.ts';
export { RecordingCursor } from './wire/RecordingCursor.ts';
export type { RecordedEvent } from './wire/RecordingCursor.ts';
export type { KeyframeEntry, RecordingHeader } from './wire/RecordingWriter.ts';
export { stateHash } from './wire/stateHash.ts';
export type { StateHash } from './wire/stateHash.ts';
