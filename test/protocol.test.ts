import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import {
  checkInputValues,
  CloseCode,
  decodeClientMessage,
  decodeServerMessage,
  defineSchema,
  encodeMessage,
  JOIN_OPTIONS_LIMITS,
  MAX_NAME_LENGTH,
  MAX_INPUT_SEQ,
  MsgKind,
  PROTOCOL_VERSION,
  seededRandom,
  SUBPROTOCOL,
  t,
} from '../shared/index.ts';
import type { ClientMsg, Decoded, ServerMsg, SnapshotMsg } from '../shared/index.ts';

const SEED = 42;

/** A peer that packs anything it likes, the way a hostile client or server would. */
const raw = new Packr({ useRecords: false, variableMapSize: true });
const pack = (value: unknown): Uint8Array => raw.pack(value);

const schema = defineSchema({
  entities: { ship: { x: t.float({ min: 0, max: 100, step: 0.5 }) } },
  input: {
    up: t.bool(),
    aim: t.angle({ steps: 1024 }),
    throttle: t.float({ min: -1, max: 1, step: 0.01 }),
    weapon: t.enum(['gun', 'laser']),
    slot: t.int(4),
    say: t.string({ maxBytes: 8 }),
  },
});

const clientMessages: ClientMsg[] = [
  {
    kind: MsgKind.Hello,
    protocolVersion: PROTOCOL_VERSION,
    schemaHash: schema.hash,
    room: 'lobby',
    resumeToken: null,
    options: { name: 'Ada', team: 2, ready: true },
  },
  { kind: MsgKind.Hello, protocolVersion: 7, schemaHash: '', room: null, resumeToken: 'tok-123', options: {} },
  { kind: MsgKind.Input, seq: 0, viewTick: 0, values: [1, 512, 100, 1, 15, 'hé'] },
  { kind: MsgKind.Input, seq: MAX_INPUT_SEQ, viewTick: 123_456, values: [] },
  { kind: MsgKind.Ping, clientTimeMs: 1234.5 },
  { kind: MsgKind.Ping, clientTimeMs: -3 },
  { kind: MsgKind.Ack, tick: 99 },
];

/** What a snapshot decodes to without an input buffer status (the defaults). */
const noStatus = { inputLead: 0, missedInputs: 0 };

const serverMessages: ServerMsg[] = [
  {
    kind: MsgKind.Welcome,
    clientId: 3,
    tickRateHz: 60,
    serverTick: 1000,
    resumeToken: 'r',
    roomId: 'lobby',
    entityId: -1,
    snapshotRateHz: 20,
  },
  {
    kind: MsgKind.Welcome,
    clientId: 0,
    tickRateHz: 30,
    serverTick: 0,
    resumeToken: '',
    roomId: '',
    entityId: 2 ** 31 - 1,
    snapshotRateHz: 30,
  },
  { kind: MsgKind.Snapshot, tick: 5, baseTick: -1, lastInputSeq: -1, body: Uint8Array.of(1, 2, 3), ...noStatus },
  {
    kind: MsgKind.Snapshot,
    tick: 2 ** 40,
    baseTick: 2 ** 40 - 1,
    lastInputSeq: 77,
    body: new Uint8Array(0),
    inputLead: -127,
    missedInputs: 255,
  },
  {
    kind: MsgKind.Snapshot,
    tick: 9,
    baseTick: 8,
    lastInputSeq: 0,
    body: new Uint8Array(70_000).fill(7),
    inputLead: 127,
    missedInputs: 3,
  },
  { kind: MsgKind.Pong, clientTimeMs: 1.5, serverTimeMs: 99_999.25, serverTick: 4 },
];

/** Normalises a decoded message for comparison (Buffer bodies as plain bytes). */
function plain(msg: ClientMsg | ServerMsg): unknown {
  return msg.kind === MsgKind.Snapshot ? { ...msg, body: [...msg.body] } : msg;
}

