/**
 * The positions of a quantized world's rows for a group table (GroupTable.ts): each row's x and y
 * dequantized from its kind's position fields, with the linear fields (float, int) done inline.
 */
import type { Schema, Snapshot } from '../../shared/index.ts';

/** A dequantizer of the form offset + q × scale. */
interface LinearMap {
  readonly offset: number;
  readonly scale: number;
}

/** Dequantizes the rows' positions of one schema; owned by its group table. */
export class RowPositions {
  /** Per world row of the last {@link RowPositions.locate}: x and y (world units; NaN without a position). */
  posX = new Float64Array(0);
  posY = new Float64Array(0);
  private readonly xMap: readonly (LinearMap | null)[];
  private readonly yMap: readonly (LinearMap | null)[];

  /** `xField`/`yField`: per kind, the index of its x (y) field, or -1 for a kind without a position. */
  constructor(
    private readonly schema: Schema,
    private readonly xField: readonly number[],
    private readonly yField: readonly number[],
  ) {
    this.xMap = this.linearMap(xField);
    this.yMap = this.linearMap(yField);
  }

  /**
   * Per kind: its x (y) field's dequantizer as offset + q × scale, for float and int fields (the same
   * arithmetic as their `dequantize`, without a call per row), or null to call `dequantize`.
   */
  private linearMap(fields: readonly number[]): (LinearMap | null)[] {
    return this.schema.kinds.map((kind, k) => {
      const field = fields[k]! < 0 ? undefined : kind.fields[fields[k]!]!;
      if (field?.decl.type === 'float') return { offset: field.decl.min, scale: field.decl.step };
      if (field?.decl.type === 'int') return { offset: field.dequantize(0) as number, scale: 1 }; // q + min
      return null;
    });
  }

  /** Fills posX/posY of every row of `world` (NaN for kinds without a position), growing them if need be. */
  locate(world: Snapshot): void {
    if (this.posX.length < world.count) {
      this.posX = new Float64Array(Math.max(world.count, this.posX.length * 2));
      this.posY = new Float64Array(this.posX.length);
    }
    const { stride, kinds, values } = world;
    const { xField, yField, xMap, yMap, posX, posY } = this;
    for (let row = 0; row < world.count; row++) {
      const k = kinds[row]!;
      const fx = xField[k]!;
      if (fx < 0) {
        posX[row] = NaN;
        posY[row] = NaN;
        continue;
      }
      const qx = values[row * stride + fx]!;
      const qy = values[row * stride + yField[k]!]!;
      const mx = xMap[k]!;
      const my = yMap[k]!;
      posX[row] =
        mx === null ? (this.schema.kinds[k]!.fields[fx]!.dequantize(qx) as number) : mx.offset + qx * mx.scale;
      posY[row] =
        my === null ? (this.schema.kinds[k]!.fields[yField[k]!]!.dequantize(qy) as number) : my.offset + qy * my.scale;
    }
  }
}
