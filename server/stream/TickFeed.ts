/**
 * The listener side of a snapshot stream: hands each tick's world to the listeners with a delta and a
 * keyframe encoding made on first use, once per tick whatever the number of listeners. Costs nothing
 * while no listener is attached. The delta chain is the feed's own (what a reader of every delta it
 * made holds), separate from every peer's.
 *
 * The strategy offers the deltas it encoded for the peers ({@link TickFeed.offer}): when peers held the
 * feed's very baseline, their body is the feed's delta and no second encode is made. What a reader holds
 * after a delta depends only on the world and the baseline's tick (AllVisibleStrategy.ts), so when peers
 * held another object of the feed's baseline tick, the feed encodes its own delta but takes the peers'
 * resulting snapshot as its baseline, and from the next tick on shares their encode.
 */
import { type Snapshot, type SnapshotCodec, MsgKind } from '../../shared/index.ts';
import { buildSnapshotFrame, type SnapshotFrame } from '../../shared/wire/index.ts';
import type { StreamListener, StreamTick } from './streamTypes.ts';

/** The feed of one stream; owned by it. */
export class TickFeed {
  private readonly listeners = new Set<StreamListener>();
  /** What a reader of every delta this feed made holds, or null before the first. */
  private held: Snapshot | null = null;
  /** This tick's body the strategy encoded against `held` itself (copied here), or null. */
  private shared: Uint8Array | null = null;
  /** What a reader of `shared` holds. */
  private sharedNext: Snapshot | null = null;
  /** Where offered bodies are copied, grown as needed and reused every tick. */
  private scratch = new Uint8Array(4096);
  /** What peers hold after this tick's delta from a baseline of `held`'s tick: equivalent to the feed's. */
  private adopt: Snapshot | null = null;

  constructor(private readonly codec: SnapshotCodec) {}

  /** Adds a listener; returns its remover. */
  add(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.held = null;
    };
  }

  /**
   * Takes a delta body of this tick's world that the strategy encoded against `baseline` for its peers
   * (`body` is read now; `next` is what its reader holds). Call before {@link TickFeed.tick}.
   */
  offer(baseline: Snapshot | null, body: Uint8Array, next: Snapshot): void {
    if (this.listeners.size === 0 || this.shared !== null) return;
    const held = this.held;
    if (baseline === held) {
      if (this.scratch.length < body.length)
        this.scratch = new Uint8Array(Math.max(body.length, this.scratch.length * 2));
      this.scratch.set(body);
      this.shared = this.scratch.subarray(0, body.length);
      this.sharedNext = next;
    } else if (baseline !== null && held !== null && baseline.tick === held.tick) this.adopt = next;
  }

  /** Passes `world` to every listener. */
  tick(world: Snapshot): void {
    const shared = this.shared;
    const sharedNext = this.sharedNext;
    const adopt = this.adopt;
    this.shared = null;
    this.sharedNext = null;
    this.adopt = null;
    if (this.listeners.size === 0) return;
    let delta: SnapshotFrame | null = null;
    let keyframe: SnapshotFrame | null = null;
    const tick: StreamTick = {
      tick: world.tick,
      world,
      delta: () => {
        if (delta === null) {
          const baseTick = this.held === null ? -1 : this.held.tick;
          if (shared !== null) {
            this.held = sharedNext;
            delta = buildSnapshotFrame(MsgKind.Snapshot, world.tick, baseTick, shared);
          } else {
            const encoded = this.codec.encode(this.held, world);
            this.held = adopt ?? encoded.next;
            delta = buildSnapshotFrame(MsgKind.Snapshot, world.tick, baseTick, encoded.bytes);
          }
        }
        return delta;
      },
      keyframe: () => {
        keyframe ??= buildSnapshotFrame(MsgKind.Snapshot, world.tick, -1, this.codec.encode(null, world).bytes);
        return keyframe;
      },
    };
    for (const listener of [...this.listeners]) listener(tick);
  }
}
