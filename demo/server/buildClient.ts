/**
 * Builds the arena's browser client with Vite when its sources changed since the last build, so
 * `npm start` is quick on the second run and never serves stale files.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'vite';

/** Folders, relative to the repository root, whose files end up in the browser bundle. */
export const CLIENT_SOURCE_DIRS: readonly string[] = [
  'demo/client',
  'demo/game',
  'client',
  'shared',
  'demo/vite.config.ts',
];

/** Options of {@link ensureClientBuilt}. */
export interface ClientBuildOptions {
  /** The repository root (holds demo/vite.config.ts). */
  readonly repoRoot: string;
  /** Where the bundle goes. Default: the config's outDir (dist/demo). */
  readonly outDir?: string;
  /** Build even when the output looks fresh. Default false. */
  readonly force?: boolean;
  /** Vite's log level. Default 'warn'. */
  readonly logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

/** What {@link ensureClientBuilt} did. */
export interface ClientBuildResult {
  /** The folder holding index.html and the assets. */
  readonly outDir: string;
  /** False when the existing output was newer than every source and was kept. */
  readonly built: boolean;
}

/** Builds the client into `outDir` unless its index.html is newer than every source file. */
export async function ensureClientBuilt(options: ClientBuildOptions): Promise<ClientBuildResult> {
  const outDir = options.outDir ?? join(options.repoRoot, 'dist', 'demo');
  if (options.force !== true) {
    const builtAtMs = await mtimeMs(join(outDir, 'index.html'));
    let newestMs = 0;
    for (const dir of CLIENT_SOURCE_DIRS)
      newestMs = Math.max(newestMs, await newestMtimeMs(join(options.repoRoot, dir)));
    if (builtAtMs > newestMs) return { outDir, built: false };
  }
  await build({
    configFile: join(options.repoRoot, 'demo', 'vite.config.ts'),
    logLevel: options.logLevel ?? 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return { outDir, built: true };
}

async function mtimeMs(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The newest modification time of a file or of any file under a folder (0 if missing). */
async function newestMtimeMs(path: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, await newestMtimeMs(join(path, entry.name)));
  }
  return newest;
}
