/**
 * Draws remote entities between two buffered snapshots at a fractional render tick, writing real
 * values into persistent {@link RenderEntity} objects. It walks the columnar snapshot arrays and
 * allocates nothing per entity per frame: objects are created only when an entity appears.
 *
 * Per field, from the schema: `linear` blends the quantized values, `angle` blends the short way
 * round, `none` (ints, bools, enums, strings, or opted-out floats) holds the older snapshot's value
 * until render time reaches the newer snapshot. An entity is drawn from the snapshot it was created
 * in and disappears at the snapshot it was removed in: the drawn set is the older snapshot's.
 */
import type { Schema, Snapshot } from '../shared/index.ts';
import type { SnapshotBuffer } from './SnapshotBuffer.ts';

/** Longest extrapolation past the newest snapshot before entities hold still, in ms. */
export const DEFAULT_MAX_EXTRAPOLATION_MS = 50;

/** Options of {@link Interpolator}. */
export interface InterpolatorOptions {
  /** Longest extrapolation when the buffer runs dry, in ms. Default {@link DEFAULT_MAX_EXTRAPOLATION_MS}. */
  readonly maxExtrapolationMs?: number;
}

/**
 * One drawn entity. The object and its `state` live as long as the entity is on screen and are updated
 * in place every frame: keep references, but copy values you want to remember.
 *
 * @category Client
 */
export interface RenderEntity<State = Record<string, unknown>, Kind extends string = string> {
  /** The entity id. */
  readonly id: number;
  /** The entity kind's name. */
  readonly kind: Kind;
  /** Real-valued fields, updated in place each frame. */
  readonly state: State;
  /** True for entities this client predicts (its own player and opted-in entities). */
  readonly isLocal: boolean;
}

/** Receives entity appearances and disappearances found while drawing. */
export interface EntitySetListener {
  /**
   * A remote entity entered the drawn set; `entity` is the persistent object that will be updated in place while it
   * stays.
   */
  added(entity: RenderEntity): void;
  /** The remote entity `id` left the drawn set; its object is no longer updated. */
  removed(id: number): void;
}

const NONE = 0;
const LINEAR = 1;
const ANGLE = 2;
const TEXT = 3;

interface KindTable {
  readonly name: string;
  readonly names: readonly string[];
  readonly mode: Uint8Array;
  readonly range: Float64Array;
  readonly dequantize: readonly ((q: number | string) => unknown)[];
  /**
   * Floats and ints dequantize as base + q · scale (min + q · step, exactly as the schema does); NaN marks the
   * others.
   */
  readonly base: Float64Array;
  readonly scale: Float64Array;
}

interface MutableRender {
  readonly id: number;
  readonly kind: string;
  readonly state: Record<string, unknown>;
  isLocal: boolean;
  /**
   * The quantized value last written into `state` per field (NaN: none yet), and the text for string
   * fields: a field whose value did not change is not written again, which saves most of the keyed
   * stores (the costly part of a frame). A typed array, so caching a fractional value allocates nothing.
   */
  readonly written: Float64Array;
  readonly writtenText: (string | undefined)[];
}

const NO_VALUES = new Float64Array(0);

/** Interpolates the remote entities of one client; owned by it. */
export class Interpolator {
  private readonly kinds: readonly KindTable[];
  private readonly maxExtrapolationMs: number;
  private shown: Snapshot | null = null;
  private rows: MutableRender[] = [];
  /** The previous frame's row array, reused for the next set so a new snapshot allocates no array. */
  private spare: MutableRender[] = [];
  private dry = false;
  /** Times render time ran past the newest snapshot (each dry spell counts once). */
  underruns = 0;
  /** How far the last frame was extrapolated past the newest snapshot, in ms (0 when interpolating). */
  extrapolatedMs = 0;

