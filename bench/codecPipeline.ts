/**
 * What the codec benchmark (bench/codec.ts) runs each tick: our path for one client (quantize, delta
 * encode, frame, decode, check) and plain msgpackr and JSON full snapshots of the same world, each
 * timing its own steps into per-snapshot samples.
 */
import { Packr, Unpackr } from 'msgpackr';
import { decodeServerMessage, encodeMessage, MsgKind, quantizeWorld, SnapshotCodec } from '../shared/index.ts';
import type { Snapshot } from '../shared/index.ts';
import { arenaSchema, type createArena } from './scenarios/arena.ts';

/** The arena's entities, as the simulation holds them. */
type ArenaEntities = ReturnType<typeof createArena>['entities'];

/** The case a pipeline runs, for its error messages. */
interface CaseName {
  readonly scenario: string;
  readonly entities: number;
  readonly tickRateHz: number;
}

/** A Snapshot frame around `body`, as the server sends it. */
export function frameOf(tick: number, baseTick: number, body: Uint8Array): Uint8Array {
  return encodeMessage({ kind: MsgKind.Snapshot, tick, baseTick, lastInputSeq: -1, body });
}

/** Per-snapshot samples of one case's measured ticks (times in µs). */
export interface CaseSamples {
  readonly frameBytes: number[];
  readonly moving: number[];
  readonly quantizeUs: number[];
  readonly encodeUs: number[];
  readonly decodeUs: number[];
  readonly decodeBodyUs: number[];
  /** Plain msgpackr full snapshots. */
  readonly mp: PlainSamples;
  /** JSON full snapshots. */
  readonly js: PlainSamples;
}

/** Samples of one baseline format (times in µs). */
export interface PlainSamples {
  readonly bytes: number[];
  readonly encodeUs: number[];
  readonly decodeUs: number[];
}

/**
 * Our path for one client in the steady state: quantize, delta-encode against the last `next`, frame,
 * decode the frame and the body on a client copy, and check the client holds the quantized world.
 */
export class OurPipeline {
  private readonly server = new SnapshotCodec(arenaSchema);
  private readonly client = new SnapshotCodec(arenaSchema);
  private baseline: Snapshot | null = null;
  private held: Snapshot | null = null;
  private next: Snapshot | null = null;
  private decoded: Snapshot | null = null;

  constructor(private readonly c: CaseName) {}

  /** Runs tick `tick` of `entities`, adding its timings and sizes to `into` (null while warming up). */
  tick(tick: number, entities: ArenaEntities, into: CaseSamples | null): Snapshot {
    const t0 = performance.now();
    const current = quantizeWorld(arenaSchema, tick, entities);
    const t1 = performance.now();
    const baseline = this.baseline;
    const { bytes, next } = this.server.encode(baseline, current);
    const frame = frameOf(tick, baseline === null ? -1 : baseline.tick, bytes);
    const t2 = performance.now();
    const message = decodeServerMessage(frame);
    const t3 = performance.now();
    if (!message.ok || message.value.kind !== MsgKind.Snapshot)
      throw new Error(`tick ${tick}: the Snapshot frame did not decode`);
    const decoded = this.client.decode(this.held, tick, message.value.body);
    const t4 = performance.now();
    if (!decoded.ok) throw new Error(`tick ${tick}: decode failed: ${decoded.reason}`);
    checkSame(decoded.value, current, this.c);
    if (into !== null) {
      into.quantizeUs.push((t1 - t0) * 1000);
      into.encodeUs.push((t2 - t1) * 1000);
      into.decodeUs.push((t4 - t2) * 1000);
      into.decodeBodyUs.push((t4 - t3) * 1000);
      into.frameBytes.push(frame.length);
      into.moving.push(baseline === null ? current.count : changedEntities(baseline, current));
    }
    this.next = next;
    this.decoded = decoded.value;
    return current;
  }

  /** Moves on: the server's baseline becomes this tick's `next`, the client holds what it decoded. */
  advance(): void {
    this.baseline = this.next;
    this.held = this.decoded;
  }
}

/** Plain msgpackr and JSON full snapshots of the same worlds: each entity an array of its real values. */
export class PlainFormats {
  private readonly packr = new Packr({ useRecords: false });
  private readonly unpackr = new Unpackr({ useRecords: false });
  private readonly fields = arenaSchema.kinds[0]!.fields.map((f) => f.name);

  /** Encodes and decodes tick `tick` of `entities` both ways, adding sizes and timings to `into` (null: warm-up). */
  tick(tick: number, entities: ArenaEntities, into: CaseSamples | null): void {
    const fields = this.fields;
    const rows = entities.map((e) => [e.id, ...fields.map((f) => e.state[f] as number)]);
    const t0 = performance.now();
    const packed = this.packr.pack([MsgKind.Snapshot, tick, rows]);
    const m1 = performance.now();
    this.unpackr.unpack(packed);
    const m2 = performance.now();
    const text = JSON.stringify([MsgKind.Snapshot, tick, rows]);
    const j1 = performance.now();
    JSON.parse(text);
    const j2 = performance.now();
    if (into === null) return;
    const { mp, js } = into;
    mp.bytes.push(packed.length);
    mp.encodeUs.push((m1 - t0) * 1000);
    mp.decodeUs.push((m2 - m1) * 1000);
    js.bytes.push(Buffer.byteLength(text));
    js.encodeUs.push((j1 - m2) * 1000);
    js.decodeUs.push((j2 - j1) * 1000);
  }
}

/** Throws unless the client's snapshot holds exactly the server's quantized world. */
function checkSame(decoded: Snapshot, expected: Snapshot, c: CaseName): void {
  const same =
    decoded.count === expected.count &&
    decoded.ids.every((id, i) => id === expected.ids[i]) &&
    decoded.values.length === expected.values.length &&
    decoded.values.every((v, i) => v === expected.values[i]);
  if (!same)
    throw new Error(
      `${c.scenario} E=${c.entities} ${c.tickRateHz} Hz tick ${expected.tick}: ` +
        'the client decoded another state than the server quantized',
    );
}

/** Entities present in both snapshots whose quantized values differ. Both snapshots hold the same ids here. */
function changedEntities(before: Snapshot, now: Snapshot): number {
  const stride = now.stride;
  let changed = 0;
  for (let i = 0; i < now.count; i++) {
    for (let f = 0; f < stride; f++) {
      if (now.values[i * stride + f] !== before.values[i * stride + f]) {
        changed++;
        break;
      }
    }
  }
  return changed;
}
