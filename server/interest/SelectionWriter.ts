/**
 * Writes one interest client's snapshot body straight from its selection, in the snapshot codec's
 * wire format (shared/deltaCodec.ts), and builds the snapshot the client holds afterwards (its next
 * baseline) into the client's spare row buffers. What the plain codec would do in two passes (copy
 * rows into a snapshot, then diff it against the baseline) is done in one, and the changed record of
 * an entity whose holder is canonical comes from the room's {@link RecordCache} instead of being
 * computed again for each client.
 *
 * Rows of the next snapshot, in id order:
 *   - sent entities: the world's row (a create when the client did not hold it, or held another kind);
 *   - deferred entities the client holds: what the baseline's motion predicts (no record, no bits);
 *   - removes that did not fit: kept, predicted, until a later snapshot removes them.
 * Per row, `canon` says what the row's values are: 0 predicted, 1 the world's at this tick, 2 the
 * world's at this tick and the world's one-tick motion (the row is canonical; see RecordCache.ts).
 */
import { BitWriter } from '../../shared/bits.ts';
import { writeCreated, writeRecordHead, writeRemoved } from '../../shared/bodyWriting.ts';
import { type CodecTables, CONTINUOUS, DISCRETE, K_BITS, predict, writeText } from '../../shared/codecTables.ts';
import type { Snapshot } from '../../shared/index.ts';
import type { ClientInterest, RowBuffers } from './ClientInterest.ts';
import type { RecordCache } from './RecordCache.ts';
import { rowDelta, type RowDeltaIo } from './rowDelta.ts';

/** A row's values: predicted from the baseline, not the world's. */
export const ROW_PREDICTED = 0;
/** A row's values are the world's at the snapshot's tick. */
export const ROW_FRESH = 1;
/** A row's values are the world's at the snapshot's tick, and its motion the world's one-tick motion. */
export const ROW_CANONICAL = 2;

/** What to write: the entries in view and the removes, with the chosen ones marked in `inc`. */
export interface SelectionRows {
  /** Entries in view, ascending id. */
  readonly entries: number;
  /** Per entry: world row. */
  readonly eRow: Int32Array;
  /** Per entry: baseline row, or -1 for an entity the client does not hold. */
  readonly eBase: Int32Array;
  /** Baseline rows out of view, ascending. */
  readonly removes: number;
  /** Per remove: baseline row. */
  readonly rBase: Int32Array;
  /** Per entry then per remove: 1 if sent (created, updated or removed) in this snapshot. */
  readonly inc: Uint8Array;
}

/** One written body with the snapshot it leads to. */
export interface WrittenSelection {
  /** The body; aliases the writer's buffer until its next write. */
  readonly bytes: Uint8Array;
  /** What the client will hold; its columns are `rows`'. */
  readonly next: Snapshot;
  /** The buffers `next` was built into, with their bookkeeping. */
  readonly rows: RowBuffers;
}

/** Per-room writer with scratch buffers reused across clients; owned by the SelectionEncoder. */
export class SelectionWriter {
  private readonly w = new BitWriter();
  private readonly io: RowDeltaIo = { bv: [], bm: null, bt: null, bAt: 0, cv: [], ct: null, cAt: 0, g: 1 };
  /** Per next row × stride: residual codes and motion of records computed for this client. */
  private codes = new Float64Array(0);
  private motion = new Float64Array(0);
  private removed = new Int32Array(0);
  private created = new Int32Array(0);
  /** Per changed entity: survivor position, kind, mask, world row, code offset, codes from the cache (1) or not. */
  private chPos = new Int32Array(0);
  private chKind = new Int32Array(0);
  private chMask = new Float64Array(0);
  private chRow = new Int32Array(0);
  private chAt = new Int32Array(0);
  private chCached = new Uint8Array(0);
  private readonly kindChanged: Int32Array;
  private readonly lastMask: Float64Array;

  constructor(
    private readonly t: CodecTables,
    private readonly cache: RecordCache,
  ) {
    this.kindChanged = new Int32Array(t.kindCount);
    this.lastMask = new Float64Array(t.kindCount);
  }

