/**
 * The seek measurement of `npm run bench -- record`, the same in Node and in the browser page: opens a
 * recording, seeks once to its middle (cold: the first seek also compiles the decoder), then to
 * `count` seeded random ticks, timing each `seek` and the `frame` that draws it. Imports only the
 * public entry points and the arena's schema, so the page bundles it as it is.
 */
import { ReplayPlayer } from '../client/index.ts';
import { RecordingFile, seededRandom } from '../shared/index.ts';
import { arenaSchema } from './scenarios/arena.ts';

/** What one run of seeks measured; times in ms. */
export interface SeekRun {
  /** Ticks in the recording. */
  readonly ticks: number;
  /** RecordingFile.open and the player's construction. */
  readonly openMs: number;
  /** The first seek (to the middle), cold. */
  readonly coldMs: number;
  /** Each random seek, in order. */
  readonly times: number[];
}

/**
 * Seeks `count` times in the recording `bytes` with seed `seed`; `now` is the clock (performance.now),
 * `pause` runs between seeks (a turn of the event loop, as between a user's inputs).
 */
export async function runSeeks(
  bytes: Uint8Array,
  count: number,
  seed: number,
  now: () => number,
  pause: () => Promise<void>,
): Promise<SeekRun> {
  const t0 = now();
  const file = RecordingFile.open(bytes);
  if (!file.ok) throw new Error(file.reason);
  const player = new ReplayPlayer(arenaSchema, file.value);
  const first = player.firstTick;
  const last = file.value.lastTick;
  const openMs = now() - t0;
  const seekTo = (tick: number): number => {
    const s0 = now();
    const r = player.seek(tick);
    player.frame(s0);
    if (!r.ok) throw new Error(`seek to ${tick}: ${r.reason}`);
    return now() - s0;
  };
  const coldMs = seekTo(Math.floor((first + last) / 2));
  const rand = seededRandom(seed);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await pause();
    times.push(seekTo(first + Math.floor(rand() * (last - first + 1))));
  }
  return { ticks: last - first + 1, openMs, coldMs, times };
}
