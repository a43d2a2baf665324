/**
 * Bots joining through matchmaking: with `--url http(s)://host:port/matchmake --join TYPE`, each bot
 * asks the matchmaker (any process of the server or cluster) for a seat in a room of TYPE, and connects
 * to the process and room it names, as a real client with the `matchmake` option does.
 */
import { Matchmaker } from '../client/index.ts';

/** True when `url` is a matchmaking endpoint (http or https) rather than a WebSocket URL. */
export function isMatchmakeUrl(url: string): boolean {
  return /^https?:\/\//.test(url);
}

/** Where one bot connects: the owning process's WebSocket URL (seat included) and the room id. */
export interface Seat {
  readonly url: string;
  readonly room: string;
}

/** Asks the matchmaker at `url` for a seat in a room of `type`; rejects with the matchmaker's reason. */
export async function takeSeat(url: string, type: string): Promise<Seat> {
  const target = await new Matchmaker({ url, type }).target(false);
  return { url: target.url, room: target.room ?? type };
}