function assertCode<T>(result: Decoded<T>, code: number, reason?: RegExp): void {
  assert.equal(result.ok, false, 'decoded a bad frame');
  if (result.ok) return;
  assert.equal(result.error.code, code, `close code for "${result.error.reason}"`);
  if (reason !== undefined) assert.match(result.error.reason, reason);
  assert.ok(
    result.error.reason.length > 0 && result.error.reason.length <= 123,
    'a close reason fits in a close frame',
  );
}

/** Asserts a decoded client message has exactly the types its interface promises. */
function assertWellTypedClient(msg: ClientMsg): void {
  const isUint = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  switch (msg.kind) {
    case MsgKind.Hello:
      assert.ok(isUint(msg.protocolVersion) && typeof msg.schemaHash === 'string');
      assert.ok(msg.room === null || (typeof msg.room === 'string' && msg.room.length <= MAX_NAME_LENGTH));
      assert.ok(
        msg.resumeToken === null || (typeof msg.resumeToken === 'string' && msg.resumeToken.length <= MAX_NAME_LENGTH),
      );
      assert.ok(Object.keys(msg.options).length <= JOIN_OPTIONS_LIMITS.maxKeys);
      for (const v of Object.values(msg.options)) assert.ok(['string', 'number', 'boolean'].includes(typeof v));
      break;
    case MsgKind.Input:
      assert.ok(isUint(msg.seq) && isUint(msg.viewTick) && Array.isArray(msg.values));
      break;
    case MsgKind.Ping:
      assert.ok(Number.isFinite(msg.clientTimeMs));
      break;
    case MsgKind.Ack:
      assert.ok(isUint(msg.tick));
      break;
  }
}

/** Decodes with both decoders and checks nothing escapes and any success is well typed. */
function decodeBoth(bytes: Uint8Array, what: string): void {
  let client: Decoded<ClientMsg>;
  let server: Decoded<ServerMsg>;
  try {
    client = decodeClientMessage(bytes);
    server = decodeServerMessage(bytes);
  } catch (err) {
    assert.fail(`a decoder threw on ${what} [${[...bytes.subarray(0, 24)].join(',')}]: ${String(err)}`);
  }
  if (client.ok) {
    assertWellTypedClient(client.value);
    const values = client.value.kind === MsgKind.Input ? client.value.values : null;
    if (values !== null) assert.doesNotThrow(() => checkInputValues(schema, values));
  } else assert.ok(Object.values(CloseCode).includes(client.error.code));
  if (!server.ok) assert.ok(Object.values(CloseCode).includes(server.error.code));
}

describe('protocol constants', () => {
  it('has distinct explicit message kinds and documented close codes', () => {
    assert.equal(SUBPROTOCOL, 'tickwave.v1');
    assert.ok(Number.isInteger(PROTOCOL_VERSION) && PROTOCOL_VERSION >= 1);
    const kinds = Object.values(MsgKind);
    assert.equal(new Set(kinds).size, kinds.length);
    const codes = Object.values(CloseCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes)
      assert.ok([1000, 1001, 1011].includes(code) || (code >= 4000 && code <= 4099), `close code ${code}`);
  });
});

