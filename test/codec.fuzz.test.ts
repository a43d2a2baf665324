import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BitWriter } from '../shared/wire/bits.ts';
import {
  defineSchema,
  isValidQValue,
  MAX_ENTITY_ID,
  MAX_TICK_GAP,
  quantizedValue,
  quantizeWorld,
  seededRandom,
  SnapshotCodec,
  t,
} from '../shared/index.ts';
import type { EntityInput, Result, Snapshot } from '../shared/index.ts';

/** Three kinds (2 kind bits, so index 3 is unknown); ship has every field type. */
const schema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: 0, max: 1000, step: 0.01 }),
      a: t.angle({ steps: 3600 }),
      hp: t.uint(8),
      team: t.enum(['red', 'green', 'blue']),
      name: t.string({ maxBytes: 6 }),
      alive: t.bool(),
    },
    rock: { r: t.int(12) },
    flag: { on: t.bool() },
  },
  input: {},
});
const SHIP = 0;
const ROCK = 1;

/** One valid body with the client-side baseline it applies to. */
interface Fixture {
  readonly baseline: Snapshot | null;
  readonly tick: number;
  readonly body: Uint8Array;
}

/** A seeded world chain: moving ships, churning rocks and flags, renamed ships; full and delta bodies. */
function fixtures(): Fixture[] {
  const rand = seededRandom(7);
  const encoder = new SnapshotCodec(schema);
  const decoder = new SnapshotCodec(schema);
  const names = ['', 'al', 'bö', '€', '😀', 'abcdef'];
  const out: Fixture[] = [];
  let next: Snapshot | null = null;
  let held: Snapshot | null = null;
  for (let tick = 1; tick <= 10; tick++) {
    const world: EntityInput[] = [];
    for (let id = 0; id < 40; id++) {
      if (rand() < 0.15) continue;
      const kind = id % 5 === 0 ? ROCK : id % 7 === 0 ? 2 : SHIP;
      const state =
        kind === SHIP
          ? {
              x: 10 * id + 3.3 * tick,
              a: 0.3 * tick + id,
              hp: rand() < 0.2 ? Math.floor(rand() * 256) : 100,
              team: ['red', 'green', 'blue'][id % 3],
              name: names[(id + (rand() < 0.2 ? 1 : 0)) % names.length],
              alive: rand() < 0.9,
            }
          : kind === ROCK
            ? { r: Math.floor(rand() * 4096) - 2048 }
            : { on: rand() < 0.5 };
      world.push({ id: rand() < 0.05 ? id + 1000 : id, kind, state });
    }
    const current = quantizeWorld(schema, tick, world);
    const full = new SnapshotCodec(schema).encode(null, current);
    out.push({ baseline: null, tick, body: full.bytes.slice() });
    const delta = encoder.encode(next, current);
    const body = delta.bytes.slice();
    if (held !== null) out.push({ baseline: held, tick, body });
    const decoded = decoder.decode(held, tick, body);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.reason);
    next = delta.next;
    held = decoded.value;
  }
  return out;
}

/** Asserts a decoded snapshot is well formed: ascending ids in range, known kinds, valid values. */
function assertValidSnapshot(s: Snapshot, tick: number): void {
  assert.equal(s.tick, tick);
  assert.equal(s.ids.length, s.count);
  assert.equal(s.kinds.length, s.count);
  assert.equal(s.values.length, s.count * s.stride);
  for (let i = 0; i < s.count; i++) {
    const id = s.ids[i]!;
    assert.ok(Number.isInteger(id) && id >= 0 && id <= MAX_ENTITY_ID, `id ${id}`);
    if (i > 0) assert.ok(id > s.ids[i - 1]!, 'ids ascend');
    const kind = schema.kinds[s.kinds[i]!];
    assert.ok(kind !== undefined, `kind ${s.kinds[i]}`);
    for (const f of kind.fields)
      assert.ok(isValidQValue(f, quantizedValue(schema, s, i, f.index)), `entity ${id} field ${f.name}`);
  }
}

/** Decodes without letting an exception escape unnoticed; a throw fails the test with the input. */
function decodeSafely(
  codec: SnapshotCodec,
  baseline: Snapshot | null,
  tick: number,
  body: Uint8Array,
  what: string,
): Result<Snapshot> {
  try {
    return codec.decode(baseline, tick, body);
  } catch (err) {
    assert.fail(
      `decode threw on ${what} ` +
        `[${[...body.subarray(0, 32)].join(',')}${body.length > 32 ? ',…' : ''}]: ${String(err)}`,
    );
  }
}

function assertRejected(result: Result<Snapshot>, reason: RegExp): void {
  assert.equal(result.ok, false, 'decoded a hostile body');
  if (!result.ok) assert.match(result.reason, reason);
}

