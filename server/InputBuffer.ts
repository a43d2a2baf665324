/**
 * One client's input buffer on the server: a jitter buffer for inputs, so each tick finds the input
 * meant for it.
 *
 *   arrivals   ·  a    b c      d   e  f     (jitter: uneven gaps between inputs)
 *   ticks      |    |    |    |    |    |
 *   applied         a    b    c    d    e    (one per tick, `target` more held in reserve)
 *
 * The target is sized from the measured arrival jitter of this client's inputs: the mean deviation of
 * the gap between two arrivals from one tick (RFC 3550's interarrival jitter), times
 * {@link JITTER_TARGET_FACTOR}, in ticks, rounded up, at least one input. The buffer starts applying
 * once it holds the target plus the input due, or once its first input waited `target` ticks (a client
 * that sends only now and then); then it applies one input per tick. When the input due
 * is missing, the game's fallback stands in for it (by default the last input again) under the
 * missing input's seq, so the late input is dropped when it comes and adds no lasting latency; at
 * most {@link MAX_REPEATED_INPUTS} ticks in a row, after which ticks pass without input (a client that
 * stopped sending) until the buffer holds its reserve again. Above twice the target plus two, two
 * inputs are applied per tick, so a queue that grew during a stall drains. The client keeps the buffer
 * at its target by timing its sends from the level reported in each snapshot ({@link InputBuffer.lead}).
 * When a new input finds the buffer full, the oldest waiting input is dropped.
 *
 * Held inputs: an input may hold its values for up to `holdTicks` more seqs (a client holding keys sends
 * only when its input changes). When the buffer is empty and the last input applied still holds, the
 * next seq is applied with its values as the client's own input (`repeated` false, not counted as
 * missed), its view tick one more per seq. Meanwhile the buffer counts the seqs the client would have
 * sent since (one per tick after the holding input arrived), so the lead it reports stays what it was.
 * An input that arrives after the ticks of its seq were applied from a hold takes effect at the next
 * tick with the rest of its own hold, instead of being dropped as late.
 *
 * Storage is a ring of `maxBuffered` slots made once, each with its own values array: pushing copies the
 * values in and taking hands out the slot, so a client's input costs no allocation on the server.
 */
import type { QValue } from '../shared/index.ts';

/** Most ticks in a row on which a missing input is stood in for; later ticks run without input. */
export const MAX_REPEATED_INPUTS = 8;
/** The target reserve is this many times the measured interarrival jitter, in ticks (rounded up). */
export const JITTER_TARGET_FACTOR = 2;
/**
 * A holding client is counted as having sent its next seq once this fraction of a tick short of a whole
 * tick passed since its last input arrived (arrivals keep their phase to the ticks, within jitter).
 */
const VIRTUAL_SEND_SLACK = 0.05;
/** Weight of a new interarrival deviation in the jitter estimate (RFC 3550 uses 1/16). */
const JITTER_GAIN = 1 / 16;

/**
 * A buffered input, quantized values already checked against the schema. The object and its values
 * belong to the buffer and are reused: read them before the buffer's next `push` or `take`.
 */
export interface BufferedInput {
  /** The input's seq (a stand-in's: the missing input's). */
  readonly seq: number;
  /** The server tick the client was showing when it made the input. */
  readonly viewTick: number;
  /** Quantized values, one per input field. */
  readonly values: readonly QValue[];
  /** True when no input was there for this tick and this one stands in for it (the last one's values). */
  readonly repeated: boolean;
}

/** A slot of the ring (or the stand-in), filled in place. */
interface InputSlot extends BufferedInput {
  seq: number;
  viewTick: number;
  values: QValue[];
  repeated: boolean;
  /** Seqs after this one that repeat its values. */
  hold: number;
}

function emptySlot(repeated: boolean): InputSlot {
  return { seq: -1, viewTick: 0, values: [], repeated, hold: 0 };
}

/** Copies `from` into `to` in place (same length afterwards). */
function copyValues(to: QValue[], from: ArrayLike<QValue>): void {
  const n = from.length;
  if (to.length !== n) to.length = n;
  for (let i = 0; i < n; i++) to[i] = from[i]!;
}

/** The input buffer of one session; owned by it. */
export class InputBuffer {
  /** Inputs dropped because the buffer was full. */
  dropped = 0;
  /**
   * Ticks on which the input due was missing and a stand-in was applied, or which applied a hold's values
   * where the client's input for them, late, held others.
   */
  repeated = 0;
  /** Interarrival jitter: mean deviation of the gap between two inputs from one tick, in ms. */
  jitterMs = 0;
  private readonly slots: InputSlot[];
  private head = 0;
  private count = 0;
  /** The last input applied (its values copied out of its slot), which a stand-in repeats. */
  private readonly last: InputSlot = emptySlot(false);
  private hasLast = false;
  private readonly standIn: InputSlot = emptySlot(true);
  private readonly held: InputSlot = emptySlot(false);
  /** The last seq the last input applied holds its values for. */
  private holdUntil = -1;
  /** The last seq any input received holds its values for. */
  private coveredUntil = -1;
  /** The newest seq the client sent or, holding, would have sent by now (one more per tick). */
  private virtualSeq = -1;
  private lastReceivedSeq = -1;
  private lastTakenSeq = -1;
  private repeatsInRow = 0;
  private lastArrivalMs = NaN;
  private primed = false;
  private primingTicks = 0;

  /**
   * @param maxBuffered most inputs waiting (≥ 1)
   * @param tickMs the room's tick length, ms
   */
  constructor(
    private readonly maxBuffered: number,
    private readonly tickMs: number,
  ) {
    this.slots = Array.from({ length: Math.max(1, maxBuffered) }, () => emptySlot(false));
  }

