/**
 * The wire protocol's codec: every message (shared/wire/messages.ts) encoded as one msgpack array, and
 * the strict decoders of what arrives from a peer, which never throw and name the close code for a bad
 * frame. Layouts: shared/wire/README.md.
 */
import { Packr } from 'msgpackr';
import { fail, ok, type Result } from '../result.ts';
import { isValidQValue, type QValue, type Schema } from '../schema.ts';
import { MESSAGE_READ_LIMITS, type MsgValue, readMsgpack } from './readMsgpack.ts';
import {
  type ClientMsg,
  CloseCode,
  JOIN_OPTIONS_LIMITS,
  type JoinOptions,
  MAX_INPUT_HOLD_TICKS,
  MAX_INPUT_SEQ,
  MAX_NAME_LENGTH,
  MAX_SPECTATE_DELAY_SEC,
  MsgKind,
  type ServerMsg,
  SPECTATE_OPTION,
} from './messages.ts';

const packr = new Packr({ useRecords: false, variableMapSize: true });

/**
 * Encodes a message as one msgpack frame. The returned bytes may share a buffer with later encodes'
 * output but are never overwritten by them; they are the caller's to send.
 *
 * @category Wire internals
 */
export function encodeMessage(msg: ClientMsg | ServerMsg): Uint8Array {
  switch (msg.kind) {
    case MsgKind.Hello:
      return packr.pack([msg.kind, msg.protocolVersion, msg.schemaHash, msg.room, msg.resumeToken, msg.options]);
    case MsgKind.Input: {
      const ackTick = msg.ackTick === undefined || msg.ackTick < 0 ? -1 : msg.ackTick;
      if (msg.holdTicks !== undefined && msg.holdTicks > 0)
        return packr.pack([msg.kind, msg.seq, msg.viewTick, msg.values, ackTick, msg.holdTicks]);
      return ackTick < 0
        ? packr.pack([msg.kind, msg.seq, msg.viewTick, msg.values])
        : packr.pack([msg.kind, msg.seq, msg.viewTick, msg.values, ackTick]);
    }
    case MsgKind.Ping:
      return packr.pack([msg.kind, msg.clientTimeMs]);
    case MsgKind.Ack:
      return packr.pack([msg.kind, msg.tick]);
    case MsgKind.Welcome:
      return packr.pack([
        msg.kind,
        msg.clientId,
        msg.tickRateHz,
        msg.serverTick,
        msg.resumeToken,
        msg.roomId,
        msg.entityId,
        msg.snapshotRateHz,
      ]);
    case MsgKind.Snapshot:
    case MsgKind.GroupSnapshot:
      return packr.pack([
        msg.kind,
        msg.tick,
        msg.baseTick,
        msg.lastInputSeq,
        msg.body,
        msg.inputLead ?? 0,
        msg.missedInputs ?? 0,
      ]);
    case MsgKind.Pong:
      return packr.pack([msg.kind, msg.clientTimeMs, msg.serverTimeMs, msg.serverTick]);
  }
}

/**
 * A decode failure with the close code the receiver should use.
 *
 * @category Wire internals
 */
export interface ProtocolError {
  /** The WebSocket close code to close the peer with. */
  readonly code: CloseCode;
  /** A short human-readable reason, for the close frame and logs. */
  readonly reason: string;
}
/**
 * Like {@link Result}, but a failure carries the close code to send.
 *
 * @category Wire internals
 */
export type Decoded<T> =
  | {
      /** Success. */
      readonly ok: true;
      /** The decoded message. */
      readonly value: T;
    }
  | {
      /** Failure. */
      readonly ok: false;
      /** What was wrong, and the close code to send. */
      readonly error: ProtocolError;
    };

/**
 * Decodes an untrusted frame from a client. Never throws: the bytes are read by `readMsgpack`
 * (no extension types, maps as string-keyed Maps, bounded depth and lengths) and every field's type is
 * checked before its value is used. Input values are checked against the schema by {@link checkInputValues}.
 *
 * @category Wire internals
 */
