/**
 * Hostile-traffic run: `npm run bench -- hostile [--frames N] [--connections N] [--duration-ms N]
 * [--seed N] [--out FILE.json]`.
 *
 * Forks a Tickwave server (bench/hostileServer.ts, uWebSockets.js on 127.0.0.1) and attacks it with
 * `--connections` concurrent hostile connections until `--frames` hostile frames are sent or
 * `--duration-ms` has passed, while three normal clients play in the room. Each hostile connection
 * follows one plan: fuzzed frames (test/helpers/hostileValues.ts: hostile msgpack values in every
 * field of every message kind, hand-written headers, truncations, byte mutations) in a burst before or
 * after its Hello; a flood past the rate limit; a frame over the payload limit (a little over: 4004;
 * far over: uWS cuts it, 1006); a text frame; an upgrade left half-open; or silence until the
 * handshake timeout. At the end the server's room is frozen and each normal client's decoded world
 * must equal it exactly. Reported: frames sent (before/after Hello), frames the engine was handed,
 * connections, close codes, server crashes, log bytes (the child's stdout + stderr) per million frames.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloseCode, seededRandom, type Snapshot } from '../shared/index.ts';
import type { TransportChoice } from '../server/index.ts';
import { sameWorld, TestClient, wsSocket } from '../test/helpers/serverFixture.ts';
import { type AttackFigures, type AttackOptions, attackServer, MAX_PAYLOAD_BYTES } from './hostileAttack.ts';
import type { EngineCounts, HostileChildMsg, PlainWorld } from './hostileServer.ts';
import { runHostileClient } from './hostileClient.ts';
import { defaultResultPath, machineInfo, type MachineInfo, round, writeJson } from './report.ts';

/** How long the server process has to answer a request, ms. */
const REPLY_TIMEOUT_MS = 30_000;

/** Options of {@link runHostile}. */
export interface HostileOptions extends AttackOptions {
  /** Which transport the server process runs on. Default 'auto' (uWS where its binary loads, else ws). */
  readonly transport?: TransportChoice;
}

/** Figures of one run: the attack's, the server's and the normal clients'. */
export interface HostileResult extends AttackFigures {
  /** Frames the server's engine was handed (counted at its transport boundary). */
  readonly framesToEngine: number;
  readonly serverCrashes: number;
  readonly serverExitCode: number | null;
  readonly healthOk: boolean;
  readonly normalClients: number;
  readonly normalClientsExact: boolean;
  readonly normalClientErrors: string[];
  readonly finalTick: number;
  readonly logBytes: number;
  readonly logLines: number;
  readonly logBytesPerMillionFrames: number;
  readonly logSample: string[];
  readonly durationMs: number;
  /** The transport the server process ran on: 'uws' or 'ws'. */
  readonly transport: string;
}

/** Runs the attack; resolves when it is over and the child has stopped. */
export async function runHostile(options: HostileOptions): Promise<HostileResult> {
  const started = performance.now();
  const child = new ServerChild(options.transport ?? 'auto');
  try {
    const { port, roomId, transport } = await child.reply('ready');
    const url = `ws://127.0.0.1:${port}/`;
    const normal = await startNormalClients(url, roomId, 3);
    const attack = await attackServer(url, options, () => child.crashed);
    for (const n of normal) n.stop();
    let exact = false;
    let finalTick = -1;
    const errors: string[] = [];
    if (!child.crashed) {
      child.send({ type: 'freeze' });
      const { world } = await child.reply('frozen');
      finalTick = world.tick;
      exact = await normalClientsMatch(normal, world, errors);
    }
    const healthOk = !child.crashed && (await health(port));
    let engine: EngineCounts = { type: 'stats', frames: 0, opened: 0, closed: 0 };
    if (!child.crashed) {
      child.send({ type: 'stats' });
      engine = await child.reply('stats');
    }
    for (const n of normal) n.client.socket.close(1000, 'done');
    const serverCrashes = child.crashed ? 1 : 0;
    if (!child.crashed) child.send({ type: 'stop' });
    await waitExit(child.proc);
    const logLines = child.logLines();
    return {
      ...attack,
      framesToEngine: engine.frames,
      serverCrashes,
      serverExitCode: child.exitCode,
      healthOk,
      normalClients: normal.length,
      normalClientsExact: exact,
      normalClientErrors: errors,
      finalTick,
      logBytes: child.logBytes,
      logLines: logLines.length,
      logBytesPerMillionFrames: round((child.logBytes / Math.max(1, attack.framesSent)) * 1e6, 0),
      logSample: logLines.slice(0, 12),
      durationMs: Math.round(performance.now() - started),
      transport,
    };
  } finally {
    if (child.exitCode === null && !child.crashed) child.proc.kill();
  }
}

