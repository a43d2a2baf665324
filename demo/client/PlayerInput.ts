/**
 * The player's keyboard and mouse, sampled once per tick: WASD or the arrow keys steer, the mouse
 * aims (relative to the local ship on screen), the left button or Space fires while held.
 */
import type { ArenaInput } from '../game/schema.ts';

const KEYS: Readonly<Record<string, 'up' | 'down' | 'left' | 'right' | 'fire'>> = {
  KeyW: 'up',
  ArrowUp: 'up',
  KeyS: 'down',
  ArrowDown: 'down',
  KeyA: 'left',
  ArrowLeft: 'left',
  KeyD: 'right',
  ArrowRight: 'right',
  Space: 'fire',
};

/** Tracks held keys and the pointer over `target`. Owns its listeners until {@link dispose}. */
export class PlayerInput {
  private readonly held = { up: false, down: false, left: false, right: false, fire: false };
  private pointerDown = false;
  private pointerX = NaN;
  private pointerY = NaN;
  private aim = 0;
  private readonly input: { -readonly [K in keyof ArenaInput]: ArenaInput[K] } = {
    up: false,
    down: false,
    left: false,
    right: false,
    fire: false,
    aim: 0,
  };
  private readonly listeners: [EventTarget, string, (event: Event) => void][] = [];

  /** @param target the element the pointer is tracked over (the game's canvas). */
  constructor(target: HTMLElement) {
    const key = (pressed: boolean) => (event: Event) => {
      const e = event as KeyboardEvent;
      const action = KEYS[e.code];
      if (action === undefined || e.ctrlKey || e.metaKey || e.altKey) return;
      this.held[action] = pressed;
      e.preventDefault();
    };
    const pointer = (event: Event) => {
      const e = event as PointerEvent;
      const rect = target.getBoundingClientRect();
      this.pointerX = e.clientX - rect.left;
      this.pointerY = e.clientY - rect.top;
    };
    this.listen(window, 'keydown', key(true));
    this.listen(window, 'keyup', key(false));
    this.listen(window, 'blur', () => this.releaseAll());
    this.listen(target, 'pointermove', pointer);
    this.listen(target, 'pointerdown', (event) => {
      pointer(event);
      if ((event as PointerEvent).button === 0) this.pointerDown = true;
    });
    this.listen(window, 'pointerup', (event) => {
      if ((event as PointerEvent).button === 0) this.pointerDown = false;
    });
    this.listen(target, 'contextmenu', (event) => event.preventDefault());
  }

  /**
   * This tick's input, aiming from the ship's screen position (`shipX`, `shipY`, px) at the pointer.
   * Before the pointer has moved the aim stays at its last value. The returned object is reused.
   */
  sample(shipX: number, shipY: number): Readonly<ArenaInput> {
    if (!Number.isNaN(this.pointerX)) {
      const dx = this.pointerX - shipX;
      const dy = this.pointerY - shipY;
      if (dx !== 0 || dy !== 0) this.aim = Math.atan2(dy, dx);
    }
    const input = this.input;
    input.up = this.held.up;
    input.down = this.held.down;
    input.left = this.held.left;
    input.right = this.held.right;
    input.fire = this.held.fire || this.pointerDown;
    input.aim = this.aim;
    return input;
  }

  /** Removes every listener. */
  dispose(): void {
    for (const [target, type, fn] of this.listeners) target.removeEventListener(type, fn);
    this.listeners.length = 0;
  }

  private releaseAll(): void {
    this.held.up = this.held.down = this.held.left = this.held.right = this.held.fire = false;
    this.pointerDown = false;
  }

  private listen(target: EventTarget, type: string, fn: (event: Event) => void): void {
    target.addEventListener(type, fn);
    this.listeners.push([target, type, fn]);
  }
}
