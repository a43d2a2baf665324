/**
 * A light load-test bot: a {@link RawWebSocket}, the Hello/Welcome handshake, and for each snapshot
 * only the envelope (tick, baseTick, lastInputSeq) — then the next input, carrying the ack when one is
 * due, as a client whose frame loop follows the snapshot stream behaves. Like the client, an input
 * holds its values for the next `inputHoldTicks` seqs and an unchanged one is not sent until an ack is
 * due or half the hold passed. A bot of a pool that sends no input (`--no-input`) sends its acks
 * alone. A sampling bot also decodes every body (SnapshotCodec against the snapshot it holds, or
 * GroupedDecoder for grouped bodies), to prove the stream is valid.
 */
import {
  ACK_EVERY_SNAPSHOTS,
  decodeServerMessage,
  emptyEnvelope,
  encodeMessage,
  GroupedDecoder,
  MESSAGE_SCRATCH_BYTES,
  MsgKind,
  parseSnapshotEnvelope,
  PROTOCOL_VERSION,
  type Snapshot,
  SnapshotCodec,
  SUBPROTOCOL,
  writeAckMessage,
  writeInputMessage,
} from '../shared/index.ts';
import { type BotContext, BotState, InputClock } from './botTraffic.ts';
import { RawWebSocket } from './RawWebSocket.ts';

/** One light bot. It connects when created and lives until `close()` or the server closes it. */
export class LightBot {
  private readonly ws: RawWebSocket;
  private readonly envelope = emptyEnvelope();
  private readonly clock = new InputClock();
  private readonly codec: SnapshotCodec | null;
  private readonly grouped: GroupedDecoder | null;
  /** Scratch for the messages sent; RawWebSocket copies (masks) them into the frame at once. */
  private readonly scratch = new Uint8Array(MESSAGE_SCRATCH_BYTES);
  private readonly values: number[];
  /** Seq of the last input sent (−1: none yet); `values` are what it carried while no other was made. */
  private sentSeq = -1;
  private held: Snapshot | null = null;
  private joined = false;
  private readonly state: BotState;
  private snapshotsSinceAck = 0;
  private lastArrivalMs = Number.NaN;
  /** When the latest input was sent, ms (performance.now). */
  lastInputAtMs = Number.NaN;
  /**
   * Ticks between two snapshots (the Welcome's tickRateHz / snapshotRateHz). Above 1 a snapshot no longer
   * comes every tick to trigger an input, and the inputs in between are sent a tick apart after it.
   */
  snapshotIntervalTicks = 1;
  private readonly sendBetween = (): void => this.sendInputAlone(performance.now());

  /** @param index the bot's index across the run; @param decode whether this bot decodes every body */
  constructor(
    readonly index: number,
    private readonly ctx: BotContext,
    decode: boolean,
  ) {
    this.state = new BotState(index);
    this.codec = decode ? new SnapshotCodec(ctx.schema) : null;
    this.grouped = decode ? new GroupedDecoder(ctx.schema) : null;
    this.values = ctx.schema.input.map(() => 0);
    this.ws = new RawWebSocket(ctx.url, SUBPROTOCOL, {
      open: () =>
        this.ws.send(
          encodeMessage({
            kind: MsgKind.Hello,
            protocolVersion: PROTOCOL_VERSION,
            schemaHash: ctx.schema.hash,
            room: ctx.room,
            resumeToken: null,
            options: {},
          }),
        ),
      message: (payload, frameBytes) => this.message(payload, frameBytes),
      close: (code) => {
        if (this.joined) ctx.counters.connected--;
        this.joined = false;
        ctx.counters.closed(code);
      },
    });
  }

  /** True while joined. */
  get isJoined(): boolean {
    return this.joined;
  }

  /** Closes with 1000. */
  close(): void {
    this.ws.close(1000, 'bot done');
  }

  /** Sends an input on its own (when no snapshot came for a while, inputs still flow at the tick rate). */
  sendInputAlone(nowMs: number): void {
    if (!this.joined || !this.ctx.sendInputs) return;
    const before = this.ws.bytesOut;
    const frame = this.input(nowMs, Math.max(0, this.envelope.tick), -1);
    if (frame !== null) this.ws.send(frame);
    this.ctx.counters.wsBytesOut += this.ws.bytesOut - before;
  }

