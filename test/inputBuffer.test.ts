/**
 * The server's per-client input buffer (server/InputBuffer.ts): sized from the measured arrival
 * jitter, one input per tick, a stand-in for a missing input under its seq, a backlog drained; and the
 * local player drawn between its last two predicted states at the frame's sub-tick time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Predictor } from '../client/index.ts';
import { DILATION_PER_INPUT, MAX_INPUT_DILATION } from '../client/InputSender.ts';
import { InputBuffer, MAX_REPEATED_INPUTS } from '../server/InputBuffer.ts';
import { quantizeWorld, seededRandom } from '../shared/index.ts';
import { testSchema } from './helpers/serverFixture.ts';

const TICK_MS = 1000 / 60;
const VALUES = [0, 0, 0];

/**
 * A client sending one input per tick, timed by send-time dilation from the buffer's lead (as
 * client/InputSender.ts does), whose inputs arrive after `delay()` ms in order; the server ticking at
 * `phaseMs` past each tick boundary. Returns the buffer and the seqs applied on each tick.
 */
function play(ticks: number, delay: () => number, phaseMs: number): { buffer: InputBuffer; applied: number[][] } {
  const buffer = new InputBuffer(16, TICK_MS);
  const inFlight: { seq: number; at: number }[] = [];
  const applied: number[][] = [];
  let lead = 0;
  let sendAt = 0;
  let seq = 0;
  let lastArrival = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const at = tick * TICK_MS + phaseMs;
    while (sendAt <= at) {
      lastArrival = Math.max(lastArrival, sendAt + delay());
      inFlight.push({ seq: seq++, at: lastArrival });
      const dilation = Math.max(-MAX_INPUT_DILATION, Math.min(MAX_INPUT_DILATION, DILATION_PER_INPUT * lead));
      sendAt += TICK_MS * (1 + dilation);
    }
    while (inFlight.length > 0 && inFlight[0]!.at <= at) {
      const input = inFlight.shift()!;
      buffer.push(input.seq, 0, VALUES, input.at);
    }
    const seqs: number[] = [];
    for (let n = buffer.due(); n > 0; n--) seqs.push(buffer.take().seq);
    applied.push(seqs);
    lead += (buffer.lead - lead) * 0.1;
  }
  return { buffer, applied };
}

