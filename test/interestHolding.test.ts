/** Holdings of interest-managed clients: which are interned (shared) and which are left apart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientInterest } from '../server/interest/ClientInterest.ts';
import { Group } from '../server/interest/Group.ts';
import { EMPTY_HOLDING, Holding, HoldingInterner } from '../server/interest/Holding.ts';

const EMPTY = { tick: -1, count: 0, stride: 1, ids: [], kinds: [], values: [], motion: null, texts: null };
const groups = [0, 1, 2].map((id) => new Group(id, id, id * 10, 0, id * 10 + 10, 10, EMPTY));

function holding(tick: number, ids: readonly number[], ticks: readonly number[], canon: readonly number[]): Holding {
  return new Holding(
    tick,
    ids.map((id) => groups[id]!),
    Int32Array.from(ticks),
    Uint8Array.from(canon),
    0,
  );
}

describe('HoldingInterner', () => {
  it('shares holdings whose every group is at their tick by a one-tick delta, by their groups', () => {
    const interner = new HoldingInterner();
    const a = interner.intern(holding(7, [0, 2], [7, 7], [1, 1]));
    assert.equal(interner.intern(holding(7, [0, 2], [7, 7], [1, 1])), a);
    assert.notEqual(interner.intern(holding(7, [0, 1], [7, 7], [1, 1])), a, 'other groups');
    assert.equal(a.allCanon, true);
  });

  it('leaves apart holdings with a group added, kept or sent by a longer delta', () => {
    const interner = new HoldingInterner();
    for (const [ticks, canon] of [
      [
        [7, 7],
        [1, 0],
      ], // group 2 added this tick: no motion yet
      [
        [7, 6],
        [1, 1],
      ], // group 2 kept from tick 6
    ] as const) {
      const made = holding(7, [0, 2], ticks, canon);
      assert.equal(made.allCanon, false);
      assert.equal(interner.intern(made), made);
      assert.notEqual(interner.intern(holding(7, [0, 2], ticks, canon)), made);
    }
  });

  it('forgets the holdings of earlier ticks', () => {
    const interner = new HoldingInterner();
    const old = interner.intern(holding(7, [1], [7], [1]));
    const now = holding(8, [1], [8], [1]);
    assert.equal(interner.intern(now), now);
    assert.notEqual(now, old);
    assert.equal(EMPTY_HOLDING.tick, -1);
    assert.equal(EMPTY_HOLDING.groups.length, 0);
  });

  it('counts the clients holding each holding', () => {
    const a = new ClientInterest(100, 10);
    const b = new ClientInterest(100, 10);
    const h = holding(3, [0], [3], [1]);
    a.hold(h);
    b.hold(h);
    a.hold(h);
    assert.equal(h.holders, 2);
    const next = holding(4, [0], [4], [1]);
    a.hold(next);
    assert.deepEqual([h.holders, next.holders], [1, 1]);
    b.reset();
    assert.equal(h.holders, 0);
    assert.equal(b.holding, EMPTY_HOLDING);
  });

  it('moves on to the next tick in place only for its sole client', () => {
    const h = holding(5, [0, 1], [5, 4], [1, 0]);
    const copy = h.updated(6, false);
    assert.notEqual(copy, h);
    assert.deepEqual([copy.tick, [...copy.ticks], [...copy.canon]], [6, [6, 6], [1, 0]]);
    assert.deepEqual([h.tick, [...h.ticks], [...h.canon]], [5, [5, 4], [1, 0]], 'the original is unchanged');
    const moved = h.updated(6, true);
    assert.equal(moved, h);
    assert.deepEqual([h.tick, [...h.ticks], [...h.canon], h.allCanon], [6, [6, 6], [1, 0], false]);
  });
});
