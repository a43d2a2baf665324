/**
 * Interest management on grouped snapshots and the per-client byte budget, over the memory transport
 * with a manual clock: groups entering and leaving the view, both hysteresis rules (the view's margin
 * and an entity's slack before it changes cell), the budget bound, the starvation bound K, and each
 * client's decoded stream against the server's quantized world, tick by tick.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexOfEntity, motionOf, predict, seededRandom, type Snapshot } from '../shared/index.ts';
import {
  defineRoom,
  type MemoryClientSocket,
  MemoryTransport,
  type Room,
  type RoomHandlers,
  Server,
} from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { arenaRoom, rowOf, TestClient, testSchema, type TestSchema } from './helpers/serverFixture.ts';

const TICK_RATE_HZ = 50;

interface Harness {
  readonly server: Server;
  readonly room: () => Room<TestSchema>;
  join(): Promise<TestClient>;
  /** One server tick, then delivery of its frames. */
  step(): void;
}

async function setup(handlers: RoomHandlers<TestSchema>, maxBufferedBytes?: number): Promise<Harness> {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock });
  const buffered = maxBufferedBytes === undefined ? {} : { maxBufferedBytes };
  const server = new Server({
    clock,
    transport: memory,
    tickRateHz: TICK_RATE_HZ,
    autoTick: false,
    logger: { warn() {}, error() {} },
    ...buffered,
  });
  server.define('arena', defineRoom(testSchema, { maxClients: 16, ...handlers }));
  await server.listen(0, '127.0.0.1');
  const join = async (): Promise<TestClient> => {
    const c = new TestClient(memory.connect());
    for (let i = 0; i < 3; i++) await Promise.resolve();
    for (let i = 0; i < 100 && !c.isOpen; i++) clock.advance(1);
    c.hello();
    for (let i = 0; i < 100 && c.welcome === null && c.closed === null; i++) clock.advance(1);
    assert.ok(c.welcome !== null, `joined (${JSON.stringify(c.closed)})`);
    return c;
  };
  return {
    server,
    room: () => server.roomList()[0] as unknown as Room<TestSchema>,
    join,
    step() {
      server.step();
      clock.advance(1);
    },
  };
}

/** Records the size of every frame a client receives. */
function frameSizes(c: TestClient): number[] {
  const sizes: number[] = [];
  const inner = c.socket.onmessage!;
  c.socket.onmessage = (data) => {
    sizes.push(data.byteLength);
    inner(data);
  };
  return sizes;
}

function holds(c: TestClient, id: number): boolean {
  return c.latest !== null && indexOfEntity(c.latest, id) >= 0;
}

/**
 * True if `mine` (a client's row of entity `id` at `tick`) is the server's row now, or what the group
 * it came from holds: the server's row at an earlier tick t0, as is or moved by its one-tick motion
 * at t0 (see shared/wire/groupedBody.ts). A group kept since t0 may still show an entity despawned later.
 */
function explains(
  mine: (number | string | undefined)[],
  id: number,
  tick: number,
  worlds: Map<number, Snapshot>,
): boolean {
  const same = (a: unknown[], b: unknown[] | undefined): boolean =>
    b !== undefined && JSON.stringify(a) === JSON.stringify(b);
  if (same(mine, rowOf(worlds.get(tick)!, id))) return true;
  for (let t0 = tick - 1; worlds.has(t0); t0--) {
    const then = worlds.get(t0)!;
    const at = rowOf(then, id);
    if (at === undefined) continue; // despawned since, or not spawned yet: a kept group may still show it
    if (same(mine, at)) return true;
    const before = worlds.get(t0 - 1);
    const prev = before === undefined ? undefined : rowOf(before, id);
    if (prev === undefined) continue;
    const kind = testSchema.kinds[then.kinds[indexOfEntity(then, id)]!]!;
    const moved = at.slice();
    for (const f of kind.fields) {
      if (f.coding !== 'continuous') continue;
      const m = motionOf(at[f.index] as number, prev[f.index] as number, 1, f.range);
      moved[f.index] = predict(at[f.index] as number, m, tick - t0, f.range);
    }
    if (same(mine, moved)) return true;
  }
  return false;
}