describe('server input buffer', () => {
  it('applies exactly one input per tick on a clean link, holding one in reserve', () => {
    const random = seededRandom(1);
    // Arrivals close to the tick boundary, either side: without a reserve about half the ticks would be empty.
    const { buffer, applied } = play(2000, () => random() * 2, 1);
    const after = applied.slice(10);
    assert.ok(
      after.every((seqs) => seqs.length === 1),
      'one input every tick',
    );
    assert.equal(buffer.repeated, 0);
    assert.equal(buffer.target, 1);
    for (let i = 1; i < after.length; i++) assert.equal(after[i]![0], after[i - 1]![0]! + 1, 'in seq order');
  });

  it('grows its reserve with the measured jitter, so a tick almost never runs without its input', () => {
    const figures = [0, 15, 30].map((jitterMs) => {
      const random = seededRandom(2);
      const { buffer, applied } = play(6000, () => 60 + (random() * 2 - 1) * jitterMs, 1);
      const empty = applied.slice(1000).filter((seqs) => seqs.length === 0).length;
      return { jitterMs, target: buffer.target, measured: buffer.jitterMs, repeated: buffer.repeated, empty };
    });
    const [clean, some, more] = figures as [(typeof figures)[0], (typeof figures)[0], (typeof figures)[0]];
    assert.equal(clean.target, 1, 'one in reserve on a clean link');
    assert.ok(some.measured > clean.measured && more.measured > some.measured, JSON.stringify(figures));
    assert.ok(more.target >= 2, JSON.stringify(figures));
    for (const f of figures) {
      assert.equal(f.empty, 0, `no tick without input at ±${f.jitterMs} ms`);
      assert.ok(f.repeated < 60, `stand-ins only while the buffer filled, at ±${f.jitterMs} ms: ${f.repeated}`);
    }
  });

  it('stands in for a missing input under its seq, drops the late one, and stops standing in after a while', () => {
    const buffer = new InputBuffer(16, TICK_MS);
    buffer.push(0, 5, [1, 0, 0], 0);
    buffer.push(1, 6, [2, 0, 0], TICK_MS);
    assert.equal(buffer.due(), 1);
    assert.equal(buffer.take().seq, 0);
    assert.equal(buffer.due(), 1);
    assert.equal(buffer.take().seq, 1);
    assert.equal(buffer.lead, -1, 'short of its target');
    for (let n = 0; n < MAX_REPEATED_INPUTS; n++) {
      assert.equal(buffer.due(), 1);
      const standIn = buffer.take();
      assert.deepEqual([standIn.seq, standIn.repeated, standIn.values[0], standIn.viewTick], [2 + n, true, 2, 6]);
    }
    assert.equal(buffer.due(), 0, 'a client that stopped sending is not stood in for forever');
    assert.equal(buffer.target, 1);
    assert.equal(buffer.repeated, MAX_REPEATED_INPUTS);
    assert.equal(buffer.push(2, 7, VALUES, 200), false, 'the late input was stood in for: dropped');
    assert.equal(buffer.push(2 + MAX_REPEATED_INPUTS, 7, VALUES, 200), true);
    assert.equal(buffer.due(), 0, 'the reserve fills again before inputs are applied');
    let seq = 3 + MAX_REPEATED_INPUTS;
    while (buffer.due() === 0) buffer.push(seq, 7, VALUES, 200 + (seq++ - 2 - MAX_REPEATED_INPUTS) * TICK_MS);
    assert.ok(buffer.waiting > 1, 'inputs wait for a reserve before they are applied again');
    assert.equal(buffer.take().seq, 2 + MAX_REPEATED_INPUTS);
  });

  it('gives a stand-in’s seq back when the game applied nothing in its place', () => {
    const buffer = new InputBuffer(16, TICK_MS);
    buffer.push(0, 0, VALUES, 0);
    buffer.push(1, 0, VALUES, TICK_MS);
    for (let n = buffer.due(); n > 0; n--) buffer.take();
    assert.equal(buffer.take().seq, 1);
    const standIn = buffer.take();
    assert.deepEqual([standIn.seq, standIn.repeated], [2, true]);
    buffer.unrepeat();
    assert.equal(buffer.repeated, 0);
    assert.equal(buffer.push(2, 0, VALUES, 50), true, 'the late input takes its seq after all');
  });

  it('drains a backlog two per tick, and drops the oldest input when full', () => {
    const buffer = new InputBuffer(8, TICK_MS);
    for (let seq = 0; seq < 10; seq++) buffer.push(seq, 0, VALUES, 0);
    assert.equal(buffer.dropped, 2);
    assert.equal(buffer.waiting, 8);
    assert.equal(buffer.due(), 2);
    assert.deepEqual([buffer.take().seq, buffer.take().seq], [2, 3]);
  });
});

describe('local prediction between ticks', () => {
  it('draws the predicted entity between its last two states at the sub-tick time', () => {
    const rendered: Record<string, unknown> = {};
    const kind = testSchema.kindIndex('ship');
    const step = (state: Record<string, unknown>, input: Record<string, unknown>): void => {
      state.x = (state.x as number) + (input.dx as number);
    };
    const predictor = new Predictor(testSchema, kind, step, 1 / 60, rendered);
    const snapshot = quantizeWorld(testSchema, 1, [{ id: 7, kind, state: { x: 100, y: 0, a: 0, hp: 1 } }]);
    predictor.reconcile(snapshot, 0, []);
    predictor.applyInput({ dx: 6 });
    predictor.smooth(0, 0);
    assert.equal(rendered.x, 100);
    predictor.smooth(1, 0.5);
    assert.equal(rendered.x, 103);
    predictor.smooth(2, 1);
    assert.equal(rendered.x, 106);
    predictor.applyInput({ dx: 6 });
    predictor.smooth(3, 0.25);
    assert.equal(rendered.x, 107.5);
  });
});
