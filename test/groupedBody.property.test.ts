/**
 * Property tests of grouped snapshot bodies (shared/wire/groupedBody.ts): BitWriter.append, and a seeded
 * random world streamed through a real GroupTable to several simulated clients that each hold a
 * random subset of the groups, decoded by a GroupedDecoder per client and checked against the
 * server's group snapshots and an independent model of GroupedDecoder.merge.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BitReader, BitWriter } from '../shared/wire/bits.ts';
import {
  GroupedBodyWriter,
  GroupedDecoder,
  HELD_DROPPED,
  HELD_KEPT,
  HELD_UPDATED,
} from '../shared/wire/groupedBody.ts';
import { defineSchema, type EntityInput, quantizeWorld, seededRandom, type Snapshot, t } from '../shared/index.ts';
import { type Group, HISTORY_TICKS } from '../server/interest/Group.ts';
import { GroupTable } from '../server/interest/GroupTable.ts';
import { resolveInterest } from '../server/interest/interestOptions.ts';

const SEED = 42;

/** Two positioned kinds (cells) and one without a position (global groups); every field type. */
const schema = defineSchema({
  entities: {
    ship: {
      x: t.float({ min: 0, max: 400, step: 0.5 }),
      y: t.float({ min: 0, max: 400, step: 0.5 }),
      heading: t.angle({ steps: 64 }),
      hp: t.int(8),
      shield: t.bool(),
      mode: t.enum(['idle', 'run', 'jump']),
      name: t.string({ maxBytes: 8 }),
    },
    orb: {
      x: t.float({ min: 0, max: 400, step: 0.5 }),
      y: t.float({ min: 0, max: 400, step: 0.5 }),
      spin: t.angle({ steps: 7 }),
      charge: t.uint(3),
      label: t.string({ maxBytes: 3 }),
    },
    flag: { team: t.enum(['red', 'blue']), score: t.int(16), note: t.string({ maxBytes: 4 }) },
  },
  input: {},
});
const SHIP = 0;
const ORB = 1;
const FLAG = 2;
const WORLD = 400;
const STRIDE = 7;

/** Cells of 100 units (5 × 5) and groups of at most 3 entities, so crowded cells split. */
const interest = resolveInterest(schema, {
  x: 'x',
  y: 'y',
  viewRadius: 200,
  cellSize: 100,
  groupCap: 3,
  budgetBytes: Infinity,
});

function newTable(): GroupTable {
  return new GroupTable(schema, interest.grid, interest.xField, interest.yField, interest.groupCap);
}

// ---------------------------------------------------------------------------------------------
// The decoder's held state, read for checking only.

interface DecoderInternals {
  readonly ids: readonly number[];
  readonly groups: readonly Snapshot[];
}

function internals(d: GroupedDecoder): DecoderInternals {
  return d as unknown as DecoderInternals;
}

// ---------------------------------------------------------------------------------------------
// An independent model of what a client holds and shows.

/** `d` modulo `range` as the signed value nearest 0, in [−⌊range/2⌋, range − 1 − ⌊range/2⌋]. */
function signedMod(d: number, range: number): number {
  const half = Math.floor(range / 2);
  const x = (((d % range) + range) % range) + 0;
  return x >= range - half ? x - range : x;
}

/** The one-tick motion a client derives when it updates `prev` (tick T − 1) to `cur` (tick T). */
function oneTickMotion(prev: Snapshot, cur: Snapshot): number[] {
  const motion = new Array<number>(cur.count * STRIDE).fill(0);
  const at = new Map(prev.ids.map((id, i) => [id, i]));
  for (let j = 0; j < cur.count; j++) {
    const i = at.get(cur.ids[j]!);
    if (i === undefined || prev.kinds[i] !== cur.kinds[j]) continue; // created (or a new kind): no motion
    for (const f of schema.kinds[cur.kinds[j]!]!.fields) {
      if (f.coding !== 'continuous') continue;
      motion[j * STRIDE + f.index] = signedMod(
        cur.values[j * STRIDE + f.index]! - prev.values[i * STRIDE + f.index]!,
        f.range,
      );
    }
  }
  return motion;
}

