// The arena demo end to end in Node: the real TickwaveClient over `ws` against a real uWS Server
// running the demo's room types, plus the room's rules stepped by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickwaveClient } from '../client/index.ts';
import { wsSocketFactory } from '../client/node/wsSocket.ts';
import { defineRoom, type Logger, type Room, Server } from '../server/index.ts';
import type { Schema } from '../shared/index.ts';
import { BULLET_DAMAGE, moveShip, SHIP_HP } from '../demo/game/rules.ts';
import { type ArenaInput, type ArenaSchema, arenaSchema } from '../demo/game/schema.ts';
import { arenaRoom } from '../demo/server/arenaRoom.ts';
import { ArenaWorld } from '../demo/server/ArenaWorld.ts';
import { DEFAULT_BIG_WORLD, startDemoServer } from '../demo/server/demoServer.ts';
import { sanitizeName } from '../demo/server/names.ts';
import { eventually } from './helpers/eventually.ts';

const IDLE: ArenaInput = { up: false, down: false, left: false, right: false, fire: false, aim: 0 };

/** Collects what the server logs, so a test can show it when it fails. */
function quietLogger(lines: string[]): Logger {
  return { warn: (m) => lines.push(`warn: ${m}`), error: (m) => lines.push(`error: ${m}`) };
}

/** A room of `type` made by a Server that never listens, stepped by the test. */
function manualRoom(
  type: ReturnType<typeof arenaRoom>,
  options: Record<string, number> = {},
): { room: Room<ArenaSchema>; server: Server } {
  const server = new Server({ autoTick: false, tickRateHz: 60, logger: quietLogger([]) });
  server.define('arena', type);
  const room = server.createRoom('arena', { options }) as unknown as Room<ArenaSchema>;
  return { room, server };
}

