/** The tests' fake clock: the engine's {@link ManualClock}, under the name the tests use. */
export { ManualClock as FakeClock } from '../../shared/index.ts';
