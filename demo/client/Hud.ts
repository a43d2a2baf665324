/** The page's HTML overlays: the score board and the connection status line. */
import type { ArenaEntity } from './arenaViews.ts';

/** Rows shown on the score board. */
const SCORE_ROWS = 8;
/** Time between two score board refreshes, ms (sorting every frame would be waste). */
const SCORES_INTERVAL_MS = 250;

/** The HTML overlays of one page. Owns nothing but the elements' contents. */
export class Hud {
  private readonly list: HTMLOListElement;
  private lastScoresMs = -Infinity;
  private readonly ships: Extract<ArenaEntity, { kind: 'ship' }>[] = [];

  constructor(
    scores: HTMLElement,
    private readonly status: HTMLElement,
  ) {
    const list = scores.querySelector('ol');
    if (list === null) throw new Error('Hud: the #scores element needs an <ol> for the rows');
    this.list = list;
  }

  /** Shows `text` in the status line. */
  setStatus(text: string): void {
    if (this.status.textContent !== text) this.status.textContent = text;
  }

  /** Refreshes the score board (at most every {@link SCORES_INTERVAL_MS}) from the drawn ships. */
  updateScores(nowMs: number, entities: ReadonlyMap<number, ArenaEntity>, localId: number): void {
    if (nowMs - this.lastScoresMs < SCORES_INTERVAL_MS) return;
    this.lastScoresMs = nowMs;
    const ships = this.ships;
    ships.length = 0;
    for (const e of entities.values()) if (e.kind === 'ship') ships.push(e);
    ships.sort((a, b) => b.state.score - a.state.score || a.id - b.id);
    const rows: HTMLLIElement[] = [];
    for (let i = 0; i < ships.length && i < SCORE_ROWS; i++) rows.push(this.row(ships[i]!, i + 1, localId));
    const mine = ships.findIndex((s) => s.id === localId);
    if (mine >= SCORE_ROWS) rows.push(this.row(ships[mine]!, mine + 1, localId));
    this.list.replaceChildren(...rows);
  }

  private row(ship: Extract<ArenaEntity, { kind: 'ship' }>, rank: number, localId: number): HTMLLIElement {
    const li = document.createElement('li');
    li.value = rank;
    // Names come from other players: text only, never markup.
    li.textContent = `${ship.state.name}${ship.state.bot ? ' (bot)' : ''} — ${ship.state.score}`;
    if (ship.id === localId) li.className = 'me';
    return li;
  }
}
