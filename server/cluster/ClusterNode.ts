/**
 * One server process's part in a cluster: it heartbeats itself and the rooms the matchmaker opened on it
 * into the shared {@link RoomDirectory}, answers `POST /matchmake` (join-or-create through the directory,
 * or where a process whose session a client resumes is), claims the seat a connecting client brings (opening the room
 * the directory assigned to this process), and drains on shutdown: out of matchmaking first, then its
 * rooms finish up to a deadline, then its entries go.
 */
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import { errorText } from '../errorText.ts';
import type { RateLimitedLog } from '../RateLimitedLog.ts';
import { AddressLimiter } from './AddressLimiter.ts';
import type { UpgradeDecision } from '../transport/Transport.ts';
import { type MatchmakeAnswer, parseMatchmakeBody, seatFromQuery } from './matchmakeRequest.ts';
import type { RoomDirectory, RoomReport } from './RoomDirectory.ts';

/** What the node needs of its Server; read at each use. */
export interface ClusterHost {
  /** Client count of the open room `id`, or undefined when it is not open. */
  roomClients(id: string): number | undefined;
  /** Opens room `id` of `type` (the directory assigned it here); false when that failed. */
  openRoom(type: string, id: string): boolean;
  /** Clients connected to this process. */
  readonly connectionCount: number;
}

/** The resolved cluster settings of one node. */
export interface ClusterNodeSettings {
  readonly directory: RoomDirectory;
  readonly processId: string;
  readonly publicUrl: string;
  readonly heartbeatMs: number;
  readonly expiryMs: number;
  readonly seatTtlMs: number;
  readonly matchmakePerSecond: number;
}

/** A seat claimed whose holder has not joined yet: counted as a client until it joins or this passes. */
const CLAIM_HOLD_MS = 10_000;

/** The cluster side of one Server; lives from the server's listen to its close. */
export class ClusterNode {
  private readonly capacities = new Map<string, number>();
  private readonly matchRooms = new Map<string, string>();
  private readonly claims = new Map<string, number[]>();
  private timer: TimerHandle | null = null;
  private draining = false;
  private stopped = false;
  private beating: Promise<void> | null = null;
  private url = '';
  private readonly limiter: AddressLimiter;

  /** A node that does nothing until {@link start}. */
  constructor(
    private readonly settings: ClusterNodeSettings,
    private readonly host: ClusterHost,
    private readonly clock: Clock,
    private readonly log: RateLimitedLog,
  ) {
    this.limiter = new AddressLimiter(settings.matchmakePerSecond, settings.matchmakePerSecond * 2);
  }

  /** This process's id in the directory. */
  get processId(): string {
    return this.settings.processId;
  }

  /** Room type `name` holds `capacity` clients: matchmaking may open rooms of it. */
  defineType(name: string, capacity: number): void {
    this.capacities.set(name, capacity);
  }

  /**
   * The upgrade decision once the seat in `query` (if any) is claimed: an upgrade bringing a seat that
   * cannot be honoured (expired and its room full, or not this process's) gets 410, and the client
   * matchmakes again. Without a seat, `decision` unchanged.
   */
  admit(
    query: string,
    decision: UpgradeDecision | Promise<UpgradeDecision>,
  ): UpgradeDecision | Promise<UpgradeDecision> {
    if (!query.includes('seat=')) return decision;
    return Promise.resolve(decision).then(async (d) => {
      if (!d.ok) return d;
      const claimed = await this.claimSeat(query);
      return claimed === false ? { ok: false, status: 410, reason: 'seat expired or room gone; matchmake again' } : d;
    });
  }

  /**
   * Registers the process (the first heartbeat, awaited; a failure is logged) and keeps beating. `port` is
   * the bound port, put in place of `{port}` in the public URL.
   */
  async start(port: number): Promise<void> {
    this.url = this.settings.publicUrl.replaceAll('{port}', String(port));
    await this.beat();
    this.schedule();
  }

  /**
   * Answers a `POST /matchmake` body from `remoteAddress`: 200 with where to connect, else a status with
   * `{ error }` (429 past the address's request rate).
   */
  async matchmake(body: string, remoteAddress = ''): Promise<MatchmakeAnswer> {
    if (!this.limiter.take(remoteAddress, this.clock.now()))
      return { status: 429, body: { error: 'too many matchmaking requests; slow down' } };
    const request = parseMatchmakeBody(body);
    if (!request.ok) return { status: 400, body: { error: request.reason } };
    const { directory, processId, seatTtlMs } = this.settings;
    try {
      if (request.value.kind === 'resume') {
        const owner = request.value.processId;
        if (owner === processId && !this.stopped) return { status: 200, body: { url: this.url } };
        const entry = await directory.process(owner);
        if (entry === null) return { status: 410, body: { error: 'the process holding this session is gone' } };
        return { status: 200, body: { url: entry.url } };
      }
      const type = request.value.type;
      const capacity = this.capacities.get(type);
      if (capacity === undefined) return { status: 404, body: { error: `no room type ${type}` } };
      const seat = await directory.reserve(type, capacity, seatTtlMs);
      if (seat === null) return { status: 503, body: { error: 'no server process can take a room now' } };
      const { url, roomId, processId: owner } = seat;
      return { status: 200, body: { url, roomId, seat: seat.seat, type, owner } };
    } catch (err) {
      this.log.log('error', 'cluster:matchmake', `room directory unavailable: ${errorText(err)}`);
      return { status: 503, body: { error: 'room directory unavailable; try again' } };
    }
  }

