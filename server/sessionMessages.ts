/**
 * What a joined client may send after the handshake: Input (which may carry an ack), Ping and Ack,
 * each checked before it is used. The Input every player sends every tick has a fast path
 * ({@link receiveInputFrame}): read in place into the session's reused {@link InputFrame}, checked
 * against the schema as it is read, copied into the input buffer's ring — no allocation per input.
 */
import {
  type ClientMsg,
  CloseCode,
  checkInputValues,
  encodeMessage,
  type InputMsg,
  MsgKind,
  type QValue,
  readInputFrame,
} from '../shared/index.ts';
import type { ConnectionTable, ConnState } from './ConnectionTable.ts';
import type { Session } from './Session.ts';
import type { Connection } from './transport/Transport.ts';

/**
 * Takes `bytes` from `conn` (carrying `session`) if it is an Input in the fast form (see
 * shared/wire/fastMessages.ts) with values in the schema's ranges: buffers it (and records the ack it
 * carries) and returns true. Returns false for any other frame, untouched: decode it strictly and pass
 * it to {@link handleSessionMessage}. `nowMs` is the arrival time on the server clock.
 */
export function receiveInputFrame(
  conns: ConnectionTable,
  conn: Connection,
  state: ConnState,
  session: Session,
  bytes: Uint8Array,
  nowMs: number,
): boolean {
  const frame = session.inputFrame;
  if (!readInputFrame(bytes, session.room.schema.input, frame)) return false;
  acceptInput(conns, conn, state, session, frame, frame.values, nowMs);
  return true;
}

/**
 * Handles one decoded message from `conn`, which carries `session`: buffers an Input, answers a Ping
 * with a Pong stamped `nowMs` (server clock, ms), records an Ack. A seq or tick out of range, input
 * values out of the schema, or a second Hello close the connection through `conns`.
 */
export function handleSessionMessage(
  conns: ConnectionTable,
  conn: Connection,
  state: ConnState,
  session: Session,
  msg: ClientMsg,
  nowMs: number,
): void {
  switch (msg.kind) {
    case MsgKind.Input: {
      const values = checkInputValues(session.room.schema, msg.values);
      if (!values.ok) return conns.kick(conn, state, CloseCode.OutOfRange, values.reason);
      return acceptInput(conns, conn, state, session, msg, values.value, nowMs);
    }
    case MsgKind.Ping: {
      const pong = encodeMessage({
        kind: MsgKind.Pong,
        clientTimeMs: msg.clientTimeMs,
        serverTimeMs: nowMs,
        serverTick: session.room.tick,
      });
      conns.send(conn, pong);
      return;
    }
    case MsgKind.Ack:
      acknowledge(conns, conn, state, session, msg.tick);
      return;
    case MsgKind.Hello:
      return conns.kick(conn, state, CloseCode.UnknownMessage, 'Hello after the handshake');
  }
}

/** What {@link acceptInput} reads of an Input, fast-read or decoded; its values come checked, apart. */
type InputHeader = Pick<InputMsg, 'seq' | 'viewTick' | 'ackTick' | 'holdTicks'>;

/**
 * Records an ack carried by an Input (`ackTick` ≥ 0) and buffers the input with its hold; `values` are
 * its checked values.
 */
function acceptInput(
  conns: ConnectionTable,
  conn: Connection,
  state: ConnState,
  session: Session,
  input: InputHeader,
  values: ArrayLike<QValue>,
  nowMs: number,
): void {
  const ackTick = input.ackTick ?? -1;
  if (ackTick >= 0 && !acknowledge(conns, conn, state, session, ackTick)) return;
  session.pushInput(input.seq, input.viewTick, values, nowMs, input.holdTicks ?? 0);
}

/** Records an ack of `tick`; a tick the room has not reached closes with 4002 (false). */
function acknowledge(
  conns: ConnectionTable,
  conn: Connection,
  state: ConnState,
  session: Session,
  tick: number,
): boolean {
  if (tick > session.room.tick) {
    conns.kick(conn, state, CloseCode.OutOfRange, 'Ack of a future tick');
    return false;
  }
  if (tick > session.ackedTick) session.ackedTick = tick;
  return true;
}
