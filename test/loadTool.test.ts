// The load tester's parts that need no sockets: bots (defineBot, the default random bot), room modules,
// report names, and the verdict with its recommendation.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { defineBot, RANDOM_HOLD_TICKS, randomBot, randomInput } from '../load/index.ts';
import { DEFAULT_BUDGET, type WindowFigures } from '../load/loadFigures.ts';
import { importLoadModule, roomTypeOf } from '../load/loadModule.ts';
import { uniqueReportPath } from '../load/main.ts';
import { verdictOf } from '../load/verdict.ts';
import { defineSchema, isValidQValue, seededRandom, t } from '../shared/index.ts';

const schema = defineSchema({
  entities: { dot: { x: t.float({ min: 0, max: 10, step: 0.5 }) } },
  input: {
    speed: t.float({ min: -2, max: 3, step: 0.25 }),
    aim: t.angle({ steps: 64 }),
    gear: t.int(4),
    ammo: t.uint(3),
    jump: t.bool(),
    mode: t.enum(['walk', 'run', 'swim']),
    say: t.string({ maxBytes: 4 }),
  },
});

describe('load tester bots', () => {
  it('draw random inputs that are valid for every declared field and cover each range', () => {
    const random = seededRandom(7);
    const seen = new Map<string, Set<unknown>>();
    for (let i = 0; i < 2000; i++) {
      const input = randomInput(schema, random);
      for (const field of schema.input) {
        const value = (input as Record<string, unknown>)[field.name];
        assert.ok(isValidQValue(field, field.quantize(value)), `${field.name} = ${String(value)}`);
        assert.equal(field.dequantize(field.quantize(value)), value, `${field.name} is on a step`);
        seen.set(field.name, (seen.get(field.name) ?? new Set()).add(value));
      }
    }
    assert.equal(seen.get('mode')!.size, 3, 'every enum value');
    assert.equal(seen.get('jump')!.size, 2, 'true and false');
    assert.equal(seen.get('ammo')!.size, 8, 'every 3-bit value');
    assert.equal(seen.get('speed')!.size, 21, 'every step of -2 … 3');
    assert.deepEqual([...seen.get('say')!], [''], 'strings stay empty');
  });

  it('hold a random input for RANDOM_HOLD_TICKS, per bot', () => {
    const bot = randomBot(schema);
    const view = { index: 3, seq: 0, entityId: 1, random: seededRandom(1) };
    const first = bot.input(view, 0);
    for (let seq = 1; seq < RANDOM_HOLD_TICKS; seq++) assert.equal(bot.input({ ...view, seq }, seq), first);
    const other = bot.input({ ...view, index: 4 }, 0);
    assert.notEqual(other, first, 'another bot has its own');
    assert.notEqual(bot.input({ ...view, seq: RANDOM_HOLD_TICKS }, 0), first, 'a new input after the hold');
  });

  it('refuse a bot without a schema or an input function', () => {
    assert.throws(() => defineBot({ schema: {} as typeof schema, input: () => ({}) as never }), /defineBot/);
    assert.throws(() => defineBot({ schema, input: 1 as never }), /`input` must be a function/);
  });
});

