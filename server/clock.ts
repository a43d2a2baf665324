/**
 * The server's clock is the one both sides share: {@link Clock} and {@link systemClock} live in
 * shared/clock.ts. This module only re-exports them for server modules that still import `./clock.ts`;
 * new code imports shared/clock.ts.
 */
export { type Clock, systemClock, type TimerHandle } from '../shared/clock.ts';
