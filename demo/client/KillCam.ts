/**
 * The arena's kill-cam: the page keeps the last seconds of snapshots in memory (SnapshotHistory); when
 * the local ship is shot down (its hp jumps back to full far from where it was: the server respawned
 * it), the scene shows a replay of the seconds before the kill from the killer's ship, then goes back
 * to the live game, where the ship has respawned.
 */
import { ReplayPlayer, SnapshotHistory, type TickwaveClient } from '../../client/index.ts';
import { indexOfEntity, quantizedValue, type Snapshot } from '../../shared/index.ts';
import { BULLET_SPEED, SHIP_HP, SHIP_RADIUS } from '../game/rules.ts';
import { type ArenaSchema, arenaSchema } from '../game/schema.ts';
import type { ArenaEntity } from './arenaViews.ts';

/** Seconds replayed before the kill. */
const KILL_CAM_SECONDS = 3;
/** A respawn moves the ship at least this far, world units (no ship flies this far in a tick). */
const RESPAWN_JUMP = 150;

/** What the scene draws while the kill-cam runs. */
export interface KillCamView {
  /** The replayed entities. */
  readonly entities: ReadonlyMap<number, ArenaEntity>;
  /** The killer's ship, which the camera follows. */
  readonly focusId: number;
  /** The status line. */
  readonly status: string;
}

/** Watches one client for the local ship's deaths and plays the kill-cam. */
export class KillCam {
  private history: SnapshotHistory | null = null;
  private player: ReplayPlayer<ArenaSchema> | null = null;
  private killer = -1;
  private killerName = '';
  private previous: Snapshot | null = null;
  private tickRateHz = 60;

  /** Starts watching `client` for the page's life. */
  constructor(private readonly client: TickwaveClient<ArenaSchema>) {
    client.onWelcome((w) => {
      this.history = new SnapshotHistory(arenaSchema, w.tickRateHz, KILL_CAM_SECONDS + 1);
      this.tickRateHz = w.tickRateHz;
      this.previous = null;
    });
    client.onSnapshot((snap) => this.snapshot(snap));
  }

  /** The kill-cam's view at `nowMs`, or null when the live game is shown. */
  frame(nowMs: number): KillCamView | null {
    const player = this.player;
    if (player === null) return null;
    const entities = player.frame(nowMs) as ReadonlyMap<number, ArenaEntity>;
    if (!player.isPlaying) {
      this.player = null;
      return null;
    }
    return { entities, focusId: this.killer, status: `kill-cam: shot down by ${this.killerName}` };
  }

  private snapshot(snap: Snapshot): void {
    this.history?.push(snap);
    const me = this.client.welcome?.entityId ?? -1;
    const prev = this.previous;
    this.previous = snap;
    if (prev === null || me < 0 || this.player !== null) return;
    const a = indexOfEntity(prev, me);
    const b = indexOfEntity(snap, me);
    if (a < 0 || b < 0) return;
    const hp = (s: Snapshot, i: number) => Number(quantizedValue(arenaSchema, s, i, 5));
    const at = (s: Snapshot, i: number) => ({ x: fieldOf(s, i, 0), y: fieldOf(s, i, 1) });
    const before = at(prev, a);
    const now = at(snap, b);
    const jumped = Math.hypot(now.x - before.x, now.y - before.y) > RESPAWN_JUMP;
    if (!(hp(prev, a) < SHIP_HP && hp(snap, b) === SHIP_HP && jumped)) return;
    const killer = killerOf(prev, before);
    if (killer < 0 || this.history === null) return;
    const source = this.history.replay(snap.tick - KILL_CAM_SECONDS * this.tickRateHz);
    if (source === null) return;
    const player = new ReplayPlayer(arenaSchema, source);
    player.seek(player.firstTick);
    player.play();
    this.player = player;
    this.killer = killer;
    const k = indexOfEntity(prev, killer);
    this.killerName = k < 0 ? 'a ship that left' : String(quantizedValue(arenaSchema, prev, k, 9));
  }
}

/** The dequantized value of numeric field `field` of entity index `i` (float fields). */
function fieldOf(s: Snapshot, i: number, field: number): number {
  return arenaSchema.kinds[s.kinds[i]!]!.fields[field]!.dequantize(quantizedValue(arenaSchema, s, i, field)) as number;
}

/** The owner of the bullet nearest to `where` in `s` that could hit it within a tick, or -1. */
function killerOf(s: Snapshot, where: { x: number; y: number }): number {
  const bullet = arenaSchema.kindIndex('bullet');
  const reach = SHIP_RADIUS + BULLET_SPEED / 30;
  let best = -1;
  let bestDistance = reach;
  for (let i = 0; i < s.count; i++) {
    if (s.kinds[i] !== bullet) continue;
    const d = Math.hypot(fieldOf(s, i, 0) - where.x, fieldOf(s, i, 1) - where.y);
    if (d < bestDistance) {
      bestDistance = d;
      best = Number(quantizedValue(arenaSchema, s, i, 4));
    }
  }
  return best;
}
