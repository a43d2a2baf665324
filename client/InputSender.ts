/**
 * The client's input clock: samples the game's input at the server's tick rate, quantizes it to the
 * schema, numbers it, sends it and hands it to prediction at once.
 *
 * Send-time dilation: each snapshot says how many of this client's inputs wait in the server's input
 * buffer beyond its target (`inputLead`). The interval between inputs is stretched by
 * {@link DILATION_PER_INPUT} per input of (smoothed) lead, at most ± {@link MAX_INPUT_DILATION}, so the
 * client runs just far enough ahead of the server for each tick to find its input, and no further.
 *
 * Acks ride on inputs: a snapshot ack that is due ({@link InputSender.acknowledge}) goes out in the next
 * Input frame, so a playing client sends one message per tick. When an ack is still waiting as the
 * next one falls due (no input went out meanwhile: a spectator, a paused game), that one and every later
 * one go as Acks of their own, until an input goes out again.
 *
 * Held inputs: each input `update` sends holds its values for `holdTicks` more seqs on the server. While
 * the sampled input stays the same, no frame goes out until an ack is due or half the hold has passed;
 * each input is still numbered and predicted every tick, and the server applies the held values for the
 * seqs not sent, so both sides step the same inputs.
 */
import { type InputOf, MAX_INPUT_HOLD_TICKS, MsgKind, type QValue, type Schema } from '../shared/index.ts';
import type { Connection } from './Connection.ts';
import type { PredictedEntities } from './PredictedEntities.ts';

/** Inputs `update` sends at most per call when the host fell behind; the rest are skipped. */
export const MAX_INPUTS_PER_UPDATE = 5;
/** Most an input interval is stretched or shortened by send-time dilation, as a fraction of a tick. */
export const MAX_INPUT_DILATION = 0.05;
/** Dilation per input of smoothed lead (fraction of a tick). */
export const DILATION_PER_INPUT = 0.02;
/** Weight of each snapshot's lead in the smoothed lead. */
const LEAD_SMOOTHING = 0.1;

/** Sends one client's inputs; owned by the client. */
export class InputSender<S extends Schema> {
  /** The server's input buffer lead, smoothed over snapshots (inputs beyond its target; < 0 short). */
  lead = 0;
  /** Ticks the server ran without this client's input since joining (stand-ins applied). */
  missedInputs = 0;
  private seq = 0;
  private nextAtMs = NaN;
  private tickMs = 1000 / 60;
  private intervalMs = 1000 / 60;
  private missedByte = NaN;
  /** The snapshot tick the next input acknowledges, or −1 for none. */
  private pendingAckTick = -1;
  /** True while no input goes out: acks are sent on their own at once. */
  private acksAlone = false;
  /** The values of the last input sent, and its seq (−1 before any: the next input goes out). */
  private readonly sentValues: QValue[] = [];
  private sentSeq = -1;
  /** The hold the last input sent carried. */
  private sentHold = 0;

  /**
   * @param schema the input fields
   * @param connection where inputs go (only while joined)
   * @param predicted the predicted entities each input is applied to at once, or null
   * @param viewTick the tick the client is showing now (sent with each input for lag compensation)
   * @param holdTicks seqs each input of `update` holds for (0 … MAX_INPUT_HOLD_TICKS; 0 sends every input)
   */
  constructor(
    private readonly schema: S,
    private readonly connection: Connection,
    private readonly predicted: PredictedEntities | null,
    private readonly viewTick: () => number,
    private readonly holdTicks = 0,
  ) {
    if (!Number.isInteger(holdTicks) || holdTicks < 0 || holdTicks > MAX_INPUT_HOLD_TICKS)
      throw new RangeError(`inputHoldTicks must be an integer 0 … ${MAX_INPUT_HOLD_TICKS}; got ${holdTicks}`);
  }

  /** Sets the input rate to the server's tick rate, Hz. */
  setTickRate(tickRateHz: number): void {
    this.tickMs = 1000 / tickRateHz;
    this.intervalMs = this.tickMs;
  }

  /**
   * Takes the input status of a snapshot: `inputLead` (inputs beyond the server buffer's target),
   * `missedInputs` (mod 256) and `lastInputSeq`. When the server stood in for more inputs than were sent
   * (the game stopped calling `update` for a while), the next seq follows its last one, so the next
   * inputs are not dropped as late.
   */
  serverStatus(inputLead: number, missedInputs: number, lastInputSeq: number): void {
    if (lastInputSeq >= this.seq) this.seq = lastInputSeq + 1;
    this.lead += (inputLead - this.lead) * LEAD_SMOOTHING;
    if (!Number.isNaN(this.missedByte)) this.missedInputs += (missedInputs - this.missedByte) & 0xff;
    this.missedByte = missedInputs;
  }

