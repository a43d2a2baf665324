/**
 * Plays a recording (a file, live HTTP fragments, or the kill-cam's memory) through the same snapshot
 * buffer and interpolator as a live connection, into the same persistent map of drawable entities with
 * the same added/removed events, so a game's views draw a replay without a change. The host owns the
 * loop: call `frame(now)` every animation frame and draw `entities`.
 *
 *   recording   K ─ d ─ d ─ d ─ K ─ d ─ d …   (K: keyframe, d: delta per tick)
 *   seek(t)     decode from the keyframe at or before t up to t; the buffer holds t and t + 1
 *   play        playTick += elapsed · speed / tickMs; the buffer is refilled ahead of it
 */
import {
  type Result,
  type Schema,
  type Snapshot,
  SnapshotCodec,
  type KindName,
  type DecodeLimits,
} from '../shared/index.ts';
import type { ChunkSource } from '../shared/wire/RecordingReader.ts';
import { type RecordedEvent, RecordingCursor } from '../shared/wire/RecordingCursor.ts';
import type { RecordingHeader } from '../shared/wire/RecordingWriter.ts';
import type { ClientEntity } from './clientOptions.ts';
import { type EntitySetListener, Interpolator, type InterpolatorOptions, type RenderEntity } from './Interpolator.ts';
import { Signal } from './Signal.ts';
import { SnapshotBuffer } from './SnapshotBuffer.ts';

/** Slowest playback speed. */
export const MIN_REPLAY_SPEED = 0.25;
/** Fastest playback speed. */
export const MAX_REPLAY_SPEED = 4;
/** Snapshots the player keeps decoded ahead of and behind the play position. */
const BUFFER_CAPACITY = 8;

/** What a replay plays: chunks with seek points, the recording's header, and its last tick so far. */
export interface ReplaySource extends ChunkSource {
  /** The recording's header (schema hash, tick rate). */
  readonly header: RecordingHeader;
  /** The last tick available now (grows for a live source), or -1 when none is. */
  readonly lastTick: number;
  /** True for a source that grows (live fragments): reaching its end waits instead of pausing. */
  readonly live?: boolean;
}

/** Options of a {@link ReplayPlayer}. */
export interface ReplayPlayerOptions {
  /** Interpolation settings, as for a live client. */
  readonly interpolation?: InterpolatorOptions;
  /** Decode limits for every body (a dropped file is untrusted). */
  readonly limits?: DecodeLimits;
}

/** Plays one recording for schema `S`. */
export class ReplayPlayer<S extends Schema> {
  private readonly cursor: RecordingCursor;
  private readonly buffer = new SnapshotBuffer({ capacity: BUFFER_CAPACITY });
  private readonly interpolator: Interpolator;
  private readonly drawn = new Map<number, RenderEntity>();
  private readonly onError = (err: unknown) =>
    this.errorSignal.emit(err instanceof Error ? err : new Error(String(err)));
  private readonly added = new Signal<[id: number, kind: KindName<S>]>(this.onError);
  private readonly removed = new Signal<[id: number]>(this.onError);
  private readonly events = new Signal<[event: RecordedEvent]>(this.onError);
  private readonly errorSignal = new Signal<[error: Error]>(() => {});
  private readonly listener: EntitySetListener;
  private readonly tickMs: number;
  private playTick = NaN;
  private lastNowMs = NaN;
  private rate = 1;
  private playing = false;
  /** The reason playback stopped for good (corrupt data), or null. */
  private failure: string | null = null;

  /**
   * @param schema the game's schema; throws if the recording was made with another one
   * @param source the recording
   */
  constructor(
    readonly schema: S,
    private readonly source: ReplaySource,
    options: ReplayPlayerOptions = {},
  ) {
    if (source.header.schemaHash !== schema.hash)
      throw new Error(
        `ReplayPlayer: the recording's schema is ${source.header.schemaHash}, this game's ${schema.hash}`,
      );
    this.cursor = new RecordingCursor(new SnapshotCodec(schema), source, options.limits);
    this.interpolator = new Interpolator(schema, options.interpolation);
    this.tickMs = 1000 / source.header.tickRateHz;
    this.buffer.setTickRate(source.header.tickRateHz);
    this.listener = {
      added: (e) => this.added.emit(e.id, e.kind as KindName<S>),
      removed: (id) => this.removed.emit(id),
    };
  }

  /** The first tick that can be shown (the first keyframe's), or -1 before any. */
  get firstTick(): number {
    return this.source.keyframes[0]?.tick ?? -1;
  }

  /** The last tick that can be shown now. */
  get lastTick(): number {
    return this.source.lastTick;
  }

  /** The fractional tick shown by the last {@link frame} (NaN before the first seek). */
  get tick(): number {
    return this.playTick;
  }

  /** True while playing. */
  get isPlaying(): boolean {
    return this.playing;
  }

