/**
 * Hostile msgpack for the decoder, server and client tests: fast-check arbitraries of values of every
 * msgpack type (maps whose keys shadow Object.prototype members, extension types, typed arrays,
 * bigints, NaN and ±Infinity, strings of every length class), hand-written headers that claim 2^32
 * elements or nest past msgpackr's limits, and every message kind of both directions built with the
 * real encoder and then broken field by field, truncated or mutated.
 *
 * Hostile bytes are packed with msgpackr's Packr directly (several option sets, since a peer may use
 * any); valid frames come only from the shared `encodeMessage`, so the helpers hold no second
 * implementation of the protocol: a broken frame is a real frame, unpacked, with one field swapped.
 */
import fc from 'fast-check';
import { FLOAT32_OPTIONS, Packr, Unpackr } from 'msgpackr';
import {
  type ClientMsg,
  encodeMessage,
  isValidQValue,
  JOIN_OPTIONS_LIMITS,
  MAX_INPUT_SEQ,
  MAX_NAME_LENGTH,
  MsgKind,
  PROTOCOL_VERSION,
  type QValue,
  quantizedValue,
  quantizeWorld,
  type Schema,
  type ServerMsg,
  type Snapshot,
} from '../../shared/index.ts';
import { testSchema } from './serverFixture.ts';

/** Keys that shadow an Object.prototype member (or a property code may test for, like `then`). */
export const SHADOW_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
  'then',
  'toJSON',
  'length',
] as const;

/** Packers a hostile peer might use: plain, records, structured clone (cycles), float32 everywhere, bigint ext. */
export const PACKERS = {
  plain: new Packr({ useRecords: false, variableMapSize: true }),
  plainFixedMaps: new Packr({ useRecords: false }),
  records: new Packr({ useRecords: true }),
  structuredClone: new Packr({ useRecords: false, structuredClone: true }),
  float32: new Packr({ useRecords: false, useFloat32: FLOAT32_OPTIONS.ALWAYS, useBigIntExtension: true }),
  moreTypes: new Packr({ useRecords: false, moreTypes: true, bundleStrings: true }),
} as const;
/** The name of one of {@link PACKERS}. */
export type PackerName = keyof typeof PACKERS;
const PACKER_NAMES = Object.keys(PACKERS) as PackerName[];

/** Packs `value` with a packer; null when msgpackr refuses it (a bigint beyond 64 bits, say). */
export function packWith(packer: PackerName, value: unknown): Uint8Array | null {
  try {
    return PACKERS[packer].pack(value);
  } catch {
    return null;
  }
}

/** Reads a frame we encoded ourselves back into its array form, to break one field of it. */
const reader = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** An object with `key` as an own property (a literal `{ __proto__: v }` would set the prototype instead). */
export function withKey(key: string, value: unknown, base: Record<string, unknown> = {}): Record<string, unknown> {
  const out = { ...base };
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

const INT_EDGES = [
  0,
  1,
  -1,
  31,
  127,
  128,
  -32,
  -33,
  -128,
  -129,
  255,
  256,
  32767,
  32768,
  -32768,
  -32769,
  65535,
  65536,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  -(2 ** 53) - 2,
  2 ** 64,
  -(2 ** 63),
  1e300,
];
const BIGINT_EDGES = [
  0n,
  -1n,
  2n ** 53n,
  2n ** 53n + 1n,
  -(2n ** 53n) - 1n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  2n ** 64n - 1n,
  2n ** 64n,
  2n ** 200n,
];
const FLOAT_EDGES = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0.5,
  -1.5,
  Number.MIN_VALUE,
  Number.MAX_VALUE,
  1e-310,
  3.4e38,
  1.1,
];
/** Lengths at the boundaries of msgpack's fixstr/str8/str16/str32 (and bin8/16/32) classes. */
export const LENGTH_CLASSES = [0, 1, 31, 32, 255, 256, 65535, 65536] as const;