  /** Inputs waiting beyond the current one that the buffer aims to hold in reserve (≥ 1). */
  get target(): number {
    const ticks = Math.ceil((JITTER_TARGET_FACTOR * this.jitterMs) / this.tickMs - 1e-9);
    return Math.max(1, Math.min(ticks, Math.floor(this.maxBuffered / 2) - 1));
  }

  /** Inputs waiting now. */
  get waiting(): number {
    return this.count;
  }

  /**
   * Inputs waiting beyond the target after this tick's inputs were taken: < 0 short, > 0 ahead. The seqs
   * a holding client would have sent by now count as waiting.
   */
  get lead(): number {
    return Math.max(this.count, this.virtualSeq - this.lastTakenSeq) - this.target;
  }

  /**
   * Buffers an input that arrived at `nowMs`, copying `values` (the caller keeps them), whose values
   * also hold for the next `holdTicks` seqs; returns false if its seq was already received, or applied
   * and not held past.
   */
  push(seq: number, viewTick: number, values: ArrayLike<QValue>, nowMs: number, holdTicks = 0): boolean {
    if (seq <= this.lastReceivedSeq) return false;
    let hold = holdTicks;
    let at = seq;
    if (seq <= this.lastTakenSeq) {
      // Late: its ticks were applied from a hold. What it holds beyond them starts at the next tick.
      if (seq + holdTicks <= this.lastTakenSeq) return false;
      at = this.lastTakenSeq + 1;
      hold = seq + holdTicks - at;
      this.repeated += at - seq;
    }
    if (!Number.isNaN(this.lastArrivalMs)) {
      // After a hold, the seqs it covered were not sent: this one is due that many ticks later.
      const gap = seq - 1 <= this.coveredUntil ? seq - this.lastReceivedSeq : 1;
      const expectedMs = gap * this.tickMs;
      const deviation = Math.abs(nowMs - this.lastArrivalMs - expectedMs);
      this.jitterMs += (Math.min(deviation, this.tickMs * this.maxBuffered) - this.jitterMs) * JITTER_GAIN;
    }
    this.lastReceivedSeq = seq;
    this.virtualSeq = Math.max(this.virtualSeq, seq);
    this.coveredUntil = Math.max(this.coveredUntil, seq + holdTicks);
    this.lastArrivalMs = nowMs;
    const size = this.slots.length;
    if (this.count >= size) {
      this.head = (this.head + 1) % size;
      this.count--;
      this.dropped++;
    }
    const slot = this.slots[(this.head + this.count) % size]!;
    slot.seq = at;
    slot.viewTick = viewTick + (at - seq);
    slot.hold = hold;
    copyValues(slot.values, values);
    this.count++;
    return true;
  }

  /**
   * How many inputs to take this tick: 0 (priming, or nothing to stand in), 1, or 2 (draining). `nowMs` is
   * the tick's time on the server clock (default: the last arrival's), from which the seqs a holding
   * client would have sent by now are counted.
   */
  due(nowMs = this.lastArrivalMs): number {
    if (this.virtualSeq < this.coveredUntil && nowMs > this.lastArrivalMs) {
      // Counted as arriving one jitter late, so an early last arrival does not overstate the reserve.
      const ticks = Math.floor((nowMs - this.lastArrivalMs - this.jitterMs) / this.tickMs + VIRTUAL_SEND_SLACK);
      this.virtualSeq = Math.min(this.coveredUntil, Math.max(this.virtualSeq, this.lastReceivedSeq + ticks));
    }
    const waiting = this.count;
    const target = this.target;
    if (!this.primed) {
      if (waiting === 0) return 0;
      if (waiting <= target && ++this.primingTicks <= target) return 0;
      this.primed = true;
      this.primingTicks = 0;
    }
    if (waiting > 2 * target + 2) return 2;
    if (waiting > 0 || this.lastTakenSeq < this.holdUntil) return 1;
    if (this.hasLast && this.repeatsInRow < MAX_REPEATED_INPUTS) return 1;
    // The client stopped sending (or a long stall): when inputs come back, fill the reserve first.
    this.primed = false;
    return 0;
  }

  /**
   * Takes the next input: the next one waiting, or the next seq of the last one's hold when that seq did
   * not come, or a stand-in for a missing one when neither; call only as many times as
   * {@link due}. The result is the buffer's: read it before the next `push` or `take`.
   */
  take(): BufferedInput {
    const holding = this.lastTakenSeq < this.holdUntil;
    if (this.count > 0 && !(holding && this.slots[this.head]!.seq > this.lastTakenSeq + 1)) {
      const next = this.slots[this.head]!;
      this.head = (this.head + 1) % this.slots.length;
      this.count--;
      this.repeatsInRow = 0;
      this.lastTakenSeq = next.seq;
      this.holdUntil = next.seq + next.hold;
      this.last.seq = next.seq;
      this.last.viewTick = next.viewTick;
      copyValues(this.last.values, next.values);
      this.hasLast = true;
      return next;
    }
    if (holding) {
      const held = this.held;
      this.repeatsInRow = 0;
      held.seq = ++this.lastTakenSeq;
      held.viewTick = this.last.viewTick + (held.seq - this.last.seq);
      copyValues(held.values, this.last.values);
      return held;
    }
    const standIn = this.standIn;
    this.repeatsInRow++;
    this.repeated++;
    this.lastTakenSeq++;
    standIn.seq = this.lastTakenSeq;
    standIn.viewTick = this.last.viewTick;
    copyValues(standIn.values, this.last.values);
    return standIn;
  }

  /**
   * Gives back the seq of a stand-in the game chose not to apply (its fallback returned null): the
   * late input, when it comes, is applied after all.
   */
  unrepeat(): void {
    this.lastTakenSeq--;
    this.repeated--;
  }
}
