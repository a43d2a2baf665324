/**
 * `npm run bench -- matchmake`: joins through matchmaking across a cluster of server processes on a
 * real Redis (redis-server from the PATH, on a free port, stopped at the end). Each join posts
 * `/matchmake` to one of the processes in turn, opens a WebSocket to the owner with the seat, sends
 * Hello and waits for Welcome; clients stay `--hold-ms`, then leave. Reports join latency (post →
 * Welcome) and the matchmake answer alone, seat failures, and how long a `kill -9`-ed process takes to
 * leave the directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { wsSocketFactory } from '../client/node/index.ts';
import { RedisDirectory } from '../server/index.ts';
import { decodeServerMessage, encodeMessage, MsgKind, PROTOCOL_VERSION, SUBPROTOCOL } from '../shared/index.ts';
import { duelSchema } from './matchmakeSchema.ts';
import { RedisServer } from './redisServer.ts';
import { defaultResultPath, machineInfo, percentile, round, writeJson } from './report.ts';

const serverScript = fileURLToPath(new URL('./matchmakeServer.ts', import.meta.url));
const openSocket = wsSocketFactory();
/** Keep-alive HTTP connections for the matchmaking posts (lighter on the benchmark's own CPU than fetch). */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Posts `body` to `port`'s `/matchmake`; resolves with the status and the parsed JSON. */
function post(port: number, body: string): Promise<{ status: number; json: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/matchmake', method: 'POST', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Settings {
  readonly processes: number;
  readonly joins: number;
  readonly rate: number;
  readonly capacity: number;
  readonly holdMs: number;
  readonly out: string | undefined;
}

interface JoinResult {
  readonly ok: boolean;
  readonly joinMs: number;
  readonly matchmakeMs: number;
  readonly failure: string;
}

interface Proc {
  readonly id: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<unknown[]>;
}

function settingsOf(args: readonly string[]): Settings {
  const { values } = parseArgs({
    args: [...args],
    options: {
      processes: { type: 'string', default: '4' },
      joins: { type: 'string', default: '10000' },
      rate: { type: 'string', default: '500' },
      capacity: { type: 'string', default: '8' },
      'hold-ms': { type: 'string', default: '250' },
      out: { type: 'string' },
    },
  });
  const int = (name: string, raw: string, min: number): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new RangeError(`--${name} must be an integer ≥ ${min}; got ${raw}`);
    return v;
  };
  return {
    processes: int('processes', values.processes, 1),
    joins: int('joins', values.joins, 1),
    rate: int('rate', values.rate, 1),
    capacity: int('capacity', values.capacity, 1),
    holdMs: int('hold-ms', values['hold-ms'], 0),
    out: values.out,
  };
}

async function spawnServer(redisUrl: string, id: string, capacity: number): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript, redisUrl, id, String(capacity)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line', { signal: AbortSignal.timeout(30_000) })) as [string];
  const result = JSON.parse(line) as { port?: number; error?: string };
  if (result.port === undefined) throw new Error(`server ${id} failed to start: ${result.error}`);
  return { id, child, port: result.port, exited };
}

/** One join: matchmake on `port`, connect to the owner with the seat, Hello, Welcome; leave after `holdMs`. */
async function join(port: number, holdMs: number): Promise<JoinResult> {
  const started = performance.now();
  let answer: Record<string, string>;
  let status: number;
  try {
    ({ status, json: answer } = await post(port, '{"type":"duel"}'));
  } catch (err) {
    return { ok: false, joinMs: 0, matchmakeMs: 0, failure: `post: ${(err as Error).message}` };
  }
  const matchmakeMs = performance.now() - started;
  if (status !== 200) return { ok: false, joinMs: 0, matchmakeMs, failure: `matchmake ${status} ${answer.error}` };
  const url = `${answer.url}?seat=${encodeURIComponent(answer.seat!)}`;
  const failure = await welcomed(url, answer.roomId!, holdMs);
  return { ok: failure === '', joinMs: performance.now() - started, matchmakeMs, failure };
}

/** Connects to `url`, joins `room`; resolves '' at Welcome (and leaves after `holdMs`), else the failure. */
function welcomed(url: string, room: string, holdMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = openSocket(url, SUBPROTOCOL);
    let joined = false;
    socket.onopen = () => {
      const hello = { kind: MsgKind.Hello, protocolVersion: PROTOCOL_VERSION, schemaHash: duelSchema.hash } as const;
      socket.send(encodeMessage({ ...hello, room, resumeToken: null, options: {} }));
    };
    socket.onmessage = (data) => {
      if (joined) return;
      const msg = decodeServerMessage(data);
      if (!msg.ok || msg.value.kind !== MsgKind.Welcome) return;
      joined = true;
      setTimeout(() => socket.close(1000, 'done'), holdMs);
      resolve('');
    };
    socket.onclose = (code, reason) => {
      if (!joined) resolve(`closed ${code} ${reason}`);
    };
  });
}