export function decodeClientMessage(bytes: Uint8Array): Decoded<ClientMsg> {
  const arr = unpackArray(bytes);
  if (!arr.ok) return bad(CloseCode.Malformed, arr.reason);
  const a = arr.value;
  switch (a[0]) {
    case MsgKind.Hello: {
      const [, version, hash, room, token, rawOptions] = a;
      if (a.length !== 6 || !isUint(version) || typeof hash !== 'string' || hash.length > 64) {
        return bad(CloseCode.Malformed, 'bad Hello');
      }
      if (!isNameOrNull(room) || !isNameOrNull(token))
        return bad(CloseCode.Malformed, 'bad Hello room or resume token');
      const options = checkJoinOptions(rawOptions);
      if (!options.ok) return bad(CloseCode.Malformed, options.reason);
      return good({
        kind: MsgKind.Hello,
        protocolVersion: version,
        schemaHash: hash,
        room,
        resumeToken: token,
        options: options.value,
      });
    }
    case MsgKind.Input: {
      const [, seq, viewTick, values, ackTick = -1, holdTicks = 0] = a;
      if (a.length < 4 || a.length > 6 || !Array.isArray(values)) return bad(CloseCode.Malformed, 'bad Input');
      if (!isUint(seq) || seq > MAX_INPUT_SEQ || !isUint(viewTick)) {
        return bad(CloseCode.OutOfRange, 'Input seq or viewTick out of range');
      }
      if (!isIntFrom(ackTick, a.length === 5 ? 0 : -1)) return bad(CloseCode.OutOfRange, 'Input ack tick out of range');
      if (!isUint(holdTicks) || holdTicks > MAX_INPUT_HOLD_TICKS)
        return bad(CloseCode.OutOfRange, 'Input hold out of range');
      // Values are MsgValues; checkInputValues narrows them to QValues against the room's schema.
      const input = { kind: MsgKind.Input, seq, viewTick, values: values as readonly QValue[] } as const;
      if (a.length === 4) return good(input);
      return good(a.length === 5 ? { ...input, ackTick } : { ...input, ackTick, holdTicks });
    }
    case MsgKind.Ping:
      if (a.length !== 2 || !isFiniteNumber(a[1])) return bad(CloseCode.Malformed, 'bad Ping');
      return good({ kind: MsgKind.Ping, clientTimeMs: a[1] });
    case MsgKind.Ack:
      if (a.length !== 2) return bad(CloseCode.Malformed, 'bad Ack');
      if (!isUint(a[1])) return bad(CloseCode.OutOfRange, 'Ack tick out of range');
      return good({ kind: MsgKind.Ack, tick: a[1] });
    default:
      return bad(CloseCode.UnknownMessage, unknownKind(a[0]));
  }
}

/**
 * Decodes an untrusted frame from the server. Never throws (see {@link decodeClientMessage}); times
 * must be finite numbers, ticks and ids non-negative safe integers.
 *
 * @category Wire internals
 */
export function decodeServerMessage(bytes: Uint8Array): Decoded<ServerMsg> {
  const arr = unpackArray(bytes);
  if (!arr.ok) return bad(CloseCode.Malformed, arr.reason);
  const a = arr.value;
  switch (a[0]) {
    case MsgKind.Welcome: {
      const [, clientId, rate, tick, token, roomId, entityId, snapshotRate] = a;
      if (
        a.length !== 8 ||
        !isUint(clientId) ||
        !isUint(rate) ||
        !isUint(tick) ||
        typeof token !== 'string' ||
        typeof roomId !== 'string' ||
        !isIntFrom(entityId, -1) ||
        !isUint(snapshotRate) ||
        snapshotRate < 1 ||
        snapshotRate > rate
      ) {
        return bad(CloseCode.Malformed, 'bad Welcome');
      }
      return good({
        kind: MsgKind.Welcome,
        clientId,
        tickRateHz: rate,
        serverTick: tick,
        resumeToken: token,
        roomId,
        entityId,
        snapshotRateHz: snapshotRate,
      });
    }
    case MsgKind.Snapshot:
    case MsgKind.GroupSnapshot: {
      const [kind, tick, baseTick, lastInputSeq, body, inputLead = 0, missedInputs = 0] = a;
      if (
        (a.length !== 5 && a.length !== 7) ||
        !isUint(tick) ||
        !isIntFrom(baseTick, -1) ||
        !isIntFrom(lastInputSeq, -1) ||
        !isIntFrom(inputLead, -127) ||
        inputLead > 127 ||
        !isUint(missedInputs) ||
        missedInputs > 255
      ) {
        return bad(CloseCode.Malformed, 'bad Snapshot');
      }
      if (!(body instanceof Uint8Array)) return bad(CloseCode.Malformed, 'bad Snapshot body');
      return good({
        kind: kind === MsgKind.Snapshot ? kind : MsgKind.GroupSnapshot,
        tick,
        baseTick,
        lastInputSeq,
        body,
        inputLead,
        missedInputs,
      });
    }
    case MsgKind.Pong: {
      const [, clientTimeMs, serverTimeMs, tick] = a;
      if (a.length !== 4 || !isFiniteNumber(clientTimeMs) || !isFiniteNumber(serverTimeMs) || !isUint(tick)) {
        return bad(CloseCode.Malformed, 'bad Pong');
      }
      return good({ kind: MsgKind.Pong, clientTimeMs, serverTimeMs, serverTick: tick });
    }
    default:
      return bad(CloseCode.UnknownMessage, unknownKind(a[0]));
  }
}

