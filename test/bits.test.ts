import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BitReader, BitWriter, bitLengthOf } from '../shared/wire/bits.ts';
import { decodeUtf8, forEachUtf8Byte, truncateUtf8, utf8Length } from '../shared/wire/utf8.ts';

const SEED = 42;

/** One write, and what reading it back must give. */
type Op =
  | { readonly op: 'bits'; readonly n: number; readonly value: number }
  | { readonly op: 'bit'; readonly value: boolean }
  | { readonly op: 'byte'; readonly value: number }
  | { readonly op: 'eg'; readonly k: number; readonly value: number; readonly maxBits: number };

/** Exp-Golomb code length of `value` at order `k`: the `maxBits` a reader needs to accept it. */
function egSuffixBits(value: number, k: number): number {
  return bitLengthOf(value + 2 ** k);
}

/** A value of exactly `n` bits at most (n ≤ 53), built from two parts so fast-check covers all 53. */
function valueOfBits(n: number): fc.Arbitrary<number> {
  if (n <= 31) return fc.integer({ min: 0, max: 2 ** n - 1 });
  return fc
    .tuple(fc.integer({ min: 0, max: 2 ** (n - 31) - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }))
    .map(([high, low]) => high * 2 ** 31 + low);
}

const bitsOp: fc.Arbitrary<Op> = fc
  .integer({ min: 0, max: 53 })
  .chain((n) => valueOfBits(n).map((value): Op => ({ op: 'bits', n, value })));

const egValue = fc.oneof(
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: 0, max: 2 ** 20 }),
  fc.integer({ min: 0, max: 2 ** 31 }).map((v) => v * 4),
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 33 - 1, 2 ** 33),
);

const egOp: fc.Arbitrary<Op> = fc
  .record({ k: fc.integer({ min: 0, max: 31 }), value: egValue })
  .map(({ k, value }) => ({
    op: 'eg' as const,
    k,
    value,
    maxBits: Math.max(33, egSuffixBits(value, k)),
  }));

const anyOp: fc.Arbitrary<Op> = fc.oneof(
  bitsOp,
  egOp,
  fc.boolean().map((value): Op => ({ op: 'bit', value })),
  fc.integer({ min: 0, max: 255 }).map((value): Op => ({ op: 'byte', value })),
);

function writeAll(ops: readonly Op[], initialBytes = 1): Uint8Array {
  const w = new BitWriter(initialBytes);
  for (const o of ops) {
    if (o.op === 'bits') w.bits(o.value, o.n);
    else if (o.op === 'bit') w.bit(o.value);
    else if (o.op === 'byte') w.byte(o.value);
    else w.expGolomb(o.value, o.k);
  }
  return w.finish().slice();
}

function readOne(r: BitReader, o: Op): number | boolean {
  if (o.op === 'bits') return r.bits(o.n);
  if (o.op === 'bit') return r.bit();
  if (o.op === 'byte') return r.bits(8);
  return r.expGolomb(o.k, o.maxBits);
}

