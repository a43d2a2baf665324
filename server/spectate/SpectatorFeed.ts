/**
 * A room's spectators and the frames they are sent. Attached to the room's snapshot stream as a tick
 * listener only while a spectator watches, so a room without spectators pays nothing and players'
 * frames never change. It keeps a delay line of the room's quantized worlds (references: the room never
 * mutates a world once streamed), as many ticks as the longest delay watching needs, and sends each
 * spectator the world of `tick − delayTicks` as a delta against the world it holds (a whole frame to
 * start, after a skip that outlived `maxBaselineAgeTicks`, or when backed up). Spectators at the same
 * delay holding the same tick share one encoding.
 */
import { MsgKind, type Snapshot, type SnapshotCodec } from '../../shared/index.ts';
import { buildSnapshotFrame, type SnapshotFrame } from '../../shared/wire/index.ts';
import type { ServerMetrics } from '../ServerMetrics.ts';
import type { StreamListener, StreamTick } from '../stream/streamTypes.ts';
import type { Spectator } from './Spectator.ts';

/** What a feed needs from its room and server. */
export interface SpectatorFeedHost {
  /** Where bytes sent and snapshots skipped are counted. */
  readonly metrics: ServerMetrics;
  /** Most bytes a spectator's socket may have buffered for it still to get a frame this tick. */
  readonly maxBufferedBytes: number;
  /** A spectator holding a tick older than this many ticks before its next frame gets a whole frame. */
  readonly maxBaselineAgeTicks: number;
  /** Attaches a listener to the room's ticks; returns its remover. */
  onTick(listener: StreamListener): () => void;
  /** Ticks between two frames of a spectator (≥ 1): it is sent the worlds whose tick is a multiple of it. */
  readonly intervalTicks: number;
  /** The spectators' snapshot rate, Hz (the tick rate / `intervalTicks`), announced in their Welcome. */
  readonly snapshotRateHz: number;
}

/** The spectators of one room; created and owned by the Room. */
export class SpectatorFeed {
  private readonly watchers = new Set<Spectator>();
  /** Worlds of consecutive ticks, oldest first. */
  private line: Snapshot[] = [];
  private detach: (() => void) | null = null;
  private readonly shared = new Map<string, { frame: SnapshotFrame; next: Snapshot }>();

  /** A feed with no spectators; keeps `codec` and `host` for its lifetime. */
  constructor(
    private readonly codec: SnapshotCodec,
    private readonly host: SpectatorFeedHost,
  ) {}

  /** Number of spectators watching. */
  get count(): number {
    return this.watchers.size;
  }

  /** Snapshots per second each spectator is sent, Hz (the room type's `spectatorSnapshotRateHz`). */
  get snapshotRateHz(): number {
    return this.host.snapshotRateHz;
  }

  /** Starts serving `spectator` from the next tick. */
  add(spectator: Spectator): void {
    this.watchers.add(spectator);
    this.detach ??= this.host.onTick((tick) => this.tick(tick));
  }

  /** Stops serving `spectator`; with none left, detaches from the room and drops the delay line. */
  remove(spectator: Spectator): void {
    spectator.gone = true;
    if (!this.watchers.delete(spectator) || this.watchers.size > 0) return;
    this.detach?.();
    this.detach = null;
    this.line = [];
  }

  /** Closes every spectator's connection with `code` and `reason` and forgets them (the room closed). */
  closeAll(code: number, reason: string): void {
    for (const spectator of [...this.watchers]) {
      this.remove(spectator);
      spectator.conn.close(code, reason);
    }
  }

  private tick(t: StreamTick): void {
    let longest = 0;
    for (const s of this.watchers) longest = Math.max(longest, s.delayTicks);
    const line = this.line;
    if (line.length > 0 && line[line.length - 1]!.tick !== t.tick - 1) line.length = 0;
    line.push(t.world);
    if (line.length > longest + 1) line.splice(0, line.length - longest - 1);
    const oldest = line[0]!.tick;
    const interval = this.host.intervalTicks;
    this.shared.clear();
    for (const spectator of this.watchers) {
      const world = line[t.tick - spectator.delayTicks - oldest];
      if (world !== undefined && world.tick % interval === 0) this.serve(spectator, world);
    }
    this.shared.clear();
  }

  private serve(spectator: Spectator, world: Snapshot): void {
    const { metrics, maxBufferedBytes, maxBaselineAgeTicks } = this.host;
    const conn = spectator.conn;
    if (conn.bufferedAmount > maxBufferedBytes) return metrics.snapshotSkipped();
    let held = spectator.held;
    if (held !== null && (held.tick >= world.tick || world.tick - held.tick > maxBaselineAgeTicks)) held = null;
    const key = `${world.tick}:${held === null ? -1 : held.tick}`;
    let encoded = this.shared.get(key);
    if (encoded === undefined) {
      const delta = this.codec.encode(held, world);
      const frame = buildSnapshotFrame(MsgKind.Snapshot, world.tick, held === null ? -1 : held.tick, delta.bytes);
      encoded = { frame, next: delta.next };
      this.shared.set(key, encoded);
      metrics.encoded();
    }
    if (conn.send(encoded.frame.bytes) === 'dropped') return metrics.snapshotSkipped();
    spectator.held = encoded.next;
    metrics.sent(encoded.frame.bytes.byteLength);
  }
}
