/**
 * One client's interest state: its view, its budget override, and the bookkeeping aligned row by row
 * with the snapshot it holds (when each entity was last sent, where it sits in the world snapshot).
 *
 * The client's own snapshots are built into two sets of column buffers used in turn: the one its
 * baseline uses is never written; the other is overwritten by the next build. So a client's columns
 * are reused tick after tick instead of being allocated per client per tick. These snapshots never
 * leave the interest manager and the session's baseline slot, which is what makes the reuse safe.
 */
import type { Snapshot } from '../../shared/index.ts';
import { DEFAULT_INITIAL_UPDATE_BITS } from './SelectionEncoder.ts';
import { ROW_PREDICTED } from './SelectionWriter.ts';

/** The columns of one client snapshot plus the per-row bookkeeping aligned with them. */
export interface RowBuffers {
  ids: number[];
  kinds: number[];
  values: number[];
  /** Motion per slot, as the client derives it (see shared/deltaCodec.ts). */
  motion: number[];
  texts: (string | undefined)[] | null;
  /** Per row: the tick the entity was last sent at its true value. */
  sentTicks: number[];
  /** Per row: ticks between its last two sends (1 = consecutive). */
  gaps: number[];
  /** Per row: its row in the world snapshot it was built from, or -1 (a hint; checked before use). */
  worldRows: number[];
  /** Per row: ROW_PREDICTED, ROW_FRESH or ROW_CANONICAL (see SelectionWriter.ts). */
  canon: number[];
}

/** Per-client interest state; owned by the InterestManager. */
export class ClientInterest {
  center: { readonly x: number; readonly y: number } | null = null;
  budgetBytes: number | null = null;
  /** The snapshot `rows` is aligned with (the session's baseline when in sync). */
  baseline: Snapshot | null = null;
  /** Bookkeeping aligned with `baseline`'s rows. */
  rows: RowBuffers;
  /** Entities in view but not created yet: id → [tick it entered, tick last seen in view]. */
  readonly pending = new Map<number, [number, number]>();
  /** Running mean of the bits one sent update costs this client. */
  updateBits = DEFAULT_INITIAL_UPDATE_BITS;
  /** Entities in view at the last snapshot. */
  visibleCount = 0;
  /** K at the last snapshot. */
  maxIntervalTicks = 1;
  private readonly buffers: [RowBuffers, RowBuffers];

  constructor(
    public radius: number,
    public margin: number,
    withText: boolean,
  ) {
    this.buffers = [emptyRows(withText), emptyRows(withText)];
    this.rows = this.buffers[0];
  }

  /** Re-aligns with `baseline` when the session's baseline is not the one this state tracks (a reset or a full snapshot). */
  sync(baseline: Snapshot | null): void {
    if (baseline === this.baseline) return;
    this.baseline = baseline;
    const rows = this.spare();
    const n = baseline === null ? 0 : baseline.count;
    rows.sentTicks.length = 0;
    rows.gaps.length = 0;
    rows.worldRows.length = 0;
    rows.canon.length = 0;
    for (let i = 0; i < n; i++) {
      rows.sentTicks.push(baseline!.tick);
      rows.gaps.push(1);
      rows.worldRows.push(-1);
      rows.canon.push(ROW_PREDICTED);
    }
    this.rows = rows;
  }

  /** The buffers the next snapshot may be built into: the set the current baseline and its bookkeeping do not use. */
  spare(): RowBuffers {
    const [a, b] = this.buffers;
    return this.rows === a ? b : a;
  }

  /** The snapshot built into `spare()` was sent: it is the new baseline. */
  commit(next: Snapshot, rows: RowBuffers): void {
    this.baseline = next;
    this.rows = rows;
  }
}

function emptyRows(withText: boolean): RowBuffers {
  return { ids: [], kinds: [], values: doubleColumn(), motion: doubleColumn(), texts: withText ? [] : null, sentTicks: [], gaps: [], worldRows: [], canon: [] };
}

/** An empty array whose elements V8 already stores as unboxed doubles, so filling it never converts it. */
function doubleColumn(): number[] {
  const column = [0.5];
  column.length = 0;
  return column;
}
