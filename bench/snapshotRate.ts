/**
 * Snapshot-rate benchmark: `npm run bench -- snaprate [--rates 60,30,20] [--seconds N] [--warmup N]
 * [--clients N] [--out FILE.json]`.
 *
 * Real sockets, real time: per snapshot rate, a 60 Hz Server (the auto transport) on 127.0.0.1 runs a
 * room of bots moving every tick, and `--clients` real TickwaveClients (tickwave/client/node's ws socket)
 * join it, each driven like a game at 60 frames per second: an input per tick (`update`), a frame
 * (`frame`). After the warm-up it records, per frame and client, the interpolation delay in effect
 * (`stats.interpDelayMs`: how far render time runs behind an on-time link), and at the end the buffer
 * underruns, the snapshots received per second and the prediction corrections. A clean link (loopback),
 * shared with the machine's other work: the figures move with its load.
 */
import { parseArgs } from 'node:util';
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/index.ts';
import { defineRoom, Server } from '../server/index.ts';
import { defineSchema, type InputOf, t } from '../shared/index.ts';
import { defaultResultPath, formatTable, machineInfo, mean, percentile, round, writeJson } from './report.ts';
import type { MachineInfo, TableColumn } from './report.ts';

const TICK_RATE_HZ = 60;
const FRAME_MS = 1000 / 60;
const BOTS = 20;
const SPEED = 120;

const schema = defineSchema({
  entities: { ship: { x: t.float({ min: 0, max: 1000, step: 0.01 }), y: t.float({ min: 0, max: 1000, step: 0.01 }) } },
  input: { dx: t.float({ min: -1, max: 1, step: 1 / 128 }) },
});

/** The shared step: the server applies it in onInput, the client predicts with it. */
function move(ship: { x: number }, input: InputOf<typeof schema>, dtSec: number): void {
  ship.x = Math.min(1000, Math.max(0, ship.x + input.dx * SPEED * dtSec));
}

const room = defineRoom(schema, {
  maxClients: 256,
  onCreate(r) {
    for (let i = 0; i < BOTS; i++) r.spawn('ship', { x: 10, y: 20 + i * 40 });
  },
  onJoin(r, client) {
    client.entityId = r.spawn('ship', { x: 500, y: 500 }).id;
  },
  onInput(r, client, input, dtSec) {
    const ship = r.get(client.entityId, 'ship');
    if (ship !== undefined) move(ship, input, dtSec);
  },
  step(r, dtSec) {
    for (const ship of r.entitiesOf('ship')) if (ship.id <= BOTS) ship.x = (ship.x + SPEED * dtSec) % 1000;
  },
  onLeave(r, client) {
    r.despawn(client.entityId);
  },
});

/** Figures of one snapshot rate, over every client's frames after the warm-up. */
export interface SnapshotRateResult {
  readonly snapshotRateHz: number;
  readonly clients: number;
  /** Interpolation delay in effect, ms. */
  readonly interpDelayMeanMs: number;
  readonly interpDelayP95Ms: number;
  readonly interpDelayMaxMs: number;
  /** Snapshots received per client per second (the clients' own window). */
  readonly snapshotsPerSec: number;
  /** Times render time ran past the newest snapshot after the warm-up, all clients. */
  readonly underruns: number;
  /** p95 lateness of snapshot arrivals (the clients' jitter), ms. */
  readonly jitterMs: number;
  /** Prediction corrections after the warm-up, all clients. */
  readonly corrections: number;
}

