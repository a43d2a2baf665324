/**
 * The replay page's controls: play/pause, speed, the timeline, the clock and the camera's target (a
 * ship, or a free camera). Reads and drives a ReplayPlayer; owns nothing but its DOM listeners.
 */
import type { ReplayPlayer } from '../../client/index.ts';
import type { ArenaSchema } from '../game/schema.ts';

function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`replay.html has no #${id}`);
  return el as T;
}

/** Formats a tick count as m:ss.s at `tickRateHz`. */
export function clockText(ticks: number, tickRateHz: number): string {
  const sec = Math.max(0, ticks) / tickRateHz;
  const min = Math.floor(sec / 60);
  return `${min}:${(sec - min * 60).toFixed(1).padStart(4, '0')}`;
}

/** The controls bound to one player; {@link ReplayControls.update} refreshes them every frame. */
export class ReplayControls {
  /** The followed ship's entity id, or -1 for the free camera. */
  followId = -1;
  private readonly play = element<HTMLButtonElement>('play');
  private readonly speed = element<HTMLSelectElement>('speed');
  private readonly timeline = element<HTMLInputElement>('timeline');
  private readonly clock = element<HTMLSpanElement>('clock');
  private readonly follow = element<HTMLSelectElement>('follow');
  private scrubbing = false;
  private shipsShown = '';

  /** Binds the page's controls to `player` for the page's life. */
  constructor(private readonly player: ReplayPlayer<ArenaSchema>) {
    this.play.disabled = false;
    this.timeline.disabled = false;
    this.play.addEventListener('click', () => this.toggle());
    this.speed.addEventListener('change', () => {
      player.speed = Number(this.speed.value);
    });
    this.timeline.addEventListener('input', () => {
      this.scrubbing = true;
      player.seek(Number(this.timeline.value));
    });
    this.timeline.addEventListener('change', () => {
      this.scrubbing = false;
    });
    this.follow.addEventListener('change', () => {
      this.followId = Number(this.follow.value);
    });
    window.addEventListener('keydown', (e) => {
      if (e.code === 'Space' && e.target === document.body) {
        this.toggle();
        e.preventDefault();
      }
    });
  }

  /** Plays or pauses. */
  toggle(): void {
    if (this.player.isPlaying) this.player.pause();
    else {
      if (this.player.tick >= this.player.lastTick && this.player.lastTick > 0) this.player.seek(this.player.firstTick);
      this.player.play();
    }
  }

  /** Refreshes the button, the timeline, the clock and the list of ships to follow. */
  update(tickRateHz: number): void {
    const p = this.player;
    this.play.textContent = p.isPlaying ? 'Pause' : 'Play';
    this.timeline.min = String(p.firstTick);
    this.timeline.max = String(p.lastTick);
    if (!this.scrubbing) this.timeline.value = String(Math.floor(p.tick));
    const at = clockText(p.tick - p.firstTick, tickRateHz);
    this.clock.textContent = `${at} / ${clockText(p.lastTick - p.firstTick, tickRateHz)}`;
    this.listShips();
  }

  /** Keeps the follow list to the ships on screen (rebuilt only when that set changes). */
  private listShips(): void {
    const ships: string[] = [];
    for (const e of this.player.entities.values()) if (e.kind === 'ship') ships.push(`${e.id}\t${e.state.name}`);
    const key = ships.join('\n');
    if (key === this.shipsShown) return;
    this.shipsShown = key;
    const keep = this.followId;
    this.follow.replaceChildren(new Option('free camera (drag, WASD)', '-1'));
    for (const line of ships) {
      const [id, name] = line.split('\t');
      this.follow.append(new Option(`follow ${name}`, id));
    }
    this.follow.value = ships.some((l) => l.startsWith(`${keep}\t`)) ? String(keep) : '-1';
    this.followId = Number(this.follow.value);
  }
}
