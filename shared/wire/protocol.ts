/*
 * Wire protocol: every WebSocket frame is one binary msgpack array whose first element is a MsgKind.
 *
 *   client → server
 *     [Hello,    protocolVersion, schemaHash, room|null, resumeToken|null, joinOptions {string: scalar}]
 *     [Input,    seq (0 … 2^31 − 1, +1 per input), viewTick (the server tick the client was showing), values[],
 *                ackTick (optional: the newest snapshot tick applied, carried instead of an Ack; −1 for none
 *                when holdTicks follows), holdTicks (optional, 0 … MAX_INPUT_HOLD_TICKS: the next holdTicks seqs
 *                repeat these values unless an Input with a later seq comes; a client holding keys sends only
 *                when its input changes, an ack is due, or the hold is about to run out)]
 *     [Ping,     clientTimeMs]
 *     [Ack,      tick of the newest snapshot the client applied]   (when no Input carries the ack: every
 *                ACK_EVERY_SNAPSHOTS snapshots, and after a full one)
 *   server → client
 *     [Welcome,  clientId, tickRateHz, serverTick, resumeToken, roomId, entityId (-1 for none),
 *                snapshotRateHz (snapshots per second to this client, a divisor of tickRateHz)]
 *     [Snapshot, tick, baseTick (-1 for a full snapshot), lastInputSeq (-1 for none, else a seq),
 *                body (bin, deltaCodec.ts), inputLead (-127 … 127), missedInputs (0 … 255)]
 *     [GroupSnapshot, tick, baseTick (the previous GroupSnapshot's tick, -1 to start from nothing), lastInputSeq,
 *                body (bin, groupedBody.ts), inputLead, missedInputs]
 *     [Pong,     clientTimeMs, serverTimeMs, serverTick]
 *
 * The server closes a misbehaving client with one of CloseCode and a short reason. Every field's type,
 * size and writer/reader: shared/wire/README.md.
 */
import { Packr } from 'msgpackr';
import { fail, ok, type Result } from '../result.ts';
import { isValidQValue, type QValue, type Schema } from '../schema.ts';
import { MESSAGE_READ_LIMITS, type MsgValue, readMsgpack } from './readMsgpack.ts';

/** WebSocket subprotocol negotiated in the upgrade. */
export const SUBPROTOCOL = 'tickwave.v1';
/** Protocol version carried in Hello; bumped on any incompatible wire change. */
export const PROTOCOL_VERSION = 4;

/**
 * Message kinds: the first element of every frame.
 *
 * @category Wire internals
 */
export const MsgKind = {
  /** Client → server: the handshake, the first message of a connection ({@link HelloMsg}). */
  Hello: 1,
  /** Server → client: the handshake's answer, admitting the client to a room ({@link WelcomeMsg}). */
  Welcome: 2,
  /** Client → server: one tick's player input ({@link InputMsg}). */
  Input: 3,
  /** Server → client: a full or delta snapshot of one tick ({@link SnapshotMsg}). */
  Snapshot: 4,
  /** Client → server: a clock sample request ({@link PingMsg}). */
  Ping: 5,
  /** Server → client: the answer to a Ping, with the server's time and tick ({@link PongMsg}). */
  Pong: 6,
  /** Client → server: the newest snapshot tick the client applied ({@link AckMsg}). */
  Ack: 7,
  /**
   * Server → client: a snapshot of an interest-managed room, made of groups ({@link SnapshotMsg}, groupedBody.ts).
   */
  GroupSnapshot: 8,
} as const;
/** One of {@link MsgKind}. */
export type MsgKind = (typeof MsgKind)[keyof typeof MsgKind];

/**
 * WebSocket close codes the server sends, with the reason text it uses. 1000/1001/1011 are standard;
 * 4000–4099 are Tickwave's (4013 is unassigned: an idle connection is dropped by the transport, which
 * the client sees as 1006). A client should not reconnect after codes marked final in the README.
 */