  /**
   * Writes the body of `sel` for a client holding `baseline` (null: none), building the next snapshot
   * into `state`'s spare buffers. `baseWorld[b]` is baseline row b's row in `world` (-1 if gone).
   */
  write(world: Snapshot, baseline: Snapshot | null, state: ClientInterest, baseWorld: Int32Array, sel: SelectionRows): WrittenSelection {
    const t = this.t;
    const stride = t.stride;
    const tick = world.tick;
    const max = sel.entries + sel.removes;
    this.reserve(max);
    const { inc, eRow, eBase, rBase } = sel;
    const entries = sel.entries;
    const removes = sel.removes;
    const wIds = world.ids;
    const wKinds = world.kinds;
    const wv = world.values;
    const wt = world.texts;
    const bIds = baseline === null ? null : baseline.ids;
    const bKinds = baseline === null ? null : baseline.kinds;
    const g = baseline === null ? 0 : tick - baseline.tick;
    const held = state.rows;
    const rows = state.spare();
    const { ids, kinds, values, motion, texts, sentTicks, gaps, worldRows, canon } = rows;
    const cache = this.cache;
    const io = this.io;
    io.g = g;
    if (baseline !== null) {
      io.bv = baseline.values;
      io.bm = baseline.motion;
      io.bt = baseline.texts;
    }
    io.cv = wv;
    io.ct = wt;
    let e = 0;
    let x = 0;
    let n = 0;
    let survivor = 0;
    let nRemoved = 0;
    let nCreated = 0;
    let nChanged = 0;
    while (e < entries || x < removes) {
      const eid = e < entries ? wIds[eRow[e]!]! : Infinity;
      const xid = x < removes ? bIds![rBase[x]!]! : Infinity;
      let from: number;
      if (xid < eid) {
        from = rBase[x]!;
        const keep = inc[entries + x] === 0;
        x++;
        if (!keep) {
          this.removed[nRemoved++] = from;
          continue;
        }
      } else {
        const row = eRow[e]!;
        let base = eBase[e]!;
        const send = inc[e] === 1;
        e++;
        if (!send) {
          if (base < 0) continue; // a create that did not fit
          from = base;
        } else {
          const kind = wKinds[row]!;
          if (base >= 0 && bKinds![base] !== kind) {
            this.removed[nRemoved++] = base; // the id now names an entity of another kind
            base = -1;
          }
          ids[n] = eid;
          kinds[n] = kind;
          const at = row * stride;
          const to = n * stride;
          for (let f = 0; f < stride; f++) values[to + f] = wv[at + f]!;
          if (texts !== null) for (let f = 0; f < stride; f++) texts[to + f] = wt![at + f];
          sentTicks[n] = tick;
          gaps[n] = base < 0 ? 1 : tick - held.sentTicks[base]!;
          worldRows[n] = row;
          if (base < 0) {
            this.created[nCreated++] = row;
            for (let f = 0; f < stride; f++) motion[to + f] = 0;
            canon[n] = ROW_FRESH;
          } else {
            const position = survivor++;
            const heldCanon = held.canon[base]!;
            io.bAt = base * stride;
            io.cAt = at;
            let mask: number;
            let src: Float64Array;
            let codeAt: number;
            if (g === 1 && heldCanon === ROW_CANONICAL) {
              if (!cache.has(row)) cache.fill(row, kind, io);
              mask = cache.mask[row]!;
              src = cache.motion;
              codeAt = at;
            } else {
              mask = rowDelta(t, kind, io, this.codes, this.motion, to);
              src = this.motion;
              codeAt = to;
            }
            for (let f = 0; f < stride; f++) motion[to + f] = src[codeAt + f]!;
            if (mask !== 0) {
              const c = nChanged++;
              this.chPos[c] = position;
              this.chKind[c] = kind;
              this.chMask[c] = mask;
              this.chRow[c] = row;
              this.chAt[c] = codeAt;
              this.chCached[c] = src === cache.motion ? 1 : 0;
              this.kindChanged[kind]!++;
            }
            canon[n] = g === 1 && heldCanon !== ROW_PREDICTED ? ROW_CANONICAL : ROW_FRESH;
          }
          n++;
          continue;
        }
      }
      // Deferred: what the baseline's motion predicts; a survivor without a record.
      survivor++;
      this.predictRow(baseline!, from, n, g, rows);
      sentTicks[n] = held.sentTicks[from]!;
      gaps[n] = held.gaps[from]!;
      worldRows[n] = baseWorld[from]!;
      canon[n] = ROW_PREDICTED;
      n++;
    }
    ids.length = n;
    kinds.length = n;
    values.length = n * stride;
    motion.length = n * stride;
    if (texts !== null) texts.length = n * stride;
    sentTicks.length = n;
    gaps.length = n;
    worldRows.length = n;
    canon.length = n;
    const bytes = this.body(world, nRemoved, nCreated, nChanged);
    const next: Snapshot = { tick, count: n, stride, ids, kinds, values, motion, texts };
    return { bytes, next, rows };
  }

