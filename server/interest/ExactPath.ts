/**
 * The short path of the interest strategy (InterestStrategy.ts): a client whose view this tick is
 * exactly the groups it holds (viewCover.ts) gets a body that updates every held group and adds none.
 * The first such client of a holding that others hold too is written that body as an owned frame; the
 * others are sent the same frame (the stream patches each one's input fields), with no body of their own.
 */
import { MsgKind } from '../../shared/index.ts';
import {
  buildSnapshotFrame,
  GroupedBodyWriter,
  HELD_UPDATED,
  SnapshotFrameScratch,
  snapshotFrameBytes,
} from '../../shared/wire/index.ts';
import type { FrameSink, StreamSlot } from '../stream/streamTypes.ts';
import type { ClientInterest } from './ClientInterest.ts';
import type { GroupTable } from './GroupTable.ts';
import type { HoldingInterner } from './Holding.ts';
import type { InterestCounts } from './interestTypes.ts';

/** The added section of a body that adds no group. */
const NONE_ADDED: readonly never[] = [];

/** Adds a snapshot sent to `counts`: entities sent and deferred, and its bytes. */
export function countSnapshot(counts: InterestCounts, sent: number, deferred: number, bytes: number): void {
  counts.entitiesSent += sent;
  counts.entitiesDeferred += deferred;
  counts.snapshots++;
  counts.bytes += bytes;
}

/** The short path of one room's interest strategy; owned by it. */
export class ExactPath {
  private readonly writer = new GroupedBodyWriter();
  private readonly frames = new SnapshotFrameScratch();

  constructor(
    private readonly table: GroupTable,
    private readonly interner: HoldingInterner,
    private readonly counts: InterestCounts,
  ) {}

  /** Starts a tick, once the table is prepared: this tick's orders head every body. */
  begin(): void {
    this.writer.setOrders(this.table.tables, this.table.orders);
  }

  /**
   * Serves a client whose view is exactly what it holds. False if that cannot be (a held state no longer
   * kept, or over `budget` bytes): the general path serves it then. True once served, or dropped by the sink.
   */
  serve(slot: StreamSlot<ClientInterest>, tick: number, budget: number, sink: FrameSink): boolean {
    const state = slot.state;
    const holding = state.holding;
    const shared = holding.memoTick === tick ? holding.frame! : null;
    if (shared !== null && shared.bytes.byteLength <= budget) {
      if (!sink.send(slot, shared)) return true;
      this.settle(state, holding.next!, shared.bytes.byteLength);
      this.counts.sharedFrames++;
      return true;
    }
    const { groups, ticks, canon } = holding;
    const w = this.writer;
    w.begin();
    for (let i = 0; i < groups.length; i++) {
      const chunk = this.table.chunk(groups[i]!, ticks[i]!, canon[i] === 1);
      if (chunk === null) return false;
      w.held(HELD_UPDATED, chunk);
    }
    w.added(NONE_ADDED);
    const body = w.finish();
    if (snapshotFrameBytes(tick, holding.tick, body.byteLength) > budget) return false;
    const sharable = holding.holders > 1;
    const frame = sharable
      ? buildSnapshotFrame(MsgKind.GroupSnapshot, tick, holding.tick, body)
      : this.frames.build(MsgKind.GroupSnapshot, tick, holding.tick, body);
    if (!sink.send(slot, frame)) return true;
    sink.encoded();
    const next = this.interner.intern(holding.updated(tick, holding.holders === 1));
    if (sharable) {
      holding.memoTick = tick;
      holding.frame = frame;
      holding.next = next;
    }
    this.settle(state, next, frame.bytes.byteLength);
    return true;
  }

  /** The client was sent a body that updated every group it held: it now holds `next`. */
  private settle(state: ClientInterest, next: ClientInterest['holding'], bytes: number): void {
    state.hold(next);
    state.visibleCount = next.entities;
    state.maxIntervalTicks = 1;
    countSnapshot(this.counts, next.entities, 0, bytes);
  }
}
