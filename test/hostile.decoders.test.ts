/**
 * Hostile values against every decoder a peer's bytes reach: the two frame decoders, the input value
 * check, and the client's snapshot body decoders. Properties: a result, never a throw; a success is
 * well typed; a failure carries a documented close code and a reason that fits in a close frame;
 * valid frames still round-trip through the real encoder.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkInputValues,
  type ClientMsg,
  CloseCode,
  type Decoded,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  GroupedDecoder,
  MAX_NAME_LENGTH,
  MsgKind,
  quantizeWorld,
  type ServerMsg,
  type Snapshot,
  SnapshotCodec,
} from '../shared/index.ts';
import { testSchema } from './helpers/serverFixture.ts';
import {
  hex,
  type HostileFrame,
  hostileFrameArb,
  hostileValueArb,
  mutate,
  NESTING_DEPTHS,
  nested,
  rawHeaderFrames,
  validClientMsgArb,
  validServerMsgArb,
} from './helpers/hostileValues.ts';

const SEED = 20_261_104;
/** Runs per frame property; the frame arbitrary mixes eight generators, so each sees thousands. */
const RUNS = 6000;
const CLOSE_CODES = new Set<number>(Object.values(CloseCode));
const validClient = validClientMsgArb(testSchema);
const validServer = validServerMsgArb();
const validAny = fc.oneof(validClient, validServer) as fc.Arbitrary<ClientMsg | ServerMsg>;

/** Runs `decode`, failing with the frame's label and bytes if it throws. */
function noThrow<T>(decode: (bytes: Uint8Array) => Decoded<T>, frame: HostileFrame): Decoded<T> {
  try {
    return decode(frame.bytes);
  } catch (err) {
    assert.fail(`threw on ${frame.label} [${hex(frame.bytes)}]: ${err instanceof Error ? err.stack : String(err)}`);
  }
}

function assertFailureShape<T>(result: Decoded<T>, frame: HostileFrame): void {
  assert.equal(typeof result.ok, 'boolean');
  if (result.ok) return;
  assert.ok(CLOSE_CODES.has(result.error.code), `undocumented close code ${result.error.code} for ${frame.label}`);
  assert.equal(typeof result.error.reason, 'string');
  assert.ok(Buffer.byteLength(result.error.reason) <= 123, `reason too long for a close frame: ${result.error.reason}`);
}

const isUint = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isIntFromMinus1 = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= -1;

/** A decoded client message has exactly the types its interface promises, and no shadowing option keys. */
function assertWellTypedClient(msg: ClientMsg, frame: HostileFrame): void {
  const where = `${frame.label} [${hex(frame.bytes)}]`;
  switch (msg.kind) {
    case MsgKind.Hello: {
      assert.ok(isUint(msg.protocolVersion) && typeof msg.schemaHash === 'string', where);
      for (const name of [msg.room, msg.resumeToken])
        assert.ok(name === null || (typeof name === 'string' && name.length <= MAX_NAME_LENGTH), where);
      assert.equal(Object.getPrototypeOf(msg.options), Object.prototype, where);
      for (const [k, v] of Object.entries(msg.options)) {
        assert.ok(!(k in Object.prototype), `join option key ${k} shadows Object.prototype; accepted from ${where}`);
        assert.ok(
          typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)),
          where,
        );
      }
      return;
    }
    case MsgKind.Input:
      assert.ok(isUint(msg.seq) && isUint(msg.viewTick) && Array.isArray(msg.values), where);
      try {
        checkInputValues(testSchema, msg.values);
      } catch (err) {
        assert.fail(`checkInputValues threw on values of ${where}: ${String(err)}`);
      }
      return;
    case MsgKind.Ping:
      assert.ok(typeof msg.clientTimeMs === 'number' && Number.isFinite(msg.clientTimeMs), where);
      return;
    case MsgKind.Ack:
      assert.ok(isUint(msg.tick), where);
      return;
    default:
      assert.fail(`decoded a kind the client never sends from ${where}`);
  }
}

function assertWellTypedServer(msg: ServerMsg, frame: HostileFrame): void {
  const where = `${frame.label} [${hex(frame.bytes)}]`;
  switch (msg.kind) {
    case MsgKind.Welcome:
      assert.ok(isUint(msg.clientId) && isUint(msg.tickRateHz) && isUint(msg.serverTick), where);
      assert.ok(
        typeof msg.resumeToken === 'string' && typeof msg.roomId === 'string' && isIntFromMinus1(msg.entityId),
        where,
      );
      assert.ok(isUint(msg.snapshotRateHz) && msg.snapshotRateHz >= 1 && msg.snapshotRateHz <= msg.tickRateHz, where);
      return;
    case MsgKind.Snapshot:
    case MsgKind.GroupSnapshot:
      assert.ok(isUint(msg.tick) && isIntFromMinus1(msg.baseTick) && isIntFromMinus1(msg.lastInputSeq), where);
      assert.ok(msg.body instanceof Uint8Array, where);
      return;
    case MsgKind.Pong:
      assert.ok(
        typeof msg.clientTimeMs === 'number' && typeof msg.serverTimeMs === 'number' && isUint(msg.serverTick),
        where,
      );
      return;
    default:
      assert.fail(`decoded a kind the server never sends from ${where}`);
  }
}

