/**
 * Held inputs: an Input may hold its values for the next `holdTicks` seqs, so a client holding keys sends
 * only when its input changes, an ack is due or half the hold ran out. The server applies the held seqs
 * as the client's own inputs (not stand-ins), keeps reporting the lead it had, and applies a change that
 * arrives after its seq was applied from a hold at the next tick. On the wire: the strict decoder and the
 * fast reader agree on the six-element form, and refuse a hold past MAX_INPUT_HOLD_TICKS.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TickwaveClient } from '../client/index.ts';
import { InputBuffer } from '../server/InputBuffer.ts';
import {
  CloseCode,
  decodeClientMessage,
  emptyInputFrame,
  encodeMessage,
  MAX_INPUT_HOLD_TICKS,
  MESSAGE_SCRATCH_BYTES,
  MsgKind,
  readInputFrame,
  writeInputMessage,
} from '../shared/index.ts';
import { gameLoop, schema, watchedClient } from './helpers/clientFixture.ts';

const TICK_MS = 1000 / 60;

/** One tick of the buffer: what it applied (seq, first value, stood in?) and the lead after. */
function tick(
  buffer: InputBuffer,
  nowMs?: number,
): { seqs: number[]; values: number[]; repeated: boolean[]; lead: number } {
  const out = { seqs: [] as number[], values: [] as number[], repeated: [] as boolean[], lead: 0 };
  for (let n = buffer.due(nowMs); n > 0; n--) {
    const input = buffer.take();
    out.seqs.push(input.seq);
    out.values.push(input.values[0] as number);
    out.repeated.push(input.repeated);
  }
  out.lead = buffer.lead;
  return out;
}

describe('held inputs in the server input buffer', () => {
  it('applies the held seqs as the client’s inputs, then stands in only after the hold', () => {
    const buffer = new InputBuffer(16, TICK_MS);
    // Seqs 0 and 1 a tick apart (the reserve), then seq 2 holds for 5 more seqs.
    buffer.push(0, 100, [1], 0);
    buffer.push(1, 101, [1], TICK_MS);
    buffer.push(2, 102, [7], 2 * TICK_MS, 5);
    const applied: { seq: number; value: number; repeated: boolean }[] = [];
    const leads: number[] = [];
    for (let t = 0; t < 12; t++) {
      const r = tick(buffer);
      r.seqs.forEach((seq, i) => {
        applied.push({ seq, value: r.values[i]!, repeated: r.repeated[i]! });
      });
      leads.push(r.lead);
    }
    const seqs = applied.map((a) => a.seq);
    assert.deepEqual(seqs.slice(0, 8), [0, 1, 2, 3, 4, 5, 6, 7], 'one seq per tick through the hold');
    assert.deepEqual(
      applied.slice(2, 8).map((a) => [a.value, a.repeated]),
      Array.from({ length: 6 }, () => [7, false]),
      'seq 2 and the 5 it holds carry its values and are not stand-ins',
    );
    assert.ok(
      applied.slice(8).every((a) => a.repeated),
      'past the hold, stand-ins',
    );
    assert.equal(buffer.repeated, applied.length - 8, 'only the seqs past the hold count as missed');
  });

  it('keeps reporting the lead it had while a client holds (no send-time correction from holding)', () => {
    const buffer = new InputBuffer(16, TICK_MS);
    // A steady client one input per tick, then it holds for 20 seqs: the lead must not fall.
    let seq = 0;
    const leads: number[] = [];
    for (let t = 0; t < 30; t++) {
      if (t < 10) buffer.push(seq++, t, [1], t * TICK_MS + 3);
      else if (t === 10) buffer.push(seq++, t, [2], t * TICK_MS + 3, 20);
      leads.push(tick(buffer, t * TICK_MS + 5).lead);
    }
    const steady = leads[9]!;
    assert.deepEqual(
      leads.slice(10, 28),
      leads.slice(10, 28).map(() => steady),
      `lead ${steady} kept: ${leads}`,
    );
  });

  it('applies a change that arrives after its seq was applied from a hold at the next tick, not dropping it', () => {
    const buffer = new InputBuffer(16, TICK_MS);
    buffer.push(0, 0, [1], 0, 10);
    for (let t = 0; t < 6; t++) tick(buffer);
    // The server has applied seqs 0…5 (some from the hold); the client's change at seq 3 comes late.
    const before = tick(buffer);
    assert.deepEqual(before.seqs, [before.seqs[0]]);
    const applied = before.seqs[0]!;
    assert.ok(buffer.push(3, 3, [9], 7 * TICK_MS, 10), 'taken, not dropped as late');
    const next = tick(buffer);
    assert.deepEqual(next.seqs, [applied + 1]);
    assert.deepEqual(next.values, [9]);
    assert.deepEqual(next.repeated, [false]);
    // It holds to seq 3 + 10 = 13, then stand-ins.
    const rest: number[] = [];
    for (let t = 0; t < 8; t++) {
      const r = tick(buffer);
      if (!r.repeated[0]) rest.push(r.seqs[0]!);
    }
    assert.equal(rest.at(-1), 13);
    // A late input whose hold ended before the applied seqs is still dropped.
    assert.equal(buffer.push(4, 4, [5], 9 * TICK_MS, 1), false);
  });
});