/** A 3-entity baseline at tick 10: ships 1 and 2, rock 5. */
function baseline3(): Snapshot {
  return quantizeWorld(schema, 10, [
    { id: 1, kind: SHIP, state: { x: 1, name: 'a' } },
    { id: 2, kind: SHIP, state: { x: 2, name: 'b' } },
    { id: 5, kind: ROCK, state: { r: 0 } },
  ]);
}

/** Writes a body by hand, the way a hostile peer would. */
function body(write: (w: BitWriter) => void): Uint8Array {
  const w = new BitWriter();
  write(w);
  return w.finish().slice();
}

/** A full body up to one created ship's team: nothing removed, one created (id gap 0), x, a and hp 0, then `team`. */
function writeShipHead(w: BitWriter, team: number): void {
  w.expGolomb(0, 0);
  w.expGolomb(1, 0);
  w.expGolomb(0, 0);
  w.bits(SHIP, 2);
  w.bits(0, 17);
  w.bits(0, 12);
  w.bits(0, 8);
  w.bits(team, 2);
}

/** The bits of a created rock (id gap, kind, r) after the created count. */
function writeRock(w: BitWriter, idGap: number, r: number): void {
  w.expGolomb(idGap, 0);
  w.bits(ROCK, 2);
  w.bits(r, 12);
}

describe('SnapshotCodec.decode on untrusted bytes (fuzz)', () => {
  const valid = fixtures();
  const codec = new SnapshotCodec(schema);

  it('decodes the valid fixtures (the fuzz starts from real bodies)', () => {
    assert.ok(valid.length >= 15);
    for (const f of valid) {
      const result = codec.decode(f.baseline, f.tick, f.body);
      assert.ok(result.ok);
      assertValidSnapshot(result.value, f.tick);
    }
  });

  it('never throws on random bytes, with and without a baseline', () => {
    const rand = seededRandom(1);
    const base = baseline3();
    for (let n = 0; n < 3000; n++) {
      const length = n < 600 ? n % 12 : Math.floor(rand() * (n % 10 === 0 ? 4096 : 64));
      const bytes = Uint8Array.from({ length }, () => Math.floor(rand() * 256));
      const full = decodeSafely(codec, null, 11, bytes, 'random bytes');
      if (full.ok) assertValidSnapshot(full.value, 11);
      const delta = decodeSafely(codec, base, 11, bytes, 'random bytes on a baseline');
      if (delta.ok) assertValidSnapshot(delta.value, 11);
    }
  });

  it('rejects every truncation of every valid body', () => {
    for (const f of valid) {
      for (let length = 0; length < f.body.length; length++) {
        const result = decodeSafely(codec, f.baseline, f.tick, f.body.subarray(0, length), 'a truncated body');
        assert.equal(result.ok, false, `a ${length}-byte prefix of a ${f.body.length}-byte body decoded`);
      }
    }
  });

  it('gives a failure or a well-formed snapshot for every single bit flip of valid bodies', () => {
    for (const f of valid.slice(0, 8)) {
      for (let bit = 0; bit < f.body.length * 8; bit++) {
        const bytes = f.body.slice();
        bytes[bit >>> 3]! ^= 0x80 >>> (bit & 7);
        const result = decodeSafely(codec, f.baseline, f.tick, bytes, `bit ${bit} flipped`);
        if (result.ok) assertValidSnapshot(result.value, f.tick);
      }
    }
  });

  it('gives a failure or a well-formed snapshot for random byte mutations, insertions and deletions', () => {
    const rand = seededRandom(2);
    for (let n = 0; n < 4000; n++) {
      const f = valid[n % valid.length]!;
      const bytes = [...f.body];
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (bytes.length + 1));
        const op = rand();
        if (op < 0.5 && at < bytes.length) bytes[at] = Math.floor(rand() * 256);
        else if (op < 0.75) bytes.splice(at, 0, Math.floor(rand() * 256));
        else bytes.splice(at, 1);
      }
      const result = decodeSafely(codec, f.baseline, f.tick, Uint8Array.from(bytes), 'a mutated body');
      if (result.ok) assertValidSnapshot(result.value, f.tick);
    }
  });

  it('rejects a body decoded against the wrong baseline or tick instead of throwing', () => {
    const rand = seededRandom(3);
    for (let n = 0; n < 300; n++) {
      const f = valid[Math.floor(rand() * valid.length)]!;
      const other = valid[Math.floor(rand() * valid.length)]!;
      const wrongBase = other.baseline;
      const result = decodeSafely(codec, wrongBase, f.tick + (wrongBase === null ? 0 : 20), f.body, 'another baseline');
      if (result.ok) assertValidSnapshot(result.value, f.tick + (wrongBase === null ? 0 : 20));
    }
  });
});

