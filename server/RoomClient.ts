/**
 * The game's view of one client in a room. A leaf type module, so the room, its sessions and its
 * snapshot stream share it without importing each other.
 */
import type { JoinOptions } from '../shared/index.ts';

/**
 * A player in a room, as the game's handlers see it. Lives from join until `onLeave` returned.
 *
 * @category Server
 */
export interface RoomClient {
  /** The client id, unique in the server process; kept across a resume. */
  readonly id: number;
  /** The entity this client controls, or -1. The game sets it in `onJoin`; Welcome carries it. */
  entityId: number;
  /** What the authenticate hook returned for this client's connection (undefined without one). */
  readonly userData: unknown;
  /** The join options the client sent in Hello. */
  readonly options: JoinOptions;
  /** False while the client is disconnected within its resume grace period. */
  readonly connected: boolean;
  /** The server tick the client was showing with its latest applied input (capped at the room's tick). */
  readonly viewTick: number;
  /** The sequence number of the latest input applied for this client, or -1. */
  readonly lastInputSeq: number;
  /**
   * Ticks on which this client's input had not arrived in time and a stand-in was applied in its place
   * (see the room type's `onMissingInput`); its seq counts as applied, so the late input is dropped.
   */
  readonly missedInputs: number;
}
