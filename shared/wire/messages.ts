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
 * This module holds the kinds, close codes, limits and message types; protocol.ts encodes and decodes
 * them. The server closes a misbehaving client with one of CloseCode and a short reason. Every field's
 * type, size and writer/reader: shared/wire/README.md.
 */
import type { QValue } from '../schema.ts';

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