describe('arena demo: the real client against the real server', () => {
  it(
    'two clients see each other; A moves at once, ' + 'lands exactly on the server state once acked, and B sees it',
    async () => {
      const logs: string[] = [];
      const { server, port } = await startDemoServer({
        port: 0,
        host: '127.0.0.1',
        bots: 0,
        logger: quietLogger(logs),
      });
      const url = `ws://127.0.0.1:${port}/ws`;
      const make = (name: string) =>
        new TickwaveClient(arenaSchema, {
          url,
          socketFactory: wsSocketFactory(),
          room: 'arena',
          joinOptions: { name },
          prediction: {
            apply(state, input, dtSec) {
              if ('hp' in state) moveShip(state, input, dtSec);
            },
          },
        });
      const a = make('alice');
      const b = make('bob');
      // The host loop: B keeps sending idle input; A sends what `aInput` says while `aSending`.
      let aSending = false;
      let aPressed = 0;
      const aInput = (): ArenaInput => {
        aPressed++;
        return aPressed <= 30 ? { ...IDLE, right: true, aim: 1 } : IDLE;
      };
      const loop = setInterval(() => {
        const now = performance.now();
        if (aSending) a.update(now, aInput);
        b.update(now, () => IDLE);
        a.frame(now);
        b.frame(now);
      }, 4);
      try {
        a.connect();
        b.connect();
        await eventually(() => a.welcome !== null && b.welcome !== null, 'both Welcomes');
        const aId = a.welcome!.entityId;
        const bId = b.welcome!.entityId;
        assert.equal(a.welcome!.roomId, b.welcome!.roomId, 'both joined the same arena');
        await eventually(
          () => a.entities.has(bId) && b.entities.has(aId) && a.entities.has(aId),
          'each seeing the other ship',
        );
        const seenByB = b.entities.get(aId)!;
        assert.equal(seenByB.kind, 'ship');
        assert.equal(seenByB.kind === 'ship' && seenByB.state.name, 'alice');
        assert.equal(seenByB.isLocal, false);
        assert.equal(a.entities.get(aId)!.isLocal, true);

        // One input moves A's predicted ship at once, before the server could have answered.
        const x0 = a.predictedState(aId)!.x;
        const serverX0 = server.getRoom(a.welcome!.roomId)!.get(aId)!['x'];
        aSending = true;
        a.update(performance.now(), aInput);
        assert.ok(a.predictedState(aId)!.x > x0, 'the first input moves the predicted ship');
        assert.equal(server.getRoom(a.welcome!.roomId)!.get(aId)!['x'], serverX0, 'the server has not moved it yet');

        // 30 ticks right, then idle inputs; stop sending and wait for every input to be acknowledged.
        await eventually(() => aPressed > 40, 'A sending its inputs');
        aSending = false;
        await eventually(() => a.stats.pendingInputs === 0 && a.stats.snapshots > 0, 'every input of A acknowledged');
        const room = server.getRoom(a.welcome!.roomId)! as unknown as Room<ArenaSchema>;
        const truth = room.get(aId, 'ship')!;
        const predicted = a.predictedState(aId)!;
        assert.equal(predicted.x !== x0, true);
        assert.ok(truth.x - x0 > 50, `A moved right on the server (${x0} → ${truth.x})`);
        const shipKind = arenaSchema.kinds[arenaSchema.kindIndex('ship')]!;
        for (const field of shipKind.fields) {
          const expected = field.dequantize(field.quantize((truth as Record<string, unknown>)[field.name]));
          assert.deepEqual(
            (predicted as Record<string, unknown>)[field.name],
            expected,
            `predicted ${field.name} equals the server's quantized value`,
          );
        }

        // B's interpolated view of A arrives at the same place.
        await eventually(
          () => Math.abs(b.entities.get(aId)!.state.x - predicted.x) < 1e-9,
          'B seeing A where the server has it',
        );
        assert.equal(b.entities.get(aId)!.state.y, predicted.y);
        assert.deepEqual(logs, [], 'the server logged nothing');
      } finally {
        clearInterval(loop);
        a.close();
        b.close();
        await server.close();
      }
    },
  );

  it(
    'gives a big-world player a few hundred nearby entities out of more than 5,000, ' +
      'and its shots do not break the room',
    async () => {
      const logs: string[] = [];
      const { server, port } = await startDemoServer({ port: 0, host: '127.0.0.1', logger: quietLogger(logs) });
      const client = new TickwaveClient(arenaSchema, {
        url: `ws://127.0.0.1:${port}/ws`,
        socketFactory: wsSocketFactory(),
        room: 'bigworld',
        joinOptions: { name: 'explorer' },
      });
      const firing: ArenaInput = { ...IDLE, right: true, fire: true };
      const loop = setInterval(() => {
        const now = performance.now();
        client.update(now, () => firing);
        client.frame(now);
      }, 4);
      try {
        client.connect();
        await eventually(
          () => client.entities.size >= 100 && client.stats.snapshots > 60,
          'the big world around the player',
        );
        const room = server.getRoom(client.welcome!.roomId)!;
        const worldSize = room.entityCount;
        const kinds = new Set([...client.entities.values()].map((e) => e.kind));
        assert.ok(
          worldSize >= 5000 &&
            worldSize >= DEFAULT_BIG_WORLD.asteroids + DEFAULT_BIG_WORLD.pickups + DEFAULT_BIG_WORLD.bots,
          `the world holds ${worldSize} entities`,
        );
        assert.ok(client.entities.size < 1000, `the player sees only what is near (${client.entities.size})`);
        assert.ok(
          kinds.has('asteroid') && kinds.has('pickup') && kinds.has('ship'),
          `asteroids, pickups and ships in view (${[...kinds].join(', ')})`,
        );
        assert.deepEqual(
          logs.filter((line) => line.startsWith('error')),
          [],
          'no game errors',
        );
      } finally {
        clearInterval(loop);
        client.close();
        await server.close();
      }
    },
  );

  it('puts a page asking for bots into a stress room with that many roaming bots', async () => {
    const { server, port } = await startDemoServer({ port: 0, host: '127.0.0.1', logger: quietLogger([]) });
    const client = new TickwaveClient(arenaSchema, {
      url: `ws://127.0.0.1:${port}/ws`,
      socketFactory: wsSocketFactory(),
      room: 'stress',
      joinOptions: { bots: 300 },
    });
    const loop = setInterval(() => client.frame(performance.now()), 4);
    try {
      client.connect();
      await eventually(() => client.entities.size === 301, '300 bots and the player drawn');
      const room = server.getRoom(client.welcome!.roomId)! as unknown as Room<ArenaSchema>;
      assert.equal([...room.entitiesOf('bullet')].length, 0, 'stress bots roam without shooting');
    } finally {
      clearInterval(loop);
      client.close();
      await server.close();
    }
  });
});