/** Every msgpack scalar: nil, bools, ints of each width and sign, bigints, floats, strings, bins, dates. */
export function scalarArb(options: { big?: boolean } = {}): fc.Arbitrary<unknown> {
  const lengths = options.big === false ? LENGTH_CLASSES.filter((n) => n < 300) : LENGTH_CLASSES;
  return fc.oneof(
    fc.constantFrom(null, undefined, true, false),
    fc.constantFrom(...INT_EDGES),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.constantFrom(...BIGINT_EDGES),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
    fc.constantFrom(...FLOAT_EDGES),
    fc.double(),
    fc.float().map((f) => f),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(...lengths).map((n) => 'x'.repeat(n)),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(...lengths).map((n) => new Uint8Array(n)),
    fc.constantFrom(new Date(0), new Date(-1), new Date(8.64e15), new Date(Number.NaN), new Date(2 ** 34 * 1000)),
  );
}

/** Other built-in types msgpackr has extensions for: typed arrays, Set, RegExp, Error, Map with any keys. */
function extensionArb(inner: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(
      new Int8Array([-1, 2]),
      new Uint8ClampedArray([300]),
      new Int16Array([-32768]),
      new Uint16Array(3),
      new Int32Array([-1]),
      new Uint32Array([2 ** 32 - 1]),
      new Float32Array([Number.NaN, -0]),
      new Float64Array([Number.POSITIVE_INFINITY]),
      new BigInt64Array([-1n]),
      new BigUint64Array([2n ** 64n - 1n]),
      new ArrayBuffer(4),
      /a+$/,
      new Error('x'),
      new RangeError('y'),
    ),
    fc.array(inner, { maxLength: 3 }).map((items) => new Set(items)),
    fc.array(fc.tuple(inner, inner), { maxLength: 3 }).map((entries) => new Map(entries)),
  );
}

/** A map key: ordinary strings, every shadowing key, and the empty string. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SHADOW_KEYS),
  fc.string({ maxLength: 12 }),
  fc.constant(''),
);

/** A map (as a plain object) whose keys are drawn from {@link keyArb}, shadowing keys included. */
function shadowMapArb(inner: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .array(fc.tuple(keyArb, inner), { maxLength: 5 })
    .map((entries) => entries.reduce<Record<string, unknown>>((o, [k, v]) => withKey(k, v, o), {}));
}

/** Any hostile value: scalars, extensions, arrays and maps nested a few levels, shadowing keys everywhere. */
export const hostileValueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb({ big: false }),
    extensionArb(scalarArb({ big: false })),
    fc.array(tie('value'), { maxLength: 4 }),
    shadowMapArb(tie('value')),
    fc.constantFrom(...SHADOW_KEYS).map((k) => withKey(k, k === 'length' ? 2 ** 32 : 1)),
  ),
})).value;

/** `depth` nested single-element containers (array, map or a mix) around nil, as raw bytes. */
export function nested(depth: number, shape: 'array' | 'map' | 'mixed'): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < depth; i++) {
    const map = shape === 'map' || (shape === 'mixed' && i % 2 === 1);
    if (map) parts.push(0x81, 0xa1, 0x61);
    else parts.push(0x91);
  }
  parts.push(0xc0);
  return Uint8Array.from(parts);
}

/** Nesting depths from harmless to far past msgpackr's stack (it throws a RangeError around 10^4). */
export const NESTING_DEPTHS = [8, 32, 64, 100, 128, 1000, 5000, 20_000, 100_000] as const;

/**
 * Hand-written frames no packer writes: length headers claiming up to 2^32 − 1 elements or bytes,
 * extension types of every kind msgpackr knows (and some it does not), NaN and infinities as raw
 * floats, uint64/int64 extremes, reserved byte 0xc1, a kind followed by junk.
 */