/**
 * The forked server process (bench/hostileServer.ts): its log (stdout + stderr) counted and its start
 * kept, whether and how it exited, and its replies. The run owns it and kills it if still running.
 */
class ServerChild {
  /** The child process. */
  readonly proc: ChildProcess;
  /** Bytes it wrote to stdout and stderr. */
  logBytes = 0;
  /** Its exit code (128 for a signal) once it exited, else null. */
  exitCode: number | null = null;
  /** True once it exited, for whatever reason. */
  crashed = false;
  private readonly logText: string[] = [];
  private readonly replies: HostileChildMsg[] = [];
  private wake: (() => void) | null = null;

  /** Forks the server on `transport`. */
  constructor(transport: TransportChoice) {
    const child = fork(
      fileURLToPath(new URL('./hostileServer.ts', import.meta.url)),
      ['--max-payload', String(MAX_PAYLOAD_BYTES), '--transport', transport],
      {
        execArgv: ['--conditions=tickwave-source', '--import', 'tsx'],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    this.proc = child;
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        this.logBytes += chunk.byteLength;
        if (this.logText.length < 200) this.logText.push(chunk.toString('utf8'));
      });
    }
    child.on('exit', (code, signal) => {
      this.exitCode = code ?? (signal === null ? null : 128);
      this.crashed = true;
    });
    child.on('message', (m) => {
      this.replies.push(m as HostileChildMsg);
      this.wake?.();
    });
  }

  /** Sends `msg` to the server process. */
  send(msg: { readonly type: 'freeze' | 'stats' | 'stop' }): void {
    this.proc.send(msg);
  }

  /** The server's next reply of `type`; throws if it exits first or does not answer within 30 s. */
  async reply<T extends HostileChildMsg['type']>(type: T): Promise<Extract<HostileChildMsg, { type: T }>> {
    const deadline = performance.now() + REPLY_TIMEOUT_MS;
    for (;;) {
      const i = this.replies.findIndex((r) => r.type === type);
      if (i >= 0) return this.replies.splice(i, 1)[0] as Extract<HostileChildMsg, { type: T }>;
      if (this.crashed)
        throw new Error(
          `the server process exited (code ${this.exitCode}) before answering ${type}; its log ends:\n` +
            this.logText.join('').slice(-3000),
        );
      if (performance.now() > deadline) throw new Error(`the server process did not answer ${type}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  /** The non-empty lines of the log kept (its first 200 chunks). */
  logLines(): string[] {
    return this.logText
      .join('')
      .split('\n')
      .filter((l) => l.length > 0);
  }
}

interface NormalClient {
  readonly client: TestClient;
  stop(): void;
}

async function startNormalClients(url: string, roomId: string, count: number): Promise<NormalClient[]> {
  const out: NormalClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = new TestClient(wsSocket(url));
    await client.waitFor(() => client.isOpen, 'a normal client to connect');
    client.hello({ room: roomId });
    await client.waitFor(() => client.welcome !== null, 'a normal client’s Welcome');
    const rand = seededRandom(100 + i);
    let seq = 0;
    const timer = setInterval(
      () => client.input(seq++, { dx: rand() * 2 - 1, dy: rand() * 2 - 1, fire: rand() < 0.1 }),
      33,
    );
    out.push({ client, stop: () => clearInterval(timer) });
  }
  return out;
}

async function normalClientsMatch(
  normal: readonly NormalClient[],
  world: PlainWorld,
  errors: string[],
): Promise<boolean> {
  let exact = true;
  for (const { client } of normal) {
    try {
      await client.waitFor(
        () => (client.latest?.tick ?? -1) >= world.tick || client.closed !== null,
        'the final tick',
        20_000,
      );
    } catch (err) {
      errors.push(String(err));
    }
    errors.push(...client.errors);
    if (client.closed !== null)
      errors.push(`a normal client was closed: ${client.closed.code} ${client.closed.reason}`);
    const same = client.latest !== null && sameWorld(client.latest, world as unknown as Snapshot);
    if (!same)
      errors.push(`a normal client holds tick ${client.latest?.tick}, not the server’s world at ${world.tick}`);
    exact &&= same && client.errors.length === 0 && client.closed === null;
  }
  return exact;
}

async function health(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(10_000) });
    return res.status === 200 && ((await res.json()) as { ok: boolean }).ok === true;
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The close codes a hostile connection may see: the documented set, the transport's own cut of a frame
 * over its limit (1006 from uWS, 1009 "message too big" from ws), and our own.
 */
export const ALLOWED_CLOSES = new Set([...Object.values(CloseCode).map(String), '1006', '1009', 'self', 'half-open']);

/** CLI entry. */
export async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      frames: { type: 'string', default: '300000' },
      connections: { type: 'string', default: '32' },
      'duration-ms': { type: 'string', default: '600000' },
      seed: { type: 'string', default: '1' },
      transport: { type: 'string', default: 'auto' },
      side: { type: 'string', default: 'server' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'npm run bench -- hostile [--frames 300000] [--connections 32] [--duration-ms 600000] [--seed 1] ' +
        '[--transport auto|uws|ws] [--side server|client] [--out FILE.json]\n' +
        '  --side server (default): hostile clients against a server process, with normal clients checked\n' +
        '  --side client: a hostile server against the real TickwaveClient, in one process on a simulated clock',
    );
    return;
  }
  if (values.side === 'client') return mainClientSide(Number(values.frames), Number(values.seed), values.out);
  if (values.side !== 'server') throw new RangeError(`--side must be server or client; got ${values.side}`);
  const options: HostileOptions = {
    frames: Number(values.frames),
    connections: Number(values.connections),
    durationMs: Number(values['duration-ms']),
    seed: Number(values.seed),
    transport: values.transport as TransportChoice,
    progress: (line) => console.log(line),
  };
  console.log(
    `hostile: up to ${options.frames} frames, ${options.connections} connections at a time, against 127.0.0.1`,
  );
  const result = await runHostile(options);
  const machine: MachineInfo = machineInfo();
  console.log(resultLines(result, machine).join('\n'));
  const path = writeJson(values.out ?? defaultResultPath('hostile'), {
    benchmark: 'hostile',
    date: new Date().toISOString(),
    machine,
    options: { ...options, progress: undefined },
    result,
  });
  console.log(`wrote ${path}`);
  if (result.serverCrashes > 0 || !result.normalClientsExact)
    throw new Error('hostile: the server crashed or a normal client’s world was wrong');
}

/** The printed figures of a server-side run, with the first few normal-client errors. */
function resultLines(result: HostileResult, machine: MachineInfo): string[] {
  const lines = [
    `frames sent              ${result.framesSent} ` +
      `(before Hello ${result.framesBeforeHello}, after Hello ${result.framesAfterHello})`,
    `frames by plan           ${Object.entries(result.framesByPlan)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')}`,
    `frames to the engine     ${result.framesToEngine} (the rest followed a kick on the same connection)`,
    `connections              ${result.connections} (${Object.entries(result.plans)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ')})`,
    `close codes              ${Object.entries(result.closeCodes)
      .map(([c, n]) => `${c}: ${n}`)
      .join(', ')}`,
    `unexpected 1006          ${result.unexpected1006}`,
    `server crashes           ${result.serverCrashes} (exit code ${result.serverExitCode ?? 'none while running'})`,
    `/health after the run    ${result.healthOk ? 'ok' : 'FAILED'}`,
    `normal clients exact     ${result.normalClientsExact ? 'yes' : 'NO'} ` +
      `(${result.normalClients} clients, tick ${result.finalTick})`,
    `server log               ${result.logBytes} bytes, ${result.logLines} lines, ` +
      `${result.logBytesPerMillionFrames} bytes per million frames`,
    `server transport         ${result.transport}`,
    `duration                 ${(result.durationMs / 1000).toFixed(1)} s ` +
      `(node ${machine.node}, ${machine.cores} cores, ${machine.cpu})`,
  ];
  for (const e of result.normalClientErrors.slice(0, 5)) lines.push(`  normal client: ${e}`);
  return lines;
}

/** `--side client`: the real client against a hostile server (bench/hostileClient.ts). */
function mainClientSide(frames: number, seed: number, out: string | undefined): void {
  console.log(`hostile: ${frames} hostile server frames at one TickwaveClient (simulated clock, one process)`);
  const result = runHostileClient(frames, seed, (line) => console.log(line));
  const machine: MachineInfo = machineInfo();
  console.log(
    [
      `frames sent              ${result.framesSent}`,
      `connections              ${result.connections}`,
      `client closes            ${Object.entries(result.closeCodes)
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ')}`,
      `throws out of callbacks  ${result.crashes}`,
      `malformed snapshots      ${result.badSnapshots} reported to the game`,
      `errors to onError        ${result.errorsReported}`,
      `client exact at the end  ${result.exact ? 'yes' : 'NO'}`,
      `duration                 ${(result.durationMs / 1000).toFixed(1)} s ` +
        `(node ${machine.node}, ${machine.cores} cores, ${machine.cpu})`,
    ].join('\n'),
  );
  const path = writeJson(out ?? defaultResultPath('hostile-client'), {
    benchmark: 'hostile-client',
    date: new Date().toISOString(),
    machine,
    options: { frames, seed },
    result,
  });
  console.log(`wrote ${path}`);
  if (result.crashes > 0 || result.badSnapshots > 0 || !result.exact) {
    throw new Error('hostile: the client threw out of a callback, reported a malformed snapshot or ended wrong');
  }
}