  /**
   * How far local time `nowMs` is between the last input sampled by {@link update} and the next one,
   * 0 … 1 (1 when no schedule runs): where predicted entities are drawn between their last two states.
   */
  subTick(nowMs: number): number {
    if (Number.isNaN(this.nextAtMs)) return 1;
    const t = 1 - (this.nextAtMs - nowMs) / this.intervalMs;
    return t < 0 ? 0 : t > 1 ? 1 : t;
  }

  /**
   * Acknowledges snapshot `tick` (a server tick the client applied): the next input carries it. If the
   * previous ack is still waiting, no input went out since it fell due: `tick` is sent at once in an Ack,
   * and so are the next ones until an input is sent.
   */
  acknowledge(tick: number): void {
    if (this.pendingAckTick < 0 && !this.acksAlone) {
      this.pendingAckTick = tick;
      return;
    }
    this.pendingAckTick = -1;
    this.acksAlone = true;
    this.connection.send({ kind: MsgKind.Ack, tick });
  }

  /** Forgets the input schedule (on a disconnection): the next `update` after joining starts afresh. */
  stop(): void {
    this.pendingAckTick = -1;
    this.acksAlone = false;
    this.nextAtMs = NaN;
    this.missedByte = NaN;
    this.lead = 0;
    this.sentSeq = -1;
  }

  /** Sends the inputs due by `nowMs` (ms), sampling each; returns how many were sent. */
  update(nowMs: number, sampleInput: () => InputOf<S>): number {
    if (this.connection.state !== 'joined') {
      this.nextAtMs = NaN;
      return 0;
    }
    if (Number.isNaN(this.nextAtMs)) this.nextAtMs = nowMs;
    let sent = 0;
    while (nowMs >= this.nextAtMs && sent < MAX_INPUTS_PER_UPDATE) {
      this.input(sampleInput(), this.holdTicks);
      const dilation = Math.max(-MAX_INPUT_DILATION, Math.min(MAX_INPUT_DILATION, DILATION_PER_INPUT * this.lead));
      this.intervalMs = this.tickMs * (1 + dilation);
      this.nextAtMs += this.intervalMs;
      sent++;
    }
    // A host that stalled (a hidden tab) skips the missed ticks instead of sending a burst.
    if (nowMs >= this.nextAtMs) this.nextAtMs = nowMs + this.intervalMs;
    return sent;
  }

  /** Quantizes, sends (with no hold) and predicts one input; false, sending nothing, when not joined. */
  send(input: InputOf<S>): boolean {
    return this.input(input, 0);
  }

  /**
   * Quantizes, numbers and predicts one input, and sends it unless the last one sent still holds these
   * values and no ack is due; false when not joined.
   */
  private input(input: InputOf<S>, holdTicks: number): boolean {
    if (this.connection.state !== 'joined') return false;
    const fields = this.schema.input;
    const raw = input as Record<string, unknown>;
    const values = new Array<QValue>(fields.length);
    const real: Record<string, unknown> = {};
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      const q = field.quantize(raw[field.name]);
      values[f] = q;
      real[field.name] = field.dequantize(q);
    }
    const seq = this.seq++;
    if (!this.stillHeld(seq, values, holdTicks)) {
      const tick = this.viewTick();
      const viewTick = Number.isNaN(tick) ? 0 : Math.max(0, Math.floor(tick));
      this.connection.send({ kind: MsgKind.Input, seq, viewTick, values, ackTick: this.pendingAckTick, holdTicks });
      this.pendingAckTick = -1;
      this.acksAlone = false;
      this.sentSeq = seq;
      this.sentHold = holdTicks;
      this.sentValues.length = values.length;
      for (let f = 0; f < values.length; f++) this.sentValues[f] = values[f]!;
    }
    this.predicted?.input(seq, real);
    return true;
  }

  /** True when `seq` need not go out: the last input sent holds `values` for it well enough, and no ack waits. */
  private stillHeld(seq: number, values: readonly QValue[], holdTicks: number): boolean {
    if (holdTicks === 0 || this.sentSeq < 0 || this.pendingAckTick >= 0) return false;
    if (seq - this.sentSeq > Math.min(this.sentHold, holdTicks) >> 1) return false;
    for (let f = 0; f < values.length; f++) if (values[f] !== this.sentValues[f]) return false;
    return true;
  }
}
