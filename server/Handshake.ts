/**
 * The handshake and a session's tie to its connection: a first frame that is not Hello closes the
 * connection; Hello joins a room (Welcome) or, with a resume token, moves an existing session onto the
 * new connection (Welcome again, the old connection closed with 4011); a lost connection leaves the
 * session waiting for a resume within the grace period, unless it was closed for cause or cleanly.
 */
import { randomBytes } from 'node:crypto';
import {
  type ClientMsg,
  CloseCode,
  encodeMessage,
  type HelloMsg,
  MsgKind,
  PROTOCOL_VERSION,
  type Schema,
  SPECTATE_OPTION,
} from '../shared/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { ConnectionTable, ConnState } from './ConnectionTable.ts';
import type { Room } from './Room.ts';
import type { RoomRegistry } from './RoomRegistry.ts';
import type { ResolvedServerOptions } from './serverOptions.ts';
import { Session } from './Session.ts';
import { joinSpectator } from './spectate/spectatorSession.ts';
import type { Connection } from './transport/Transport.ts';

/**
 * The sessions of one Server by resume token, and the handshake that creates and resumes them. A
 * session is listed from its Hello until it leaves its room for good ({@link Handshake.sessionLeft}).
 */
export class Handshake {
  private readonly byToken = new Map<string, Session>();
  private nextClientId = 1;

  /** A handshake with no sessions yet; keeps its collaborators for its lifetime. */
  constructor(
    private readonly options: ResolvedServerOptions,
    private readonly clock: Clock,
    private readonly rooms: RoomRegistry,
    private readonly conns: ConnectionTable,
  ) {}

  /** Handles the first decoded message of a connection still handshaking: a Hello, or it is closed. */
  first(conn: Connection, state: ConnState, msg: ClientMsg): void {
    if (msg.kind !== MsgKind.Hello)
      return this.conns.kick(conn, state, CloseCode.UnknownMessage, 'expected Hello first');
    if (msg.protocolVersion !== PROTOCOL_VERSION) {
      return this.conns.kick(
        conn,
        state,
        CloseCode.ProtocolMismatch,
        `protocol ${msg.protocolVersion}; this server speaks ${PROTOCOL_VERSION}`,
      );
    }
    if (msg.resumeToken !== null) return this.resume(conn, state, msg, msg.resumeToken);
    this.join(conn, state, msg);
  }

  /** Forgets the resume token of `session`, which left its room for good. */
  sessionLeft(session: Session): void {
    this.byToken.delete(session.resumeToken);
  }

  /**
   * Handles the close of `conn` (already forgotten by the connection table) for its session: one
   * kicked, closed cleanly (1000) or closed while `shuttingDown` leaves its room; any other close
   * leaves the session waiting for a resume.
   */
  disconnected(conn: Connection, state: ConnState, code: number, shuttingDown: boolean): void {
    const session = state.session;
    if (session === null || session.conn !== conn) return;
    const room = session.room;
    if (state.kicked || code === CloseCode.Normal || shuttingDown) {
      session.conn = null;
      room.leave(session);
    } else session.detach(this.clock.now());
  }

  private join(conn: Connection, state: ConnState, msg: HelloMsg): void {
    const conns = this.conns;
    const room = this.rooms.find(msg.room, msg.options);
    if (room === null) return conns.kick(conn, state, CloseCode.NoSuchRoom, `no room ${String(msg.room).slice(0, 64)}`);
    if (msg.schemaHash !== room.schema.hash)
      return conns.kick(conn, state, CloseCode.SchemaMismatch, `schema ${room.schema.hash} expected`);
    const delaySec = msg.options[SPECTATE_OPTION];
    if (typeof delaySec === 'number')
      return joinSpectator(conns, conn, state, room, delaySec, this.nextClientId++, this.options.tickRateHz);
    if (room.isFull) return conns.kick(conn, state, CloseCode.RoomFull, `room ${room.id} is full`);
    const token = randomBytes(18).toString('base64url');
    const session = new Session(
      this.nextClientId++,
      token,
      room,
      conn,
      msg.options,
      this.options.maxBufferedInputs,
      1000 / this.options.tickRateHz,
    );
    this.byToken.set(token, session);
    conns.admit(state, session);
    if (!room.join(session, msg.options))
      return conns.kick(conn, state, CloseCode.ServerError, 'the game failed to admit this client');
    this.welcome(conn, session, room);
  }

  private resume(conn: Connection, state: ConnState, msg: HelloMsg, token: string): void {
    const session = this.byToken.get(token);
    if (session === undefined)
      return this.conns.kick(conn, state, CloseCode.AuthFailed, 'unknown or expired resume token');
    const room = session.room;
    if (msg.schemaHash !== room.schema.hash)
      return this.conns.kick(conn, state, CloseCode.SchemaMismatch, `schema ${room.schema.hash} expected`);
    if (session.conn !== null) this.conns.replace(session.conn);
    this.conns.admit(state, session);
    session.attach(conn);
    this.welcome(conn, session, room);
  }

  private welcome(conn: Connection, session: Session, room: Room<Schema>): void {
    const welcome = encodeMessage({
      kind: MsgKind.Welcome,
      clientId: session.clientId,
      tickRateHz: this.options.tickRateHz,
      serverTick: room.tick,
      resumeToken: session.resumeToken,
      roomId: room.id,
      entityId: session.client.entityId,
      snapshotRateHz: room.snapshotRateOf(session.client),
    });
    this.conns.send(conn, welcome);
    session.welcomed = true;
  }
}
