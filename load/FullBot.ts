/**
 * A full load-test bot: the real TickwaveClient over the `ws` package — handshake, clock sync, every
 * snapshot decoded and buffered, interpolation each frame — with the same steering inputs as the light
 * bots. Heavier per client; use it for small counts, to measure what a real client sees.
 */
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/index.ts';
import { isMatchmakeUrl } from './matchmakeJoin.ts';
import type { ClientSocket, InputOf, Schema, SocketFactory } from '../shared/index.ts';
import { type BotContext, type BotCounters, BotState, InputClock } from './botTraffic.ts';
import { headerBytes } from './RawWebSocket.ts';

/** Passes a socket through, counting received bytes (payload + the server frame header) and sent bytes. */
class CountingSocket implements ClientSocket {
  onopen: (() => void) | null = null;
  onmessage: ((data: Uint8Array) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;

  constructor(
    private readonly inner: ClientSocket,
    private readonly counters: BotCounters,
  ) {
    inner.onopen = () => this.onopen?.();
    inner.onmessage = (data) => {
      counters.received(data.byteLength, data.byteLength + headerBytes(data.byteLength, false));
      this.onmessage?.(data);
    };
    inner.onclose = (code, reason) => this.onclose?.(code, reason);
  }

  send(data: Uint8Array): void {
    this.counters.wsBytesOut += data.byteLength + headerBytes(data.byteLength, true);
    this.inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.inner.close(code, reason);
  }

  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }
}

/** One full bot. It connects when created; the pool calls `frame` at the tick rate. */
export class FullBot {
  private readonly client: TickwaveClient<Schema>;
  private readonly clock = new InputClock();
  private readonly state: BotState;
  private joined = false;
  private lastArrivalMs = Number.NaN;
  private lastTick = 0;

  /** @param index the bot's index across the run */
  constructor(
    readonly index: number,
    private readonly ctx: BotContext,
  ) {
    this.state = new BotState(index);
    const c = ctx.counters;
    const inner = wsSocketFactory();
    const factory: SocketFactory = (url, protocol) => new CountingSocket(inner(url, protocol), c);
    this.client = new TickwaveClient(ctx.schema, {
      ...(isMatchmakeUrl(ctx.url)
        ? { matchmake: { url: ctx.url, type: ctx.room ?? '' } }
        : { url: ctx.url, room: ctx.room }),
      socketFactory: factory,
      reconnect: { enabled: false },
      inputHoldTicks: ctx.inputHoldTicks,
    });
    this.client.onWelcome((welcome) => {
      this.state.entityId = welcome.entityId;
      if (!this.joined) c.connected++;
      this.joined = true;
    });
    this.client.onSnapshot((snap, lastInputSeq) => {
      const now = performance.now();
      this.lastTick = snap.tick;
      c.snapshots++;
      c.decoded++;
      if (!Number.isNaN(this.lastArrivalMs)) {
        const gap = now - this.lastArrivalMs;
        c.interArrival.record(gap);
        c.jitter.record(Math.abs(gap - ctx.tickMs));
      }
      this.lastArrivalMs = now;
      this.clock.acknowledged(lastInputSeq, now, c.latency);
    });
    this.client.onError(() => {
      c.decodeFailures++;
    });
    this.client.onDisconnect((code) => {
      if (this.joined) c.connected--;
      this.joined = false;
      c.closed(code);
    });
    this.client.connect();
  }

  /** Sends the inputs due by `nowMs` and interpolates the world to it. */
  frame(nowMs: number): void {
    if (this.ctx.sendInputs) this.client.update(nowMs, () => this.nextInput(nowMs));
    this.client.frame(nowMs);
  }

  /** Closes with 1000. */
  close(): void {
    this.client.close();
  }

  private nextInput(nowMs: number): InputOf<Schema> {
    const seq = this.state.seq;
    const input = this.ctx.bot.input(this.state, this.lastTick);
    this.state.seq++;
    this.clock.sent(seq, nowMs);
    this.ctx.counters.inputs++;
    return input;
  }
}