describe('load tester room modules', () => {
  it('load schema, room factory and bot, and say what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickwave-room-'));
    try {
      const server = pathToFileURL(join(import.meta.dirname, '../server/index.ts')).href;
      const shared = pathToFileURL(join(import.meta.dirname, '../shared/index.ts')).href;
      const room = join(dir, 'room.mjs');
      writeFileSync(
        room,
        `import { defineSchema, t } from '${shared}';\nimport { defineRoom } from '${server}';\n` +
          'export const schema = defineSchema({ entities: { a: { x: t.uint(8) } }, input: { b: t.bool() } });\n' +
          'export const room = (p) => defineRoom(schema, { maxClients: p.entities + 1 });\n',
      );
      const url = pathToFileURL(room).href;
      const m = await importLoadModule(url);
      assert.equal(m.bot, null, 'no bot: random inputs');
      assert.equal(roomTypeOf(m, url, { entities: 41, tickRateHz: 30 }).maxClients, 42);
      const tag = join(dir, 'tag.mjs');
      writeFileSync(
        tag,
        `import { schema } from './room.mjs';\nimport { defineRoom } from '${server}';\n` +
          'export const tagRoom = defineRoom(schema, { maxClients: 16 });\n',
      );
      const named = await importLoadModule(pathToFileURL(tag).href);
      assert.equal(named.schema, m.schema, 'the schema of the only room type');
      assert.equal(roomTypeOf(named, url, { entities: 0, tickRateHz: 30 }).maxClients, 16, 'under its own name');
      const bad = join(dir, 'bad.mjs');
      writeFileSync(bad, 'export const room = 1;\n');
      await assert.rejects(importLoadModule(pathToFileURL(bad).href), /`room` must be made with defineRoom/);
      const none = join(dir, 'none.mjs');
      writeFileSync(none, 'export const other = 1;\n');
      await assert.rejects(importLoadModule(pathToFileURL(none).href), /exports no schema/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('name each report of its own, even two in the same millisecond', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickwave-names-'));
    try {
      const date = new Date('2026-01-02T03:04:05.678Z');
      const a = uniqueReportPath(dir, 'my room!', date);
      assert.equal(a, join(dir, 'load-my-room-2026-01-02T03-04-05-678.json'));
      writeFileSync(a, '{}');
      assert.equal(uniqueReportPath(dir, 'my room!', date), join(dir, 'load-my-room-2026-01-02T03-04-05-678-2.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A measured window with these server figures (the verdict reads no other). */
function window(clients: number, cpuPercent: number, tickP99Ms: number, held = true): WindowFigures {
  return {
    clients,
    held,
    reasons: held ? [] : ['tick p99 over budget'],
    notes: held ? [] : ['tick p99 over budget', 'other processes on this machine used 20 % of a core'],
    server: { cpuPercent, tickP99Ms },
    client: { latencyP99Ms: 40, wireBytesPerClientPerSec: 2048, snapshotsPerClientPerSec: 60 },
  } as unknown as WindowFigures;
}

describe('load tester verdict', () => {
  const options = {
    ...{ tickRateHz: 50, snapshotRateHz: null, clients: 100, ramp: true, rampMax: 400 },
    ...{ budget: DEFAULT_BUDGET, headroom: 0.3 },
  };

  it('fits a line through the ramp windows for clients per core with the headroom kept', () => {
    // 10 % fixed + 0.1 % per client of a core.
    const steps = [window(100, 20, 2), window(200, 30, 3), window(300, 40, 4, false)];
    const v = verdictOf(options, steps, 200, false);
    assert.equal(v.held, true);
    assert.equal(v.clientsPerCore, 600, '(70 % - 10 %) / 0.1 %');
    assert.match(v.summary, /^HELD up to 200 clients at 50 Hz within your budget; at 300: tick p99 over budget/);
    assert.match(v.recommendation, /^holds about 600 clients per core at 50 Hz with 30 % headroom/);
  });

  it('scales one window from zero, and says not held with why', () => {
    const v = verdictOf({ ...options, ramp: false }, [window(100, 10, 14, false)], 0, false);
    assert.equal(v.held, false);
    assert.equal(v.summary, 'NOT HELD at 100 clients and 50 Hz: tick p99 over budget', 'the reasons, not the warnings');
    assert.match(v.recommendation, /a window that did not hold/);
    assert.equal(v.clientsPerCore, 700, '100 clients on 10 % of a core: 100 × 0.7 / 0.1');
    assert.doesNotMatch(`${v.summary} ${v.recommendation}`, /target|peer/i, 'no internal targets or peer figures');
  });
});
