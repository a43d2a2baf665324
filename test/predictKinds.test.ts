// Prediction with several entity kinds: the step function gets `state.kind` as a discriminant that
// narrows the state (checked by tsc), and the predicted state object carries it at run time without
// it becoming a field (never enumerated, never copied into what is drawn). The server's entities
// (`room.get(id)`, `room.entities()`) are the same discriminated union, so one step function serves both.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PredictionOptions, Predictor } from '../client/index.ts';
import { defineRoom } from '../server/index.ts';
import { defineSchema, type InputOf, t } from '../shared/index.ts';

const schema = defineSchema({
  entities: {
    ship: { x: t.float({ min: 0, max: 100, step: 0.01 }), fuel: t.uint(8) },
    turret: { angle: t.angle({ steps: 360 }) },
  },
  input: { thrust: t.bool(), turn: t.int(3) },
});
type S = typeof schema;

/** One step for either kind a player may control; `state.kind` picks the rule. */
function step(state: Parameters<PredictionOptions<S>['apply']>[0], input: InputOf<S>, dtSec: number): void {
  if (state.kind === 'ship') {
    state.x += input.thrust ? 10 * dtSec : 0;
    state.fuel -= input.thrust ? 1 : 0;
  } else {
    state.angle += input.turn * dtSec;
    // @ts-expect-error: a turret has no fuel; the discriminant narrowed the state
    state.fuel = 0;
  }
}

/** The server runs the same function: its entities of a kind union are discriminated by `kind` too. */
export const room = defineRoom(schema, {
  onInput(room, client, input, dtSec) {
    const controlled = room.get(client.entityId);
    if (controlled !== undefined) step(controlled, input, dtSec);
    for (const entity of room.entities()) if (entity.kind === 'ship') entity.fuel = Math.max(0, entity.fuel);
  },
});

describe('prediction with several kinds', () => {
  it('gives the step function the entity kind as a non-field discriminant', () => {
    const kinds: string[] = [];
    const apply: PredictionOptions<S>['apply'] = (state, input, dtSec) => {
      kinds.push(state.kind);
      step(state, input, dtSec);
    };
    const ship = new Predictor(schema, schema.kindIndex('ship'), apply as never, 1 / 60, {});
    const turret = new Predictor(schema, schema.kindIndex('turret'), apply as never, 1 / 60, {});
    assert.equal((ship.state as { kind?: string }).kind, 'ship');
    assert.equal((turret.state as { kind?: string }).kind, 'turret');
    assert.deepEqual(Object.keys(ship.state), [], 'kind is not a field');
    assert.deepEqual({ ...turret.state }, {}, 'and is not copied');
    assert.deepEqual(kinds, []);
  });
});
