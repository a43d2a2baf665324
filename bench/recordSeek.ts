/**
 * Seek part of `npm run bench -- record`: a 30-minute arena recording (108,000 ticks at 60 Hz) is made
 * in memory and written to a scratch file, then each run opens it in a fresh Node process and seeks to
 * 200 random ticks (recordSeekChild.ts), so a run's heap holds what a viewer's would.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { recordArena, TICK_RATE_HZ } from './recordArena.ts';
import type { SeekRun } from './recordSeekLoop.ts';

/** A Node run: the seeks and the CPU time of the whole run (open, cold seek and the random seeks). */
export interface NodeSeekRun extends SeekRun {
  /** CPU time of the run's process from the file read on, ms. */
  readonly cpuMs: number;
}

/** The recording the seek parts share: its scratch file, size and how long it took to make. */
export interface SeekFixture {
  /** The scratch file (deleted with its folder by the caller). */
  readonly path: string;
  /** The recording. */
  readonly bytes: Uint8Array;
  /** Time taken to make it, ms. */
  readonly makeMs: number;
}

/** Records `minutes` of the arena into `dir`/seek.twr. */
export async function makeSeekFixture(dir: string, minutes: number): Promise<SeekFixture> {
  const t0 = performance.now();
  const bytes = await recordArena(Math.round(minutes * 60 * TICK_RATE_HZ));
  const makeMs = performance.now() - t0;
  const path = join(dir, 'seek.twr');
  writeFileSync(path, bytes);
  return { path, bytes, makeMs };
}

/** Runs `runs` Node processes of `count` seeks each (seeds 1…runs), one after the other. */
export async function nodeSeekRuns(fixture: SeekFixture, runs: number, count: number): Promise<NodeSeekRun[]> {
  const child = new URL('./recordSeekChild.ts', import.meta.url).pathname;
  const out: NodeSeekRun[] = [];
  for (let seed = 1; seed <= runs; seed++) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...process.execArgv, child, fixture.path, String(count), String(seed)],
      { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
    );
    out.push(JSON.parse(stdout) as NodeSeekRun);
  }
  return out;
}
