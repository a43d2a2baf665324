/**
 * A room's one snapshot stream: what each peer holds and what it is sent next, with one send policy.
 *
 * Each tick, {@link SnapshotStream.stream} takes the room's quantized world and
 *   0. skips peers whose snapshot rate does not send this tick: a peer at an interval of n ticks
 *      (tickRateHz / snapshotRateHz) is due on the ticks where tick mod n is its phase; phases are dealt
 *      round-robin as peers join, so clients of one rate are spread over the n ticks and the send burst
 *      of a tick is about 1/n of the room's (at 60 Hz, interval 3, phases 0 1 2 0 1 2 …):
 *
 *        tick     0   1   2   3   4   5   6
 *        phase 0  ●           ●           ●
 *        phase 1      ●           ●
 *        phase 2          ●           ●
 *
 *   1. skips peers not ready for a frame: disconnected, not yet welcomed, or backed up (more than
 *      `maxBufferedBytes` buffered: latest wins, the peer's next frame covers the gap; counted as a skip);
 *   2. resets a peer whose connection changed since it was last served, or whose held tick is older
 *      than `maxBaselineAgeTicks` (its next frame is against nothing);
 *   3. hands the ready peers to the strategy, which chooses each one's content and sends through this
 *      stream's sink: a dropped send counts as a skip, a written one as bytes and a snapshot sent;
 *   4. passes the tick to its listeners (a recorder, a spectator feed), which read their own encodings
 *      of the world and never touch the send path.
 *
 * What a peer sees is the strategy's business (AllVisibleStrategy.ts, interest/InterestStrategy.ts);
 * when and whether it is sent is this module's.
 */
import type { Snapshot, SnapshotCodec } from '../../shared/index.ts';
import { patchInputSeq, patchInputStatus, type SnapshotFrame } from '../../shared/wire/index.ts';
import type { FrameSink, StreamListener, StreamPeer, StreamPolicy, StreamSlot, StreamStrategy } from './streamTypes.ts';
import type { RoomClient } from '../RoomClient.ts';
import { TickFeed } from './TickFeed.ts';

/** A peer's slot: the strategy's state, the connection it was last served on, and its snapshot timing. */
interface Slot<State> extends StreamSlot<State> {
  servedSerial: number;
  /** Ticks between two of its snapshots (1: every tick). */
  interval: number;
  /** The tick mod `interval` on which it is due. */
  phase: number;
}

/** One room's snapshot stream; created and driven by the Room. */
export class SnapshotStream<State> implements FrameSink {
  private readonly slots = new Map<StreamPeer, Slot<State>>();
  private readonly ready: Slot<State>[] = [];
  private readonly feed: TickFeed;
  /** Counts joins and rate changes: the next phase dealt is this mod the interval. */
  private dealt = 0;

  /**
   * @param strategy chooses each peer's content; owned by this stream
   * @param policy the send policy's bounds and the metrics it counts into
   * @param codec the room type's snapshot codec, for the listeners' encodings
   * @param intervalTicks ticks between two snapshots of a peer added from now on (≥ 1; 1: every tick)
   */
  constructor(
    private readonly strategy: StreamStrategy<State>,
    private readonly policy: StreamPolicy,
    codec: SnapshotCodec,
    private readonly intervalTicks = 1,
  ) {
    this.feed = new TickFeed(codec);
  }

  /**
   * Adds a peer, holding nothing, at the stream's interval; it is served from the first tick of its phase
   * on which it is connected and welcomed.
   */
  add(peer: StreamPeer): void {
    if (this.slots.has(peer)) return;
    const interval = this.intervalTicks;
    const state = this.strategy.createState(peer);
    this.slots.set(peer, { peer, state, servedSerial: peer.connectionSerial, interval, phase: this.deal(interval) });
  }

  /**
   * Sends the peer of `client` a snapshot every `intervalTicks` ticks from now on (≥ 1, an integer), at a
   * freshly dealt phase; what it holds is kept, so its next frame is still a delta. False when no peer of
   * the stream is `client`'s.
   */
  setInterval(client: RoomClient, intervalTicks: number): boolean {
    const slot = this.slotOf(client);
    if (slot === undefined) return false;
    if (slot.interval !== intervalTicks) {
      slot.interval = intervalTicks;
      slot.phase = this.deal(intervalTicks);
    }
    return true;
  }

  /** Ticks between two snapshots of `client`'s peer, or 0 when it is not in the stream. */
  intervalOf(client: RoomClient): number {
    return this.slotOf(client)?.interval ?? 0;
  }

  private slotOf(client: RoomClient): Slot<State> | undefined {
    for (const slot of this.slots.values()) if (slot.peer.client === client) return slot;
    return undefined;
  }

  private deal(interval: number): number {
    return this.dealt++ % interval;
  }

  /** Removes a peer for good. */
  remove(peer: StreamPeer): void {
    const slot = this.slots.get(peer);
    if (slot === undefined) return;
    this.slots.delete(peer);
    this.strategy.dispose(peer, slot.state);
  }

  /**
   * Calls `listener` with every tick streamed from now on (see {@link StreamTick}), after the peers
   * were served; returns a function that removes it. An exception it throws propagates to the caller of
   * `stream` (the room reports it), after the peers were served.
   */
  onTick(listener: StreamListener): () => void {
    return this.feed.add(listener);
  }

  /** Streams `world` (the room's quantized world of this tick) to every ready peer, then to the listeners. */
  stream(world: Snapshot): void {
    const { metrics, maxBufferedBytes, maxBaselineAgeTicks } = this.policy;
    const strategy = this.strategy;
    const ready = this.ready;
    ready.length = 0;
    strategy.begin(world);
    const tick = world.tick;
    for (const slot of this.slots.values()) {
      if (slot.interval > 1 && tick % slot.interval !== slot.phase) continue;
      const peer = slot.peer;
      const conn = peer.conn;
      if (conn === null || !peer.welcomed) continue;
      if (slot.servedSerial !== peer.connectionSerial) {
        slot.servedSerial = peer.connectionSerial;
        strategy.reset(slot.state);
      }
      if (conn.bufferedAmount > maxBufferedBytes) {
        metrics.snapshotSkipped();
        continue;
      }
      const held = strategy.heldTick(slot.state);
      if (held >= 0 && tick - held > maxBaselineAgeTicks) strategy.reset(slot.state);
      ready.push(slot);
    }
    if (ready.length > 0) strategy.serve(world, ready, this);
    ready.length = 0;
    this.feed.tick(world);
  }

  /** @internal the sink's send: see {@link FrameSink.send}. */
  send(slot: StreamSlot<unknown>, frame: SnapshotFrame): boolean {
    const peer = slot.peer;
    patchInputSeq(frame, peer.client.lastInputSeq);
    patchInputStatus(frame, peer.inputLead, peer.client.missedInputs);
    const metrics = this.policy.metrics;
    if (peer.conn!.send(frame.bytes) === 'dropped') {
      metrics.snapshotSkipped();
      return false;
    }
    metrics.sent(frame.bytes.byteLength);
    metrics.snapshotSent();
    return true;
  }

  /** @internal see {@link FrameSink.encoded}. */
  encoded(): void {
    this.policy.metrics.encoded();
  }

  /** @internal see {@link FrameSink.offer}: the listeners' deltas reuse the peers' encodes. */
  offer(baseline: Snapshot | null, body: Uint8Array, next: Snapshot): void {
    this.feed.offer(baseline, body, next);
  }

  /** @internal see {@link FrameSink.skipped}. */
  skipped(): void {
    this.policy.metrics.snapshotSkipped();
  }
}
