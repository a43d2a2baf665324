/** The strict msgpack reader: agrees with msgpackr on the subset it accepts, and rejects the rest with a result. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { MESSAGE_READ_LIMITS, type MsgValue, readMsgpack } from '../shared/wire/readMsgpack.ts';

const SEED = 20261206;
const packr = new Packr({ useRecords: false, variableMapSize: true });

/** Scalars the reader accepts, as msgpackr writes them. */
const scalar: fc.Arbitrary<MsgValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.string({ maxLength: 200, unit: 'grapheme' }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from(b)),
);
/** Values up to the protocol's depth: containers of scalars inside a top-level array or map. */
const inner: fc.Arbitrary<MsgValue> = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 20 }),
  fc
    .uniqueArray(fc.tuple(fc.string({ maxLength: 12 }), scalar), { maxLength: 8, selector: ([k]) => k })
    .map((e) => new Map(e)),
);
const top = fc.oneof(scalar, fc.array(inner, { maxLength: 10 }));

/** msgpackr's view of a value read by readMsgpack: maps as plain objects, bins as Buffers. */
function asMsgpackr(value: MsgValue): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, asMsgpackr(v)]));
  if (Array.isArray(value)) return value.map(asMsgpackr);
  return value;
}

/** A value with bins as arrays of numbers tagged 'bin' and maps as entry lists tagged 'map', for deep comparison. */
function plain(value: MsgValue): unknown {
  if (value instanceof Uint8Array) return ['bin', ...value];
  // Sorted: msgpackr writes a JS object, which puts integer-like keys first.
  if (value instanceof Map) {
    return ['map', ...[...value].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, plain(v)])];
  }
  if (Array.isArray(value)) return value.map(plain);
  // msgpackr writes −0 as the integer 0.
  return Object.is(value, -0) ? 0 : value;
}

function pack(value: MsgValue): Uint8Array {
  return packr.pack(asMsgpackr(value));
}

describe('readMsgpack', () => {
  it('reads back exactly what msgpackr wrote, for every value of the protocol’s subset', () => {
    fc.assert(
      fc.property(top, (value) => {
        const read = readMsgpack(pack(value));
        assert.ok(read.ok, read.ok ? '' : read.reason);
        assert.deepStrictEqual(plain(read.value), plain(value));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('returns a result, never a throw, for random and mutated bytes', () => {
    fc.assert(
      fc.property(
        top,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (value, edits) => {
          const bytes = Uint8Array.from(pack(value));
          for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
          const read = readMsgpack(bytes);
          assert.equal(typeof read.ok, 'boolean');
          for (let cut = 0; cut < bytes.length; cut += Math.max(1, bytes.length >> 3))
            readMsgpack(bytes.subarray(0, cut));
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        assert.equal(typeof readMsgpack(bytes).ok, 'boolean');
      }),
      { seed: SEED, numRuns: 20_000 },
    );
  });

  it('claims nothing for a declared length longer than the frame', () => {
    for (const header of [
      [0xdd, 0xff, 0xff, 0xff, 0xff],
      [0xdf, 0x7f, 0xff, 0xff, 0xff],
      [0xc6, 0xff, 0xff, 0xff, 0xff],
    ]) {
      const read = readMsgpack(Uint8Array.from(header));
      assert.ok(!read.ok && /past the end/.test(read.reason));
    }
    const long = readMsgpack(Uint8Array.from([0xdb, 0xff, 0xff, 0xff, 0xff]));
    assert.ok(!long.ok && /string over/.test(long.reason));
  });

  it('reads bins as views of the frame, not copies', () => {
    const frame = pack([Uint8Array.of(1, 2, 3)]);
    const read = readMsgpack(frame);
    assert.ok(read.ok && Array.isArray(read.value));
    const bin = (read.value as MsgValue[])[0] as Uint8Array;
    assert.equal(bin.buffer, frame.buffer);
  });

  it('limits nesting to the protocol’s depth', () => {
    assert.equal(MESSAGE_READ_LIMITS.maxDepth, 2);
    assert.ok(readMsgpack(pack([[1], new Map([['a', 1]])])).ok);
    assert.ok(!readMsgpack(pack([[[1]]])).ok);
    assert.ok(readMsgpack(pack([[[1]]]), { maxDepth: 3, maxStringBytes: 8 }).ok);
  });
});
