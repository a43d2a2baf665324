/** The server's compiled world quantizer gives exactly the snapshot shared `quantizeWorld` gives. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineSchema, quantizeWorld, seededRandom, t } from '../shared/index.ts';
import { quantizeEntities } from '../server/worldQuantizer.ts';

const schema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: -500, max: 500, step: 0.01 }),
      a: t.angle({ steps: 1024 }),
      hp: t.uint(8),
      boost: t.bool(),
      name: t.string({ maxBytes: 12 }),
    },
    rock: { sizeClass: t.enum(['s', 'm', 'l']), y: t.int(8) },
  },
  input: { dx: t.float({ min: -1, max: 1, step: 0.01 }) },
});

describe('world quantizer', () => {
  it('quantizes every kind and field like quantizeWorld, out-of-range and odd values included', () => {
    const rand = seededRandom(4);
    for (let round = 0; round < 20; round++) {
      const entities = [];
      let id = 0;
      for (let i = 0; i < 200; i++) {
        id += 1 + Math.floor(rand() * 3);
        if (rand() < 0.5) {
          const state = {
            x: (rand() - 0.5) * 1200,
            a: (rand() - 0.5) * 20,
            hp: Math.floor(rand() * 300) - 20,
            boost: rand() < 0.5,
            name: rand() < 0.1 ? 'a name far too long for twelve bytes' : `s${i}`,
          };
          entities.push({ id, kind: 0, state });
        } else {
          const state = {
            sizeClass: ['s', 'm', 'l', 'x'][Math.floor(rand() * 4)],
            y: rand() < 0.05 ? Number.NaN : (rand() - 0.5) * 250,
          };
          entities.push({ id, kind: 1, state });
        }
      }
      assert.deepEqual(quantizeEntities(schema, round, entities), quantizeWorld(schema, round, entities));
    }
  });

  it(
    'shares the last snapshot’s id and kind columns while the entities and their kinds stay the same, ' +
      'and only then',
    () => {
      const at = (x: number) => ({ x, a: 0, hp: 1, boost: false, name: 'n' });
      const entities = [
        { id: 3, kind: 0, state: at(1) },
        { id: 8, kind: 1, state: { sizeClass: 'm', y: 2 } },
      ];
      const first = quantizeEntities(schema, 1, entities);
      const moved = [{ ...entities[0]!, state: at(2) }, entities[1]!];
      const second = quantizeEntities(schema, 2, moved, first);
      assert.deepEqual(second, quantizeWorld(schema, 2, moved));
      assert.equal(second.ids, first.ids);
      assert.equal(second.kinds, first.kinds);
      const variants = [
        [entities[0]!],
        [entities[0]!, { ...entities[1]!, id: 9 }],
        [entities[0]!, { id: 8, kind: 0, state: at(5) }],
        [...entities, { id: 10, kind: 0, state: at(0) }],
      ];
      for (const changed of variants) {
        const third = quantizeEntities(schema, 3, changed, second);
        assert.deepEqual(third, quantizeWorld(schema, 3, changed));
        assert.notEqual(third.ids, second.ids);
        assert.notEqual(third.kinds, second.kinds);
      }
    },
  );
});
