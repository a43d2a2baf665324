/**
 * Server-side bots: each one is steered by an {@link ArenaInput} it makes up every tick and moved by
 * the same `moveShip` as the players, so a bot is indistinguishable from a player on the wire.
 * A bot wanders between random points; when it fights, it picks the nearest ship in sight now and
 * then, circles it at a preferred range and shoots when it is close enough.
 */
import type { ArenaInput } from '../game/schema.ts';

/** How far a bot sees another ship, world units. */
export const BOT_SIGHT = 700;
/** Distance a fighting bot keeps from its target, world units. */
export const BOT_PREFERRED_RANGE = 260;
/** A bot fires when its target is closer than this, world units. */
export const BOT_FIRE_RANGE = 600;
/** Ticks between two target searches of one bot (searches are spread over the ticks). */
export const BOT_RETARGET_TICKS = 20;
/** Largest aiming error of a bot, radians (so bots miss now and then). */
export const BOT_AIM_ERROR_RAD = 0.15;
/** Wander points keep this far from the walls, world units. */
const WANDER_MARGIN = 120;
/** A wander point this close counts as reached, world units. */
const WANDER_REACHED = 80;
/** A direction component above this presses the key (8-way steering from a vector). */
const PRESS = 0.38;

/** A ship as a bot sees it. */
export interface BotView {
  readonly id: number;
  readonly x: number;
  readonly y: number;
}

/** One bot's memory. Owned by the room that spawned the bot; lives as long as the bot. */
export class BotBrain {
  private wanderX: number;
  private wanderY: number;
  private targetId = -1;
  private aimError = 0;
  private strafe = 1;
  private readonly input: { -readonly [K in keyof ArenaInput]: ArenaInput[K] } = {
    up: false,
    down: false,
    left: false,
    right: false,
    fire: false,
    aim: 0,
  };

  /**
   * @param phase spreads target searches over the ticks (any integer, e.g. the bot's index).
   * @param fights whether the bot looks for targets and shoots; a wandering-only bot costs O(1) per tick.
   * @param worldSize side of the world it wanders in, world units.
   */
  constructor(
    private readonly random: () => number,
    private readonly phase: number,
    private readonly fights: boolean,
    private readonly worldSize: number,
  ) {
    this.wanderX = this.randomCoord();
    this.wanderY = this.randomCoord();
  }

  /**
   * Makes up this tick's input for the bot at `self`. `ships` lists every ship (the bot's own
   * included) and is only read on the ticks this bot searches for a target; `find` looks a ship up
   * by id. The returned object is reused by the next call.
   */
  think(
    tick: number,
    self: BotView,
    ships: () => Iterable<BotView>,
    find: (id: number) => BotView | undefined,
  ): Readonly<ArenaInput> {
    const input = this.input;
    let target = this.fights && this.targetId >= 0 ? find(this.targetId) : undefined;
    if (this.fights && (tick + this.phase) % BOT_RETARGET_TICKS === 0) {
      target = this.nearest(self, ships());
      this.targetId = target?.id ?? -1;
      this.aimError = (this.random() * 2 - 1) * BOT_AIM_ERROR_RAD;
      if (this.random() < 0.3) this.strafe = -this.strafe;
    }
    let dx: number;
    let dy: number;
    input.fire = false;
    if (target !== undefined && distance(self, target) <= BOT_SIGHT * 1.2) {
      const tx = target.x - self.x;
      const ty = target.y - self.y;
      const dist = Math.hypot(tx, ty) || 1;
      const ux = tx / dist;
      const uy = ty / dist;
      const approach = dist > BOT_PREFERRED_RANGE + 60 ? 1 : dist < BOT_PREFERRED_RANGE - 60 ? -1 : 0;
      dx = ux * approach - uy * this.strafe * 0.8;
      dy = uy * approach + ux * this.strafe * 0.8;
      input.aim = normalizeAngle(Math.atan2(ty, tx) + this.aimError);
      input.fire = dist <= BOT_FIRE_RANGE;
    } else {
      this.targetId = -1;
      dx = this.wanderX - self.x;
      dy = this.wanderY - self.y;
      if (Math.hypot(dx, dy) < WANDER_REACHED) {
        this.wanderX = this.randomCoord();
        this.wanderY = this.randomCoord();
      }
      input.aim = normalizeAngle(Math.atan2(dy, dx));
    }
    const len = Math.hypot(dx, dy) || 1;
    input.right = dx / len > PRESS;
    input.left = dx / len < -PRESS;
    input.down = dy / len > PRESS;
    input.up = dy / len < -PRESS;
    return input;
  }

  private nearest(self: BotView, ships: Iterable<BotView>): BotView | undefined {
    let best: BotView | undefined;
    let bestDist = BOT_SIGHT;
    for (const ship of ships) {
      if (ship.id === self.id) continue;
      const d = distance(self, ship);
      if (d < bestDist) {
        bestDist = d;
        best = ship;
      }
    }
    return best;
  }

  private randomCoord(): number {
    return WANDER_MARGIN + this.random() * (this.worldSize - 2 * WANDER_MARGIN);
  }
}

function distance(a: BotView, b: BotView): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** `rad` folded into [0, 2π). */
export function normalizeAngle(rad: number): number {
  const turn = Math.PI * 2;
  const r = rad % turn;
  return r < 0 ? r + turn : r;
}