  /**
   * The next input, acknowledging `ackTick` (−1: no ack), written into the scratch buffer; null when it
   * need not go out (the last input sent holds its values, no ack is due), as the client's InputSender does.
   */
  private input(nowMs: number, viewTick: number, ackTick: number): Uint8Array | null {
    const seq = this.state.seq;
    const input = this.ctx.bot.input(this.state, viewTick) as Record<string, unknown>;
    this.state.seq++;
    const fields = this.ctx.schema.input;
    let same = this.sentSeq >= 0;
    for (let f = 0; f < fields.length; f++) {
      const value = fields[f]!.quantize(input[fields[f]!.name]) as number;
      if (value !== this.values[f]) same = false;
      this.values[f] = value;
    }
    this.clock.sent(seq, nowMs);
    this.lastInputAtMs = nowMs;
    this.ctx.counters.inputs++;
    const hold = this.ctx.inputHoldTicks;
    if (same && ackTick < 0 && hold > 0 && seq - this.sentSeq <= hold >> 1) return null;
    this.sentSeq = seq;
    return this.scratch.subarray(0, writeInputMessage(this.scratch, seq, viewTick, this.values, ackTick, hold));
  }

  private message(payload: Buffer, frameBytes: number): void {
    const c = this.ctx.counters;
    c.received(payload.byteLength, frameBytes);
    const now = performance.now();
    const env = this.envelope;
    if (!parseSnapshotEnvelope(payload, env)) {
      const msg = decodeServerMessage(payload);
      if (!msg.ok) {
        c.decodeFailures++;
        this.ws.close(msg.error.code, 'bad server message');
      } else if (msg.value.kind === MsgKind.Welcome && !this.joined) {
        this.joined = true;
        this.state.entityId = msg.value.entityId;
        this.snapshotIntervalTicks = Math.max(1, Math.round(msg.value.tickRateHz / msg.value.snapshotRateHz));
        this.lastInputAtMs = now;
        c.connected++;
      }
      return;
    }
    c.snapshots++;
    if (!Number.isNaN(this.lastArrivalMs)) {
      const gap = now - this.lastArrivalMs;
      c.interArrival.record(gap);
      c.jitter.record(Math.abs(gap - this.ctx.tickMs * this.snapshotIntervalTicks));
    }
    this.lastArrivalMs = now;
    this.clock.acknowledged(env.lastInputSeq, now, c.latency);
    if (this.codec !== null) this.decode(payload);
    const before = this.ws.bytesOut;
    let ackTick = -1;
    if (env.baseTick < 0 || ++this.snapshotsSinceAck >= ACK_EVERY_SNAPSHOTS) {
      this.snapshotsSinceAck = 0;
      ackTick = env.tick;
    }
    const frame = this.ctx.sendInputs ? this.input(now, env.tick, ackTick) : null;
    if (frame !== null) this.ws.send(frame);
    else if (ackTick >= 0) this.ws.send(this.scratch.subarray(0, writeAckMessage(this.scratch, ackTick)));
    // Snapshots every few ticks: the inputs of the ticks between follow a tick apart, as from a client whose
    // input clock runs at the tick rate in step with the server's (the same arrival pattern as at every tick).
    if (this.ctx.sendInputs)
      for (let k = 1; k < this.snapshotIntervalTicks; k++) setTimeout(this.sendBetween, k * this.ctx.tickMs);
    c.wsBytesOut += this.ws.bytesOut - before;
  }

  private decode(payload: Buffer): void {
    const env = this.envelope;
    const c = this.ctx.counters;
    const body = payload.subarray(env.bodyOffset, env.bodyOffset + env.bodyLength);
    const baseline =
      env.baseTick < 0 ? null : this.held !== null && this.held.tick === env.baseTick ? this.held : undefined;
    if (!env.grouped && baseline === undefined) {
      c.decodeFailures++;
      return;
    }
    const result = env.grouped
      ? this.grouped!.decode(env.tick, env.baseTick, body)
      : this.codec!.decode(baseline ?? null, env.tick, body);
    if (result.ok) {
      this.held = result.value;
      c.decoded++;
    } else c.decodeFailures++;
  }
}
