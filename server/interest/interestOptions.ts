/**
 * A room type's interest-management options (`defineRoom(schema, { interest: { … } })`), their
 * defaults and their validation, compiled once per room type against its schema.
 */
import type { KindName, Schema } from '../../shared/index.ts';
import { WireBounds } from '../../shared/wire/wireBounds.ts';

/** Default hysteresis margin as a share of the view radius: an entity enters at r and leaves at r × (1 + this). */
export const DEFAULT_VIEW_MARGIN_SHARE = 0.1;
/** Default byte budget of one client's Snapshot frame (whole frame, envelope included). */
export const DEFAULT_BUDGET_BYTES = 1500;
/** Default grid cell size as a share of the view radius (a view then overlaps about 5 × 5 cells). */
export const DEFAULT_CELL_SHARE = 0.5;
/** Default most entities of one group (see GroupTable.ts). */
export const DEFAULT_GROUP_CAP = 16;
/** Largest group cap. */
export const MAX_GROUP_CAP = 1024;
/** Default priority weight of an entity. */
export const DEFAULT_ENTITY_WEIGHT = 1;

/** Interest management for one room type: who sees what, and how many bytes a client gets per snapshot. */
export interface InterestOptions<S extends Schema = Schema> {
  /** Name of the field holding an entity's x position (a numeric field). Kinds without it are seen by every client. */
  readonly x: string;
  /** Name of the field holding an entity's y position; a kind has both fields or neither. */
  readonly y: string;
  /** Radius of a client's view around its centre, in world units (the units of the x and y fields). */
  readonly viewRadius: number;
  /**
   * Hysteresis: an entity in view leaves only beyond viewRadius + viewMargin, world units. Default 10 % of viewRadius.
   */
  readonly viewMargin?: number;
  /**
   * Side of a grid cell, world units. Default half the view radius. Entities travel in groups of one
   * cell: a client sees the whole of each cell within its view radius.
   */
  readonly cellSize?: number;
  /** Most entities of one group (a crowded cell has several). Default 16; the minimum budget grows with it. */
  readonly groupCap?: number;
  /**
   * Most bytes of one Snapshot frame per client (envelope included). Default {@link DEFAULT_BUDGET_BYTES}; Infinity for
   * none.
   */
  readonly budgetBytes?: number;
  /**
   * Priority weight per kind (> 0; default 1): a kind of weight 2 is updated about twice as often under a tight budget.
   */
  readonly kindWeights?: Partial<Readonly<Record<KindName<S>, number>>>;
}

/** The world's extent and the cell size, in world units. */
export interface GridBounds {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly cellSize: number;
}

/** Interest options compiled against a schema. Immutable; shared by every room of the type. */
export interface ResolvedInterest {
  readonly viewRadius: number;
  readonly viewMargin: number;
  readonly budgetBytes: number;
  readonly grid: GridBounds;
  readonly groupCap: number;
  /** Per kind index: the x field's index, or -1 for a kind without a position. */
  readonly xField: readonly number[];
  /** Per kind index: the y field's index, or -1. */
  readonly yField: readonly number[];
  /** Per kind index: its priority weight. */
  readonly kindWeight: readonly number[];
  /** Body size bounds for the budget. */
  readonly wire: WireBounds;
}

