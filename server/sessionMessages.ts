/** What a joined client may send after the handshake: Input, Ping and Ack, each checked before it is used. */
import { type ClientMsg, CloseCode, checkInputValues, encodeMessage, MsgKind } from '../shared/index.ts';
import { MAX_FRAME_INPUT_SEQ } from '../shared/wire/snapshotFrame.ts';
import type { ConnectionTable, ConnState } from './ConnectionTable.ts';
import type { Session } from './Session.ts';
import type { Connection } from './transport/Transport.ts';

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
      if (msg.seq > MAX_FRAME_INPUT_SEQ)
        return conns.kick(conn, state, CloseCode.OutOfRange, 'input seq over 2^31 − 1');
      const values = checkInputValues(session.room.schema, msg.values);
      if (!values.ok) return conns.kick(conn, state, CloseCode.OutOfRange, values.reason);
      session.pushInput(msg, values.value, nowMs);
      return;
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
      if (msg.tick > session.room.tick) return conns.kick(conn, state, CloseCode.OutOfRange, 'Ack of a future tick');
      session.ackedTick = Math.max(session.ackedTick, msg.tick);
      return;
    case MsgKind.Hello:
      return conns.kick(conn, state, CloseCode.UnknownMessage, 'Hello after the handshake');
  }
}
