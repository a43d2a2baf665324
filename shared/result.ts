/**
 * The outcome of handling untrusted input: either a value or a human-readable reason.
 * Decoders of socket bytes return this instead of throwing.
 *
 * @category Wire internals
 */
export type Result<T> =
  | {
      /** Success. */
      readonly ok: true;
      /** The value. */
      readonly value: T;
    }
  | {
      /** Failure. */
      readonly ok: false;
      /** A short sentence naming what was wrong (no stack). */
      readonly reason: string;
    };

/**
 * Wraps a successful value.
 *
 * @category Wire internals
 */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/**
 * Wraps a failure reason (a short sentence naming what was wrong, no stack).
 *
 * @category Wire internals
 */
export function fail<T = never>(reason: string): Result<T> {
  return { ok: false, reason };
}
