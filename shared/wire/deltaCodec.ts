/*
 * Snapshot delta codec: (baseline snapshot | none, current snapshot) → a bit-packed body, and back.
 * (The layout of every frame and body, as tables: shared/wire/README.md.)
 *
 * The body travels inside the msgpack Snapshot message (see protocol.ts), which carries the tick,
 * the baseline tick (-1 for a full snapshot) and the last applied input sequence. The body itself is
 * a bit stream, most significant bit first, padded with zero bits to a whole byte. `EG(k)` below is an
 * order-k Exp-Golomb code (small numbers take few bits); counts and gaps use EG(0).
 *
 *   removed    EG(0) count, then for each removed baseline entity, ascending:
 *                EG(0) gap = position in the baseline − previous position − 1
 *   created    EG(0) count, then for each created entity, ascending id:
 *                EG(0) id gap = id − previous id − 1 (previous starts at −1)
 *                kind index in ⌈log2 kinds⌉ bits (0 bits for a one-kind schema)
 *                every field whole: numeric = quantized value in the field's bit width,
 *                string = EG(0) byte length, then the UTF-8 bytes
 *   changed    EG(0) count; when > 0:
 *                per kind: 1 bit "has changed entities"; if set, 5 bits k per continuous field
 *                then per changed entity, in baseline order among the survivors (not removed):
 *                  EG(0) gap = survivor position − previous survivor position − 1
 *                  1 bit "same mask as the previous changed entity of this kind", else 0 + F-bit mask
 *                  for each field in the mask, in field order:
 *                    continuous (float, angle, int): EG(k) of zigzag(residual) − 1
 *                    discrete (bool, enum): the new value in the field's bit width
 *                    string: EG(0) byte length, then the UTF-8 bytes
 *
 * Prediction. A continuous field's residual is its value minus what the baseline's motion predicts:
 *   predicted = (q_base + motion_base · g) mod range,   g = tick − baseline tick
 * and the field is in the mask only when the residual is not 0, so an entity moving as predicted
 * costs nothing but its share of a gap. After decoding, both sides set each entity's motion to
 *   motion = round(wrap(q_now − q_base) / g)
 * (wrap maps into [−⌊range/2⌋, range − 1 − ⌊range/2⌋]); created entities have no motion. The encoder
 * returns the snapshot the decoder will hold, so the server can use it as the next baseline.
 *
 * Entities are walked in columns (see snapshot.ts); per-kind field tables are compiled once in the
 * SnapshotCodec constructor, so the hot loops read typed arrays only.
 */
import { CodecTables } from './codecTables.ts';
import type { Result } from '../result.ts';
import type { Schema } from '../schema.ts';
import type { Snapshot } from '../snapshot.ts';
import { type DecodeLimits, SnapshotDecoder } from './SnapshotDecoder.ts';
import { type EncodedDelta, SnapshotEncoder } from './SnapshotEncoder.ts';

/**
 * Encodes and decodes snapshot bodies for one schema. Compile one per schema and reuse it: it holds
 * field tables and scratch buffers, so do not share one instance between concurrent encodes (JS is
 * single-threaded, so this only matters across workers).
 *
 * @category Wire internals
 */
export class SnapshotCodec {
  private readonly encoder: SnapshotEncoder;
  private readonly decoder: SnapshotDecoder;

  /** @param schema the compiled schema both sides share. */
  constructor(schema: Schema) {
    const tables = new CodecTables(schema);
    this.encoder = new SnapshotEncoder(tables);
    this.decoder = new SnapshotDecoder(tables);
  }

  /**
   * Encodes `current` against `baseline` (or whole, when `baseline` is null). Deterministic: the same
   * pair always gives the same bytes. `current.motion` is ignored. Throws if `baseline` is not 1 to
   * 2^20 ticks older than `current`, or if either snapshot has another stride than this schema's.
   * The returned bytes are overwritten by the next encode.
   */
  encode(baseline: Snapshot | null, current: Snapshot): EncodedDelta {
    return this.encoder.encode(baseline, current);
  }

  /**
   * Decodes an untrusted body against the client's copy of its baseline (null for a full snapshot),
   * giving the server's quantized snapshot at `tick`. Never throws: every count is bounded by the
   * bits left and by `limits`, every value is range-checked, and trailing bytes are rejected.
   * The result may share columns with `baseline`.
   */
  decode(baseline: Snapshot | null, tick: number, body: Uint8Array, limits: DecodeLimits = {}): Result<Snapshot> {
    return this.decoder.decode(baseline, tick, body, limits);
  }
}