export function rawHeaderFrames(): { label: string; bytes: Uint8Array }[] {
  const out: { label: string; bytes: Uint8Array }[] = [];
  const add = (label: string, bytes: number[]): void => void out.push({ label, bytes: Uint8Array.from(bytes) });
  const ff4 = [0xff, 0xff, 0xff, 0xff];
  add('array32 claiming 2^32-1', [0xdd, ...ff4]);
  add('array32 claiming 2^31 with one element', [0xdd, 0x80, 0, 0, 0, 0x01]);
  add('array16 claiming 65535', [0xdc, 0xff, 0xff, 0x01]);
  add('map32 claiming 2^32-1', [0xdf, ...ff4]);
  add('map16 claiming 65535', [0xde, 0xff, 0xff, 0xa1, 0x61]);
  add('str32 claiming 4 GiB', [0xdb, ...ff4, 0x61]);
  add('bin32 claiming 4 GiB', [0xc6, ...ff4, 0x00]);
  add('ext32 claiming 4 GiB', [0xc9, ...ff4, 0x01]);
  add('Hello whose fields claim 2^32', [0x96, 0x01, 0xdd, ...ff4]);
  add('Input whose values claim 2^32', [0x94, 0x03, 0x01, 0x02, 0xdd, ...ff4]);
  add('Snapshot whose body claims 4 GiB', [0x95, 0x04, 0x01, 0xff, 0xff, 0xc6, ...ff4]);
  add('kind as map32 claiming 2^32', [0x91, 0xdf, ...ff4]);
  add('reserved 0xc1', [0x91, 0xc1]);
  add('kind uint64 max', [0x91, 0xcf, ...ff4, ...ff4]);
  add('kind int64 min', [0x91, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  add('kind uint64 2^53+1', [0x91, 0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 0x01]);
  add('Ack tick uint64 max', [0x92, 0x07, 0xcf, ...ff4, ...ff4]);
  add('Ping float64 NaN', [0x92, 0x05, 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]);
  add('Ping float32 +Infinity', [0x92, 0x05, 0xca, 0x7f, 0x80, 0, 0]);
  add('Ping float32 -0', [0x92, 0x05, 0xca, 0x80, 0, 0, 0]);
  add('Pong float64 NaNs', [0x94, 0x06, 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0, 0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0, 0x01]);
  add('kind as a map {toString}', [0x91, 0x81, 0xa8, ...ascii('toString'), 0x01]);
  add('kind as a map {valueOf}', [0x91, 0x81, 0xa7, ...ascii('valueOf'), 0x01]);
  add('kind as a map {toString, valueOf}', [
    0x91,
    0x82,
    0xa8,
    ...ascii('toString'),
    0x01,
    0xa7,
    ...ascii('valueOf'),
    0x01,
  ]);
  add('kind as a map {__proto__: {toString}}', [
    0x91,
    0x81,
    0xa9,
    ...ascii('__proto__'),
    0x81,
    0xa8,
    ...ascii('toString'),
    0x01,
  ]);
  add('kind as a map with a non-string key', [0x91, 0x81, 0x91, 0x01, 0x01]);
  add('kind as a map with a map key', [0x91, 0x81, 0x80, 0x01]);
  add('kind as a timestamp32', [0x91, 0xd6, 0xff, 0, 0, 0, 1]);
  add('kind as a timestamp64', [0x91, 0xd7, 0xff, 0, 0, 0, 0, 0, 0, 0, 1]);
  add('kind as a timestamp96', [0x91, 0xc7, 12, 0xff, ...new Array<number>(12).fill(0xff)]);
  add('kind as a bad timestamp length', [0x91, 0xc7, 3, 0xff, 1, 2, 3]);
  for (const type of [0x00, 0x05, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0x7f, 0x80, 0xfe]) {
    add(`fixext1 type ${type}`, [0x91, 0xd4, type, 0x00]);
    add(`fixext4 type ${type} after Hello kind`, [0x92, 0x01, 0xd6, type, 0x10, 0, 0, 0]);
    add(`ext8 empty type ${type}`, [0x92, 0x03, 0xc7, 0x00, type]);
  }
  add('error ext naming hasOwnProperty', [0x91, 0xd4, 0x65, 0x00, 0x92, 0xae, ...ascii('hasOwnProperty'), 0xa1, 0x78]);
  add('error ext naming constructor', [0x91, 0xd4, 0x65, 0x00, 0x92, 0xab, ...ascii('constructor'), 0xa1, 0x78]);
  add('structured-clone pointer to nothing', [0x91, 0xd6, 0x70, 0, 0, 0, 9]);
  add('regexp ext as kind', [0x91, 0xd4, 0x78, 0x00, 0x92, 0xa2, 0x61, 0x2b, 0xa1, 0x67]);
  add('set ext as kind', [0x91, 0xd4, 0x73, 0x00, 0x91, 0x01]);
  add('typed array ext unknown code', [0x91, 0xc7, 0x02, 0x74, 0x63, 0x00]);
  add('bundled strings claiming 4 GiB', [0x91, 0xd6, 0x62, 0xff, 0xff, 0xff, 0xff]);
  add('record definition then use', [0x92, 0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 0x40, 0x01]);
  add('empty frame', []);
  add('empty array', [0x90]);
  add('nil', [0xc0]);
  add('kind then trailing bytes', [0x92, 0x05, 0x01, 0xff, 0xff]);
  add('two frames back to back', [0x92, 0x05, 0x01, 0x92, 0x05, 0x01]);
  for (const depth of NESTING_DEPTHS) {
    for (const shape of ['array', 'map', 'mixed'] as const) {
      const inner = nested(depth, shape);
      out.push({ label: `nesting ${depth} ${shape}`, bytes: inner });
      const kinded = new Uint8Array(inner.length + 2);
      kinded.set([0x92, 0x03]);
      kinded.set(inner, 2);
      out.push({ label: `Input kind with nesting ${depth} ${shape}`, bytes: kinded });
    }
  }
  return out;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** A quantized value valid for input field `f` of `schema`. */
function qValueArb(schema: Schema, index: number): fc.Arbitrary<QValue> {
  const f = schema.input[index]!;
  if (f.coding === 'text')
    return fc.string({ maxLength: f.bits }).filter((s) => new TextEncoder().encode(s).length <= f.bits);
  return fc.integer({ min: 0, max: f.range - 1 });
}

const optionKeyArb = fc
  .string({ minLength: 1, maxLength: JOIN_OPTIONS_LIMITS.maxKeyLength })
  .filter((k) => !(SHADOW_KEYS as readonly string[]).includes(k) && k !== '__proto_');
const finiteArb = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0));
/** fast-check 4 builds records with a null prototype unless told otherwise; messages are plain objects. */
const NO_NULL = { noNullPrototype: true } as const;
const nameArb = fc.option(fc.string({ maxLength: MAX_NAME_LENGTH }), { nil: null });

/** Every client → server message kind, well formed (input values valid for `schema`). */
export function validClientMsgArb(schema: Schema): fc.Arbitrary<ClientMsg> {
  const values = fc.tuple(...schema.input.map((_, i) => qValueArb(schema, i)));
  return fc.oneof(
    fc.record(
      {
        kind: fc.constant(MsgKind.Hello),
        protocolVersion: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.nat()),
        schemaHash: fc.oneof(fc.constant(schema.hash), fc.string({ maxLength: 64 })),
        room: nameArb,
        resumeToken: nameArb,
        options: fc.dictionary(optionKeyArb, fc.oneof(fc.string({ maxLength: 256 }), finiteArb, fc.boolean()), {
          maxKeys: JOIN_OPTIONS_LIMITS.maxKeys,
          noNullPrototype: true,
        }),
      },
      NO_NULL,
    ),
    fc.record(
      {
        kind: fc.constant(MsgKind.Input),
        seq: fc.integer({ min: 0, max: MAX_INPUT_SEQ }),
        viewTick: fc.maxSafeNat(),
        values,
        ackTick: fc.maxSafeNat(),
      },
      { ...NO_NULL, requiredKeys: ['kind', 'seq', 'viewTick', 'values'] },
    ),
    fc.record({ kind: fc.constant(MsgKind.Ping), clientTimeMs: finiteArb }, NO_NULL),
    fc.record({ kind: fc.constant(MsgKind.Ack), tick: fc.maxSafeNat() }, NO_NULL),
  ) as fc.Arbitrary<ClientMsg>;
}

