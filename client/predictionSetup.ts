/**
 * Builds a client's predicted-entity set from its `prediction` option: the game's step bound to the
 * option object, the pending-input cap, and the set's appearances reported as the client's events.
 */
import type { KindName, Schema } from '../shared/index.ts';
import type { ClientEvents } from './ClientEvents.ts';
import { DEFAULT_MAX_PENDING_INPUTS, type PredictionOptions } from './clientOptions.ts';
import type { RenderEntity } from './Interpolator.ts';
import { PredictedEntities } from './PredictedEntities.ts';

/** The predicted-entity set for `prediction`, or null without prediction. */
export function predictedEntities<S extends Schema>(
  schema: S,
  prediction: PredictionOptions<S> | undefined,
  drawn: Map<number, RenderEntity>,
  events: ClientEvents<S>,
): PredictedEntities | null {
  if (prediction === undefined) return null;
  const step = prediction.apply.bind(prediction) as (
    state: Record<string, unknown>,
    input: Record<string, unknown>,
    dtSec: number,
  ) => void;
  return new PredictedEntities(
    schema,
    step,
    prediction,
    prediction.maxPendingInputs ?? DEFAULT_MAX_PENDING_INPUTS,
    drawn,
    {
      added: (id, kind) => events.added.emit(id, kind as KindName<S>),
      removed: (id) => events.removed.emit(id),
      error: events.report,
    },
  );
}