  /**
   * Claims the seat in an upgrade's query string (`seat=…`), opening the room when the directory made it
   * for this process. Resolves to null when there is no seat (an ordinary connection), else to whether it
   * was honoured. Never rejects.
   */
  async claimSeat(query: string): Promise<boolean | null> {
    const seat = seatFromQuery(query);
    if (seat === null) return null;
    if (this.draining) return false;
    this.hold(seat.roomId, 1);
    try {
      const claimed = await this.settings.directory.claim(this.processId, seat.roomId, seat.seat);
      if (claimed === null || (this.host.roomClients(claimed.roomId) === undefined && !this.open(claimed))) {
        this.hold(seat.roomId, -1);
        return false;
      }
      return true;
    } catch (err) {
      this.hold(seat.roomId, -1);
      this.log.log('error', 'cluster:claim', `room directory unavailable: ${errorText(err)}`);
      return false;
    }
  }

  /**
   * Before a Hello naming `room`: a matchmade room of this process that closed (its last player left
   * while a claimed seat's holder was still connecting) opens again, so the seat holder finds it.
   */
  beforeHello(room: string | null): void {
    if (room === null || !this.claims.has(room) || this.host.roomClients(room) !== undefined) return;
    const type = this.matchRooms.get(room);
    if (type !== undefined) this.open({ roomId: room, type });
  }

  /** A client joined room `roomId`: one claimed seat of it, if any, is now a client. */
  joined(roomId: string): void {
    const held = this.claims.get(roomId);
    if (held !== undefined && held.length > 0) held.shift();
  }

  /**
   * Leaves matchmaking now (no new seats or rooms here), then waits until this process's rooms are
   * empty or `deadlineMs` passed. The caller closes the server afterwards; {@link stop} removes the entries.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    try {
      await this.settings.directory.drain(this.processId);
    } catch (err) {
      this.log.log('error', 'cluster:drain', `could not mark this process draining: ${errorText(err)}`);
    }
    const until = this.clock.now() + deadlineMs;
    while (this.clock.now() < until && this.host.connectionCount > 0) {
      await new Promise<void>((resolve) => this.clock.schedule(resolve, Math.min(100, until - this.clock.now())));
    }
  }

  /** Stops heartbeating and removes this process and its rooms from the directory (best effort). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) this.clock.cancel(this.timer);
    this.timer = null;
    await this.beating;
    try {
      await this.settings.directory.unregister(this.processId);
    } catch (err) {
      this.log.log('error', 'cluster:stop', `could not remove this process from the directory: ${errorText(err)}`);
    }
  }

  private open(claimed: { roomId: string; type: string }): boolean {
    if (!this.host.openRoom(claimed.type, claimed.roomId)) return false;
    this.matchRooms.set(claimed.roomId, claimed.type);
    return true;
  }

  private hold(roomId: string, delta: 1 | -1): void {
    const held = this.claims.get(roomId) ?? [];
    if (delta === 1) held.push(this.clock.now() + CLAIM_HOLD_MS);
    else held.pop();
    if (held.length === 0) this.claims.delete(roomId);
    else this.claims.set(roomId, held);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.schedule(() => {
      this.timer = null;
      this.beating = this.beat().finally(() => {
        this.beating = null;
        this.schedule();
      });
    }, this.settings.heartbeatMs);
  }

  private async beat(): Promise<void> {
    const { directory, processId, expiryMs } = this.settings;
    const rooms = this.reports();
    let held = 0;
    for (const claims of this.claims.values()) held += claims.length;
    const load = this.host.connectionCount + held;
    try {
      await directory.heartbeat({ processId, url: this.url, load, draining: this.draining, rooms, expiryMs });
    } catch (err) {
      this.log.log('error', 'cluster:heartbeat', `room directory unavailable: ${errorText(err)}`);
    }
  }

  /** The matchmaker's rooms still open here, with clients counting claimed seats not yet joined. */
  private reports(): RoomReport[] {
    const now = this.clock.now();
    const out: RoomReport[] = [];
    for (const [id, type] of this.matchRooms) {
      const clients = this.host.roomClients(id);
      const held = (this.claims.get(id) ?? []).filter((until) => until > now);
      if (held.length > 0) this.claims.set(id, held);
      else this.claims.delete(id);
      if (clients === undefined) {
        // Closed: forgotten, unless a claimed seat's holder is still on the way (beforeHello reopens it).
        if (held.length === 0) this.matchRooms.delete(id);
        continue;
      }
      out.push({ id, type, clients: clients + held.length, capacity: this.capacities.get(type) ?? clients });
    }
    return out;
  }
}
