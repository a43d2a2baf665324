/**
 * The client's side of clock sync on the wire: sends a Ping at the interval ClockSync asks for (fast
 * right after a Welcome, then slower) and feeds each Pong to ClockSync.
 */
import { type Clock, MsgKind, type PongMsg, type TimerHandle } from '../shared/index.ts';
import type { ClockSync } from './ClockSync.ts';
import type { Connection } from './Connection.ts';

/** Pings the server while joined; owned by the client. */
export class PingLoop {
  private timer: TimerHandle | null = null;

  /**
   * @param clock local time and timers
   * @param sync the estimate the pongs feed
   * @param connection where pings go
   */
  constructor(
    private readonly clock: Clock,
    private readonly sync: ClockSync,
    private readonly connection: Connection,
  ) {}

  /** Starts pinging afresh (after each Welcome): the first ping goes now. */
  start(): void {
    this.sync.restartPings();
    this.ping();
  }

  /** Stops pinging (on a disconnection or close). Idempotent. */
  stop(): void {
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
  }

  /** Feeds a Pong to the clock estimate. */
  pong(msg: PongMsg): void {
    this.sync.onPong(this.clock.now(), msg.clientTimeMs, msg.serverTimeMs, msg.serverTick);
  }

  private ping(): void {
    this.stop();
    if (!this.connection.send({ kind: MsgKind.Ping, clientTimeMs: this.clock.now() })) return;
    this.timer = this.clock.schedule(() => {
      this.timer = null;
      this.ping();
    }, this.sync.pingSent());
  }
}