/**
 * Checks untrusted input values against the schema's input fields: count, types and ranges.
 *
 * @category Wire internals
 */
export function checkInputValues(schema: Schema, values: readonly unknown[]): Result<readonly QValue[]> {
  const fields = schema.input;
  if (values.length !== fields.length)
    return fail(`input has ${values.length} values; the schema has ${fields.length}`);
  for (let i = 0; i < fields.length; i++) {
    if (!isValidQValue(fields[i]!, values[i])) return fail(`input field ${fields[i]!.name} is out of range`);
  }
  return ok(values as readonly QValue[]);
}

function unpackArray(bytes: Uint8Array): Result<readonly MsgValue[]> {
  const read = readMsgpack(bytes, MESSAGE_READ_LIMITS);
  // The reason names what was wrong and never quotes the peer's bytes: close reasons stay short.
  if (!read.ok) return fail(`not msgpack the protocol reads: ${read.reason}`);
  const value = read.value;
  if (!Array.isArray(value) || value.length === 0) return fail('frame is not a non-empty msgpack array');
  return ok(value);
}

/** The close reason for an unknown first element; quotes it only when it is a number. */
function unknownKind(kind: MsgValue | undefined): string {
  return typeof kind === 'number' ? `unknown message kind ${kind}` : 'message kind is not a number';
}

function checkJoinOptions(value: MsgValue | undefined): Result<JoinOptions> {
  if (!(value instanceof Map)) return fail('join options must be a map');
  const { maxKeys, maxKeyLength, maxStringLength } = JOIN_OPTIONS_LIMITS;
  if (value.size > maxKeys) return fail(`more than ${maxKeys} join options`);
  const out: Record<string, string | number | boolean> = {};
  for (const [key, v] of value) {
    // A key naming an Object.prototype member (__proto__, constructor, toString, …) would shadow it in game code.
    if (key.length > maxKeyLength || key in Object.prototype) return fail('join option key too long or reserved');
    const valid = typeof v === 'string' ? v.length <= maxStringLength : typeof v === 'boolean' || isFiniteNumber(v);
    if (!valid) return fail(`join option ${key} must be a short string, a finite number or a boolean`);
    if (key === SPECTATE_OPTION && !(typeof v === 'number' && v >= 0 && v <= MAX_SPECTATE_DELAY_SEC))
      return fail(`join option ${SPECTATE_OPTION} must be a delay from 0 to ${MAX_SPECTATE_DELAY_SEC} seconds`);
    out[key] = v as string | number | boolean;
  }
  return ok(out);
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isIntFrom(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isNameOrNull(v: unknown): v is string | null {
  return v === null || (typeof v === 'string' && v.length <= MAX_NAME_LENGTH);
}

function good<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

function bad<T>(code: CloseCode, reason: string): Decoded<T> {
  return { ok: false, error: { code, reason } };
}
