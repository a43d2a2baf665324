/**
 * The entities a client predicts (its player, plus any it opted in), the inputs not yet acknowledged,
 * and the drawable objects of those entities. Each snapshot rewinds and replays every predictor; an
 * entity appears when a snapshot first holds it and disappears when the newest snapshot no longer does.
 */
import { indexOfEntity, type Schema, type Snapshot } from '../shared/index.ts';
import type { RenderEntity } from './Interpolator.ts';
import { type PendingInput, Predictor, type PredictorOptions, type StepFn } from './Predictor.ts';

/** What the set reports: entity appearances and disappearances, and errors thrown by the step function. */
export interface PredictedEntitiesEvents {
  added(id: number, kind: string): void;
  removed(id: number): void;
  error(err: unknown): void;
}

/** Prediction state of one client; owned by it. Shares the client's map of drawable entities. */
export class PredictedEntities {
  private readonly ids = new Set<number>();
  private readonly predictors = new Map<number, Predictor>();
  /** Inputs sent and not yet acknowledged, oldest first. */
  readonly pending: PendingInput[] = [];
  /** Corrections seen, over all predictors. */
  corrections = 0;
  /** Size of the last correction, in field units. */
  lastCorrection = 0;
  /** Corrections too large to smooth, over all predictors. */
  snaps = 0;
  private dtSec = 1 / 60;
  /** True for predicted ids (bound, so it can be passed around without allocating). */
  readonly has = (id: number): boolean => this.ids.has(id);

  constructor(
    private readonly schema: Schema,
    private readonly step: StepFn<Record<string, unknown>, Record<string, unknown>>,
    private readonly options: PredictorOptions,
    private readonly maxPending: number,
    private readonly drawn: Map<number, RenderEntity>,
    private readonly events: PredictedEntitiesEvents,
  ) {}

  /** Sets the step duration from the server tick rate. */
  setTickRate(tickRateHz: number): void {
    this.dtSec = 1 / tickRateHz;
  }

  /** Predicts entity `id` from the next snapshot that holds it on. */
  add(id: number): void {
    this.ids.add(id);
  }

  /** The predicted (unsmoothed) state of `id`, or null. */
  state(id: number): Record<string, unknown> | null {
    const p = this.predictors.get(id);
    return p?.ready ? p.state : null;
  }

  /** Keeps one sent input (real values) and applies it at once to every predicted entity. */
  input(seq: number, input: Record<string, unknown>): void {
    this.pending.push({ seq, input });
    if (this.pending.length > this.maxPending) this.pending.shift();
    for (const p of this.predictors.values()) {
      try {
        p.applyInput(input);
      } catch (err) {
        this.events.error(err);
      }
    }
  }

  /** Drops the inputs up to and including `lastInputSeq`, then rewinds and replays every predicted entity of `snap`. */
  reconcile(snap: Snapshot, lastInputSeq: number): void {
    let drop = 0;
    while (drop < this.pending.length && this.pending[drop]!.seq <= lastInputSeq) drop++;
    if (drop > 0) this.pending.splice(0, drop);
    for (const id of this.ids) {
      const i = indexOfEntity(snap, id);
      let p = this.predictors.get(id);
      if (p !== undefined && (i < 0 || p.kindIndex !== snap.kinds[i])) {
        this.forget(id);
        p = undefined;
      }
      if (i < 0) continue;
      p ??= this.start(id, snap.kinds[i]!);
      try {
        const size = p.reconcile(snap, i, this.pending);
        if (size > 0) {
          this.corrections++;
          this.lastCorrection = size;
          this.snaps = 0;
          for (const q of this.predictors.values()) this.snaps += q.snaps;
        }
      } catch (err) {
        this.events.error(err);
      }
    }
  }

  /**
   * Decays every visual correction to `nowMs` and writes the drawn states, `subTick` (0 … 1) of the way
   * from each prediction's state before the newest input to its newest one.
   */
  smooth(nowMs: number, subTick = 1): void {
    for (const p of this.predictors.values()) p.smooth(nowMs, subTick);
  }

  /** Forgets every predicted entity and input (the caller empties the drawn map). */
  clear(): void {
    this.ids.clear();
    this.predictors.clear();
    this.pending.length = 0;
  }

  private start(id: number, kind: number): Predictor {
    // An entity drawn as remote until now keeps its object: the renderer's reference stays valid.
    const existing = this.drawn.get(id) as { state: Record<string, unknown>; isLocal: boolean } | undefined;
    const rendered = existing?.state ?? {};
    const p = new Predictor(this.schema, kind, this.step, this.dtSec, rendered, this.options);
    this.predictors.set(id, p);
    if (existing !== undefined) existing.isLocal = true;
    else {
      const name = this.schema.kinds[kind]!.name;
      this.drawn.set(id, { id, kind: name, state: rendered, isLocal: true });
      this.events.added(id, name);
    }
    return p;
  }

  private forget(id: number): void {
    this.predictors.delete(id);
    if (this.drawn.delete(id)) this.events.removed(id);
  }
}