describe('arena room rules (stepped by hand)', () => {
  it('has bots that find each other, shoot, hit, kill and score', () => {
    const { room } = manualRoom(arenaRoom({ bots: 8, seed: 7 }));
    assert.equal([...room.entitiesOf('ship')].length, 8);
    let bulletsSeen = 0;
    let damaged = false;
    for (let tick = 0; tick < 60 * 60 && !(bulletsSeen > 0 && damaged && totalScore(room) > 0); tick++) {
      room.step();
      bulletsSeen = Math.max(bulletsSeen, [...room.entitiesOf('bullet')].length);
      damaged ||= [...room.entitiesOf('ship')].some((s) => s.hp < SHIP_HP);
    }
    assert.ok(bulletsSeen > 0, 'bots fired');
    assert.ok(damaged, 'a bullet hit a ship');
    assert.ok(totalScore(room) > 0, 'a kill scored');
    for (const ship of room.entitiesOf('ship'))
      assert.ok(ship.hp > 0 && ship.hp <= SHIP_HP && ship.hp % BULLET_DAMAGE === 0);
  });

  it('lets a stress room take its bot count from the first joiner, capped, and never from a plain arena', () => {
    assert.equal(
      [
        ...manualRoom(arenaRoom({ bots: 2, botsFromJoinOptions: true, maxBots: 50 }), { bots: 40 }).room.entitiesOf(
          'ship',
        ),
      ].length,
      40,
    );
    assert.equal(
      [
        ...manualRoom(arenaRoom({ bots: 2, botsFromJoinOptions: true, maxBots: 50 }), { bots: 1e9 }).room.entitiesOf(
          'ship',
        ),
      ].length,
      50,
    );
    assert.equal([...manualRoom(arenaRoom({ bots: 2 }), { bots: 40 }).room.entitiesOf('ship')].length, 2);
    assert.throws(() => arenaRoom({ bots: 3, maxBots: 2 }), /bots must be an integer 0–2/);
  });

  it('hits a ship where a lagging shooter saw it, and only with lag compensation', () => {
    // The shooter at (1000, 1000) fires along +x at tick FIRE; the target crosses the line of fire at
    // x = 1300 moving down 5 units a tick. The bullet reaches x ≈ 1294 seventeen ticks after firing;
    // the target is placed so it was on the line LAG ticks before that, i.e. on the shooter's screen.
    const LAG = 12;
    const FIRE = 30;
    const outcome = (lagTicks: number): number => {
      const { room } = manualRoom(defineRoom(arenaSchema, {}));
      const world = new ArenaWorld(room as unknown as Room<ArenaSchema>, {
        seed: 1,
        botsFight: false,
        worldSize: 2000,
      });
      const shooter = world.spawnShip('shooter', false);
      const target = world.spawnShip('target', false);
      Object.assign(shooter, { x: 1000, y: 1000, angle: 0 });
      Object.assign(target, { x: 1300, y: 1000 - 5 * (FIRE + 18 - LAG) });
      for (let i = 0; i < FIRE + 40; i++) {
        target.y += 5;
        if (i === FIRE) world.playerInput(shooter.id, { ...IDLE, fire: true, aim: 0 }, 1 / 60, lagTicks);
        world.step(1 / 60);
        room.step();
      }
      return target.hp;
    };
    assert.equal(outcome(LAG), SHIP_HP - BULLET_DAMAGE, 'rewound by the shooter’s lag: a hit');
    assert.equal(outcome(0), SHIP_HP, 'tested against where the target is now: a miss');
  });

  it('cleans player names', () => {
    assert.equal(sanitizeName('  Ada\u0000 <script>  Lovelace ', 'x'), 'Ada script Lovel');
    assert.equal(sanitizeName('\u202Eevil\u200B', 'x'), 'evil');
    assert.equal(sanitizeName('ééééééééé', 'x'), 'éééééééé');
    assert.equal(sanitizeName('   ', 'player 3'), 'player 3');
    assert.equal(sanitizeName(42, 'player 3'), 'player 3');
  });
});

function totalScore(room: Room<Schema>): number {
  let sum = 0;
  for (const ship of (room as unknown as Room<ArenaSchema>).entitiesOf('ship')) sum += ship.score;
  return sum;
}
