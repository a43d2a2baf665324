/**
 * Benchmark CLI: `npm run bench -- <command> [options]`. Each command is loaded only when run, so a
 * codec run never loads the server. To add a command, add one line to COMMANDS.
 */

/** A subcommand: a one-line summary and its entry point, which gets the remaining arguments. */
interface Command {
  readonly summary: string;
  readonly run: (args: readonly string[]) => Promise<void>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  load: {
    summary: 'tick-rate load test: a server and headless bots, capacity search, report and plots',
    run: async (args) => {
      const [{ runCli }, { CHECKOUT_SETUP }] = await Promise.all([
        import('../load/index.ts'),
        import('./loadScenarios/index.ts'),
      ]);
      process.exitCode = await runCli(args, CHECKOUT_SETUP);
    },
  },
  record: {
    summary: 'record/replay/broadcast: tick cost, file bytes, seeks in Node and Chromium, 1,000 live viewers',
    run: async (args) => (await import('./record.ts')).main(args),
  },
  codec: {
    summary: 'delta snapshot codec vs msgpackr and JSON on the arena scenarios',
    run: async (args) => (await import('./codec.ts')).main(args),
  },
  client: {
    summary: 'client decode + interpolation per 60 Hz frame (arena, E = 100 and 1000)',
    run: async (args) => (await import('./client.ts')).main(args),
  },
  hostile: {
    summary: 'hostile frames (fuzzed msgpack values, floods, oversize, text, half-open) against a server process',
    run: async (args) => (await import('./hostile.ts')).main(args),
  },
  bigworld: {
    summary: 'interest management: 10,000-unit world, ~100 seen per client, vs all-visible E=100',
    run: async (args) => (await import('./bigworld.ts')).main(args),
  },
  matchmake: {
    summary: 'joins through matchmaking across server processes on a real Redis; a killed process leaving',
    run: async (args) => (await import('./matchmake.ts')).main(args),
  },
  feel: {
    summary: 'play feel: per-frame steps of remote and local ships, latency, corrections (clean, jitter, stalls)',
    run: async (args) => (await import('./feel.ts')).main(args),
  },
  sendfloor: {
    summary: "the machine's floor under per-client send cost: one plain TCP write per client per tick, no engine",
    run: async (args) => (await import('./sendFloor.ts')).main(args),
  },
  snaprate: {
    summary:
      'snapshot rate: real TickwaveClients over sockets at 60, 30, 20 Hz snapshots of a 60 Hz room: interp delay',
    run: async (args) => (await import('./snapshotRate.ts')).main(args),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: npm run bench -- <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `npm run bench -- <command> --help` for its options.',
  ].join('\n');
}

/** Runs the command named by `argv[0]` with the rest of `argv`; resolves to the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  await command.run(rest);
  // A command that sets an exit code of its own (load: 1 when the tick rate did not hold) keeps it.
  return Number(process.exitCode ?? 0);
}

process.exitCode = await runCli(process.argv.slice(2));