/** Every server → client message kind, well formed (snapshot bodies are arbitrary bytes). */
export function validServerMsgArb(): fc.Arbitrary<ServerMsg> {
  const fromMinus1 = fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER });
  return fc.oneof(
    fc
      .record(
        {
          kind: fc.constant(MsgKind.Welcome),
          clientId: fc.maxSafeNat(),
          tickRateHz: fc.oneof(fc.constantFrom(10, 30, 60, 120), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
          serverTick: fc.maxSafeNat(),
          resumeToken: fc.string({ maxLength: 40 }),
          roomId: fc.string({ maxLength: 40 }),
          entityId: fromMinus1,
        },
        NO_NULL,
      )
      .chain((w) => fc.integer({ min: 1, max: w.tickRateHz }).map((snapshotRateHz) => ({ ...w, snapshotRateHz }))),
    fc.record(
      {
        kind: fc.constantFrom(MsgKind.Snapshot, MsgKind.GroupSnapshot),
        tick: fc.maxSafeNat(),
        baseTick: fromMinus1,
        lastInputSeq: fc.integer({ min: -1, max: MAX_INPUT_SEQ }),
        body: fc.uint8Array({ maxLength: 64 }),
        inputLead: fc.integer({ min: -127, max: 127 }),
        missedInputs: fc.integer({ min: 0, max: 255 }),
      },
      NO_NULL,
    ),
    fc.record(
      {
        kind: fc.constant(MsgKind.Pong),
        clientTimeMs: finiteArb,
        serverTimeMs: finiteArb,
        serverTick: fc.maxSafeNat(),
      },
      NO_NULL,
    ),
  ) as fc.Arbitrary<ServerMsg>;
}

