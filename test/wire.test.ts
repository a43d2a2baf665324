/**
 * The hand-built msgpack of shared/wire/ against msgpackr, byte for byte: integers, bin headers, the
 * Ack and Input messages bots and clients send every tick, and the Snapshot/GroupSnapshot frame the
 * server patches per client (its lastInputSeq is a fixed-width int32, the one place it differs from
 * msgpackr's shortest form on purpose).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import {
  decodeServerMessage,
  emptyEnvelope,
  encodeMessage,
  MESSAGE_SCRATCH_BYTES,
  MsgKind,
  parseSnapshotEnvelope,
  writeAckMessage,
  writeInputMessage,
} from '../shared/index.ts';
import {
  buildSnapshotFrame,
  MAX_FRAME_OVERHEAD_BYTES,
  patchInputSeq,
  patchInputStatus,
  SnapshotFrameScratch,
  snapshotFrameBytes,
} from '../shared/wire/index.ts';
import { binHeaderBytes, intBytes, writeBinHeader, writeInt } from '../shared/wire/msgpackWrite.ts';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const int = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
  fc.constantFrom(
    -(2 ** 31),
    -32769,
    -32768,
    -129,
    -128,
    -33,
    -32,
    -1,
    0,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
  ),
);
const tick = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 127, 128, 255, 256, 65535, 65536));
const seq = fc.oneof(fc.integer({ min: -1, max: 2 ** 31 - 1 }), fc.constantFrom(-1, 0, 127, 128, 2 ** 31 - 1));
const bodyLength = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(255, 256, 65535, 65536, 70_000));

describe('hand-built msgpack (shared/wire) against msgpackr', () => {
  it('writes integers in msgpackr’s shortest form, and sizes them', () => {
    const out = new Uint8Array(8);
    fc.assert(
      fc.property(int, (v) => {
        const n = writeInt(out, 0, v);
        assert.equal(hex(out.subarray(0, n)), hex(packr.pack(v)), `integer ${v}`);
        assert.equal(intBytes(v), n);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes bin headers as msgpackr does, and sizes them', () => {
    const out = new Uint8Array(8);
    fc.assert(
      fc.property(bodyLength, (n) => {
        const packed = packr.pack(new Uint8Array(n));
        const at = writeBinHeader(out, 0, n);
        assert.equal(hex(out.subarray(0, at)), hex(packed.subarray(0, packed.byteLength - n)), `bin of ${n} bytes`);
        assert.equal(binHeaderBytes(n), at);
      }),
      { numRuns: 300 },
    );
  });

  it('writes Ack and Input messages exactly as encodeMessage does', () => {
    const out = new Uint8Array(MESSAGE_SCRATCH_BYTES);
    const values = fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), { maxLength: 4 });
    fc.assert(
      fc.property(seq, tick, values, (s, viewTick, v) => {
        const n = writeInputMessage(out, Math.max(0, s), viewTick, v);
        const expected = encodeMessage({ kind: MsgKind.Input, seq: Math.max(0, s), viewTick, values: v });
        assert.equal(hex(out.subarray(0, n)), hex(expected));
        const a = writeAckMessage(out, viewTick);
        assert.equal(hex(out.subarray(0, a)), hex(encodeMessage({ kind: MsgKind.Ack, tick: viewTick })));
      }),
      { numRuns: 1000 },
    );
  });

  it('bounds a snapshot frame’s envelope by MAX_FRAME_OVERHEAD_BYTES, the per-client input fields included', () => {
    const worst = snapshotFrameBytes(2 ** 32 - 1, 2 ** 32 - 1, 65_535) - 65_535;
    assert.equal(worst, MAX_FRAME_OVERHEAD_BYTES);
  });

  it('builds snapshot frames that are msgpackr’s bytes with a fixed-width int32 seq, and read back', () => {
    const scratch = new SnapshotFrameScratch();
    const kind = fc.constantFrom(MsgKind.Snapshot, MsgKind.GroupSnapshot);
    const base = fc.oneof(fc.constant(-1), tick);
    fc.assert(
      fc.property(kind, tick, base, seq, bodyLength, (k, t, b, s, n) => {
        const body = new Uint8Array(n).map((_, i) => (i * 31 + t) & 0xff);
        const frame = buildSnapshotFrame(k, t, b, body);
        patchInputSeq(frame, s);
        const lead = (t % 255) - 127;
        const missed = (t * 7) & 0xff;
        patchInputStatus(frame, lead, missed);
        const seqBytes = new Uint8Array(5);
        seqBytes[0] = 0xd2;
        new DataView(seqBytes.buffer).setInt32(1, s);
        const expected =
          '97' +
          hex(packr.pack(k)) +
          hex(packr.pack(t)) +
          hex(packr.pack(b)) +
          hex(seqBytes) +
          hex(packr.pack(body)) +
          hex(Uint8Array.of(0xd0, lead & 0xff, 0xcc, missed));
        assert.equal(hex(frame.bytes), expected);
        assert.equal(frame.bytes.byteLength, snapshotFrameBytes(t, b, n));
        const again = scratch.build(k, t, b, body);
        patchInputSeq(again, s);
        patchInputStatus(again, lead, missed);
        assert.equal(hex(again.bytes), expected, 'the scratch builder writes the same bytes');
        const decoded = decodeServerMessage(frame.bytes);
        assert.ok(decoded.ok, 'our own decoder reads it');
        const read = packr.unpack(frame.bytes) as [number, number, number, number, Uint8Array, number, number];
        assert.deepEqual([...read.slice(0, 4), read[5], read[6]], [k, t, b, s, lead, missed], 'msgpackr reads it');
        assert.equal(hex(read[4]), hex(body));
        const env = emptyEnvelope();
        assert.ok(parseSnapshotEnvelope(frame.bytes, env));
        assert.deepEqual(
          [env.grouped, env.tick, env.baseTick, env.lastInputSeq, env.bodyLength, env.inputLead, env.missedInputs],
          [k === MsgKind.GroupSnapshot, t, b, s, n, lead, missed],
        );
        assert.equal(hex(frame.bytes.subarray(env.bodyOffset, env.bodyOffset + env.bodyLength)), hex(body));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to build a frame for a tick outside what the envelope carries', () => {
    assert.throws(() => buildSnapshotFrame(MsgKind.Snapshot, -1, -1, new Uint8Array(0)), RangeError);
    assert.throws(() => buildSnapshotFrame(MsgKind.Snapshot, 2 ** 32, -1, new Uint8Array(0)), RangeError);
    assert.throws(() => buildSnapshotFrame(MsgKind.Snapshot, 5, -2, new Uint8Array(0)), RangeError);
    assert.throws(() => buildSnapshotFrame(MsgKind.Snapshot, 1.5, -1, new Uint8Array(0)), RangeError);
  });
});