/**
 * A copy of a server group snapshot for the model: the table owns its snapshots and may reuse their
 * columns once it no longer keeps them, but the model holds them as long as a client holds the group.
 */
function copyOf(s: Snapshot): Snapshot {
  return {
    ...s,
    ids: [...s.ids],
    kinds: [...s.kinds],
    values: [...s.values],
    motion: s.motion === null ? null : [...s.motion],
    texts: s.texts === null ? null : [...s.texts],
  };
}

/** A group as the model says a client holds it. */
interface Held {
  readonly group: Group;
  /** Tick of the group's last update on the client. */
  readonly tick: number;
  /** Got by a one-tick chunk last time. */
  readonly canon: boolean;
  /** The server's snapshot of the group at `tick`. */
  readonly snap: Snapshot;
  /** The one-tick motion the client derived, or null (none). */
  readonly motion: readonly number[] | null;
}

/** One entity row of the expected merged snapshot. */
interface Row {
  readonly id: number;
  readonly kind: number;
  readonly values: number[];
  readonly texts: string[];
  readonly fromTick: number;
}

/**
 * The merged snapshot as GroupedDecoder.merge documents it: the union of the held groups; a group
 * not updated at `tick` moved by its motion; an entity in two groups taken from the one updated last.
 * `moved` counts the entities held twice.
 */
function expectedMerge(tick: number, held: readonly Held[], stats: Stats): Row[] {
  const rows = new Map<number, Row>();
  for (const h of held) {
    const s = h.snap;
    const g = tick - s.tick;
    for (let i = 0; i < s.count; i++) {
      const id = s.ids[i]!;
      const other = rows.get(id);
      if (other !== undefined) {
        assert.notEqual(other.fromTick, s.tick, `model: entity ${id} in two groups of tick ${s.tick}`);
        stats.heldTwice++;
        if (other.fromTick > s.tick) continue;
      }
      const kind = s.kinds[i]!;
      const values: number[] = [];
      const texts: string[] = [];
      for (const f of schema.kinds[kind]!.fields) {
        const q = s.values[i * STRIDE + f.index]!;
        const m = h.motion === null ? 0 : h.motion[i * STRIDE + f.index]!;
        if (f.coding === 'continuous' && g > 0 && m !== 0) {
          const p = (((q + m * g) % f.range) + f.range) % f.range;
          if (p !== q) stats.predicted++;
          values.push(p);
        } else values.push(q);
        texts.push(f.coding === 'text' ? (s.texts![i * STRIDE + f.index] ?? '') : '');
      }
      rows.set(id, { id, kind, values, texts, fromTick: s.tick });
    }
  }
  return [...rows.values()].sort((a, b) => a.id - b.id);
}

function assertMerged(actual: Snapshot, expected: readonly Row[], tick: number, what: string): void {
  assert.equal(actual.tick, tick, what);
  assert.equal(actual.motion, null, `${what}: merged snapshots carry no motion`);
  for (let i = 1; i < actual.count; i++)
    assert.ok(actual.ids[i]! > actual.ids[i - 1]!, `${what}: ids ascend, no entity twice (${actual.ids[i]})`);
  assert.deepEqual(
    actual.ids.slice(0, actual.count),
    expected.map((r) => r.id),
    `${what}: ids`,
  );
  assert.equal(actual.count, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const row = expected[i]!;
    assert.equal(actual.kinds[i], row.kind, `${what}: kind of entity ${row.id}`);
    for (const f of schema.kinds[row.kind]!.fields) {
      const where = `${what}: entity ${row.id} field ${f.name} (from tick ${row.fromTick})`;
      if (f.coding === 'text') assert.equal(actual.texts![i * STRIDE + f.index] ?? '', row.texts[f.index], where);
      else assert.equal(actual.values[i * STRIDE + f.index], row.values[f.index], where);
    }
  }
}

