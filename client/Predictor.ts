/*
 * Client-side prediction and reconciliation of one entity the client controls.
 *
 *   local tick    t0   t1   t2   t3   t4          inputs 1..5 applied at once, kept until acked
 *   input seq      1    2    3    4    5
 *   snapshot S(lastInputSeq = 2) arrives at t4:
 *     rewind  state ← S's state of the entity (dequantized)
 *     replay  inputs 3, 4, 5 through the same step function the server runs
 *     smooth  offset ← (what was drawn) − (new prediction); drawn = prediction + offset,
 *             the offset decaying to 0 over ~smoothingMs (unless it is huge: then snap)
 *
 * Drawn between ticks: the prediction steps once per input (the tick rate) and is drawn between its
 * last two states at the frame's sub-tick time (`smooth(now, subTick)`), so it moves the same distance
 * every frame at any display rate ("fix your timestep"); the correction offset is added on top.
 *
 * Only the fields the schema interpolates (linear floats, angles) are smoothed and drawn between
 * states; the others are drawn as predicted. Once every input is acknowledged the prediction is
 * exactly the server's quantized state, because the rewind starts from it and nothing is left to replay.
 */
import type { Schema, Snapshot } from '../shared/index.ts';

/** Time over which a correction's visual offset fades out, in ms. */
export const DEFAULT_SMOOTHING_MS = 100;
/** A correction larger than this fraction of a field's span snaps instead of being smoothed. */
export const DEFAULT_SNAP_FRACTION = 0.1;

/** A step function: mutates `state` by one tick of `input`. The server runs the same code. */
export type StepFn<State, Input> = (state: State, input: Input, dtSec: number) => void;

/** An input kept until the server acknowledges it. */
export interface PendingInput<Input = Record<string, unknown>> {
  /** Its sequence number. */
  readonly seq: number;
  /** Its real values (dequantized from what was sent, so both sides step with the same numbers). */
  readonly input: Input;
}

/** Options of prediction smoothing. */
export interface PredictorOptions {
  /** Fade-out time of a correction, in ms. Default {@link DEFAULT_SMOOTHING_MS}. */
  readonly smoothingMs?: number;
  /** Fraction of a field's span above which a correction snaps. Default {@link DEFAULT_SNAP_FRACTION}. */
  readonly snapFraction?: number;
}

const FLOAT = 1;
const ANGLE = 2;
const TURN = Math.PI * 2;

/** Predicts one entity of one kind; owned by the client. `rendered` is the object drawn, updated in place. */
export class Predictor {
  /** The predicted state (server state + replayed inputs), without smoothing. */
  readonly state: Record<string, unknown> = {};
  /** Corrections seen (a snapshot that moved the prediction). */
  corrections = 0;
  /** Size of the last correction: the largest field error, in the field's units. */
  lastCorrection = 0;
  /** Corrections that were too large to smooth. */
  snaps = 0;
  private readonly names: readonly string[];
  private readonly mode: Uint8Array;
  private readonly isText: Uint8Array;
  private readonly snapLimit: Float64Array;
  /** Per field: one quantization step, in field units. Errors within a step are rounding, not corrections. */
  private readonly quantum: Float64Array;
  private readonly offset: Float64Array;
  private readonly before: Float64Array;
  /** Per interpolated field: the predicted value before the newest input (what sub-tick 0 draws). */
  private readonly prev: Float64Array;
  private subTick = 1;
  private readonly dequantize: readonly ((q: number | string) => unknown)[];
  private readonly tauMs: number;
  private smoothedAtMs = NaN;
  private seeded = false;

  /**
   * @param kindIndex the entity's kind index in `schema`.
   * @param rendered the object to draw into (kept and updated in place; its fields are overwritten).
   */
  constructor(
    schema: Schema,
    readonly kindIndex: number,
    private readonly step: StepFn<Record<string, unknown>, Record<string, unknown>>,
    private readonly dtSec: number,
    readonly rendered: Record<string, unknown>,
    options: PredictorOptions = {},
  ) {
    const kind = schema.kinds[kindIndex];
    if (kind === undefined) throw new RangeError(`Predictor: unknown kind index ${kindIndex}`);
    // The step function's discriminant with several kinds; not a field, so not enumerable and never copied.
    Object.defineProperty(this.state, 'kind', { value: kind.name, enumerable: false });
    const smoothingMs = options.smoothingMs ?? DEFAULT_SMOOTHING_MS;
    if (!(smoothingMs >= 0)) throw new RangeError(`prediction: smoothingMs must be ≥ 0; got ${smoothingMs}`);
    const snapFraction = options.snapFraction ?? DEFAULT_SNAP_FRACTION;
    // Three time constants: 95 % of an offset is gone after smoothingMs.
    this.tauMs = smoothingMs / 3;
    const fields = kind.fields;
    this.names = fields.map((f) => f.name);
    this.dequantize = fields.map((f) => f.dequantize);
    this.mode = Uint8Array.from(fields, (f) => (f.interp === 'linear' ? FLOAT : f.interp === 'angle' ? ANGLE : 0));
    this.isText = Uint8Array.from(fields, (f) => (f.coding === 'text' ? 1 : 0));
    this.snapLimit = Float64Array.from(fields, (f) =>
      f.interp === 'angle'
        ? Math.PI * 2 * snapFraction
        : f.coding === 'text'
          ? 0
          : Math.abs(Number(f.dequantize(f.range - 1)) - Number(f.dequantize(0))) * snapFraction,
    );
    this.quantum = Float64Array.from(fields, (f) =>
      f.coding === 'text' || f.range < 2 ? 0 : Math.abs(Number(f.dequantize(1)) - Number(f.dequantize(0))),
    );
    this.offset = new Float64Array(fields.length);
    this.before = new Float64Array(fields.length);
    this.prev = new Float64Array(fields.length);
  }