describe('held inputs on the wire', () => {
  const fields = schema.input;

  it('the fast reader and the strict decoder agree on every Input form, with and without a hold', () => {
    const frame = emptyInputFrame(fields.length);
    const scratch = new Uint8Array(MESSAGE_SCRATCH_BYTES);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.tuple(...fields.map((f) => fc.integer({ min: 0, max: f.range - 1 }))),
        fc.integer({ min: -1, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: MAX_INPUT_HOLD_TICKS }),
        (seq, viewTick, values, ackTick, holdTicks) => {
          const bytes = scratch.slice(0, writeInputMessage(scratch, seq, viewTick, values, ackTick, holdTicks));
          const packed = encodeMessage({ kind: MsgKind.Input, seq, viewTick, values, ackTick, holdTicks });
          assert.deepEqual([...bytes], [...packed], 'the hand writer writes what msgpackr writes');
          const strict = decodeClientMessage(bytes);
          assert.ok(strict.ok && strict.value.kind === MsgKind.Input);
          assert.equal(strict.value.holdTicks ?? 0, holdTicks);
          assert.equal(strict.value.ackTick ?? -1, ackTick);
          assert.ok(readInputFrame(bytes, fields, frame), 'the fast reader reads it');
          assert.deepEqual(
            [frame.seq, frame.viewTick, frame.ackTick, frame.holdTicks],
            [seq, viewTick, ackTick, holdTicks],
          );
          assert.deepEqual(frame.values, values);
        },
      ),
      { seed: 23, numRuns: 500 },
    );
  });

  it('refuses a hold past the maximum, a negative one and a wrong ack in the six-element form with 4002', () => {
    const frame = emptyInputFrame(fields.length);
    const values = fields.map(() => 0);
    for (const [ackTick, hold] of [
      [-1, MAX_INPUT_HOLD_TICKS + 1],
      [5, 200],
      [-1, -1],
      [-2, 3],
      [1.5, 3],
    ] as const) {
      const bytes = encodeMessage({ kind: MsgKind.Input, seq: 1, viewTick: 1, values, ackTick: 0, holdTicks: 1 });
      // Rebuild the tail by hand: [.., ackTick, hold] as msgpackr writes them.
      const raw = decodeClientMessage(bytes);
      assert.ok(raw.ok);
      const hostile = new Uint8Array([...bytes.subarray(0, bytes.length - 2), ...tailBytes(ackTick, hold)]);
      const strict = decodeClientMessage(hostile);
      assert.ok(!strict.ok, `ack ${ackTick} hold ${hold} refused`);
      assert.equal(strict.error.code, CloseCode.OutOfRange);
      assert.equal(readInputFrame(hostile, fields, frame), false, 'the fast reader leaves it to the strict decoder');
    }
  });
});

/** msgpack of `ackTick` then `hold` (the last two elements of a six-element Input). */
function tailBytes(ackTick: number, hold: number): number[] {
  const one = (v: number): number[] => {
    if (Number.isInteger(v) && v >= 0 && v < 128) return [v];
    if (Number.isInteger(v) && v >= 0 && v < 256) return [0xcc, v];
    if (Number.isInteger(v) && v < 0 && v >= -32) return [v & 0xff];
    const b = new Uint8Array(9);
    b[0] = 0xcb;
    new DataView(b.buffer).setFloat64(1, v);
    return [...b];
  };
  return [...one(ackTick), ...one(hold)];
}

describe('a client holding its input', () => {
  /** A client against the real server on one fake clock, counting the Input frames it sends. */
  async function setup(inputHoldTicks: number) {
    const sent = { inputs: 0, held: 0 };
    const { clock, client } = await watchedClient(inputHoldTicks, (msg) => {
      if (msg.kind !== MsgKind.Input) return;
      sent.inputs++;
      if ((msg.holdTicks ?? 0) > 0) sent.held++;
    });
    return { clock, client, sent };
  }

  /** Keys held for 40 ticks at a time, in turn: right, down, still, left. */
  function keys(): () => { dx: number; dy: number; aim: number } {
    const course = [
      { dx: 1, dy: 0, aim: 0 },
      { dx: 0, dy: 1, aim: 1 },
      { dx: 0, dy: 0, aim: 1 },
      { dx: -1, dy: 0, aim: 2 },
    ];
    let n = 0;
    return () => course[Math.floor(n++ / 40) % course.length]!;
  }

  it('sends a fraction of the inputs, and the server steps exactly what the client predicted', async () => {
    const { clock, client, sent } = await setup(MAX_INPUT_HOLD_TICKS);
    await gameLoop(clock, client, keys()).run(5000);
    const stats = client.stats;
    assert.ok(stats.snapshots > 200, `${stats.snapshots} snapshots`);
    assert.ok(
      sent.inputs > 0 && sent.inputs * 5 < stats.snapshots,
      `${sent.inputs} Inputs for ${stats.snapshots} ticks`,
    );
    assert.equal(sent.held, sent.inputs, 'every input sent by update holds');
    assert.equal(stats.missedInputs, 0, 'no tick ran on a stand-in');
    assert.ok(stats.lastCorrection < 1e-6, `prediction matched the server: last correction ${stats.lastCorrection}`);
    assert.equal(stats.correctionSnaps, 0);
  });

  it('with a hold of 0, sends every input as before', async () => {
    const { clock, client, sent } = await setup(0);
    await gameLoop(clock, client, keys()).run(3000);
    assert.ok(sent.inputs > 100 && sent.held === 0, `${sent.inputs} inputs, ${sent.held} held`);
    assert.equal(client.stats.missedInputs, 0);
  });

  it('refuses an inputHoldTicks out of range when the client is made', () => {
    for (const inputHoldTicks of [-1, MAX_INPUT_HOLD_TICKS + 1, 2.5]) {
      assert.throws(
        () => new TickwaveClient(schema, { url: 'memory://x', socketFactory: () => null as never, inputHoldTicks }),
        RangeError,
      );
    }
  });
});
