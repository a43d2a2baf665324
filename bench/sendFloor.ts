/**
 * The machine's floor under any engine's per-client send cost: `npm run bench -- sendfloor
 * [--clients N] [--bytes B] [--rates 60,30] [--spread] [--seconds S] [--out FILE.json]`.
 *
 * No WebSocket, no engine: a plain `node:net` server on 127.0.0.1 writes one `--bytes` buffer (default
 * the arena's mean snapshot frame) to each of `--clients` TCP connections per tick, at each rate in
 * `--rates`, and measures its own CPU time per write (process.cpuUsage: user + system) over `--seconds`
 * after a warm-up. The connections are read (and dropped) by a child process, as the load CLI's bots
 * do. On loopback the writer's system time includes the reader's TCP receive work and its wake-ups
 * (the kernel runs them in the writer's send call), which a server on a real network does not pay.
 * The load CLI's "CPU µs/client/snap" of a Tickwave server (one WebSocket frame per client per
 * snapshot, each one write) cannot go below this floor; the difference is what the engine adds.
 * `--spread` also writes each rate that divides the first spread over the first rate's ticks (socket i
 * on the ticks where i ≡ tick mod the interval), as a room spreads its clients at a lower snapshot rate.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { defaultResultPath, formatTable, machineInfo, round, writeJson } from './report.ts';
import type { MachineInfo, TableColumn } from './report.ts';

const DEFAULT_CLIENTS = 1000;
/** The arena scenario's mean snapshot frame at E=100, about this many bytes (`npm run load` reports it). */
const DEFAULT_BYTES = 170;
const DEFAULT_RATES = [60, 30];
const DEFAULT_SECONDS = 10;
const WARMUP_MS = 3000;
/** Longest wait for the readers to connect, ms. */
const CONNECT_TIMEOUT_MS = 60_000;

/** One rate's figures. */
export interface SendFloorResult {
  /** Writes per client per second asked for, Hz. */
  readonly rateHz: number;
  /** Ticks each client's writes are spread over (1: every client written in the same tick). */
  readonly spreadTicks: number;
  readonly clients: number;
  readonly bytes: number;
  /** Writes per client per second achieved. */
  readonly writesPerClientPerSec: number;
  /** The writer's user CPU per write, µs. */
  readonly userUs: number;
  /** The writer's system CPU per write, µs. */
  readonly systemUs: number;
  /** User + system per write, µs. */
  readonly totalUs: number;
  /** CPU per client per second, µs. */
  readonly cpuUsPerClientPerSec: number;
}

/** What the bench writes as JSON. */
export interface SendFloorReport {
  readonly benchmark: 'sendfloor';
  readonly date: string;
  readonly machine: MachineInfo;
  readonly results: readonly SendFloorResult[];
}

const COLUMNS: readonly TableColumn<SendFloorResult>[] = [
  { heading: 'rate Hz', cell: (r) => r.rateHz },
  { heading: 'spread over', cell: (r) => `${r.spreadTicks} tick${r.spreadTicks === 1 ? '' : 's'}` },
  { heading: 'clients', cell: (r) => r.clients },
  { heading: 'bytes', cell: (r) => r.bytes },
  { heading: 'writes/client/s', cell: (r) => r.writesPerClientPerSec },
  { heading: 'user µs/write', cell: (r) => r.userUs },
  { heading: 'system µs/write', cell: (r) => r.systemUs },
  { heading: 'CPU µs/write', cell: (r) => r.totalUs },
  { heading: 'CPU µs/client/s', cell: (r) => r.cpuUsPerClientPerSec },
];

/** One case: writes per client per second, spread over `spreadTicks` ticks of rateHz × spreadTicks Hz. */
interface Rate {
  readonly rateHz: number;
  readonly spreadTicks: number;
}

/** Starts the readers' process against `port`; resolves once all `count` connections are open. */
function startReaders(port: number, count: number): Promise<ChildProcess> {
  const script = new URL('./sendFloorReaders.ts', import.meta.url).pathname;
  const child = fork(script, [String(port), String(count)], { execArgv: process.execArgv, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sendfloor: ${count} readers not connected in time`)),
      CONNECT_TIMEOUT_MS,
    );
    child.once('message', () => {
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`sendfloor: the readers' process exited (${code})`)));
  });
}

