/** One spectator of a room: a connection that watches, with no entity and no input, at a fixed delay. */
import type { Schema, Snapshot } from '../../shared/index.ts';
import type { Room } from '../Room.ts';
import type { Connection } from '../transport/Transport.ts';

/**
 * A spectator: owned by its room's {@link SpectatorFeed} from its Welcome until its connection closes
 * or the room does. What it holds is the world of the last frame written to it.
 */
export class Spectator {
  /** The quantized world the spectator holds (its delta baseline), or null: its next frame is whole. */
  held: Snapshot | null = null;
  /** True once it left (connection closed or room closed): it is no longer served. */
  gone = false;

  /**
   * @param clientId unique per server process (the Welcome's clientId)
   * @param room the room it watches, for its whole life
   * @param conn the spectator's connection, for its whole life
   * @param delayTicks how many ticks behind the room it watches (0: live)
   */
  constructor(
    readonly clientId: number,
    readonly room: Room<Schema>,
    readonly conn: Connection,
    readonly delayTicks: number,
  ) {}
}
