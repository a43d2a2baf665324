/**
 * Spectator part of `npm run bench -- record`: does a live audience through HTTP fragments cost the game
 * server anything? Three kinds of processes, all on 127.0.0.1 and all started and stopped (by PID) here:
 *
 *   fragmentGame.ts     arena E = 100, 60 Hz, 100 players, FragmentPublisher → a scratch folder
 *   fragmentStatic.ts   a static HTTP server of that folder (as a CDN or nginx would be)
 *   fragmentViewers.ts  the viewers, split over processes: light ones following FragmentSource's
 *                       protocol, and a few real FragmentSource + ReplayPlayer decoding every fragment
 *
 * After a block's length of warm-up, blocks with the viewers paused and with them polling alternate (the
 * order swapped every other pair); in each, after a second to settle, the game process's CPU time is
 * sampled over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GameSample } from './fragmentGame.ts';

/** Options of {@link viewersBench}. */
export interface ViewersOptions {
  /** Viewers in all (light and real). */
  readonly viewers: number;
  /** Of which real FragmentSource + ReplayPlayer viewers. */
  readonly real: number;
  /** Viewer processes. */
  readonly processes: number;
  /** Length of a measured block, s. */
  readonly blockSeconds: number;
  /** Pairs of blocks (one without viewers, one with). */
  readonly pairs: number;
}

/** One measured block. */
export interface ViewerBlock {
  /** Viewers polling during the block (0: paused). */
  readonly viewers: number;
  /** The block's measured length, s (after its second to settle). */
  readonly seconds: number;
  /** Ticks the game ran in it. */
  readonly ticks: number;
  /** The game process's CPU per second of the block, ms. */
  readonly gameCpuMsPerS: number;
  /** The game process's main thread's CPU per tick, ms (Linux; NaN elsewhere). */
  readonly mainCpuMsPerTick: number;
  /** Viewer requests answered per second. */
  readonly requestsPerS: number;
}

/** What the viewers and the static server did over the whole run. */
export interface ViewerTotals {
  /** HTTP requests the viewers made. */
  readonly requests: number;
  /** Fragments they got (200). */
  readonly fragments: number;
  /** Polls answered 404 (the next fragment not published yet). */
  readonly notYet: number;
  /** Body bytes they got. */
  readonly bytes: number;
  /** Requests that failed (network error or another status). */
  readonly errors: number;
  /** Ticks the real FragmentSource players played, summed. */
  readonly playedTicks: number;
  /** The real players' playback failures (the first few per process). */
  readonly failures: string[];
  /** CPU time of the viewer processes, ms. */
  readonly viewerCpuMs: number;
  /** CPU time of the static server process, ms. */
  readonly staticCpuMs: number;
  /** Fragments the game server published. */
  readonly published: number;
}

/** Viewer stats as fragmentViewers.ts answers them. */
interface ViewerStats {
  requests: number;
  fragments: number;
  notYet: number;
  bytes: number;
  errors: number;
  playedTicks: number;
  failures: string[];
  cpuMs: number;
}

function start(file: string, args: string[]): ChildProcess {
  return fork(new URL(file, import.meta.url).pathname, args, {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Sends `msg` (if any) and resolves with the child's next message. */
function ask<T>(child: ChildProcess, msg?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench child ${child.pid} exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
    if (msg !== undefined) child.send(msg);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the spectator bench; every process it started is stopped by PID before it returns. */
export async function viewersBench(o: ViewersOptions): Promise<{ blocks: ViewerBlock[]; totals: ViewerTotals }> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-fragments-'));
  const children: ChildProcess[] = [];
  const limitMs = ((o.pairs * 2 + 1) * (o.blockSeconds + 2) + 120) * 1000;
  const watchdog = setTimeout(() => {
    console.error(`spectator bench: over ${limitMs / 1000} s, stopping its processes`);
    for (const c of children) c.kill('SIGKILL');
  }, limitMs);
  try {
    const game = start('./fragmentGame.ts', [dir]);
    children.push(game);
    await ask(game);
    for (let s = await ask<GameSample>(game, { cmd: 'cpu' }); s.published < 1; s = await ask(game, { cmd: 'cpu' }))
      await sleep(200);
    const server = start('./fragmentStatic.ts', [dir]);
    children.push(server);
    const { port } = await ask<{ port: number }>(server);
    const viewers: ChildProcess[] = [];
    for (let p = 0; p < o.processes; p++) {
      const lightAll = o.viewers - o.real;
      const light = Math.floor(lightAll / o.processes) + (p < lightAll % o.processes ? 1 : 0);
      const child = start('./fragmentViewers.ts', [
        `http://127.0.0.1:${port}/`,
        String(light),
        p === 0 ? String(o.real) : '0',
      ]);
      children.push(child);
      viewers.push(child);
      await ask(child);
    }
    const requests = async () => {
      let n = 0;
      for (const v of viewers) n += (await ask<ViewerStats>(v, { cmd: 'stats' })).requests;
      return n;
    };
    // A block's length of warm-up (viewers paused) for the game process's JIT before the measured pairs.
    await sleep(o.blockSeconds * 1000);
    const blocks: ViewerBlock[] = [];
    for (let pair = 0; pair < o.pairs; pair++) {
      for (const on of pair % 2 === 0 ? [false, true] : [true, false]) {
        for (const v of viewers) v.send({ cmd: 'run', on });
        await sleep(1000);
        const [a, ra, t0] = [await ask<GameSample>(game, { cmd: 'cpu' }), await requests(), performance.now()];
        await sleep(o.blockSeconds * 1000);
        const [b, rb, t1] = [await ask<GameSample>(game, { cmd: 'cpu' }), await requests(), performance.now()];
        const seconds = (t1 - t0) / 1000;
        blocks.push({
          viewers: on ? o.viewers : 0,
          seconds,
          ticks: b.tick - a.tick,
          gameCpuMsPerS: (b.cpuMs - a.cpuMs) / seconds,
          mainCpuMsPerTick: (b.mainCpuMs - a.mainCpuMs) / (b.tick - a.tick),
          requestsPerS: (rb - ra) / seconds,
        });
      }
    }
    for (const v of viewers) v.send({ cmd: 'run', on: false });
    const all = await Promise.all(viewers.map((v) => ask<ViewerStats>(v, { cmd: 'stats' })));
    const sum = (k: 'requests' | 'fragments' | 'notYet' | 'bytes' | 'errors' | 'playedTicks' | 'cpuMs') =>
      all.reduce((n, s) => n + s[k], 0);
    const staticStats = await ask<{ cpuMs: number }>(server, { cmd: 'stats' });
    const last = await ask<GameSample>(game, { cmd: 'cpu' });
    const totals: ViewerTotals = {
      requests: sum('requests'),
      fragments: sum('fragments'),
      notYet: sum('notYet'),
      bytes: sum('bytes'),
      errors: sum('errors'),
      playedTicks: sum('playedTicks'),
      failures: all.flatMap((s) => s.failures),
      viewerCpuMs: sum('cpuMs'),
      staticCpuMs: staticStats.cpuMs,
      published: last.published,
    };
    return { blocks, totals };
  } finally {
    clearTimeout(watchdog);
    for (const c of children) if (c.exitCode === null) c.send({ cmd: 'stop' });
    await sleep(1000);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
