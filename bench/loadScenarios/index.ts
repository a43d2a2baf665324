/**
 * The built-in load scenarios of a Tickwave checkout (`npm run load -- --scenario NAME`): room modules
 * the load tester runs like a user's, and the CLI setup that names them.
 */
import type { CliSetup } from '../../load/index.ts';
import { BIGWORLD_ENTITIES } from '../scenarios/bigworld.ts';

const url = (file: string): string => new URL(file, import.meta.url).href;

/** The checkout's CLI setup: the built-in scenarios, reports under bench/results/. */
export const CHECKOUT_SETUP: CliSetup = {
  program: 'npm run load --',
  resultsDir: 'bench/results',
  defaultScenario: 'arena',
  scenarios: {
    arena: { module: url('./arena.ts'), entities: 100 },
    'arena-jitter': { module: url('./arenaJitter.ts'), entities: 100 },
    demo: { module: url('./demo.ts'), entities: 100 },
    bigworld: { module: url('./bigworld.ts'), entities: BIGWORLD_ENTITIES },
    'bigworld-all': { module: url('./bigworldAll.ts'), entities: 100 },
  },
};
