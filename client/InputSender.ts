/**
 * The client's input clock: samples the game's input at the server's tick rate, quantizes it to the
 * schema, numbers it, sends it and hands it to prediction at once.
 */
import { type InputOf, MsgKind, type Schema } from '../shared/index.ts';
import type { Connection } from './Connection.ts';
import type { PredictedEntities } from './PredictedEntities.ts';

/** Inputs `update` sends at most per call when the host fell behind; the rest are skipped. */
export const MAX_INPUTS_PER_UPDATE = 5;

/** Sends one client's inputs; owned by the client. */
export class InputSender<S extends Schema> {
  private seq = 0;
  private nextAtMs = NaN;
  private tickMs = 1000 / 60;

  /**
   * @param schema the input fields
   * @param connection where inputs go (only while joined)
   * @param predicted the predicted entities each input is applied to at once, or null
   * @param viewTick the tick the client is showing now (sent with each input for lag compensation)
   */
  constructor(
    private readonly schema: S,
    private readonly connection: Connection,
    private readonly predicted: PredictedEntities | null,
    private readonly viewTick: () => number,
  ) {}

  /** Sets the input rate to the server's tick rate, Hz. */
  setTickRate(tickRateHz: number): void {
    this.tickMs = 1000 / tickRateHz;
  }

  /** Forgets the input schedule (on a disconnection): the next `update` after joining starts afresh. */
  stop(): void {
    this.nextAtMs = NaN;
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
      this.send(sampleInput());
      this.nextAtMs += this.tickMs;
      sent++;
    }
    // A host that stalled (a hidden tab) skips the missed ticks instead of sending a burst.
    if (nowMs >= this.nextAtMs) this.nextAtMs = nowMs + this.tickMs;
    return sent;
  }

  /** Quantizes, sends and predicts one input; false, sending nothing, when not joined. */
  send(input: InputOf<S>): boolean {
    if (this.connection.state !== 'joined') return false;
    const fields = this.schema.input;
    const raw = input as Record<string, unknown>;
    const values = new Array<number | string>(fields.length);
    const real: Record<string, unknown> = {};
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      const q = field.quantize(raw[field.name]);
      values[f] = q;
      real[field.name] = field.dequantize(q);
    }
    const seq = this.seq++;
    const tick = this.viewTick();
    const viewTick = Number.isNaN(tick) ? 0 : Math.max(0, Math.floor(tick));
    this.connection.send({ kind: MsgKind.Input, seq, viewTick, values });
    this.predicted?.input(seq, real);
    return true;
  }
}