/** Runs `joins` joins at `rate` per second spread over `ports`; resolves with every result. */
async function runJoins(s: Settings, ports: readonly number[]): Promise<JoinResult[]> {
  const pending: Promise<JoinResult>[] = [];
  const started = performance.now();
  for (let i = 0; i < s.joins; i++) {
    const due = started + (i * 1000) / s.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(join(ports[i % ports.length]!, s.holdMs));
  }
  return Promise.all(pending);
}

/** CPU time (user + system) process `pid` has used so far, ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms of each of `pids` since `before` was taken (same order). */
function cpuSince(pids: readonly number[], before: readonly number[]): number[] {
  return pids.map((pid, i) => cpuMs(pid) - before[i]!);
}

/** Kills `victim` with SIGKILL; resolves with the ms until the directory lists neither it nor its rooms. */
async function timeToLeave(victim: Proc, directory: RedisDirectory): Promise<number> {
  const killed = performance.now();
  victim.child.kill('SIGKILL');
  for (;;) {
    const rooms = await directory.listRooms();
    if ((await directory.process(victim.id)) === null && !rooms.some((r) => r.processId === victim.id))
      return performance.now() - killed;
    if (performance.now() - killed > 30_000) throw new Error('the killed process is still listed after 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function summary(s: Settings, results: readonly JoinResult[], wallMs: number, leaveMs: number, cpu: CpuFigures) {
  const ok = results.filter((r) => r.ok);
  const failures = new Map<string, number>();
  for (const r of results) if (!r.ok) failures.set(r.failure, (failures.get(r.failure) ?? 0) + 1);
  const joinMs = ok.map((r) => r.joinMs);
  const mmMs = ok.map((r) => r.matchmakeMs);
  return {
    settings: s,
    achievedJoinsPerSec: round((results.length / wallMs) * 1000, 1),
    joined: ok.length,
    seatFailures: results.length - ok.length,
    failures: Object.fromEntries(failures),
    joinMs: { p50: round(percentile(joinMs, 50)), p99: round(percentile(joinMs, 99)), max: round(Math.max(...joinMs)) },
    matchmakeMs: { p50: round(percentile(mmMs, 50)), p99: round(percentile(mmMs, 99)), max: round(Math.max(...mmMs)) },
    killedProcessLeftMs: round(leaveMs),
    cpuMsPerJoin: {
      serverProcesses: cpu.servers.map((ms) => round(ms / results.length, 3)),
      redis: round(cpu.redis / results.length, 3),
      benchmarkClients: round(cpu.bench / results.length, 3),
    },
  };
}

/** CPU ms used during the join run by each server process, redis-server and this benchmark's clients. */
interface CpuFigures {
  readonly servers: readonly number[];
  readonly redis: number;
  readonly bench: number;
}

/** The command: see the module comment. */
export async function main(args: readonly string[]): Promise<void> {
  const s = settingsOf(args);
  const redis = await RedisServer.start();
  const directory = await RedisDirectory.connect({ url: redis.url });
  const procs: Proc[] = [];
  try {
    for (let i = 0; i < s.processes; i++) procs.push(await spawnServer(redis.url, `bench${i}`, s.capacity));
    console.log(
      `${s.processes} processes on Redis ${redis.url}; ${s.joins} joins at ${s.rate}/s, rooms of ${s.capacity}`,
    );
    const pids = [...procs.map((p) => p.child.pid!), redis.pid!];
    const cpuBefore = pids.map(cpuMs);
    const benchBefore = process.cpuUsage();
    const started = performance.now();
    const results = await runJoins(
      s,
      procs.map((p) => p.port),
    );
    const wallMs = performance.now() - started;
    const used = cpuSince(pids, cpuBefore);
    const benchUsed = process.cpuUsage(benchBefore);
    const cpu = { servers: used.slice(0, -1), redis: used.at(-1)!, bench: (benchUsed.user + benchUsed.system) / 1000 };
    await new Promise((resolve) => setTimeout(resolve, s.holdMs + 500));
    const leaveMs = await timeToLeave(procs[0]!, directory);
    const figures = summary(s, results, wallMs, leaveMs, cpu);
    console.log(JSON.stringify(figures, null, 2));
    console.log(`wrote ${writeJson(s.out ?? defaultResultPath('matchmake'), { machine: machineInfo(), ...figures })}`);
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    agent.destroy();
    await directory.close();
    await redis.stop();
  }
}