export const CloseCode = {
  /** Normal close (the client left, or the server kicked it without blame). */
  Normal: 1000,
  /** The server is shutting down. */
  GoingAway: 1001,
  /**
   * The server (or client) hit an unexpected error of its own while handling this connection's bytes:
   * only this connection is closed; the process, its rooms and its other clients carry on.
   */
  InternalError: 1011,
  /** A frame was not valid msgpack, not an array, had fields of the wrong type, or was a text frame. */
  Malformed: 4000,
  /** A frame's kind is unknown, or not allowed in this state (e.g. Input before Hello). */
  UnknownMessage: 4001,
  /** A value was out of its declared range (an input field, a tick, a sequence number). */
  OutOfRange: 4002,
  /** More messages per second than allowed. */
  RateLimited: 4003,
  /** A frame larger than the server's payload limit. */
  Oversize: 4004,
  /** No valid Hello within the handshake timeout. */
  HandshakeTimeout: 4005,
  /** The client's schema hash differs from the server's. */
  SchemaMismatch: 4006,
  /** The room is at capacity. */
  RoomFull: 4007,
  /** The authentication hook rejected the client, or a resume token was invalid. */
  AuthFailed: 4008,
  /** The client speaks another protocol version. */
  ProtocolMismatch: 4009,
  /** The requested room does not exist (and may not be created). */
  NoSuchRoom: 4010,
  /** The same session resumed on another connection. */
  Replaced: 4011,
  /** The room was closed by the game. */
  RoomClosed: 4012,
  /** The game's own code failed while admitting the client. */
  ServerError: 4014,
  /** A spectator sent an Input: spectators watch and may not play. */
  SpectatorInput: 4015,
  /** The room's spectator seats (its type's `maxSpectators`) are all taken. */
  SpectatorsFull: 4016,
} as const;
/** One of {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Join options a client may pass in Hello: a few short scalar values. */
export type JoinOptions = Readonly<Record<string, string | number | boolean>>;
/**
 * Bounds on join options: keys, key length and string length.
 *
 * @category Wire internals
 */
export const JOIN_OPTIONS_LIMITS = {
  /** Most join options in one Hello. */
  maxKeys: 16,
  /** Longest join option key, in UTF-16 code units. */
  maxKeyLength: 32,
  /** Longest string value of a join option, in UTF-16 code units. */
  maxStringLength: 256,
} as const;
/**
 * The reserved join option that makes a Hello join as a spectator: its value is the delay in seconds
 * (0 for live, at most {@link MAX_SPECTATE_DELAY_SEC}); the decoder refuses any other value (4000).
 *
 * @category Wire internals
 */
export const SPECTATE_OPTION = '$spectate';
/**
 * Longest spectator delay a Hello may ask for, in seconds (a room type may allow less).
 *
 * @category Wire internals
 */
export const MAX_SPECTATE_DELAY_SEC = 600;
/**
 * How often a client acknowledges snapshots: every this many, and after every full snapshot. Over a
 * reliable WebSocket the server's baseline is what it wrote, so acks only report progress; sending one
 * per tick would double what every client costs the server to receive.
 *
 * @category Wire internals
 */
export const ACK_EVERY_SNAPSHOTS = 10;
/**
 * Largest input sequence number: seqs are 31-bit so a server can patch them into a prebuilt frame.
 *
 * @category Wire internals
 */
export const MAX_INPUT_SEQ = 2 ** 31 - 1;
/**
 * Most seqs one Input may hold its values for ({@link InputMsg.holdTicks}): half a second at 60 Hz, so
 * a client that went silent is noticed (its input stood in for, then none) soon after.
 *
 * @category Wire internals
 */
export const MAX_INPUT_HOLD_TICKS = 30;
/**
 * Longest room name or resume token accepted in Hello, in UTF-16 code units.
 *
 * @category Wire internals
 */
export const MAX_NAME_LENGTH = 128;

/**
 * Hello: the first message of a client.
 *
 * @category Wire internals
 */
export interface HelloMsg {
  /** Discriminant: {@link MsgKind.Hello}. */
  readonly kind: typeof MsgKind.Hello;
  /** The client's {@link PROTOCOL_VERSION}; a different one closes with {@link CloseCode.ProtocolMismatch}. */
  readonly protocolVersion: number;
  /** The client schema's hash (16 hex digits); a different one closes with {@link CloseCode.SchemaMismatch}. */
  readonly schemaHash: string;
  /** A room id or room type name to join (at most {@link MAX_NAME_LENGTH}), or null for the server's only room type. */
  readonly room: string | null;
  /** The token of a session to resume (from an earlier Welcome), or null to join as a new client. */
  readonly resumeToken: string | null;
  /** Join options for the room (within {@link JOIN_OPTIONS_LIMITS}); `{}` for none. */
  readonly options: JoinOptions;
}
/**
 * Input: one tick's input of the client's player, with quantized values in input-field order.
 *
 * @category Wire internals
 */
export interface InputMsg {
  /** Discriminant: {@link MsgKind.Input}. */
  readonly kind: typeof MsgKind.Input;
  /**
   * Sequence number, 0 … {@link MAX_INPUT_SEQ}, one more per input; a seq not above the newest received is dropped.
   */
  readonly seq: number;
  /**
   * The server tick the client was showing when the input was made, for lag compensation; capped at the room's tick.
   */
  readonly viewTick: number;
  /** Quantized input values, one per input field in wire order; checked by {@link checkInputValues}. */
  readonly values: readonly QValue[];
  /**
   * The newest snapshot tick the client applied, carried in the Input instead of a separate Ack (the
   * same meaning and check as {@link AckMsg.tick}); absent (or −1) for none.
   */
  readonly ackTick?: number;
  /**
   * Seqs after this one that repeat its values unless an Input with a later seq arrives, 0 …
   * {@link MAX_INPUT_HOLD_TICKS}; absent or 0 for none. The server applies them as this client's
   * inputs (not as stand-ins for missing ones), one per tick, each seq's view tick one more.
   */
  readonly holdTicks?: number;
}
/**
 * Ping: asks for a Pong carrying the server's time.
 *
 * @category Wire internals
 */
