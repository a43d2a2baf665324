/**
 * Viewers of the spectator part of `npm run bench -- record`, in a process of their own (started by
 * recordViewers.ts with an IPC channel): `fragmentViewers.ts <baseUrl> <light> <real>`. Light viewers
 * follow FragmentSource's protocol with plain HTTP requests (start.twr and sync.json once, then every
 * half second the next fragment until a 404) without decoding; real viewers are FragmentSource +
 * ReplayPlayer decoding and playing every fragment, proving the stream valid. Messages: `{ cmd: 'run',
 * on }` starts or pauses every viewer, `{ cmd: 'stats' }` answers with the counts, `{ cmd: 'stop' }` exits.
 */
import { Agent, get } from 'node:http';
import { FragmentSource, ReplayPlayer } from '../client/index.ts';
import { arenaSchema } from './scenarios/arena.ts';

/** How often a viewer polls, ms (what the README tells users of FragmentSource). */
const POLL_MS = 500;
/** How often a real viewer draws a frame, ms. */
const FRAME_MS = 100;

const [baseUrl, lightArg, realArg] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const stats = { requests: 0, fragments: 0, notYet: 0, bytes: 0, errors: 0, playedTicks: 0, failures: [] as string[] };
let running = false;

/** GETs `url`: its status and body length (the body is read and dropped). */
function fetchLength(url: string): Promise<{ status: number; length: number }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** The `latest` of sync.json. */
async function latest(): Promise<number> {
  const body = await new Promise<string>((resolve, reject) => {
    get(`${baseUrl}sync.json`, { agent }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
      });
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  return (JSON.parse(body) as { latest: number }).latest;
}

/** One light viewer: opens, then polls while running, starting at phase `phase` (0–1) of the poll. */
async function lightViewer(phase: number): Promise<void> {
  const start = await fetchLength(`${baseUrl}start.twr`);
  stats.requests += 2;
  let next = await latest();
  stats.bytes += start.length;
  await new Promise((resolve) => setTimeout(resolve, phase * POLL_MS));
  for (;;) {
    if (running) {
      try {
        for (;;) {
          const r = await fetchLength(`${baseUrl}${next}.twc`);
          stats.requests++;
          if (r.status === 404) {
            stats.notYet++;
            break;
          }
          if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
          stats.fragments++;
          stats.bytes += r.length;
          next++;
        }
      } catch {
        stats.errors++;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** One real viewer: a FragmentSource played by a ReplayPlayer, polled and drawn while running. */
async function realViewer(): Promise<void> {
  const source = await FragmentSource.open(baseUrl!, fetch);
  if (!source.ok) throw new Error(source.reason);
  const player = new ReplayPlayer(arenaSchema, source.value);
  player.onPlaybackError((err) => stats.failures.push(err.message));
  player.play();
  const from = player.firstTick;
  let played = 0;
  const frame = setInterval(() => {
    if (!running) return;
    player.frame(performance.now());
    if (player.tick - from > played) {
      stats.playedTicks += Math.floor(player.tick - from) - played;
      played = Math.floor(player.tick - from);
    }
  }, FRAME_MS);
  frame.unref();
  for (;;) {
    if (running) {
      const r = await source.value.poll();
      if (!r.ok) stats.failures.push(r.reason);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

process.on('message', (msg: { cmd: string; on?: boolean }) => {
  if (msg.cmd === 'run') running = msg.on === true;
  else if (msg.cmd === 'stats') {
    const used = process.cpuUsage();
    process.send!({ ...stats, failures: stats.failures.slice(0, 5), cpuMs: (used.user + used.system) / 1000 });
  } else if (msg.cmd === 'stop') process.exit(0);
});
const light = Number(lightArg);
const viewers = [
  ...Array.from({ length: light }, (_, i) => lightViewer(i / light)),
  ...Array.from({ length: Number(realArg) }, () => realViewer()),
].map((viewer) => viewer.catch((err: unknown) => stats.failures.push(`viewer stopped: ${String(err)}`)));
process.send!({ ready: true });
await Promise.all(viewers);
