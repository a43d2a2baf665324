/**
 * Where every snapshot message from the server is handled (`handleSnapshot`): checked against what the
 * client holds, decoded (a plain delta against a buffered snapshot, or a grouped body against the
 * groups held), buffered for interpolation, acknowledged, reconciled with prediction and announced.
 * A snapshot that cannot be trusted drops the connection, which resumes from a full snapshot.
 */
import {
  ACK_EVERY_SNAPSHOTS,
  type Clock,
  CloseCode,
  GroupedDecoder,
  MsgKind,
  type Result,
  type Schema,
  type Snapshot,
  SnapshotCodec,
  type SnapshotMsg,
  type SnapshotRecycler,
} from '../shared/index.ts';
import type { ClientEvents } from './ClientEvents.ts';
import type { Connection } from './Connection.ts';
import type { InputSender } from './InputSender.ts';
import type { NetStats } from './NetStats.ts';
import type { PredictedEntities } from './PredictedEntities.ts';
import type { SnapshotBuffer } from './SnapshotBuffer.ts';

/** The parts of the client a snapshot updates. */
export interface SnapshotTargets<S extends Schema> {
  readonly clock: Clock;
  readonly buffer: SnapshotBuffer;
  readonly net: NetStats;
  readonly connection: Connection;
  readonly predicted: PredictedEntities | null;
  readonly events: ClientEvents<S>;
  /** Told each snapshot's input buffer status, for send-time dilation. */
  readonly inputs: InputSender<S>;
  /** Where plain deltas take their columns from; the buffer releases into it, listeners' snapshots are retained. */
  readonly recycler: SnapshotRecycler;
}

/** Decodes and applies one client's snapshots; owned by the client. */
export class SnapshotReceiver<S extends Schema> {
  private readonly codec: SnapshotCodec;
  private readonly grouped: GroupedDecoder;
  private snapshotsSinceAck = 0;

  /**
   * @param schema the schema the snapshots are encoded with
   * @param maxEntities most entities a snapshot may hold (undefined: the codec's default)
   * @param to the parts of the client each snapshot updates
   */
  constructor(
    schema: S,
    private readonly maxEntities: number | undefined,
    private readonly to: SnapshotTargets<S>,
  ) {
    this.codec = new SnapshotCodec(schema);
    this.grouped = new GroupedDecoder(schema);
  }

  /** Handles one Snapshot or GroupSnapshot message of `frameBytes` bytes on the wire. */
  handleSnapshot(msg: SnapshotMsg, frameBytes: number): void {
    const { clock, buffer, net, connection, predicted, events } = this.to;
    const now = clock.now();
    // A grouped body applies to the groups the decoder holds; a plain one to a snapshot in the buffer.
    const grouped = msg.kind === MsgKind.GroupSnapshot;
    const baseline = grouped || msg.baseTick < 0 ? null : buffer.get(msg.baseTick);
    const newest = buffer.newest;
    const recycler = this.to.recycler;
    const limits = { maxEntities: this.maxEntities, recycler };
    let reason: string | null = null;
    if (!grouped && msg.baseTick >= 0 && baseline === null) reason = `its baseline tick ${msg.baseTick} is not held`;
    else if (newest !== null && msg.tick <= newest.tick) reason = `tick ${msg.tick} is not after ${newest.tick}`;
    let decoded: Result<Snapshot> | null = null;
    if (reason === null)
      decoded = grouped
        ? this.grouped.decode(msg.tick, msg.baseTick, msg.body, limits)
        : this.codec.decode(baseline, msg.tick, msg.body, limits);
    if (decoded === null || !decoded.ok) {
      // Never carry on with a state that may be wrong: drop the connection and resume from a full snapshot.
      net.values.decodeFailures++;
      const why = reason ?? (decoded !== null && !decoded.ok ? decoded.reason : 'undecodable');
      events.error.emit(new Error(`snapshot ${msg.tick} rejected: ${why}; reconnecting`));
      connection.fail(CloseCode.Malformed, 'bad snapshot');
      return;
    }
    const snap = decoded.value;
    buffer.push(snap, now);
    net.snapshot(now, frameBytes);
    if (msg.baseTick < 0 || ++this.snapshotsSinceAck >= ACK_EVERY_SNAPSHOTS) {
      this.snapshotsSinceAck = 0;
      this.to.inputs.acknowledge(snap.tick);
    }
    this.to.inputs.serverStatus(msg.inputLead ?? 0, msg.missedInputs ?? 0, msg.lastInputSeq);
    predicted?.reconcile(snap, msg.lastInputSeq);
    // A listener may keep the snapshot: from here on it is never recycled.
    if (events.snapshot.size > 0) recycler.retain(snap);
    events.snapshot.emit(snap, msg.lastInputSeq);
  }
}
