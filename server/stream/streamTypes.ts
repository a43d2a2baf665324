/**
 * The types the snapshot stream (SnapshotStream.ts) and its strategies share. A leaf module: it
 * imports only types, so a strategy, the stream and the room that owns them do not import each other.
 */
import type { Snapshot } from '../../shared/index.ts';
import type { SnapshotFrame } from '../../shared/wire/index.ts';
import type { RoomClient } from '../RoomClient.ts';
import type { ServerMetrics } from '../ServerMetrics.ts';
import type { Connection } from '../transport/Transport.ts';

/** What the stream needs of one player's session. The Session implements it. */
export interface StreamPeer {
  /** The connection, or null while disconnected. */
  readonly conn: Connection | null;
  /** True once Welcome was sent on the current connection: snapshots may follow. */
  readonly welcomed: boolean;
  /** The game-facing client: its entity (the view centre) and the last input seq applied. */
  readonly client: RoomClient;
  /**
   * Changes whenever the session gets or loses a connection. A new connection holds nothing, so the
   * stream forgets what the peer held when this changes.
   */
  readonly connectionSerial: number;
  /** Inputs in the peer's input buffer beyond its target after this tick's were taken (< 0: short). */
  readonly inputLead: number;
}

/** One peer of a stream with its strategy's state. Owned by the stream; strategies read `peer` and own `state`. */
export interface StreamSlot<State> {
  readonly peer: StreamPeer;
  readonly state: State;
}

/** Where a strategy sends the frames it chose; implemented by the stream, which applies the send policy. */
export interface FrameSink {
  /**
   * Patches the peer's `lastInputSeq` and input buffer status into `frame` and writes it to the peer's
   * socket. Returns true if it was written (the strategy then records what the peer holds), false if
   * the socket dropped it (a skip: the peer keeps what it held, and its next frame covers the gap). The
   * bytes are copied or written out before this returns, so `frame` may alias scratch.
   */
  send(slot: StreamSlot<unknown>, frame: SnapshotFrame): boolean;
  /** Counts one body encoded (shared by every peer it was sent to). */
  encoded(): void;
  /**
   * Offers the stream's listeners a delta body the strategy encoded this tick, so a listener holding the
   * same baseline reuses it instead of encoding again. `body` may alias the encoder's scratch: it is
   * read or copied before this returns. `next` is what a reader of `body` holds. Optional: a sink
   * without it encodes the listeners' deltas itself.
   */
  offer?(baseline: Snapshot | null, body: Uint8Array, next: Snapshot): void;
  /** Counts one snapshot not sent for a reason of the strategy's own (e.g. a budget nothing fits in). */
  skipped(): void;
}

/**
 * How a stream chooses what each peer is sent: all visible (one delta per baseline, every entity), or
 * interest-managed groups. A strategy owns per-peer state (what the peer holds); the stream owns when a
 * peer is served, the send policy and the metrics.
 */
export interface StreamStrategy<State> {
  /** Starts a tick: called with the world once per tick, before any peer is reset or served. */
  begin(world: Snapshot): void;
  /** A fresh state for `peer`, holding nothing. */
  createState(peer: StreamPeer): State;
  /** The peer left the room for good: drop anything kept for it. */
  dispose(peer: StreamPeer, state: State): void;
  /** The tick of what the peer holds (the last frame written to it), or -1 when it holds nothing. */
  heldTick(state: State): number;
  /** Forgets what the peer holds: its next frame is against nothing. */
  reset(state: State): void;
  /**
   * Sends `world` to each of `slots` (peers that can take a frame now, in join order) through `sink`,
   * recording in each slot's state what its peer now holds when `sink.send` returns true.
   */
  serve(world: Snapshot, slots: readonly StreamSlot<State>[], sink: FrameSink): void;
}

/** The send policy's bounds and where the stream counts what it does. */
export interface StreamPolicy {
  /** Where sends, skips and encodes are counted. */
  readonly metrics: ServerMetrics;
  /** Most bytes a peer's socket may have buffered for it still to get a frame this tick. */
  readonly maxBufferedBytes: number;
  /** A peer holding a tick older than this many ticks is reset and sent a frame against nothing. */
  readonly maxBaselineAgeTicks: number;
}

/**
 * One tick of a room's stream, as a recorder or a spectator feed sees it: the quantized world and its
 * encodings, each made once on first use. Valid only during the listener call that received it.
 */
export interface StreamTick {
  /** The room tick. */
  readonly tick: number;
  /** The quantized world at `tick`. Read-only, and reused by later ticks: copy what you keep. */
  readonly world: Snapshot;
  /**
   * A Snapshot frame (lastInputSeq -1) of `world` against the previous frame this feed encoded, or
   * against nothing for the first. Its baseTick says which: a listener that did not see that frame
   * starts from {@link StreamTick.keyframe}. The bytes are the feed's (a fresh buffer): do not modify.
   */
  delta(): SnapshotFrame;
  /** A Snapshot frame (lastInputSeq -1) of `world` against nothing. A fresh buffer: do not modify. */
  keyframe(): SnapshotFrame;
}

/** A listener of a stream's ticks; see {@link StreamTick}. */
export type StreamListener = (tick: StreamTick) => void;
