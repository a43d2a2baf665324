/**
 * The listener side of a snapshot stream: hands each tick's world to the listeners with a delta and a
 * keyframe encoding made on first use, once per tick whatever the number of listeners. Costs nothing
 * while no listener is attached. The delta chain is the feed's own (what a reader of every delta it
 * made holds), separate from every peer's.
 */
import { type Snapshot, type SnapshotCodec, MsgKind } from '../../shared/index.ts';
import { buildSnapshotFrame, type SnapshotFrame } from '../../shared/wire/index.ts';
import type { StreamListener, StreamTick } from './streamTypes.ts';

/** The feed of one stream; owned by it. */
export class TickFeed {
  private readonly listeners = new Set<StreamListener>();
  /** What a reader of every delta this feed made holds, or null before the first. */
  private held: Snapshot | null = null;

  constructor(private readonly codec: SnapshotCodec) {}

  /** Adds a listener; returns its remover. */
  add(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.held = null;
    };
  }

  /** Passes `world` to every listener. */
  tick(world: Snapshot): void {
    if (this.listeners.size === 0) return;
    let delta: SnapshotFrame | null = null;
    let keyframe: SnapshotFrame | null = null;
    const tick: StreamTick = {
      tick: world.tick,
      world,
      delta: () => {
        if (delta === null) {
          const baseTick = this.held === null ? -1 : this.held.tick;
          const encoded = this.codec.encode(this.held, world);
          this.held = encoded.next;
          delta = buildSnapshotFrame(MsgKind.Snapshot, world.tick, baseTick, encoded.bytes);
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