/** A hostile frame and how it was made (printed when a property fails). */
export interface HostileFrame {
  readonly label: string;
  readonly bytes: Uint8Array;
}

type MutationOp = { op: 'set' | 'flip' | 'insert' | 'delete'; at: number; byte: number };
const mutationArb: fc.Arbitrary<MutationOp[]> = fc.array(
  fc.record({
    op: fc.constantFrom('set', 'flip', 'insert', 'delete'),
    at: fc.nat(),
    byte: fc.nat(255),
  }) as fc.Arbitrary<MutationOp>,
  { minLength: 1, maxLength: 4 },
);

/** Applies byte mutations (positions taken modulo the length). */
export function mutate(bytes: Uint8Array, ops: readonly MutationOp[]): Uint8Array {
  const out = [...bytes];
  for (const { op, at, byte } of ops) {
    const i = out.length === 0 ? 0 : at % (out.length + (op === 'insert' ? 1 : 0));
    if (op === 'insert') out.splice(i, 0, byte);
    else if (out.length === 0) continue;
    else if (op === 'set') out[i] = byte;
    else if (op === 'flip') out[i]! ^= 1 << (byte & 7);
    else out.splice(i, 1);
  }
  return Uint8Array.from(out);
}

/** The array form of a frame we encoded ourselves. */
function fields(msg: ClientMsg | ServerMsg): unknown[] {
  return reader.unpack(encodeMessage(msg)) as unknown[];
}

/**
 * Hostile frames built from valid messages of `valid`: one field (the kind included) replaced by a
 * hostile value, a field dropped or one appended, the whole frame truncated or byte-mutated, or a
 * bare hostile value, each packed with any of {@link PACKERS}; plus the hand-written headers.
 */
export function hostileFrameArb(valid: fc.Arbitrary<ClientMsg | ServerMsg>): fc.Arbitrary<HostileFrame> {
  const packer = fc.constantFrom(...PACKER_NAMES);
  const replaced = fc
    .tuple(valid, fc.nat(), hostileValueArb, packer)
    .map(([msg, at, value, p]): HostileFrame | null => {
      const a = fields(msg);
      const i = at % a.length;
      a[i] = value;
      const bytes = packWith(p, a);
      return bytes === null ? null : { label: `kind ${msg.kind} field ${i} replaced (${p})`, bytes };
    });
  const reshaped = fc
    .tuple(valid, fc.boolean(), hostileValueArb, packer)
    .map(([msg, drop, value, p]): HostileFrame | null => {
      const a = fields(msg);
      if (drop) a.pop();
      else a.push(value);
      const bytes = packWith(p, a);
      return bytes === null
        ? null
        : { label: `kind ${msg.kind} ${drop ? 'missing its last field' : 'with an extra field'} (${p})`, bytes };
    });
  const kindWithValues = fc
    .tuple(
      fc.oneof(fc.constantFrom(...Object.values(MsgKind)), hostileValueArb),
      fc.array(hostileValueArb, { maxLength: 7 }),
      packer,
    )
    .map(([kind, rest, p]): HostileFrame | null => {
      const bytes = packWith(p, [kind, ...rest]);
      return bytes === null ? null : { label: `a kind and ${rest.length} hostile values (${p})`, bytes };
    });
  const bare = fc.tuple(hostileValueArb, packer).map(([value, p]): HostileFrame | null => {
    const bytes = packWith(p, value);
    return bytes === null ? null : { label: `a bare hostile value (${p})`, bytes };
  });
  const truncated = fc.tuple(valid, fc.nat()).map(([msg, at]): HostileFrame => {
    const bytes = encodeMessage(msg);
    return { label: `kind ${msg.kind} truncated`, bytes: bytes.slice(0, at % Math.max(1, bytes.length)) };
  });
  const mutated = fc
    .tuple(valid, mutationArb)
    .map(([msg, ops]): HostileFrame => ({ label: `kind ${msg.kind} mutated`, bytes: mutate(encodeMessage(msg), ops) }));
  const raw = fc.constantFrom(...rawHeaderFrames());
  const random = fc.uint8Array({ maxLength: 64 }).map((bytes): HostileFrame => ({ label: 'random bytes', bytes }));
  return fc
    .oneof(
      { arbitrary: replaced, weight: 5 },
      { arbitrary: reshaped, weight: 2 },
      { arbitrary: kindWithValues, weight: 3 },
      { arbitrary: bare, weight: 1 },
      { arbitrary: truncated, weight: 1 },
      { arbitrary: mutated, weight: 2 },
      { arbitrary: raw, weight: 2 },
      { arbitrary: random, weight: 1 },
    )
    .filter((f): f is HostileFrame => f !== null);
}