describe('SnapshotCodec.decode on hostile bodies', () => {
  const codec = new SnapshotCodec(schema);

  it('rejects counts claiming 2^31 entities without allocating them', () => {
    const huge = 2 ** 31;
    assertRejected(
      codec.decode(
        null,
        1,
        body((w) => w.expGolomb(huge, 0)),
      ),
      /removed count/,
    );
    assertRejected(
      codec.decode(
        null,
        1,
        body((w) => {
          w.expGolomb(0, 0);
          w.expGolomb(huge, 0);
        }),
      ),
      /created count/,
    );
    assertRejected(
      codec.decode(
        baseline3(),
        11,
        body((w) => {
          w.expGolomb(0, 0);
          w.expGolomb(0, 0);
          w.expGolomb(huge, 0);
        }),
      ),
      /changed count/,
    );
    assertRejected(
      codec.decode(
        baseline3(),
        11,
        body((w) => {
          w.expGolomb(0, 0);
          w.expGolomb(0, 0);
          w.expGolomb(4, 0);
        }),
      ),
      /changed count 4 exceeds the 3/,
    );
    assertRejected(codec.decode(null, 1, new Uint8Array(64)), /removed count -1/);
  });

  it('rejects more created entities than the decode limit allows', () => {
    const three = body((w) => {
      w.expGolomb(0, 0);
      w.expGolomb(3, 0);
      for (let i = 0; i < 3; i++) writeRock(w, 0, 1);
      w.expGolomb(0, 0);
    });
    assert.ok(codec.decode(null, 1, three).ok);
    assertRejected(codec.decode(null, 1, three, { maxEntities: 2 }), /created count 3 is impossible/);
    assertRejected(codec.decode(baseline3(), 11, three, { maxEntities: 5 }), /created count/);
  });

  it('rejects a string longer than its bound and invalid UTF-8', () => {
    const ship = (name: readonly number[], declaredLength = name.length): Uint8Array =>
      body((w) => {
        writeShipHead(w, 0);
        w.expGolomb(declaredLength, 0);
        for (const b of name) w.byte(b);
        w.bits(1, 1);
        w.expGolomb(0, 0);
      });
    assert.ok(codec.decode(null, 1, ship([0x61, 0x62])).ok, 'the hand-made ship itself is valid');
    assertRejected(codec.decode(null, 1, ship([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67])), /bad string in field 4/);
    assertRejected(codec.decode(null, 1, ship([0xc0, 0x80])), /bad string/);
    assertRejected(codec.decode(null, 1, ship([0xed, 0xa0, 0x80])), /bad string/);
    assertRejected(codec.decode(null, 1, ship([0xf4, 0x90, 0x80, 0x80])), /bad string/);
    assertRejected(codec.decode(null, 1, ship([0x61], 2 ** 20)), /bad string/);
  });

  it('rejects a removed position beyond the baseline', () => {
    assertRejected(
      codec.decode(
        baseline3(),
        11,
        body((w) => {
          w.expGolomb(1, 0);
          w.expGolomb(3, 0);
          w.expGolomb(0, 0);
          w.expGolomb(0, 0);
        }),
      ),
      /removed position beyond the baseline/,
    );
    assertRejected(
      codec.decode(
        baseline3(),
        11,
        body((w) => {
          w.expGolomb(2, 0);
          w.expGolomb(1, 0);
          w.expGolomb(1, 0);
          w.expGolomb(0, 0);
          w.expGolomb(0, 0);
        }),
      ),
      /removed position beyond/,
    );
    assertRejected(
      codec.decode(
        null,
        1,
        body((w) => {
          w.expGolomb(1, 0);
          w.expGolomb(0, 0);
        }),
      ),
      /removed count 1 exceeds the baseline's 0/,
    );
  });

  it('rejects an unknown kind index, an out-of-range value and an out-of-range id', () => {
    assertRejected(
      codec.decode(
        null,
        1,
        body((w) => {
          w.expGolomb(0, 0);
          w.expGolomb(1, 0);
          w.expGolomb(0, 0);
          w.bits(3, 2);
          w.expGolomb(0, 0);
        }),
      ),
      /unknown entity kind 3/,
    );
    const badTeam = body((w) => writeShipHead(w, 3));
    assertRejected(codec.decode(null, 1, badTeam), /field 3 out of range/);
    const floatOver = body((w) => {
      w.expGolomb(0, 0);
      w.expGolomb(1, 0);
      w.expGolomb(0, 0);
      w.bits(SHIP, 2);
      w.bits(100_001, 17);
    });
    assertRejected(codec.decode(null, 1, floatOver), /field 0 out of range/);
    const farId = body((w) => {
      w.expGolomb(0, 0);
      w.expGolomb(2, 0);
      writeRock(w, MAX_ENTITY_ID, 0);
      writeRock(w, 0, 0);
      w.expGolomb(0, 0);
    });
    assertRejected(codec.decode(null, 1, farId), /id out of range/);
  });

  it('rejects a created id that already survives in the baseline', () => {
    const dup = body((w) => {
      w.expGolomb(0, 0);
      w.expGolomb(1, 0);
      writeRock(w, 5, 0);
      w.expGolomb(0, 0);
    });
    assertRejected(codec.decode(baseline3(), 11, dup), /created entity 5 already exists/);
    const replaced = body((w) => {
      w.expGolomb(1, 0);
      w.expGolomb(2, 0);
      w.expGolomb(1, 0);
      writeRock(w, 5, 0);
      w.expGolomb(0, 0);
    });
    const result = codec.decode(baseline3(), 11, replaced);
    assert.ok(result.ok, 'removing id 5 and creating it again is valid');
    assert.deepEqual([...result.value.ids], [1, 2, 5]);
  });

  /**
   * A body for baseline3 changing one ship at survivor gap `gap`: ships have changes (k = 0 for x, a
   * and hp), rocks and flags none; `writeRow` writes the mask and values.
   */
  function changed(gap: number, writeRow: (w: BitWriter) => void): Uint8Array {
    return body((w) => {
      w.expGolomb(0, 0);
      w.expGolomb(0, 0);
      w.expGolomb(1, 0);
      w.bit(true);
      w.bits(0, 5);
      w.bits(0, 5);
      w.bits(0, 5);
      w.bit(false);
      w.bit(false);
      w.expGolomb(gap, 0);
      writeRow(w);
    });
  }

  it('rejects a changed position beyond the survivors', () => {
    const team = (w: BitWriter): void => {
      w.bit(false);
      w.bits(0b001000, 6);
      w.bits(2, 2);
    };
    const valid = codec.decode(baseline3(), 11, changed(1, team));
    assert.ok(valid.ok, 'the hand-made change is valid');
    assert.equal(quantizedValue(schema, valid.value, 1, 3), 2);
    assertRejected(codec.decode(baseline3(), 11, changed(3, team)), /changed entity position beyond the survivors/);
    assertRejected(codec.decode(baseline3(), 11, changed(40, team)), /beyond the survivors|truncated/);
  });

  it('rejects an empty mask and a repeated mask with none before it', () => {
    assertRejected(
      codec.decode(
        baseline3(),
        11,
        changed(0, (w) => {
          w.bit(false);
          w.bits(0, 6);
        }),
      ),
      /empty or missing changed-field mask/,
    );
    assertRejected(
      codec.decode(
        baseline3(),
        11,
        changed(0, (w) => w.bit(true)),
      ),
      /empty or missing changed-field mask/,
    );
  });

  it('rejects a residual larger than the field’s range', () => {
    assertRejected(
      codec.decode(
        baseline3(),
        11,
        changed(0, (w) => {
          w.bit(false);
          w.bits(0b000001, 6);
          w.expGolomb(200_000, 0);
        }),
      ),
      /residual out of range/,
    );
  });

  it('rejects trailing bytes and non-zero padding', () => {
    const empty = body((w) => {
      w.expGolomb(0, 0);
      w.expGolomb(0, 0);
      w.expGolomb(0, 0);
    });
    assert.deepEqual([...empty], [0b1110_0000]);
    assert.ok(codec.decode(baseline3(), 11, empty).ok);
    assertRejected(codec.decode(baseline3(), 11, Uint8Array.of(0b1110_0000, 0)), /body length does not match/);
    assertRejected(codec.decode(baseline3(), 11, Uint8Array.of(0b1110_0001)), /body length does not match/);
    assertRejected(codec.decode(baseline3(), 11, new Uint8Array(0)), /./);
  });

  it('rejects a tick that is not 1 to 2^20 ticks after the baseline, or a baseline of another schema', () => {
    const empty = Uint8Array.of(0b1110_0000);
    assertRejected(codec.decode(baseline3(), 10, empty), /tick 10 is not 1 to 2\^20 ticks after baseline 10/);
    assertRejected(codec.decode(baseline3(), 9, empty), /not 1 to 2\^20/);
    assertRejected(codec.decode(baseline3(), 10 + MAX_TICK_GAP + 1, empty), /not 1 to 2\^20/);
    assertRejected(codec.decode(baseline3(), Number.NaN, empty), /not 1 to 2\^20/);
    assert.ok(codec.decode(baseline3(), 10 + MAX_TICK_GAP, empty).ok);
    const other = defineSchema({ entities: { a: { x: t.bool() } }, input: {} });
    assertRejected(codec.decode(quantizeWorld(other, 1, []), 2, empty), /./);
  });
});
