/**
 * Many server processes behind one entry point, on a real Redis: spawned processes share the room
 * directory of a redis-server started on a free port (stopped by PID). Concurrent join-or-create across
 * processes neither overfills nor duplicates rooms; clients join through any process and reconnect to
 * the owner; a killed process leaves the directory by itself; SIGTERM drains; a Redis restart mid-run
 * makes joins fail clearly and then recover, with no server down.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TickwaveClient } from '../client/index.ts';
import { RedisBus, RedisDirectory } from '../server/index.ts';
import { CloseCode } from '../shared/index.ts';
import { eventually } from './helpers/eventually.ts';
import { RedisServer } from '../bench/redisServer.ts';
import { testSchema, type WsClientSocket, wsSocket } from './helpers/serverFixture.ts';

const fixture = fileURLToPath(new URL('./fixtures/clusterProcess.ts', import.meta.url));

interface Proc {
  readonly id: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<unknown[]>;
}

async function spawnProcess(redisUrl: string, id: string, capacity = 4, drainMs = 2000): Promise<Proc> {
  const args = ['--import', 'tsx', fixture, redisUrl, id, String(capacity), String(drainMs)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line', { signal: AbortSignal.timeout(20_000) })) as [string];
  const result = JSON.parse(line) as { port?: number; error?: string };
  if (result.port === undefined) throw new Error(`cluster process ${id} failed: ${result.error}`);
  return { id, child, port: result.port, exited };
}

/** A Redis, a directory client for the test's own reads, and `n` server processes. */
async function startCluster(n: number, capacity = 4, drainMs = 2000) {
  const redis = await RedisServer.start();
  const directory = await RedisDirectory.connect({ url: redis.url });
  const procs = await Promise.all(
    Array.from({ length: n }, (_, i) => spawnProcess(redis.url, `p${i}`, capacity, drainMs)),
  );
  const stop = async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await directory.close();
    await redis.stop();
  };
  return { redis, directory, procs, stop };
}

async function matchmake(port: number, body: unknown): Promise<{ status: number; body: Record<string, string> }> {
  const r = await fetch(`http://127.0.0.1:${port}/matchmake`, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, string> };
}

/** Resolves when the async `check` holds, asking again every 50 ms; rejects naming `what` after 20 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A client joining through the matchmakers of `ports` (any of them), recording every socket it opens. */
function matchClient(...ports: number[]) {
  const sockets: { url: string; socket: WsClientSocket }[] = [];
  const client = new TickwaveClient(testSchema, {
    matchmake: { url: ports.map((port) => `http://127.0.0.1:${port}/matchmake`), type: 'duel' },
    socketFactory: (url) => {
      const socket = wsSocket(url);
      sockets.push({ url, socket });
      return socket;
    },
    reconnect: { initialDelayMs: 50, maxDelayMs: 200, maxAttempts: 100, random: () => 0.5 },
  });
  const welcomes: { roomId: string; clientId: number }[] = [];
  const lost: number[] = [];
  client.onWelcome((w) => welcomes.push({ roomId: w.roomId, clientId: w.clientId }));
  client.onSessionLost((code) => lost.push(code));
  client.connect();
  return { client, sockets, welcomes, lost };
}

