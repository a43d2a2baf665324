#!/usr/bin/env node
/** The `tickwave-load` bin of the package: the load tester against your own room or server. */
import { runCli } from './cli.ts';
import { PACKAGE_SETUP } from './main.ts';

process.exitCode = await runCli(process.argv.slice(2), PACKAGE_SETUP);