describe('BitWriter and BitReader', () => {
  it('round-trip any sequence of bit fields, bytes and Exp-Golomb codes', () => {
    fc.assert(
      fc.property(fc.array(anyOp, { maxLength: 60 }), (ops) => {
        const bytes = writeAll(ops);
        const r = new BitReader(bytes);
        for (const o of ops) assert.equal(readOne(r, o), o.value);
        assert.equal(r.overrun, false);
        assert.ok(r.atPaddedEnd());
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('writes Exp-Golomb codes of the documented length, orders 0 to 31', () => {
    for (let k = 0; k <= 31; k++) {
      for (const value of [0, 1, 2, 3, 7, 8, 1000, 2 ** 20, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 32]) {
        const w = new BitWriter();
        w.expGolomb(value, k);
        const expected = 2 * Math.floor(Math.log2(value + 2 ** k)) - k + 1;
        assert.equal(w.bitLength, expected, `EG(${k}) of ${value}`);
        const r = new BitReader(w.finish());
        assert.equal(r.expGolomb(k), value, `EG(${k}) of ${value} reads back with the default bound`);
        assert.ok(r.atPaddedEnd());
      }
    }
  });

  it('reads 53-bit fields at every bit alignment', () => {
    const value = 2 ** 53 - 1 - 12345;
    for (let shift = 0; shift < 8; shift++) {
      const w = new BitWriter(1);
      w.bits(0, shift);
      w.bits(value, 53);
      w.bits(5, 3);
      const r = new BitReader(w.finish());
      assert.equal(r.bits(shift), 0);
      assert.equal(r.bits(53), value);
      assert.equal(r.bits(3), 5);
      assert.ok(!r.overrun);
    }
  });

  it('grows its buffer and resets for a new message', () => {
    const w = new BitWriter(1);
    for (let i = 0; i < 5000; i++) w.byte(i);
    const first = w.finish();
    assert.equal(first.length, 5000);
    assert.equal(first[4999], 4999 & 0xff);
    w.reset();
    assert.equal(w.bitLength, 0);
    w.bit(true);
    assert.deepEqual([...w.finish()], [0x80]);
  });

  it('sets overrun and returns 0 when reading past the end', () => {
    const r = new BitReader(new Uint8Array([0xff]));
    assert.equal(r.bits(4), 15);
    assert.equal(r.bitsLeft, 4);
    assert.equal(r.bits(8), 0);
    assert.ok(r.overrun);
    assert.equal(r.bitsLeft, 0);
    assert.equal(r.bits(1), 0);
    assert.equal(r.bit(), false);
    const empty = new BitReader(new Uint8Array(0));
    assert.equal(empty.bits(53), 0);
    assert.ok(empty.overrun);
  });

  it('rejects an Exp-Golomb prefix longer than its bound instead of reading a huge value', () => {
    const zeros = new BitReader(new Uint8Array(64));
    assert.equal(zeros.expGolomb(0), -1);
    assert.ok(zeros.overrun);
    const w = new BitWriter();
    w.expGolomb(2 ** 40, 0);
    const long = new BitReader(w.finish());
    assert.equal(long.expGolomb(0), -1, 'a 41-bit code is over the default 33-bit bound');
    const bounded = new BitReader(new Uint8Array([0x00, 0x00, 0x80, 0x00, 0x00]));
    assert.equal(bounded.expGolomb(0, 8), -1);
  });

  it('reports a truncated Exp-Golomb code as overrun', () => {
    const w = new BitWriter();
    w.expGolomb(123_456, 3);
    const bytes = w.finish().slice();
    for (let len = 0; len < bytes.length; len++) {
      const r = new BitReader(bytes.subarray(0, len));
      const v = r.expGolomb(3);
      assert.ok(r.overrun || v !== 123_456, `truncated to ${len} bytes`);
    }
  });

  it('accepts only zero padding within the last byte as the end', () => {
    assert.ok(new BitReader(new Uint8Array(0)).atPaddedEnd());
    const padded = new BitReader(new Uint8Array([0b1010_0000]));
    padded.bits(3);
    assert.ok(padded.atPaddedEnd());
    const dirty = new BitReader(new Uint8Array([0b1010_0001]));
    dirty.bits(3);
    assert.ok(!dirty.atPaddedEnd());
    const extra = new BitReader(new Uint8Array([0x80, 0x00]));
    extra.bits(1);
    assert.ok(!extra.atPaddedEnd(), 'a whole trailing byte is not padding');
  });

  it('measures bit lengths up to 2^53', () => {
    assert.equal(bitLengthOf(0), 0);
    assert.equal(bitLengthOf(1), 1);
    assert.equal(bitLengthOf(255), 8);
    assert.equal(bitLengthOf(2 ** 31 - 1), 31);
    assert.equal(bitLengthOf(2 ** 31), 32);
    assert.equal(bitLengthOf(2 ** 32), 33);
    assert.equal(bitLengthOf(2 ** 53 - 1), 53);
  });
});

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function nodeDecode(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function utf8Bytes(text: string): number[] {
  const out: number[] = [];
  forEachUtf8Byte(text, (b) => out.push(b));
  return out;
}

const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

describe('utf8 helpers', () => {
  it('encode like Node, lone surrogates as U+FFFD, and measure the same length', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const bytes = utf8Bytes(text);
        assert.deepEqual(bytes, [...Buffer.from(text, 'utf8')]);
        assert.equal(utf8Length(text), bytes.length);
      }),
      { seed: SEED, numRuns: 500 },
    );
    assert.deepEqual(utf8Bytes('\ud800'), [0xef, 0xbf, 0xbd]);
    assert.deepEqual(utf8Bytes('\udc00x'), [0xef, 0xbf, 0xbd, 0x78]);
  });

  it('round-trip every well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        assert.equal(decodeUtf8(utf8Bytes(text)), text);
      }),
      { seed: SEED, numRuns: 500 },
    );
    assert.equal(decodeUtf8([]), '');
    assert.equal(decodeUtf8([0xf4, 0x8f, 0xbf, 0xbf]), '\u{10ffff}');
    assert.equal(decodeUtf8([0xef, 0xbb, 0xbf]), '\ufeff', 'a BOM is kept as a character');
  });

  it('decode strictly, exactly where a fatal TextDecoder does', () => {
    const nearUtf8 = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0x80, max: 0xbf }),
        fc.constantFrom(0xc0, 0xc1, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
      ),
      { maxLength: 24 },
    );
    fc.assert(
      fc.property(nearUtf8, (bytes) => {
        assert.equal(decodeUtf8(bytes), nodeDecode(Uint8Array.from(bytes)));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('reject overlong forms, surrogates, code points over U+10FFFF and cut sequences', () => {
    const bad = [
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0x80],
      [0xe0, 0x9f, 0xbf],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0x80],
      [0xc3],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xc3, 0x41],
      [0x41, 0xe2, 0x28, 0xa1],
    ];
    for (const bytes of bad)
      assert.equal(decodeUtf8(bytes), undefined, `bytes ${bytes.map((b) => b.toString(16)).join(' ')}`);
    assert.equal(decodeUtf8([0xed, 0x9f, 0xbf]), '\ud7ff');
    assert.equal(decodeUtf8([0xee, 0x80, 0x80]), '\ue000');
  });

  it('truncate to the longest prefix that fits, never splitting a code point', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 50 }), (text, maxBytes) => {
        const cut = truncateUtf8(text, maxBytes);
        assert.ok(text.startsWith(cut));
        assert.ok(utf8Length(cut) <= maxBytes);
        if (cut.length < text.length) {
          const next = text.codePointAt(cut.length)!;
          const pairCut =
            cut.length > 0 && /[\ud800-\udbff]$/.test(cut) && /^[\udc00-\udfff]/.test(text.slice(cut.length));
          assert.ok(!pairCut, 'split a surrogate pair');
          const nextChar = String.fromCodePoint(next);
          const nextSize = next >= 0xd800 && next <= 0xdfff ? 3 : utf8Length(nextChar);
          assert.ok(utf8Length(cut) + nextSize > maxBytes, 'stopped before the bound');
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
    assert.equal(truncateUtf8('héllo', 2), 'h');
    assert.equal(truncateUtf8('😀😀', 7), '😀');
    assert.equal(truncateUtf8('abc', 0), '');
  });
});