describe('a cluster of server processes on a real Redis', () => {
  describe('joins', () => {
    let cluster: Awaited<ReturnType<typeof startCluster>>;
    before(async () => {
      cluster = await startCluster(3);
    });
    after(async () => {
      await cluster.stop();
    });

    it('a burst of concurrent join-or-create on 3 processes fills rooms exactly, with no duplicates', async () => {
      const joins = 80;
      const answers = await Promise.all(
        Array.from({ length: joins }, (_, i) => matchmake(cluster.procs[i % 3]!.port, { type: 'duel' })),
      );
      const seatsByRoom = new Map<string, number>();
      for (const a of answers) {
        assert.equal(a.status, 200, JSON.stringify(a.body));
        seatsByRoom.set(a.body.roomId!, (seatsByRoom.get(a.body.roomId!) ?? 0) + 1);
      }
      for (const [room, seats] of seatsByRoom) assert.ok(seats <= 4, `room ${room} got ${seats} seats for 4 places`);
      assert.equal(seatsByRoom.size, joins / 4, 'a room is opened only when every open room is full');
      const listed = await cluster.directory.listRooms();
      assert.equal(listed.length, joins / 4);
      for (const room of listed) assert.equal(room.clients + room.reserved, 4, `room ${room.id} is full`);
    });

    it('a message published on a channel reaches the subscribers of every process', async () => {
      const bus = await RedisBus.connect({ url: cluster.redis.url });
      try {
        const echoed: string[] = [];
        const unsubscribe = await bus.subscribe('echoed', (message) => echoed.push(message));
        await bus.publish('echo', 'hi');
        await eventually(() => echoed.length === 3, 'an answer from each of the 3 processes');
        assert.deepEqual(echoed.sort(), ['p0:hi', 'p1:hi', 'p2:hi']);
        unsubscribe();
      } finally {
        await bus.close();
      }
    });

    it('clients join through any process, land on the owner, and reconnect to it', async () => {
      const a = matchClient(cluster.procs[0]!.port);
      try {
        await eventually(() => a.welcomes.length === 1, 'the first Welcome');
        const first = a.welcomes[0]!;
        const owner = a.sockets[0]!.url.replace(/\?.*$/, '');
        assert.ok(
          cluster.procs.some((p) => owner === `ws://127.0.0.1:${p.port}`),
          `owner url ${owner}`,
        );
        const rooms = await cluster.directory.listRooms();
        assert.ok(
          rooms.some((r) => r.id === first.roomId && r.clients >= 1),
          'the room counts the client',
        );
        a.sockets[0]!.socket.ws.terminate();
        await eventually(() => a.welcomes.length === 2, 'the Welcome of the resumed session');
        assert.deepEqual(a.welcomes[1], first, 'the same session in the same room');
        assert.ok(a.sockets.at(-1)!.url.startsWith(owner), 'the reconnect went to the owning process');
        assert.deepEqual(a.lost, []);
      } finally {
        a.client.close();
      }
    });
  });

  it('a killed process leaves the directory by itself; its clients join afresh elsewhere', async () => {
    const cluster = await startCluster(3);
    try {
      const a = matchClient(...cluster.procs.map((p) => p.port));
      await eventually(() => a.welcomes.length === 1, 'the first Welcome');
      const ownerUrl = a.sockets[0]!.url.replace(/\?.*$/, '');
      const owner = cluster.procs.find((p) => ownerUrl === `ws://127.0.0.1:${p.port}`)!;
      owner.child.kill('SIGKILL');
      await owner.exited;
      const listed = async () => (await cluster.directory.listRooms()).some((r) => r.processId === owner.id);
      await until(async () => !(await listed()), 'the dead process to leave the directory');
      assert.equal(await cluster.directory.process(owner.id), null);
      await eventually(() => a.welcomes.length === 2, 'a fresh join after the session was lost');
      assert.deepEqual(a.lost, [CloseCode.AuthFailed], 'the client was told its session is gone');
      assert.ok(!a.sockets.at(-1)!.url.startsWith(ownerUrl), 'the fresh join went to a live process');
      a.client.close();
    } finally {
      await cluster.stop();
    }
  });

  it('SIGTERM drains: out of matchmaking at once, clients closed with 1001, entries removed, exit 0', async () => {
    const cluster = await startCluster(2, 4, 5000);
    try {
      const a = matchClient(...cluster.procs.map((p) => p.port));
      const codes: number[] = [];
      a.client.onDisconnect((code) => codes.push(code));
      await eventually(() => a.welcomes.length === 1, 'the first Welcome');
      const ownerUrl = a.sockets[0]!.url.replace(/\?.*$/, '');
      const owner = cluster.procs.find((p) => ownerUrl === `ws://127.0.0.1:${p.port}`)!;
      const other = cluster.procs.find((p) => p !== owner)!;
      owner.child.kill('SIGTERM');
      await until(async () => (await cluster.directory.process(owner.id))?.draining === true, 'the draining mark');
      for (let i = 0; i < 6; i++) {
        const next = await matchmake(owner.port, { type: 'duel' });
        assert.equal(next.status, 200, 'the draining process still answers matchmaking');
        assert.equal(next.body.owner, other.id, 'no new seat on the draining process');
      }
      assert.equal(owner.child.exitCode, null, 'its client still plays while it drains');
      const [code] = (await owner.exited) as [number | null];
      assert.equal(code, 0);
      assert.equal(codes[0], CloseCode.GoingAway);
      assert.equal(await cluster.directory.process(owner.id), null);
      const rooms = await cluster.directory.listRooms();
      assert.ok(!rooms.some((r) => r.processId === owner.id), 'no room of the drained process is listed');
      await eventually(() => a.welcomes.length === 2, 'the client to join again on the other process');
      assert.ok(a.sockets.at(-1)!.url.startsWith(`ws://127.0.0.1:${other.port}`));
      a.client.close();
    } finally {
      await cluster.stop();
    }
  });

  it('a Redis restart mid-run: joins fail clearly meanwhile, then recover; no server goes down', async () => {
    const cluster = await startCluster(2);
    try {
      const [p0, p1] = cluster.procs as [Proc, Proc];
      assert.equal((await matchmake(p0.port, { type: 'duel' })).status, 200);
      await cluster.redis.stop();
      const during = await matchmake(p1.port, { type: 'duel' });
      assert.equal(during.status, 503);
      assert.match(during.body.error!, /directory unavailable/);
      await cluster.redis.restart();
      await until(async () => (await matchmake(p0.port, { type: 'duel' })).status === 200, 'joins to work again');
      for (const p of cluster.procs) assert.equal(p.child.exitCode, null, `process ${p.id} is still running`);
    } finally {
      await cluster.stop();
    }
  });
});
