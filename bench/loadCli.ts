/** `npm run load -- [options]`: the load tester with the built-in scenarios of this checkout. */
import { runCli } from '../load/index.ts';
import { CHECKOUT_SETUP } from './loadScenarios/index.ts';

process.exitCode = await runCli(process.argv.slice(2), CHECKOUT_SETUP);
