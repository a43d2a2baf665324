/**
 * What bots share: the counters a bot pool reports, the input a bot sends (its BotDefinition's), and
 * the on-the-wire byte estimate.
 */
import type { Schema } from '../shared/index.ts';
import { Histogram } from './Histogram.ts';
import { type BotDefinition, botRandom, type BotView } from './defineBot.ts';

/**
 * TCP maximum segment size assumed for the on-the-wire estimate, bytes: an Ethernet MTU of 1500 minus
 * 20 bytes of IPv4 header, 20 of TCP header and 12 of TCP timestamp option.
 */
export const ASSUMED_MSS_BYTES = 1448;
/** IPv4 + TCP headers (with the timestamp option) per segment, bytes. Ethernet framing is not counted. */
export const TCP_IP_HEADER_BYTES = 52;

/** Bucket width of the join-latency histogram, ms (a matchmaking request takes ms to seconds). */
export const JOIN_RESOLUTION_MS = 0.5;
/** Top of the join-latency histogram, ms: a seat lives 15 s by default, so a slower join is one that failed. */
export const JOIN_RANGE_MS = 30_000;

/** Settings shared by every bot of a pool, light or full. */
export interface BotContext {
  readonly url: string;
  readonly room: string | null;
  readonly schema: Schema;
  /** What the bots send each tick. */
  readonly bot: BotDefinition;
  readonly tickMs: number;
  readonly counters: BotCounters;
  /** Whether the bots send inputs; false: acks only (the no-input mode, `--no-input`). */
  readonly sendInputs: boolean;
  /** Seqs each input holds its values for (`--input-hold`, as the client's `inputHoldTicks`); 0 sends every one. */
  readonly inputHoldTicks: number;
}

/** Counters of one bot pool, incremented in place by its bots. Deltas are taken by the pool. */
export class BotCounters {
  snapshots = 0;
  payloadBytes = 0;
  wsBytes = 0;
  wireBytes = 0;
  wsBytesOut = 0;
  inputs = 0;
  decoded = 0;
  decodeFailures = 0;
  /** Bots joined and open. */
  connected = 0;
  readonly latency = new Histogram();
  /** Matchmaking request times (light bots joining through matchmaking), ms. */
  readonly joinLatency = new Histogram(JOIN_RESOLUTION_MS, JOIN_RANGE_MS);
  readonly interArrival = new Histogram();
  readonly jitter = new Histogram();
  readonly closes = new Map<number, number>();

  /** Counts one received WebSocket frame of `frameBytes` (payload + headers) carrying `payloadBytes`. */
  received(payloadBytes: number, frameBytes: number): void {
    this.payloadBytes += payloadBytes;
    this.wsBytes += frameBytes;
    this.wireBytes += frameBytes + Math.ceil(frameBytes / ASSUMED_MSS_BYTES) * TCP_IP_HEADER_BYTES;
  }

  /** Counts a disconnection with `code`. */
  closed(code: number): void {
    this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }
}

/** One bot's {@link BotView}: its index, entity and seeded random source; the bot sets `seq` before each input. */
export class BotState implements BotView {
  seq = 0;
  entityId = -1;
  readonly random: () => number;

  constructor(readonly index: number) {
    this.random = botRandom(index);
  }
}

/** A ring of send times by input seq, for input-to-acknowledgement latency. */
export class InputClock {
  private readonly sentAtMs = new Float64Array(256);
  private next = 0;
  private acked = -1;

  /** Records that input `seq` (0, 1, 2, …, consecutive) was sent at `nowMs`. */
  sent(seq: number, nowMs: number): void {
    this.sentAtMs[seq & 255] = nowMs;
    this.next = seq + 1;
  }

  /** Records into `into` the latency of every input newly covered by `lastInputSeq`. */
  acknowledged(lastInputSeq: number, nowMs: number, into: Histogram): void {
    const upTo = Math.min(lastInputSeq, this.next - 1);
    if (upTo <= this.acked) return;
    let seq = Math.max(this.acked + 1, upTo - 255);
    for (; seq <= upTo; seq++) into.record(nowMs - this.sentAtMs[seq & 255]!);
    this.acked = upTo;
  }
}