export interface PingMsg {
  /** Discriminant: {@link MsgKind.Ping}. */
  readonly kind: typeof MsgKind.Ping;
  /** The client's monotonic clock when it sent the Ping, ms (any origin); echoed in the Pong. */
  readonly clientTimeMs: number;
}
/**
 * Ack: the newest snapshot tick the client has applied.
 *
 * @category Wire internals
 */
export interface AckMsg {
  /** Discriminant: {@link MsgKind.Ack}. */
  readonly kind: typeof MsgKind.Ack;
  /**
   * Server tick of the newest snapshot the client applied; a tick the room has not reached closes with
   * {@link CloseCode.OutOfRange}.
   */
  readonly tick: number;
}
/**
 * Any client → server message.
 *
 * @category Wire internals
 */
export type ClientMsg = HelloMsg | InputMsg | PingMsg | AckMsg;

/** Welcome: the server accepted the client into a room. */
export interface WelcomeMsg {
  /** Discriminant: {@link MsgKind.Welcome}. */
  readonly kind: typeof MsgKind.Welcome;
  /** The session's client id, unique within the server process; unchanged by a resume. */
  readonly clientId: number;
  /** The server's tick rate, ticks per second (Hz). */
  readonly tickRateHz: number;
  /** The room's current tick when the Welcome was sent. */
  readonly serverTick: number;
  /**
   * Secret that resumes this session in a later Hello; valid until the session ends (it leaves, its room closes, or the
   * resume grace period after a disconnect runs out).
   */
  readonly resumeToken: string;
  /** The id of the room the client is in. */
  readonly roomId: string;
  /** The id of the client's own entity, or -1 for none (yet). */
  readonly entityId: number;
  /**
   * Snapshots per second the server sends this client, Hz: a divisor of `tickRateHz` (a snapshot every
   * `tickRateHz / snapshotRateHz` ticks). The client sizes its interpolation delay from it.
   */
  readonly snapshotRateHz: number;
}
/**
 * Snapshot or GroupSnapshot: a delta (or full) snapshot for one tick. `body` aliases the received
 * frame. A Snapshot's body is in the delta codec's format (deltaCodec.ts); a GroupSnapshot's is made
 * of groups (groupedBody.ts), which an interest-managed room sends.
 *
 * @category Wire internals
 */
export interface SnapshotMsg {
  /** Discriminant: {@link MsgKind.Snapshot} or {@link MsgKind.GroupSnapshot}. */
  readonly kind: typeof MsgKind.Snapshot | typeof MsgKind.GroupSnapshot;
  /** The server tick the snapshot describes. */
  readonly tick: number;
  /**
   * Snapshot: tick of the snapshot the body is a delta against (one the client holds), or -1 for a
   * full snapshot. GroupSnapshot: tick of the previous GroupSnapshot, or -1 to start from no group.
   */
  readonly baseTick: number;
  /** Seq of the newest input of this client the server has applied, or -1 for none. */
  readonly lastInputSeq: number;
  /** The delta codec's encoded snapshot; when decoded, a view into the received frame's bytes, not a copy. */
  readonly body: Uint8Array;
  /**
   * Inputs of this client waiting in the server's input buffer after this tick beyond the buffer's
   * target (-127 … 127; negative: short): the client times its inputs to bring it to 0. Absent (0) in a
   * five-element frame.
   */
  readonly inputLead?: number;
  /**
   * Ticks that ran without this client's input (a stand-in was applied), mod 256. Absent (0) in a
   * five-element frame.
   */
  readonly missedInputs?: number;
}
/**
 * Pong: the answer to a Ping.
 *
 * @category Wire internals
 */
export interface PongMsg {
  /** Discriminant: {@link MsgKind.Pong}. */
  readonly kind: typeof MsgKind.Pong;
  /** The Ping's `clientTimeMs`, echoed unchanged, ms on the client's clock. */
  readonly clientTimeMs: number;
  /** The server's monotonic clock when it answered, ms (any origin). */
  readonly serverTimeMs: number;
  /** The client's room's tick when the server answered. */
  readonly serverTick: number;
}
/**
 * Any server → client message.
 *
 * @category Wire internals
 */
export type ServerMsg = WelcomeMsg | SnapshotMsg | PongMsg;

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