  /** @param schema the shared schema. */
  constructor(schema: Schema, options: InterpolatorOptions = {}) {
    this.maxExtrapolationMs = options.maxExtrapolationMs ?? DEFAULT_MAX_EXTRAPOLATION_MS;
    if (!(this.maxExtrapolationMs >= 0))
      throw new RangeError(`interpolation: maxExtrapolationMs must be ≥ 0; got ${this.maxExtrapolationMs}`);
    this.kinds = schema.kinds.map((k) => ({
      name: k.name,
      names: k.fields.map((f) => f.name),
      mode: Uint8Array.from(k.fields, (f) =>
        f.coding === 'text' ? TEXT : f.interp === 'linear' ? LINEAR : f.interp === 'angle' ? ANGLE : NONE,
      ),
      range: Float64Array.from(k.fields, (f) => f.range),
      dequantize: k.fields.map((f) => f.dequantize),
      base: Float64Array.from(k.fields, (f) =>
        f.decl.type === 'float' ? f.decl.min : f.decl.type === 'int' ? Number(f.dequantize(0)) : NaN,
      ),
      scale: Float64Array.from(k.fields, (f) =>
        f.decl.type === 'float' ? f.decl.step : f.decl.type === 'int' ? 1 : NaN,
      ),
    }));
  }

  /**
   * Draws the entities of `buffer` at `renderTick` into `entities` (id → entity), skipping ids for which
   * `isPredicted` is true (the client draws those from its prediction). Reports set changes to `listener`.
   */
  draw(
    buffer: SnapshotBuffer,
    renderTick: number,
    tickMs: number,
    entities: Map<number, RenderEntity>,
    isPredicted: (id: number) => boolean,
    listener: EntitySetListener,
  ): void {
    if (buffer.size === 0 || Number.isNaN(renderTick)) return;
    let ai = buffer.indexAtOrBefore(renderTick);
    if (ai < 0) ai = 0;
    const a = buffer.at(ai);
    const b = ai + 1 < buffer.size ? buffer.at(ai + 1) : null;
    if (a !== this.shown) this.showSet(a, entities, isPredicted, listener);

    let alpha = 0;
    let extraTicks = 0;
    if (b !== null) {
      alpha = renderTick <= a.tick ? 0 : (renderTick - a.tick) / (b.tick - a.tick);
      this.dry = false;
      this.extrapolatedMs = 0;
    } else {
      if (!this.dry && renderTick > a.tick) {
        this.dry = true;
        this.underruns++;
      }
      const aheadMs = Math.max(0, (renderTick - a.tick) * tickMs);
      this.extrapolatedMs = Math.min(aheadMs, this.maxExtrapolationMs);
      extraTicks = this.extrapolatedMs / tickMs;
    }

    const rows = this.rows;
    const stride = a.stride;
    const aValues = a.values;
    const aTexts = a.texts;
    const motion = b === null ? a.motion : null;
    let j = 0;
    for (let i = 0; i < a.count; i++) {
      const row = rows[i]!;
      if (row.isLocal) continue;
      const kind = a.kinds[i]!;
      const table = this.kinds[kind]!;
      const state = row.state;
      const written = row.written;
      const at = i * stride;
      let bAt = -1;
      if (b !== null) {
        const id = a.ids[i]!;
        while (j < b.count && b.ids[j]! < id) j++;
        if (j < b.count && b.ids[j] === id && b.kinds[j] === kind) bAt = j * stride;
      }
      const names = table.names;
      const mode = table.mode;
      for (let f = 0; f < names.length; f++) {
        const m = mode[f]!;
        if (m === TEXT) {
          const text = aTexts![at + f] ?? '';
          if (row.writtenText[f] !== text) state[names[f]!] = row.writtenText[f] = text;
          continue;
        }
        let q = aValues[at + f]!;
        if (m !== NONE) {
          const range = table.range[f]!;
          if (bAt >= 0) {
            const d = b!.values[bAt + f]! - q;
            q += (m === ANGLE ? shortWay(d, range) : d) * alpha;
          } else if (motion !== null && extraTicks > 0) {
            q += motion[at + f]! * extraTicks;
          }
          q = m === ANGLE ? mod(q, range) : q < 0 ? 0 : q > range - 1 ? range - 1 : q;
        }
        if (written[f] === q) continue;
        written[f] = q;
        const scale = table.scale[f]!;
        // The affine form skips a closure call per field; it is what the continuous dequantizers compute.
        storeField(state, f, names[f]!, !Number.isNaN(scale) ? table.base[f]! + q * scale : table.dequantize[f]!(q));
      }
    }
  }