/** The bytes as hex, cut to `max` bytes, for failure messages. */
export function hex(bytes: Uint8Array, max = 64): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, max)).toString('hex');
  return bytes.byteLength > max ? `${text}… (${bytes.byteLength} bytes)` : text;
}

/**
 * What a hostile server sends after a valid Welcome and full snapshot: a hostile frame (bytes), a valid
 * envelope around a hostile body (`kind`, a baseline `base` ticks back or −1, `body`), or a text frame.
 * `realBody` is a valid body to mutate.
 */
export type HostileServerFrame =
  | Uint8Array
  | string
  | {
      readonly kind: typeof MsgKind.Snapshot | typeof MsgKind.GroupSnapshot;
      readonly base: number;
      readonly body: Uint8Array;
    };

/** Hostile frames from a server, weighted 6 : 3 : 1 (hostile frames, hostile bodies, text frames). */
export function hostileServerFrameArb(realBody: Uint8Array): fc.Arbitrary<HostileServerFrame> {
  const bodyArb = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    mutationArb.map((ops) => mutate(realBody, ops)),
  );
  const hostileSnapshot = fc
    .tuple(fc.constantFrom(MsgKind.Snapshot, MsgKind.GroupSnapshot), fc.integer({ min: -1, max: 3 }), bodyArb)
    .map(([kind, base, body]) => ({ kind, base, body }));
  return fc.oneof(
    { arbitrary: hostileFrameArb(validServerMsgArb()).map((f): HostileServerFrame => f.bytes), weight: 6 },
    { arbitrary: hostileSnapshot, weight: 3 },
    { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
  );
}

/** The world a hostile test server sends at `tick`: four ships and four rocks of the test schema, moving. */
export function hostileClientWorld(tick: number): Snapshot {
  const entities = Array.from({ length: 8 }, (_, id) =>
    id % 2 === 0
      ? { id, kind: 0, state: { x: 10 * id + tick, y: 100, a: tick / 10, hp: 100 } }
      : { id, kind: 1, state: { x: 5 * id, y: 200 + tick, tag: `t${tick % 3}` } },
  );
  return quantizeWorld(testSchema, tick, entities);
}

/** Throws unless `s` is a well-formed snapshot of the test schema: ids ascending, known kinds, values in range. */
export function checkWellFormed(s: Snapshot): void {
  for (let i = 0; i < s.count; i++) {
    if (i > 0 && !(s.ids[i]! > s.ids[i - 1]!)) throw new Error(`ids do not ascend at ${i}`);
    const kind = testSchema.kinds[s.kinds[i]!];
    if (kind === undefined) throw new Error(`unknown kind ${s.kinds[i]}`);
    for (const f of kind.fields) {
      if (!isValidQValue(f, quantizedValue(testSchema, s, i, f.index))) throw new Error(`field ${f.name} out of range`);
    }
  }
}
