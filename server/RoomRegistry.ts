/**
 * The server's rooms: room types by name, open rooms by id, and each type's default room (the one a Hello
 * naming the type joins). One Server owns one registry; a room leaves it when it closes.
 */
import { type JoinOptions, type Schema, SnapshotCodec } from '../shared/index.ts';
import type { RoomType } from './defineRoom.ts';
import { Room, type RoomHost } from './Room.ts';
import { snapshotIntervalTicks } from './stream/snapshotRate.ts';

const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** What a room id chosen by the game may be: what a Hello's `room` may carry (1–64 of letters, digits, _ - .). */
const ROOM_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Room types and open rooms of one Server. Rooms it creates are given `host`; the host's `roomClosed`
 * must call {@link RoomRegistry.remove}, so a closed room is no longer found. Lives as long as its Server.
 */
export class RoomRegistry {
  private readonly types = new Map<string, { type: RoomType<Schema>; codec: SnapshotCodec }>();
  private readonly rooms = new Map<string, Room<Schema>>();
  private readonly defaultRooms = new Map<string, Room<Schema>>();
  private nextRoomNumber = 1;

  /** An empty registry whose rooms report to `host` (kept for the registry's lifetime). */
  constructor(private readonly host: RoomHost) {}

  /** Number of open rooms. */
  get size(): number {
    return this.rooms.size;
  }

  /** Registers a room type under `name` (letters, digits, _); throws for a bad or taken name or a bad type. */
  define(name: string, type: RoomType<Schema>): void {
    if (!TYPE_NAME.test(name))
      throw new RangeError(`Server.define: room type name "${name}" must be an identifier (letters, digits, _)`);
    if (this.types.has(name))
      throw new RangeError(`Server.define: room type "${name}" is already defined; pick another name`);
    if (type === null || typeof type !== 'object' || type.schema === undefined)
      throw new TypeError('Server.define: pass a room type from defineRoom(schema, handlers)');
    const { tickRateHz } = this.host;
    snapshotIntervalTicks(tickRateHz, type.snapshotRateHz ?? this.host.snapshotRateHz, `Server.define("${name}")`);
    const spectatorHz = type.spectatorSnapshotRateHz;
    if (spectatorHz !== null)
      snapshotIntervalTicks(tickRateHz, spectatorHz, `Server.define("${name}")`, 'spectatorSnapshotRateHz');
    this.types.set(name, { type, codec: new SnapshotCodec(type.schema) });
  }

  /**
   * Creates and opens another room of type `name`, with id `id` or else `<name>-<n>`; throws for an unknown
   * type, a malformed id or the id of an open room.
   */
  create(name: string, options: JoinOptions, id?: string): Room<Schema> {
    const entry = this.types.get(name);
    if (entry === undefined)
      throw new RangeError(`Server.createRoom: no room type "${name}"; define it first with server.define`);
    if (id !== undefined && (typeof id !== 'string' || !ROOM_ID.test(id)))
      throw new RangeError(`Server.createRoom: room id "${String(id)}" must be 1–64 letters, digits, _ - or .`);
    if (id !== undefined && this.rooms.has(id))
      throw new RangeError(`Server.createRoom: a room "${id}" is already open; pick another id or close it`);
    let roomId = id;
    while (roomId === undefined || this.rooms.has(roomId)) roomId = `${name}-${this.nextRoomNumber++}`;
    const room = new Room(roomId, name, entry.type, entry.codec, this.host);
    this.rooms.set(room.id, room);
    room.create(options);
    return room;
  }

  /** The open room with `id`, if any. */
  get(id: string): Room<Schema> | undefined {
    return this.rooms.get(id);
  }

  /** Every open room, in a new array the caller may keep. */
  list(): Room<Schema>[] {
    return [...this.rooms.values()];
  }

  /**
   * The room a Hello asks for: the open room whose id is `name`, else the default room of type `name`
   * (created with `options` when it has none or it closed). A null name means the only type, if there
   * is exactly one. Null when nothing matches.
   */
  find(name: string | null, options: JoinOptions): Room<Schema> | null {
    let typeName = name;
    if (typeName === null) {
      if (this.types.size !== 1) return null;
      typeName = this.types.keys().next().value!;
    }
    const byId = this.rooms.get(typeName);
    if (byId !== undefined) return byId;
    if (!this.types.has(typeName)) return null;
    let room = this.defaultRooms.get(typeName);
    if (room === undefined || room.isClosed) {
      room = this.create(typeName, options);
      this.defaultRooms.set(typeName, room);
    }
    return room;
  }

  /** Forgets `room`, which has closed. */
  remove(room: Room<Schema>): void {
    this.rooms.delete(room.id);
    if (this.defaultRooms.get(room.name) === room) this.defaultRooms.delete(room.name);
  }

  /** Advances every open room one tick; a room that closes meanwhile does not disturb the others. */
  stepAll(): void {
    for (const room of [...this.rooms.values()]) room.step();
  }

  /** Closes every open room with the WebSocket close `code` and `reason` for its clients. */
  closeAll(reason: string, code: number): void {
    for (const room of [...this.rooms.values()]) room.close(reason, code);
  }
}