  /** Forgets the drawn set (the caller empties its entity map), e.g. after leaving a room. */
  reset(): void {
    this.shown = null;
    this.rows = [];
    this.spare = [];
    this.dry = false;
    this.extrapolatedMs = 0;
  }

  /** Makes the drawn set that of `next`: reuses the objects of surviving entities, creates and drops the rest. */
  private showSet(
    next: Snapshot,
    entities: Map<number, RenderEntity>,
    isPredicted: (id: number) => boolean,
    listener: EntitySetListener,
  ): void {
    const prev = this.shown;
    const prevRows = this.rows;
    const rows = this.spare;
    rows.length = next.count;
    let p = 0;
    const prevCount = prev === null ? 0 : prev.count;
    for (let i = 0; i < next.count; i++) {
      const id = next.ids[i]!;
      const kind = next.kinds[i]!;
      while (p < prevCount && prev!.ids[p]! < id) {
        this.drop(prevRows[p]!, entities, listener);
        p++;
      }
      let row: MutableRender | undefined;
      if (p < prevCount && prev!.ids[p] === id) {
        const old = prevRows[p]!;
        p++;
        if (old.kind === this.kinds[kind]!.name) row = old;
        else this.drop(old, entities, listener);
      }
      if (row === undefined) {
        if (isPredicted(id)) {
          row = { id, kind: this.kinds[kind]!.name, state: {}, isLocal: true, written: NO_VALUES, writtenText: [] };
        } else {
          row = this.create(next, i);
          entities.set(id, row);
          listener.added(row);
        }
      }
      rows[i] = row;
    }
    while (p < prevCount) this.drop(prevRows[p++]!, entities, listener);
    this.shown = next;
    this.spare = prevRows;
    this.rows = rows;
  }

  private drop(row: MutableRender, entities: Map<number, RenderEntity>, listener: EntitySetListener): void {
    if (row.isLocal) return;
    entities.delete(row.id);
    listener.removed(row.id);
  }

  private create(snap: Snapshot, i: number): MutableRender {
    const table = this.kinds[snap.kinds[i]!]!;
    const state: Record<string, unknown> = {};
    const n = table.names.length;
    const written = new Float64Array(n);
    const writtenText = new Array<string | undefined>(n);
    const at = i * snap.stride;
    for (let f = 0; f < n; f++) {
      if (table.mode[f] === TEXT) {
        const text = snap.texts![at + f] ?? '';
        state[table.names[f]!] = text;
        writtenText[f] = text;
      } else {
        const q = snap.values[at + f]!;
        state[table.names[f]!] = table.dequantize[f]!(q);
        written[f] = q;
      }
    }
    return { id: snap.ids[i]!, kind: table.name, state, isLocal: false, written, writtenText };
  }
}

/**
 * `state[name] = value` for field index `f`, from one store site per index (0–15): a single site that
 * sees every field name goes megamorphic, and a megamorphic store boxes each double in a new heap
 * number (48 bytes per entity per frame at E = 1000, a garbage collection every few seconds); a site
 * that sees one name per kind stores the double in place.
 */
function storeField(state: Record<string, unknown>, f: number, name: string, value: unknown): void {
  switch (f) {
    case 0:
      state[name] = value;
      return;
    case 1:
      state[name] = value;
      return;
    case 2:
      state[name] = value;
      return;
    case 3:
      state[name] = value;
      return;
    case 4:
      state[name] = value;
      return;
    case 5:
      state[name] = value;
      return;
    case 6:
      state[name] = value;
      return;
    case 7:
      state[name] = value;
      return;
    case 8:
      state[name] = value;
      return;
    case 9:
      state[name] = value;
      return;
    case 10:
      state[name] = value;
      return;
    case 11:
      state[name] = value;
      return;
    case 12:
      state[name] = value;
      return;
    case 13:
      state[name] = value;
      return;
    case 14:
      state[name] = value;
      return;
    case 15:
      state[name] = value;
      return;
    default:
      state[name] = value;
  }
}

function shortWay(d: number, range: number): number {
  const half = range / 2;
  return d > half ? d - range : d < -half ? d + range : d;
}

function mod(q: number, range: number): number {
  if (q >= 0 && q < range) return q;
  const m = q % range;
  return m < 0 ? m + range : m;
}
