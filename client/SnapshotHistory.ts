/**
 * The last seconds of a client's decoded snapshots, kept in memory for a kill-cam or an instant
 * replay: {@link SnapshotHistory.replay} turns them into a recording a ReplayPlayer plays with the same
 * views, interpolation and controls as a file. Feed it from `client.onSnapshot`.
 */
import { type Schema, type Snapshot, SnapshotCodec, stateHash } from '../shared/index.ts';
import { RecordingFile } from '../shared/wire/RecordingReader.ts';
import { RecordingWriter } from '../shared/wire/RecordingWriter.ts';

/** Default seconds of snapshots kept. */
export const DEFAULT_HISTORY_SECONDS = 5;

/** Keeps a client's recent snapshots; owned by the page or game that feeds it. */
export class SnapshotHistory {
  private readonly ring: Snapshot[] = [];
  private readonly codec: SnapshotCodec;
  private readonly capacity: number;

  /**
   * @param schema the game's schema
   * @param tickRateHz the server's tick rate (from Welcome)
   * @param seconds how much to keep. Default {@link DEFAULT_HISTORY_SECONDS}.
   */
  constructor(
    private readonly schema: Schema,
    private readonly tickRateHz: number,
    seconds = DEFAULT_HISTORY_SECONDS,
  ) {
    if (!(seconds > 0)) throw new RangeError(`SnapshotHistory: seconds must be > 0; got ${seconds}`);
    this.capacity = Math.ceil(seconds * tickRateHz) + 1;
    this.codec = new SnapshotCodec(schema);
  }

  /** Adds the client's newest snapshot (immutable; kept by reference). Older or equal ticks are ignored. */
  push(snapshot: Snapshot): void {
    const newest = this.ring[this.ring.length - 1];
    if (newest !== undefined && snapshot.tick <= newest.tick) return;
    this.ring.push(snapshot);
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  /** Snapshots held. */
  get size(): number {
    return this.ring.length;
  }

  /** Forgets every snapshot (a new room). */
  clear(): void {
    this.ring.length = 0;
  }

  /**
   * The snapshots held from tick `fromTick` on, as an in-memory recording (null with fewer than three):
   * its first two ticks make the keyframe, the rest are deltas. Costs one encode per snapshot.
   */
  replay(fromTick = 0, roomId = 'replay'): RecordingFile | null {
    const list = this.ring.filter((s) => s.tick >= fromTick);
    if (list.length < 3) return null;
    const writer = new RecordingWriter();
    const parts: Uint8Array[] = [];
    parts.push(
      writer.start({
        version: 1,
        schemaHash: this.schema.hash,
        schema: JSON.stringify(this.schema.decl),
        tickRateHz: this.tickRateHz,
        startTimeMs: 0,
        roomId,
        roomType: 'replay',
        keyframeEveryTicks: list[list.length - 1]!.tick - list[0]!.tick,
      }),
    );
    const seed = this.codec.encode(null, list[0]!);
    const seedBytes = seed.bytes.slice();
    const first = this.codec.encode(seed.next, list[1]!);
    let held = first.next;
    const gap = list[1]!.tick - list[0]!.tick;
    writer.keyframe(list[1]!.tick, gap, stateHash(list[1]!), seedBytes, first.bytes.slice());
    writer.delta(list[1]!.tick, gap, this.codec.encode(seed.next, list[1]!).bytes);
    for (let i = 2; i < list.length; i++) {
      const encoded = this.codec.encode(held, list[i]!);
      writer.delta(list[i]!.tick, list[i]!.tick - held.tick, encoded.bytes);
      held = encoded.next;
    }
    parts.push(writer.finish());
    let length = 0;
    for (const p of parts) length += p.length;
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const file = RecordingFile.open(bytes);
    return file.ok ? file.value : null;
  }
}
