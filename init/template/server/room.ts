// The game's rules on the server: a room of tag. Each room keeps its own state (`room.state`), made
// fresh for every room by `state()`, so nothing carries over from one game to the next.
import { defineRoom } from 'tickwave/server';
import { HEIGHT, move, schema, TAG_RADIUS, WIDTH } from '../shared/game.ts';

/** After a tag, the new "it" cannot tag back for this long, seconds. */
const TAG_COOLDOWN_SEC = 1;

/** What one room of tag remembers besides its entities. */
export interface TagState {
  /** The entity id of the player who is "it", or -1 with nobody in the room. */
  itId: number;
  /** Seconds until the next tag counts. */
  cooldownSec: number;
  /** Tags so far in this room. */
  tags: number;
}

export const tagRoom = defineRoom(schema, {
  maxClients: 16,
  state: (): TagState => ({ itId: -1, cooldownSec: 0, tags: 0 }),
  onJoin(room, client) {
    const spot = (client.id * 137) % 360;
    const player = room.spawn('player', {
      x: WIDTH / 2 + Math.cos(spot) * 200,
      y: HEIGHT / 2 + Math.sin(spot) * 200,
      hue: (client.id * 47) % 256,
      it: room.state.itId < 0,
    });
    client.entityId = player.id;
    if (player.it) room.state.itId = player.id;
  },
  onInput(room, client, input, dtSec) {
    const player = room.get(client.entityId, 'player');
    if (player !== undefined) move(player, input, dtSec);
  },
  step(room, dtSec) {
    const state = room.state;
    state.cooldownSec = Math.max(0, state.cooldownSec - dtSec);
    const it = room.get(state.itId, 'player');
    if (it === undefined || state.cooldownSec > 0) return;
    for (const other of room.entitiesOf('player')) {
      if (other === it || Math.hypot(other.x - it.x, other.y - it.y) > TAG_RADIUS) continue;
      it.it = false;
      other.it = true;
      state.itId = other.id;
      state.cooldownSec = TAG_COOLDOWN_SEC;
      state.tags++;
      return;
    }
  },
  onLeave(room, client) {
    room.despawn(client.entityId);
    if (room.state.itId !== client.entityId) return;
    const next = room.entitiesOf('player').next();
    room.state.itId = next.done ? -1 : next.value.id;
    if (!next.done) next.value.it = true;
  },
});
