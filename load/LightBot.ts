/**
 * A light load-test bot: a {@link RawWebSocket}, the Hello/Welcome handshake, and for each snapshot
 * only the envelope (tick, baseTick, lastInputSeq) — then one write carrying the Ack and the next
 * input, the way a client whose frame loop follows the snapshot stream behaves. A sampling bot also
 * decodes every body (SnapshotCodec against the snapshot it holds, or GroupedDecoder for grouped
 * bodies), to prove the stream is valid.
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
  private readonly ackScratch = new Uint8Array(MESSAGE_SCRATCH_BYTES);
  private readonly inputScratch = new Uint8Array(MESSAGE_SCRATCH_BYTES);
  private readonly values: number[];
  private held: Snapshot | null = null;
  private joined = false;
  private readonly state: BotState;
  private snapshotsSinceAck = 0;
  private lastArrivalMs = Number.NaN;
  /** When the latest input was sent, ms (performance.now). */
  lastInputAtMs = Number.NaN;

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
    if (!this.joined) return;
    const before = this.ws.bytesOut;
    this.ws.send(this.input(nowMs, Math.max(0, this.envelope.tick)));
    this.ctx.counters.wsBytesOut += this.ws.bytesOut - before;
  }

  private input(nowMs: number, viewTick: number): Uint8Array {
    const seq = this.state.seq;
    const input = this.ctx.bot.input(this.state, viewTick) as Record<string, unknown>;
    this.state.seq++;
    const fields = this.ctx.schema.input;
    for (let f = 0; f < fields.length; f++) this.values[f] = fields[f]!.quantize(input[fields[f]!.name]) as number;
    this.clock.sent(seq, nowMs);
    this.lastInputAtMs = nowMs;
    this.ctx.counters.inputs++;
    return this.inputScratch.subarray(0, writeInputMessage(this.inputScratch, seq, viewTick, this.values));
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
        this.lastInputAtMs = now;
        c.connected++;
      }
      return;
    }
    c.snapshots++;
    if (!Number.isNaN(this.lastArrivalMs)) {
      const gap = now - this.lastArrivalMs;
      c.interArrival.record(gap);
      c.jitter.record(Math.abs(gap - this.ctx.tickMs));
    }
    this.lastArrivalMs = now;
    this.clock.acknowledged(env.lastInputSeq, now, c.latency);
    if (this.codec !== null) this.decode(payload);
    const before = this.ws.bytesOut;
    if (env.baseTick < 0 || ++this.snapshotsSinceAck >= ACK_EVERY_SNAPSHOTS) {
      this.snapshotsSinceAck = 0;
      this.ws.send(this.ackScratch.subarray(0, writeAckMessage(this.ackScratch, env.tick)), this.input(now, env.tick));
    } else this.ws.send(this.input(now, env.tick));
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
