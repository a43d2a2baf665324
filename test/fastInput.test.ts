/**
 * The Input fast path (shared/wire/fastMessages.ts `readInputFrame`, server/sessionMessages.ts): what it
 * reads, the strict decoder reads to the same values; what it does not read falls back to the strict
 * decoder; an ack rides on the Input and is checked like an Ack.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CloseCode,
  checkInputValues,
  decodeClientMessage,
  emptyInputFrame,
  encodeMessage,
  MAX_INPUT_SEQ,
  MsgKind,
  readInputFrame,
  seededRandom,
  writeInputMessage,
} from '../shared/index.ts';
import { MemoryTransport, type RoomHandlers, Server } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { hostileFrameArb, validClientMsgArb } from './helpers/hostileValues.ts';
import { arenaRoom, type TestClient, type TestSchema, testSchema } from './helpers/serverFixture.ts';
import { joinOnClock } from './helpers/steppedServer.ts';

const SEED = 2323;
const fields = testSchema.input;

/** Quantized values of the test schema's input, each within its field's range. */
const valuesArb = fc.tuple(...fields.map((f) => fc.integer({ min: 0, max: f.range - 1 })));
const inputArb = fc.record({
  seq: fc.integer({ min: 0, max: MAX_INPUT_SEQ }),
  viewTick: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  values: valuesArb,
  ackTick: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
});

/** Checks that a frame the fast path read is an Input the strict decoder reads to the same values. */
function assertAgrees(bytes: Uint8Array): boolean {
  const frame = emptyInputFrame(fields.length);
  if (!readInputFrame(bytes, fields, frame)) return false;
  const strict = decodeClientMessage(bytes);
  assert.ok(strict.ok && strict.value.kind === MsgKind.Input, 'the strict decoder reads it too');
  assert.equal(strict.value.seq, frame.seq);
  assert.equal(strict.value.viewTick, frame.viewTick);
  assert.equal(strict.value.ackTick ?? -1, frame.ackTick);
  assert.deepEqual([...strict.value.values], frame.values);
  assert.ok(checkInputValues(testSchema, strict.value.values).ok, 'values in the schema');
  return true;
}

