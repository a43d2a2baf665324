/**
 * The room directory of a single process, in memory: the default when no Redis is configured, with
 * the same join-or-create, seat and expiry rules as RedisDirectory, so a game behaves the same on one
 * process and on a cluster.
 */
import { randomBytes } from 'node:crypto';
import type {
  ClaimedSeat,
  Heartbeat,
  ProcessEntry,
  RoomDirectory,
  RoomEntry,
  SeatReservation,
} from './RoomDirectory.ts';

interface ProcRecord {
  url: string;
  load: number;
  draining: boolean;
  expiresAt: number;
}

interface RoomRecord {
  readonly id: string;
  readonly type: string;
  readonly owner: string;
  capacity: number;
  clients: number;
  live: boolean;
  readonly seats: Map<string, number>;
}

/** A {@link RoomDirectory} held in this process's memory; `now` is a monotonic clock in ms. */
export class MemoryDirectory implements RoomDirectory {
  private readonly procs = new Map<string, ProcRecord>();
  private readonly rooms = new Map<string, RoomRecord>();
  private nextRoom = 1;

  /** An empty directory reading time from `now` (ms), kept for its lifetime. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  async heartbeat(beat: Heartbeat): Promise<void> {
    const t = this.now();
    this.reap(t);
    const { processId: id } = beat;
    this.procs.set(id, { url: beat.url, load: beat.load, draining: beat.draining, expiresAt: t + beat.expiryMs });
    const reported = new Set(beat.rooms.map((r) => r.id));
    const proc = this.procs.get(id)!;
    for (const room of [...this.rooms.values()]) {
      if (room.owner !== id || reported.has(room.id)) continue;
      this.purgeSeats(room, t);
      if (room.live || (room.seats.size === 0 && room.clients === 0)) this.rooms.delete(room.id);
      else proc.load += room.seats.size;
    }
    for (const r of beat.rooms) {
      const seats = this.rooms.get(r.id)?.seats ?? new Map<string, number>();
      const room: RoomRecord = { ...r, owner: id, live: true, seats };
      this.rooms.set(r.id, room);
      proc.load += this.waiting(room, t);
    }
  }

  async reserve(type: string, capacity: number, seatTtlMs: number): Promise<SeatReservation | null> {
    const t = this.now();
    this.reap(t);
    let best: RoomRecord | null = null;
    for (const room of this.rooms.values()) {
      if (room.type !== type || !this.alive(room.owner, t)) continue;
      const free = this.free(room, t);
      if (free > 0 && (best === null || free < this.free(best, t))) best = room;
    }
    if (best !== null) return this.seatIn(best, t, seatTtlMs, false);
    let owner: string | null = null;
    for (const [id, p] of this.procs)
      if (this.alive(id, t) && (owner === null || p.load < this.procs.get(owner)!.load)) owner = id;
    if (owner === null) return null;
    const room: RoomRecord = {
      id: `${type}.${(this.nextRoom++).toString(16)}`,
      type,
      owner,
      capacity,
      clients: 0,
      live: false,
      seats: new Map(),
    };
    this.rooms.set(room.id, room);
    return this.seatIn(room, t, seatTtlMs, true);
  }

  async claim(processId: string, roomId: string, seat: string): Promise<ClaimedSeat | null> {
    const t = this.now();
    const room = this.rooms.get(roomId);
    if (room === undefined || room.owner !== processId) return null;
    const expiresAt = room.seats.get(seat);
    if (expiresAt !== undefined && expiresAt > t) room.seats.delete(seat);
    else if (this.free(room, t) <= 0) return null;
    room.clients++;
    return { roomId, type: room.type };
  }

  async process(processId: string): Promise<ProcessEntry | null> {
    const p = this.procs.get(processId);
    if (p === undefined || p.expiresAt <= this.now()) return null;
    return { processId, url: p.url, draining: p.draining };
  }

  async drain(processId: string): Promise<void> {
    const p = this.procs.get(processId);
    if (p !== undefined) p.draining = true;
  }

  async unregister(processId: string): Promise<void> {
    this.procs.delete(processId);
    for (const room of [...this.rooms.values()]) if (room.owner === processId) this.rooms.delete(room.id);
  }

  async listRooms(): Promise<RoomEntry[]> {
    const t = this.now();
    this.reap(t);
    return [...this.rooms.values()].map((r) => {
      this.purgeSeats(r, t);
      const { id, type, owner, clients, capacity } = r;
      return { id, type, processId: owner, clients, capacity, reserved: r.seats.size };
    });
  }

  async close(): Promise<void> {}

  private seatIn(room: RoomRecord, t: number, ttlMs: number, created: boolean): SeatReservation {
    const seat = `${room.id}.${randomBytes(12).toString('base64url')}`;
    room.seats.set(seat, t + ttlMs);
    const owner = this.procs.get(room.owner)!;
    owner.load++;
    const url = owner.url;
    return { seat, roomId: room.id, type: room.type, processId: room.owner, url, created };
  }

  private alive(id: string, t: number): boolean {
    const p = this.procs.get(id);
    return p !== undefined && p.expiresAt > t && !p.draining;
  }

  private free(room: RoomRecord, t: number): number {
    this.purgeSeats(room, t);
    return room.capacity - room.clients - room.seats.size;
  }

  /** Seats reserved in `room` and not yet claimed: clients on their way, counted in the owner's load. */
  private waiting(room: RoomRecord, t: number): number {
    this.purgeSeats(room, t);
    return room.seats.size;
  }

  private purgeSeats(room: RoomRecord, t: number): void {
    for (const [seat, expiresAt] of room.seats) if (expiresAt <= t) room.seats.delete(seat);
  }

  private reap(t: number): void {
    for (const [id, p] of this.procs) if (p.expiresAt <= t) void this.unregister(id);
  }
}