describe('encodeMessage and decode*Message', () => {
  it('rejects an input seq above MAX_INPUT_SEQ as out of range', () => {
    assertCode(
      decodeClientMessage(encodeMessage({ kind: MsgKind.Input, seq: MAX_INPUT_SEQ + 1, viewTick: 0, values: [] })),
      CloseCode.OutOfRange,
    );
  });

  it('never quotes peer bytes in a malformed-frame reason', () => {
    const junk = Uint8Array.of(0xd9, 0x40, ...new Array(10).fill(0x41));
    const decoded = decodeClientMessage(junk);
    assert.ok(!decoded.ok && !decoded.error.reason.includes('AAAA'), 'reason quotes the input');
  });

  it('round-trip every client message', () => {
    for (const msg of clientMessages) {
      const decoded = decodeClientMessage(encodeMessage(msg));
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.reason);
      assert.deepEqual(decoded.value, msg);
    }
  });

  it('round-trip every server message, the snapshot body as bytes', () => {
    for (const msg of serverMessages) {
      const decoded = decodeServerMessage(encodeMessage(msg));
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.reason);
      assert.deepEqual(plain(decoded.value), plain(msg));
    }
  });

  it('never overwrites bytes it returned when encoding again', () => {
    const first = encodeMessage(clientMessages[0]!);
    const copy = first.slice();
    for (const msg of [...clientMessages, ...serverMessages]) encodeMessage(msg);
    assert.deepEqual(first, copy);
  });

  it('keeps a snapshot frame at the body plus a few bytes of envelope', () => {
    const body = new Uint8Array(100);
    const frame = encodeMessage({ kind: MsgKind.Snapshot, tick: 1000, baseTick: 999, lastInputSeq: 12, body });
    assert.ok(frame.length <= body.length + 16, `${frame.length} bytes`);
  });

  it('reads a protocol 2 snapshot (five elements) with no input status, and rejects a status out of range', () => {
    const body = Uint8Array.of(9);
    const old = raw.pack([MsgKind.Snapshot, 3, -1, 4, body]);
    const read = decodeServerMessage(old);
    assert.ok(read.ok);
    const { body: readBody, ...fields } = read.value as SnapshotMsg;
    assert.deepEqual(fields, { kind: MsgKind.Snapshot, tick: 3, baseTick: -1, lastInputSeq: 4, ...noStatus });
    assert.deepEqual([...readBody], [...body]);
    for (const [lead, missed] of [
      [128, 0],
      [-128, 0],
      [0, 256],
      [0, -1],
      [0.5, 0],
    ])
      assertCode(decodeServerMessage(raw.pack([MsgKind.Snapshot, 3, -1, 4, body, lead, missed])), CloseCode.Malformed);
    assertCode(decodeServerMessage(raw.pack([MsgKind.Snapshot, 3, -1, 4, body, 0])), CloseCode.Malformed);
  });

  it('tells the other side’s messages apart from its own', () => {
    for (const msg of serverMessages)
      assertCode(decodeClientMessage(encodeMessage(msg)), CloseCode.UnknownMessage, /unknown message kind/);
    for (const msg of clientMessages) assertCode(decodeServerMessage(encodeMessage(msg)), CloseCode.UnknownMessage);
  });
});