describe('the Input fast path', () => {
  it('reads every Input the client and the bots write, with or without an ack, to the strict values', () => {
    const scratch = new Uint8Array(64);
    fc.assert(
      fc.property(inputArb, ({ seq, viewTick, values, ackTick }) => {
        const encoded = encodeMessage({ kind: MsgKind.Input, seq, viewTick, values, ackTick });
        const written = scratch.slice(0, writeInputMessage(scratch, seq, viewTick, values, ackTick));
        assert.deepEqual(written, Uint8Array.from(encoded), 'the bots write what encodeMessage writes');
        assert.ok(assertAgrees(encoded));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('never reads a frame the strict decoder refuses or reads otherwise: random, mutated, cut and hostile', () => {
    const valid = validClientMsgArb(testSchema);
    const mutated = fc
      .tuple(inputArb, fc.array(fc.tuple(fc.nat(40), fc.nat(255)), { minLength: 1, maxLength: 3 }))
      .map(([i, edits]) => {
        const bytes = encodeMessage({ kind: MsgKind.Input, ...i });
        for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
        return bytes;
      });
    const cut = fc
      .tuple(inputArb, fc.nat())
      .map(([i, n]) => encodeMessage({ kind: MsgKind.Input, ...i }).slice(0, n % 20));
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      mutated,
      cut,
      hostileFrameArb(valid).map((f) => f.bytes),
    );
    let read = 0;
    fc.assert(
      fc.property(frames, (bytes) => {
        if (assertAgrees(bytes)) read++;
      }),
      { seed: SEED, numRuns: 3000 },
    );
    assert.ok(read > 0, 'some frames were read by the fast path');
  });

  it('leaves other forms to the strict decoder: wider integers, floats, a value out of range, extra bytes', () => {
    const frame = emptyInputFrame(fields.length);
    const good = encodeMessage({ kind: MsgKind.Input, seq: 5, viewTick: 9, values: [3, 4, 1], ackTick: 7 });
    assert.ok(readInputFrame(good, fields, frame));
    assert.deepEqual([frame.seq, frame.viewTick, frame.values, frame.ackTick], [5, 9, [3, 4, 1], 7]);
    const int8 = Uint8Array.of(0x94, 0x03, 0xd0, 0x05, 0x09, 0x93, 0x03, 0x04, 0x01);
    assert.equal(readInputFrame(int8, fields, frame), false);
    assert.ok(decodeClientMessage(int8).ok, 'the strict decoder still reads an int8 seq');
    const float = Uint8Array.of(0x94, 0x03, 0x05, 0x09, 0x93, 0xcb, 0x40, 0x08, 0, 0, 0, 0, 0, 0, 0x04, 0x01);
    assert.equal(readInputFrame(float, fields, frame), false);
    const outOfRange = encodeMessage({ kind: MsgKind.Input, seq: 5, viewTick: 9, values: [3, 4, 2] });
    assert.equal(readInputFrame(outOfRange, fields, frame), false, 'fire is a bool: 2 is out of range');
    assert.equal(readInputFrame(Uint8Array.of(...good, 0), fields, frame), false, 'trailing byte');
    const overSeq = encodeMessage({ kind: MsgKind.Input, seq: MAX_INPUT_SEQ + 1, viewTick: 0, values: [0, 0, 0] });
    assert.equal(readInputFrame(overSeq, fields, frame), false);
    const badAck = decodeClientMessage(Uint8Array.of(0x95, 0x03, 0x05, 0x09, 0x93, 0x03, 0x04, 0x01, 0xff));
    assert.ok(!badAck.ok && badAck.error.code === CloseCode.OutOfRange, 'a negative ack tick is out of range');
  });
});

async function setup(extra: Partial<RoomHandlers<TestSchema>> = {}) {
  const clock = new FakeClock();
  const memory = new MemoryTransport({ clock, latencyMs: 0, jitterMs: 0, random: seededRandom(3) });
  const server = new Server({
    clock,
    transport: memory,
    tickRateHz: 50,
    autoTick: false,
    logger: { warn() {}, error() {} },
  });
  server.define('arena', arenaRoom({ extra }));
  await server.listen(0, '127.0.0.1');
  const c = await joinOnClock(memory, clock);
  const step = (): void => {
    server.step();
    clock.advance(1);
  };
  return { clock, server, c, step };
}

/** The client's close, which must have happened. */
function closeOf(c: TestClient): { code: number; reason: string } {
  assert.ok(c.closed !== null, 'the server closed the client');
  return c.closed;
}

describe('a server receiving Inputs that carry acks', () => {
  it('applies fast-form and strict-form inputs alike, and closes with 4002 on an ack of a future tick', async () => {
    const seen: number[] = [];
    const { clock, c, step } = await setup({ onInput: (_r, _c, input) => void seen.push(Math.round(input.dx * 100)) });
    step();
    const tick = c.latest!.tick;
    const dx = (v: number): number => fields[0]!.quantize(v) as number;
    c.socket.send(
      encodeMessage({ kind: MsgKind.Input, seq: 1, viewTick: tick, values: [dx(0.1), 0, 0], ackTick: tick }),
    );
    // A form the strict decoder reads and the fast path leaves to it: the first value as an int8 (0xd0).
    const short = encodeMessage({ kind: MsgKind.Input, seq: 2, viewTick: tick, values: [dx(0.2), 0, 0] });
    c.socket.send(Uint8Array.of(...short.subarray(0, -3), 0xd0, ...short.subarray(-3)));
    c.socket.send(encodeMessage({ kind: MsgKind.Input, seq: 3, viewTick: tick, values: [dx(0.3), 0, 0] }));
    clock.advance(1);
    for (let i = 0; i < 4; i++) step();
    assert.deepEqual(seen.slice(0, 3), [10, 20, 30]);
    assert.equal(c.lastInputSeq >= 3, true);
    assert.equal(c.closed, null);
    const future = c.latest!.tick + 1000;
    c.socket.send(encodeMessage({ kind: MsgKind.Input, seq: 9, viewTick: 0, values: [0, 0, 0], ackTick: future }));
    for (let i = 0; i < 10 && c.isOpen; i++) clock.advance(1);
    const closed = closeOf(c);
    assert.equal(closed.code, CloseCode.OutOfRange);
    assert.match(closed.reason, /future tick/);
  });
});
