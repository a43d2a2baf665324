/**
 * One player's session: its identity (client id, resume token), its current connection (null while
 * disconnected within the resume grace period) and its input buffer (server/InputBuffer.ts: a jitter
 * buffer that applies one input per tick and stands in for a missing one). What it holds of the
 * snapshot stream is the room's stream's (server/stream/SnapshotStream.ts). viewTick is capped at the
 * room's current tick when an input is applied.
 */
import { emptyInputFrame, type InputFrame, type JoinOptions, type QValue, type Schema } from '../shared/index.ts';
import { type BufferedInput, InputBuffer } from './InputBuffer.ts';
import type { RoomClient } from './RoomClient.ts';
import type { Room } from './Room.ts';
import type { StreamPeer } from './stream/streamTypes.ts';
import type { Connection } from './transport/Transport.ts';

/** Default most inputs waiting per client (at 60 Hz, 133 ms of inputs). */
export const DEFAULT_MAX_BUFFERED_INPUTS = 8;

/** The game-facing view of a session. */
class ClientView implements RoomClient {
  entityId = -1;
  viewTick = 0;
  lastInputSeq = -1;
  missedInputs = 0;
  connected = true;

  constructor(
    readonly id: number,
    readonly userData: unknown,
    readonly options: JoinOptions,
  ) {}
}

/** A player's session; owned by the Server, listed by its Room, a peer of the room's snapshot stream. */
export class Session implements StreamPeer {
  /** The game-facing client. */
  readonly client: ClientView;
  /** The connection, or null while disconnected. */
  conn: Connection | null;
  /** Changes on every attach and detach: a new connection holds none of the stream (see StreamPeer). */
  connectionSerial = 0;
  /** True once Welcome was sent on the current connection (snapshots may follow). */
  welcomed = false;
  /** When the connection was lost (ms on the server clock), for the grace period. */
  disconnectedAtMs = 0;
  /** The newest snapshot tick the client acknowledged, or -1. */
  ackedTick = -1;
  /** The input buffer. */
  readonly inputs: InputBuffer;
  /** Where this session's Input frames are read (server/sessionMessages.ts), reused for every frame. */
  readonly inputFrame: InputFrame;

  /**
   * @param clientId unique per server process
   * @param resumeToken the secret a client presents to resume
   * @param room the room the session belongs to, for its whole life
   * @param conn the connection that joined
   * @param options the join options from Hello
   * @param maxBufferedInputs bound of the input buffer
   * @param tickMs the room's tick length, ms
   */
  constructor(
    readonly clientId: number,
    readonly resumeToken: string,
    readonly room: Room<Schema>,
    conn: Connection,
    options: JoinOptions,
    maxBufferedInputs: number,
    tickMs: number,
  ) {
    this.inputs = new InputBuffer(maxBufferedInputs, tickMs);
    this.inputFrame = emptyInputFrame(room.schema.input.length);
    this.conn = conn;
    this.client = new ClientView(clientId, conn.userData, options);
  }

  /** Inputs in the buffer beyond its target (see {@link InputBuffer.lead}); sent in each snapshot. */
  get inputLead(): number {
    return this.inputs.lead;
  }

  /**
   * Buffers an input (already range-checked; `values` are copied) that arrived at `nowMs`, holding its
   * values for `holdTicks` more seqs; false if it was stale and dropped.
   */
  pushInput(seq: number, viewTick: number, values: ArrayLike<QValue>, nowMs: number, holdTicks = 0): boolean {
    const missedBefore = this.inputs.repeated;
    const pushed = this.inputs.push(seq, viewTick, values, nowMs, holdTicks);
    // A late input that replaced held values: the ticks that ran on them count as missed.
    this.client.missedInputs += this.inputs.repeated - missedBefore;
    return pushed;
  }

  /** How many inputs to apply this tick at `nowMs`, server clock (see {@link InputBuffer.due}). */
  inputsDue(nowMs: number): number {
    return this.inputs.due(nowMs);
  }

  /**
   * Takes the next input to apply this tick (a stand-in with the last input's values when the one due
   * is missing), recording its seq and view tick.
   */
  takeInput(roomTick: number): BufferedInput {
    const input = this.inputs.take();
    this.client.lastInputSeq = input.seq;
    this.client.viewTick = Math.min(input.viewTick, roomTick);
    if (input.repeated) this.client.missedInputs++;
    return input;
  }

  /** The game applied nothing in place of a missing input: its seq is given back to the late input. */
  skipStandIn(): void {
    this.inputs.unrepeat();
    this.client.lastInputSeq--;
    this.client.missedInputs--;
  }

  /** Binds a new connection (join or resume): the next snapshot is a full one. */
  attach(conn: Connection): void {
    this.conn = conn;
    this.welcomed = false;
    this.connectionSerial++;
    this.client.connected = true;
  }

  /** Unbinds the connection, starting the grace period at `nowMs`. */
  detach(nowMs: number): void {
    this.conn = null;
    this.welcomed = false;
    this.connectionSerial++;
    this.client.connected = false;
    this.disconnectedAtMs = nowMs;
  }
}