describe('decodeClientMessage rejects bad frames with the documented close code', () => {
  it('closes with Malformed for non-msgpack, non-arrays and empty arrays', () => {
    assertCode(decodeClientMessage(new Uint8Array(0)), CloseCode.Malformed, /not msgpack/);
    assertCode(decodeClientMessage(Uint8Array.of(0xc1)), CloseCode.Malformed);
    assertCode(decodeClientMessage(pack({ kind: 1 })), CloseCode.Malformed, /not a non-empty msgpack array/);
    assertCode(decodeClientMessage(pack([])), CloseCode.Malformed);
    assertCode(decodeClientMessage(pack('hello')), CloseCode.Malformed);
    assertCode(decodeClientMessage(pack(null)), CloseCode.Malformed);
  });

  it('closes with UnknownMessage for an unknown kind', () => {
    assertCode(decodeClientMessage(pack([99])), CloseCode.UnknownMessage, /unknown message kind 99/);
    assertCode(decodeClientMessage(pack(['x'.repeat(1000)])), CloseCode.UnknownMessage);
    assertCode(decodeClientMessage(pack([[MsgKind.Ping], 1])), CloseCode.UnknownMessage);
  });

  it('checks Hello field by field', () => {
    const hello = (...fields: unknown[]): Uint8Array => pack([MsgKind.Hello, ...fields]);
    assert.ok(decodeClientMessage(hello(1, 'h', null, null, {})).ok);
    assertCode(decodeClientMessage(hello(1, 'h', null, null)), CloseCode.Malformed, /bad Hello/);
    assertCode(decodeClientMessage(hello(-1, 'h', null, null, {})), CloseCode.Malformed);
    assertCode(decodeClientMessage(hello(1.5, 'h', null, null, {})), CloseCode.Malformed);
    assertCode(decodeClientMessage(hello(1, 7, null, null, {})), CloseCode.Malformed);
    assertCode(decodeClientMessage(hello(1, 'h'.repeat(65), null, null, {})), CloseCode.Malformed);
    assertCode(
      decodeClientMessage(hello(1, 'h', 'r'.repeat(MAX_NAME_LENGTH + 1), null, {})),
      CloseCode.Malformed,
      /room or resume token/,
    );
    assertCode(decodeClientMessage(hello(1, 'h', null, 5, {})), CloseCode.Malformed, /room or resume token/);
    assert.ok(decodeClientMessage(hello(1, 'h', 'r'.repeat(MAX_NAME_LENGTH), null, {})).ok);
  });

  it('bounds join options: count, key length, value types and string length', () => {
    const withOptions = (options: unknown): Uint8Array => pack([MsgKind.Hello, 1, 'h', null, null, options]);
    const { maxKeys, maxKeyLength, maxStringLength } = JOIN_OPTIONS_LIMITS;
    const many = (n: number): Record<string, number> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    assert.ok(decodeClientMessage(withOptions(many(maxKeys))).ok);
    assertCode(decodeClientMessage(withOptions(many(maxKeys + 1))), CloseCode.Malformed, /more than 16 join options/);
    assertCode(
      decodeClientMessage(withOptions({ ['k'.repeat(maxKeyLength + 1)]: 1 })),
      CloseCode.Malformed,
      /key too long/,
    );
    assertCode(
      decodeClientMessage(withOptions({ a: 's'.repeat(maxStringLength + 1) })),
      CloseCode.Malformed,
      /join option a/,
    );
    assertCode(decodeClientMessage(withOptions({ a: { nested: 1 } })), CloseCode.Malformed);
    assertCode(decodeClientMessage(withOptions({ a: [1] })), CloseCode.Malformed);
    assertCode(decodeClientMessage(withOptions({ a: null })), CloseCode.Malformed);
    assertCode(decodeClientMessage(withOptions({ a: Number.NaN })), CloseCode.Malformed);
    assertCode(decodeClientMessage(withOptions({ a: Number.POSITIVE_INFINITY })), CloseCode.Malformed);
    assertCode(decodeClientMessage(withOptions([1, 2])), CloseCode.Malformed, /must be a map/);
    assertCode(decodeClientMessage(withOptions(Uint8Array.of(1))), CloseCode.Malformed);
    assertCode(decodeClientMessage(withOptions(null)), CloseCode.Malformed);
  });

  it('does not let a __proto__ key in a map reach an object prototype', () => {
    const key = new TextEncoder().encode('__proto__');
    for (const value of [Uint8Array.of(0x81, 0xa1, 0x78, 0x01), Uint8Array.of(0xa1, 0x78), Uint8Array.of(0xc3)]) {
      const frame = Uint8Array.from([
        0x96,
        MsgKind.Hello,
        0x01,
        0xa1,
        0x68,
        0xc0,
        0xc0,
        0x81,
        0xa0 | key.length,
        ...key,
        ...value,
      ]);
      const result = decodeClientMessage(frame);
      if (result.ok && result.value.kind === MsgKind.Hello) {
        assert.equal(Object.getPrototypeOf(result.value.options), Object.prototype);
        assert.ok(!Object.hasOwn(result.value.options, '__proto__'));
      }
      assert.equal((Object.prototype as Record<string, unknown>)['x'], undefined, 'Object.prototype was polluted');
      assert.equal(({} as Record<string, unknown>)['x'], undefined);
    }
  });

  it('checks Input, Ping and Ack', () => {
    assertCode(decodeClientMessage(pack([MsgKind.Input, 1, 2])), CloseCode.Malformed, /bad Input/);
    assertCode(decodeClientMessage(pack([MsgKind.Input, 1, 2, 'values'])), CloseCode.Malformed);
    assertCode(decodeClientMessage(pack([MsgKind.Input, -1, 2, []])), CloseCode.OutOfRange, /seq or viewTick/);
    assertCode(decodeClientMessage(pack([MsgKind.Input, 1, 2.5, []])), CloseCode.OutOfRange);
    assertCode(decodeClientMessage(pack([MsgKind.Input, 2 ** 60, 2, []])), CloseCode.OutOfRange);
    assertCode(decodeClientMessage(pack([MsgKind.Input, '1', 2, []])), CloseCode.OutOfRange);
    assertCode(decodeClientMessage(pack([MsgKind.Ping])), CloseCode.Malformed, /bad Ping/);
    assertCode(decodeClientMessage(pack([MsgKind.Ping, Number.NaN])), CloseCode.Malformed);
    assertCode(decodeClientMessage(pack([MsgKind.Ping, Number.NEGATIVE_INFINITY])), CloseCode.Malformed);
    assertCode(decodeClientMessage(pack([MsgKind.Ping, '5'])), CloseCode.Malformed);
    assertCode(decodeClientMessage(pack([MsgKind.Ack, 1, 2])), CloseCode.Malformed, /bad Ack/);
    assertCode(decodeClientMessage(pack([MsgKind.Ack, -5])), CloseCode.OutOfRange, /Ack tick/);
    assertCode(decodeClientMessage(pack([MsgKind.Ack, 0.5])), CloseCode.OutOfRange);
  });
});