  /** Writes baseline row `from`, moved as its motion predicts, as row `n` of `rows`, with the motion the client derives. */
  private predictRow(baseline: Snapshot, from: number, n: number, g: number, rows: RowBuffers): void {
    const t = this.t;
    const stride = t.stride;
    const kind = baseline.kinds[from]!;
    const bv = baseline.values;
    const bm = baseline.motion;
    const at = from * stride;
    const to = n * stride;
    const slot = kind * stride;
    const nf = t.fieldCount[kind]!;
    const { values, texts } = rows;
    rows.ids[n] = baseline.ids[from]!;
    rows.kinds[n] = kind;
    for (let f = 0; f < stride; f++) {
      const q = bv[at + f]!;
      values[to + f] = f < nf && bm !== null && t.coding[slot + f] === CONTINUOUS ? predict(q, bm[at + f]!, g, t.range[slot + f]!) : q;
    }
    if (texts !== null) for (let f = 0; f < stride; f++) texts[to + f] = baseline.texts![at + f];
    const io = this.io;
    const cv = io.cv;
    const ct = io.ct;
    io.bAt = at;
    io.cv = values;
    io.ct = texts;
    io.cAt = to;
    rowDelta(t, kind, io, this.codes, this.motion, to);
    io.cv = cv;
    io.ct = ct;
    for (let f = 0; f < stride; f++) rows.motion[to + f] = this.motion[to + f]!;
  }

  /** Writes the body: removed, created, changed (layout in shared/deltaCodec.ts). */
  private body(world: Snapshot, nRemoved: number, nCreated: number, nChanged: number): Uint8Array {
    const t = this.t;
    const w = this.w;
    const stride = t.stride;
    const wv = world.values;
    w.reset();
    writeRemoved(w, this.removed, nRemoved);
    w.expGolomb(nCreated, 0);
    let prev = -1;
    for (let i = 0; i < nCreated; i++) prev = writeCreated(w, t, prev, this.created[i]!, world.ids, world.kinds, wv, world.texts);
    w.expGolomb(nChanged, 0);
    if (nChanged === 0) return w.finish();
    const order = this.cache.order;
    for (let k = 0; k < t.kindCount; k++) {
      const has = this.kindChanged[k]! > 0;
      w.bit(has);
      if (!has) continue;
      this.kindChanged[k] = 0;
      this.lastMask[k] = -1;
      for (let f = 0; f < t.fieldCount[k]!; f++) if (t.coding[k * stride + f] === CONTINUOUS) w.bits(order[k * stride + f]!, K_BITS);
    }
    prev = -1;
    for (let c = 0; c < nChanged; c++) {
      const pos = this.chPos[c]!;
      const kind = this.chKind[c]!;
      const mask = this.chMask[c]!;
      const nf = t.fieldCount[kind]!;
      const slot = kind * stride;
      writeRecordHead(w, pos - prev - 1, kind, mask, nf, this.lastMask);
      prev = pos;
      const cached = this.chCached[c] === 1;
      if (cached && this.cache.packedLength[this.chRow[c]!]! >= 0) {
        w.bits(this.cache.packed[this.chRow[c]!]!, this.cache.packedLength[this.chRow[c]!]!);
        continue;
      }
      const codes = cached ? this.cache.codes : this.codes;
      const codeAt = this.chAt[c]!;
      const at = this.chRow[c]! * stride;
      for (let f = 0; f < nf; f++) {
        if (((mask >>> f) & 1) === 0) continue;
        const coding = t.coding[slot + f];
        if (coding === CONTINUOUS) w.expGolomb(codes[codeAt + f]!, order[slot + f]!);
        else if (coding === DISCRETE) w.bits(wv[at + f]!, t.bits[slot + f]!);
        else writeText(w, world.texts![at + f] ?? '');
      }
    }
    return w.finish();
  }

  /** Makes room for `rows` next rows and changed records. */
  private reserve(rows: number): void {
    if (this.chPos.length >= rows) return;
    const size = Math.max(rows, this.chPos.length * 2, 64);
    const stride = this.t.stride;
    this.codes = new Float64Array(size * stride);
    this.motion = new Float64Array(size * stride);
    this.removed = new Int32Array(size);
    this.created = new Int32Array(size);
    this.chPos = new Int32Array(size);
    this.chKind = new Int32Array(size);
    this.chMask = new Float64Array(size);
    this.chRow = new Int32Array(size);
    this.chAt = new Int32Array(size);
    this.chCached = new Uint8Array(size);
  }
}