/** Runs one snapshot rate: a server, the clients' game loops, the figures. */
async function runRate(snapshotRateHz: number, clients: number, seconds: number, warmup: number) {
  const server = new Server({ tickRateHz: TICK_RATE_HZ, snapshotRateHz, logger: { warn() {}, error() {} } });
  server.define('snap', room);
  const { port } = await server.listen(0, '127.0.0.1');
  const socketFactory = wsSocketFactory();
  const players = Array.from({ length: clients }, () => {
    const c = new TickwaveClient(schema, {
      url: `ws://127.0.0.1:${port}/`,
      socketFactory,
      prediction: { apply: move },
    });
    c.connect();
    return c;
  });
  const delays: number[] = [];
  /** Each client's underruns and corrections when the warm-up ended. */
  const atWarmup = new Map<TickwaveClient<typeof schema>, { underruns: number; corrections: number }>();
  const started = performance.now();
  let phase = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const now = performance.now();
      phase = (phase + 1) % 240;
      const dx = phase < 120 ? 1 : -1;
      for (const c of players) {
        c.update(now, () => ({ dx }));
        c.frame(now);
        if (now - started <= warmup * 1000 || c.state !== 'joined') continue;
        if (!atWarmup.has(c)) atWarmup.set(c, { underruns: c.stats.bufferUnderruns, corrections: c.stats.corrections });
        delays.push(c.stats.interpDelayMs);
      }
      if (now - started > (warmup + seconds) * 1000) {
        clearInterval(timer);
        done();
      }
    }, FRAME_MS);
  });
  const result: SnapshotRateResult = {
    snapshotRateHz,
    clients,
    interpDelayMeanMs: round(mean(delays), 1),
    interpDelayP95Ms: round(percentile(delays, 95), 1),
    interpDelayMaxMs: round(Math.max(...delays), 1),
    snapshotsPerSec: round(mean(players.map((c) => c.stats.snapshotRateHz)), 1),
    underruns: players.reduce((n, c) => n + c.stats.bufferUnderruns - (atWarmup.get(c)?.underruns ?? 0), 0),
    jitterMs: round(mean(players.map((c) => c.stats.jitterMs)), 1),
    corrections: players.reduce((n, c) => n + c.stats.corrections - (atWarmup.get(c)?.corrections ?? 0), 0),
  };
  for (const c of players) c.close();
  await server.close();
  return result;
}

const COLUMNS: readonly TableColumn<SnapshotRateResult>[] = [
  { heading: 'snapshot Hz', cell: (r) => r.snapshotRateHz },
  { heading: 'clients', cell: (r) => r.clients },
  { heading: 'interp delay mean ms', cell: (r) => r.interpDelayMeanMs },
  { heading: 'p95 ms', cell: (r) => r.interpDelayP95Ms },
  { heading: 'max ms', cell: (r) => r.interpDelayMaxMs },
  { heading: 'snapshots/s', cell: (r) => r.snapshotsPerSec },
  { heading: 'jitter ms', cell: (r) => r.jitterMs },
  { heading: 'underruns', cell: (r) => r.underruns },
  { heading: 'corrections', cell: (r) => r.corrections },
];

/** The JSON the benchmark writes. */
export interface SnapshotRateReport {
  readonly benchmark: 'snaprate';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly tickRateHz: number;
  readonly seconds: number;
  readonly results: readonly SnapshotRateResult[];
}

/** The `snaprate` command. */
export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      rates: { type: 'string', default: '60,30,20' },
      seconds: { type: 'string', default: '6' },
      warmup: { type: 'string', default: '3' },
      clients: { type: 'string', default: '4' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'Usage: npm run bench -- snaprate [--rates 60,30,20] [--seconds N] [--warmup N] [--clients N] [--out F]',
    );
    return;
  }
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const clients = Number(values.clients);
  if (!(seconds > 0 && warmup >= 0 && Number.isInteger(clients) && clients >= 1))
    throw new RangeError('snaprate: --seconds > 0, --warmup ≥ 0, --clients ≥ 1');
  const results: SnapshotRateResult[] = [];
  for (const hz of rates) {
    results.push(await runRate(hz, clients, seconds, warmup));
    console.error(`snaprate: ${hz} Hz done`);
  }
  console.log(formatTable(COLUMNS, results));
  const report: SnapshotRateReport = {
    benchmark: 'snaprate',
    date: new Date().toISOString(),
    machine: machineInfo(),
    tickRateHz: TICK_RATE_HZ,
    seconds,
    results,
  };
  console.log(`\nwritten to ${writeJson(values.out ?? defaultResultPath('snaprate'), report)}`);
}
