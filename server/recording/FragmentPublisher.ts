/**
 * Publishes a room's stream as HTTP fragments (like CS broadcast) into a folder that any static host
 * or CDN serves: `start.twr` (the header), `<n>.twc` (fragment n: one data chunk starting with a
 * keyframe, `fragmentMs` long) and `sync.json` (the fragments on offer). Layout: shared/wire/README.md,
 * "Live fragments". Viewers cost the game server nothing but these writes, whatever their number.
 *
 * With a delay, a fragment is written only once the room is `delayMs` past its last tick (rounded up
 * to the next fragment boundary), so nothing newer than the delay is ever on the host. Files are
 * written asynchronously, off the tick; old fragments beyond `keepFragments` are deleted.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHUNK_HEADER_BYTES, ChunkType, PREAMBLE_BYTES, readU32le } from '../../shared/wire/recordingFormat.ts';
import { lastTickOf } from '../../shared/wire/RecordingReader.ts';
import type { Room } from '../Room.ts';
import type { Schema } from '../../shared/index.ts';
import { type RecordingSink, RoomRecorder } from './RoomRecorder.ts';

/** Default fragment length, ms. */
export const DEFAULT_FRAGMENT_MS = 2000;
/** Default number of fragments kept on disk. */
export const DEFAULT_KEEP_FRAGMENTS = 30;

/** Options of a {@link FragmentPublisher}. */
export interface FragmentPublisherOptions {
  /** The folder to write into (it must exist; the publisher owns its files). */
  readonly dir: string;
  /** The server's tick rate, Hz. */
  readonly tickRateHz: number;
  /** Fragment length, ms. Default {@link DEFAULT_FRAGMENT_MS}. */
  readonly fragmentMs?: number;
  /** Delay before a fragment is published, ms (anti-ghosting). Default 0. */
  readonly delayMs?: number;
  /** Fragments kept on disk. Default {@link DEFAULT_KEEP_FRAGMENTS}. */
  readonly keepFragments?: number;
  /** Gets write errors; publishing carries on with the next fragment. Default console.error. */
  readonly onError?: (err: unknown) => void;
}

/** A fragment waiting for its delay. */
interface Pending {
  readonly chunk: Uint8Array;
  readonly lastTick: number;
}

/** Publishes one room's fragments from construction until {@link FragmentPublisher.close}. */
export class FragmentPublisher {
  private readonly recorder: RoomRecorder;
  private readonly delayTicks: number;
  private readonly keep: number;
  private readonly pending: Pending[] = [];
  private readonly onError: (err: unknown) => void;
  private writes: Promise<void> = Promise.resolve();
  private started = false;
  private next = 0;
  private first = 0;
  private closed = false;

  /** Starts publishing `room` into `options.dir`. */
  constructor(
    private readonly room: Room<Schema>,
    private readonly options: FragmentPublisherOptions,
  ) {
    const fragmentMs = options.fragmentMs ?? DEFAULT_FRAGMENT_MS;
    this.delayTicks = Math.ceil(((options.delayMs ?? 0) * options.tickRateHz) / 1000);
    this.keep = options.keepFragments ?? DEFAULT_KEEP_FRAGMENTS;
    if (!(this.delayTicks >= 0 && Number.isInteger(this.keep) && this.keep >= 1))
      throw new RangeError(
        `FragmentPublisher: need delayMs ≥ 0 and keepFragments ≥ 1; got ${options.delayMs}, ${this.keep}`,
      );
    this.onError = options.onError ?? ((err) => console.error(`fragments ${options.dir}: ${String(err)}`));
    const sink: RecordingSink = { write: (bytes) => this.take(bytes), close: () => this.flushed() };
    this.recorder = new RoomRecorder(room, sink, options.tickRateHz, {
      keyframeEveryMs: fragmentMs,
      chunkEveryMs: fragmentMs,
    });
  }

  /** The number of fragments published so far. */
  get published(): number {
    return this.next;
  }

  /** Resolves when every file queued so far is written. */
  flushed(): Promise<void> {
    return this.writes;
  }

  /** What the recorder writes: the header, then one chunk per fragment, then the index (ignored). */
  private take(bytes: Uint8Array): void {
    let at = 0;
    if (!this.started) {
      this.started = true;
      at = PREAMBLE_BYTES + CHUNK_HEADER_BYTES + readU32le(bytes, PREAMBLE_BYTES + 1);
      this.file('start.twr', bytes.slice(0, at));
    }
    while (at + CHUNK_HEADER_BYTES <= bytes.length) {
      const end = at + CHUNK_HEADER_BYTES + readU32le(bytes, at + 1);
      if (bytes[at] === ChunkType.Data) {
        const chunk = bytes.slice(at, end);
        this.pending.push({ chunk, lastTick: lastTickOf(chunk.subarray(CHUNK_HEADER_BYTES)) });
      }
      at = end;
    }
    this.publishDue(this.closed ? Number.POSITIVE_INFINITY : this.room.tick);
  }

  /**
   * Stops publishing (the room ended): the fragments still waiting for their delay go out at once, the
   * match being over, and the returned promise resolves when every file is written.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.recorder.close();
    }
    await this.writes;
  }

  /** Publishes the fragments whose delay is over at room tick `now`. */
  private publishDue(now: number): void {
    while (this.pending.length > 0 && this.pending[0]!.lastTick + this.delayTicks <= now) {
      const { chunk, lastTick } = this.pending.shift()!;
      const n = this.next++;
      this.file(`${n}.twc`, chunk);
      if (n - this.first >= this.keep) this.remove(`${this.first++}.twc`);
      const sync = {
        version: 1,
        first: this.first,
        latest: n,
        tick: lastTick,
        fragmentTicks: Math.round(((this.options.fragmentMs ?? DEFAULT_FRAGMENT_MS) * this.options.tickRateHz) / 1000),
        tickRateHz: this.options.tickRateHz,
      };
      this.file('sync.json', new TextEncoder().encode(JSON.stringify(sync)));
    }
  }

  /** Writes `name` atomically (a temporary file renamed), after the writes queued before it. */
  private file(name: string, bytes: Uint8Array): void {
    const path = join(this.options.dir, name);
    this.writes = this.writes.then(async () => {
      try {
        await writeFile(`${path}.tmp`, bytes);
        await rename(`${path}.tmp`, path);
      } catch (err) {
        this.onError(err);
      }
    });
  }

  private remove(name: string): void {
    const path = join(this.options.dir, name);
    this.writes = this.writes.then(() => rm(path, { force: true }).catch((err: unknown) => this.onError(err)));
  }
}
