/**
 * A spectator's handshake and messages: a Hello with the reserved `$spectate` join option joins the
 * room as a spectator (no entity, no onJoin, counted apart from players); afterwards it may Ping and
 * Ack, and an Input closes it with 4015. Its clock is the room's shifted back by its delay: the Welcome's
 * and every Pong's tick and time are those of the world it is shown, so a client plays it unchanged.
 */
import { type ClientMsg, CloseCode, encodeMessage, MsgKind, type Schema } from '../../shared/index.ts';
import type { ConnectionTable, ConnState } from '../ConnectionTable.ts';
import type { Room } from '../Room.ts';
import type { Connection } from '../transport/Transport.ts';
import { Spectator } from './Spectator.ts';

/**
 * Admits `conn` to `room` as a spectator `delaySec` seconds behind (already checked by the decoder to be
 * 0 to MAX_SPECTATE_DELAY_SEC) and sends its Welcome; or closes it with 4002 (a delay over the room type's
 * `maxSpectatorDelaySec`) or 4016 (every spectator seat taken).
 */
export function joinSpectator(
  conns: ConnectionTable,
  conn: Connection,
  state: ConnState,
  room: Room<Schema>,
  delaySec: number,
  clientId: number,
  tickRateHz: number,
): void {
  const limits = room.type.spectators;
  if (delaySec > limits.maxDelaySec)
    return conns.kick(conn, state, CloseCode.OutOfRange, `spectator delay over ${limits.maxDelaySec} s`);
  if (room.spectators.count >= limits.max)
    return conns.kick(conn, state, CloseCode.SpectatorsFull, `room ${room.id} has no spectator seat left`);
  const spectator = new Spectator(clientId, room, conn, Math.round(delaySec * tickRateHz));
  conns.admitSpectator(state, spectator);
  room.spectators.add(spectator);
  const welcome = encodeMessage({
    kind: MsgKind.Welcome,
    clientId,
    tickRateHz,
    serverTick: shownTick(spectator),
    resumeToken: '',
    roomId: room.id,
    entityId: -1,
    snapshotRateHz: room.spectators.snapshotRateHz,
  });
  conns.send(conn, welcome);
}

/**
 * Handles one decoded message from a spectator's connection: a Ping gets a Pong on the spectator's
 * delayed clock (`nowMs` and the room's tick shifted back by its delay), an Ack is range-checked, an
 * Input closes it with 4015 and a second Hello with 4001.
 */
export function handleSpectatorMessage(
  conns: ConnectionTable,
  conn: Connection,
  state: ConnState,
  spectator: Spectator,
  msg: ClientMsg,
  nowMs: number,
  tickRateHz: number,
): void {
  switch (msg.kind) {
    case MsgKind.Input:
      return conns.kick(conn, state, CloseCode.SpectatorInput, 'a spectator may not send inputs');
    case MsgKind.Ping: {
      const pong = encodeMessage({
        kind: MsgKind.Pong,
        clientTimeMs: msg.clientTimeMs,
        serverTimeMs: nowMs - (spectator.delayTicks * 1000) / tickRateHz,
        serverTick: shownTick(spectator),
      });
      conns.send(conn, pong);
      return;
    }
    case MsgKind.Ack:
      if (msg.tick > spectator.room.tick) return conns.kick(conn, state, CloseCode.OutOfRange, 'Ack of a future tick');
      return;
    case MsgKind.Hello:
      return conns.kick(conn, state, CloseCode.UnknownMessage, 'Hello after the handshake');
  }
}

/** The tick a spectator is shown now: the room's, `delayTicks` back (0 at the earliest). */
function shownTick(spectator: Spectator): number {
  return Math.max(0, spectator.room.tick - spectator.delayTicks);
}