const prototypeKeys = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();
const PROTOTYPE_KEYS = prototypeKeys();

function assertNoPollution(): void {
  assert.deepEqual(prototypeKeys(), PROTOTYPE_KEYS, 'Object.prototype changed');
  assert.equal(typeof ({} as Record<string, unknown>).toString, 'function');
}

/** Compares a decoded message with the one encoded (bodies as plain bytes). */
function plain(msg: ClientMsg | ServerMsg): unknown {
  return 'body' in msg ? { ...msg, body: [...msg.body] } : msg;
}

describe('frame decoders on hostile values', () => {
  it('decode the reported crash (a map with toString or valueOf as the kind) as a failure', () => {
    for (const frame of rawHeaderFrames().filter((f) => f.label.startsWith('kind as a map'))) {
      for (const decode of [decodeClientMessage, decodeServerMessage] as const) {
        const result = noThrow(decode as (b: Uint8Array) => Decoded<unknown>, frame);
        assert.equal(result.ok, false, frame.label);
        assertFailureShape(result, frame);
      }
    }
  });

  it('decodeClientMessage never throws on hostile frames; what it accepts is well typed', () => {
    fc.assert(
      fc.property(hostileFrameArb(validAny), (frame) => {
        const result = noThrow(decodeClientMessage, frame);
        assertFailureShape(result, frame);
        if (result.ok) assertWellTypedClient(result.value, frame);
        assertNoPollution();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('decodeServerMessage never throws on hostile frames; what it accepts is well typed', () => {
    fc.assert(
      fc.property(hostileFrameArb(validAny), (frame) => {
        const result = noThrow(decodeServerMessage, frame);
        assertFailureShape(result, frame);
        if (result.ok) assertWellTypedServer(result.value, frame);
        assertNoPollution();
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('reject every hand-written header, reserved byte, extension and nesting depth without throwing', () => {
    for (const frame of rawHeaderFrames()) {
      const c = noThrow(decodeClientMessage, frame);
      const s = noThrow(decodeServerMessage, frame);
      assertFailureShape(c, frame);
      assertFailureShape(s, frame);
      if (c.ok) assertWellTypedClient(c.value, frame);
      if (s.ok) assertWellTypedServer(s.value, frame);
    }
  });

  it('reject any nesting inside an Input past the depth msgpackr can read, without throwing', () => {
    for (const depth of NESTING_DEPTHS) {
      for (const shape of ['array', 'map', 'mixed'] as const) {
        const inner = nested(depth, shape);
        const input = new Uint8Array(inner.length + 4);
        input.set([0x94, 0x03, 0x01, 0x02]);
        input.set(inner, 4);
        const frame = { label: `Input values nested ${depth} ${shape}`, bytes: input };
        const result = noThrow(decodeClientMessage, frame);
        assertFailureShape(result, frame);
        if (result.ok)
          assert.equal(
            checkInputValues(testSchema, result.value.kind === MsgKind.Input ? result.value.values : []).ok,
            false,
          );
      }
    }
  });

  it('round-trip every valid client message through encodeMessage and decodeClientMessage', () => {
    fc.assert(
      fc.property(validClient, (msg) => {
        const decoded = decodeClientMessage(encodeMessage(msg));
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.reason);
        assert.deepEqual(decoded.value, msg);
        if (msg.kind === MsgKind.Input)
          assert.ok(checkInputValues(testSchema, (decoded.value as typeof msg).values).ok);
      }),
      { seed: SEED + 2, numRuns: 2000 },
    );
  });

  it('round-trip every valid server message through encodeMessage and decodeServerMessage', () => {
    fc.assert(
      fc.property(validServer, (msg) => {
        const decoded = decodeServerMessage(encodeMessage(msg));
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.reason);
        assert.deepEqual(plain(decoded.value), plain(msg));
      }),
      { seed: SEED + 3, numRuns: 2000 },
    );
  });
});

describe('checkInputValues on hostile values', () => {
  it('never throws, and accepts only values of the schema’s types and ranges', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(hostileValueArb, { maxLength: 5 }),
          fc.tuple(hostileValueArb, hostileValueArb, hostileValueArb),
        ),
        (values) => {
          let result: ReturnType<typeof checkInputValues>;
          try {
            result = checkInputValues(testSchema, values);
          } catch (err) {
            assert.fail(`checkInputValues threw: ${String(err)}`);
          }
          if (!result.ok) return;
          for (const [i, f] of testSchema.input.entries()) {
            const v = values[i];
            assert.ok(
              typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < f.range,
              `field ${f.name} accepted ${String(v)}`,
            );
          }
        },
      ),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });
});

/** A chain of real bodies of the test schema: a full one, then deltas, with the snapshots they decode to. */
function realBodies(): { baseline: Snapshot | null; tick: number; body: Uint8Array }[] {
  const encoder = new SnapshotCodec(testSchema);
  const decoder = new SnapshotCodec(testSchema);
  const out: { baseline: Snapshot | null; tick: number; body: Uint8Array }[] = [];
  let next: Snapshot | null = null;
  let held: Snapshot | null = null;
  for (let tick = 1; tick <= 6; tick++) {
    const world = Array.from({ length: 12 }, (_, id) =>
      id % 3 === 0
        ? { id, kind: 1, state: { x: id * 7 + tick, y: 500, tag: `r${id}${tick % 2 ? '' : 'x'}` } }
        : { id, kind: 0, state: { x: 100 + tick * id, y: 100, a: tick * 0.3, hp: 100 - tick } },
    );
    const current = quantizeWorld(
      testSchema,
      tick,
      world.filter((e) => !(tick === 4 && e.id === 5)),
    );
    const delta = encoder.encode(next, current);
    const body = delta.bytes.slice();
    out.push({ baseline: held, tick, body });
    const decoded = decoder.decode(held, tick, body);
    assert.ok(decoded.ok);
    next = delta.next;
    held = decoded.value;
  }
  return out;
}

describe('snapshot body decoders on hostile bodies', () => {
  const bodies = realBodies();
  const bodyArb = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc
      .tuple(
        fc.constantFrom(...bodies),
        fc.array(
          fc.record({ op: fc.constantFrom('set', 'flip', 'insert', 'delete'), at: fc.nat(), byte: fc.nat(255) }),
          { minLength: 1, maxLength: 4 },
        ),
      )
      .map(([b, ops]) => mutate(b.body, ops as Parameters<typeof mutate>[1])),
    fc.tuple(fc.constantFrom(...bodies), fc.nat()).map(([b, at]) => b.body.slice(0, at % Math.max(1, b.body.length))),
    fc.constantFrom(new Uint8Array(0), new Uint8Array(70_000).fill(0xff), new Uint8Array(70_000)),
  );
  const tickArb = fc.oneof(
    fc.integer({ min: 0, max: 20 }),
    fc.constantFrom(2 ** 31, 2 ** 53 - 1, Number.MAX_SAFE_INTEGER),
  );

  it('SnapshotCodec.decode never throws on hostile bodies, with or without a baseline', () => {
    const codec = new SnapshotCodec(testSchema);
    fc.assert(
      fc.property(
        bodyArb,
        fc.option(fc.constantFrom(...bodies.map((b) => b.baseline).filter((b) => b !== null))),
        tickArb,
        (body, baseline, tick) => {
          try {
            const result = codec.decode(baseline, tick, body, { maxEntities: 1000 });
            assert.equal(typeof result.ok, 'boolean');
          } catch (err) {
            assert.fail(`SnapshotCodec.decode threw on [${hex(body)}] at tick ${tick}: ${String(err)}`);
          }
        },
      ),
      { seed: SEED + 5, numRuns: RUNS },
    );
  });

  it('GroupedDecoder.decode never throws on a stream of hostile bodies, and a rejection leaves it usable', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(bodyArb, tickArb, fc.integer({ min: -1, max: 22 })), { minLength: 1, maxLength: 6 }),
        (stream) => {
          const grouped = new GroupedDecoder(testSchema);
          for (const [body, tick, baseTick] of stream) {
            try {
              const result = grouped.decode(tick, baseTick, body, { maxEntities: 1000 });
              assert.equal(typeof result.ok, 'boolean');
            } catch (err) {
              assert.fail(
                `GroupedDecoder.decode threw on [${hex(body)}] tick ${tick} base ${baseTick}: ${String(err)}`,
              );
            }
          }
        },
      ),
      { seed: SEED + 6, numRuns: 3000 },
    );
  });

  it('still decodes the real bodies exactly (the fuzz starts from valid data)', () => {
    const codec = new SnapshotCodec(testSchema);
    for (const b of bodies) assert.ok(codec.decode(b.baseline, b.tick, b.body).ok);
  });
});