/** Writes to every socket at `rateHz` for the warm-up and `seconds`; returns the measured figures. */
function measure(sockets: readonly Socket[], bytes: number, rate: Rate, seconds: number): Promise<SendFloorResult> {
  const { rateHz, spreadTicks } = rate;
  const payload = Buffer.alloc(bytes, 0x5a);
  const dtMs = 1000 / (rateHz * spreadTicks);
  const t0 = performance.now();
  let tick = 0;
  let writes = 0;
  let measuring = false;
  let cpu0 = process.cpuUsage();
  let wall0 = 0;
  return new Promise((resolve) => {
    const loop = (): void => {
      const now = performance.now();
      while (t0 + tick * dtMs <= now) {
        // Spread: socket i is written on the ticks where i ≡ tick (mod spreadTicks), as a room spreads its clients.
        const phase = tick % spreadTicks;
        for (let i = phase; i < sockets.length; i += spreadTicks) sockets[i]!.write(payload);
        if (measuring) writes += Math.ceil((sockets.length - phase) / spreadTicks);
        tick++;
      }
      if (measuring && now - wall0 >= seconds * 1000) {
        const cpu = process.cpuUsage(cpu0);
        const secs = (now - wall0) / 1000;
        const n = Math.max(1, writes);
        resolve({
          rateHz,
          spreadTicks,
          clients: sockets.length,
          bytes,
          writesPerClientPerSec: round(writes / secs / sockets.length, 1),
          userUs: round(cpu.user / n, 2),
          systemUs: round(cpu.system / n, 2),
          totalUs: round((cpu.user + cpu.system) / n, 2),
          cpuUsPerClientPerSec: round((cpu.user + cpu.system) / secs / sockets.length, 1),
        });
        return;
      }
      if (!measuring && now - t0 >= WARMUP_MS) {
        measuring = true;
        cpu0 = process.cpuUsage();
        wall0 = now;
      }
      setTimeout(loop, Math.max(0, t0 + tick * dtMs - performance.now()));
    };
    loop();
  });
}

/** Listens on 127.0.0.1 (a free port) and collects the connections it accepts. */
function listen(sockets: Socket[]): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => {});
    sockets.push(s);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    });
  });
}

/** Runs one rate with its own server and readers, and stops both. */
async function runRate(clients: number, bytes: number, rate: Rate, seconds: number): Promise<SendFloorResult> {
  const sockets: Socket[] = [];
  const { server, port } = await listen(sockets);
  const readers = await startReaders(port, clients);
  try {
    return await measure(sockets, bytes, rate, seconds);
  } finally {
    readers.removeAllListeners('exit');
    readers.kill();
    for (const s of sockets) s.destroy();
    server.close();
  }
}

/** "30 Hz", or "30 Hz spread over 2 ticks". */
function label(rate: Rate): string {
  return rate.spreadTicks === 1 ? `${rate.rateHz} Hz` : `${rate.rateHz} Hz spread over ${rate.spreadTicks} ticks`;
}

/** Entry point for `npm run bench -- sendfloor`. */
export async function main(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      clients: { type: 'string' },
      bytes: { type: 'string' },
      rates: { type: 'string' },
      spread: { type: 'boolean' },
      seconds: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(
      'Usage: npm run bench -- sendfloor [--clients N] [--bytes B] [--rates 60,30] [--spread] [--seconds S]\n' +
        '                                  [--out FILE.json]\n\n' +
        'The CPU one plain TCP write per client per tick costs this machine (no WebSocket, no engine):\n' +
        'the floor under a server\'s "CPU µs/client/snap" in the load report. --spread adds, for each rate\n' +
        "dividing the first, the same rate spread over the first rate's ticks (as a room sends at 30 Hz of 60).",
    );
    return;
  }
  const clients = Number(values.clients ?? DEFAULT_CLIENTS);
  const bytes = Number(values.bytes ?? DEFAULT_BYTES);
  const seconds = Number(values.seconds ?? DEFAULT_SECONDS);
  const rates = values.rates === undefined ? DEFAULT_RATES : values.rates.split(',').map(Number);
  if (!(Number.isInteger(clients) && clients >= 1 && clients <= 20_000)) throw new RangeError('--clients: 1–20000');
  if (!(Number.isInteger(bytes) && bytes >= 1 && bytes <= 65_536)) throw new RangeError('--bytes: 1–65536');
  if (!(seconds > 0 && seconds <= 600)) throw new RangeError('--seconds: more than 0, at most 600');
  if (!rates.every((r) => Number.isInteger(r) && r >= 1 && r <= 240)) throw new RangeError('--rates: 1–240 Hz each');
  const machine = machineInfo();
  console.log(`send floor: ${clients} TCP connections on 127.0.0.1, ${bytes} B per write, ${seconds} s per rate`);
  console.log(`node ${machine.node}, ${machine.cpu} × ${machine.cores}, ${machine.os}, commit ${machine.commit}\n`);
  const cases: Rate[] = rates.map((rateHz) => ({ rateHz, spreadTicks: 1 }));
  if (values.spread === true) {
    for (const rateHz of rates.slice(1))
      if (rates[0]! % rateHz === 0 && rateHz < rates[0]!) cases.push({ rateHz, spreadTicks: rates[0]! / rateHz });
  }
  const results: SendFloorResult[] = [];
  for (const rate of cases) {
    console.log(`${label(rate)}: connecting, ${WARMUP_MS / 1000} s warm-up, ${seconds} s measured…`);
    results.push(await runRate(clients, bytes, rate, seconds));
  }
  console.log(`\n${formatTable(COLUMNS, results)}\n`);
  const top = results[0]!;
  for (const r of results.slice(1)) {
    const perSecond = round(r.cpuUsPerClientPerSec / top.cpuUsPerClientPerSec, 2);
    const perWrite = round(r.totalUs / top.totalUs, 2);
    console.log(`${label(r)} against ${label(top)}: CPU per client per second ×${perSecond}, per write ×${perWrite}`);
  }
  const report: SendFloorReport = { benchmark: 'sendfloor', date: new Date().toISOString(), machine, results };
  console.log(`wrote ${writeJson(values.out ?? defaultResultPath('sendfloor'), report)}`);
}