/** Keeps the server's snapshot of every tick (for {@link explains}). */
function keep(worlds: Map<number, Snapshot>, world: Snapshot): void {
  worlds.set(world.tick, world);
  worlds.delete(world.tick - 80);
}

describe('interest management', () => {
  it(
    'adds a group when its cell comes within the radius, ' +
      'drops it beyond radius + margin, and moves an entity between cells with slack',
    async () => {
      let rockId = -1;
      let rockX = 300;
      let centerX = 500;
      const h = await setup({
        // Cells of 50: the view (radius 100 around x = 500) reaches cells 7 [350, 400] to 12 [600, 650].
        interest: { x: 'x', y: 'y', viewRadius: 100, viewMargin: 20, cellSize: 50, budgetBytes: Infinity },
        onCreate(room) {
          rockId = room.spawn('rock', { x: rockX, y: 520, tag: 'edge' }).id;
        },
        onJoin(room, client) {
          room.interest!.setView(client, { center: { x: centerX, y: 520 } });
        },
        step(room) {
          room.get(rockId, 'rock')!.x = rockX;
          room.interest!.setView(room.clients[0]!, { center: { x: centerX, y: 520 } });
        },
      });
      const c = await h.join();
      const seen: [number, boolean][] = [];
      // An entity changes cell only 5 units (a tenth of a cell) past its cell's edge.
      const path = [300, 344, 352, 356, 400, 404, 500, 603, 650, 654, 656, 700, 648, 644];
      for (const x of path) {
        rockX = x;
        h.step();
        seen.push([x, holds(c, rockId)]);
      }
      assert.deepEqual(seen, [
        [300, false],
        [344, false],
        [352, false], // still in cell 6, 2 units past its edge
        [356, true], // now in cell 7
        [400, true],
        [404, true],
        [500, true],
        [603, true],
        [650, true],
        [654, true], // still in cell 12
        [656, false], // cell 13 is 150 from the centre
        [700, false],
        [648, false], // still in cell 13
        [644, true],
      ]);
      // The rock stays in cell 12 [600, 650]; the view moves: it leaves beyond 120 and comes back within 100.
      const views: [number, boolean][] = [];
      for (const x of [500, 490, 481, 479, 485, 495, 500]) {
        centerX = x;
        h.step();
        views.push([x, holds(c, rockId)]);
      }
      assert.deepEqual(views, [
        [500, true],
        [490, true],
        [481, true],
        [479, false],
        [485, false],
        [495, false],
        [500, true],
      ]);
      assert.deepEqual(c.errors, []);
      await h.server.close();
    },
  );

  it('does not flicker an entity on a cell edge or a view that swings across its radius', async () => {
    let rockId = -1;
    let tick = 0;
    const h = await setup({
      interest: { x: 'x', y: 'y', viewRadius: 100, viewMargin: 10, cellSize: 50, budgetBytes: Infinity },
      onCreate(room) {
        rockId = room.spawn('rock', { x: 648, y: 520, tag: '' }).id;
      },
      onJoin(room, client) {
        room.interest!.setView(client, { center: { x: 500, y: 520 } });
      },
      step(room) {
        // The rock starts in cell 12 (in view) and swings across its edge with cell 13 (not) within
        // the 5-unit slack; the view swings 6 units around 500, so cell 12 is 94 to 106 units away.
        room.get(rockId, 'rock')!.x = 650 - 4 * Math.cos(tick / 3);
        room.interest!.setView(room.clients[0]!, { center: { x: 500 + 6 * Math.sin(tick++ / 2), y: 520 } });
      },
    });
    const c = await h.join();
    let changes = 0;
    let was = false;
    for (let i = 0; i < 200; i++) {
      h.step();
      if (holds(c, rockId) !== was) changes++;
      was = holds(c, rockId);
    }
    assert.equal(changes, 1, 'entered once and stayed');
    assert.ok(was);
    await h.server.close();
  });

  it('follows the client entity and keeps the client world equal to the visible server world', async () => {
    const rand = seededRandom(11);
    const radius = 150;
    const h = await setup({
      interest: { x: 'x', y: 'y', viewRadius: radius, budgetBytes: Infinity },
      onCreate(room) {
        for (let i = 0; i < 500; i++) room.spawn('rock', { x: rand() * 1000, y: rand() * 1000, tag: `r${i}` });
      },
      onJoin(room, client) {
        client.entityId = room.spawn('ship', { x: 200, y: 200, a: 0, hp: 100 }).id;
      },
      step(room) {
        for (const rock of room.entitiesOf('rock')) rock.x = (rock.x + 1.3) % 1000;
        for (const ship of room.entitiesOf('ship')) ship.y = Math.min(1000, ship.y + 2);
      },
    });
    const a = await h.join();
    const b = await h.join();
    // Default cells are radius / 2; an entity may be a tenth of a cell outside its cell.
    const cell = radius / 2;
    const slack = Math.SQRT2 * cell * 0.1;
    for (let i = 0; i < 150; i++) {
      h.step();
      const world = h.room().snapshot!;
      for (const c of [a, b]) {
        const me = h.room().get(c.welcome!.entityId, 'ship')!;
        const snap = c.latest!;
        assert.equal(snap.tick, world.tick);
        for (let e = 0; e < snap.count; e++) {
          assert.deepEqual(
            rowOf(snap, snap.ids[e]!),
            rowOf(world, snap.ids[e]!),
            `entity ${snap.ids[e]} equals the server's`,
          );
        }
        for (let e = 0; e < world.count; e++) {
          const s = testSchema.kinds[world.kinds[e]!]!;
          const x = s.fields[0]!.dequantize(world.values[e * world.stride]!) as number;
          const y = s.fields[1]!.dequantize(world.values[e * world.stride + 1]!) as number;
          const d = Math.hypot(x - me.x, y - me.y);
          if (d <= radius - slack - 1)
            assert.ok(holds(c, world.ids[e]!), `entity ${world.ids[e]} within the radius is held`);
          if (d > radius * 1.1 + Math.SQRT2 * cell + slack + 1)
            assert.ok(!holds(c, world.ids[e]!), `entity ${world.ids[e]} beyond its cell's reach is not held`);
        }
        assert.ok(holds(c, c.welcome!.entityId), 'the client holds its own entity');
        assert.deepEqual(c.errors, []);
      }
    }
    assert.ok(a.latest!.count < 250, `a sees part of the world (${a.latest!.count} of ${h.room().entityCount})`);
    await h.server.close();
  });

  it('writes one frame for the clients holding the same groups, each decoding the server’s world', async () => {
    const rand = seededRandom(5);
    const pair: number[] = [];
    const h = await setup({
      interest: { x: 'x', y: 'y', viewRadius: 100, budgetBytes: Infinity },
      onCreate(room) {
        for (let i = 0; i < 200; i++) room.spawn('rock', { x: rand() * 1000, y: rand() * 1000, tag: `r${i}` });
        for (const x of [250, 750]) pair.push(room.spawn('ship', { x, y: 500, a: 0, hp: 100 }).id);
      },
      onJoin(room, client) {
        client.entityId = pair[room.clients.length % 2]!;
      },
      step(room) {
        for (const ship of room.entitiesOf('ship')) ship.a = (ship.a + 0.1) % 6;
      },
    });
    // Two clients follow each ship; the second of each pair joins some ticks after the first.
    const first = [await h.join(), await h.join()];
    for (let i = 0; i < 5; i++) h.step();
    const second = [await h.join(), await h.join()];
    const clients = [...first, ...second];
    for (let i = 0; i < 5; i++) h.step();
    const stats = h.room().interest!;
    const before = stats.stats;
    for (let i = 0; i < 10; i++) {
      h.step();
      const world = h.room().snapshot!;
      for (const c of clients) {
        assert.deepEqual(c.errors, []);
        const snap = c.latest!;
        assert.equal(snap.tick, world.tick);
        assert.ok(snap.count > 0 && snap.count < world.count, `a client sees part of the world (${snap.count})`);
        for (let e = 0; e < snap.count; e++) assert.deepEqual(rowOf(snap, snap.ids[e]!), rowOf(world, snap.ids[e]!));
      }
    }
    const after = stats.stats;
    // Once the late joiners hold what the first ones hold, one client of each pair gets its pair's frame.
    assert.equal(after.sharedFrames - before.sharedFrames, 20, 'two shared frames per tick');
    assert.equal(after.snapshots - before.snapshots, 40);
    for (let i = 0; i < 2; i++)
      assert.deepEqual(first[i]!.latest!.ids, second[i]!.latest!.ids, 'a pair holds the same entities');
    await h.server.close();
  });

  it('streams the exact state through churn, cell changes, wrapping angles, budgets and stalls', async () => {
    const rand = seededRandom(23);
    const velocity = new Map<number, { vx: number; vy: number; va: number }>();
    let joined = 0;
    const spawnShip = (room: Room<TestSchema>): void => {
      const ship = room.spawn('ship', { x: 300 + rand() * 400, y: 300 + rand() * 400, a: rand() * 6.28, hp: 100 });
      velocity.set(ship.id, { vx: (rand() - 0.5) * 8, vy: (rand() - 0.5) * 8, va: (rand() - 0.5) * 0.9 });
    };
    const h = await setup(
      {
        interest: { x: 'x', y: 'y', viewRadius: 160, viewMargin: 20, cellSize: 60, groupCap: 4, budgetBytes: Infinity },
        onCreate(room) {
          for (let i = 0; i < 400; i++) spawnShip(room);
        },
        onJoin(room, client) {
          const k = joined++;
          room.interest!.setView(client, { center: k % 2 === 0 ? { x: 500, y: 500 } : { x: 530, y: 470 } });
          if (k % 3 === 1) room.interest!.setBudget(client, 220);
        },
        step(room) {
          for (const ship of [...room.entitiesOf('ship')]) {
            const v = velocity.get(ship.id)!;
            if (rand() < 0.01) {
              room.despawn(ship.id);
              spawnShip(room);
              continue;
            }
            if (rand() < 0.01) ship.x = 300 + rand() * 400; // a jump the motion does not predict
            ship.x = Math.min(1000, Math.max(0, ship.x + v.vx));
            ship.y = Math.min(1000, Math.max(0, ship.y + v.vy));
            ship.a = (((ship.a + v.va) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
            if (rand() < 0.05) ship.hp = Math.floor(rand() * 256);
            if (ship.x <= 300 || ship.x >= 700) v.vx = -v.vx;
            if (ship.y <= 300 || ship.y >= 700) v.vy = -v.vy;
          }
        },
      },
      600,
    );
    const clients: TestClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await h.join());
    const room = h.room();
    const worlds = new Map<number, Snapshot>();
    let checked = 0;
    let older = 0;
    let behind = 0;
    for (let i = 0; i < 240; i++) {
      // 6 steps (the clock moves 1 ms a step): its snapshots back up and later ones are deltas over
      // several ticks; once, 45 steps: longer than the groups' history, so it gets them afresh.
      if (i % 40 === 10) (clients[2]!.socket as MemoryClientSocket).stall(i === 130 ? 45 : 6);
      h.step();
      const world = room.snapshot!;
      keep(worlds, world);
      for (const c of clients) {
        const snap = c.latest!;
        assert.deepEqual(c.errors, []);
        if (snap.tick !== world.tick) {
          behind++;
          continue;
        }
        for (let e = 0; e < snap.count; e++) {
          const id = snap.ids[e]!;
          const mine = rowOf(snap, id)!;
          checked++;
          if (JSON.stringify(mine) === JSON.stringify(rowOf(world, id))) continue;
          older++;
          assert.ok(
            explains(mine, id, snap.tick, worlds),
            `entity ${id} (${JSON.stringify(mine)}) is the server's now, ` +
              'or at an earlier tick as its motion then predicts',
          );
        }
      }
    }
    assert.ok(checked > 50_000, `rows checked: ${checked}`);
    assert.ok(older > 0, 'budgets kept some groups');
    assert.ok(behind > 0, 'a stalled client fell behind and caught up');
    assert.ok(
      h.server.metrics.totals.snapshotsSkipped > 0,
      'snapshots were skipped, so later chunks covered several ticks',
    );
    await h.server.close();
  });

  it(
    'never exceeds the budget, ' + 'updates every visible entity at least every K ticks, and catches up when still',
    async () => {
      const rand = seededRandom(5);
      const budgetBytes = 260;
      let moving = true;
      const h = await setup({
        interest: { x: 'x', y: 'y', viewRadius: 300, viewMargin: 30, groupCap: 4, budgetBytes },
        onCreate(room) {
          for (let i = 0; i < 300; i++)
            room.spawn('rock', { x: 350 + rand() * 300, y: 350 + rand() * 300, tag: i % 7 === 0 ? `rock ${i}` : '' });
        },
        onJoin(room, client) {
          room.interest!.setView(client, { center: { x: 500, y: 500 } });
        },
        step(room) {
          if (!moving) return;
          for (const rock of room.entitiesOf('rock')) {
            rock.x = Math.min(650, Math.max(350, rock.x + (rand() - 0.5) * 12));
            rock.y = Math.min(650, Math.max(350, rock.y + (rand() - 0.5) * 12));
            if (rand() < 0.02) rock.tag = `t${Math.floor(rand() * 1000)}`;
          }
        },
      });
      const c = await h.join();
      const sizes = frameSizes(c);
      const room = h.room();
      const client = room.clients[0]!;
      const worlds = new Map<number, Snapshot>();
      const lastTrue = new Map<number, number>();
      let maxK = 0;
      let olderSeen = 0;
      let allHeldAt = Infinity;
      let maxGap = 0;
      for (let i = 0; i < 300; i++) {
        h.step();
        const world = room.snapshot!;
        keep(worlds, world);
        const snap = c.latest!;
        assert.equal(snap.tick, world.tick);
        const k = room.interest!.maxUpdateIntervalTicks(client);
        maxK = Math.max(maxK, k);
        for (let e = 0; e < snap.count; e++) {
          const id = snap.ids[e]!;
          const mine = rowOf(snap, id)!;
          if (JSON.stringify(mine) === JSON.stringify(rowOf(world, id))) lastTrue.set(id, world.tick);
          else {
            olderSeen++;
            assert.ok(
              explains(mine, id, snap.tick, worlds),
              `entity ${id} is the server's at an earlier tick, as its motion then predicts`,
            );
          }
          if (lastTrue.has(id)) {
            maxGap = Math.max(maxGap, world.tick - lastTrue.get(id)!);
            assert.ok(world.tick - lastTrue.get(id)! <= k, `entity ${id} updated within K = ${k} ticks`);
          }
        }
        if (snap.count === 300) allHeldAt = Math.min(allHeldAt, i);
      }
      assert.ok(olderSeen > 0, 'the budget was tight enough to keep groups');
      assert.ok(allHeldAt < 300, 'every entity in view arrived');
      assert.ok(maxK > 1, `K = ${maxK}`);
      assert.ok(maxGap > 1 && maxGap <= maxK, `longest gap between updates ${maxGap} ticks, K = ${maxK}`);
      assert.ok(sizes.length >= 300);
      assert.ok(Math.max(...sizes) <= budgetBytes, `largest frame ${Math.max(...sizes)} ≤ ${budgetBytes}`);
      assert.ok(Math.max(...sizes) > budgetBytes * 0.8, 'the budget is used');
      moving = false;
      for (let i = 0; i < 60; i++) h.step();
      const world = room.snapshot!;
      assert.deepEqual(c.latest!.ids, world.ids);
      for (const id of world.ids) assert.deepEqual(rowOf(c.latest!, id), rowOf(world, id), `entity ${id} caught up`);
      assert.ok(Math.max(...sizes) <= budgetBytes);
      assert.deepEqual(c.errors, []);
      await h.server.close();
    },
  );

  it('spreads a join burst over several snapshots within the budget', async () => {
    const rand = seededRandom(9);
    const h = await setup({
      interest: { x: 'x', y: 'y', viewRadius: 400, groupCap: 4, budgetBytes: 400 },
      onCreate(room) {
        for (let i = 0; i < 200; i++)
          room.spawn('rock', { x: 300 + rand() * 400, y: 300 + rand() * 400, tag: `rock-${i}` });
      },
      onJoin(room, client) {
        room.interest!.setView(client, { center: { x: 500, y: 500 } });
      },
    });
    const c = await h.join();
    const sizes = frameSizes(c);
    const counts: number[] = [];
    for (let i = 0; i < 40; i++) {
      h.step();
      counts.push(c.latest!.count);
    }
    assert.ok(counts[0]! > 0 && counts[0]! < 200, `the first snapshot holds part of the view (${counts[0]})`);
    assert.equal(counts.at(-1), 200);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!);
    assert.ok(Math.max(...sizes) <= 400);
    assert.equal(c.fullSnapshots, 1);
    await h.server.close();
  });

  it('gives weighted kinds and nearer entities more updates under a tight budget', async () => {
    const rand = seededRandom(21);
    const h = await setup({
      // One entity per group: priorities apply entity by entity.
      interest: { x: 'x', y: 'y', viewRadius: 400, groupCap: 1, budgetBytes: 120, kindWeights: { ship: 4 } },
      onCreate(room) {
        for (let i = 0; i < 60; i++)
          room.spawn('rock', {
            x: 500 + (i < 30 ? 20 : 350) * Math.cos(i),
            y: 500 + (i < 30 ? 20 : 350) * Math.sin(i),
            tag: '',
          });
        for (let i = 0; i < 10; i++)
          room.spawn('ship', { x: 500 + 350 * Math.cos(i), y: 500 + 350 * Math.sin(i), a: 0, hp: 100 });
      },
      onJoin(room, client) {
        room.interest!.setView(client, { center: { x: 500, y: 500 } });
      },
      step(room) {
        for (const e of room.entities()) e.x = Math.min(1000, Math.max(0, e.x + (rand() - 0.5) * 10));
      },
    });
    const c = await h.join();
    const room = h.room();
    const sends = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      h.step();
      if (i < 40) continue;
      const world = room.snapshot!;
      for (const id of c.latest!.ids)
        if (JSON.stringify(rowOf(c.latest!, id)) === JSON.stringify(rowOf(world, id)))
          sends.set(id, (sends.get(id) ?? 0) + 1);
    }
    const avg = (ids: number[]): number => ids.reduce((s, id) => s + (sends.get(id) ?? 0), 0) / ids.length;
    const near = avg([...Array(30).keys()].map((i) => i + 1));
    const far = avg([...Array(30).keys()].map((i) => i + 31));
    const farShips = avg([...Array(10).keys()].map((i) => i + 61));
    assert.ok(near > far * 1.5, `near rocks (${near}) are updated more often than far ones (${far})`);
    assert.ok(farShips > far * 1.5, `far ships of weight 4 (${farShips}) more often than far rocks (${far})`);
    await h.server.close();
  });

  it('validates interest options and per-client settings', async () => {
    assert.throws(
      () => defineRoom(testSchema, { interest: { x: 'x', y: 'nope', viewRadius: 10 } }),
      /only one of the position fields/,
    );
    assert.throws(() => defineRoom(testSchema, { interest: { x: 'x', y: 'y', viewRadius: 0 } }), /viewRadius/);
    assert.throws(
      () => defineRoom(testSchema, { interest: { x: 'x', y: 'y', viewRadius: 10, budgetBytes: 20 } }),
      /budgetBytes must be an integer ≥/,
    );
    assert.throws(
      () => defineRoom(testSchema, { interest: { x: 'x', y: 'y', viewRadius: 10, groupCap: 0 } }),
      /groupCap/,
    );
    assert.throws(
      () => defineRoom(testSchema, { interest: { x: 'x', y: 'y', viewRadius: 10, kindWeights: { ship: -1 } } }),
      /weight/,
    );
    const h = await setup({ interest: { x: 'x', y: 'y', viewRadius: 100 } });
    await h.join();
    const room = h.room();
    const client = room.clients[0]!;
    assert.throws(() => room.interest!.setView(client, { radius: -1 }), /radius/);
    assert.throws(() => room.interest!.setBudget(client, 10), /budgetBytes/);
    room.interest!.setView(client, { radius: 250, margin: 5 });
    room.interest!.setBudget(client, 2000);
    assert.deepEqual(
      { ...room.interest!.viewOf(client), visibleCount: 0, maxUpdateIntervalTicks: 0 },
      { radius: 250, margin: 5, center: null, budgetBytes: 2000, visibleCount: 0, maxUpdateIntervalTicks: 0 },
    );
    await h.server.close();
  });

  it('leaves rooms without interest all-visible', async () => {
    const h = await setup(arenaRoom({ rocks: 50 }).handlers);
    const c = await h.join();
    for (let i = 0; i < 10; i++) h.step();
    assert.equal(h.room().interest, null);
    assert.equal(c.latest!.count, h.room().entityCount);
    await h.server.close();
  });
});