  /** Playback speed, {@link MIN_REPLAY_SPEED}–{@link MAX_REPLAY_SPEED}. */
  get speed(): number {
    return this.rate;
  }

  /** Sets the playback speed; throws outside {@link MIN_REPLAY_SPEED}–{@link MAX_REPLAY_SPEED}. */
  set speed(value: number) {
    if (!(value >= MIN_REPLAY_SPEED && value <= MAX_REPLAY_SPEED))
      throw new RangeError(`ReplayPlayer: speed must be ${MIN_REPLAY_SPEED}–${MAX_REPLAY_SPEED}; got ${value}`);
    this.rate = value;
  }

  /** Why playback stopped for good (a corrupt recording), or null. */
  get error(): string | null {
    return this.failure;
  }

  /** Drawable entities by id, persistent and updated in place by {@link frame}, as on a live client. */
  get entities(): ReadonlyMap<number, ClientEntity<S>> {
    return this.drawn as unknown as ReadonlyMap<number, ClientEntity<S>>;
  }

  /** The decoded world at or just before the play position (immutable), or null. */
  get snapshot(): Snapshot | null {
    const i = this.buffer.indexAtOrBefore(this.playTick);
    return i < 0 ? null : this.buffer.at(i);
  }

  /** Starts or resumes playback (from the first tick if nothing was shown yet). */
  play(): void {
    if (Number.isNaN(this.playTick)) this.seek(this.firstTick);
    this.playing = this.failure === null;
  }

  /** Pauses playback; {@link frame} keeps drawing the paused tick. */
  pause(): void {
    this.playing = false;
  }

  /**
   * Moves to `tick` (clamped to the recording): decodes from the keyframe at or before it. Returns a
   * failure, and stops playback, if the recording is corrupt there.
   */
  seek(tick: number): Result<number> {
    const target = Math.max(this.firstTick, Math.min(this.lastTick, Math.floor(tick)));
    this.failure = null;
    const start = this.cursor.seek(target);
    if (!start.ok) return this.stop(start.reason);
    let prev: Snapshot | null = null;
    let at = start.value;
    while (at.tick < target) {
      const next = this.cursor.next(() => {});
      if (!next.ok) return this.stop(next.reason);
      if (next.value === null) break;
      prev = at;
      at = next.value;
    }
    this.buffer.clear();
    if (prev !== null) this.buffer.push(prev, 0);
    this.buffer.push(at, 0);
    this.playTick = at.tick;
    this.fill();
    return { ok: true, value: at.tick };
  }

  /**
   * Advances the play position to local time `nowMs` (when playing) and brings every drawable entity
   * to it, interpolated as on a live client. Returns {@link entities}.
   */
  frame(nowMs: number): ReadonlyMap<number, ClientEntity<S>> {
    const elapsed = Number.isNaN(this.lastNowMs) ? 0 : Math.max(0, nowMs - this.lastNowMs);
    this.lastNowMs = nowMs;
    if (Number.isNaN(this.playTick)) return this.entities;
    if (this.playing) {
      this.playTick += (elapsed * this.rate) / this.tickMs;
      this.fill();
      const newest = this.buffer.newest;
      if (newest !== null && this.playTick >= newest.tick) {
        this.playTick = newest.tick;
        if (newest.tick >= this.lastTick && this.source.live !== true) this.playing = false;
      }
    }
    this.interpolator.draw(this.buffer, this.playTick, this.tickMs, this.drawn, () => false, this.listener);
    return this.entities;
  }

  /** Called when an entity appears on screen. */
  onEntityAdded(handler: (id: number, kind: KindName<S>) => void): () => void {
    return this.added.on(handler);
  }

  /** Called when an entity leaves the screen. */
  onEntityRemoved(handler: (id: number) => void): () => void {
    return this.removed.on(handler);
  }

  /** Called with each game event the playback passes (not those skipped over by a seek). */
  onEvent(handler: (event: RecordedEvent) => void): () => void {
    return this.events.on(handler);
  }

  /** Called when playback stops on corrupt data, and with errors thrown by handlers. */
  onPlaybackError(handler: (error: Error) => void): () => void {
    return this.errorSignal.on(handler);
  }

  /** Decodes ahead until the buffer holds a snapshot past the play position (or the source ends). */
  private fill(): void {
    if (this.failure !== null) return;
    for (let newest = this.buffer.newest; newest !== null && newest.tick <= this.playTick + 1; ) {
      const next = this.cursor.next((e) => this.events.emit(e));
      if (!next.ok) {
        this.stop(next.reason);
        return;
      }
      if (next.value === null) return;
      this.buffer.push(next.value, 0);
      newest = next.value;
    }
  }

  private stop(reason: string): Result<number> {
    this.failure = reason;
    this.playing = false;
    this.errorSignal.emit(new Error(`replay stopped: ${reason}`));
    return { ok: false, reason };
  }
}
