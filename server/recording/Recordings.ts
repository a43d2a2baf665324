/**
 * The recordings of one server's rooms: wraps a room type so each room of it is recorded into a file
 * of a folder from creation to close, logs game events into a room's recording, and closes every
 * file on shutdown. `RECORD=dir npm start` runs the demo with one.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JoinOptions, Schema } from '../../shared/index.ts';
import type { Room } from '../Room.ts';
import { FileSink } from './FileSink.ts';
import { RoomRecorder, type RoomRecorderOptions } from './RoomRecorder.ts';

/** The two handlers a recorded room type adds to (the type's others are inherited unchanged). */
interface LifecycleHandlers {
  onCreate?(room: Room<Schema>, options: JoinOptions): void;
  onDispose?(room: Room<Schema>): void;
}

/** What {@link Recordings.roomType} takes: a room type from `defineRoom` (only its handlers are read). */
export interface RecordableType {
  /** The game's handlers. */
  readonly handlers: object;
}

/** Options of {@link Recordings}. */
export interface RecordingsOptions extends RoomRecorderOptions {
  /** The folder the files go in (created if missing). */
  readonly dir: string;
  /** The server's tick rate, Hz (the server's `tickRateHz` option). */
  readonly tickRateHz: number;
  /** The file name of a room's recording. Default `<room id>-<start time>.twr`. */
  readonly fileName?: (room: Room<Schema>, startMs: number) => string;
  /** Gets file errors (a full disk, say); the room carries on unrecorded. Default: console.error. */
  readonly onError?: (err: unknown, room: Room<Schema>) => void;
}

/** Records rooms into files of one folder; lives as long as the server whose rooms it records. */
export class Recordings {
  private readonly open = new Map<Room<Schema>, RoomRecorder>();
  private readonly closing = new Set<Promise<void>>();
  private readonly paths: string[] = [];

  /** @param options see {@link RecordingsOptions}; the folder is created at once. */
  constructor(private readonly options: RecordingsOptions) {
    mkdirSync(options.dir, { recursive: true });
  }

  /** The files started so far, in order. */
  get files(): readonly string[] {
    return this.paths;
  }

  /**
   * The same room type, recording each of its rooms: from the room's creation (before `onCreate`) to
   * its close (after `onDispose`). Pass the result to `server.define`.
   */
  roomType<T extends RecordableType>(type: T): T {
    const inner = type.handlers as LifecycleHandlers;
    const handlers: LifecycleHandlers = Object.assign(Object.create(inner) as LifecycleHandlers, {
      onCreate: (room: Room<Schema>, options: JoinOptions) => {
        this.record(room);
        inner.onCreate?.call(inner, room, options);
      },
      onDispose: (room: Room<Schema>) => {
        try {
          inner.onDispose?.call(inner, room);
        } finally {
          void this.stop(room);
        }
      },
    });
    return Object.freeze({ ...type, handlers }) as T;
  }

  /** Starts recording `room` (if it is not already); returns its recorder. */
  record(room: Room<Schema>): RoomRecorder {
    const held = this.open.get(room);
    if (held !== undefined) return held;
    const startMs = (this.options.wallClockMs ?? Date.now)();
    const name = this.options.fileName?.(room, startMs) ?? `${room.id}-${startMs}.twr`;
    const path = join(this.options.dir, name);
    const onError = this.options.onError ?? ((err: unknown) => console.error(`recording ${path}: ${String(err)}`));
    const sink = new FileSink(path, (err) => onError(err, room));
    const recorder = new RoomRecorder(room, sink, this.options.tickRateHz, this.options);
    this.open.set(room, recorder);
    this.paths.push(path);
    return recorder;
  }

  /** The recorder of `room`, if it is being recorded. */
  of(room: Room<Schema>): RoomRecorder | undefined {
    return this.open.get(room);
  }

  /** Logs a game event into `room`'s recording (see {@link RoomRecorder.event}); nothing if unrecorded. */
  event(room: Room<Schema>, name: string, data?: unknown): void {
    this.open.get(room)?.event(name, data);
  }

  /** Stops recording `room` and resolves when its file is closed. */
  stop(room: Room<Schema>): Promise<void> {
    const recorder = this.open.get(room);
    if (recorder === undefined) return Promise.resolve();
    this.open.delete(room);
    const done = recorder.close();
    this.closing.add(done);
    void done.finally(() => this.closing.delete(done));
    return done;
  }

  /** Stops every recording and resolves when every file is closed (call after `server.close()`). */
  async close(): Promise<void> {
    for (const room of [...this.open.keys()]) void this.stop(room);
    await Promise.allSettled([...this.closing]);
  }
}