describe('decodeServerMessage rejects bad frames', () => {
  it('checks Welcome, Snapshot and Pong', () => {
    assertCode(decodeServerMessage(pack([MsgKind.Welcome, 1, 60, 0, 'r', 'room'])), CloseCode.Malformed, /bad Welcome/);
    assertCode(decodeServerMessage(pack([MsgKind.Welcome, 1, 60, 0, 'r', 'room', -2])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([MsgKind.Welcome, 1, 60, 0, 5, 'room', 1])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([MsgKind.Snapshot, 1, -1, -1, 'body'])), CloseCode.Malformed, /bad Snapshot/);
    assertCode(decodeServerMessage(pack([MsgKind.Snapshot, 1, -2, -1, Uint8Array.of(1)])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([MsgKind.Snapshot, 1, 0, -3, Uint8Array.of(1)])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([MsgKind.Snapshot, -1, 0, 0, Uint8Array.of(1)])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([MsgKind.Snapshot, 1, 0, 0, [1, 2]])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([MsgKind.Pong, 1, 2])), CloseCode.Malformed, /bad Pong/);
    assertCode(decodeServerMessage(pack([MsgKind.Pong, 1, 'x', 3])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([MsgKind.Pong, 1, 2, -3])), CloseCode.Malformed);
    assertCode(decodeServerMessage(pack([42])), CloseCode.UnknownMessage);
  });
});