/** A held group on the client equals the server's group at the tick it was updated, motion included. */
function assertGroup(actual: Snapshot, h: Held, what: string): void {
  const s = h.snap;
  assert.equal(actual.tick, h.tick, `${what}: tick`);
  assert.equal(actual.count, s.count, `${what}: count`);
  assert.deepEqual(actual.ids.slice(0, s.count), [...s.ids], `${what}: ids`);
  assert.deepEqual(actual.kinds.slice(0, s.count), [...s.kinds], `${what}: kinds`);
  for (let i = 0; i < s.count; i++) {
    for (const f of schema.kinds[s.kinds[i]!]!.fields) {
      const at = i * STRIDE + f.index;
      const where = `${what}: entity ${s.ids[i]} field ${f.name}`;
      if (f.coding === 'text') assert.equal(actual.texts![at] ?? '', s.texts![at] ?? '', where);
      else assert.equal(actual.values[at], s.values[at], where);
      if (f.coding === 'continuous') assert.equal(actual.motion?.[at] ?? 0, h.motion?.[at] ?? 0, `${where}: motion`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The random world.

interface Live {
  kind: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  turn: number;
  readonly state: Record<string, unknown>;
}

const NAMES = ['', 'a', 'Ada', 'Bö', '€€', '😀', 'longname'];
const IDS = [...Array.from({ length: 60 }, (_, i) => i), 1000, 1001, 2 ** 31 - 2, 2 ** 31 - 1];

class World {
  readonly live = new Map<number, Live>();
  constructor(private readonly rand: () => number) {
    for (const id of IDS) if (rand() < 0.5) this.live.set(id, this.spawn(Math.floor(rand() * 3)));
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }

  /** A velocity: still, slow, along a cell border, or fast enough to cross cells every tick. */
  private speed(): number {
    const r = this.rand();
    if (r < 0.3) return 0;
    if (r < 0.75) return (this.rand() - 0.5) * 4;
    if (r < 0.85) return (this.rand() - 0.5) * 0.5;
    return (this.rand() - 0.5) * 160;
  }

  private spawn(kind: number): Live {
    const rand = this.rand;
    // A third spawn in one crowded corner cell, so its groups split at the cap of 3.
    const crowd = rand() < 0.33;
    const live: Live = {
      kind,
      x: crowd ? 10 + rand() * 80 : rand() * WORLD,
      y: crowd ? 10 + rand() * 80 : rand() * WORLD,
      vx: this.speed(),
      vy: this.speed(),
      turn: rand() < 0.3 ? 0 : (rand() - 0.5) * (rand() < 0.8 ? 0.5 : 9),
      state: {},
    };
    if (kind === SHIP)
      Object.assign(live.state, {
        heading: rand() * 7,
        hp: Math.floor(rand() * 256) - 128,
        shield: rand() < 0.5,
        mode: this.pick(['idle', 'run', 'jump']),
        name: this.pick(NAMES),
      });
    else if (kind === ORB)
      Object.assign(live.state, { spin: rand() * 7, charge: Math.floor(rand() * 8), label: this.pick(NAMES) });
    else
      Object.assign(live.state, {
        team: this.pick(['red', 'blue']),
        score: Math.floor(rand() * 65_536) - 32_768,
        note: this.pick(NAMES),
      });
    return live;
  }

  /** One tick: everything moves, some change, jump, spawn, despawn or come back as another kind. */
  step(): void {
    const rand = this.rand;
    for (const e of this.live.values()) {
      e.x = (((e.x + e.vx) % WORLD) + WORLD) % WORLD;
      e.y = (((e.y + e.vy) % WORLD) + WORLD) % WORLD;
      if (rand() < 0.03) {
        e.x = rand() * WORLD;
        e.y = rand() * WORLD;
      }
      if (rand() < 0.05) {
        e.vx = this.speed();
        e.vy = this.speed();
      }
      const s = e.state;
      if (e.kind === SHIP) {
        s.heading = (s.heading as number) + e.turn;
        if (rand() < 0.1) s.hp = rand() < 0.2 ? this.pick([-128, 127]) : (s.hp as number) + Math.floor(rand() * 9) - 4;
        if (rand() < 0.05) s.shield = !s.shield;
        if (rand() < 0.05) s.mode = this.pick(['idle', 'run', 'jump']);
        if (rand() < 0.03) s.name = this.pick(NAMES);
      } else if (e.kind === ORB) {
        s.spin = (s.spin as number) + e.turn;
        if (rand() < 0.1) s.charge = Math.floor(rand() * 8);
        if (rand() < 0.03) s.label = this.pick(NAMES);
      } else {
        if (rand() < 0.2) s.score = (s.score as number) + Math.floor(rand() * 2001) - 1000;
        if (rand() < 0.05) s.team = this.pick(['red', 'blue']);
        if (rand() < 0.05) s.note = this.pick(NAMES);
      }
    }
    if (rand() < 0.6) {
      const id = this.pick(IDS);
      if (!this.live.has(id)) this.live.set(id, this.spawn(Math.floor(rand() * 3)));
    }
    if (rand() < 0.5 && this.live.size > 0) this.live.delete(this.pick([...this.live.keys()]));
    if (rand() < 0.1 && this.live.size > 0) {
      const id = this.pick([...this.live.keys()]);
      this.live.set(id, this.spawn((this.live.get(id)!.kind + 1 + Math.floor(rand() * 2)) % 3));
    }
  }

  snapshot(tick: number): Snapshot {
    const list: EntityInput[] = [];
    for (const [id, e] of this.live)
      list.push({ id, kind: e.kind, state: e.kind === FLAG ? e.state : { ...e.state, x: e.x, y: e.y } });
    return quantizeWorld(schema, tick, list);
  }
}

// ---------------------------------------------------------------------------------------------
// Simulated clients and the body writer (the rules of InterestManager.gather/write/commit).

/** Per-tick probabilities of one client's choices. */
interface Profile {
  readonly name: string;
  readonly update: number;
  readonly keep: number;
  readonly add: number;
  readonly skip: number;
  readonly longSkip: number;
  readonly resync: number;
  /** Of the groups dropped: share added afresh in the same body (although their chunk exists). */
  readonly readd: number;
}

const PROFILES: readonly Profile[] = [
  { name: 'steady', update: 0.92, keep: 0.06, add: 0.6, skip: 0.02, longSkip: 0, resync: 0, readd: 0 },
  { name: 'lazy', update: 0.35, keep: 0.6, add: 0.25, skip: 0.15, longSkip: 0.004, resync: 0, readd: 0.2 },
  { name: 'sleeper', update: 0.7, keep: 0.22, add: 0.35, skip: 0.04, longSkip: 0.07, resync: 0, readd: 0 },
  { name: 'chaotic', update: 0.5, keep: 0.3, add: 0.4, skip: 0.1, longSkip: 0.02, resync: 0.03, readd: 0.25 },
];

interface Client {
  readonly profile: Profile;
  readonly decoder: GroupedDecoder;
  held: Held[];
  /** Tick of the last body the client got, or -1. */
  lastTick: number;
  /** No body before this tick (a skip). */
  resumeAt: number;
}

interface Stats {
  bodies: number;
  oneTickCanon: number;
  oneTickFresh: number;
  gapCanon: number;
  gapFresh: number;
  maxGap: number;
  kept: number;
  dropped: number;
  deadDropped: number;
  added: number;
  tooOld: number;
  oldestKept: number;
  firstTooOld: number;
  readded: number;
  resyncs: number;
  predicted: number;
  heldTwice: number;
  splitCells: number;
}

function newStats(): Stats {
  return {
    bodies: 0,
    oneTickCanon: 0,
    oneTickFresh: 0,
    gapCanon: 0,
    gapFresh: 0,
    maxGap: 0,
    kept: 0,
    dropped: 0,
    deadDropped: 0,
    added: 0,
    tooOld: 0,
    oldestKept: 0,
    firstTooOld: 0,
    readded: 0,
    resyncs: 0,
    predicted: 0,
    heldTwice: 0,
    splitCells: 0,
  };
}

/** Writes `client`'s body for this tick with random choices, and returns it with the groups it will hold. */
/** The server's grouped body writer, shared by every body of the test. */
const bodyWriter = new GroupedBodyWriter();

function writeBody(
  table: GroupTable,
  client: Client,
  tick: number,
  rand: () => number,
  stats: Stats,
): { baseTick: number; body: Uint8Array; next: Held[] } {
  const p = client.profile;
  const resync = client.lastTick >= 0 && rand() < p.resync;
  if (resync) stats.resyncs++;
  const baseTick = resync ? -1 : client.lastTick;
  const held = resync ? [] : client.held;
  // The production writer: this test round-trips the bytes the server writes, not a copy of its writer.
  const w = bodyWriter;
  w.setOrders(table.tables, table.orders);
  w.begin();
  const next: Held[] = [];
  const adds = new Set<Group>();
  for (const h of held) {
    const g = h.group;
    if (g.dead) {
      w.held(HELD_DROPPED);
      stats.deadDropped++;
      continue;
    }
    const r = rand();
    if (r < p.update) {
      const chunk = table.chunk(g, h.tick, h.canon);
      // The table keeps the group's states of the last HISTORY_TICKS ticks, and no older ones.
      assert.equal(
        chunk === null,
        tick - h.tick > HISTORY_TICKS,
        `chunk of group ${g.id} from tick ${h.tick} at tick ${tick}`,
      );
      if (tick - h.tick === HISTORY_TICKS) stats.oldestKept++;
      if (chunk === null) {
        // Its state is older than the table keeps: dropped and sent afresh in the same body.
        stats.tooOld++;
        if (tick - h.tick === HISTORY_TICKS + 1) stats.firstTooOld++;
        w.held(HELD_DROPPED);
        adds.add(g);
        continue;
      }
      const gap = tick - h.tick;
      stats.maxGap = Math.max(stats.maxGap, gap);
      if (gap === 1 && h.canon) stats.oneTickCanon++;
      else if (gap === 1) stats.oneTickFresh++;
      else if (h.canon) stats.gapCanon++;
      else stats.gapFresh++;
      w.held(HELD_UPDATED, chunk);
      next.push({
        group: g,
        tick,
        canon: gap === 1,
        snap: copyOf(g.now),
        motion: gap === 1 ? oneTickMotion(h.snap, g.now) : null,
      });
    } else if (r < p.update + p.keep) {
      stats.kept++;
      w.held(HELD_KEPT);
      next.push(h);
    } else {
      stats.dropped++;
      w.held(HELD_DROPPED);
      if (rand() < p.readd) {
        stats.readded++;
        adds.add(g);
      }
    }
  }
  const holding = new Set(next.map((h) => h.group));
  const live = new Set(table.rowGroup);
  for (const g of live) if (!holding.has(g) && !adds.has(g) && rand() < p.add) adds.add(g);
  const added = [...adds].sort((a, b) => a.id - b.id);
  w.added(added.map((g) => ({ id: g.id, chunk: table.chunk(g, -1, false)! })));
  for (const g of added) next.push({ group: g, tick, canon: false, snap: copyOf(g.now), motion: null });
  stats.added += added.length;
  next.sort((a, b) => a.group.id - b.group.id);
  return { baseTick, body: w.finish().slice(), next };
}

/** Streams `ticks` ticks of a random world to every profile's client, checking each body decoded. */
function runStream(seed: number, ticks: number, stats: Stats): void {
  const rand = seededRandom(seed);
  const world = new World(rand);
  const table = newTable();
  const clients: Client[] = PROFILES.map((profile) => ({
    profile,
    decoder: new GroupedDecoder(schema),
    held: [],
    lastTick: -1,
    resumeAt: 0,
  }));
  for (let tick = 1; tick <= ticks; tick++) {
    world.step();
    const snap = world.snapshot(tick);
    table.prepare(snap, null);
    // The table's groups partition the world, at most groupCap each.
    const members = new Map<Group, number>();
    for (let row = 0; row < snap.count; row++)
      members.set(table.rowGroup[row]!, (members.get(table.rowGroup[row]!) ?? 0) + 1);
    for (const [g, n] of members) {
      assert.ok(n <= interest.groupCap && g.now.count === n && !g.dead, `group ${g.id} at tick ${tick}`);
      if (g.cell >= 0 && (table.groupsOf(g.cell)?.length ?? 0) > 1) stats.splitCells++;
    }
    for (const c of clients) {
      if (tick < c.resumeAt) continue;
      const p = c.profile;
      const r = rand();
      // A long skip ends around the history's edge: the held groups' chunks then span about HISTORY_TICKS ticks.
      if (r < p.longSkip) c.resumeAt = tick + HISTORY_TICKS - 2 + Math.floor(rand() * 5);
      else if (r < p.longSkip + p.skip) c.resumeAt = tick + 1 + Math.floor(rand() * 5);
      if (tick < c.resumeAt) continue;
      const { baseTick, body, next } = writeBody(table, c, tick, rand, stats);
      const what = `seed ${seed} tick ${tick} client ${p.name} (base ${baseTick}, ${body.length} bytes)`;
      const result = c.decoder.decode(tick, baseTick, body);
      assert.ok(result.ok, `${what}: ${result.ok ? '' : result.reason}`);
      stats.bodies++;
      c.held = next;
      c.lastTick = tick;
      assert.equal(c.decoder.tick, tick, what);
      assert.deepEqual(
        c.decoder.heldGroups,
        next.map((h) => h.group.id),
        `${what}: held groups`,
      );
      const groups = internals(c.decoder).groups;
      assert.equal(groups.length, next.length, what);
      for (let i = 0; i < next.length; i++) assertGroup(groups[i]!, next[i]!, `${what}: group ${next[i]!.group.id}`);
      assertMerged(result.value, expectedMerge(tick, next, stats), tick, what);
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('BitWriter.append', () => {
  it('appends any bit string at any bit offset, and it reads back exactly', () => {
    const rand = seededRandom(SEED);
    for (let n = 0; n < 1500; n++) {
      const w = new BitWriter(1 + Math.floor(rand() * 8)); // small buffers, so append has to grow them
      const bits: number[] = [];
      const pieces = 1 + Math.floor(rand() * 6);
      for (let piece = 0; piece < pieces; piece++) {
        if (rand() < 0.5) {
          // Plain bits before, between and after appends, so appends start at every offset.
          const k = Math.floor(rand() * 20);
          const v = Math.floor(rand() * 2 ** k);
          w.bits(v, k);
          for (let b = k - 1; b >= 0; b--) bits.push(Math.floor(v / 2 ** b) % 2);
        } else {
          const length = rand() < 0.2 ? Math.floor(rand() * 9) : Math.floor(rand() * 300);
          // The source has garbage after its `length` bits (a partial last byte, and a spare byte).
          const src = Uint8Array.from({ length: Math.ceil(length / 8) + 1 }, () => Math.floor(rand() * 256));
          w.append(src, length);
          for (let b = 0; b < length; b++) bits.push((src[b >>> 3]! >>> (7 - (b & 7))) & 1);
        }
        assert.equal(w.bitLength, bits.length, `case ${n}: bit length after piece ${piece}`);
      }
      const bytes = w.finish().slice();
      assert.equal(bytes.length, Math.ceil(bits.length / 8), `case ${n}: byte length`);
      const r = new BitReader(bytes);
      for (let b = 0; b < bits.length; b++) assert.equal(r.bit() ? 1 : 0, bits[b], `case ${n}: bit ${b}`);
      assert.ok(r.atPaddedEnd(), `case ${n}: zero padding`);
      assert.equal(r.overrun, false);
    }
  });

  it('copies a chunk bit for bit: appending what another writer wrote equals writing it directly', () => {
    const rand = seededRandom(SEED + 1);
    for (let n = 0; n < 300; n++) {
      const ops: [number, number][] = Array.from({ length: Math.floor(rand() * 12) }, () => {
        const k = Math.floor(rand() * 34);
        return [Math.floor(rand() * 2 ** k), k];
      });
      const chunk = new BitWriter(4);
      for (const [v, k] of ops) chunk.expGolomb(v, k);
      const bitLength = chunk.bitLength;
      const chunkBytes = chunk.finish().slice();
      const prefix = Math.floor(rand() * 16);
      const direct = new BitWriter(4);
      const copied = new BitWriter(4);
      direct.bits(0b1011 & (2 ** prefix - 1), prefix);
      copied.bits(0b1011 & (2 ** prefix - 1), prefix);
      for (const [v, k] of ops) direct.expGolomb(v, k);
      copied.append(chunkBytes, bitLength);
      direct.bit(true);
      copied.bit(true);
      assert.equal(copied.bitLength, direct.bitLength, `case ${n}`);
      assert.deepEqual([...copied.finish()], [...direct.finish()], `case ${n}`);
    }
  });
});

describe('grouped bodies round-trip through GroupedDecoder', () => {
  it('every client holds the server’s groups and shows their documented merge, over random worlds and choices', () => {
    const stats = newStats();
    for (let s = 0; s < 4; s++) runStream(SEED + 100 * s, 200, stats);
    // The run reached every path it is meant to check.
    assert.ok(stats.bodies > 1000, `bodies ${stats.bodies}`);
    for (const key of [
      'oneTickCanon',
      'oneTickFresh',
      'gapCanon',
      'gapFresh',
      'kept',
      'dropped',
      'deadDropped',
      'added',
      'tooOld',
      'oldestKept',
      'firstTooOld',
      'readded',
      'resyncs',
      'predicted',
      'heldTwice',
      'splitCells',
    ] as const) {
      assert.ok(stats[key] > 0, `no ${key} in ${JSON.stringify(stats)}`);
    }
    assert.ok(stats.maxGap > 5, `largest chunk gap ${stats.maxGap}`);
  });
});

describe('an entity that moved between groups', () => {
  /** Ships at fixed places (real units) by id; the rest of a ship's fields are fixed too. */
  function worldAt(tick: number, ships: Record<number, [number, number]>): Snapshot {
    const list: EntityInput[] = Object.entries(ships).map(([id, [x, y]]) => ({
      id: Number(id),
      kind: SHIP,
      state: { x, y, heading: 0, hp: 10, mode: 'run', name: `s${id}` },
    }));
    return quantizeWorld(schema, tick, list);
  }

  /** Body with held codes for `held` (updated ones get a chunk from the tick held) and `added` groups. */
  function body(
    table: GroupTable,
    held: readonly { group: Group; tick: number; canon: boolean; what: number }[],
    added: readonly Group[],
  ): Uint8Array {
    const w = bodyWriter;
    w.setOrders(table.tables, table.orders);
    w.begin();
    for (const h of held) w.held(h.what, h.what === HELD_UPDATED ? table.chunk(h.group, h.tick, h.canon)! : undefined);
    w.added(added.map((g) => ({ id: g.id, chunk: table.chunk(g, -1, false)! })));
    return w.finish().slice();
  }

  function xOf(s: Snapshot, id: number): number {
    const i = s.ids.indexOf(id);
    assert.ok(i >= 0, `entity ${id} is in the snapshot`);
    return s.values[i * STRIDE]!;
  }

  it('shows the copy of the group updated last, whichever of the two groups comes first', () => {
    const table = newTable();
    const dec = new GroupedDecoder(schema);
    // Tick 1: ship 7 in cell 0 with ship 1 (group a), ship 2 in cell 1 (group b).
    table.prepare(worldAt(1, { 1: [20, 20], 2: [150, 20], 7: [40, 20] }), null);
    const a = table.rowGroup[0]!;
    const b = table.rowGroup[1]!;
    assert.notEqual(a, b);
    assert.equal(table.rowGroup[2], a);
    assert.ok(a.id < b.id, 'group a is older, so merged first');
    let r = dec.decode(1, -1, body(table, [], [a, b]));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual([...r.value.ids], [1, 2, 7]);

    // Tick 2: ship 7 moves on in cell 0 (group a updated by a one-tick chunk: it now has motion).
    table.prepare(worldAt(2, { 1: [20, 20], 2: [150, 20], 7: [45, 20] }), null);
    r = dec.decode(
      2,
      1,
      body(
        table,
        [
          { group: a, tick: 1, canon: false, what: HELD_UPDATED },
          { group: b, tick: 1, canon: false, what: HELD_KEPT },
        ],
        [],
      ),
    );
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(xOf(r.value, 7), 90);

    // Tick 3: ship 7 jumps into cell 1 and joins group b. b is updated, a (holding ship 7 at tick 2,
    // moving) is kept: the newer copy, from b, shows, once; a's copy stays held.
    table.prepare(worldAt(3, { 1: [20, 20], 2: [150, 20], 7: [160, 30] }), null);
    assert.equal(table.rowGroup[2], b);
    r = dec.decode(
      3,
      2,
      body(
        table,
        [
          { group: a, tick: 2, canon: true, what: HELD_KEPT },
          { group: b, tick: 1, canon: false, what: HELD_UPDATED },
        ],
        [],
      ),
    );
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual([...r.value.ids], [1, 2, 7], 'ship 7 shows once');
    assert.equal(xOf(r.value, 7), 320, 'from group b at tick 3, not group a’s copy moved by its motion (100)');
    const held = internals(dec).groups;
    assert.deepEqual([...held[0]!.ids], [1, 7], 'group a still holds its tick-2 copy');
    assert.equal(held[0]!.tick, 2);
    assert.deepEqual([...held[1]!.ids], [2, 7]);

    // Tick 4: ship 7 is back in cell 0. Group a (lower id, so merged first) is updated from tick 2,
    // group b kept at tick 3: group a's copy is newer and wins although b comes later.
    table.prepare(worldAt(4, { 1: [20, 20], 2: [150, 20], 7: [30, 60] }), null);
    assert.equal(table.rowGroup[2], a);
    r = dec.decode(
      4,
      3,
      body(
        table,
        [
          { group: a, tick: 2, canon: true, what: HELD_UPDATED },
          { group: b, tick: 3, canon: false, what: HELD_KEPT },
        ],
        [],
      ),
    );
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual([...r.value.ids], [1, 2, 7]);
    assert.equal(xOf(r.value, 7), 60, 'from group a at tick 4, not group b’s tick-3 copy (320)');
    assert.deepEqual([...internals(dec).groups[1]!.ids], [2, 7], 'group b still holds its tick-3 copy');

    // Tick 5: group b updated too (ship 7 removed from it): one copy left, no conflict.
    table.prepare(worldAt(5, { 1: [20, 20], 2: [150, 20], 7: [30, 60] }), null);
    r = dec.decode(
      5,
      4,
      body(
        table,
        [
          { group: a, tick: 4, canon: false, what: HELD_KEPT },
          { group: b, tick: 3, canon: false, what: HELD_UPDATED },
        ],
        [],
      ),
    );
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual([...internals(dec).groups[1]!.ids], [2]);
    assert.deepEqual([...r.value.ids], [1, 2, 7]);
    assert.equal(xOf(r.value, 7), 60);
  });

  it('resolves to the newer copy when the moved entity comes back as another kind', () => {
    const table = newTable();
    const dec = new GroupedDecoder(schema);
    const orbAt = (tick: number, x: number): Snapshot =>
      quantizeWorld(schema, tick, [
        { id: 1, kind: SHIP, state: { x: 20, y: 20 } },
        { id: 2, kind: SHIP, state: { x: 150, y: 20 } },
        { id: 7, kind: x < 100 ? SHIP : ORB, state: { x, y: 20, spin: 1, charge: 5, label: 'o' } },
      ]);
    table.prepare(orbAt(1, 40), null);
    const a = table.rowGroup[0]!;
    const b = table.rowGroup[1]!;
    assert.ok(dec.decode(1, -1, body(table, [], [a, b])).ok, 'tick 1 decodes');
    table.prepare(orbAt(2, 160), null);
    const r = dec.decode(
      2,
      1,
      body(
        table,
        [
          { group: a, tick: 1, canon: false, what: HELD_KEPT },
          { group: b, tick: 1, canon: false, what: HELD_UPDATED },
        ],
        [],
      ),
    );
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual([...r.value.ids], [1, 2, 7]);
    assert.equal(r.value.kinds[2], ORB);
    assert.equal(r.value.texts![2 * STRIDE + 4], 'o');
  });
});