  /** True once a snapshot gave the prediction its starting state. */
  get ready(): boolean {
    return this.seeded;
  }

  /** Steps the prediction by one input at once (call right after sending it). Rethrows errors of the step function. */
  applyInput(input: Record<string, unknown>): void {
    if (!this.seeded) return;
    this.keepPrev();
    this.step(this.state, input, this.dtSec);
  }

  /**
   * Rewinds to the entity at index `i` of `snapshot`, replays `pending` (the unacknowledged inputs,
   * oldest first) and turns the difference into a smoothed visual offset. Returns the correction size.
   */
  reconcile(snapshot: Snapshot, i: number, pending: readonly PendingInput[]): number {
    const names = this.names;
    const state = this.state;
    const wasSeeded = this.seeded;
    for (let f = 0; f < names.length; f++)
      this.before[f] = this.mode[f] !== 0 && wasSeeded ? (state[names[f]!] as number) : 0;
    const at = i * snapshot.stride;
    for (let f = 0; f < names.length; f++) {
      const q = this.isText[f] === 1 ? (snapshot.texts?.[at + f] ?? '') : snapshot.values[at + f]!;
      state[names[f]!] = this.dequantize[f]!(q);
    }
    this.seeded = true;
    for (let n = 0; n < pending.length; n++) {
      if (n === pending.length - 1) this.keepPrev();
      this.step(state, pending[n]!.input, this.dtSec);
    }
    if (pending.length === 0) this.keepPrev();
    if (!wasSeeded) {
      this.offset.fill(0);
      this.writeRendered();
      return 0;
    }
    let size = 0;
    let snap = false;
    for (let f = 0; f < names.length; f++) {
      const m = this.mode[f]!;
      if (m === 0) continue;
      let err = this.before[f]! - (state[names[f]!] as number);
      if (m === ANGLE) err = shortWay(err);
      const abs = Math.abs(err);
      if (abs <= this.quantum[f]!) continue;
      size = Math.max(size, abs);
      if (abs > this.snapLimit[f]!) snap = true;
      // The drawn value stays where it was: the old offset plus this correction.
      this.offset[f] = this.offset[f]! + err;
    }
    if (size > 0) {
      this.corrections++;
      this.lastCorrection = size;
      if (snap) {
        this.snaps++;
        this.offset.fill(0);
      }
    }
    this.writeRendered();
    return size;
  }

  /**
   * Decays the visual offset to `nowMs` and writes `rendered`: the prediction drawn `subTick` (0 … 1) of
   * the way from its state before the newest input to its newest state, plus the offset.
   */
  smooth(nowMs: number, subTick = 1): void {
    this.subTick = subTick;
    const elapsed = Number.isNaN(this.smoothedAtMs) ? 0 : nowMs - this.smoothedAtMs;
    this.smoothedAtMs = nowMs;
    if (elapsed > 0) {
      const keep = this.tauMs > 0 ? Math.exp(-elapsed / this.tauMs) : 0;
      for (let f = 0; f < this.offset.length; f++) {
        const o = this.offset[f]! * keep;
        // Below a thousandth of a step the offset is invisible: end it, so the drawn value is exact again.
        this.offset[f] = Math.abs(o) <= this.quantum[f]! * 1e-3 ? 0 : o;
      }
    }
    this.writeRendered();
  }

  /** The visual offset of field `name` still being smoothed out, in the field's units (0 when none). */
  offsetOf(name: string): number {
    const f = this.names.indexOf(name);
    return f < 0 ? 0 : this.offset[f]!;
  }

  /** Keeps the interpolated fields of the state as the one before the next input. */
  private keepPrev(): void {
    for (let f = 0; f < this.names.length; f++)
      if (this.mode[f] !== 0) this.prev[f] = this.state[this.names[f]!] as number;
  }

  private writeRendered(): void {
    const names = this.names;
    const state = this.state;
    const out = this.rendered;
    const t = this.subTick;
    for (let f = 0; f < names.length; f++) {
      const name = names[f]!;
      const m = this.mode[f]!;
      if (m === 0) {
        out[name] = state[name];
        continue;
      }
      const now = state[name] as number;
      const from = this.prev[f]!;
      if (m === FLOAT) out[name] = t === 1 && this.offset[f] === 0 ? now : from + (now - from) * t + this.offset[f]!;
      else out[name] = wrapAngle(from + shortWay(now - from) * t + this.offset[f]!);
    }
  }
}

function shortWay(d: number): number {
  const x = d % TURN;
  return x > Math.PI ? x - TURN : x < -Math.PI ? x + TURN : x;
}

function wrapAngle(a: number): number {
  const x = a % TURN;
  return x < 0 ? x + TURN : x;
}