describe('checkInputValues', () => {
  it('accepts quantized values of the right count, types and ranges', () => {
    const values = schema.input.map((f) =>
      f.quantize(f.name === 'say' ? 'hi 😀' : f.name === 'weapon' ? 'laser' : 0.25),
    );
    const result = checkInputValues(schema, values);
    assert.ok(result.ok, result.ok ? '' : result.reason);
    assert.deepEqual(result.value, values);
  });

  it('rejects a wrong count, wrong types, out-of-range numbers and over-long strings', () => {
    const good: unknown[] = [1, 1023, 200, 1, 15, 'ok'];
    assert.ok(checkInputValues(schema, good).ok);
    const bad: [number, unknown, RegExp][] = [
      [0, 2, /input field up is out of range/],
      [0, true, /up/],
      [1, 1024, /aim/],
      [1, -1, /aim/],
      [1, 3.5, /aim/],
      [1, Number.NaN, /aim/],
      [2, 201, /throttle/],
      [2, '200', /throttle/],
      [3, 2, /weapon/],
      [3, 'laser', /weapon/],
      [4, 16, /slot/],
      [5, '123456789', /say/],
      [5, '😀😀😀', /say/],
      [5, 5, /say/],
      [5, null, /say/],
    ];
    for (const [at, value, reason] of bad) {
      const values = [...good];
      values[at] = value;
      const result = checkInputValues(schema, values);
      assert.equal(result.ok, false, `accepted ${String(value)} for field ${at}`);
      if (!result.ok) assert.match(result.reason, reason);
    }
    const short = checkInputValues(schema, good.slice(1));
    assert.ok(!short.ok && /input has 5 values; the schema has 6/.test(short.reason));
    assert.equal(checkInputValues(schema, [...good, 0]).ok, false);
  });

  it('never throws on any decoded values array', () => {
    fc.assert(
      fc.property(
        fc.array(fc.anything({ withBigInt: true, withTypedArray: true, withNullPrototype: true }), { maxLength: 8 }),
        (values) => {
          const result = checkInputValues(schema, values);
          if (result.ok)
            for (const [i, f] of schema.input.entries())
              assert.equal(f.coding === 'text', typeof values[i] === 'string');
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('decoders on hostile and random bytes (fuzz)', () => {
  it('reject msgpack headers claiming huge arrays, maps, strings and binaries without hanging', () => {
    const huge = [
      [0xdd, 0xff, 0xff, 0xff, 0xff],
      [0xdd, 0x7f, 0xff, 0xff, 0xff, 0x01],
      [0xdc, 0xff, 0xff, 0x01],
      [0xdf, 0xff, 0xff, 0xff, 0xff],
      [0xde, 0xff, 0xff],
      [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61],
      [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],
      [0x95, 0x04, 0x01, 0xff, 0xff, 0xc6, 0x7f, 0xff, 0xff, 0xff],
      [0x94, 0x03, 0x01, 0x02, 0xdd, 0xff, 0xff, 0xff, 0xff],
      [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],
    ];
    for (const bytes of huge) {
      decodeBoth(Uint8Array.from(bytes), 'a huge header');
      assertCode(decodeClientMessage(Uint8Array.from(bytes)), CloseCode.Malformed);
    }
  });

  it('reject deep nesting', () => {
    for (const depth of [1000, 100_000]) {
      const nested = new Uint8Array(depth + 2).fill(0x91);
      nested[depth] = 0x01;
      decodeBoth(nested.subarray(0, depth + 1), 'deep nesting');
      const maps = new Uint8Array(depth * 3 + 1);
      for (let i = 0; i < depth; i++) maps.set([0x81, 0xa1, 0x61], i * 3);
      maps[depth * 3] = 0xc0;
      decodeBoth(maps, 'deeply nested maps');
    }
  });

  it('never throw on random bytes, and reject nearly all of them', () => {
    const rand = seededRandom(11);
    for (let n = 0; n < 5000; n++) {
      const length = Math.floor(rand() * (n % 50 === 0 ? 2000 : 40));
      const bytes = Uint8Array.from({ length }, () => Math.floor(rand() * 256));
      if (n % 3 === 0 && length > 0) bytes[0] = 0x90 | (bytes[0]! & 0x0f);
      decodeBoth(bytes, 'random bytes');
    }
  });

  it('never throw on mutated valid frames', () => {
    const rand = seededRandom(12);
    const frames = [...clientMessages, ...serverMessages.slice(0, 4)].map((m) => encodeMessage(m).slice());
    for (let n = 0; n < 5000; n++) {
      const bytes = [...frames[n % frames.length]!];
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (bytes.length + 1));
        const op = rand();
        if (op < 0.4 && at < bytes.length) bytes[at] = Math.floor(rand() * 256);
        else if (op < 0.6 && at < bytes.length) bytes[at]! ^= 1 << Math.floor(rand() * 8);
        else if (op < 0.8) bytes.splice(at, 0, Math.floor(rand() * 256));
        else bytes.splice(at, 1);
      }
      decodeBoth(Uint8Array.from(bytes), 'a mutated frame');
    }
  });

  it('never throw on every truncation of valid frames', () => {
    for (const msg of [...clientMessages, ...serverMessages.slice(0, 4)]) {
      const frame = encodeMessage(msg);
      for (let length = 0; length < frame.length; length++) {
        decodeBoth(frame.subarray(0, length), 'a truncated frame');
        assert.equal(decodeClientMessage(frame.subarray(0, length)).ok, false);
      }
    }
  });

  it('never throw on arbitrary msgpack values, including maps with __proto__ keys', () => {
    const kind = fc.oneof(fc.constantFrom(...Object.values(MsgKind)), fc.integer(), fc.string());
    const anything = fc.anything({
      withBigInt: false,
      withTypedArray: true,
      withNullPrototype: true,
      withObjectString: false,
      key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString')),
    });
    fc.assert(
      fc.property(kind, fc.array(anything, { maxLength: 7 }), (k, rest) => {
        let bytes: Uint8Array;
        try {
          bytes = pack([k, ...rest]);
        } catch {
          return;
        }
        decodeBoth(bytes, 'arbitrary values');
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('decoders on hostile values', () => {
  const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!.map((b) => Number.parseInt(b, 16)));

  it('reject a first element that is a map shadowing toString or valueOf, with a result', () => {
    for (const kind of [{ toString: 1 }, { valueOf: 1 }, { toString: 1, valueOf: 2 }, [1], 'x', null, true, 1.5]) {
      assertCode(decodeClientMessage(pack([kind, 1])), CloseCode.UnknownMessage);
      assertCode(decodeServerMessage(pack([kind, 1])), CloseCode.UnknownMessage);
    }
  });

  it('reject join option keys that name Object.prototype members', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
      // Written by hand: a JS object literal cannot hold a __proto__ key for msgpackr to pack.
      const frame = [...pack([MsgKind.Hello, 1, 'h', null, null]).subarray(1), 0x81, ...pack(key), 0x01];
      const decoded = decodeClientMessage(Uint8Array.of(0x96, ...frame));
      assertCode(decoded, CloseCode.Malformed, /reserved/);
    }
  });

  it('reject extension types, timestamps, typed arrays and records anywhere in a frame', () => {
    for (const frame of [
      '92d6ff0000000101',
      '92d4010001',
      '93c7017400',
      '92d47400',
      '91d47240',
      '92c70a050000000000000000000001',
    ]) {
      assertCode(decodeClientMessage(hex(frame)), CloseCode.Malformed, /extension/);
      assertCode(decodeServerMessage(hex(frame)), CloseCode.Malformed, /extension/);
    }
  });

  it('reject nesting past the protocol’s depth before recursing, however deep', () => {
    for (const depth of [3, 4, 100, 100_000]) {
      const frame = new Uint8Array(depth + 1).fill(0x91);
      frame[depth] = 0x01;
      assertCode(decodeClientMessage(frame), CloseCode.Malformed, /nesting deeper/);
      assertCode(decodeServerMessage(frame), CloseCode.Malformed, /nesting deeper/);
    }
  });

  it('reject 64-bit integers outside the safe range, duplicate map keys, bad UTF-8 and trailing bytes', () => {
    assertCode(decodeClientMessage(hex('92cf0020000000000000')), CloseCode.Malformed, /safe integer/);
    assertCode(decodeClientMessage(hex('92d3ffdfffffffffffff')), CloseCode.Malformed, /safe integer/);
    assertCode(decodeClientMessage(hex('9601a168c0c082a16101a16102')), CloseCode.Malformed, /duplicate key/);
    assertCode(decodeClientMessage(hex('9601a2c328c0c080')), CloseCode.Malformed, /UTF-8/);
    assertCode(decodeClientMessage(hex('920501ff')), CloseCode.Malformed, /trailing bytes/);
    assertCode(decodeClientMessage(hex('9601a168c0c08101a16101')), CloseCode.Malformed, /not a string/);
  });

  it('reject a Pong or Ping whose times are not finite', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assertCode(decodeServerMessage(pack([MsgKind.Pong, bad, 1, 1])), CloseCode.Malformed, /bad Pong/);
      assertCode(decodeServerMessage(pack([MsgKind.Pong, 1, bad, 1])), CloseCode.Malformed, /bad Pong/);
      assertCode(decodeClientMessage(pack([MsgKind.Ping, bad])), CloseCode.Malformed, /bad Ping/);
    }
  });

  it('still decode every valid message after hostile ones (the reader keeps no state)', () => {
    for (let i = 0; i < 3; i++) {
      decodeClientMessage(pack([{ toString: 1 }]));
      decodeClientMessage(hex('91d47240'));
      for (const msg of clientMessages)
        assert.deepEqual(decodeClientMessage(encodeMessage(msg)), { ok: true, value: msg });
      for (const msg of serverMessages) assert.ok(decodeServerMessage(encodeMessage(msg)).ok);
    }
  });
});
