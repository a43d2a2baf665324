/**
 * The all-visible strategy: every peer is sent every entity, as a delta (MsgKind.Snapshot, deltaCodec.ts)
 * against the snapshot it holds. Peers are grouped by what they hold, each group's delta is encoded
 * once, and only the per-peer input seq is patched into the group's frame.
 *
 * What a peer holds after a delta depends only on this tick's world and its baseline's tick (its motion
 * is derived from the two worlds), so groups whose baselines share a tick are handed one and the same
 * object: peers that joined at different ticks merge into one group from the next tick on, instead of
 * each join tick costing an encode forever.
 *
 * Why not one grouped body with a single group (one message kind for both strategies): measured with
 * `npm run bench -- bigworld` (100 units, all visible), a one-group grouped room sent 1.4% more bytes and
 * cost 2.9× the server CPU per client per snapshot at 1,000 clients, as each body is written per client.
 */
import { MsgKind, type Snapshot, type SnapshotCodec } from '../../shared/index.ts';
import { buildSnapshotFrame } from '../../shared/wire/index.ts';
import type { FrameSink, StreamPeer, StreamSlot, StreamStrategy } from './streamTypes.ts';

/** A peer's state: the snapshot it holds (what the last frame written to it decodes to), or null. */
export interface AllVisibleState {
  baseline: Snapshot | null;
}

/** The all-visible strategy of one room. */
export class AllVisibleStrategy implements StreamStrategy<AllVisibleState> {
  /** This tick's groups by baseline, reused across ticks. */
  private readonly groups = new Map<Snapshot | null, StreamSlot<AllVisibleState>[]>();
  private readonly heldByBaseTick = new Map<number, Snapshot>();

  /** @param codec the room type's snapshot codec */
  constructor(private readonly codec: SnapshotCodec) {}

  begin(_world: Snapshot): void {}

  createState(_peer: StreamPeer): AllVisibleState {
    return { baseline: null };
  }

  dispose(_peer: StreamPeer, _state: AllVisibleState): void {}

  heldTick(state: AllVisibleState): number {
    return state.baseline === null ? -1 : state.baseline.tick;
  }

  reset(state: AllVisibleState): void {
    state.baseline = null;
  }

  serve(world: Snapshot, slots: readonly StreamSlot<AllVisibleState>[], sink: FrameSink): void {
    this.heldByBaseTick.clear();
    const first = slots[0]!.state.baseline;
    if (slots.every((s) => s.state.baseline === first)) {
      this.sendGroup(first, slots, world, sink);
      return;
    }
    const groups = this.groups;
    for (const slot of slots) {
      const list = groups.get(slot.state.baseline);
      if (list === undefined) groups.set(slot.state.baseline, [slot]);
      else list.push(slot);
    }
    for (const [baseline, list] of groups) this.sendGroup(baseline, list, world, sink);
    groups.clear();
  }

  private sendGroup(
    baseline: Snapshot | null,
    slots: readonly StreamSlot<AllVisibleState>[],
    world: Snapshot,
    sink: FrameSink,
  ): void {
    const encoded = this.codec.encode(baseline, world);
    sink.encoded();
    const baseTick = baseline === null ? -1 : baseline.tick;
    let next = this.heldByBaseTick.get(baseTick);
    if (next === undefined) {
      next = encoded.next;
      this.heldByBaseTick.set(baseTick, next);
    }
    sink.offer?.(baseline, encoded.bytes, next);
    const frame = buildSnapshotFrame(MsgKind.Snapshot, world.tick, baseTick, encoded.bytes);
    for (const slot of slots) if (sink.send(slot, frame)) slot.state.baseline = next;
  }
}
