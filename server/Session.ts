/**
 * One player's session: its identity (client id, resume token), its current connection (null while
 * disconnected within the resume grace period) and its input buffer. What it holds of the snapshot
 * stream is the room's stream's (server/stream/SnapshotStream.ts).
 *
 * Input policy: an input whose seq is not above the newest seq received is dropped (stale or
 * duplicate). Inputs wait in a buffer of at most `maxBufferedInputs` and are applied in seq order, one
 * per tick — or two while more than {@link INPUT_QUEUE_TARGET} wait, so a queue that grew during a
 * network stall or a clock mismatch drains instead of adding its length to every later input's
 * latency. When a new input finds the buffer full, the oldest waiting input is dropped (a client far
 * ahead of the server loses its oldest intent, never its newest). viewTick is capped at the room's
 * current tick when applied.
 */
import type { InputMsg, JoinOptions, QValue, Schema } from '../shared/index.ts';
import type { RoomClient } from './RoomClient.ts';
import type { Room } from './Room.ts';
import type { StreamPeer } from './stream/streamTypes.ts';
import type { Connection } from './transport/Transport.ts';

/** Default most inputs waiting per client (at 60 Hz, 133 ms of inputs). */
export const DEFAULT_MAX_BUFFERED_INPUTS = 8;

/** Inputs that may wait between ticks without being drained faster. */
export const INPUT_QUEUE_TARGET = 1;

/** A buffered input, quantized values already checked against the schema. */
export interface BufferedInput {
  readonly seq: number;
  readonly viewTick: number;
  readonly values: readonly QValue[];
}

/** The game-facing view of a session. */
class ClientView implements RoomClient {
  entityId = -1;
  viewTick = 0;
  lastInputSeq = -1;
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
  /** Inputs dropped because the buffer was full. */
  droppedInputs = 0;
  private readonly inputs: BufferedInput[] = [];
  private lastReceivedSeq = -1;

  /**
   * @param clientId unique per server process
   * @param resumeToken the secret a client presents to resume
   * @param room the room the session belongs to, for its whole life
   * @param conn the connection that joined
   * @param options the join options from Hello
   * @param maxBufferedInputs bound of the input buffer
   */
  constructor(
    readonly clientId: number,
    readonly resumeToken: string,
    readonly room: Room<Schema>,
    conn: Connection,
    options: JoinOptions,
    private readonly maxBufferedInputs: number,
  ) {
    this.conn = conn;
    this.client = new ClientView(clientId, conn.userData, options);
  }

  /** Buffers an input (already range-checked); returns false if it was stale and dropped. */
  pushInput(msg: InputMsg, values: readonly QValue[]): boolean {
    if (msg.seq <= this.lastReceivedSeq) return false;
    this.lastReceivedSeq = msg.seq;
    if (this.inputs.length >= this.maxBufferedInputs) {
      this.inputs.shift();
      this.droppedInputs++;
    }
    this.inputs.push({ seq: msg.seq, viewTick: msg.viewTick, values });
    return true;
  }

  /**
   * How many inputs to apply this tick: one if any waits, two while the queue is above
   * {@link INPUT_QUEUE_TARGET}.
   */
  inputsDue(): number {
    const waiting = this.inputs.length;
    return waiting === 0 ? 0 : waiting > INPUT_QUEUE_TARGET ? 2 : 1;
  }

  /** Takes the next input to apply this tick, recording its seq and view tick; undefined if none waits. */
  takeInput(roomTick: number): BufferedInput | undefined {
    const input = this.inputs.shift();
    if (input !== undefined) {
      this.client.lastInputSeq = input.seq;
      this.client.viewTick = Math.min(input.viewTick, roomTick);
    }
    return input;
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
