/**
 * The room directory every server process of a cluster shares: which processes are alive (kept by
 * heartbeats that expire), which rooms each hosts, and seats reserved in them. Two implementations
 * behind this one interface: MemoryDirectory (one process, the default) and RedisDirectory (a real
 * Redis server shared by many processes on many machines).
 */

/** One room as its owning process reports it in a heartbeat. */
export interface RoomReport {
  /** The room's id, unique across the cluster. */
  readonly id: string;
  /** The room type's name. */
  readonly type: string;
  /** Clients in the room now, plus seats claimed whose holders have not joined yet. */
  readonly clients: number;
  /** Most clients the room holds. */
  readonly capacity: number;
}

/** What a process tells the directory at each heartbeat. */
export interface Heartbeat {
  /** The process id (unique per process run). */
  readonly processId: string;
  /** The URL clients connect to for this process's rooms (ws:// or wss://). */
  readonly url: string;
  /**
   * The process's load: its clients plus claimed seats. The directory adds the seats reserved in its rooms and not
   * yet claimed, and counts each new reservation at once, so a burst of joins between heartbeats spreads new rooms
   * over the least loaded processes. Joins create new rooms on the least loaded.
   */
  readonly load: number;
  /** True once the process drains: it gets no new seats and no new rooms. */
  readonly draining: boolean;
  /** Every open room of the process; directory rooms of this process not listed are removed. */
  readonly rooms: readonly RoomReport[];
  /** How long the entry lives without another heartbeat, ms. */
  readonly expiryMs: number;
}

/** A seat a join reserved: where to connect and which room to join. */
export interface SeatReservation {
  /** The seat token; the owner admits its holder until the seat expires (and later while there is room). */
  readonly seat: string;
  /** The room id to name in the Hello. */
  readonly roomId: string;
  /** The room type's name. */
  readonly type: string;
  /** The owning process's id. */
  readonly processId: string;
  /** The owning process's URL. */
  readonly url: string;
  /** True when this join created the room's record (the owner opens the room when the seat is claimed). */
  readonly created: boolean;
}

/** A live process as the directory lists it. */
export interface ProcessEntry {
  /** The process id. */
  readonly processId: string;
  /** Its public URL. */
  readonly url: string;
  /** True while it drains. */
  readonly draining: boolean;
}

/** A room as the directory lists it (for operators and tests, not for joins). */
export interface RoomEntry extends RoomReport {
  /** The owning process's id. */
  readonly processId: string;
  /** Seats reserved and not yet claimed. */
  readonly reserved: number;
}

/** A claimed seat: the room the holder may join on this process. */
export interface ClaimedSeat {
  /** The room id. */
  readonly roomId: string;
  /** The room type's name. */
  readonly type: string;
}

/**
 * The shared directory. Every method may reject when the store is unreachable (RedisDirectory); callers
 * answer their clients with a clear error and carry on. Methods never scan every room: joins read the
 * index of rooms with free seats of one type.
 */
export interface RoomDirectory {
  /** Registers or refreshes a process and its rooms; removes processes whose entries expired. */
  heartbeat(beat: Heartbeat): Promise<void>;
  /**
   * Join-or-create, atomically: reserves a seat for `seatTtlMs` in a room of `type` with a free seat
   * (owner alive and not draining), else records a new room of that type with `capacity` on the least
   * loaded live process. Null when no process can take it.
   */
  reserve(type: string, capacity: number, seatTtlMs: number): Promise<SeatReservation | null>;
  /**
   * The owner `processId` claims `seat` of room `roomId`: the seat becomes a client of the room. A seat
   * that expired is still honoured while the room has a free seat. Null when the room is not this
   * process's or has no place.
   */
  claim(processId: string, roomId: string, seat: string): Promise<ClaimedSeat | null>;
  /** The live process `processId`, or null when it is gone. */
  process(processId: string): Promise<ProcessEntry | null>;
  /** Marks `processId` draining at once: no new seats in its rooms and no new rooms on it. */
  drain(processId: string): Promise<void>;
  /** Removes `processId` and all its rooms now. */
  unregister(processId: string): Promise<void>;
  /** Every room of every live process (an operator's view: it reads the whole directory). */
  listRooms(): Promise<RoomEntry[]>;
  /** Releases the directory's connections. Idempotent. */
  close(): Promise<void>;
}