/** Validates `options` against `schema`; throws naming the bad option and how to fix it. */
export function resolveInterest<S extends Schema>(schema: S, options: InterestOptions<S>): ResolvedInterest {
  const where = 'defineRoom: interest';
  if (typeof options.x !== 'string' || typeof options.y !== 'string')
    throw new TypeError(`${where}: x and y must name the position fields, e.g. { x: 'x', y: 'y' }`);
  const viewRadius = options.viewRadius;
  if (!(viewRadius > 0) || !Number.isFinite(viewRadius))
    throw new RangeError(`${where}.viewRadius must be a finite number > 0 (world units); got ${viewRadius}`);
  const viewMargin = options.viewMargin ?? viewRadius * DEFAULT_VIEW_MARGIN_SHARE;
  checkMargin(viewMargin, where);
  const cellSize = options.cellSize ?? viewRadius * DEFAULT_CELL_SHARE;
  if (!(cellSize > 0) || !Number.isFinite(cellSize))
    throw new RangeError(`${where}.cellSize must be a finite number > 0 (world units); got ${cellSize}`);
  const groupCap = options.groupCap ?? DEFAULT_GROUP_CAP;
  if (!Number.isInteger(groupCap) || groupCap < 1 || groupCap > MAX_GROUP_CAP)
    throw new RangeError(`${where}.groupCap must be an integer from 1 to ${MAX_GROUP_CAP}; got ${groupCap}`);
  const wire = new WireBounds(schema, groupCap);
  const budgetBytes = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  checkBudget(budgetBytes, wire, where);
  const xField: number[] = [];
  const yField: number[] = [];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const kind of schema.kinds) {
    const fx = kind.fields.find((f) => f.name === options.x);
    const fy = kind.fields.find((f) => f.name === options.y);
    if ((fx === undefined) !== (fy === undefined)) {
      throw new RangeError(
        `${where}: kind "${kind.name}" has only one of the position fields "${options.x}" and "${options.y}"; ` +
          'declare both or neither',
      );
    }
    if (fx === undefined || fy === undefined) {
      xField.push(-1);
      yField.push(-1);
      continue;
    }
    for (const f of [fx, fy]) {
      if (f.coding === 'text' || typeof f.dequantize(0) !== 'number') {
        throw new RangeError(
          `${where}: field "${f.name}" of kind "${kind.name}" is not numeric; positions must be float or int fields`,
        );
      }
    }
    const [x0, x1] = realRange(fx);
    const [y0, y1] = realRange(fy);
    minX = Math.min(minX, x0);
    maxX = Math.max(maxX, x1);
    minY = Math.min(minY, y0);
    maxY = Math.max(maxY, y1);
    xField.push(fx.index);
    yField.push(fy.index);
  }
  if (minX === Infinity)
    throw new RangeError(
      `${where}: no kind has the fields "${options.x}" and "${options.y}"; name the position fields of your schema`,
    );
  const weights = (options.kindWeights ?? {}) as Readonly<Record<string, number | undefined>>;
  for (const name of Object.keys(weights)) {
    if (!schema.kinds.some((k) => k.name === name))
      throw new RangeError(`${where}.kindWeights: no kind "${name}" in the schema`);
    checkWeight(weights[name]!, `${where}.kindWeights.${name}`);
  }
  const kindWeight = schema.kinds.map((k) => weights[k.name] ?? DEFAULT_ENTITY_WEIGHT);
  return Object.freeze({
    viewRadius,
    viewMargin,
    budgetBytes,
    grid: { minX, minY, maxX, maxY, cellSize },
    groupCap,
    xField,
    yField,
    kindWeight,
    wire,
  });
}

/** Throws unless `budgetBytes` is Infinity or an integer ≥ the schema's minimum. */
export function checkBudget(budgetBytes: number, wire: WireBounds, where: string): void {
  if (budgetBytes === Infinity) return;
  if (!Number.isInteger(budgetBytes) || budgetBytes < wire.minBudgetBytes) {
    throw new RangeError(
      `${where}: budgetBytes must be an integer ≥ ${wire.minBudgetBytes} ` +
        `(one group of this schema in the worst case) or Infinity; got ${budgetBytes}`,
    );
  }
}

/** Throws unless `margin` is a finite number ≥ 0. */
export function checkMargin(margin: number, where: string): void {
  if (!(margin >= 0) || !Number.isFinite(margin))
    throw new RangeError(`${where}: viewMargin must be a finite number ≥ 0 (world units); got ${margin}`);
}

/** Throws unless `weight` is a finite number > 0. */
export function checkWeight(weight: number, where: string): void {
  if (!(weight > 0) || !Number.isFinite(weight))
    throw new RangeError(`${where}: a priority weight must be a finite number > 0; got ${weight}`);
}

function realRange(f: Schema['kinds'][number]['fields'][number]): [number, number] {
  const a = f.dequantize(0) as number;
  const b = f.dequantize(f.range - 1) as number;
  return a <= b ? [a, b] : [b, a];
}
